//! Groups of targets (`count` > 1): every member has a place of its own, and a batch of
//! drifting balloons keeps its spacing instead of swinging with every gust.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use geodesy::LocalFrame;
use simulator::scenario::Scenario;
use simulator::targets::{build_targets, Target};

fn scenario(target: &str) -> Scenario {
    toml::from_str(&format!(
        r#"
name = "formation"
seed = 7
duration_s = 600
[site]
lat_deg = 54.55
lon_deg = 25.75
[border]
points = [[54.70, 25.82], [54.40, 25.84]]
own_side = "right"
[weather]
wind_from_deg = 80
wind_speed_mps = 9
[[target]]
{target}"#
    ))
    .unwrap()
}

fn targets(s: &Scenario) -> Vec<Target> {
    let frame = LocalFrame::new(s.site.lla().unwrap());
    build_targets(s, &frame).unwrap()
}

fn horizontal_m(a: [f64; 3], b: [f64; 3]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// Each member's position and velocity every second of the run (all exist throughout).
fn states(t: &[Target]) -> Vec<Vec<([f64; 3], [f64; 3])>> {
    (0..600)
        .map(|k| {
            t.iter()
                .map(|m| {
                    let s = m.state_at(k as f64).unwrap();
                    (s.position_m, s.velocity_mps)
                })
                .collect()
        })
        .collect()
}

/// Three drones 400 m apart fly abreast: at every step the members are 400 m and 800 m
/// apart. (Before, the leader kept the path and the third member's offset was zero, so
/// two of the three flew through the same points.)
#[test]
fn formation_members_fly_apart_at_their_spacing() {
    let s = scenario(
        r#"name = "raid"
kind = "shahed"
motion = "crossing"
count = 3
spacing_m = 400
from = [54.60, 26.30]
to = [54.50, 25.40]"#,
    );
    let t = targets(&s);
    assert_eq!(t.len(), 3);
    for (k, at) in states(&t).iter().enumerate() {
        let (a, b, c) = (at[0].0, at[1].0, at[2].0);
        assert!((horizontal_m(a, b) - 400.0).abs() < 1.0, "{k} s");
        assert!((horizontal_m(b, c) - 400.0).abs() < 1.0, "{k} s");
        assert!((horizontal_m(a, c) - 800.0).abs() < 1.0, "{k} s");
    }
}

/// Five balloons released 1,500 m apart drift on a 9 m/s wind with gusts: each moves at
/// about the wind's speed (never over twice it) and the batch keeps its spacing to
/// within metres, however the gusts turn the leader.
#[test]
fn a_batch_of_balloons_drifts_with_the_wind_and_keeps_its_spacing() {
    let s = scenario(
        r#"name = "balloon"
kind = "balloon"
motion = "drift"
count = 5
spacing_m = 1500
alt_m = 2000
from = [54.57, 26.05]"#,
    );
    let t = targets(&s);
    assert_eq!(t.len(), 5);
    for (k, at) in states(&t).iter().enumerate() {
        for (m, (_, v)) in at.iter().enumerate() {
            let speed = v[0].hypot(v[1]);
            assert!(speed < 18.0, "member {m} at {k} s: {speed} m/s");
        }
        for m in 1..5 {
            let d = horizontal_m(at[m - 1].0, at[m].0);
            assert!((d - 1500.0).abs() < 1.0, "members {m} at {k} s: {d} m");
        }
    }
}
