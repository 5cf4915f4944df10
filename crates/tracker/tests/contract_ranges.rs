//! The tracker against everything the detection contract accepts (docs/formats.md):
//! each measurement form from each kind of sensor, with values drawn across the whole
//! accepted range of every field, edges included (the smallest positive sigma, the
//! 100 km ceiling, 5,000 km from the origin, the poles, ranges of 2,000 km), the
//! optional attributes, and times that repeat, jump or run backwards. A panic on a
//! 20 km sigma once got through the malformed-line fuzzing because the line was well
//! formed; this is the test that would have caught it. What the tracker reports goes on
//! through the output lines and the alert rules.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
use geodesy::Lla;
use model::{
    Attributes, Detection, Measurement, Sensor, SensorIndex, SensorKind, SensorTable, TrackReport,
    TrackStatus,
};
use proptest::prelude::*;
use rules::{AlertEngine, RulesConfig};
use tracker::{AssociationMethod, MotionKind, Tracker, TrackerConfig};
use zones::{Area, AreaKind, Areas, Border, Shape, Side};

// The parser's plausibility bounds (crates/formats/src/detections.rs).
const MAX_CARTESIAN_M: f64 = 5_000_000.0;
const MAX_RANGE_M: f64 = 2_000_000.0;
const MAX_SIGMA_M: f64 = 100_000.0;
const MAX_SIGMA_RAD: f64 = std::f64::consts::FRAC_PI_2;

/// The sensors of every test: index 0 has no position (Cartesian and geodetic only),
/// then a radar, a passive RF direction finder and an acoustic array 3.4 km apart, an
/// ADS-B receiver and a Remote ID receiver (no position).
fn sensors() -> SensorTable {
    let mut t = SensorTable::new();
    let at = |lon: f64| Some(Lla::try_from_degrees(52.0, lon, 100.0).unwrap());
    let mk = |name: &str, kind, position| Sensor {
        name: name.into(),
        kind,
        position,
        sigma_m: None,
        sigma_range_m: None,
        sigma_azimuth_rad: None,
        sigma_elevation_rad: None,
        pd: Some(0.9),
        max_range_m: Some(150_000.0),
        sac_sic: None,
    };
    t.insert(mk("plain", SensorKind::Other, None));
    t.insert(mk("radar", SensorKind::Radar, at(23.0)));
    t.insert(mk("rf-a", SensorKind::PassiveRf, at(23.05)));
    t.insert(mk("rf-b", SensorKind::Acoustic, at(23.1)));
    t.insert(mk("adsb", SensorKind::Adsb, at(23.0)));
    t.insert(mk("rid", SensorKind::RemoteId, None));
    t
}

/// A value in `[lo, hi]`: mostly uniform, sometimes one of the edges.
fn spread(lo: f64, hi: f64) -> BoxedStrategy<f64> {
    prop_oneof![
        4 => lo..=hi,
        1 => prop::sample::select(vec![lo, hi, 0.5 * (lo + hi)]),
    ]
    .boxed()
}

/// A positive sigma up to `max`: mostly ordinary, sometimes enormous or vanishing.
fn sigma(ordinary: (f64, f64), max: f64) -> BoxedStrategy<f64> {
    prop_oneof![
        6 => ordinary.0..ordinary.1,
        2 => ordinary.1..=max,
        1 => prop::sample::select(vec![5e-324, f64::MIN_POSITIVE, 1e-9, max]),
    ]
    .boxed()
}

fn any_finite() -> BoxedStrategy<f64> {
    prop_oneof![
        3 => -100.0f64..100.0,
        1 => prop::sample::select(vec![0.0, -1e300, 1e300, f64::MAX, f64::MIN, 1e-300]),
    ]
    .boxed()
}

fn attributes() -> impl Strategy<Value = Option<Box<Attributes>>> {
    let text = |v: &[&str]| {
        proptest::option::of(prop::sample::select(
            v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
        ))
    };
    proptest::option::weighted(
        0.5,
        (
            text(&["4ca1f2", "4ca1f3", "RID-1", ""]),
            text(&["drone", "bird", "aircraft", "balloon", "fixed_wing", "?"]),
            proptest::option::of(any_finite()),
            proptest::option::of(any_finite()),
            proptest::option::of(any_finite()),
            text(&["RYR1", ""]),
            proptest::option::of((spread(-90.0, 90.0), spread(-180.0, 360.0))),
        )
            .prop_map(|(id, class_hint, rcs, vr, snr, callsign, op)| {
                Box::new(Attributes {
                    id,
                    class_hint,
                    rcs_dbsm: rcs,
                    radial_velocity_mps: vr,
                    snr_db: snr,
                    callsign,
                    operator_deg: op.map(|(a, b)| [a, b]),
                })
            }),
    )
}

/// One detection's measurement and sensor, at a spatial scale shared by a case so that
/// its points meet often enough to start, update and delete tracks.
fn measurement(scale_m: f64) -> impl Strategy<Value = (u32, Measurement)> {
    let cart_xy = spread(-scale_m, scale_m);
    let cartesian = (
        prop::sample::select(vec![0u32, 4, 5]),
        cart_xy.clone(),
        cart_xy,
        proptest::option::of(spread(
            -MAX_CARTESIAN_M.min(scale_m),
            MAX_CARTESIAN_M.min(scale_m),
        )),
        sigma((1.0, 300.0), MAX_SIGMA_M),
    )
        .prop_map(|(s, x_m, y_m, z_m, sigma_m)| {
            (
                s,
                Measurement::Cartesian {
                    x_m,
                    y_m,
                    z_m,
                    sigma_m,
                },
            )
        });
    // Degrees of latitude and longitude about the origin, at the case's scale.
    let deg = (scale_m / 50_000.0).min(180.0);
    let geodetic = (
        prop::sample::select(vec![0u32, 4, 5]),
        spread((52.0 - deg).max(-90.0), (52.0 + deg).min(90.0)),
        spread((23.0 - deg).max(-180.0), (23.0 + deg).min(360.0)),
        proptest::option::of(spread(-12_000.0, 1_000_000.0)),
        sigma((1.0, 300.0), MAX_SIGMA_M),
    )
        .prop_map(|(s, lat, lon, alt, sigma_m)| {
            let lla = Lla::try_from_degrees(lat, lon, alt.unwrap_or(0.0)).unwrap();
            (
                s,
                Measurement::Geodetic {
                    lla,
                    has_alt: alt.is_some(),
                    sigma_m,
                },
            )
        });
    let angle = || spread(0.0, std::f64::consts::TAU);
    let elevation = || proptest::option::of(spread(-MAX_SIGMA_RAD, MAX_SIGMA_RAD));
    let polar = (
        spread(0.0, MAX_RANGE_M.min(2.0 * scale_m)),
        angle(),
        elevation(),
        sigma((5.0, 100.0), MAX_SIGMA_M),
        sigma((1e-3, 0.05), MAX_SIGMA_RAD),
        sigma((1e-3, 0.05), MAX_SIGMA_RAD),
    )
        .prop_map(|(range_m, azimuth_rad, e, sr, sa, se)| {
            let m = Measurement::Polar {
                range_m,
                azimuth_rad,
                elevation_rad: e,
                sigma_range_m: sr,
                sigma_azimuth_rad: sa,
                sigma_elevation_rad: e.map(|_| se),
            };
            (1u32, m)
        });
    let bearing = (
        prop::sample::select(vec![1u32, 2, 3]),
        angle(),
        elevation(),
        sigma((1e-3, 0.1), MAX_SIGMA_RAD),
        sigma((1e-3, 0.1), MAX_SIGMA_RAD),
    )
        .prop_map(|(s, azimuth_rad, e, sa, se)| {
            let m = Measurement::Bearing {
                azimuth_rad,
                elevation_rad: e,
                sigma_azimuth_rad: sa,
                sigma_elevation_rad: e.map(|_| se),
            };
            (s, m)
        });
    prop_oneof![4 => cartesian, 2 => geodetic, 2 => polar, 2 => bearing]
}

/// Steps between consecutive detections' times: mostly the same scan or the next,
/// sometimes a jump, a step back, or a gap of astronomical size.
fn time_step() -> BoxedStrategy<f64> {
    prop_oneof![
        30 => Just(0.0),
        30 => 0.0f64..2.0,
        3 => -3.0f64..0.0,
        1 => prop::sample::select(vec![1e-12, 60.0, 3_600.0, 1e9, -1e9]),
    ]
    .boxed()
}

/// A case's detections: a spatial scale, a start time far from zero or not, and steps.
fn stream() -> impl Strategy<Value = Vec<Detection>> {
    let scales = vec![300.0, 5_000.0, 200_000.0, MAX_CARTESIAN_M];
    prop::sample::select(scales).prop_flat_map(|scale| {
        let step = (
            time_step(),
            measurement(scale),
            attributes(),
            proptest::option::weighted(0.4, 0..TARGETS.len()),
        );
        (
            prop::sample::select(vec![0.0, -1e12, 1e12]),
            proptest::collection::vec(step, 0..120),
        )
            .prop_map(|(t0, steps)| {
                let mut time_s = t0;
                steps
                    .into_iter()
                    .map(|(dt, (s, m), attributes, target)| {
                        time_s += dt;
                        let (s, measurement) = match target {
                            Some(k) => on_target(k, time_s - t0, s, &m),
                            None => (s, m),
                        };
                        Detection {
                            time_s,
                            sensor: SensorIndex(s),
                            measurement,
                            attributes,
                        }
                    })
                    .collect()
            })
    })
}

/// Straight-line targets (start east and north, metres; velocity, metres per second)
/// that some detections measure, so that tracks confirm and are reported, classified
/// and identified.
const TARGETS: [([f64; 2], [f64; 2]); 3] = [
    ([0.0, 0.0], [20.0, 0.0]),
    ([150.0, -300.0], [0.0, 30.0]),
    ([-200.0, 50.0], [5.0, 5.0]),
];

/// A position detection of target `k` at `dt_s` after the stream's start, from a sensor
/// that reports positions, with the sigma `m` was drawn with.
fn on_target(k: usize, dt_s: f64, s: u32, m: &Measurement) -> (u32, Measurement) {
    let (p, v) = TARGETS[k % TARGETS.len()];
    let sigma_m = match *m {
        Measurement::Cartesian { sigma_m, .. } | Measurement::Geodetic { sigma_m, .. } => sigma_m,
        _ => 10.0,
    };
    let s = if [0, 4, 5].contains(&s) { s } else { 0 };
    let m = Measurement::Cartesian {
        x_m: p[0] + v[0] * dt_s,
        y_m: p[1] + v[1] * dt_s,
        z_m: Some(100.0),
        sigma_m,
    };
    (s, m)
}

/// Alert rules over the border y = 0 near the origin (ours to the north), a protected
/// site and an airfield where alerts are off.
fn alert_engine() -> AlertEngine {
    let border = Border::new(vec![[-50_000.0, 0.0], [50_000.0, 0.0]], Side::Left).unwrap();
    let circle = |name: &str, kind, center_m, radius_m| Area {
        name: String::from(name),
        kind,
        shape: Shape::Circle { center_m, radius_m },
        min_alt_m: -100.0,
        max_alt_m: 3000.0,
    };
    let areas = vec![
        circle("depot", AreaKind::Protected, [0.0, 2_000.0], 500.0),
        circle("airfield", AreaKind::NoAlert, [3_000.0, 1_000.0], 1_000.0),
    ];
    AlertEngine::new(
        RulesConfig::default(),
        Some(border),
        Areas::new(areas).unwrap(),
    )
}

fn config(kind: u8) -> TrackerConfig {
    let mut c = TrackerConfig::default();
    match kind {
        1 => c.motion.model = MotionKind::Cv,
        2 => c.association.method = AssociationMethod::Jpda,
        3 => c.timing.reorder_window_s = 2.0,
        _ => {}
    }
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    /// Whatever the contract accepts, the tracker neither panics nor reports a
    /// tentative track, a non-finite state or time, or times out of order, and every
    /// detection is either accepted or counted as rejected.
    #[test]
    fn every_accepted_detection_is_safe(dets in stream(), kind in 0u8..4) {
        let sensors = sensors();
        let origin = Lla::try_from_degrees(52.0, 23.0, 0.0).unwrap();
        let mut tracker = Tracker::new(config(kind), Some(origin), &sensors).unwrap();
        let mut rules = alert_engine();
        let mut reported = std::collections::BTreeSet::new();
        let mut last = f64::NEG_INFINITY;
        let mut bad: Vec<String> = Vec::new();
        let mut emit = |t: f64, reps: &[TrackReport]| {
            if !(t > last && t.is_finite()) {
                bad.push(format!("report time {t} after {last}"));
            }
            last = t;
            reported.extend(reps.iter().map(|r| r.track));
            for r in reps {
                let finite = r.position_m.iter().chain(&r.velocity_mps).all(|v| v.is_finite());
                let c = r.position_cov_m2;
                let variances = [c[0], c[3], c[5]].iter().all(|v| *v >= 0.0)
                    && c.iter().all(|v| v.is_finite());
                let p = &r.classification.probabilities;
                let probabilities = p.iter().all(|v| (0.0..=1.0).contains(v))
                    && (p.iter().sum::<f64>() - 1.0).abs() < 1e-9;
                if !finite || !variances || !probabilities || r.status == TrackStatus::Tentative {
                    bad.push(format!("report {r:?}"));
                }
                // The output line is JSON an independent parser reads back.
                let mut line = Vec::new();
                formats::append_track(&mut line, r);
                match serde_json::from_slice::<serde_json::Value>(&line) {
                    Ok(v) if v["track"].as_u64() == Some(r.track) => {}
                    other => bad.push(format!("line {} read as {other:?}", String::from_utf8_lossy(&line))),
                }
            }
            // And the alert rules take what the tracker reports.
            for a in rules.step(t, reps) {
                let mut line = Vec::new();
                formats::append_alert(&mut line, &a);
                let known = a.tracks.iter().all(|id| reported.contains(id));
                match serde_json::from_slice::<serde_json::Value>(&line) {
                    Ok(v) if v["alert"].as_u64() == Some(a.alert) && known => {}
                    other => bad.push(format!("alert {a:?} read as {other:?}")),
                }
            }
        };
        let n = dets.len() as u64;
        for det in dets {
            let _ = tracker.push(det, &mut emit);
        }
        tracker.finish(&mut emit);
        let st = tracker.stats();
        prop_assert!(bad.is_empty(), "{bad:?}");
        prop_assert_eq!(st.accepted + st.rejected_too_old + st.rejected_other, n);
    }
}

/// Two plots a picosecond apart (two sensors stamping one object) start no track: the
/// velocity differenced over so short a baseline had a covariance whose rounding left
/// negative variances. 20 ms apart they do.
#[test]
fn plots_too_close_in_time_start_no_track() {
    let started = |dt_s: f64| {
        let mut tracker = Tracker::new(config(1), None, &SensorTable::new()).unwrap();
        let plot = |time_s: f64, x_m: f64| Detection {
            time_s,
            sensor: SensorIndex(0),
            measurement: Measurement::Cartesian {
                x_m,
                y_m: 0.0,
                z_m: None,
                sigma_m: 1.0,
            },
            attributes: None,
        };
        for d in [plot(0.0, 0.0), plot(dt_s, 0.1)] {
            tracker.push(d, &mut |_, _| {}).unwrap();
        }
        tracker.finish(&mut |_, _| {});
        tracker.stats().tracks_started
    };
    assert_eq!(started(1e-12), 0);
    assert_eq!(started(0.005), 0);
    assert_eq!(started(0.02), 1);
}
