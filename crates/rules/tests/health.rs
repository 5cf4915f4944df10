//! Sensor health: silence and rate changes raise one alert per sensor, which closes
//! once the sensor is well again.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
use model::{AlertKind, AlertState};
use rules::{AlertEngine, HealthConfig, Problem, RulesConfig, SensorHealth};

fn describe(i: usize) -> Option<(String, [f64; 3], Option<geodesy::Lla>)> {
    Some((format!("radar-{i}"), [100.0 * i as f64, 0.0, 0.0], None))
}

#[test]
fn a_silent_sensor_raises_one_alert_that_closes_after_it_recovers() {
    let mut h = SensorHealth::new(HealthConfig::default());
    let mut rules = AlertEngine::new(
        RulesConfig::default(),
        None,
        zones::Areas::new(Vec::new()).unwrap(),
    );
    // Sensor 0 reports every second until 60 s; sensor 1 never stops.
    for k in 0..=60 {
        h.observe(0, k as f64);
    }
    for k in 0..=120 {
        h.observe(1, k as f64);
    }
    // 5 s after its last report: within max(10 s, 5 intervals of 1 s).
    assert!(h.check(65.0, describe).is_empty());
    assert_eq!(h.state(0, 65.0), "ok");
    let f = h.check(71.0, describe);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].sensor, "radar-0");
    assert!(matches!(f[0].problem, Problem::Silent { for_s } if (for_s - 11.0).abs() < 1e-9));
    assert_eq!(h.state(0, 71.0), "silent");

    let mut lines = Vec::new();
    for t in 71..=79 {
        lines.extend(rules.health(t as f64, &h.check(t as f64, describe)));
    }
    assert_eq!(lines.len(), 1, "one alert, not one per check: {lines:?}");
    let a = &lines[0];
    assert_eq!(
        (a.kind, a.state, a.sensor.as_deref()),
        (AlertKind::SensorHealth, AlertState::New, Some("radar-0"))
    );
    assert!(a.tracks.is_empty());
    assert!(a.reason.contains("silent"), "{}", a.reason);
    // Track moments do not close it while the sensor stays silent.
    assert!(rules.step(200.0, &[]).is_empty());

    // It recovers at 80 s; the alert closes 30 s (close_after_s) after the last finding.
    let mut h2 = h.clone();
    for k in 80..=120 {
        h2.observe(0, k as f64);
    }
    let mut after = Vec::new();
    for t in 80..=110 {
        after.extend(rules.health(t as f64, &h2.check(t as f64, describe)));
    }
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0].state, AlertState::Closed);
    assert_eq!(after[0].time_s, 109.0);
}

#[test]
fn a_sharp_change_of_rate_is_found_and_a_steady_one_is_not() {
    let cfg = HealthConfig::default();
    let mut h = SensorHealth::new(cfg.clone());
    // 10 detections a second (ten per report time) for 100 s.
    for k in 0..1000 {
        h.observe(0, k as f64 * 0.1);
    }
    assert!(h.check(100.0, describe).is_empty());
    // Then 100 a second.
    for k in 0..2000 {
        h.observe(0, 100.0 + k as f64 * 0.01);
    }
    let f = h.check(120.0, describe);
    assert_eq!(f.len(), 1, "{f:?}");
    match f[0].problem {
        Problem::Rate {
            now_per_s,
            usual_per_s,
        } => {
            assert!(now_per_s > cfg.rate_rise_ratio * usual_per_s);
        }
        ref p => panic!("{p:?}"),
    }
    assert_eq!(h.state(0, 120.0), "rate_changed");
}

#[test]
fn a_sensor_that_reports_its_own_status_is_alive_and_its_fault_raises_an_alert() {
    let mut h = SensorHealth::new(HealthConfig::default());
    let mut rules = AlertEngine::new(
        RulesConfig::default(),
        None,
        zones::Areas::new(Vec::new()).unwrap(),
    );
    // Sensor 0 detects nothing but reports its status every 5 s: never silent.
    for k in 0..=20 {
        h.status(0, 5.0 * k as f64, None);
    }
    assert!(h.check(102.0, describe).is_empty());
    assert_eq!(h.state(0, 102.0), "ok");
    // Its status stops: silent once the usual rule says so (over 10 s, no news).
    assert_eq!(h.state(0, 111.0), "silent");
    // It comes back declaring a fault: one alert with its words, priority 2.
    h.status(0, 112.0, Some("system error".into()));
    assert_eq!(h.state(0, 112.0), "fault");
    let f = h.check(112.0, describe);
    assert!(matches!(&f[0].problem, Problem::Reported { what } if what == "system error"));
    let a = rules.health(112.0, &f);
    assert_eq!(a.len(), 1);
    assert_eq!((a[0].state, a[0].priority), (AlertState::New, 2));
    assert!(
        a[0].reason.contains("reports a fault: system error"),
        "{}",
        a[0].reason
    );
    // The fault clears; the alert closes after close_after_s without findings.
    h.status(0, 113.0, None);
    let mut closed = Vec::new();
    for t in 113..=150 {
        h.status(0, t as f64, None);
        closed.extend(rules.health(t as f64, &h.check(t as f64, describe)));
    }
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].state, AlertState::Closed);
}
