//! Known answers for each piece of evidence and for the probability update: every
//! expected value below is worked out from the documented model, independently of the
//! classifier's own feature extraction.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
use approx::assert_relative_eq;
use classify::likelihood::{self as lk, normal_log_density};
use classify::{ClassState, ClassifierConfig, MotionSample};
use model::{Attributes, Class, Evidence, SensorKind};

fn sample(t: f64, v: [f64; 3], p: [f64; 2], height_m: f64) -> MotionSample {
    MotionSample {
        time_s: t,
        position_m: p,
        sigma_position_m: 5.0,
        velocity_mps: v,
        height_m,
        sigma_velocity_mps: 1.0,
        sigma_vertical_velocity_mps: 0.5,
        sigma_height_m: 10.0,
        height_measured: true,
    }
}

fn term(s: &ClassState, cfg: &ClassifierConfig, e: Evidence) -> [f64; Class::COUNT] {
    s.log_likelihoods(cfg)[e as usize]
}

fn assert_terms(got: [f64; Class::COUNT], want: [f64; Class::COUNT]) {
    for (g, w) in got.iter().zip(want) {
        assert_relative_eq!(*g, w, epsilon = 1e-9);
    }
}

fn with_wind(from_deg: f64, speed: f64) -> ClassifierConfig {
    ClassifierConfig {
        wind_from_deg: Some(from_deg),
        wind_speed_mps: Some(speed),
        ..Default::default()
    }
}

#[test]
fn speed_is_the_mean_velocity_through_the_air() {
    // Wind from the west at 4 m/s: the air moves east at 4 m/s. A target flying
    // (7, 4) m/s over the ground flies (3, 4) through the air: 5 m/s.
    let cfg = with_wind(270.0, 4.0);
    let mut s = ClassState::new();
    for k in 0..5 {
        let t = k as f64;
        s.observe_motion(&cfg, &sample(t, [7.0, 4.0, 0.0], [7.0 * t, 4.0 * t], 100.0));
    }
    let want = lk::SPEED.log_likelihood(5.0, 1.0, |b| *b);
    assert_terms(term(&s, &cfg, Evidence::Speed), want);
}

#[test]
fn without_wind_speed_bands_widen_by_the_strongest_wind() {
    let cfg = ClassifierConfig::default();
    let mut s = ClassState::new();
    for k in 0..4 {
        let t = k as f64;
        s.observe_motion(&cfg, &sample(t, [0.0, 12.0, 0.0], [0.0, 12.0 * t], 100.0));
    }
    let want = lk::SPEED.log_likelihood(12.0, 1.0, |b| b.widened(cfg.max_wind_mps, 0.0));
    assert_terms(term(&s, &cfg, Evidence::Speed), want);
}

#[test]
fn a_long_baseline_beats_a_poor_filtered_velocity() {
    // The filter's velocity is poor (sigma 20 m/s, and wrong); the positions, 5 m good,
    // move 10 m/s east for 60 s: the speed is judged on the baseline, 10 m/s with
    // sigma hypot(5, 5) / 60.
    let cfg = with_wind(0.0, 0.0);
    let mut s = ClassState::new();
    for k in 0..=60 {
        let t = k as f64;
        let mut m = sample(t, [30.0, 0.0, 0.0], [10.0 * t, 0.0], 100.0);
        m.sigma_velocity_mps = 20.0;
        s.observe_motion(&cfg, &m);
    }
    let sigma = 5f64.hypot(5.0) / 60.0;
    let want = lk::SPEED.log_likelihood(10.0, sigma, |b| *b);
    assert_terms(term(&s, &cfg, Evidence::Speed), want);
}

#[test]
fn altitude_and_climb_from_the_window_means() {
    let cfg = ClassifierConfig::default();
    let mut s = ClassState::new();
    // Heights 100, 102, 104, 106 (mean 103); climb 2 m/s.
    for k in 0..4 {
        let t = k as f64;
        s.observe_motion(
            &cfg,
            &sample(t, [10.0, 0.0, 2.0], [10.0 * t, 0.0], 100.0 + 2.0 * t),
        );
    }
    assert_terms(
        term(&s, &cfg, Evidence::Altitude),
        lk::ALTITUDE.log_likelihood(103.0, 10.0, |b| *b),
    );
    assert_terms(
        term(&s, &cfg, Evidence::ClimbRate),
        lk::CLIMB.log_likelihood(2.0, 0.5),
    );
    // A track whose height no sensor measured says nothing about either.
    let mut blind = ClassState::new();
    for k in 0..4 {
        let mut m = sample(k as f64, [10.0, 0.0, 0.0], [10.0 * k as f64, 0.0], 300.0);
        m.height_measured = false;
        blind.observe_motion(&cfg, &m);
    }
    assert_terms(term(&blind, &cfg, Evidence::Altitude), [0.0; Class::COUNT]);
}

#[test]
fn circling_turn_rate_by_hand() {
    // A circle at 20 m/s turning 10 degrees per second, sampled each second: every
    // sample pair turns 10 degrees; noise sqrt(2) * (1 m/s / 20 m/s) rad/s.
    let cfg = ClassifierConfig::default();
    let mut s = ClassState::new();
    for k in 0..8 {
        let h = (10.0 * k as f64).to_radians();
        let v = [20.0 * h.sin(), 20.0 * h.cos(), 0.0];
        s.observe_motion(&cfg, &sample(k as f64, v, [0.0, 0.0], 500.0));
    }
    let noise_deg = (std::f64::consts::SQRT_2 * 1.0 / 20.0).to_degrees();
    let got = term(&s, &cfg, Evidence::Turning);
    let want = lk::TURN.log_likelihood(10.0, noise_deg);
    for (g, w) in got.iter().zip(want) {
        // The sample rates are held as f32.
        assert_relative_eq!(*g, w, epsilon = 1e-5);
    }
}

#[test]
fn straightness_of_a_square_and_a_line() {
    let cfg = ClassifierConfig::default();
    // A straight run at 10 m/s for 60 s: straightness 1 (after the noise correction
    // each 50 m step is sqrt(2500 - 50) long, so the ratio is a hair above 1: clamped).
    let mut line = ClassState::new();
    for k in 0..=60 {
        let t = k as f64;
        line.observe_motion(&cfg, &sample(t, [10.0, 0.0, 0.0], [10.0 * t, 0.0], 100.0));
    }
    assert_terms(
        term(&line, &cfg, Evidence::Straightness),
        lk::straightness_log_likelihood(1.0),
    );
    // Baseline points every 5 s on a square of side 200 m walked in 80 s (4 steps a
    // side), starting at a corner and ending three sides later: net 200 m over a path
    // of 12 steps of 50 m each (noise-corrected): 200 / (12 * sqrt(2500 - 50)).
    let mut square = ClassState::new();
    let corner = |k: usize| -> [f64; 2] {
        let d = 50.0 * k as f64;
        match k {
            0..=4 => [d, 0.0],
            5..=8 => [200.0, d - 200.0],
            _ => [200.0 - (d - 400.0), 200.0],
        }
    };
    for k in 0..=12 {
        let t = 5.0 * k as f64;
        square.observe_motion(&cfg, &sample(t, [10.0, 0.0, 0.0], corner(k), 100.0));
    }
    let want = 200.0 / (12.0 * (2500.0f64 - 50.0).sqrt());
    assert_terms(
        term(&square, &cfg, Evidence::Straightness),
        lk::straightness_log_likelihood(want),
    );
}

#[test]
fn hovering_needs_a_slow_sure_window() {
    let cfg = ClassifierConfig::default();
    let mut s = ClassState::new();
    for k in 0..=10 {
        s.observe_motion(&cfg, &sample(k as f64, [0.5, 0.3, 0.0], [0.0, 0.0], 50.0));
    }
    let want = lk::HOVER.map(|p| lk::MOTION_WEIGHT * p.ln());
    assert_terms(term(&s, &cfg, Evidence::Hovering), want);
    // Ten seconds of steady flight: evidence against hovering.
    let mut f = ClassState::new();
    for k in 0..=10 {
        let t = k as f64;
        f.observe_motion(&cfg, &sample(t, [15.0, 0.0, 0.0], [15.0 * t, 0.0], 50.0));
    }
    let want = lk::HOVER.map(|p| lk::MOTION_WEIGHT * (1.0 - p).ln());
    assert_terms(term(&f, &cfg, Evidence::Hovering), want);
}

#[test]
fn mean_rcs_by_hand() {
    let cfg = ClassifierConfig::default();
    let mut s = ClassState::new();
    for (k, rcs) in [-20.0, -22.0, -18.0, -20.0].iter().enumerate() {
        let a = Attributes {
            rcs_dbsm: Some(*rcs),
            ..Default::default()
        };
        s.observe_detection(&cfg, k as f64 * 1e-9, SensorKind::Radar, Some(&a), 1.0);
    }
    let got = term(&s, &cfg, Evidence::Rcs);
    // Mean -20 over 4 (the fading over nanoseconds is nil).
    for (c, (mu, sd)) in lk::RCS_DBSM.iter().enumerate() {
        let var = sd * sd + 5.6 * 5.6 / 4.0;
        let d = normal_log_density(-20.0, *mu, var).exp();
        let want = (0.98 * d + 0.02 / 120.0).ln();
        assert_relative_eq!(got[c], want, epsilon = 1e-6);
    }
}

#[test]
fn hints_count_with_a_cap() {
    let cfg = ClassifierConfig::default();
    let bird = Attributes {
        class_hint: Some("bird".into()),
        ..Default::default()
    };
    let mut s = ClassState::new();
    for _ in 0..3 {
        s.observe_detection(&cfg, 0.0, SensorKind::Radar, Some(&bird), 1.0);
    }
    // 3 hints of weight 0.5: bird 1.5 ln 0.8, unknown 1.5 ln 0.5, the rest 1.5 ln 0.2.
    let h = |p: f64| 1.5 * p.ln();
    assert_terms(
        term(&s, &cfg, Evidence::SensorHint),
        [h(0.2), h(0.2), h(0.8), h(0.2), h(0.2), h(0.5)],
    );
    // Thirty hints would give 15 ln 4 = 20.8 nats of bird over the rest: capped at 8,
    // kept in proportion, the top at zero.
    for _ in 0..27 {
        s.observe_detection(&cfg, 0.0, SensorKind::Radar, Some(&bird), 1.0);
    }
    let got = term(&s, &cfg, Evidence::SensorHint);
    let spread = 15.0 * (0.8f64.ln() - 0.2f64.ln());
    assert_relative_eq!(got[Class::Bird.index()], 0.0, epsilon = 1e-9);
    assert_relative_eq!(got[Class::DroneRotary.index()], -8.0, epsilon = 1e-9);
    let unknown = 15.0 * (0.5f64.ln() - 0.8f64.ln()) * 8.0 / spread;
    assert_relative_eq!(got[Class::Unknown.index()], unknown, epsilon = 1e-9);
    // A passive RF sensor's protocol label is not a second piece of evidence.
    let mut rf = ClassState::new();
    let drone = Attributes {
        class_hint: Some("drone".into()),
        ..Default::default()
    };
    rf.observe_detection(&cfg, 0.0, SensorKind::PassiveRf, Some(&drone), 1.0);
    assert_terms(term(&rf, &cfg, Evidence::SensorHint), [0.0; Class::COUNT]);
}

#[test]
fn rf_presence_by_hand_and_shared_bearings_count_less() {
    let cfg = ClassifierConfig::default();
    let mut sure = ClassState::new();
    for _ in 0..4 {
        sure.observe_detection(&cfg, 0.0, SensorKind::PassiveRf, None, 1.0);
    }
    // Mean weight 1, four detections: p = 1 - 0.5^4.
    let p = 1.0 - 0.5f64.powi(4);
    let want = lk::RF_SEEN.map(|q| (p * q / lk::RF_SEEN[Class::Unknown.index()] + 1.0 - p).ln());
    assert_terms(term(&sure, &cfg, Evidence::RfEmission), want);
    // The same bearings shared with three other tracks (weight 1/4) move a track less.
    let mut shared = ClassState::new();
    for _ in 0..4 {
        shared.observe_detection(&cfg, 0.0, SensorKind::PassiveRf, None, 0.25);
    }
    let a = term(&sure, &cfg, Evidence::RfEmission);
    let b = term(&shared, &cfg, Evidence::RfEmission);
    let lift = |t: [f64; Class::COUNT]| t[Class::DroneRotary.index()] - t[Class::Bird.index()];
    assert!(lift(b) < lift(a) && lift(b) > 0.0);
}

#[test]
fn evidence_fades_with_its_time_constant() {
    let cfg = ClassifierConfig::default();
    let mut s = ClassState::new();
    s.observe_detection(&cfg, 0.0, SensorKind::Acoustic, None, 1.0);
    s.observe_detection(&cfg, 0.0, SensorKind::Acoustic, None, 1.0);
    // One memory time later both weight and count are e^-1 of 2; a third detection
    // adds 1 to each: mean weight 1, count 2e^-1 + 1.
    s.observe_detection(&cfg, cfg.memory_s, SensorKind::Acoustic, None, 1.0);
    let n = 2.0 * (-1.0f64).exp() + 1.0;
    let p = 1.0 - 0.5f64.powf(n);
    let want =
        lk::SOUND_HEARD.map(|q| (p * q / lk::SOUND_HEARD[Class::Unknown.index()] + 1.0 - p).ln());
    assert_terms(term(&s, &cfg, Evidence::Sound), want);
}

/// Company checks fade like every other statistic, whether they are all a track has
/// (the rest of its evidence is not even allocated yet) or other evidence arrives
/// among them: the flocking term is the faded share, worked out here step by step.
#[test]
fn company_share_fades_with_or_without_other_evidence() {
    let cfg = ClassifierConfig::default();
    let checks = [
        (0.0, true),
        (1.0, true),
        (2.0, false),
        (4.0, true),
        (7.0, false),
    ];
    let (mut company, mut all, mut last) = (0.0f64, 0.0f64, 0.0);
    for &(t, with) in &checks {
        let f = (-(t - last) / cfg.memory_s).exp();
        (company, all, last) = (company * f + f64::from(u8::from(with)), all * f + 1.0, t);
    }
    let share = company / all;
    let want =
        lk::COMPANY.map(|q| lk::MOTION_WEIGHT * (share * q + (1.0 - share) * (1.0 - q)).ln());
    let rcs = Attributes {
        rcs_dbsm: Some(-20.0),
        ..Default::default()
    };
    // A radar plot with an RCS (which starts the rest of the evidence) before the first
    // check, between two, at the time of the last, or never.
    for detection_at in [None, Some(-1.0), Some(3.0), Some(7.0)] {
        let mut s = ClassState::new();
        let mut pending = detection_at;
        for &(t, with) in &checks {
            if let Some(d) = pending.filter(|&d| d <= t) {
                s.observe_detection(&cfg, d, SensorKind::Radar, Some(&rcs), 1.0);
                pending = None;
            }
            s.observe_company(&cfg, t, with);
        }
        let got = term(&s, &cfg, Evidence::Flocking);
        for (g, w) in got.iter().zip(want) {
            assert_relative_eq!(*g, w, max_relative = 1e-12);
        }
    }
}

#[test]
fn posterior_is_prior_times_likelihoods() {
    let cfg = ClassifierConfig::default();
    let s = ClassState::new();
    // No evidence: the normalised prior.
    let (p, _) = s.posterior(&cfg);
    let prior = cfg.prior.as_array();
    let total: f64 = prior.iter().sum();
    for (a, b) in p.iter().zip(prior) {
        assert_relative_eq!(*a, b / total, epsilon = 1e-12);
    }
    // One ADS-B report of certain association: posterior_c ∝ prior_c * L_c with
    // L_c = p q_c / q_unknown + 1 - p and p = 1 - 0.5 = 0.5.
    let mut a = ClassState::new();
    a.observe_detection(&cfg, 0.0, SensorKind::Adsb, None, 1.0);
    let (p, _) = a.posterior(&cfg);
    let l = lk::ADSB_SENT.map(|q| 0.5 * q / lk::ADSB_SENT[Class::Unknown.index()] + 0.5);
    let z: f64 = prior.iter().zip(l).map(|(a, b)| a * b).sum();
    for c in 0..Class::COUNT {
        assert_relative_eq!(p[c], prior[c] * l[c] / z, epsilon = 1e-12);
    }
}

#[test]
fn decision_threshold_and_drone_threshold() {
    let cfg = ClassifierConfig::default();
    // Four ADS-B reports: aircraft at 0.97.
    let mut a = ClassState::new();
    for _ in 0..4 {
        a.observe_detection(&cfg, 0.0, SensorKind::Adsb, None, 1.0);
    }
    let c = a.classify(&cfg);
    assert_eq!(c.class, Class::Aircraft);
    assert_eq!(c.evidence[0].map(|e| e.0), Some(Evidence::Adsb));
    // A lone prior says nothing: unknown.
    assert_eq!(ClassState::new().classify(&cfg).class, Class::Unknown);
    // Drones need 0.75 rather than 0.6. One RF bearing (p = 0.5): likelihoods
    // rotary 8.5, fixed 3.5, bird 0.51, aircraft 1, balloon 5.5, unknown 1; times the
    // prior and normalised, rotary 0.525 and fixed 0.144: drones together 0.669, so
    // unknown.
    let mut d = ClassState::new();
    d.observe_detection(&cfg, 0.0, SensorKind::PassiveRf, None, 1.0);
    let c = d.classify(&cfg);
    assert_relative_eq!(
        c.probabilities[Class::DroneRotary.index()],
        1.275 / 2.4285,
        epsilon = 1e-9
    );
    assert_eq!(c.class, Class::Unknown);
    // Three (p = 0.875): rotary 2.119 / 3.4999 = 0.605 alone is short of 0.75, but with
    // fixed wing (0.154) the drones pass it: the likelier drone class is reported.
    for _ in 0..2 {
        d.observe_detection(&cfg, 0.0, SensorKind::PassiveRf, None, 1.0);
    }
    let c = d.classify(&cfg);
    let rot = c.probabilities[Class::DroneRotary.index()];
    let fix = c.probabilities[Class::DroneFixedWing.index()];
    assert!(rot < cfg.drone_decision_probability && rot + fix >= cfg.drone_decision_probability);
    assert_relative_eq!(rot, 0.15 * 14.125 / 3.499_875, epsilon = 1e-9);
    assert_eq!(c.class, Class::DroneRotary);
}

proptest::proptest! {
    /// Whatever arrives (NaN included), the probabilities are finite, in [0, 1], sum to
    /// one, and the class is one of them.
    #[test]
    fn probabilities_stay_a_distribution(
        steps in proptest::collection::vec(
            (0.0f64..5.0, proptest::num::f64::ANY, -80.0f64..60.0, 0usize..7, 0.0f64..1.2, proptest::num::f64::ANY),
            0..60,
        ),
    ) {
        let cfg = ClassifierConfig::default();
        let mut s = ClassState::new();
        let mut t = 0.0;
        let kinds = [SensorKind::Radar, SensorKind::PassiveRf, SensorKind::Acoustic, SensorKind::EoIr, SensorKind::Adsb, SensorKind::RemoteId, SensorKind::Other];
        let hints = ["drone", "bird", "aircraft", "balloon", "toaster", "drone_rotary", "glider"];
        for (dt, v, rcs, k, w, h) in steps {
            t += dt;
            s.observe_motion(&cfg, &sample(t, [v, 3.0, 0.1], [t * 3.0, v], h));
            let a = Attributes { rcs_dbsm: Some(rcs), class_hint: Some(hints[k].into()), ..Default::default() };
            s.observe_detection(&cfg, t, kinds[k], Some(&a), w);
            s.observe_company(&cfg, t, k % 2 == 0);
            let c = s.classify(&cfg);
            let sum: f64 = c.probabilities.iter().sum();
            proptest::prop_assert!((sum - 1.0).abs() < 1e-9);
            proptest::prop_assert!(c.probabilities.iter().all(|p| p.is_finite() && (0.0..=1.0).contains(p)));
        }
    }
}
