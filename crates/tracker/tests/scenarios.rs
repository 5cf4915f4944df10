//! Crafted scenarios with known answers for the whole tracker.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
use geodesy::{enu_to_rae, Lla, LocalFrame};
use model::{Detection, Measurement, Sensor, SensorIndex, SensorKind, SensorTable, TrackReport};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use std::collections::BTreeMap;
use tracker::{MotionKind, Rejection, Tracker, TrackerConfig};

fn cart(t: f64, x: f64, y: f64, sigma: f64) -> Detection {
    Detection {
        time_s: t,
        sensor: SensorIndex(0),
        measurement: Measurement::Cartesian {
            x_m: x,
            y_m: y,
            z_m: None,
            sigma_m: sigma,
        },
        attributes: None,
    }
}

fn run(tracker: &mut Tracker, dets: Vec<Detection>) -> BTreeMap<u64, Vec<TrackReport>> {
    let mut out: BTreeMap<u64, Vec<TrackReport>> = BTreeMap::new();
    let mut emit = |t: f64, r: &[TrackReport]| {
        out.insert(t.to_bits(), r.to_vec());
    };
    for d in dets {
        let _ = tracker.push(d, &mut emit);
    }
    tracker.finish(&mut emit);
    out
}

fn cv_config() -> TrackerConfig {
    let mut c = TrackerConfig::default();
    c.motion.model = MotionKind::Cv;
    c.management.clutter_density_per_m2 = 1e-7;
    c
}

/// Two targets cross in an X, 60 m apart at the closest point, measured with 5 m noise
/// and clutter. Each keeps one track id from confirmation to the end.
#[test]
fn crossing_targets_keep_their_ids() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let n = Normal::new(0.0, 5.0).unwrap();
    let mut dets = Vec::new();
    let truth = |k: f64| {
        [
            (-600.0 + 20.0 * k, -600.0 + 20.0 * k + 30.0),
            (-600.0 + 20.0 * k, 600.0 - 20.0 * k - 30.0),
        ]
    };
    for k in 0..60 {
        let t = k as f64;
        for (x, y) in truth(t) {
            if rng.gen::<f64>() < 0.95 {
                dets.push(cart(t, x + n.sample(&mut rng), y + n.sample(&mut rng), 5.0));
            }
        }
        for _ in 0..3 {
            dets.push(cart(
                t,
                rng.gen_range(-3000.0..3000.0),
                rng.gen_range(-3000.0..3000.0),
                5.0,
            ));
        }
    }
    let mut tracker = Tracker::new(cv_config(), None, &SensorTable::new()).unwrap();
    let out = run(&mut tracker, dets);
    // Which track is nearest each target at each scan after confirmation.
    let mut ids: [std::collections::BTreeSet<u64>; 2] = Default::default();
    for k in 5..60 {
        let reps = &out[&(k as f64).to_bits()];
        for (i, (x, y)) in truth(k as f64).iter().enumerate() {
            let best = reps
                .iter()
                .map(|r| {
                    (
                        ((r.position_m[0] - x).powi(2) + (r.position_m[1] - y).powi(2)).sqrt(),
                        r.track,
                    )
                })
                .fold((f64::INFINITY, 0), |a, b| if b.0 < a.0 { b } else { a });
            assert!(
                best.0 < 25.0,
                "scan {k}: target {i} has no track within 25 m ({})",
                best.0
            );
            ids[i].insert(best.1);
        }
    }
    assert_eq!(ids[0].len(), 1, "target 0 changed track id: {:?}", ids[0]);
    assert_eq!(ids[1].len(), 1, "target 1 changed track id: {:?}", ids[1]);
    assert_ne!(ids[0], ids[1]);
}

/// Uniform clutter at the configured density and no target: no track is confirmed.
#[test]
fn clutter_alone_confirms_nothing() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut dets = Vec::new();
    // 20 false plots per scan over 10 km x 10 km = 2e-7 per m^2, as configured.
    for k in 0..200 {
        for _ in 0..20 {
            dets.push(cart(
                k as f64,
                rng.gen_range(0.0..10_000.0),
                rng.gen_range(0.0..10_000.0),
                10.0,
            ));
        }
    }
    let mut cfg = cv_config();
    cfg.management.clutter_density_per_m2 = 2e-7;
    let mut tracker = Tracker::new(cfg, None, &SensorTable::new()).unwrap();
    let out = run(&mut tracker, dets);
    let reported: usize = out.values().map(Vec::len).sum();
    assert!(
        tracker.stats().tracks_started > 10,
        "initiator should have tried"
    );
    // 4,000 false plots: fewer than one false track report per 20 scans.
    assert!(
        reported < 10,
        "{reported} false track reports from clutter alone"
    );
}

/// Detections shuffled within the reorder window give exactly the same tracks as the
/// same detections in order; one older than the window is rejected and counted.
#[test]
fn out_of_order_within_window_is_handled_and_older_is_rejected() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let mut dets = Vec::new();
    for k in 0..40 {
        let t = k as f64 * 0.5;
        dets.push(cart(
            t,
            10.0 * t + rng.gen_range(-3.0..3.0),
            5.0 * t + rng.gen_range(-3.0..3.0),
            3.0,
        ));
        dets.push(cart(
            t,
            2000.0 - 8.0 * t + rng.gen_range(-3.0..3.0),
            100.0 + rng.gen_range(-3.0..3.0),
            3.0,
        ));
    }
    let mut cfg = cv_config();
    cfg.timing.reorder_window_s = 1.0;
    let in_order = run(
        &mut Tracker::new(cfg.clone(), None, &SensorTable::new()).unwrap(),
        dets.clone(),
    );
    // Swap neighbours 0.5 s apart: late by less than the window.
    let mut shuffled = dets.clone();
    for i in (0..shuffled.len() - 2).step_by(4) {
        shuffled.swap(i, i + 2);
    }
    let out_of_order = run(
        &mut Tracker::new(cfg.clone(), None, &SensorTable::new()).unwrap(),
        shuffled,
    );
    assert_eq!(in_order, out_of_order);
    assert!(in_order.values().last().is_some_and(|r| r.len() == 2));

    let mut t = Tracker::new(cfg, None, &SensorTable::new()).unwrap();
    let mut sink = |_: f64, _: &[TrackReport]| {};
    t.push(cart(10.0, 0.0, 0.0, 3.0), &mut sink).unwrap();
    t.push(cart(12.0, 0.0, 0.0, 3.0), &mut sink).unwrap();
    let r = t.push(cart(10.0, 0.0, 0.0, 3.0), &mut sink);
    assert!(matches!(r, Err(Rejection::TooOld { .. })), "{r:?}");
    assert_eq!(t.stats().rejected_too_old, 1);
}

fn radar_sensor(name: &str, lat: f64, lon: f64) -> Sensor {
    Sensor {
        name: name.into(),
        kind: SensorKind::Radar,
        position: Some(Lla::try_from_degrees(lat, lon, 120.0).unwrap()),
        sigma_m: None,
        sigma_range_m: Some(30.0),
        sigma_azimuth_rad: Some(0.3f64.to_radians()),
        sigma_elevation_rad: Some(0.3f64.to_radians()),
        pd: Some(0.95),
        max_range_m: Some(200_000.0),
        sac_sic: None,
    }
}

/// A 3D radar tracks an aircraft 110-130 km away. Its plots are exact WGS-84 polar
/// measurements, so the track's height is right only if the curvature (about 1 km at
/// that range) is modelled; the filtered position is better than the plots.
#[test]
fn polar_radar_at_long_range_gets_height_right() {
    let mut sensors = SensorTable::new();
    sensors.insert(radar_sensor("r1", 52.0, 23.0));
    let site = Lla::try_from_degrees(52.0, 23.0, 0.0).unwrap();
    let frame = LocalFrame::new(site);
    let radar = LocalFrame::new(sensors.get(SensorIndex(0)).unwrap().position.unwrap());
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let nr = Normal::new(0.0, 30.0).unwrap();
    let na = Normal::new(0.0, 0.3f64.to_radians()).unwrap();
    let mut dets = Vec::new();
    let mut truth = Vec::new();
    let mut plot_err2 = Vec::new();
    let to_site = frame.transform_from(&radar);
    for k in 0..60 {
        let t = k as f64 * 4.0;
        // Due north-east of the radar at 8 km altitude, flying 200 m/s east.
        let enu = nalgebra::Vector3::new(80_000.0 + 200.0 * t, 80_000.0, 0.0);
        let lla = frame.enu_to_lla(geodesy::Enu(enu));
        let lla = Lla {
            alt_m: 8000.0,
            ..lla
        };
        truth.push((t, frame.lla_to_enu(lla).0));
        let (r, a, e) = enu_to_rae(&radar.lla_to_enu(lla).0);
        let (r, a, e) = (
            r + nr.sample(&mut rng),
            a + na.sample(&mut rng),
            e + na.sample(&mut rng),
        );
        let plot_site = to_site.point(&geodesy::rae_to_enu(r, a, e));
        if k >= 10 {
            plot_err2.push((plot_site - frame.lla_to_enu(lla).0).norm_squared());
        }
        dets.push(Detection {
            time_s: t,
            sensor: SensorIndex(0),
            measurement: Measurement::Polar {
                range_m: r,
                azimuth_rad: a,
                elevation_rad: Some(e),
                sigma_range_m: 30.0,
                sigma_azimuth_rad: 0.3f64.to_radians(),
                sigma_elevation_rad: Some(0.3f64.to_radians()),
            },
            attributes: None,
        });
    }
    let mut cfg = TrackerConfig::default();
    cfg.initiation.max_speed_mps = 300.0;
    cfg.management.clutter_density_per_m2 = 1e-9;
    let mut tracker = Tracker::new(cfg, Some(site), &sensors).unwrap();
    let out = run(&mut tracker, dets);
    let mut errs = Vec::new();
    let mut height_errs = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    for (t, p) in &truth[10..] {
        let reps = &out[&t.to_bits()];
        assert_eq!(reps.len(), 1, "at {t} s: {} tracks", reps.len());
        let r = &reps[0];
        ids.insert(r.track);
        let d = nalgebra::Vector3::new(
            r.position_m[0] - p.x,
            r.position_m[1] - p.y,
            r.position_m[2] - p.z,
        );
        errs.push(d.norm());
        height_errs.push(r.lla.unwrap().alt_m - 8000.0);
    }
    assert_eq!(ids.len(), 1);
    // A flat-earth filter would sit about 1 km too high or low here; the height
    // noise of one plot is 0.3 deg x 115 km = 600 m, so the mean over 50 scans must
    // be within ~150 m of the truth.
    let bias = height_errs.iter().sum::<f64>() / height_errs.len() as f64;
    assert!(bias.abs() < 150.0, "mean altitude error {bias} m");
    let rms = (errs.iter().map(|e| e * e).sum::<f64>() / errs.len() as f64).sqrt();
    let plot_rms = (plot_err2.iter().sum::<f64>() / plot_err2.len() as f64).sqrt();
    assert!(
        rms < 0.5 * plot_rms,
        "track rms error {rms} m, plots {plot_rms} m"
    );
}

/// Two passive RF direction finders 6 km apart see one drone. Crossing bearings start a
/// track; bearing updates alone hold it near the truth.
#[test]
fn crossing_bearings_start_and_hold_a_track() {
    let out = two_finders(20_000.0);
    let last = out.values().last().unwrap();
    assert_eq!(last.len(), 1, "tracks at the end: {last:?}");
    let t_end = last[0].time_s;
    let p = finder_truth(t_end);
    let err =
        ((last[0].position_m[0] - p.x).powi(2) + (last[0].position_m[1] - p.y).powi(2)).sqrt();
    // Bearing crossing geometry at ~5 km with 1 deg bearings: ~100 m per fix.
    assert!(err < 150.0, "horizontal error {err} m");
}

/// The same drone, 5 km out, with finders that state a 3 km range: their bearings
/// cross where neither could have heard it, so no track starts.
#[test]
fn bearings_do_not_cross_beyond_the_sensors_range() {
    let out = two_finders(3_000.0);
    assert!(
        out.values().all(|r| r.is_empty()),
        "{:?}",
        out.values().last()
    );
}

fn finder_truth(t: f64) -> nalgebra::Vector3<f64> {
    nalgebra::Vector3::new(1000.0 + 8.0 * t, 5000.0 + 3.0 * t, 120.0)
}

fn two_finders(max_range_m: f64) -> std::collections::BTreeMap<u64, Vec<TrackReport>> {
    let mut sensors = SensorTable::new();
    let mk = |name: &str, lon: f64| Sensor {
        name: name.into(),
        kind: SensorKind::PassiveRf,
        position: Some(Lla::try_from_degrees(52.0, lon, 100.0).unwrap()),
        sigma_m: None,
        sigma_range_m: None,
        sigma_azimuth_rad: Some(1f64.to_radians()),
        sigma_elevation_rad: None,
        pd: Some(0.9),
        max_range_m: Some(max_range_m),
        sac_sic: None,
    };
    sensors.insert(mk("rf-west", 23.0));
    sensors.insert(mk("rf-east", 23.0 + 6000.0 / 68_500.0));
    let site = Lla::try_from_degrees(52.0, 23.0, 0.0).unwrap();
    let frame = LocalFrame::new(site);
    let geoms: Vec<LocalFrame> = sensors
        .iter()
        .map(|(_, s)| LocalFrame::new(s.position.unwrap()))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let na = Normal::new(0.0, 1f64.to_radians()).unwrap();
    let mut dets = Vec::new();
    let truth = finder_truth;
    for k in 0..60 {
        for (s, g) in geoms.iter().enumerate() {
            // The two sensors report at different times: asynchronous.
            let t = k as f64 + 0.3 * s as f64;
            let lla = frame.enu_to_lla(geodesy::Enu(truth(t)));
            let (_, a, _) = enu_to_rae(&g.lla_to_enu(lla).0);
            dets.push(Detection {
                time_s: t,
                sensor: SensorIndex(s as u32),
                measurement: Measurement::Bearing {
                    azimuth_rad: geodesy::wrap_two_pi(a + na.sample(&mut rng)),
                    elevation_rad: None,
                    sigma_azimuth_rad: 1f64.to_radians(),
                    sigma_elevation_rad: None,
                },
                attributes: None,
            });
        }
    }
    let mut cfg = TrackerConfig::default();
    cfg.initiation.assumed_height_m = 100.0;
    let mut tracker = Tracker::new(cfg, Some(site), &sensors).unwrap();
    run(&mut tracker, dets)
}

/// A target is tracked by a position sensor for 20 s, then only one passive finder
/// hears it: bearings keep hitting the track but say nothing about range, so its range
/// uncertainty grows. With `max_position_sigma_m` it is deleted once that uncertainty
/// passes the limit; without the limit the same bearings would hold it indefinitely.
#[test]
fn tracks_whose_position_is_lost_are_deleted() {
    let run_with = |limit_m: f64| {
        let mut sensors = SensorTable::new();
        sensors.insert(Sensor::unnamed_kind("pos"));
        sensors.insert(Sensor {
            name: "rf".into(),
            kind: SensorKind::PassiveRf,
            position: Some(Lla::try_from_degrees(52.0, 23.0, 0.0).unwrap()),
            sigma_m: None,
            sigma_range_m: None,
            sigma_azimuth_rad: Some(1f64.to_radians()),
            sigma_elevation_rad: None,
            pd: Some(0.9),
            max_range_m: Some(30_000.0),
            sac_sic: None,
        });
        let site = Lla::try_from_degrees(52.0, 23.0, 0.0).unwrap();
        let mut dets = Vec::new();
        // Flying straight away from the finder, due north at 20 m/s from 3 km out.
        let y = |t: f64| 3000.0 + 20.0 * t;
        for k in 0..20 {
            dets.push(cart(k as f64, 0.0, y(k as f64), 10.0));
        }
        for k in 20..400 {
            dets.push(Detection {
                time_s: k as f64,
                sensor: SensorIndex(1),
                measurement: Measurement::Bearing {
                    azimuth_rad: 0.0,
                    elevation_rad: None,
                    sigma_azimuth_rad: 1f64.to_radians(),
                    sigma_elevation_rad: None,
                },
                attributes: None,
            });
        }
        let mut cfg = TrackerConfig::default();
        cfg.management.max_position_sigma_m = limit_m;
        let mut tracker = Tracker::new(cfg, Some(site), &sensors).unwrap();
        run(&mut tracker, dets)
    };
    let held = run_with(1e9);
    assert_eq!(
        held.values().last().unwrap().len(),
        1,
        "without a limit the bearings hold it"
    );
    let limited = run_with(3_000.0);
    assert!(
        limited.values().last().unwrap().is_empty(),
        "with a limit it is deleted"
    );
    // It was there while its position was known.
    assert_eq!(limited[&30f64.to_bits()].len(), 1);
}

/// A target seen only in 2D keeps the assumed height, its prior uncertainty and no
/// vertical speed however long it is tracked: nothing measures them, so nothing may move
/// them (before, the prediction let them wander and grow).
#[test]
fn unmeasured_height_is_held_at_its_prior() {
    let mut cfg = TrackerConfig::default();
    cfg.initiation.assumed_height_m = 150.0;
    let mut tracker = Tracker::new(cfg, None, &SensorTable::new()).unwrap();
    let dets = (0..60)
        .map(|k| {
            cart(
                k as f64,
                100.0 + 15.0 * k as f64,
                50.0 - 4.0 * k as f64,
                10.0,
            )
        })
        .collect();
    let out = run(&mut tracker, dets);
    let last = out.values().last().unwrap();
    assert_eq!(last.len(), 1);
    let r = &last[0];
    assert_eq!(r.position_m[2], 150.0);
    assert_eq!(r.velocity_mps[2], 0.0);
    assert!(
        (r.position_cov_m2[5].sqrt() - 300.0).abs() < 1e-9,
        "{:?}",
        r.position_cov_m2
    );
    // Height is decoupled from the horizontal position.
    assert_eq!((r.position_cov_m2[2], r.position_cov_m2[4]), (0.0, 0.0));
}

/// Plots of one batch that could pair with the same seed: the first in the batch's own
/// order takes it, whichever part of space each lies in (the initiator asks for
/// candidates in the seed store's spatial order, but must decide in the batch's).
/// A seed S at the origin at 0 s; at 1 s, A 50 m east and B 50 m west (cells end at
/// x = 0, so B's part of space comes first); at 2 s, C 100 m west, which only a seed
/// left by B can pair with (S has aged out of the 1.5 s window, A is 150 m away). With
/// A first, A pairs with S, B is left a seed and C pairs with it: two tracks started.
/// With B first, B pairs with S, A is left a seed too far from C: one.
#[test]
fn the_first_plot_in_a_batch_takes_a_contested_seed() {
    let started = |a_first: bool| {
        let mut cfg = cv_config();
        cfg.initiation.max_speed_mps = 60.0;
        cfg.initiation.window_s = 1.5;
        let mut tracker = Tracker::new(cfg, None, &SensorTable::new()).unwrap();
        let (a, b) = (cart(1.0, 50.0, 0.0, 5.0), cart(1.0, -50.0, 0.0, 5.0));
        let batch = if a_first { [a, b] } else { [b, a] };
        let mut dets = vec![cart(0.0, 0.0, 0.0, 5.0)];
        dets.extend(batch);
        dets.push(cart(2.0, -100.0, 0.0, 5.0));
        run(&mut tracker, dets);
        tracker.stats().tracks_started
    };
    assert_eq!(started(true), 2);
    assert_eq!(started(false), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Whatever the input (duplicate times, far-away or overlapping points, any order),
    /// the tracker never panics, never reports a tentative track, and reports finite
    /// states in strictly increasing time order.
    #[test]
    fn arbitrary_streams_are_safe(points in proptest::collection::vec((0.0f64..30.0, -1e4f64..1e4, -1e4f64..1e4, 0.5f64..200.0), 0..150)) {
        let mut tracker = Tracker::new(TrackerConfig::default(), None, &SensorTable::new()).unwrap();
        let mut last = f64::NEG_INFINITY;
        let mut ok = true;
        let mut emit = |t: f64, reps: &[TrackReport]| {
            ok &= t > last;
            last = t;
            for r in reps {
                ok &= r.position_m.iter().chain(&r.velocity_mps).all(|v| v.is_finite());
                ok &= r.status != model::TrackStatus::Tentative;
            }
        };
        for (t, x, y, s) in points {
            let _ = tracker.push(cart(t, x, y, s), &mut emit);
        }
        tracker.finish(&mut emit);
        prop_assert!(ok);
    }
}
