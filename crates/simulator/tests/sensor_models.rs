//! The simulated sensors against their models, statistically over many draws.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use geodesy::LocalFrame;
use simulator::scenario::Scenario;
use simulator::sensors::{radar_snr, radio_horizon_m, swerling1_pd, swerling1_snr, SimSensor};
use simulator::targets::build_targets;

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
    // A target orbiting 1 m around a point due north of the radar.
    let north_deg = target_range_m / 111_250.0;
    toml::from_str(&format!(
        r#"
name = "stat"
seed = 5
duration_s = 10
[site]
lat_deg = 54.0
lon_deg = 25.0
[border]
points = [[55.0, 24.0], [55.0, 26.0]]
ours = "right"
[[target]]
name = "t"
kind = "quadcopter"
motion = "orbit"
center = [{lat}, 25.0]
radius_m = 1
alt_m = 300
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
        lat = 54.0 + north_deg
    ))
    .unwrap()
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
        let n = 4000;
        let mut hits = 0;
        let mut out = Vec::new();
        for _ in 0..n {
            out.clear();
            radar.observe(0, &targets, &[Some(state)], 0.0, &mut out, &mut [None]);
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
