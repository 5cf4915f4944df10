//! Golden file for track output: the exact bytes of a track line. Regenerate with
//! `UPDATE_GOLDEN=1 cargo test -p formats` after an intended format change.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
use model::{TrackReport, TrackStatus};

#[test]
fn track_line_golden() {
    let frame =
        geodesy::LocalFrame::new(geodesy::Lla::try_from_degrees(52.0, 23.0, 100.0).unwrap());
    let reports = [
        TrackReport {
            time_s: 12.5,
            track: 3,
            status: TrackStatus::Confirmed,
            position_m: [1000.0, -250.5, 120.0],
            velocity_mps: [12.0, -3.5, 0.25],
            position_cov_m2: [16.0, 1.5, 0.0, 25.0, 0.0, 400.0],
            lla: Some(
                frame.enu_to_lla(geodesy::Enu(nalgebra::Vector3::new(1000.0, -250.5, 120.0))),
            ),
            existence: 0.999,
            updates: 14,
            last_update_s: 12.5,
        },
        TrackReport {
            time_s: 13.0,
            track: 4,
            status: TrackStatus::Coasting,
            position_m: [-5.0, 7.0, 0.0],
            velocity_mps: [0.0, 0.0, 0.0],
            position_cov_m2: [100.0, 0.0, 0.0, 100.0, 0.0, 90000.0],
            lla: None,
            existence: 0.75,
            updates: 3,
            last_update_s: 12.0,
        },
    ];
    let mut out = Vec::new();
    for r in &reports {
        formats::write_track(&mut out, r).unwrap();
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/tracks.jsonl");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &out).unwrap();
    }
    let want = std::fs::read(&path).expect("golden file missing: run with UPDATE_GOLDEN=1");
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&want)
    );
    // Independent check of the fields with a generic JSON parser.
    let v: serde_json::Value =
        serde_json::from_slice(out.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(v["sigma_y_m"], 5.0);
    assert_eq!(v["status"], "confirmed");
    assert!((v["lat_deg"].as_f64().unwrap() - 51.9977).abs() < 1e-3);
}
