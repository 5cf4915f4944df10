//! `skyfence plan` end to end: its files, its promise checked in the closed loop (sim,
//! track, eval on the scenario it writes), the warning goal, terrain, and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use common::{bin, run_ok};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A 22 km border running north along 26.0 E; our side is the east (right).
fn border(dir: &Path) -> PathBuf {
    let p = dir.join("border.geojson");
    std::fs::write(
        &p,
        r#"{"type":"Feature","properties":{"name":"test-line","own_side":"right","depth_m":3000},
            "geometry":{"type":"LineString","coordinates":[[26.0,54.4],[26.0,54.6]]}}"#,
    )
    .unwrap();
    p
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn per_threat(summary: &serde_json::Value, key: &str) -> BTreeMap<String, f64> {
    summary["threats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["threat"].as_str().unwrap().to_owned(),
                t[key].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_plan_writes_its_files_and_the_closed_loop_keeps_its_promise() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan");
    run_ok(
        bin()
            .args(["plan", "-q", "--budget-eur", "1000000", "--border"])
            .arg(border(dir.path()))
            .arg("-o")
            .arg(&out),
    );
    let summary = json(&out.join("summary.json"));
    let capital = summary["total_capital_eur"].as_f64().unwrap();
    assert!(capital > 0.0 && capital <= 1_000_000.0, "{capital}");
    let n = summary["sensors"].as_u64().unwrap() as usize;
    assert!(n > 0);
    assert_eq!(summary["threats"].as_array().unwrap().len(), 5);

    // The placement: every chosen sensor, the border, and a coverage line per km.
    let g = json(&out.join("placement.geojson"));
    let feats = g["features"].as_array().unwrap();
    let kinds = |k: &str| {
        feats
            .iter()
            .filter(|f| f["properties"]["kind"] == k)
            .count()
    };
    assert_eq!(kinds("sensor"), n);
    assert_eq!(kinds("border"), 1);
    let km = summary["length_km"].as_f64().unwrap();
    assert!((km - 22.2).abs() < 0.3, "{km}");
    assert_eq!(kinds("coverage"), km.ceil() as usize);
    for f in feats.iter().filter(|f| f["properties"]["kind"] == "sensor") {
        // On our side (east of 26.0 E), within the allowed depth.
        let lon = f["geometry"]["coordinates"][0].as_f64().unwrap();
        assert!(lon > 26.0 && lon < 26.0 + 3_100.0 / 65_000.0, "{f}");
    }
    // The sensors file: an origin line, then one line per sensor, read back by track.
    let sensors = std::fs::read_to_string(out.join("sensors.jsonl")).unwrap();
    assert_eq!(sensors.lines().count(), n + 1);
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(
        report.matches("<svg").count(),
        3,
        "map, per-km and Pareto plots"
    );
    let csv = std::fs::read_to_string(out.join("per_km.csv")).unwrap();
    assert!(csv.starts_with("km,pd_quadcopter,warning_s_quadcopter"));
    assert_eq!(csv.lines().count(), km.ceil() as usize + 1);
    let pareto = std::fs::read_to_string(out.join("pareto.csv")).unwrap();
    assert!(pareto.lines().count() > 5);

    // The closed loop: the scenario flies the check crossings through the layout.
    let scenario = out.join("scenario.toml");
    let f = |n: &str| dir.path().join(n);
    run_ok(
        bin()
            .args(["sim", "--quiet"])
            .arg(&scenario)
            .arg("-o")
            .arg(f("det.jsonl"))
            .arg("--truth")
            .arg(f("truth.jsonl"))
            .arg("--sensors")
            .arg(f("s.jsonl")),
    );
    run_ok(
        bin()
            .args(["track", "--quiet", "--wind", "90,3", "--sensors"])
            .arg(f("s.jsonl"))
            .arg(f("det.jsonl"))
            .arg("-o")
            .arg(f("tracks.jsonl")),
    );
    let eval: serde_json::Value = serde_json::from_str(&run_ok(
        bin()
            .args(["eval", "--json", "--c", "1000", "--scenario"])
            .arg(&scenario)
            .arg("--truth")
            .arg(f("truth.jsonl"))
            .arg("--tracks")
            .arg(f("tracks.jsonl")),
    ))
    .unwrap();
    let mut sim: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for c in eval["tracked_crossings"].as_array().unwrap() {
        let name = c["target"].as_str().unwrap();
        let threat = name.rsplit_once('-').unwrap().0.to_owned();
        let e = sim.entry(threat).or_default();
        e.0 += 1.0;
        if c["warning_s"].as_f64().is_some() {
            e.1 += 1.0;
        }
    }
    let predicted = per_threat(&summary, "pd_before_border");
    assert_eq!(sim.len(), 5, "{sim:?}");
    for (t, p) in &predicted {
        let (n, seen) = sim[t];
        let s = seen / n;
        assert!(
            (p - s).abs() <= 0.15,
            "{t}: predicted {p:.3}, simulated {s:.3} over {n} crossings"
        );
    }
}

#[test]
fn more_required_warning_costs_more() {
    let dir = tempfile::tempdir().unwrap();
    let b = border(dir.path());
    let threats = dir.path().join("threats.toml");
    std::fs::write(
        &threats,
        "[[threat]]\nname = \"shahed\"\nkind = \"shahed\"\nspeed_mps = [42, 51]\nalt_m = [200, 1500]\n",
    )
    .unwrap();
    let mut cost = Vec::new();
    for w in ["20", "60"] {
        let out = dir.path().join(format!("w{w}"));
        run_ok(
            bin()
                .args(["plan", "-q", "--no-pareto", "--warning-s", w, "--border"])
                .arg(&b)
                .arg("--threats")
                .arg(&threats)
                .arg("-o")
                .arg(&out),
        );
        let s = json(&out.join("summary.json"));
        assert_eq!(s["goal"]["met"], true, "{s}");
        assert!(
            per_threat(&s, "share_with_required_warning")["shahed"] >= 0.75,
            "{s}"
        );
        cost.push(s["total_capital_eur"].as_f64().unwrap());
    }
    assert!(cost[1] > cost[0], "{cost:?}");
}

/// A 300 m ridge 2 km outside the border hides low quadcopters from radars behind it
/// until they are past it; high Shaheds are hidden much less.
#[test]
fn terrain_masks_low_flyers() {
    let dir = tempfile::tempdir().unwrap();
    let b = border(dir.path());
    let mut grid = String::from(
        "ncols 80\nnrows 60\nxllcorner 25.8\nyllcorner 54.35\ncellsize 0.005\nNODATA_value -9999\n",
    );
    for _ in 0..60 {
        let row: Vec<&str> = (0..80)
            .map(|i| {
                let lon = 25.8 + 0.005 * (f64::from(i) + 0.5);
                if (lon - 25.97).abs() < 0.006 {
                    "300"
                } else {
                    "0"
                }
            })
            .collect();
        grid.push_str(&row.join(" "));
        grid.push('\n');
    }
    let terrain = dir.path().join("ridge.asc");
    std::fs::write(&terrain, grid).unwrap();
    let threats = dir.path().join("threats.toml");
    std::fs::write(
        &threats,
        "[[threat]]\nname = \"quadcopter\"\nkind = \"quadcopter\"\nspeed_mps = [10, 14]\nalt_m = [40, 100]\napproach_spread_deg = 10\n\
         [[threat]]\nname = \"shahed\"\nkind = \"shahed\"\nspeed_mps = [42, 51]\nalt_m = [2000, 3000]\napproach_spread_deg = 10\n",
    )
    .unwrap();
    let warn = |with: bool| {
        let out = dir.path().join(if with { "t" } else { "f" });
        let mut c = bin();
        c.args([
            "plan",
            "-q",
            "--budget-eur",
            "1350000",
            "--uniform",
            "drone_radar",
            "--border",
        ])
        .arg(&b)
        .arg("--threats")
        .arg(&threats)
        .arg("-o")
        .arg(&out);
        if with {
            c.arg("--terrain").arg(&terrain);
        }
        run_ok(&mut c);
        per_threat(&json(&out.join("summary.json")), "mean_warning_s")
    };
    let (flat, ridge) = (warn(false), warn(true));
    assert!(
        ridge["quadcopter"] < 0.7 * flat["quadcopter"],
        "{flat:?} {ridge:?}"
    );
    assert!(ridge["shahed"] > 0.9 * flat["shahed"], "{flat:?} {ridge:?}");
}

/// `skyfence plan` with `args` must fail; its standard error.
fn plan_fails(args: &[&std::ffi::OsStr]) -> String {
    let out = bin().arg("plan").args(args).output().unwrap();
    assert!(!out.status.success(), "plan {args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn every_input_problem_is_reported_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let o = dir.path().join("o");
    let b = dir.path().join("bad.geojson");
    std::fs::write(&b, r#"{"type":"Feature","properties":{"depth_m":-1},"geometry":{"type":"LineString","coordinates":[[26.0,54.4],[26.0,154.6]]}}"#).unwrap();
    let s = |x: &'static str| std::ffi::OsStr::new(x);
    let err = plan_fails(&[
        s("--budget-eur"),
        s("1000"),
        s("--border"),
        b.as_os_str(),
        s("-o"),
        o.as_os_str(),
    ]);
    for want in ["own_side", "depth_m", "[longitude, latitude]"] {
        assert!(err.contains(want), "missing {want}: {err}");
    }
    let cat = dir.path().join("cat.toml");
    std::fs::write(
        &cat,
        "[[sensor]]\nname = \"r\"\nkind = \"radar\"\nunit_cost_eur = 0\nreference_pd = 2\n",
    )
    .unwrap();
    let good = border(dir.path());
    let err = plan_fails(&[
        s("--budget-eur"),
        s("1000"),
        s("--border"),
        good.as_os_str(),
        s("--catalogue"),
        cat.as_os_str(),
        s("-o"),
        o.as_os_str(),
    ]);
    assert!(
        err.contains("unit_cost_eur") && err.contains("reference_pd"),
        "{err}"
    );
    // Both goals, or none, is a usage error.
    plan_fails(&[
        s("--budget-eur"),
        s("1000"),
        s("--warning-s"),
        s("60"),
        s("--border"),
        good.as_os_str(),
        s("-o"),
        o.as_os_str(),
    ]);
}
