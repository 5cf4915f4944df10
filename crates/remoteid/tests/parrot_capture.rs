#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The real Parrot Anafi capture in ../shared/realdata/remoteid decodes to exactly the
//! messages an independent decoder found in it (the expected file beside it).

use remoteid::message::{HeightType, IdType, Message, UaType};
use remoteid::{Receiver, ReceiverConfig};
use serde_json::Value;
use std::path::PathBuf;

fn shared(file: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/realdata/remoteid")
        .join(file);
    assert!(
        p.exists(),
        "this test needs {} (the shared reference files beside the repository)",
        p.display()
    );
    p
}

fn close(a: Option<f64>, b: &Value, tol: f64, what: &str, n: usize) {
    match (a, b.as_f64()) {
        (None, None) => {}
        (Some(x), Some(y)) => assert!((x - y).abs() <= tol, "message {n}: {what} {x} vs {y}"),
        _ => panic!("message {n}: {what} {a:?} vs {b}"),
    }
}

#[test]
fn every_message_of_the_parrot_capture_matches_the_independent_decode() {
    let file = std::fs::File::open(shared("parrot_anafi4_real.pcapng")).unwrap();
    let mut rx = Receiver::new(ReceiverConfig::default());
    let mut lines = Vec::new();
    capture::for_each_packet(file, |p| {
        for payload in remoteid::transport::from_packet(p.linktype, p.data) {
            lines.extend(rx.hear(p.time_s, &payload, None).messages);
        }
    })
    .unwrap();
    let expected: Vec<Value> = std::fs::read_to_string(shared("parrot_anafi4_real.expected.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), expected.len(), "message count");
    assert_eq!(rx.stats().rejected, 0);
    for (n, (got, want)) in lines.iter().zip(&expected).enumerate() {
        assert!(
            (got.time_s - want["capture_time_unix"].as_f64().unwrap()).abs() < 1e-6,
            "message {n}: time"
        );
        assert_eq!(
            got.tx_mac.as_deref(),
            want["tx_mac"].as_str(),
            "message {n}"
        );
        assert_eq!(
            got.counter.map(u64::from),
            want["counter"].as_u64(),
            "message {n}"
        );
        assert_eq!(want["transport"], "wifi_beacon");
        match &got.message {
            Message::Location(l) => {
                assert_eq!(want["msg_type"], "location", "message {n}");
                assert_eq!(u64::from(l.status), want["status"].as_u64().unwrap());
                let ht = if l.height_type == HeightType::AboveTakeoff {
                    "above_takeoff"
                } else {
                    "above_ground"
                };
                assert_eq!(ht, want["height_type"]);
                close(
                    l.direction_deg,
                    &want["direction_deg"],
                    1e-9,
                    "direction",
                    n,
                );
                close(l.speed_h_mps, &want["speed_h_mps"], 1e-9, "speed", n);
                close(
                    l.speed_v_mps,
                    &want["speed_v_mps"],
                    1e-9,
                    "vertical speed",
                    n,
                );
                close(l.lat, &want["lat"], 1e-9, "lat", n);
                close(l.lon, &want["lon"], 1e-9, "lon", n);
                close(l.alt_baro_m, &want["alt_baro_m"], 1e-9, "baro altitude", n);
                close(
                    l.alt_geo_m,
                    &want["alt_geo_m"],
                    1e-9,
                    "geodetic altitude",
                    n,
                );
                close(l.height_m, &want["height_m"], 1e-9, "height", n);
                close(
                    l.timestamp_s_since_hour,
                    &want["timestamp_s_since_hour"],
                    1e-9,
                    "timestamp",
                    n,
                );
                assert_eq!(u64::from(l.horiz_acc), want["horiz_acc"].as_u64().unwrap());
                assert_eq!(u64::from(l.vert_acc), want["vert_acc"].as_u64().unwrap());
                assert_eq!(u64::from(l.baro_acc), want["baro_acc"].as_u64().unwrap());
                assert_eq!(u64::from(l.speed_acc), want["speed_acc"].as_u64().unwrap());
            }
            Message::BasicId(b) => {
                assert_eq!(want["msg_type"], "basic_id", "message {n}");
                assert_eq!(b.uas_id, want["uas_id"].as_str().unwrap());
                assert_eq!(b.id_type, IdType::SerialNumber);
                assert_eq!(want["id_type"], "serial_number");
                assert_eq!(b.ua_type, UaType::HelicopterOrMultirotor);
                assert_eq!(want["ua_type"], "helicopter_or_multirotor");
            }
            Message::System(s) => {
                assert_eq!(want["msg_type"], "system", "message {n}");
                close(
                    s.operator_lat,
                    &want["operator_lat"],
                    1e-9,
                    "operator lat",
                    n,
                );
                close(
                    s.operator_lon,
                    &want["operator_lon"],
                    1e-9,
                    "operator lon",
                    n,
                );
                assert_eq!(
                    u64::from(s.operator_location_type),
                    want["operator_location_type"].as_u64().unwrap()
                );
                assert_eq!(
                    u64::from(s.classification_type),
                    want["classification_type"].as_u64().unwrap()
                );
                assert_eq!(
                    u64::from(s.area_count),
                    want["area_count"].as_u64().unwrap()
                );
                assert_eq!(
                    u64::from(s.area_radius_m),
                    want["area_radius_m"].as_u64().unwrap()
                );
                // The independent decoder prints the "unknown" altitude as -1000 m.
                let alt = |v: Option<f64>| v.unwrap_or(-1000.0);
                assert_eq!(
                    alt(s.area_ceiling_m),
                    want["area_ceiling_m"].as_f64().unwrap()
                );
                assert_eq!(alt(s.area_floor_m), want["area_floor_m"].as_f64().unwrap());
                assert_eq!(
                    alt(s.operator_alt_geo_m),
                    want["operator_alt_geo_m"].as_f64().unwrap()
                );
                assert_eq!(
                    u64::from(s.category_eu),
                    want["category_eu"].as_u64().unwrap()
                );
                assert_eq!(u64::from(s.class_eu), want["class_eu"].as_u64().unwrap());
                assert_eq!(
                    s.system_timestamp_unix,
                    want["system_timestamp_unix"].as_u64().unwrap()
                );
            }
            Message::OperatorId(o) => {
                assert_eq!(want["msg_type"], "operator_id", "message {n}");
                assert_eq!(o.operator_id, want["operator_id"].as_str().unwrap());
                assert_eq!(
                    u64::from(o.operator_id_type),
                    want["operator_id_type"].as_u64().unwrap()
                );
            }
            other => panic!("message {n}: unexpected {other:?}"),
        }
    }
}
