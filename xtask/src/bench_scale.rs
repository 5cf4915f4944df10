//! Scale benchmark: 10,000 live targets in a 200 km square with 100,000 clutter plots
//! per scan, tracked in-process on one thread. Reports time per scan and memory.
use anyhow::Result;
use model::{Detection, Measurement, SensorIndex, SensorTable};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;
use tracker::{Tracker, TrackerConfig};

#[derive(clap::Args)]
pub struct Args {
    /// Live targets.
    #[arg(long, default_value_t = 10_000)]
    targets: usize,
    /// Clutter plots per scan.
    #[arg(long, default_value_t = 100_000)]
    clutter: usize,
    /// Side of the square, metres.
    #[arg(long, default_value_t = 200_000.0)]
    side_m: f64,
    /// Scans before timing starts (tracks confirm during these).
    #[arg(long, default_value_t = 5)]
    warmup: usize,
    /// Timed scans.
    #[arg(long, default_value_t = 20)]
    scans: usize,
    /// Seed.
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

/// Peak and current resident memory of this process, MiB (Linux /proc).
fn memory_mib() -> (f64, f64) {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let get = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (get("VmHWM:"), get("VmRSS:"))
}

pub fn run(a: Args) -> Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(a.seed);
    let pd = 0.9;
    let sigma = 10.0;
    let mut targets: Vec<[f64; 4]> = (0..a.targets)
        .map(|_| {
            let speed = rng.gen_range(5.0..50.0);
            let h: f64 = rng.gen_range(0.0..std::f64::consts::TAU);
            [
                rng.gen_range(0.0..a.side_m),
                rng.gen_range(0.0..a.side_m),
                speed * h.cos(),
                speed * h.sin(),
            ]
        })
        .collect();
    let mut cfg = TrackerConfig::default();
    cfg.motion.model = tracker::MotionKind::Cv;
    cfg.management.pd = pd;
    // The tracker needs a positive clutter density even when none is simulated: one
    // plot per scan over the square stands in for none.
    cfg.management.clutter_density_per_m2 = a.clutter.max(1) as f64 / (a.side_m * a.side_m);
    cfg.initiation.max_speed_mps = 60.0;
    cfg.initiation.window_s = 1.5;
    cfg.timing.reorder_window_s = 0.0;
    let mut tracker = Tracker::new(cfg, None, &SensorTable::new())?;
    let normal = rand_distr::Normal::new(0.0, sigma)?;
    let mut times_ms = Vec::new();
    let mut reported = 0usize;
    let mut mem_after_warmup = (0.0, 0.0);
    println!("scale benchmark: {} targets, {} clutter/scan, {:.0} km square, pd {pd}, sigma {sigma} m, one thread", a.targets, a.clutter, a.side_m / 1000.0);
    for k in 0..(a.warmup + a.scans) {
        let t = k as f64;
        let mut dets = Vec::with_capacity(a.targets + a.clutter);
        for s in &mut targets {
            if k > 0 {
                s[0] += s[2];
                s[1] += s[3];
                // Stay inside the square: reflect at the edges.
                for i in 0..2 {
                    if s[i] < 0.0 || s[i] > a.side_m {
                        s[i + 2] = -s[i + 2];
                        s[i] = s[i].clamp(0.0, a.side_m);
                    }
                }
            }
            if rng.gen::<f64>() < pd {
                use rand_distr::Distribution;
                dets.push((
                    s[0] + normal.sample(&mut rng),
                    s[1] + normal.sample(&mut rng),
                ));
            }
        }
        for _ in 0..a.clutter {
            dets.push((rng.gen_range(0.0..a.side_m), rng.gen_range(0.0..a.side_m)));
        }
        let n = dets.len();
        let start = Instant::now();
        let mut emit = |_t: f64, r: &[model::TrackReport]| reported = r.len();
        for (x, y) in dets {
            let det = Detection {
                time_s: t,
                sensor: SensorIndex(0),
                measurement: Measurement::Cartesian {
                    x_m: x,
                    y_m: y,
                    z_m: None,
                    sigma_m: sigma,
                },
                attributes: None,
            };
            let _ = tracker.push(det, &mut emit);
        }
        tracker.finish(&mut emit);
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let (peak, rss) = memory_mib();
        if k + 1 == a.warmup {
            mem_after_warmup = (peak, rss);
        }
        if k >= a.warmup {
            times_ms.push(ms);
        }
        eprintln!(
            "scan {k:3}: {n} detections, {:.1} ms, {} confirmed tracks reported, {} tracks held, RSS {rss:.0} MiB",
            ms,
            reported,
            tracker.live_tracks()
        );
    }
    times_ms.sort_by(f64::total_cmp);
    let mean = times_ms.iter().sum::<f64>() / times_ms.len().max(1) as f64;
    let p50 = times_ms
        .get(times_ms.len() / 2)
        .copied()
        .unwrap_or(f64::NAN);
    let max = times_ms.last().copied().unwrap_or(f64::NAN);
    let (peak, rss) = memory_mib();
    println!(
        "timed scans: {}, mean {mean:.1} ms, median {p50:.1} ms, max {max:.1} ms per scan",
        times_ms.len()
    );
    println!(
        "confirmed tracks reported at the last scan: {reported} of {} targets",
        a.targets
    );
    println!(
        "memory: RSS {:.0} MiB after warm-up, {rss:.0} MiB at the end (peak {peak:.0} MiB; {:.0} MiB at warm-up)",
        mem_after_warmup.1, mem_after_warmup.0
    );
    Ok(())
}
