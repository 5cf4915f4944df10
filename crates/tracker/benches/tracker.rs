//! The tracker's hot path: one scan of a busy sector (1,000 targets, 10,000 clutter
//! plots, 50 km square) on a tracker in steady state.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // benches fail loudly; criterion's macros generate undocumented items
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use model::{Detection, Measurement, SensorIndex, SensorTable, TrackReport};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};
use tracker::{MotionKind, Tracker, TrackerConfig};

fn scan(
    rng: &mut rand_chacha::ChaCha8Rng,
    targets: &mut [[f64; 4]],
    k: usize,
    side: f64,
    clutter: usize,
) -> Vec<Detection> {
    let n = Normal::new(0.0, 10.0).unwrap();
    let mut dets = Vec::new();
    let mk = |x: f64, y: f64| Detection {
        time_s: k as f64,
        sensor: SensorIndex(0),
        measurement: Measurement::Cartesian {
            x_m: x,
            y_m: y,
            z_m: None,
            sigma_m: 10.0,
        },
        attributes: None,
    };
    for s in targets.iter_mut() {
        s[0] += s[2];
        s[1] += s[3];
        if rng.gen::<f64>() < 0.9 {
            dets.push(mk(s[0] + n.sample(rng), s[1] + n.sample(rng)));
        }
    }
    for _ in 0..clutter {
        dets.push(mk(rng.gen_range(0.0..side), rng.gen_range(0.0..side)));
    }
    dets
}

fn bench(c: &mut Criterion) {
    let side = 50_000.0;
    let clutter = 10_000;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut targets: Vec<[f64; 4]> = (0..1000)
        .map(|_| {
            [
                rng.gen_range(5_000.0..45_000.0),
                rng.gen_range(5_000.0..45_000.0),
                rng.gen_range(-20.0..20.0),
                rng.gen_range(-20.0..20.0),
            ]
        })
        .collect();
    for motion in [MotionKind::Cv, MotionKind::Imm] {
        let mut cfg = TrackerConfig::default();
        cfg.motion.model = motion;
        cfg.management.clutter_density_per_m2 = clutter as f64 / (side * side);
        cfg.initiation.window_s = 1.5;
        cfg.timing.reorder_window_s = 0.0;
        let mut tracker = Tracker::new(cfg, None, &SensorTable::new()).unwrap();
        let mut sink = |_: f64, _: &[TrackReport]| {};
        for k in 0..8 {
            for d in scan(&mut rng, &mut targets, k, side, clutter) {
                let _ = tracker.push(d, &mut sink);
            }
            tracker.finish(&mut sink);
        }
        let next = scan(&mut rng, &mut targets, 8, side, clutter);
        c.bench_function(
            &format!("tracker_scan_1k_targets_10k_clutter_{motion:?}"),
            |b| {
                b.iter_batched(
                    || (tracker.clone(), next.clone()),
                    |(mut t, dets)| {
                        let mut sink = |_: f64, _: &[TrackReport]| {};
                        for d in dets {
                            let _ = t.push(d, &mut sink);
                        }
                        t.finish(&mut sink);
                        t.live_tracks()
                    },
                    BatchSize::LargeInput,
                )
            },
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
