#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `skyfence decode`: real recordings through the binary, checked against decodes
//! nobody on the project wrote.

mod common;
use common::{bin, run_ok, run_stdin, shared};
use serde_json::Value;

fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_parrot_capture_gives_one_detection_per_location_message() {
    let dir = shared().join("realdata/remoteid");
    let out = run_ok(
        bin()
            .args(["decode", "remoteid", "-q"])
            .arg(dir.join("parrot_anafi4_real.pcapng")),
    );
    let dets = jsonl(&out);
    let expected: Vec<Value> =
        jsonl(&std::fs::read_to_string(dir.join("parrot_anafi4_real.expected.jsonl")).unwrap())
            .into_iter()
            .filter(|m| m["msg_type"] == "location")
            .collect();
    assert_eq!(dets.len(), expected.len());
    assert_eq!(dets.len(), 1140);
    let serial = "1588E040445AC004418";
    let mut with_id = 0;
    for (d, e) in dets.iter().zip(&expected) {
        assert!(
            (d["time_s"].as_f64().unwrap() - e["capture_time_unix"].as_f64().unwrap()).abs() < 1e-5
        );
        assert!((d["lat_deg"].as_f64().unwrap() - e["lat"].as_f64().unwrap()).abs() < 1e-9);
        assert!((d["lon_deg"].as_f64().unwrap() - e["lon"].as_f64().unwrap()).abs() < 1e-9);
        assert_eq!(d["sensor"], "remoteid");
        // The capture declares no accuracy: the documented default sigma.
        assert_eq!(d["sigma_m"], 15.0);
        if d["id"] == serial {
            with_id += 1;
            assert_eq!(d["class"], "drone_rotary");
            assert!(d["operator_lat_deg"].as_f64().is_some());
        } else {
            // Only before the first Basic ID is heard (the capture's first 1.5 s).
            assert!(d.get("id").is_none());
            assert!(d["time_s"].as_f64().unwrap() < 1_680_365_732.0);
        }
    }
    assert_eq!(with_id, 1140 - 15);
    // --messages gives every message: as many as the independent decoder found.
    let msgs = run_ok(
        bin()
            .args(["decode", "remoteid", "--messages", "-q"])
            .arg(dir.join("parrot_anafi4_real.pcapng")),
    );
    assert_eq!(msgs.lines().count(), 2295);
}

#[test]
fn hex_lines_decode_and_bad_lines_are_counted_not_fatal() {
    // A Basic ID then a Location (52.2296756 N 21.0122287 E, accuracy code 10).
    let mut basic = vec![0x02u8, 0x12];
    basic.extend_from_slice(b"SERIAL-1");
    basic.resize(25, 0);
    let mut loc = vec![0x12u8, 0x20, 0, 0, 0];
    loc.extend_from_slice(&522_296_756i32.to_le_bytes());
    loc.extend_from_slice(&210_122_287i32.to_le_bytes());
    loc.extend_from_slice(&[0, 0, 0x98, 0x08, 0, 0, 0x0a, 0, 0, 0, 0, 0]);
    assert_eq!(loc.len(), 25);
    let input = format!(
        "{{\"time_s\":10.0,\"hex\":\"{}\",\"tx\":\"a\"}}\nnot json\n{{\"time_s\":10.5,\"hex\":\"zz\"}}\n\
         {{\"time_s\":11.0,\"hex\":\"{}\",\"tx\":\"a\"}}\n{{\"time_s\":12.0,\"hex\":\"0102\",\"tx\":\"a\"}}\n",
        hex(&basic),
        hex(&loc)
    );
    let (ok, out, err) = run_stdin(&["decode", "remoteid", "-", "--sensor", "rid-east"], &input);
    assert!(ok, "{err}");
    let d = jsonl(&out);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["sensor"], "rid-east");
    assert_eq!(d[0]["id"], "SERIAL-1");
    assert_eq!(d[0]["alt_m"], 100.0);
    assert_eq!(d[0]["time_s"], 11.0);
    assert!(err.contains("1 rejected"), "{err}");
    assert!(err.contains("2 bad lines"), "{err}");
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn a_truncated_capture_keeps_what_came_before_the_damage() {
    let bytes =
        std::fs::read(shared().join("realdata/remoteid/parrot_anafi4_real.pcapng")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.pcapng");
    std::fs::write(&cut, &bytes[..bytes.len() / 2 + 7]).unwrap();
    let out = bin()
        .args(["decode", "remoteid"])
        .arg(&cut)
        .output()
        .unwrap();
    assert!(out.status.success());
    let n = String::from_utf8(out.stdout).unwrap().lines().count();
    assert!(n > 400 && n < 1140, "{n} detections from half the file");
    assert!(String::from_utf8_lossy(&out.stderr).contains("ends inside a block"));
    let out = bin()
        .args(["decode", "remoteid"])
        .arg(dir.path().join("missing"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("opening"));
}

#[test]
fn adsb_frames_from_hex_lines_and_avr_become_detections_with_quality() {
    let text = std::fs::read_to_string(
        shared().join("realdata/modes_frames_traffic_full_flight_head.jsonl"),
    )
    .unwrap();
    let mut lines = String::new();
    let mut avr = String::new();
    for l in text.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        lines.push_str(&format!(
            "{{\"time_s\":{},\"hex\":\"{}\"}}\n",
            v["t"],
            v["hex"].as_str().unwrap()
        ));
        avr.push_str(&format!(
            "*{};\n",
            v["hex"].as_str().unwrap().to_uppercase()
        ));
    }
    lines.push_str("{\"hex\":\"8d\"}\n");
    let (ok, out, err) = run_stdin(
        &["decode", "adsb", "-", "--reference", "49.0097,2.5479"],
        &lines,
    );
    assert!(ok, "{err}");
    let d = jsonl(&out);
    assert_eq!(d.len(), 75, "one detection per airborne position");
    for x in &d {
        assert_eq!(x["id"], "393322");
        assert_eq!(x["sensor"], "adsb");
        assert_eq!(x["callsign"], "AFR34ZG");
        assert_eq!(x["nic"], 8);
        assert!(x["sigma_m"].as_f64().unwrap() > 10.0);
        let lat = x["lat_deg"].as_f64().unwrap();
        assert!((48.9..49.2).contains(&lat), "{lat}");
    }
    // The aircraft climbs out of CDG.
    assert!(d.last().unwrap()["alt_m"].as_f64().unwrap() > d[0]["alt_m"].as_f64().unwrap() + 300.0);
    assert!(err.contains("3000 decoded, 0 refused"), "{err}");
    assert!(err.contains("1 bad lines"), "{err}");
    // AVR text: the same frames; without times, every frame is stamped with the
    // time it is read, and positions still resolve in pairs.
    let (ok, out, err) = run_stdin(&["decode", "adsb", "-", "-q", "--messages"], &avr);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 3000);
    // Neither Beast, AVR nor JSON: a clear error.
    let (ok, _, err) = run_stdin(&["decode", "adsb", "-"], "hello\n");
    assert!(!ok);
    assert!(err.contains("not Beast"), "{err}");
}
