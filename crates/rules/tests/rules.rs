//! Each rule, the lifecycle and de-duplication on hand-made track reports.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use model::{
    AlertKind, AlertReport, AlertState, Class, Classification, Identity, IdentitySource,
    TrackFlags, TrackReport, TrackStatus,
};
use rules::{AlertEngine, RulesConfig};
use zones::{Area, AreaKind, Areas, Border, Shape, Side};

/// A report of `class` (probability 0.9) at `p` moving at `v`, with 10 m and 1 m/s
/// standard deviations.
fn report(track: u64, t: f64, p: [f64; 2], v: [f64; 2], class: Class) -> TrackReport {
    let mut probabilities = [0.02; Class::COUNT];
    probabilities[class.index()] = 0.9;
    let mut horizontal_cov = [[0.0; 4]; 4];
    horizontal_cov[0][0] = 100.0;
    horizontal_cov[1][1] = 100.0;
    horizontal_cov[2][2] = 1.0;
    horizontal_cov[3][3] = 1.0;
    TrackReport {
        time_s: t,
        track,
        status: TrackStatus::Confirmed,
        position_m: [p[0], p[1], 100.0],
        velocity_mps: [v[0], v[1], 0.0],
        position_cov_m2: [100.0, 0.0, 0.0, 100.0, 0.0, 400.0],
        horizontal_cov,
        lla: None,
        existence: 0.99,
        updates: 10,
        last_update_s: t,
        classification: Classification {
            class,
            probabilities,
            evidence: [None; 3],
        },
        identity: None,
        flags: TrackFlags::default(),
        seen_by: Default::default(),
    }
}

/// Ours is north of y = 0 (left, walking east). A 120 s crossing horizon keeps the
/// hand-worked numbers small; predicted crossings are raised without settling (the
/// settling has its own test).
fn engine(areas: Vec<Area>) -> AlertEngine {
    let border = Border::new(vec![[-50_000.0, 0.0], [50_000.0, 0.0]], Side::Left).unwrap();
    AlertEngine::new(
        RulesConfig {
            crossing_horizon_s: 120.0,
            settle_share: 0.0,
            ..RulesConfig::default()
        },
        Some(border),
        Areas::new(areas).unwrap(),
    )
}

fn kinds(events: &[AlertReport]) -> Vec<(AlertKind, AlertState)> {
    events.iter().map(|e| (e.kind, e.state)).collect()
}

#[test]
fn a_drone_is_warned_about_then_seen_crossing_and_the_warning_closes() {
    let mut e = engine(vec![]);
    // The multirotor flying north at 10 m/s, `y` metres north of the border at `t`.
    let quad = |t: f64, y: f64| [report(1, t, [0.0, y], [0.0, 10.0], Class::DroneRotary)];
    // 1,500 m south at 10 m/s: crosses in 150 s, beyond the 120 s horizon.
    let ev = e.step(0.0, &quad(0.0, -1500.0));
    assert!(ev.is_empty(), "{ev:?}");
    // 1,000 m south: 100 s to go; at 120 s it is 200 m inside, σ ≈ 121 m: p ≈ 0.95.
    let ev = e.step(50.0, &quad(50.0, -1000.0));
    assert_eq!(
        kinds(&ev),
        vec![(AlertKind::BorderCrossingPredicted, AlertState::New)]
    );
    assert_eq!(ev[0].tracks, vec![1]);
    assert_eq!(ev[0].priority, 2);
    assert!(ev[0].reason.contains("in 100 s"), "{}", ev[0].reason);
    let id = ev[0].alert;
    // The same cause again: nothing new to say.
    let ev = e.step(51.0, &quad(51.0, -990.0));
    assert!(ev.is_empty(), "{ev:?}");
    // It crosses between two reports.
    e.step(149.0, &quad(149.0, -10.0));
    let ev = e.step(151.0, &quad(151.0, 10.0));
    assert_eq!(
        kinds(&ev),
        vec![(AlertKind::BorderCrossed, AlertState::New)]
    );
    assert_eq!(ev[0].priority, 1);
    // The warning's cause ended at 149 s: closed 30 s later, not before.
    let ev = e.step(178.0, &quad(178.0, 280.0));
    assert!(ev.is_empty(), "{ev:?}");
    let ev = e.step(179.0, &quad(179.0, 290.0));
    assert_eq!(
        kinds(&ev),
        vec![(AlertKind::BorderCrossingPredicted, AlertState::Closed)]
    );
    assert_eq!(ev[0].alert, id);
}

#[test]
fn birds_and_identified_aircraft_raise_nothing_dark_aircraft_violate() {
    let mut e = engine(vec![]);
    let bird = report(1, 0.0, [0.0, -200.0], [0.0, 12.0], Class::Bird);
    let mut airliner = report(2, 0.0, [5000.0, -2000.0], [0.0, 200.0], Class::Aircraft);
    airliner.identity = Some(Identity {
        id: "48af01".into(),
        source: IdentitySource::Adsb,
        callsign: Some("LOT281".into()),
        operator_deg: None,
    });
    let dark = report(3, 0.0, [-5000.0, -2000.0], [0.0, 60.0], Class::Aircraft);
    let ev = e.step(0.0, &[bird, airliner, dark]);
    assert_eq!(
        kinds(&ev),
        vec![(AlertKind::AirspaceViolation, AlertState::New)]
    );
    assert_eq!(ev[0].tracks, vec![3]);
    assert_eq!(ev[0].priority, 1);
}

/// An unclassified track with probabilities `p` over the classes (in `Class::ALL`
/// order: rotary, fixed wing, bird, aircraft, balloon, unknown).
fn undecided(track: u64, t: f64, y: f64, vy: f64, p: [f64; Class::COUNT]) -> TrackReport {
    let mut r = report(track, t, [0.0, y], [0.0, vy], Class::Unknown);
    r.classification.probabilities = p;
    r
}

/// Threat classes summing to 0.1 + 0.45 + 0.1 = 0.65 (over the 0.6 threshold): a
/// crossing due in 4 s (200 m at 50 m/s) raises an alert at the likeliest threat
/// class's priority (fixed wing: 1); one due in 20 s (1 km) waits for the classifier,
/// as does a track only 0.55 likely a threat crossing in 4 s. A decided threat is
/// warned 20 s out.
#[test]
fn an_unclassified_likely_threat_alerts_only_when_it_is_about_to_cross() {
    let likely = [0.1, 0.45, 0.2, 0.05, 0.1, 0.1];
    let doubtful = [0.1, 0.35, 0.3, 0.05, 0.1, 0.1];
    let mut e = engine(vec![]);
    let ev = e.step(0.0, &[undecided(1, 0.0, -1000.0, 50.0, likely)]);
    assert!(ev.is_empty(), "{ev:?}");
    let ev = e.step(0.0, &[undecided(2, 0.0, -200.0, 50.0, doubtful)]);
    assert!(ev.is_empty(), "{ev:?}");
    let ev = e.step(16.0, &[undecided(1, 16.0, -200.0, 50.0, likely)]);
    assert_eq!(
        kinds(&ev),
        vec![(AlertKind::BorderCrossingPredicted, AlertState::New)]
    );
    assert_eq!((ev[0].tracks.clone(), ev[0].priority), (vec![1], 1));
    assert!(
        ev[0].reason.contains("65% likely a threat") && ev[0].reason.contains("in 4 s"),
        "{}",
        ev[0].reason
    );
    // Undecided, it crosses without a crossing alert of its own (the warning stands).
    let ev = e.step(21.0, &[undecided(1, 21.0, 50.0, 50.0, likely)]);
    assert!(ev.is_empty(), "{ev:?}");
    let mut e = engine(vec![]);
    let ev = e.step(
        0.0,
        &[report(
            3,
            0.0,
            [0.0, -1000.0],
            [0.0, 50.0],
            Class::DroneFixedWing,
        )],
    );
    assert_eq!(
        kinds(&ev),
        vec![(AlertKind::BorderCrossingPredicted, AlertState::New)]
    );
}

/// With the default settling (a tenth of the time left, at most 3 s, none within
/// 15 s of the crossing): a multirotor 1,000 m out at 10 m/s (100 s to go: 3 s) is
/// not raised at once; its class flickers to bird at t = 2, so the wait starts again
/// at t = 3 and the alert is raised at t = 6. A fixed-wing drone 600 m out at 50 m/s
/// (12 s to go) is raised at once.
#[test]
fn a_predicted_crossing_settles_for_a_tenth_of_the_time_left() {
    let border = Border::new(vec![[-50_000.0, 0.0], [50_000.0, 0.0]], Side::Left).unwrap();
    let mut e = AlertEngine::new(
        RulesConfig::default(),
        Some(border),
        Areas::new(vec![]).unwrap(),
    );
    let quad = |t: f64, class: Class| {
        let y = -1000.0 + 10.0 * t;
        [report(1, t, [0.0, y], [0.0, 10.0], class)]
    };
    for (t, class) in [
        (0.0, Class::DroneRotary),
        (1.0, Class::DroneRotary),
        (2.0, Class::Bird),
        (3.0, Class::DroneRotary),
        (4.0, Class::DroneRotary),
        (5.0, Class::DroneRotary),
    ] {
        let ev = e.step(t, &quad(t, class));
        assert!(ev.is_empty(), "t = {t}: {ev:?}");
    }
    let ev = e.step(6.0, &quad(6.0, Class::DroneRotary));
    assert_eq!(
        kinds(&ev),
        vec![(AlertKind::BorderCrossingPredicted, AlertState::New)]
    );
    let shahed = report(
        2,
        6.0,
        [30_000.0, -600.0],
        [0.0, 50.0],
        Class::DroneFixedWing,
    );
    let ev = e.step(6.0, &[quad(6.0, Class::DroneRotary)[0].clone(), shahed]);
    assert_eq!(
        kinds(&ev),
        vec![(AlertKind::BorderCrossingPredicted, AlertState::New)]
    );
    assert_eq!(ev[0].tracks, vec![2]);
}

#[test]
fn a_track_that_breaks_and_reforms_stays_one_alert() {
    let mut e = engine(vec![]);
    let ev = e.step(
        0.0,
        &[report(
            5,
            0.0,
            [0.0, -800.0],
            [0.0, 20.0],
            Class::DroneFixedWing,
        )],
    );
    assert_eq!(
        kinds(&ev),
        vec![(AlertKind::BorderCrossingPredicted, AlertState::New)]
    );
    assert_eq!(ev[0].priority, 1);
    let id = ev[0].alert;
    // Track 5 is lost; track 9 forms 150 m further on: the same alert, updated.
    let ev = e.step(
        10.0,
        &[report(
            9,
            10.0,
            [0.0, -650.0],
            [0.0, 20.0],
            Class::DroneFixedWing,
        )],
    );
    assert_eq!(
        kinds(&ev),
        vec![(AlertKind::BorderCrossingPredicted, AlertState::Updated)]
    );
    assert_eq!(ev[0].alert, id);
    assert_eq!(ev[0].tracks, vec![5, 9]);
    // Two tracks of one drone in the same moment: one alert.
    let mut f = engine(vec![]);
    let ev = f.step(
        0.0,
        &[
            report(1, 0.0, [0.0, -800.0], [0.0, 20.0], Class::DroneFixedWing),
            report(2, 0.0, [30.0, -790.0], [0.0, 20.0], Class::DroneFixedWing),
        ],
    );
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0].tracks, vec![1, 2]);
}

#[test]
fn acknowledged_alerts_stay_acknowledged_until_they_close() {
    let mut e = engine(vec![]);
    let ev = e.step(
        0.0,
        &[report(
            1,
            0.0,
            [0.0, -800.0],
            [0.0, 20.0],
            Class::DroneRotary,
        )],
    );
    let id = ev[0].alert;
    let acked = e.acknowledge(id, "operator-1", 3.0).unwrap();
    assert_eq!(acked.state, AlertState::Acknowledged);
    assert_eq!(e.acknowledged_by(id), Some(("operator-1", 3.0)));
    // More tracks join: reported, still acknowledged.
    let ev = e.step(
        5.0,
        &[
            report(1, 5.0, [0.0, -700.0], [0.0, 20.0], Class::DroneRotary),
            report(2, 5.0, [100.0, -700.0], [0.0, 20.0], Class::DroneRotary),
        ],
    );
    assert_eq!(
        kinds(&ev),
        vec![(AlertKind::BorderCrossingPredicted, AlertState::Acknowledged)]
    );
    assert_eq!(ev[0].tracks, vec![1, 2]);
    let ev = e.step(40.0, &[]);
    assert_eq!(
        kinds(&ev),
        vec![(AlertKind::BorderCrossingPredicted, AlertState::Closed)]
    );
    assert!(e.acknowledge(id, "operator-1", 41.0).is_err());
    assert!(e.open_alerts(41.0).is_empty());
}

#[test]
fn protected_areas_swarms_spoofing_and_loitering() {
    let depot = Area {
        name: "depot".into(),
        kind: AreaKind::Protected,
        shape: Shape::Circle {
            center_m: [0.0, 10_000.0],
            radius_m: 500.0,
        },
        min_alt_m: 0.0,
        max_alt_m: 1000.0,
    };
    let airfield = Area {
        name: "airfield".into(),
        kind: AreaKind::NoAlert,
        shape: Shape::Circle {
            center_m: [20_000.0, 10_000.0],
            radius_m: 3000.0,
        },
        min_alt_m: -100.0,
        max_alt_m: 3000.0,
    };
    let mut e = engine(vec![depot, airfield]);
    // Inside the depot (and so near it: loitering starts counting).
    let ev = e.step(
        0.0,
        &[report(
            1,
            0.0,
            [0.0, 10_100.0],
            [3.0, 0.0],
            Class::DroneRotary,
        )],
    );
    assert_eq!(
        kinds(&ev),
        vec![(AlertKind::ProtectedEntry, AlertState::New)]
    );
    assert_eq!(ev[0].area.as_deref(), Some("depot"));
    // Circling near it (outside now) for two minutes: loitering; the entry, whose
    // cause ended two minutes ago, has closed.
    let ev = e.step(
        121.0,
        &[report(
            1,
            121.0,
            [800.0, 10_000.0],
            [0.0, 3.0],
            Class::DroneRotary,
        )],
    );
    assert_eq!(
        kinds(&ev),
        vec![
            (AlertKind::Loitering, AlertState::New),
            (AlertKind::ProtectedEntry, AlertState::Closed)
        ]
    );
    // A dark aircraft in the airfield's no-alert area is left alone there.
    let mut f = engine(vec![]);
    let ev = f.step(
        0.0,
        &[report(
            7,
            0.0,
            [20_000.0, 10_000.0],
            [50.0, 0.0],
            Class::Aircraft,
        )],
    );
    assert!(ev.is_empty());
    let ev = e.step(
        122.0,
        &[report(
            7,
            122.0,
            [20_000.0, 10_000.0],
            [50.0, 0.0],
            Class::Aircraft,
        )],
    );
    assert!(ev.iter().all(|a| !a.tracks.contains(&7)), "{ev:?}");
    // Three drones 500 m apart heading north-east together: a swarm; a fourth heading
    // south is not part of it.
    let mut g = engine(vec![]);
    let ev = g.step(
        0.0,
        &[
            report(1, 0.0, [0.0, 5000.0], [20.0, 20.0], Class::DroneFixedWing),
            report(2, 0.0, [500.0, 5000.0], [21.0, 19.0], Class::DroneFixedWing),
            report(
                3,
                0.0,
                [1000.0, 5000.0],
                [19.0, 21.0],
                Class::DroneFixedWing,
            ),
            report(4, 0.0, [250.0, 5300.0], [0.0, -25.0], Class::DroneFixedWing),
        ],
    );
    assert_eq!(kinds(&ev), vec![(AlertKind::Swarm, AlertState::New)]);
    assert_eq!(ev[0].tracks, vec![1, 2, 3]);
    // Two are not a swarm.
    let mut h = engine(vec![]);
    assert!(h
        .step(
            0.0,
            &[
                report(1, 0.0, [0.0, 5000.0], [20.0, 20.0], Class::DroneFixedWing),
                report(2, 0.0, [500.0, 5000.0], [21.0, 19.0], Class::DroneFixedWing),
            ],
        )
        .is_empty());
    // A spoofed cooperative report.
    let mut s = report(11, 0.0, [0.0, 9000.0], [0.0, 200.0], Class::Unknown);
    s.flags = TrackFlags::POSSIBLY_SPOOFED;
    let ev = h.step(1.0, &[s]);
    assert_eq!(
        kinds(&ev),
        vec![(AlertKind::PossiblySpoofed, AlertState::New)]
    );
}

#[test]
fn bad_settings_are_all_reported() {
    let cfg = RulesConfig {
        crossing_horizon_s: 0.0,
        crossing_probability: 1.5,
        crossing_keep_probability: 0.9,
        swarm_min_tracks: 1,
        undecided_threat_probability: -0.1,
        undecided_horizon_s: f64::NAN,
        settle_share: 2.0,
        settle_max_s: -1.0,
        settle_from_s: -1.0,
        ..RulesConfig::default()
    };
    let p = cfg.problems();
    assert_eq!(p.len(), 8, "{p:?}");
    assert!(RulesConfig::default().problems().is_empty());
}
