//! Sensor models of the scenario simulator. Each sensor has its own random stream
//! (derived from the master seed and its position in the file), its own ENU frame, and
//! produces detections in the contract of `docs/formats.md`.
//!
//! Figures and formulas:
//! - radar: detection probability from the radar equation (SNR proportional to
//!   RCS / R^4, anchored at a reference detection) with Swerling I fluctuation, where
//!   `Pd = Pfa^(1 / (1 + SNR))` (Skolnik, Introduction to Radar Systems, 3rd ed., §2.8);
//!   radar horizon with the 4/3 effective Earth radius, `d = sqrt(2 k R h1) + sqrt(2 k R h2)`.
//! - passive RF: free-space path loss `FSPL = 20 log10(d) + 20 log10(f) - 147.55 dB`
//!   with 4 dB log-normal fading against the receiver's sensitivity (reference:
//!   19 dBm, -100 dBm, 2.4 GHz gives about 9 km).
//! - acoustic: spherical spreading plus 5 dB/km absorption against a noise floor that
//!   rises with wind.
//! - EO/IR: Johnson criteria, 50% detection at 2 pixels on target with the target
//!   transfer probability function `P = (N/N50)^E / (1 + (N/N50)^E)`,
//!   `E = 2.7 + 0.7 N/N50`; recognition (a class hint) at 8 pixels.
//! - ADS-B and Remote ID: cooperative positions with the reported accuracy.
use crate::scenario::{SensorKindSpec, SensorSpec, TargetKind};
use crate::targets::{State, Target};
use crate::SimulationError;
use formats::DetectionRecord;
use geodesy::{enu_to_rae, FrameTransform, Lla, LocalFrame};
use nalgebra::Vector3;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp1, Poisson, StandardNormal};

/// Effective Earth radius for radio propagation (4/3 of 6371 km), metres.
const EFFECTIVE_EARTH_M: f64 = 4.0 / 3.0 * 6_371_000.0;

/// A detection and the target that caused it (`None` for clutter).
#[derive(Debug, Clone, PartialEq)]
pub struct SimDetection {
    /// Index of the sensor in the scenario.
    pub sensor: usize,
    /// Target index, `None` for a false alarm.
    pub target: Option<usize>,
    /// What is written.
    pub record: Measured,
}

/// The measured part of a detection.
#[derive(Debug, Clone, PartialEq)]
pub enum Measured {
    /// Range, azimuth, elevation (degrees), plus radar attributes.
    Polar {
        /// Slant range, metres.
        range_m: f64,
        /// Azimuth, degrees.
        azimuth_deg: f64,
        /// Elevation, degrees.
        elevation_deg: f64,
        /// RCS, dBsm.
        rcs_dbsm: f64,
        /// SNR, dB.
        snr_db: f64,
        /// Radial velocity, m/s.
        radial_velocity_mps: Option<f64>,
        /// Micro-Doppler class hint.
        class: Option<&'static str>,
    },
    /// Azimuth (and elevation) only.
    Bearing {
        /// Azimuth, degrees.
        azimuth_deg: f64,
        /// Elevation, degrees.
        elevation_deg: Option<f64>,
        /// The sensor's class hint.
        class: Option<&'static str>,
    },
    /// A reported position.
    Geodetic {
        /// Latitude, longitude (degrees), height (metres).
        lla: [f64; 3],
        /// Identity.
        id: String,
        /// ADS-B callsign.
        callsign: Option<String>,
        /// Operator position (Remote ID), degrees.
        operator: Option<[f64; 2]>,
    },
}

/// A target counts as detectable by a sensor from this probability of detection per
/// look: it is then seen within a few looks.
pub const DETECTABLE_PD: f64 = 0.5;

/// Two bearings fix a position only when their lines of sight cross at least this
/// steeply (radians, 15°): shallower, the fix's error along the lines grows past
/// 1/sin(15°) ≈ 4 times the cross-range error of each bearing.
pub const MIN_FIX_ANGLE_RAD: f64 = 15.0 * std::f64::consts::PI / 180.0;

/// What the sensors looking at one moment could make of a target, for scoring the
/// warning a sensor network physically allows: a single bearing (passive RF, acoustic,
/// a camera) says something is out there but not where, so a target becomes
/// localisable when a ranging sensor (radar) or a position report (ADS-B, Remote ID)
/// likely detects it, or two bearing sensors whose lines of sight cross steeply do.
#[derive(Debug, Clone, Default)]
pub struct Sightings {
    /// The fastest revisit among ranging sensors that likely detect the target.
    ranging_revisit_s: Option<f64>,
    /// Bearing sensors that likely detect it: the horizontal direction from the sensor
    /// to the target (site frame, unit east and north) and the sensor's revisit.
    bearings: Vec<([f64; 2], f64)>,
}

impl Sightings {
    /// Forgets the last moment's sightings.
    pub fn clear(&mut self) {
        self.ranging_revisit_s = None;
        self.bearings.clear();
    }

    /// The revisit of the fastest way the sensors looking now could fix the target's
    /// position (a bearing pair is as fast as its slower sensor); `None` when they
    /// cannot.
    pub fn fix_revisit_s(&self) -> Option<f64> {
        let min_sin = MIN_FIX_ANGLE_RAD.sin();
        let mut best = self.ranging_revisit_s;
        for (i, (a, ra)) in self.bearings.iter().enumerate() {
            for (b, rb) in &self.bearings[i + 1..] {
                // |sin| of the angle between the lines of sight, either way along them.
                if (a[0] * b[1] - a[1] * b[0]).abs() >= min_sin {
                    let r = ra.max(*rb);
                    best = Some(best.map_or(r, |x| x.min(r)));
                }
            }
        }
        best
    }
}

/// A sensor ready to simulate.
#[derive(Debug)]
pub struct SimSensor {
    /// Its spec.
    pub spec: SensorSpec,
    /// Position.
    pub position: Lla,
    /// Site ENU to sensor ENU.
    to_sensor: FrameTransform,
    frame: LocalFrame,
    rng: ChaCha8Rng,
    /// Period in ticks.
    pub period_ticks: u64,
    /// Time between its looks, seconds (the period in whole ticks).
    pub revisit_s: f64,
    /// Where it stands in the site frame (east, north, up), metres.
    at_site_m: Vector3<f64>,
    /// First tick it reports at.
    pub phase_ticks: u64,
    /// Resolved parameters.
    pub p: Params,
}

/// Parameters with kind defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Update period, seconds.
    pub period_s: f64,
    /// Range limit, metres.
    pub max_range_m: f64,
    /// Elevation limits, radians.
    pub min_elevation_rad: f64,
    /// Elevation limits, radians.
    pub max_elevation_rad: f64,
    /// Noise.
    pub sigma_range_m: f64,
    /// Noise, degrees.
    pub sigma_azimuth_deg: f64,
    /// Noise, degrees.
    pub sigma_elevation_deg: f64,
    /// Noise, metres.
    pub sigma_m: f64,
    /// Radar: SNR (linear) of the reference target at the reference range.
    pub snr_ref: f64,
    /// Radar: reference range and RCS.
    pub reference_range_m: f64,
    /// Radar: reference RCS, m^2.
    pub reference_rcs_m2: f64,
    /// Radar: false-alarm probability.
    pub pfa: f64,
    /// Radar: clutter plots per scan.
    pub clutter_per_scan: f64,
    /// RF: sensitivity, dBm.
    pub sensitivity_dbm: f64,
    /// Camera: boresight, radians; field of view, radians; pixels.
    pub boresight_rad: f64,
    /// Camera field of view, radians.
    pub fov_rad: f64,
    /// Camera pixels across.
    pub pixels: f64,
}

/// Rounds to `1 / scale` (a millimetre, a microdegree): far below any sensor's noise,
/// and it halves the size of the files and the time to write them.
pub fn round(v: f64, scale: f64) -> f64 {
    (v * scale).round() / scale
}

/// Detection probability of a Swerling I target (Skolnik §2.8): `Pfa^(1/(1+SNR))`.
pub fn swerling1_pd(snr: f64, pfa: f64) -> f64 {
    pfa.powf(1.0 / (1.0 + snr.max(0.0)))
}

/// The SNR that gives `pd` against `pfa` for a Swerling I target.
pub fn swerling1_snr(pd: f64, pfa: f64) -> f64 {
    pfa.ln() / pd.ln() - 1.0
}

/// Radar SNR of a target of `rcs_m2` at `range_m`, from the reference SNR: the radar
/// equation's `sigma / R^4`.
pub fn radar_snr(p: &Params, rcs_m2: f64, range_m: f64) -> f64 {
    p.snr_ref * (rcs_m2 / p.reference_rcs_m2) * (p.reference_range_m / range_m.max(1.0)).powi(4)
}

/// Distance to the radio horizon over a smooth 4/3 Earth for two heights above ground.
pub fn radio_horizon_m(h1_m: f64, h2_m: f64) -> f64 {
    (2.0 * EFFECTIVE_EARTH_M * h1_m.max(0.0)).sqrt()
        + (2.0 * EFFECTIVE_EARTH_M * h2_m.max(0.0)).sqrt()
}

/// A target as one sensor sees it: in the sensor's ENU frame, range, azimuth
/// (degrees) and elevation (radians).
#[derive(Debug, Clone, Copy)]
struct Look {
    v: Vector3<f64>,
    r: f64,
    az_deg: f64,
    el: f64,
}

/// What decides one look's detection before the random draw.
#[derive(Debug, Clone, Copy)]
enum Chance {
    /// Out of coverage or sight, or nothing to sense.
    Never,
    /// A radar return: its mean SNR, and the Swerling I probability of detecting it
    /// against the radar's false-alarm rate (worked out once, for the draw and the
    /// detectability both).
    Radar { snr: f64, pd: f64 },
    /// A level with Gaussian fluctuation against a threshold, dB.
    Level {
        mean_db: f64,
        sigma_db: f64,
        threshold_db: f64,
    },
    /// A fixed probability.
    Probability(f64),
}

impl Chance {
    /// The probability of a detection.
    fn probability(self) -> f64 {
        match self {
            Chance::Never => 0.0,
            Chance::Radar { pd, .. } => pd,
            Chance::Level {
                mean_db,
                sigma_db,
                threshold_db,
            } => 0.5 * libm::erfc((threshold_db - mean_db) / (sigma_db * std::f64::consts::SQRT_2)),
            Chance::Probability(pd) => pd,
        }
    }
}

fn in_sectors(sectors: &[[f64; 2]], az_deg: f64) -> bool {
    if sectors.is_empty() {
        return true;
    }
    sectors.iter().any(|s| {
        let from = s[0].rem_euclid(360.0);
        let to = s[1].rem_euclid(360.0);
        if from <= to {
            az_deg >= from && az_deg <= to
        } else {
            az_deg >= from || az_deg <= to
        }
    })
}

impl SimSensor {
    /// A sensor of the scenario (`index` in file order).
    pub fn new(
        spec: &SensorSpec,
        index: usize,
        seed: u64,
        site: &LocalFrame,
        site_alt_m: f64,
        tick_s: f64,
        wind_mps: f64,
    ) -> Result<Self, SimulationError> {
        let position = Lla::try_from_degrees(spec.lat_deg, spec.lon_deg, site_alt_m + spec.mast_m)
            .map_err(|e| SimulationError::Parameter("sensor position", e.to_string()))?;
        let frame = LocalFrame::new(position);
        let k = spec.kind;
        let period_s = spec.period_s.unwrap_or(match k {
            SensorKindSpec::Radar | SensorKindSpec::Rf | SensorKindSpec::Acoustic => 1.0,
            SensorKindSpec::Eoir => 0.5,
            SensorKindSpec::Adsb | SensorKindSpec::RemoteId => 1.0,
        });
        let max_range_m = spec.max_range_m.unwrap_or(match k {
            SensorKindSpec::Radar => 8_000.0,
            SensorKindSpec::Rf => 15_000.0,
            SensorKindSpec::Acoustic => 5_000.0,
            SensorKindSpec::Eoir => 10_000.0,
            SensorKindSpec::Adsb => 250_000.0,
            SensorKindSpec::RemoteId => 2_000.0,
        });
        let pfa = spec.pfa.unwrap_or(1e-6);
        let p = Params {
            period_s,
            max_range_m,
            min_elevation_rad: spec.min_elevation_deg.unwrap_or(-2.0).to_radians(),
            max_elevation_rad: spec
                .max_elevation_deg
                .unwrap_or(if k == SensorKindSpec::Eoir {
                    30.0
                } else {
                    70.0
                })
                .to_radians(),
            sigma_range_m: spec.sigma_range_m.unwrap_or(5.0),
            // An acoustic bearing degrades with wind noise.
            sigma_azimuth_deg: spec.sigma_azimuth_deg.unwrap_or(match k {
                SensorKindSpec::Radar => 0.5,
                SensorKindSpec::Rf => 3.0,
                SensorKindSpec::Acoustic => 5.0,
                _ => 0.05,
            }) * if k == SensorKindSpec::Acoustic {
                1.0 + wind_mps / 10.0
            } else {
                1.0
            },
            sigma_elevation_deg: spec.sigma_elevation_deg.unwrap_or(match k {
                SensorKindSpec::Radar => 1.0,
                _ => 0.05,
            }),
            sigma_m: spec.sigma_m.unwrap_or(match k {
                SensorKindSpec::Adsb => 15.0,
                _ => 5.0,
            }),
            snr_ref: swerling1_snr(spec.reference_pd.unwrap_or(0.9), pfa),
            reference_range_m: spec.reference_range_m.unwrap_or(5_000.0),
            reference_rcs_m2: spec.reference_rcs_m2.unwrap_or(0.01),
            pfa,
            clutter_per_scan: spec
                .clutter_per_scan
                .unwrap_or(if k == SensorKindSpec::Radar {
                    10.0
                } else {
                    0.0
                }),
            sensitivity_dbm: spec.sensitivity_dbm.unwrap_or(-100.0),
            boresight_rad: spec.boresight_deg.unwrap_or(0.0).to_radians(),
            fov_rad: spec.fov_deg.unwrap_or(10.0).to_radians(),
            pixels: f64::from(spec.pixels.unwrap_or(640)),
        };
        let period_ticks = ((period_s / tick_s).round() as u64).max(1);
        Ok(Self {
            to_sensor: frame.transform_from(site),
            frame,
            rng: ChaCha8Rng::seed_from_u64(
                seed ^ (0xD1B5_4A32_D192_ED03u64.wrapping_mul(index as u64 + 1)),
            ),
            period_ticks,
            revisit_s: period_ticks as f64 * tick_s,
            at_site_m: site.lla_to_enu(position).0,
            // All sensors report on the same ticks, so truth is written once per report
            // time rather than once per sensor.
            phase_ticks: 0,
            position,
            spec: spec.clone(),
            p,
        })
    }

    /// Whether the sensor is out of service at `t`.
    pub fn out_of_service(&self, t: f64) -> bool {
        self.spec.outages.iter().any(|o| t >= o[0] && t < o[1])
    }

    fn gauss(&mut self) -> f64 {
        StandardNormal.sample(&mut self.rng)
    }

    /// Observes the targets at `t` (`states[i]` is target i's state, if it exists) and
    /// appends detections. Where this look's probability of detecting target i is at
    /// least [`DETECTABLE_PD`] (what the sensor physically allows, for scoring warning
    /// times against), the look joins `sightings[i]`.
    pub fn observe(
        &mut self,
        index: usize,
        targets: &[Target],
        states: &[Option<State>],
        wind_mps: f64,
        out: &mut Vec<SimDetection>,
        sightings: &mut [Sightings],
    ) {
        for (i, (tg, st)) in targets.iter().zip(states).enumerate() {
            let Some(st) = st else { continue };
            let Some(look) = self.look(st) else { continue };
            let chance = self.chance(tg, st, &look, wind_mps);
            if chance.probability() >= DETECTABLE_PD {
                if let Some(s) = sightings.get_mut(i) {
                    self.sighted(s, st);
                }
            }
            if let Some(m) = self.detect(tg, st, &look, chance) {
                out.push(SimDetection {
                    sensor: index,
                    target: Some(i),
                    record: m,
                });
            }
        }
        if self.spec.kind == SensorKindSpec::Radar {
            self.clutter(index, out);
        }
    }

    /// This sensor's probability of detecting `tg` at `st` in one look: coverage, line
    /// of sight and signal against threshold, decided exactly as [`Self::observe`]
    /// decides it before its random draw. The planner predicts coverage with it, so its
    /// promises and the simulation share one sensor model.
    pub fn look_probability(&self, tg: &Target, st: &State, wind_mps: f64) -> f64 {
        self.look(st).map_or(0.0, |look| {
            self.chance(tg, st, &look, wind_mps).probability()
        })
    }

    /// Whether the sensor measures direction only, so that fixing a position takes a
    /// second one.
    pub fn bearing_only(&self) -> bool {
        matches!(
            self.spec.kind,
            SensorKindSpec::Rf | SensorKindSpec::Acoustic | SensorKindSpec::Eoir
        )
    }

    /// Where the sensor stands in the site frame (east, north, up), metres.
    pub fn site_position_m(&self) -> [f64; 3] {
        [self.at_site_m.x, self.at_site_m.y, self.at_site_m.z]
    }

    /// Adds this sensor's likely detection of a target at `st` to its sightings.
    fn sighted(&self, s: &mut Sightings, st: &State) {
        let r = self.revisit_s;
        if matches!(
            self.spec.kind,
            SensorKindSpec::Rf | SensorKindSpec::Acoustic | SensorKindSpec::Eoir
        ) {
            let d = Vector3::from(st.position_m) - self.at_site_m;
            let h = d.x.hypot(d.y);
            // Straight overhead, a bearing sensor places the target by itself.
            if h >= 1.0 {
                s.bearings.push(([d.x / h, d.y / h], r));
                return;
            }
        }
        s.ranging_revisit_s = Some(s.ranging_revisit_s.map_or(r, |x| x.min(r)));
    }

    /// The target as the sensor sees it, or `None` beyond its range.
    fn look(&self, st: &State) -> Option<Look> {
        let v = self.to_sensor.point(&Vector3::from(st.position_m));
        // Most targets are out of most sensors' range: skip them before the angles.
        let r2 = v.norm_squared();
        if r2 > self.p.max_range_m * self.p.max_range_m || r2 < 1.0 {
            return None;
        }
        let (r, az, el) = enu_to_rae(&v);
        Some(Look {
            v,
            r,
            az_deg: az.to_degrees(),
            el,
        })
    }

    /// Everything that decides a detection before the random draw: coverage, line of
    /// sight, and the signal against the threshold.
    fn chance(&self, tg: &Target, st: &State, look: &Look, wind_mps: f64) -> Chance {
        let p = &self.p;
        let Look { v, r, az_deg, el } = *look;
        // A spoofed broadcast has no body: only cooperative receivers hear it.
        if tg.spoofed
            && !matches!(
                self.spec.kind,
                SensorKindSpec::Adsb | SensorKindSpec::RemoteId
            )
        {
            return Chance::Never;
        }
        // Height of the target above the site's ground, for line of sight.
        let target_h = st.position_m[2] + r * r / (2.0 * 6_371_000.0);
        let beyond_horizon =
            || (v.x * v.x + v.y * v.y).sqrt() > radio_horizon_m(self.spec.mast_m, target_h);
        match self.spec.kind {
            SensorKindSpec::Radar => {
                if el < p.min_elevation_rad
                    || el > p.max_elevation_rad
                    || !in_sectors(&self.spec.sectors, az_deg)
                    || beyond_horizon()
                {
                    return Chance::Never;
                }
                let snr = radar_snr(p, tg.rcs_m2, r);
                Chance::Radar {
                    snr,
                    pd: swerling1_pd(snr, p.pfa),
                }
            }
            SensorKindSpec::Rf => {
                if !tg.rf {
                    return Chance::Never;
                }
                let fspl = 20.0 * r.log10() + 20.0 * tg.rf_freq_hz.log10() - 147.55;
                Chance::Level {
                    mean_db: tg.rf_power_dbm - fspl,
                    sigma_db: 4.0,
                    threshold_db: p.sensitivity_dbm,
                }
            }
            SensorKindSpec::Acoustic => {
                let Some(src) = tg.sound_db else {
                    return Chance::Never;
                };
                // Noise floor 20 dB in calm air, 1.5 dB more per m/s of wind; a
                // 10 dB margin to detect.
                Chance::Level {
                    mean_db: src - 20.0 * r.log10() - 0.005 * r,
                    sigma_db: 2.0,
                    threshold_db: 20.0 + 1.5 * wind_mps + 10.0,
                }
            }
            SensorKindSpec::Eoir => {
                let off = geodesy::wrap_pi(az_deg.to_radians() - p.boresight_rad);
                if off.abs() > p.fov_rad / 2.0
                    || el < p.min_elevation_rad
                    || el > p.max_elevation_rad
                    || beyond_horizon()
                {
                    return Chance::Never;
                }
                let n = self.eoir_pixels(tg, r) / 2.0;
                let e = 2.7 + 0.7 * n;
                Chance::Probability(n.powf(e) / (1.0 + n.powf(e)))
            }
            SensorKindSpec::Adsb if tg.icao.is_some() => Chance::Probability(0.95),
            SensorKindSpec::RemoteId if tg.remote_id.is_some() => Chance::Probability(0.9),
            SensorKindSpec::Adsb | SensorKindSpec::RemoteId => Chance::Never,
        }
    }

    /// Pixels the target spans on the EO/IR sensor at range `r`.
    fn eoir_pixels(&self, tg: &Target, r: f64) -> f64 {
        tg.size_m / (r * (self.p.fov_rad / self.p.pixels))
    }

    fn detect(&mut self, tg: &Target, st: &State, look: &Look, chance: Chance) -> Option<Measured> {
        let p = self.p;
        let Look { v, r, az_deg, el } = *look;
        // The draws, in the order the sensor model has always made them (the seeded
        // runs stay what they were).
        match chance {
            Chance::Never => return None,
            Chance::Radar { snr, pd } => {
                if self.rng.gen::<f64>() >= pd {
                    return None;
                }
                // Swerling I: the RCS of this scan is exponential about the mean.
                let fluct: f64 = Exp1.sample(&mut self.rng);
                let radial = if self.spec.radial_velocity {
                    let los = v / r;
                    let vel = self.to_sensor.vector(&Vector3::from(st.velocity_mps));
                    Some(vel.dot(&los) + 0.3 * self.gauss())
                } else {
                    None
                };
                let snr_db = 10.0 * (snr * fluct).max(1e-9).log10();
                let class = if self.spec.micro_doppler {
                    self.micro_doppler_hint(tg, snr_db)
                } else {
                    None
                };
                return Some(Measured::Polar {
                    range_m: (r + p.sigma_range_m * self.gauss()).max(0.0),
                    azimuth_deg: (az_deg + p.sigma_azimuth_deg * self.gauss()).rem_euclid(360.0),
                    elevation_deg: (el.to_degrees() + p.sigma_elevation_deg * self.gauss())
                        .clamp(-89.0, 89.0),
                    rcs_dbsm: 10.0 * (tg.rcs_m2 * fluct).max(1e-9).log10() + self.gauss(),
                    snr_db,
                    radial_velocity_mps: radial,
                    class,
                });
            }
            Chance::Level {
                mean_db,
                sigma_db,
                threshold_db,
            } => {
                if mean_db + sigma_db * self.gauss() < threshold_db {
                    return None;
                }
            }
            Chance::Probability(pd) => {
                if self.rng.gen::<f64>() >= pd {
                    return None;
                }
            }
        }
        match self.spec.kind {
            SensorKindSpec::Radar => None,
            SensorKindSpec::Rf => {
                // A drone control link is recognised as one; a cellular modem or GPS
                // tracker (Shahed variants, decoys, balloons) is only an emitter.
                let class = (tg.kind == TargetKind::Quadcopter).then_some("drone");
                Some(Measured::Bearing {
                    azimuth_deg: (az_deg + p.sigma_azimuth_deg * self.gauss()).rem_euclid(360.0),
                    elevation_deg: None,
                    class,
                })
            }
            SensorKindSpec::Acoustic => {
                let sd = p.sigma_azimuth_deg;
                Some(Measured::Bearing {
                    azimuth_deg: (az_deg + sd * self.gauss()).rem_euclid(360.0),
                    elevation_deg: None,
                    class: None,
                })
            }
            SensorKindSpec::Eoir => {
                let px = self.eoir_pixels(tg, r);
                Some(Measured::Bearing {
                    azimuth_deg: (az_deg + p.sigma_azimuth_deg * self.gauss()).rem_euclid(360.0),
                    elevation_deg: Some(el.to_degrees() + p.sigma_elevation_deg * self.gauss()),
                    class: (px >= 8.0).then(|| tg.kind_class()),
                })
            }
            SensorKindSpec::Adsb => Some(Measured::Geodetic {
                lla: self.report_lla(st),
                id: tg.icao.clone()?,
                callsign: tg.callsign.clone(),
                operator: None,
            }),
            SensorKindSpec::RemoteId => {
                let operator = tg.operator_m.map(|o| {
                    let l = self.site_to_lla(o);
                    [l[0], l[1]]
                });
                Some(Measured::Geodetic {
                    lla: self.report_lla(st),
                    id: tg.remote_id.clone()?,
                    callsign: None,
                    operator,
                })
            }
        }
    }

    fn micro_doppler_hint(&mut self, tg: &Target, snr_db: f64) -> Option<&'static str> {
        let signature = match tg.kind {
            TargetKind::Quadcopter | TargetKind::FpvFibre => MicroDoppler::Rotor,
            TargetKind::Shahed | TargetKind::Gerbera => MicroDoppler::Propeller,
            TargetKind::Bird => MicroDoppler::Wingbeat,
            TargetKind::Aircraft => MicroDoppler::Aircraft,
            TargetKind::Balloon => return None,
        };
        micro_doppler_hint(&mut self.rng, signature, snr_db)
    }

    fn site_to_lla(&self, p: [f64; 3]) -> [f64; 3] {
        let v = self.to_sensor.point(&Vector3::from(p));
        let l = self.frame.enu_to_lla(geodesy::Enu(v));
        [l.lat_deg(), l.lon_deg(), l.alt_m]
    }

    fn report_lla(&mut self, st: &State) -> [f64; 3] {
        let s = self.p.sigma_m;
        let p = [
            st.position_m[0] + s * self.gauss(),
            st.position_m[1] + s * self.gauss(),
            st.position_m[2] + s * self.gauss(),
        ];
        self.site_to_lla(p)
    }

    /// Poisson clutter uniform over the radar's coverage disc, within its sectors.
    fn clutter(&mut self, index: usize, out: &mut Vec<SimDetection>) {
        let p = self.p;
        if p.clutter_per_scan <= 0.0 {
            return;
        }
        let n = Poisson::new(p.clutter_per_scan).map_or(0, |d| d.sample(&mut self.rng) as usize);
        for _ in 0..n {
            let range_m = p.max_range_m * self.rng.gen::<f64>().sqrt();
            let mut az = self.rng.gen_range(0.0..360.0);
            if !self.spec.sectors.is_empty() {
                let k = self.rng.gen_range(0..self.spec.sectors.len());
                let s = self.spec.sectors[k];
                let width = (s[1] - s[0]).rem_euclid(360.0);
                az = (s[0] + self.rng.gen::<f64>() * width).rem_euclid(360.0);
            }
            let el = self
                .rng
                .gen_range(p.min_elevation_rad.max(0.0)..(p.min_elevation_rad.max(0.0) + 0.05))
                .to_degrees();
            let rcs: f64 = 10f64.powf(self.rng.gen_range(-3.5..-1.5));
            let radial = self.spec.radial_velocity.then(|| 2.0 * self.gauss());
            out.push(SimDetection {
                sensor: index,
                target: None,
                record: Measured::Polar {
                    range_m,
                    azimuth_deg: az,
                    elevation_deg: el,
                    rcs_dbsm: 10.0 * rcs.log10(),
                    snr_db: 10.0 * radar_snr(&p, rcs, range_m).max(1e-9).log10(),
                    radial_velocity_mps: radial,
                    // Clutter has no moving parts: no micro-Doppler signature.
                    class: None,
                },
            });
        }
    }

    /// The detection as a line record (sigmas on every line, so the file stands alone).
    pub fn record<'a>(&'a self, t: f64, d: &'a SimDetection) -> DetectionRecord<'a> {
        let p = &self.p;
        let mut r = DetectionRecord {
            time_s: t,
            sensor: &self.spec.name,
            ..Default::default()
        };
        match &d.record {
            Measured::Polar {
                range_m,
                azimuth_deg,
                elevation_deg,
                rcs_dbsm,
                snr_db,
                radial_velocity_mps,
                class,
            } => {
                r.class = *class;
                r.range_m = Some(round(*range_m, 1e3));
                r.azimuth_deg = Some(round(*azimuth_deg, 1e6));
                r.elevation_deg = Some(round(*elevation_deg, 1e6));
                r.sigma_range_m = Some(p.sigma_range_m);
                r.sigma_azimuth_deg = Some(p.sigma_azimuth_deg);
                r.sigma_elevation_deg = Some(p.sigma_elevation_deg);
                r.rcs_dbsm = Some(round(*rcs_dbsm, 100.0));
                r.snr_db = Some(round(*snr_db, 100.0));
                r.radial_velocity_mps = radial_velocity_mps.map(|v| round(v, 1e3));
            }
            Measured::Bearing {
                azimuth_deg,
                elevation_deg,
                class,
            } => {
                r.azimuth_deg = Some(round(*azimuth_deg, 1e6));
                r.sigma_azimuth_deg = Some(p.sigma_azimuth_deg);
                if let Some(e) = elevation_deg {
                    r.elevation_deg = Some(round(*e, 1e6));
                    r.sigma_elevation_deg = Some(p.sigma_elevation_deg);
                }
                r.class = *class;
            }
            Measured::Geodetic {
                lla,
                id,
                callsign,
                operator,
            } => {
                r.callsign = callsign.as_deref();
                r.lat_deg = Some(round(lla[0], 1e9));
                r.lon_deg = Some(round(lla[1], 1e9));
                r.alt_m = Some(round(lla[2], 1e3));
                r.sigma_m = Some(p.sigma_m);
                r.id = Some(id);
                r.operator_lat_deg = operator.map(|o| round(o[0], 1e9));
                r.operator_lon_deg = operator.map(|o| round(o[1], 1e9));
            }
        }
        r
    }
}

/// The micro-Doppler signature of a moving object, as a drone radar's classifier sees
/// it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MicroDoppler {
    /// Rotor blade lines (multirotors).
    Rotor,
    /// A propeller line (fixed-wing drones).
    Propeller,
    /// Wingbeat modulation (birds).
    Wingbeat,
    /// A large body with engines (manned aircraft).
    Aircraft,
}

/// A drone radar's micro-Doppler class hint for one plot: none under 10 dB SNR (the
/// modulation is lost in the noise), then right with a probability rising from 0.6
/// towards 0.95 with SNR, else one of the other signatures at random. (Narayanan et
/// al. report ~96% drone-vs-bird accuracy at good SNR; reference S127.)
pub fn micro_doppler_hint(
    rng: &mut impl Rng,
    signature: MicroDoppler,
    snr_db: f64,
) -> Option<&'static str> {
    const SIGNATURES: [&str; 4] = ["drone_rotary", "drone_fixed_wing", "bird", "aircraft"];
    if !(snr_db >= 10.0) {
        return None;
    }
    let own = signature as usize;
    let p_right = 0.6 + 0.35 * (1.0 - (-(snr_db - 10.0) / 8.0).exp());
    if rng.gen::<f64>() < p_right {
        Some(SIGNATURES[own])
    } else {
        let k = rng.gen_range(0..SIGNATURES.len() - 1);
        Some(SIGNATURES[if k >= own { k + 1 } else { k }])
    }
}

impl Target {
    /// Class a camera recognises (and the truth's class).
    pub fn kind_class(&self) -> &'static str {
        self.kind.class()
    }
}
