//! Golden file for the map page's feed message (docs/map.md): the exact bytes, and the
//! fields as a generic JSON parser reads them. Regenerate with `UPDATE_GOLDEN=1 cargo
//! test -p formats` after an intended change.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use model::{
    AlertKind, AlertReport, AlertState, Class, Classification, Evidence, SeenBy, SensorIndex,
    TrackFlags, TrackReport, TrackStatus,
};

fn report() -> TrackReport {
    let frame =
        geodesy::LocalFrame::new(geodesy::Lla::try_from_degrees(54.0, 25.7, 150.0).unwrap());
    let mut seen_by = SeenBy::default();
    seen_by.record(SensorIndex(1), 10.0); // 90 s before the report: not listed
    seen_by.record(SensorIndex(0), 99.0);
    TrackReport {
        time_s: 100.0,
        track: 7,
        status: TrackStatus::Confirmed,
        position_m: [500.0, -300.0, 80.0],
        velocity_mps: [-20.123, 1.0, 0.0],
        position_cov_m2: [64.0, 0.0, 0.0, 36.0, 0.0, 100.0],
        horizontal_cov: [[0.0; 4]; 4],
        lla: Some(frame.enu_to_lla(geodesy::Enu(nalgebra::Vector3::new(500.0, -300.0, 80.0)))),
        existence: 0.99871,
        updates: 42,
        last_update_s: 99.0,
        classification: Classification {
            class: Class::DroneFixedWing,
            probabilities: [0.05, 0.9, 0.03, 0.02, 0.0, 0.0],
            evidence: [Some((Evidence::Speed, 1.234)), None, None],
        },
        identity: None,
        flags: TrackFlags::NONE,
        seen_by,
    }
}

#[test]
fn feed_message_golden() {
    let r = report();
    let names = ["radar-1", "rf-1"];
    let class = formats::FeedClass::of(&r, |i| names.get(i.0 as usize).copied());
    let mut other = r.clone();
    other.track = 8;
    let mut msg = formats::FeedMessage::new("delta", 100.0);
    msg.track(&r, Some(&class));
    msg.track(&other, None);
    assert_eq!(msg.track_count(), 2);
    msg.removed_tracks(&[3, 4]);
    msg.alert(&AlertReport {
        time_s: 100.0,
        alert: 2,
        kind: AlertKind::BorderCrossingPredicted,
        state: AlertState::Acknowledged,
        priority: 1,
        tracks: vec![7],
        area: None,
        sensor: None,
        position_m: [500.0, -300.0, 80.0],
        lla: None,
        reason: "track 7 expected to cross".into(),
        acknowledged: Some(("ana".into(), 95.5)),
    });
    let sensors = [formats::SensorStatusLine {
        sensor: "radar-1",
        kind: "radar",
        lat_deg: Some(54.0),
        lon_deg: Some(25.7),
        max_range_m: Some(8000.0),
        detections: 10,
        last_report_s: Some(99.0),
        age_s: Some(1.0),
        rate_per_s: 2.5,
        health: "ok",
    }];
    let text = msg.finish(&[1], Some(&sensors));

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/feed.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let want =
        std::fs::read_to_string(&path).expect("golden file missing: run with UPDATE_GOLDEN=1");
    assert_eq!(text, want);

    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["type"], "delta");
    assert_eq!(v["time_s"], 100.0);
    let t = &v["tracks"][0];
    assert_eq!(t["id"], 7);
    assert_eq!(t["v"][0], -20.1);
    assert!(t.get("status").is_none(), "confirmed is the default");
    assert_eq!(t["sh"], 7.1); // sqrt((64 + 36) / 2)
    assert_eq!(t["c"]["class"], "drone_fixed_wing");
    assert_eq!(t["c"]["class_prob"]["drone_fixed_wing"], 0.9);
    assert_eq!(t["c"]["class_evidence"][0]["evidence"], "speed");
    assert_eq!(t["c"]["existence"], 1.0);
    assert_eq!(t["c"]["updates"], 42);
    assert_eq!(t["c"]["sensors"], serde_json::json!(["radar-1"]));
    assert!(
        v["tracks"][1].get("c").is_none(),
        "an unchanged class part is left out"
    );
    assert_eq!(v["removed"], serde_json::json!([3, 4]));
    assert_eq!(v["alerts"][0]["acknowledged_by"], "ana");
    assert_eq!(v["alerts"][0]["acknowledged_s"], 95.5);
    assert_eq!(v["removed_alerts"], serde_json::json!([1]));
    assert_eq!(v["sensors"][0]["max_range_m"], 8000.0);
}

#[test]
fn the_class_part_is_resent_only_for_a_change_a_person_would_see() {
    let names = ["radar-1", "rf-1"];
    let name = |i: SensorIndex| names.get(i.0 as usize).copied();
    let r = report();
    let key = formats::FeedClass::of(&r, name).key();
    let mut small = r.clone();
    small.classification.probabilities = [0.051, 0.899, 0.03, 0.02, 0.0, 0.0];
    small.existence = 0.9991;
    assert_eq!(formats::FeedClass::of(&small, name).key(), key);
    let mut moved = r.clone();
    moved.classification.probabilities = [0.2, 0.75, 0.03, 0.02, 0.0, 0.0];
    assert_ne!(formats::FeedClass::of(&moved, name).key(), key);
    let mut flagged = r.clone();
    flagged.flags = TrackFlags::NON_COOPERATIVE;
    assert_ne!(formats::FeedClass::of(&flagged, name).key(), key);
    let mut seen = r.clone();
    seen.seen_by.record(SensorIndex(1), 100.0);
    assert_ne!(formats::FeedClass::of(&seen, name).key(), key);
}
