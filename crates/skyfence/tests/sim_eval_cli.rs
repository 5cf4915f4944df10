//! `skyfence sim`, `skyfence eval` and `skyfence convert` end to end: the real binary on
//! real files.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
mod common;
use common::{bin, run_ok, shared, Run};
use std::path::Path;

/// Stone Soup 1.9.1's own tracks on the shared small scenario (its GNN with kd-tree
/// gating, run by `cargo xtask bench-track` and kept as a fixture) score exactly what
/// ../shared/scenarios/README.md reports: GOSPA 43.34, 0.21 missed and 0.27 false per
/// scan, OSPA 22.68.
#[test]
fn eval_reproduces_stone_soup_reference_values() {
    let dir = tempfile::tempdir().unwrap();
    let truth = dir.path().join("truth.jsonl");
    run_ok(
        bin()
            .args(["convert", "--from", "mtt-scenario"])
            .arg(shared().join("scenarios/scen_small.jsonl"))
            .arg("--truth")
            .arg(&truth),
    );
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/stonesoup-1.9.1-small-gnn-kdtree.jsonl");
    let out = run_ok(
        bin()
            .args(["eval", "--json", "--truth"])
            .arg(&truth)
            .arg("--tracks")
            .arg(&fixture),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let close = |k: &str, want: f64, tol: f64| {
        let got = v[k].as_f64().unwrap();
        assert!((got - want).abs() <= tol, "{k}: {got} vs {want}");
    };
    close("gospa", 43.34, 0.005);
    close("gospa_missed_per_step", 0.21, 0.0005);
    close("gospa_false_per_step", 0.27, 0.0005);
    close("ospa", 22.68, 0.005);
    assert_eq!(v["steps"], 100);
}

fn library() -> Vec<String> {
    run_ok(bin().args(["sim", "--list"]))
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

/// Every library scenario runs, byte-identically twice with the same seed (and
/// differently with another), and `skyfence track` accepts its output with only the
/// sensors file; `skyfence eval` then scores it.
#[test]
fn library_scenarios_are_deterministic_and_trackable() {
    let names = library();
    assert!(names.len() >= 6, "{names:?}");
    let dir = tempfile::tempdir().unwrap();
    for name in &names {
        let a = Run::new(dir.path(), &format!("{name}-a"));
        let b = Run::new(dir.path(), &format!("{name}-b"));
        let c = Run::new(dir.path(), &format!("{name}-c"));
        let (a_out, b_out) = (a.sim(name, &[]).outputs(), b.sim(name, &[]).outputs());
        assert!(a_out == b_out, "{name}: two runs differ");
        assert!(
            !a_out[0].is_empty() && !a_out[1].is_empty(),
            "{name}: empty output"
        );
        let c_out = c.sim(name, &["--seed", "12345"]).outputs();
        assert!(
            a_out[0] != c_out[0],
            "{name}: another seed gave the same detections"
        );
        let v = a.track().eval(&["--scenario", name]);
        assert!(v["gospa"].as_f64().unwrap().is_finite(), "{name}: {v}");
        assert!(
            v["targets_tracked"].as_u64().unwrap() >= 1,
            "{name}: nothing tracked"
        );
    }
}

/// A scenario with several mistakes gets them all reported at once.
#[test]
fn bad_scenario_reports_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        r#"
name = "bad"
seed = 1
duration_s = -5
[site]
lat_deg = 54
lon_deg = 25
[border]
points = [[54.0, 25.0]]
own_side = "left"
[[target]]
name = "q"
kind = "quadcopter"
motion = "crossing"
rcs_m2 = -20
[[sensor]]
name = "r"
kind = "radar"
lat_deg = 54
lon_deg = 25
sigma_azimuth_deg = 60
"#,
    )
    .unwrap();
    let out = bin().arg("sim").arg(&path).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for want in [
        "duration_s must be positive",
        "border.points needs at least two points",
        "rcs_m2 must be in (0, 1000)",
        "motion crossing needs `from` and `to`",
        "sigma_azimuth_deg 60 is implausible",
    ] {
        assert!(err.contains(want), "missing `{want}` in:\n{err}");
    }
    // A typo in a field name is named too.
    std::fs::write(&path, "name = \"x\"\nseed = 1\nduration_s = 5\nsede = 2\n").unwrap();
    let out = bin().arg("sim").arg(&path).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("sede"));
}

/// Alerts against a border crossing, by hand: target `t` flies north across a border
/// along the x axis (ours to the north) and crosses at t = 30 s; its track alerted at
/// t = 10 s: warning 20 s. One alert on a track following nothing is false.
#[test]
fn eval_alert_warning_time() {
    let dir = tempfile::tempdir().unwrap();
    let scen = dir.path().join("s.toml");
    // Site at (54, 25); border along latitude 54.0 from 24.9 to 25.1 walking east:
    // north is on the left.
    std::fs::write(
        &scen,
        r#"
name = "line"
seed = 1
duration_s = 60
[site]
lat_deg = 54.0
lon_deg = 25.0
[border]
points = [[54.0, 24.9], [54.0, 25.1]]
own_side = "left"
[[sensor]]
name = "r"
kind = "radar"
lat_deg = 54.0
lon_deg = 25.0
"#,
    )
    .unwrap();
    let mut truth = String::new();
    let mut tracks = String::new();
    for k in 0..=60 {
        let y = -300.0 + 10.0 * k as f64;
        truth.push_str(&format!(
            "{{\"time_s\":{k},\"target\":\"t\",\"x_m\":0,\"y_m\":{y},\"threat\":true}}\n"
        ));
        tracks.push_str(&format!(
            "{{\"time_s\":{k},\"track\":1,\"x_m\":5,\"y_m\":{y}}}\n"
        ));
    }
    let alerts = "{\"time_s\":10,\"track\":1}\n{\"time_s\":12,\"track\":9}\n";
    let p = |f: &str| dir.path().join(f);
    std::fs::write(p("truth.jsonl"), truth).unwrap();
    std::fs::write(p("tracks.jsonl"), tracks).unwrap();
    std::fs::write(p("alerts.jsonl"), alerts).unwrap();
    let out = run_ok(
        bin()
            .args(["eval", "--json", "--origin", "54,25,0", "--scenario"])
            .arg(&scen)
            .arg("--truth")
            .arg(p("truth.jsonl"))
            .arg("--tracks")
            .arg(p("tracks.jsonl"))
            .arg("--alerts")
            .arg(p("alerts.jsonl")),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let a = &v["alerts"];
    assert_eq!(a["crossings"].as_array().unwrap().len(), 1, "{a}");
    // The border's ends lie on the parallel 54.0 N, 6.55 km east and west of the site;
    // the tangent plane drops below the ellipsoid there, so in the site's ENU frame the
    // ends sit x^2 tan(lat) / 2R = 6550^2 * 1.376 / (2 * 6.39e6) = 4.6 m north of the
    // east axis, and the straight border crosses x = 0 at y = 4.6 m: t = 30.46 s.
    let w = a["crossings"][0]["warning_s"].as_f64().unwrap();
    assert!((w - 20.46).abs() < 0.03, "{w}");
    assert_eq!(a["missed_crossings"], 0);
    assert_eq!(a["false_alerts"], 1);
}

/// Real-time mode paces output to the clock: 20 simulated seconds at 40 times real
/// time take at least half a second, and detections come out as they are made.
#[test]
fn sim_realtime_paces_output() {
    let dir = tempfile::tempdir().unwrap();
    let scen = dir.path().join("s.toml");
    std::fs::write(
        &scen,
        r#"
name = "pace"
seed = 3
duration_s = 20
[site]
lat_deg = 54.0
lon_deg = 25.0
[border]
points = [[54.1, 24.9], [54.1, 25.1]]
own_side = "right"
[[target]]
name = "q"
kind = "quadcopter"
motion = "orbit"
center = [54.01, 25.0]
radius_m = 200
[[sensor]]
name = "r"
kind = "radar"
lat_deg = 54.0
lon_deg = 25.0
clutter_per_scan = 2
"#,
    )
    .unwrap();
    let paced = Run::new(dir.path(), "paced");
    let t0 = std::time::Instant::now();
    paced.sim(&scen, &["--realtime", "--speed", "40"]);
    let wall = t0.elapsed().as_secs_f64();
    assert!(wall >= 0.5, "took {wall} s");
    let fast = Run::new(dir.path(), "fast");
    fast.sim(&scen, &[]);
    // Pacing changes when lines come out, never what they say.
    assert_eq!(paced.outputs()[0], fast.outputs()[0]);
}

/// A recorded trajectory as target motion: the real UAV GPS log of ../shared/realdata
/// (its absolute position was shifted by its publisher) is moved to start beside a
/// radar; the truth follows the recording's motion step for step, and the radar's
/// plots are tracked.
#[test]
fn recorded_trajectory_as_motion() {
    let dir = tempfile::tempdir().unwrap();
    let rec = shared().join("realdata/tracks_stonesoup_uav_rot.jsonl");
    let scen = dir.path().join("s.toml");
    std::fs::write(
        &scen,
        format!(
            r#"
name = "recorded"
seed = 4
duration_s = 600
[site]
lat_deg = 54.0
lon_deg = 25.0
[border]
points = [[54.1, 24.9], [54.1, 25.1]]
own_side = "right"
[[target]]
name = "uav"
kind = "quadcopter"
motion = "recorded"
recording = "{}"
recording_id = "uav_rot_1"
from = [54.01, 25.0]
alt_m = 100
[[sensor]]
name = "r"
kind = "radar"
lat_deg = 54.0
lon_deg = 25.0
"#,
            rec.display()
        ),
    )
    .unwrap();
    let run = Run::new(dir.path(), "uav");
    run.sim(&scen, &[]);
    let truth: Vec<serde_json::Value> = std::fs::read_to_string(&run.truth)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(truth.len() > 500, "{}", truth.len());
    // It starts where it was put, 100 m up.
    assert!((truth[0]["lat_deg"].as_f64().unwrap() - 54.01).abs() < 1e-6);
    assert!((truth[0]["alt_m"].as_f64().unwrap() - 100.0).abs() < 0.01);
    // Displacements over 100 s match the recording's own (the shape is kept).
    let recorded =
        formats::parse_recording(&std::fs::read_to_string(&rec).unwrap(), "uav_rot_1").unwrap();
    let frame = geodesy::LocalFrame::new(
        geodesy::Lla::try_from_degrees(recorded[0][1], recorded[0][2], recorded[0][3]).unwrap(),
    );
    let rec_at = |dt: f64| {
        let k = recorded
            .iter()
            .position(|p| p[0] - recorded[0][0] >= dt)
            .unwrap();
        frame
            .lla_to_enu(
                geodesy::Lla::try_from_degrees(recorded[k][1], recorded[k][2], recorded[k][3])
                    .unwrap(),
            )
            .0
    };
    let sim_at = |t: f64| {
        let v = truth
            .iter()
            .find(|v| v["time_s"].as_f64().unwrap() >= t)
            .unwrap();
        nalgebra::Vector3::new(
            v["x_m"].as_f64().unwrap(),
            v["y_m"].as_f64().unwrap(),
            v["z_m"].as_f64().unwrap(),
        )
    };
    let d_rec = rec_at(300.0) - rec_at(0.0);
    let d_sim = sim_at(300.0) - sim_at(0.0);
    assert!((d_rec - d_sim).norm() < 2.0, "{d_rec:?} vs {d_sim:?}");
    assert!(d_rec.norm() > 20.0, "the recording should move: {d_rec:?}");
    let v = run.track().eval(&[]);
    assert_eq!(v["targets_tracked"], 1, "{v}");
}

/// A reader that stops early (`skyfence sim -o - | head`, `skyfence sim --list | head`)
/// is not an error: the command ends quietly with success, with no panic and no error
/// message. The scenario's detections are megabytes, far beyond a pipe's buffer, so
/// the write after the reader has gone fails for certain.
#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::BufRead;
    use std::process::Stdio;
    let spawn = |cmd: &mut std::process::Command| {
        cmd.stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Waits for the command and checks it succeeded; its standard error.
    let ends_ok = |child: std::process::Child| {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{:?}: {stderr}", out.status);
        stderr
    };
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn(
        bin()
            .args([
                "sim",
                "quad-night-crossing",
                "--quiet",
                "-o",
                "-",
                "--truth",
            ])
            .arg(dir.path().join("truth.jsonl"))
            .arg("--sensors")
            .arg(dir.path().join("sensors.jsonl")),
    );
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("\"time_s\""), "{first}");
    let stderr = ends_ok(child);
    assert!(stderr.is_empty(), "{stderr}");

    // The list is short; its reader is gone before the command starts.
    let mut child = spawn(bin().args(["sim", "--list"]));
    drop(child.stdout.take());
    let stderr = ends_ok(child);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
