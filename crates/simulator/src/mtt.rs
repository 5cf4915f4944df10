//! Generator for the `mtt-bench-scenario` family of `../shared/scenarios`: 2D targets
//! under per-axis nearly-constant-velocity motion, random births and deaths, detection
//! with probability `pd` and Gaussian noise, Poisson clutter uniform over the area.
use crate::SimulationError;
use formats::{MttDetection, MttHeader, MttScan, MttScenario, MttTruth};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Poisson};

/// Parameters of one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct MttParams {
    /// Master seed.
    pub seed: u64,
    /// Targets over the whole scenario.
    pub n_targets: usize,
    /// Scans.
    pub steps: u64,
    /// Scan interval, seconds.
    pub dt: f64,
    /// Mean clutter detections per scan.
    pub clutter_rate: f64,
    /// Probability of detection.
    pub pd: f64,
    /// Measurement sigma per axis, metres.
    pub sigma: f64,
    /// Acceleration noise spectral density, m^2/s^3.
    pub q: f64,
    /// Square area side, metres (area is `[0, side]^2`).
    pub side_m: f64,
    /// Initial speed range, m/s.
    pub speed_range: [f64; 2],
}

impl MttParams {
    /// The family's defaults at a given size.
    pub fn family(seed: u64, n_targets: usize, steps: u64, clutter_rate: f64) -> Self {
        Self {
            seed,
            n_targets,
            steps,
            dt: 1.0,
            clutter_rate,
            pd: 0.9,
            sigma: 10.0,
            q: 0.5,
            side_m: 10_000.0,
            speed_range: [5.0, 30.0],
        }
    }
}

fn gauss(rng: &mut ChaCha8Rng, sd: f64) -> f64 {
    Normal::new(0.0, sd).map(|n| n.sample(rng)).unwrap_or(0.0)
}

/// Generates a scenario.
pub fn generate(p: &MttParams) -> Result<MttScenario, SimulationError> {
    if !(p.pd > 0.0 && p.pd <= 1.0) {
        return Err(SimulationError::Parameter("pd", p.pd.to_string()));
    }
    if !(p.dt > 0.0)
        || !(p.sigma > 0.0)
        || !(p.q >= 0.0)
        || !(p.side_m > 0.0)
        || !(p.clutter_rate >= 0.0)
        || p.steps == 0
    {
        return Err(SimulationError::Parameter(
            "dt/sigma/q/side/clutter/steps",
            "must be positive".into(),
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    // Lifetimes: born in the first 70% of the run, live at least 20 scans.
    let min_life = 20.min(p.steps);
    let mut targets: Vec<(u64, u64, [f64; 4])> = (0..p.n_targets)
        .map(|_| {
            let birth = rng.gen_range(0..((p.steps * 7 / 10).max(1)));
            let death = rng.gen_range((birth + min_life).min(p.steps)..=p.steps);
            let speed = rng.gen_range(p.speed_range[0]..=p.speed_range[1]);
            let heading: f64 = rng.gen_range(0.0..std::f64::consts::TAU);
            let x = rng.gen_range(0.1 * p.side_m..0.9 * p.side_m);
            let y = rng.gen_range(0.1 * p.side_m..0.9 * p.side_m);
            (
                birth,
                death,
                [x, speed * heading.cos(), y, speed * heading.sin()],
            )
        })
        .collect();
    // Per-axis CV with white acceleration noise: exact discretisation via a correlated
    // (position, velocity) draw using the Cholesky factor of Q.
    let dt = p.dt;
    let q11 = p.q * dt * dt * dt / 3.0;
    let q12 = p.q * dt * dt / 2.0;
    let q22 = p.q * dt;
    let l11 = q11.sqrt();
    let l21 = if l11 > 0.0 { q12 / l11 } else { 0.0 };
    let l22 = (q22 - l21 * l21).max(0.0).sqrt();
    let poisson = Poisson::new(p.clutter_rate.max(1e-12)).ok();
    let mut scans = Vec::with_capacity(p.steps as usize);
    for k in 0..p.steps {
        let t = k as f64 * dt;
        let mut truth = Vec::new();
        let mut detections = Vec::new();
        for (id, (birth, death, s)) in targets.iter_mut().enumerate() {
            if k < *birth || k >= *death {
                continue;
            }
            if k > *birth {
                for axis in 0..2 {
                    let (a, b) = (gauss(&mut rng, 1.0), gauss(&mut rng, 1.0));
                    let i = axis * 2;
                    s[i] += s[i + 1] * dt + l11 * a;
                    s[i + 1] += l21 * a + l22 * b;
                }
            }
            truth.push(MttTruth {
                target_id: id as u64 + 1,
                x: s[0],
                vx: s[1],
                y: s[2],
                vy: s[3],
            });
            if rng.gen::<f64>() < p.pd {
                detections.push(MttDetection {
                    x: s[0] + gauss(&mut rng, p.sigma),
                    y: s[2] + gauss(&mut rng, p.sigma),
                });
            }
        }
        let n_clutter = if p.clutter_rate > 0.0 {
            poisson.map_or(0, |d| d.sample(&mut rng) as usize)
        } else {
            0
        };
        for _ in 0..n_clutter {
            detections.push(MttDetection {
                x: rng.gen_range(0.0..p.side_m),
                y: rng.gen_range(0.0..p.side_m),
            });
        }
        scans.push(MttScan {
            k,
            t,
            truth,
            detections,
        });
    }
    Ok(MttScenario {
        header: MttHeader {
            seed: p.seed,
            steps: p.steps,
            dt,
            clutter_rate: p.clutter_rate,
            pd: p.pd,
            sigma: p.sigma,
            q: p.q,
            area: [[0.0, p.side_m], [0.0, p.side_m]],
            speed_range: Some(p.speed_range),
        },
        scans,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_scenario_and_rates_match() {
        let p = MttParams::family(5, 20, 200, 30.0);
        let a = generate(&p).unwrap();
        assert_eq!(a, generate(&p).unwrap());
        let b = generate(&MttParams {
            seed: 6,
            ..p.clone()
        })
        .unwrap();
        assert_ne!(a, b);
        let truths: usize = a.scans.iter().map(|s| s.truth.len()).sum();
        let dets: usize = a.scans.iter().map(|s| s.detections.len()).sum();
        let clutter = dets as f64 - 0.9 * truths as f64;
        // Mean clutter 30 per scan over 200 scans: 6000 +- a few hundred.
        assert!((clutter - 6000.0).abs() < 400.0, "clutter {clutter}");
    }
}
