//! `skyfence track` end to end: the real binary on real files.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
mod common;
use common::{bin, shared};

/// The small shared scenario, tracked by the binary and scored with GOSPA (c = 100 m,
/// p = 2, alpha = 2): no worse than Stone Soup 1.9.1's best tracker on the same file
/// (43.21, JPDA with EHM2, from ../shared/scenarios/README.md).
#[test]
fn shared_small_scenario_beats_stone_soup_gospa() {
    let text = std::fs::read_to_string(shared().join("scenarios/scen_small.jsonl")).unwrap();
    let scen = formats::MttScenario::parse(&text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dets = dir.path().join("small.jsonl");
    let cfg = dir.path().join("small.toml");
    let out = dir.path().join("tracks.jsonl");
    std::fs::write(&dets, scen.detection_lines()).unwrap();
    std::fs::write(&cfg, scen.tracker_config_toml()).unwrap();
    let st = bin()
        .args(["track", "--quiet", "--config"])
        .arg(&cfg)
        .arg(&dets)
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    let mut by_time: std::collections::BTreeMap<u64, Vec<[f64; 2]>> = Default::default();
    for line in std::fs::read_to_string(&out).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        by_time
            .entry(v["time_s"].as_f64().unwrap().to_bits())
            .or_default()
            .push([v["x_m"].as_f64().unwrap(), v["y_m"].as_f64().unwrap()]);
    }
    let mut sum = evaluation::GospaSummary::default();
    let p = evaluation::GospaParams { c: 100.0, p: 2.0 };
    for s in &scen.scans {
        let truth: Vec<[f64; 2]> = s.truth.iter().map(|t| [t.x, t.y]).collect();
        let est = by_time.get(&s.t.to_bits()).cloned().unwrap_or_default();
        sum.add(
            &evaluation::gospa(&truth, &est, p).unwrap(),
            evaluation::ospa(&truth, &est, p).unwrap(),
        );
    }
    assert_eq!(sum.scans, 100);
    assert!(
        sum.mean_gospa <= 43.21,
        "mean GOSPA {} is worse than Stone Soup's 43.21",
        sum.mean_gospa
    );
}

fn target_lines(n: usize) -> String {
    target_lines_from(0, n)
}

fn target_lines_from(first: usize, end: usize) -> String {
    (first..end)
        .map(|k| {
            format!(
                "{{\"time_s\":{k},\"sensor\":\"s\",\"x_m\":{},\"y_m\":0,\"sigma_m\":5}}\n",
                10.0 * k as f64
            )
        })
        .collect()
}

#[test]
fn streams_stdin_to_stdout_with_origin() {
    let (ok, out, err) = common::run_stdin(
        &["track", "--origin", "52.2,21.0,100", "-"],
        &target_lines(10),
    );
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    let last = lines.last().unwrap();
    assert_eq!(last["time_s"], 9.0);
    assert!((last["x_m"].as_f64().unwrap() - 90.0).abs() < 10.0);
    assert!((last["vx_mps"].as_f64().unwrap() - 10.0).abs() < 3.0);
    assert!((last["lat_deg"].as_f64().unwrap() - 52.2).abs() < 0.01);
    assert!(err.contains("10 detections accepted"), "{err}");
}

#[test]
fn malformed_line_fails_with_line_and_field() {
    let mut input = target_lines(3);
    input.push_str("{\"time_s\":3,\"sensor\":\"s\",\"x_m\":1,\"y_m\":2}\n");
    input.push_str(&target_lines_from(4, 8));
    let (ok, _, err) = common::run_stdin(&["track", "-"], &input);
    assert!(!ok);
    assert!(err.contains("line 4, field `sigma_m`"), "{err}");
    assert!(err.contains("--on-error skip"), "{err}");
}

#[test]
fn skip_mode_counts_rejections_and_keeps_going() {
    let mut input = target_lines(8);
    input.insert_str(0, "garbage\n{\"time_s\":\"x\"}\n{\"time_s\":1,\"sensor\":\"s\",\"range_m\":5,\"azimuth_deg\":1,\"sigma_range_m\":1,\"sigma_azimuth_deg\":1}\n");
    let (ok, out, err) = common::run_stdin(&["track", "--on-error", "skip", "-"], &input);
    assert!(ok, "{err}");
    assert!(err.contains("8 detections accepted, 3 rejected"), "{err}");
    assert!(
        err.contains("no position"),
        "the polar line's rejection is logged: {err}"
    );
    assert!(out.lines().count() > 0);
}

#[test]
fn invalid_config_lists_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[management]\npd = 1.5\nmax_coast_s = -1\n").unwrap();
    let (ok, _, err) = common::run_stdin(&["track", "--config", cfg.to_str().unwrap(), "-"], "");
    assert!(!ok);
    assert!(
        err.contains("management.pd") && err.contains("management.max_coast_s"),
        "{err}"
    );
    std::fs::write(&cfg, "[management]\npdd = 0.5\n").unwrap();
    let (ok, _, err) = common::run_stdin(&["track", "--config", cfg.to_str().unwrap(), "-"], "");
    assert!(!ok);
    assert!(err.contains("pdd"), "{err}");
}

/// Lines longer than the reader's buffer (a vendor's blob field), CRLF endings, a blank
/// line and a last line without its newline read exactly as the plain file does, and a
/// bad line after a long one is still blamed by its number.
#[test]
fn line_endings_and_long_lines_read_as_plain_lines() {
    let plain = target_lines(40);
    let (ok, want, err) = common::run_stdin(&["track", "-"], &plain);
    assert!(ok, "{err}");
    assert!(!want.is_empty());
    let blob = "x".repeat(70_000);
    let mut odd = String::new();
    for (i, line) in plain.lines().enumerate() {
        if i % 9 == 4 {
            let with_blob = line.replacen('{', &format!("{{\"vendor_blob\":\"{blob}\","), 1);
            odd.push_str(&with_blob);
        } else {
            odd.push_str(line);
        }
        if i == 20 {
            odd.push_str("\r\n");
        }
        odd.push_str("\r\n");
    }
    let odd = odd.trim_end_matches("\r\n").to_string();
    let (ok, got, err) = common::run_stdin(&["track", "-"], &odd);
    assert!(ok, "{err}");
    assert_eq!(got, want);
    assert!(err.contains("41 lines, 40 detections accepted"), "{err}");

    let mut bad = odd.clone();
    bad.push_str("\r\n{\"time_s\":99,\"sensor\":\"s\"}");
    let (ok, _, err) = common::run_stdin(&["track", "-"], &bad);
    assert!(!ok);
    assert!(err.contains("line 42"), "{err}");
}
