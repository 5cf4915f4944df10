//! The simulated sensors against their models, statistically over many draws.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use geodesy::LocalFrame;
use simulator::scenario::Scenario;
use simulator::sensors::{
    radar_snr, radio_horizon_m, swerling1_pd, swerling1_snr, Sightings, SimSensor,
};
use simulator::targets::build_targets;
use simulator::Simulation;

/// Known answers: the SNR a Swerling I target needs for Pd 0.9 at Pfa 1e-6 is
/// ln(1e-6) / ln(0.9) - 1 = 13.8155 / 0.10536 - 1 = 130.126 (21.1 dB); the radio horizon of a 10 m mast and a
/// 50 m target over a 4/3 Earth is sqrt(2 k R 10) + sqrt(2 k R 50) = 13.03 + 29.14 km,
/// the 42 km of ../shared/reference/threats-and-sensors.md.
#[test]
fn model_known_answers() {
    let snr = swerling1_snr(0.9, 1e-6);
    assert!((snr - 130.1261).abs() < 1e-3, "{snr}");
    assert!((swerling1_pd(snr, 1e-6) - 0.9).abs() < 1e-12);
    let h = radio_horizon_m(10.0, 50.0);
    assert!((h - 42_170.0).abs() < 30.0, "{h}");
}

fn scenario(target_range_m: f64, rcs_m2: f64, clutter: f64) -> Scenario {
    toml::from_str(&format!(
        r#"{}
rcs_m2 = {rcs_m2}
[[sensor]]
name = "r"
kind = "radar"
lat_deg = 54.0
lon_deg = 25.0
max_range_m = 12000
reference_pd = 0.9
reference_range_m = 5000
reference_rcs_m2 = 0.01
pfa = 1e-6
clutter_per_scan = {clutter}
"#,
        hovering_quad("stat", 5, 10.0, target_range_m, 300.0)
    ))
    .unwrap()
}

/// A scenario's head: a 54° N 25° E site, a border far north, and one quadcopter
/// orbiting 1 m around a point `north_m` due north of the site at `alt_m`.
fn hovering_quad(name: &str, seed: u64, duration_s: f64, north_m: f64, alt_m: f64) -> String {
    format!(
        r#"
name = "{name}"
seed = {seed}
duration_s = {duration_s}
[site]
lat_deg = 54.0
lon_deg = 25.0
[border]
points = [[55.0, 24.0], [55.0, 26.0]]
own_side = "right"
[[target]]
name = "q"
kind = "quadcopter"
motion = "orbit"
center = [{}, 25.0]
radius_m = 1
alt_m = {alt_m}"#,
        54.0 + north_m / 111_250.0
    )
}

/// Over 4,000 scans the detected fraction matches Pfa^(1/(1+SNR)) with SNR from the
/// radar equation, within four binomial standard deviations, across range and RCS.
#[test]
fn radar_detection_probability_matches_the_radar_equation() {
    for (range_m, rcs) in [
        (5_000.0, 0.01),
        (8_000.0, 0.01),
        (10_000.0, 0.01),
        (8_000.0, 0.1),
        (4_000.0, 0.002),
    ] {
        let s = scenario(range_m, rcs, 0.0);
        let frame = LocalFrame::new(s.site.lla().unwrap());
        let targets = build_targets(&s, &frame).unwrap();
        let mut radar = SimSensor::new(&s.sensors[0], 0, 9, &frame, 0.0, 0.1, 0.0).unwrap();
        let state = targets[0].state_at(1.0).unwrap();
        let r = (state.position_m[0].powi(2)
            + state.position_m[1].powi(2)
            + (state.position_m[2] - 10.0).powi(2))
        .sqrt();
        let want = swerling1_pd(radar_snr(&radar.p, rcs, r), 1e-6);
        // What the planner reads is the probability the draws below are made against.
        let look = radar.look_probability(&targets[0], &state, 0.0);
        assert!((look - want).abs() < 1e-12, "{look} vs {want}");
        let n = 4000;
        let mut hits = 0;
        let mut out = Vec::new();
        for _ in 0..n {
            out.clear();
            radar.observe(
                0,
                &targets,
                &[Some(state)],
                0.0,
                &mut out,
                &mut [Sightings::default()],
            );
            hits += out.iter().filter(|d| d.target == Some(0)).count();
        }
        let got = hits as f64 / n as f64;
        let sd = (want * (1.0 - want) / n as f64).sqrt().max(1e-3);
        assert!(
            (got - want).abs() < 4.0 * sd,
            "range {range_m} rcs {rcs}: {got} vs {want}"
        );
    }
}

/// Clutter is Poisson with the configured mean (mean and variance agree) and uniform
/// over the coverage disc (a quarter of it inside half the range).
#[test]
fn radar_clutter_matches_its_model() {
    let s = scenario(5_000.0, 0.01, 20.0);
    let frame = LocalFrame::new(s.site.lla().unwrap());
    let mut radar = SimSensor::new(&s.sensors[0], 0, 3, &frame, 0.0, 0.1, 0.0).unwrap();
    let n = 3000;
    let (mut sum, mut sum2, mut inner, mut all) = (0.0, 0.0, 0usize, 0usize);
    let mut out = Vec::new();
    for _ in 0..n {
        out.clear();
        radar.observe(0, &[], &[], 0.0, &mut out, &mut []);
        let k = out.len() as f64;
        sum += k;
        sum2 += k * k;
        for d in &out {
            assert!(d.target.is_none());
            if let simulator::sensors::Measured::Polar { range_m, .. } = d.record {
                all += 1;
                if range_m < 6_000.0 {
                    inner += 1;
                }
            }
        }
    }
    let mean = sum / n as f64;
    let var = sum2 / n as f64 - mean * mean;
    // Standard error of the mean: sqrt(20 / 3000) = 0.08.
    assert!((mean - 20.0).abs() < 0.35, "mean {mean}");
    assert!(
        (var / mean - 1.0).abs() < 0.15,
        "variance {var} vs mean {mean}"
    );
    let frac = inner as f64 / all as f64;
    assert!((frac - 0.25).abs() < 0.02, "inner fraction {frac}");
}

/// The truth's `detectable_revisit_s` for a quadcopter hovering 5 km north of one
/// passive RF sensor (every second) with a second one (every 2 s) placed `second`.
fn fix_revisits(second: &str) -> Vec<(f64, Option<f64>)> {
    let s: Scenario = toml::from_str(&format!(
        r#"{}
rf = true
[[sensor]]
name = "rf-a"
kind = "rf"
lat_deg = 54.0
lon_deg = 25.0
period_s = 1
{second}
"#,
        hovering_quad("fix", 2, 3.0, 5_000.0, 100.0)
    ))
    .unwrap();
    let mut sim = Simulation::new(&s).unwrap();
    let mut out = Vec::new();
    sim.run(|t, _, truth| {
        for line in std::str::from_utf8(truth).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            out.push((t, v["detectable_revisit_s"].as_f64()));
        }
        Ok::<(), ()>(())
    })
    .unwrap();
    out
}

/// One bearing says nothing of where the target is: no fix. A second sensor 5 km east
/// of the target sees it at right angles: a fix every 2 s (the slower sensor), and
/// none at the odd seconds when only the first looks. A second sensor 5 km further
/// south sees it along the same line: no fix.
#[test]
fn a_position_fix_needs_range_or_two_crossing_bearings() {
    let alone = fix_revisits("");
    assert_eq!(alone.len(), 4, "{alone:?}");
    assert!(alone.iter().all(|(_, d)| d.is_none()), "{alone:?}");
    let east_deg = 5_000.0 / (111_250.0 * 54.045f64.to_radians().cos());
    let crossing = fix_revisits(&format!(
        "[[sensor]]\nname = \"rf-b\"\nkind = \"rf\"\nlat_deg = {}\nlon_deg = {}\nperiod_s = 2",
        54.0 + 5_000.0 / 111_250.0,
        25.0 + east_deg
    ));
    assert_eq!(
        crossing,
        vec![(0.0, Some(2.0)), (1.0, None), (2.0, Some(2.0)), (3.0, None)]
    );
    let along = fix_revisits(
        "[[sensor]]\nname = \"rf-b\"\nkind = \"rf\"\nlat_deg = 53.955\nlon_deg = 25.0\nperiod_s = 2",
    );
    assert!(along.iter().all(|(_, d)| d.is_none()), "{along:?}");
}
