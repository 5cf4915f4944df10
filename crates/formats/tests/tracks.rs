//! Golden file for track output: the exact bytes of a track line. Regenerate with
//! `UPDATE_GOLDEN=1 cargo test -p formats` after an intended format change.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
use model::{
    Class, Classification, Evidence, Identity, IdentitySource, TrackFlags, TrackReport, TrackStatus,
};

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
            horizontal_cov: [[0.0; 4]; 4],
            lla: Some(
                frame.enu_to_lla(geodesy::Enu(nalgebra::Vector3::new(1000.0, -250.5, 120.0))),
            ),
            existence: 0.999,
            updates: 14,
            last_update_s: 12.5,
            classification: Classification {
                class: Class::DroneRotary,
                probabilities: [0.8123, 0.05, 0.1, 0.0, 0.0377, 0.0],
                evidence: [
                    Some((Evidence::RfEmission, 2.3456)),
                    Some((Evidence::Rcs, 0.5)),
                    None,
                ],
            },
            identity: Some(Identity {
                id: "SN-1581F\"X".into(),
                source: IdentitySource::RemoteId,
                callsign: None,
                operator_deg: Some([52.01, 23.02]),
            }),
            flags: TrackFlags::NONE,
            seen_by: Default::default(),
        },
        TrackReport {
            time_s: 13.0,
            track: 4,
            status: TrackStatus::Coasting,
            position_m: [-5.0, 7.0, 0.0],
            velocity_mps: [0.0, 0.0, 0.0],
            position_cov_m2: [100.0, 0.0, 0.0, 100.0, 0.0, 90000.0],
            horizontal_cov: [[0.0; 4]; 4],
            lla: None,
            existence: 0.75,
            updates: 3,
            last_update_s: 12.0,
            classification: Classification::default(),
            identity: None,
            flags: {
                let mut f = TrackFlags::NON_COOPERATIVE;
                f.insert(TrackFlags::COOPERATIVE_LOST);
                f
            },
            seen_by: Default::default(),
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
    assert_eq!(v["class"], "drone_rotary");
    assert_eq!(v["class_prob"]["drone_rotary"], 0.812);
    assert_eq!(v["class_evidence"][0]["evidence"], "rf_emission");
    assert_eq!(v["class_evidence"][0]["weight_nats"], 2.35);
    assert_eq!(v["identity"]["id"], "SN-1581F\"X");
    assert_eq!(v["identity"]["source"], "remote_id");
    let v2: serde_json::Value =
        serde_json::from_slice(out.split(|&b| b == b'\n').nth(1).unwrap()).unwrap();
    assert_eq!(v2["class"], "unknown");
    assert!(v2["identity"].is_null());
    assert_eq!(
        v2["flags"],
        serde_json::json!(["non_cooperative", "cooperative_lost"])
    );
}

fn any_f64() -> impl proptest::strategy::Strategy<Value = f64> {
    use proptest::prelude::*;
    prop_oneof![
        8 => -1e7f64..1e7,
        1 => proptest::num::f64::ANY,
        1 => Just(0.0),
    ]
}

proptest::proptest! {
    /// The hand-written line writer must give exactly serde_json's bytes for the
    /// documented `TrackLine`, whatever the numbers (NaN and infinities included).
    #[test]
    fn hand_written_line_matches_serde(
        t in any_f64(), id in proptest::prelude::any::<u64>(),
        p in proptest::array::uniform3(any_f64()), v in proptest::array::uniform3(any_f64()),
        c in proptest::array::uniform6(any_f64()), e in any_f64(),
        n in proptest::prelude::any::<u32>(), last in any_f64(), with_lla in proptest::prelude::any::<bool>(),
        lat in -90.0f64..90.0, lon in -180.0f64..180.0, alt in -1e3f64..1e5,
        probs in proptest::array::uniform6(0.0f64..1.0), class in 0usize..6,
        evidence in proptest::collection::vec((0usize..Evidence::COUNT, any_f64()), 0..=3),
        ident in proptest::option::of(("\\PC{0,12}", proptest::option::of("\\PC{0,8}"), proptest::prelude::any::<bool>())),
        flags in 0u8..32,
    ) {
        let mut ev = [None; 3];
        for (slot, (e, w)) in ev.iter_mut().zip(evidence) {
            *slot = Some((Evidence::ALL[e], w));
        }
        let r = TrackReport {
            time_s: t,
            track: id,
            status: if n % 2 == 0 { TrackStatus::Confirmed } else { TrackStatus::Coasting },
            position_m: p,
            velocity_mps: v,
            position_cov_m2: c,
            horizontal_cov: [[0.0; 4]; 4],
            lla: with_lla.then(|| geodesy::Lla::try_from_degrees(lat, lon, alt).unwrap()),
            existence: e,
            updates: n,
            last_update_s: last,
            classification: Classification { class: Class::ALL[class], probabilities: probs, evidence: ev },
            identity: ident.map(|(id, callsign, rid)| Identity {
                id,
                source: if rid { IdentitySource::RemoteId } else { IdentitySource::Adsb },
                callsign,
                operator_deg: rid.then_some([lat, lon]),
            }),
            flags: TrackFlags(flags),
            seen_by: Default::default(),
        };
        let mut want = serde_json::to_vec(&formats::TrackLine::from(&r)).unwrap();
        want.push(b'\n');
        let mut got = Vec::new();
        formats::append_track(&mut got, &r);
        proptest::prop_assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(&want));
    }
}
