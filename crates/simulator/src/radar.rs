//! A 3D surveillance radar observing truth positions: polar plots (range, azimuth,
//! elevation) with Gaussian noise in the radar's own ENU frame, detection probability,
//! and Poisson clutter uniform in range and azimuth within coverage. The geometry is
//! exact WGS-84, so plots of targets 100+ km away carry the Earth's curvature.
use crate::SimulationError;
use geodesy::{enu_to_rae, wrap_two_pi, Lla, LocalFrame};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Poisson};

/// Radar parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct RadarParams {
    /// Where the radar stands.
    pub position: Lla,
    /// Instrumented range, metres.
    pub max_range_m: f64,
    /// Range noise, metres.
    pub sigma_range_m: f64,
    /// Azimuth noise, radians.
    pub sigma_azimuth_rad: f64,
    /// Elevation noise, radians.
    pub sigma_elevation_rad: f64,
    /// Probability of detecting a target in coverage per scan.
    pub pd: f64,
    /// Mean clutter plots per scan over the whole coverage.
    pub clutter_per_scan: f64,
    /// Lowest elevation seen, radians (targets below the radar horizon are not seen).
    pub min_elevation_rad: f64,
}

/// One plot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plot {
    /// Scan time, seconds.
    pub time_s: f64,
    /// Slant range, metres.
    pub range_m: f64,
    /// Azimuth clockwise from north, radians.
    pub azimuth_rad: f64,
    /// Elevation, radians.
    pub elevation_rad: f64,
    /// Index of the truth that made it, `None` for clutter (for scoring only).
    pub truth: Option<usize>,
}

/// A seeded radar.
#[derive(Debug)]
pub struct Radar {
    params: RadarParams,
    frame: LocalFrame,
    rng: ChaCha8Rng,
    noise: [Normal<f64>; 3],
}

impl Radar {
    /// A radar with its own random stream.
    pub fn new(params: RadarParams, seed: u64) -> Result<Self, SimulationError> {
        let n = |name: &'static str, sd: f64| {
            Normal::new(0.0, sd).map_err(|e| SimulationError::Parameter(name, e.to_string()))
        };
        let noise = [
            n("sigma_range_m", params.sigma_range_m)?,
            n("sigma_azimuth_rad", params.sigma_azimuth_rad)?,
            n("sigma_elevation_rad", params.sigma_elevation_rad)?,
        ];
        if !(params.pd > 0.0 && params.pd <= 1.0) {
            return Err(SimulationError::Parameter("pd", params.pd.to_string()));
        }
        Ok(Self {
            frame: LocalFrame::new(params.position),
            rng: ChaCha8Rng::seed_from_u64(seed),
            noise,
            params,
        })
    }

    /// One scan at `time_s` over `targets` (geodetic positions); plots in arrival order.
    pub fn scan(&mut self, time_s: f64, targets: &[Lla]) -> Vec<Plot> {
        let mut plots = Vec::new();
        for (i, t) in targets.iter().enumerate() {
            let v = self.frame.lla_to_enu(*t).0;
            let (r, az, el) = enu_to_rae(&v);
            if r > self.params.max_range_m || el < self.params.min_elevation_rad {
                continue;
            }
            if self.rng.gen::<f64>() >= self.params.pd {
                continue;
            }
            let range_m = (r + self.noise[0].sample(&mut self.rng)).max(0.0);
            let azimuth_rad = wrap_two_pi(az + self.noise[1].sample(&mut self.rng));
            let elevation_rad = (el + self.noise[2].sample(&mut self.rng)).clamp(-1.5, 1.5);
            plots.push(Plot {
                time_s,
                range_m,
                azimuth_rad,
                elevation_rad,
                truth: Some(i),
            });
        }
        let n = Poisson::new(self.params.clutter_per_scan.max(1e-12))
            .map_or(0, |d| d.sample(&mut self.rng) as usize);
        for _ in 0..n {
            // Uniform over the coverage disc: range with density proportional to range.
            let range_m = self.params.max_range_m * self.rng.gen::<f64>().sqrt();
            let azimuth_rad = self.rng.gen_range(0.0..std::f64::consts::TAU);
            let elevation_rad = self
                .rng
                .gen_range(self.params.min_elevation_rad.max(0.0)..0.15);
            plots.push(Plot {
                time_s,
                range_m,
                azimuth_rad,
                elevation_rad,
                truth: None,
            });
        }
        plots
    }
}
