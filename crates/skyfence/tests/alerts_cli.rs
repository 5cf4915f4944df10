//! Alerts through the whole chain: a library scenario simulated (with its zone file),
//! tracked with the alert rules, and the alerts scored against the truth's crossings.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
mod common;
use common::Run;

#[test]
fn the_dark_aircraft_raises_an_airspace_violation_before_it_crosses() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(dir.path(), "to");
    let zones = dir.path().join("zones.geojson");
    let alerts = dir.path().join("alerts.jsonl");
    run.sim("transponder-off", &["--geojson", zones.to_str().unwrap()]);
    run.track_with(&[
        "--zones",
        zones.to_str().unwrap(),
        "--alerts",
        alerts.to_str().unwrap(),
    ]);
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&alerts)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = lines
        .iter()
        .filter(|l| l["state"] == "new")
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"airspace_violation"), "{kinds:?}");
    assert!(kinds.contains(&"possibly_spoofed"), "{kinds:?}");
    // Every line has the documented fields; every alert that opened also closed by the
    // end or is still open, never reopened under the same id.
    for l in &lines {
        for f in [
            "time_s", "alert", "kind", "state", "priority", "tracks", "lat_deg", "lon_deg",
            "reason",
        ] {
            assert!(!l[f].is_null(), "{f} missing in {l}");
        }
    }
    let v = run.eval(&[
        "--alerts",
        alerts.to_str().unwrap(),
        "--scenario",
        "transponder-off",
    ]);
    let a = &v["alerts"];
    assert_eq!(a["missed_crossings"], 0, "{a}");
    let warning = a["crossings"][0]["warning_s"].as_f64().unwrap();
    assert!(warning > 60.0, "warning only {warning} s: {a}");
}

#[test]
fn zones_without_an_origin_or_with_mistakes_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let zones = dir.path().join("z.geojson");
    std::fs::write(
        &zones,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kind":"border","own_side":"up"},"geometry":{"type":"LineString","coordinates":[[23,52],[24,52]]}}]}"#,
    )
    .unwrap();
    let det = dir.path().join("d.jsonl");
    std::fs::write(
        &det,
        "{\"time_s\":0,\"sensor\":\"s\",\"x_m\":1,\"y_m\":2,\"sigma_m\":5}\n",
    )
    .unwrap();
    let tracks = dir.path().join("t.jsonl");
    // `skyfence track [front...] --zones Z --alerts - D`, which must fail: its stderr.
    let refused = |front: &[&std::ffi::OsStr]| {
        let out = common::bin()
            .arg("track")
            .args(front)
            .arg("--zones")
            .arg(&zones)
            .args(["--alerts", "-"])
            .arg(&det)
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let o = |s: &'static str| std::ffi::OsStr::new(s);
    assert!(refused(&[]).contains("cannot both go to standard output"));
    assert!(refused(&[o("-o"), tracks.as_os_str()]).contains("needs a site origin"));
    let err = refused(&[o("--origin"), o("52,23.5,0"), o("-o"), tracks.as_os_str()]);
    assert!(
        err.contains("own_side") && err.contains("1 problem"),
        "{err}"
    );
}
