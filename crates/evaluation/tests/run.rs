//! Known-answer tests of whole-run scoring, worked by hand.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use evaluation::*;

const P: RunParams = RunParams {
    metric: GospaParams { c: 100.0, p: 2.0 },
    alpha: 2.0,
    three_d: false,
};

fn alert(time_s: f64, tracks: &[u64]) -> Alert {
    Alert {
        time_s,
        tracks: tracks.to_vec(),
    }
}

/// Targets `0..n` each crossing at 100 s, with no possible-warning figure.
fn crossings_at_100_s(n: usize) -> Vec<Crossing> {
    (0..n)
        .map(|target| Crossing {
            target,
            time_s: 100.0,
            possible_warning_s: None,
        })
        .collect()
}

fn truth(t: f64, target: usize, x: f64, y: f64) -> TruthSample {
    TruthSample {
        time_s: t,
        target,
        position_m: [x, y, 0.0],
        seen: None,
        detectable_revisit_s: None,
    }
}

fn track(t: f64, id: u64, x: f64, y: f64) -> TrackSample {
    TrackSample {
        time_s: t,
        track: id,
        position_m: [x, y, 500.0],
        class: None,
    }
}

/// Two targets over four times.
/// t=0: truths A(0,0), B(1000,0); no tracks -> 2 missed: GOSPA sqrt(2 * 5000) = 100.
/// t=1: A(10,0) with track 7 at (13,4) (d=5), B(1010,0) with track 8 at (1010,30) (d=30):
///      GOSPA sqrt(25 + 900) = 30.414; localisation the same.
/// t=2: A(20,0) with track 8 at (20,0) (switch 7 -> 8 on A), B untracked, track 9 at
///      (5000,0) false: GOSPA sqrt(0 + 5000 + 5000) = 100, missed 1, false 1.
/// t=3: A(30,0) with track 8 (d=0); B(1030,0) with track 8'... track 10 at (1030,0): B
///      resumes (one fragmentation, switch 8 -> 10 on B). GOSPA 0.
/// OSPA: t0 100 (one side empty); t1 sqrt(925/2) = 21.506; t2 n=2,m=2: pairs A-8 (0)
/// and B-9 (capped 100^2): sqrt(10000/2) = 70.711; t3 0.
#[test]
fn run_by_hand() {
    let truth = vec![
        truth(0.0, 0, 0.0, 0.0),
        truth(0.0, 1, 1000.0, 0.0),
        truth(1.0, 0, 10.0, 0.0),
        truth(1.0, 1, 1010.0, 0.0),
        truth(2.0, 0, 20.0, 0.0),
        truth(2.0, 1, 1020.0, 0.0),
        truth(3.0, 0, 30.0, 0.0),
        truth(3.0, 1, 1030.0, 0.0),
    ];
    let tracks = vec![
        track(1.0, 7, 13.0, 4.0),
        track(1.0, 8, 1010.0, 30.0),
        track(2.0, 8, 20.0, 0.0),
        track(2.0, 9, 5000.0, 0.0),
        track(3.0, 8, 30.0, 0.0),
        track(3.0, 10, 1030.0, 0.0),
    ];
    let r = evaluate_run(&truth, &tracks, P).unwrap();
    assert_eq!(r.steps.len(), 4);
    let g: Vec<f64> = r.steps.iter().map(|s| s.gospa).collect();
    let want = [100.0, 925f64.sqrt(), 100.0, 0.0];
    for (a, b) in g.iter().zip(want) {
        assert!((a - b).abs() < 1e-9, "{g:?}");
    }
    assert!((r.steps[1].localisation_m - 925f64.sqrt()).abs() < 1e-9);
    assert_eq!((r.steps[2].missed, r.steps[2].false_tracks), (1, 1));
    let o: Vec<f64> = r.steps.iter().map(|s| s.ospa).collect();
    let want = [
        100.0,
        (925.0f64 / 2.0).sqrt(),
        (10000.0f64 / 2.0).sqrt(),
        0.0,
    ];
    for (a, b) in o.iter().zip(want) {
        assert!((a - b).abs() < 1e-9, "{o:?}");
    }
    assert!((r.mean_gospa - (200.0 + 925f64.sqrt()) / 4.0).abs() < 1e-9);
    assert!((r.mean_missed - 3.0 / 4.0).abs() < 1e-12);
    assert!((r.mean_false - 1.0 / 4.0).abs() < 1e-12);
    // Continuity.
    let a = &r.targets[0];
    assert_eq!(a.track_ids, vec![7, 8]);
    assert_eq!((a.id_switches, a.fragmentations), (1, 0));
    assert_eq!((a.first_seen_s, a.first_tracked_s), (Some(0.0), Some(1.0)));
    let b = &r.targets[1];
    assert_eq!(b.track_ids, vec![8, 10]);
    assert_eq!((b.id_switches, b.fragmentations), (1, 1));
    assert_eq!(r.id_switches(), 2);
    assert_eq!((r.targets_tracked(), r.targets_with_one_track_id()), (2, 0));
    assert_eq!(r.times_to_track_s(), vec![1.0, 1.0]);
    // Track 8: A twice, B once -> dominant A; 7 and 10 pure. Purity (1 + 2 + 1) / 5.
    assert_eq!(r.dominant_target[&8], (0, 2));
    assert!((r.track_purity - 4.0 / 5.0).abs() < 1e-12);
}

/// 3D scoring uses height; 2D ignores it (the tracks above sit 500 m up).
#[test]
fn three_d_counts_height() {
    let t = [truth(0.0, 0, 0.0, 0.0)];
    let k = [track(0.0, 1, 0.0, 0.0)];
    let r2 = evaluate_run(&t, &k, P).unwrap();
    assert_eq!(r2.steps[0].gospa, 0.0);
    let r3 = evaluate_run(&t, &k, RunParams { three_d: true, ..P }).unwrap();
    assert_eq!(r3.steps[0].missed, 1);
    assert!(evaluate_run(&[truth(f64::NAN, 0, 0.0, 0.0)], &[], P).is_err());
}

/// A border along the x axis from (0,0) to (10000,0), ours to the left (north).
/// Target 0 flies north from y=-300 at t=0 to y=+100 at t=4: it enters at 3/4 of the
/// step, t=3. Target 1 flies south (leaves ours): no entry. Target 2 crosses west of the
/// border's end: no entry.
#[test]
fn border_entry_by_hand() {
    let border = Border {
        points_m: vec![[0.0, 0.0], [10_000.0, 0.0]],
        ours_left: true,
    };
    assert_eq!(border.length_m(), 10_000.0);
    let truth = vec![
        truth(0.0, 0, 500.0, -300.0),
        truth(4.0, 0, 500.0, 100.0),
        truth(0.0, 1, 800.0, 100.0),
        truth(4.0, 1, 800.0, -100.0),
        truth(0.0, 2, -50.0, -100.0),
        truth(4.0, 2, -50.0, 100.0),
    ];
    let c = border.crossings(&truth);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].target, 0);
    assert!((c[0].time_s - 3.0).abs() < 1e-12);
    // The other way round, ours is south: only target 1 enters, at t=2.
    let south = Border {
        ours_left: false,
        ..border.clone()
    };
    let c = south.crossings(&truth);
    assert_eq!((c.len(), c[0].target), (1, 1));
    assert!((c[0].time_s - 2.0).abs() < 1e-12);
}

/// Alerts: target 0 (threat) crosses at t=3 and its track 5 alerted at t=1: warning 2 s.
/// Target 1 (threat) crosses at t=10 with no alert: missed. Track 6 (following a bird,
/// target 2) alerted twice and track 99 (no target) once: 3 false alerts in 1800 s over
/// 50 km: 6 per hour, 12 per hour per 100 km.
#[test]
fn alerts_by_hand() {
    let mut report = RunReport::default();
    report.dominant_target.insert(5, (0, 10));
    report.dominant_target.insert(6, (2, 10));
    let crossings = [
        Crossing {
            target: 0,
            time_s: 3.0,
            possible_warning_s: None,
        },
        Crossing {
            target: 1,
            time_s: 10.0,
            possible_warning_s: None,
        },
        Crossing {
            target: 2,
            time_s: 4.0,
            possible_warning_s: None,
        },
    ];
    let alerts = [
        alert(1.0, &[5]),
        alert(2.5, &[5]),
        alert(1.0, &[6]),
        alert(2.0, &[6]),
        alert(2.0, &[99]),
    ];
    let a = score_alerts(
        &alerts,
        &report,
        &crossings,
        &[true, true, false],
        1800.0,
        50_000.0,
    );
    assert_eq!(a.crossings.len(), 2);
    assert_eq!(a.crossings[0].1, Some(2.0));
    assert_eq!(a.crossings[1].1, None);
    assert_eq!((a.missed, a.false_alerts), (1, 3));
    assert!((a.false_per_hour - 6.0).abs() < 1e-12);
    assert!((a.false_per_hour_per_100km - 12.0).abs() < 1e-12);
}

/// Two threats flying closer than the radar resolves share track 7: it was assigned to
/// target 0 for 60 steps from t = 10 and to target 1 for 40 steps from t = 30 (40% of
/// its steps: it followed both). Its alert at t = 20 warns of target 0 from t = 20 (its
/// main target, followed from its start) and of target 1 from t = 30. Track 8 spent 10
/// of 100 steps on target 2 (a threat) and 90 on a bird (target 3): its alert is false
/// and warns of nothing.
#[test]
fn a_shared_track_warns_of_every_target_it_followed() {
    let on = |first_s: f64, steps: usize| TrackOnTarget {
        first_s,
        last_s: first_s + steps as f64,
        steps,
        classes: Default::default(),
    };
    let mut report = RunReport::default();
    report.dominant_target.insert(7, (0, 60));
    report.dominant_target.insert(8, (3, 90));
    let mut h7 = TrackHistory::default();
    h7.on_target.insert(0, on(10.0, 60));
    h7.on_target.insert(1, on(30.0, 40));
    report.tracks.insert(7, h7);
    let mut h8 = TrackHistory::default();
    h8.on_target.insert(2, on(0.0, 10));
    h8.on_target.insert(3, on(10.0, 90));
    report.tracks.insert(8, h8);
    let crossings = crossings_at_100_s(3);
    let alerts = [alert(20.0, &[7]), alert(5.0, &[8])];
    let a = score_alerts(
        &alerts,
        &report,
        &crossings,
        &[true, true, true, false],
        3600.0,
        100_000.0,
    );
    let warnings: Vec<Option<f64>> = a.crossings.iter().map(|c| c.1).collect();
    assert_eq!(warnings, vec![Some(80.0), Some(70.0), None]);
    assert_eq!((a.missed, a.false_alerts), (1, 1));
}

/// Two drones 50 m apart fly east side by side (target 0 at y = +25, target 1 at
/// y = -25) from t = 0 to t = 20; one track flies between them, 10 m nearer target 1,
/// so GOSPA assigns it to target 1 at every step and target 0 is never assigned. The
/// track is within the 100 m cut-off of both at every step, so its alert at t = 5
/// warns of both from t = 5: 95 s before their crossing at t = 100. Track 6 follows a
/// bird (target 2) 175 m north of target 0 but dips to 65 m from target 0 (115 m from
/// target 1) at t = 9, 10 and 11: 3 of its 20 steps, under a quarter, so it did not
/// follow target 0 and its alert is false.
#[test]
fn a_track_between_two_unresolved_drones_warns_of_both() {
    let mut truth_s = Vec::new();
    let mut tracks = Vec::new();
    for k in 0..20 {
        let t = k as f64;
        let x = 30.0 * t;
        truth_s.push(truth(t, 0, x, 25.0));
        truth_s.push(truth(t, 1, x, -25.0));
        truth_s.push(truth(t, 2, x, 200.0));
        tracks.push(track(t, 5, x, -10.0));
        let dip = (9..=11).contains(&k);
        tracks.push(track(t, 6, x, if dip { 90.0 } else { 200.0 }));
    }
    let report = evaluate_run(&truth_s, &tracks, P).unwrap();
    let h = &report.tracks[&5];
    assert_eq!(h.steps, 20);
    assert!(!h.on_target.contains_key(&0));
    assert_eq!(h.on_target[&1].steps, 20);
    assert_eq!((h.near[&0].first_s, h.near[&0].steps), (0.0, 20));
    let h6 = &report.tracks[&6];
    assert_eq!(h6.on_target[&0].steps, 3);
    assert_eq!(h6.near[&0].steps, 3);
    assert_eq!(report.dominant_target[&6].0, 2);
    let crossings = crossings_at_100_s(2);
    let a = score_alerts(
        &[alert(5.0, &[5]), alert(10.0, &[6])],
        &report,
        &crossings,
        &[true, true, false],
        3600.0,
        100_000.0,
    );
    let warnings: Vec<Option<f64>> = a.crossings.iter().map(|c| c.1).collect();
    assert_eq!(warnings, vec![Some(95.0), Some(95.0)]);
    assert_eq!((a.missed, a.false_alerts), (0, 1));
}

/// What the sensors allowed, by hand. Border along the x axis, ours north. Target 0
/// flies north at 10 m/s from y = -1000 (t = 0) and crosses at t = 100; it is
/// detectable from t = 20 by a sensor looking every 5 s: possible warning
/// 100 - 20 - 2 * 5 = 70 s. Target 1 crosses at t = 50 and is never detectable: 0 s
/// possible. Target 0's alert at t = 40 gives 60 s, 86% of 70 s: short. Target 1's
/// alert comes after its crossing, which nothing could have prevented: not short.
#[test]
fn possible_warning_by_hand() {
    // Walking east, north is on the left.
    let border = Border {
        points_m: vec![[-5_000.0, 0.0], [5_000.0, 0.0]],
        ours_left: true,
    };
    let mut t = Vec::new();
    for k in 0..=20 {
        let time = k as f64 * 5.0;
        let mut s = truth(time, 0, 0.0, -1000.0 + 10.0 * time);
        s.detectable_revisit_s = (time >= 20.0).then_some(5.0);
        t.push(s);
        t.push(truth(time, 1, 1000.0, -500.0 + 10.0 * time));
    }
    let c = border.crossings(&t);
    assert_eq!(c.len(), 2);
    assert_eq!((c[0].target, c[1].target), (0, 1));
    assert!((c[0].time_s - 100.0).abs() < 1e-9);
    assert_eq!(c[0].possible_warning_s, Some(70.0));
    assert_eq!(c[1].possible_warning_s, Some(0.0));
    let mut report = RunReport::default();
    report.dominant_target.insert(1, (0, 10));
    report.dominant_target.insert(2, (1, 10));
    let alerts = [alert(40.0, &[1]), alert(60.0, &[2])];
    let a = score_alerts(&alerts, &report, &c, &[true, true], 100.0, 10_000.0);
    assert_eq!(a.short_warnings, 1);
    assert!((a.min_warning_share.unwrap() - 60.0 / 70.0).abs() < 1e-12);
    // An alert at t = 35 gives 65 s, 93%: no longer short.
    let alerts = [alert(35.0, &[1])];
    let a = score_alerts(&alerts, &report, &c, &[true, true], 100.0, 10_000.0);
    // Target 1 has no alert now, but no sensor could have localised it: a coverage gap,
    // counted apart from the missed, and not short of a warning that was never possible.
    assert_eq!((a.short_warnings, a.missed, a.unseen), (0, 0, 1));
    // Without target 0's alert it is missed, and short.
    let a = score_alerts(&[], &report, &c, &[true, true], 100.0, 10_000.0);
    assert_eq!((a.short_warnings, a.missed, a.unseen), (1, 1, 1));
    assert_eq!(a.min_warning_share, Some(0.0));
    // A truth without detectability leaves the possible warning unknown.
    let plain: Vec<TruthSample> = t
        .iter()
        .map(|s| TruthSample {
            detectable_revisit_s: None,
            ..s.clone()
        })
        .collect();
    assert_eq!(border.crossings(&plain)[0].possible_warning_s, None);
}

/// Class confusion by hand: target 0 is followed by track 1 (class "drone") for two
/// steps and track 2 (class "bird") for one; target 1 by track 3 with no class. Pairs:
/// (0, drone) 2, (0, bird) 1; track 3 contributes nothing.
#[test]
fn class_pairs_by_hand() {
    let with_class = |t: f64, id: u64, x: f64, class: Option<&str>| TrackSample {
        time_s: t,
        track: id,
        position_m: [x, 0.0, 0.0],
        class: class.map(str::to_owned),
    };
    let truth: Vec<TruthSample> = (0..3)
        .flat_map(|k| {
            let t = k as f64;
            [truth(t, 0, 0.0, 0.0), truth(t, 1, 5000.0, 0.0)]
        })
        .collect();
    let tracks = vec![
        with_class(0.0, 1, 1.0, Some("drone")),
        with_class(1.0, 1, 1.0, Some("drone")),
        with_class(2.0, 2, 1.0, Some("bird")),
        with_class(0.0, 3, 5001.0, None),
        with_class(1.0, 3, 5001.0, None),
        with_class(2.0, 3, 5001.0, None),
    ];
    let r = evaluate_run(&truth, &tracks, P).unwrap();
    assert_eq!(r.class_pairs.len(), 2);
    assert_eq!(r.class_pairs[&(0, "drone".to_string())], 2);
    assert_eq!(r.class_pairs[&(0, "bird".to_string())], 1);
    assert_eq!(r.targets[0].id_switches, 1);
    assert_eq!(r.targets[1].track_ids, vec![3]);
}
