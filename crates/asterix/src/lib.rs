//! EUROCONTROL ASTERIX for skyfence: CAT048 monoradar target reports and CAT034
//! service messages in, CAT062 system tracks out.
//!
//! The item layouts are hand-written from the EUROCONTROL specifications (editions in
//! each module) because the decoder is the hot path of a radar feed (a million
//! records a second on one core) and no maintained Rust crate covers these categories;
//! tests check the decode against an independent decoder on real recordings.

pub mod cat034;
pub mod cat048;
pub mod cat062;
pub mod wire;

use formats::{append_detection, DetectionRecord};
use geodesy::Lla;
use serde::Serialize;
use std::collections::HashMap;
pub use wire::{blocks, AsterixError, Block};

/// One decoded record. (A target report is several times the size of a service
/// message; records are decoded one at a time, so boxing would only add allocations.)
#[derive(Debug, Clone, PartialEq, Serialize)]
#[allow(clippy::large_enum_variant)]
#[serde(tag = "cat")]
pub enum Record {
    /// A CAT048 target report.
    #[serde(rename = "48")]
    Cat048(cat048::Cat048),
    /// A CAT034 service message.
    #[serde(rename = "34")]
    Cat034(cat034::Cat034),
}

/// What decoding a data block gave.
#[derive(Debug, Default)]
pub struct Decoded {
    /// The records, in order.
    pub records: Vec<Record>,
    /// The error that stopped the block (its remaining records are lost: ASTERIX
    /// records carry no length, so nothing after a bad one can be found).
    pub error: Option<AsterixError>,
    /// The block's category is not one skyfence reads.
    pub unsupported: bool,
}

/// Decodes every record of a data block.
pub fn decode_block(block: &Block<'_>) -> Decoded {
    let mut d = Decoded::default();
    let mut b = block.records;
    while !b.is_empty() {
        let r = match block.cat {
            48 => cat048::decode(b).map(|(r, n)| (Record::Cat048(r), n)),
            34 => cat034::decode(b).map(|(r, n)| (Record::Cat034(r), n)),
            _ => {
                d.unsupported = true;
                return d;
            }
        };
        match r {
            Ok((rec, n)) => {
                d.records.push(rec);
                b = &b[n..];
            }
            Err(e) => {
                d.error = Some(e);
                return d;
            }
        }
    }
    d
}

/// A radar as skyfence knows it: the sensor name its plots carry, its position and
/// its accuracy.
#[derive(Debug, Clone)]
pub struct Radar {
    /// The sensor name detections carry.
    pub name: String,
    /// Position (needed to turn a flight level into an elevation).
    pub position: Option<Lla>,
    /// Range standard deviation, metres.
    pub sigma_range_m: f64,
    /// Azimuth standard deviation, degrees.
    pub sigma_azimuth_deg: f64,
}

/// How the receiver makes detections.
#[derive(Debug, Clone, Default)]
pub struct ReceiverConfig {
    /// Radars by (SAC, SIC). A plot of a radar not listed gets the sensor name
    /// `asterix-SAC-SIC` and the default accuracy.
    pub radars: HashMap<(u8, u8), Radar>,
    /// Drop plots marked simulated (I048/020 SIM) or test targets (TST).
    pub keep_simulated: bool,
}

impl ReceiverConfig {
    /// The radars of a sensors table: every sensor with a `sac`/`sic`, with its name,
    /// position and accuracy (the defaults below where it states none).
    pub fn from_sensors(table: &model::SensorTable) -> Self {
        let mut cfg = Self::default();
        for (_, s) in table.iter() {
            if let Some(id) = s.sac_sic {
                cfg.radars.insert(
                    id,
                    Radar {
                        name: s.name.clone(),
                        position: s.position,
                        sigma_range_m: s.sigma_range_m.unwrap_or(DEFAULT_SIGMA_RANGE_M),
                        sigma_azimuth_deg: s
                            .sigma_azimuth_rad
                            .map(f64::to_degrees)
                            .unwrap_or(DEFAULT_SIGMA_AZIMUTH_DEG),
                    },
                );
            }
        }
        cfg
    }
}

/// Default range sigma of a radar the configuration does not describe, metres.
pub const DEFAULT_SIGMA_RANGE_M: f64 = 50.0;
/// Default azimuth sigma, degrees (a typical en-route SSR is 0.05-0.08).
pub const DEFAULT_SIGMA_AZIMUTH_DEG: f64 = 0.08;
/// Standard deviation of a height from a flight level or a 3D radar, metres: a
/// pressure altitude differs from the geometric height by up to a few hundred feet.
pub const HEIGHT_SIGMA_M: f64 = 100.0;

/// Counts of what the receiver saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReceiverStats {
    /// Data blocks read.
    pub blocks: u64,
    /// Records decoded.
    pub records: u64,
    /// Blocks of a category skyfence does not read.
    pub unsupported_blocks: u64,
    /// Blocks or records refused (truncated, bad FSPEC).
    pub rejected: u64,
    /// CAT048 reports without a position (or with TYP "no detection").
    pub no_position: u64,
    /// Simulated or test plots dropped.
    pub simulated: u64,
    /// Detections made.
    pub detections: u64,
    /// CAT034 service messages.
    pub service_messages: u64,
}

/// A detection from a CAT048 plot.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotDetection {
    /// Time, seconds.
    pub time_s: f64,
    /// Sensor name.
    pub sensor: String,
    /// Slant range, metres.
    pub range_m: f64,
    /// Azimuth, degrees clockwise from north.
    pub azimuth_deg: f64,
    /// Elevation, degrees, from the reported height and the radar's position.
    pub elevation_deg: Option<f64>,
    /// Range sigma, metres.
    pub sigma_range_m: f64,
    /// Azimuth sigma, degrees.
    pub sigma_azimuth_deg: f64,
    /// Elevation sigma, degrees.
    pub sigma_elevation_deg: Option<f64>,
    /// Mode S address, when the plot has one.
    pub id: Option<String>,
    /// Aircraft identification.
    pub callsign: Option<String>,
    /// Mode 3/A code.
    pub squawk: Option<String>,
    /// Radial (Doppler) speed, m/s.
    pub radial_velocity_mps: Option<f64>,
}

impl PlotDetection {
    /// Appends the detection as one line of the detection contract.
    pub fn write(&self, buf: &mut Vec<u8>) {
        append_detection(
            buf,
            &DetectionRecord {
                time_s: self.time_s,
                sensor: &self.sensor,
                range_m: Some(self.range_m),
                azimuth_deg: Some(self.azimuth_deg),
                elevation_deg: self.elevation_deg,
                sigma_range_m: Some(self.sigma_range_m),
                sigma_azimuth_deg: Some(self.sigma_azimuth_deg),
                sigma_elevation_deg: self.sigma_elevation_deg,
                id: self.id.as_deref(),
                callsign: self.callsign.as_deref(),
                squawk: self.squawk.as_deref(),
                radial_velocity_mps: self.radial_velocity_mps,
                ..Default::default()
            },
        );
    }
}

const NM_M: f64 = 1852.0;
const FT_M: f64 = 0.3048;
const SECONDS_PER_DAY: f64 = 86_400.0;

/// UNIX time of a time of day, on the day that puts it nearest `reference_unix_s`
/// (so a plot just before midnight heard just after it keeps its own day).
pub fn time_on_day(time_of_day_s: f64, reference_unix_s: f64) -> f64 {
    let day = ((reference_unix_s - time_of_day_s) / SECONDS_PER_DAY).round();
    day * SECONDS_PER_DAY + time_of_day_s
}

/// Elevation of a target at height `h_m` seen at slant range `r_m` from a radar at
/// height `h0_m`, on a sphere of the local Earth radius: from the law of cosines,
/// (R+h)^2 = (R+h0)^2 + r^2 + 2 r (R+h0) sin(el).
fn elevation_deg(r_m: f64, h_m: f64, h0_m: f64, earth_r_m: f64) -> Option<f64> {
    let a = earth_r_m + h0_m;
    let s = ((earth_r_m + h_m).powi(2) - a * a - r_m * r_m) / (2.0 * r_m * a);
    (s.abs() <= 1.0 && r_m > 0.0).then(|| s.asin().to_degrees())
}

/// The WGS-84 Gaussian mean radius of curvature sqrt(M N) at a latitude: the radius of
/// the sphere that best fits the ellipsoid around the radar in every direction.
fn gaussian_radius_m(lat_rad: f64) -> f64 {
    let w2 = 1.0 - geodesy::WGS84_E2 * lat_rad.sin().powi(2);
    let n = geodesy::WGS84_A_M / w2.sqrt();
    let m = geodesy::WGS84_A_M * (1.0 - geodesy::WGS84_E2) / w2.powf(1.5);
    (m * n).sqrt()
}

/// Turns CAT048 plots into detections.
pub struct Receiver {
    cfg: ReceiverConfig,
    stats: ReceiverStats,
}

impl Receiver {
    /// A receiver with this configuration.
    pub fn new(cfg: ReceiverConfig) -> Self {
        Self {
            cfg,
            stats: ReceiverStats::default(),
        }
    }

    /// What it has seen.
    pub fn stats(&self) -> ReceiverStats {
        self.stats
    }

    /// Decodes a byte string of data blocks (a datagram, a recording's chunk),
    /// calling `on_record` with each record and, for a usable plot, its detection.
    /// `reference_unix_s` dates the records' times of day (the capture or receive
    /// time); without it, times stay seconds since midnight.
    pub fn read(
        &mut self,
        bytes: &[u8],
        reference_unix_s: Option<f64>,
        mut on_record: impl FnMut(&Record, Option<&PlotDetection>),
    ) -> Vec<AsterixError> {
        let (blks, err) = blocks(bytes);
        let mut errors: Vec<AsterixError> = err.into_iter().collect();
        for b in blks {
            self.stats.blocks += 1;
            let d = decode_block(&b);
            if d.unsupported {
                self.stats.unsupported_blocks += 1;
            }
            for r in &d.records {
                self.stats.records += 1;
                let det = match r {
                    Record::Cat048(p) => self.detection(p, reference_unix_s),
                    Record::Cat034(_) => {
                        self.stats.service_messages += 1;
                        None
                    }
                };
                on_record(r, det.as_ref());
            }
            if let Some(e) = d.error {
                errors.push(e);
            }
        }
        self.stats.rejected += errors.len() as u64;
        errors
    }

    fn detection(
        &mut self,
        p: &cat048::Cat048,
        reference_unix_s: Option<f64>,
    ) -> Option<PlotDetection> {
        let (Some(rho), Some(theta), Some(tod)) = (p.rho_nm, p.theta_deg, p.time_of_day_s) else {
            self.stats.no_position += 1;
            return None;
        };
        if p.typ == Some(0) {
            self.stats.no_position += 1;
            return None;
        }
        if !self.cfg.keep_simulated && (p.simulated == Some(true) || p.test == Some(true)) {
            self.stats.simulated += 1;
            return None;
        }
        let radar = self.cfg.radars.get(&(p.sac, p.sic));
        let range_m = rho * NM_M;
        // Height: a 3D radar's measurement, else a valid, ungarbled flight level.
        let from_fl = match (
            p.flight_level,
            p.flight_level_not_validated,
            p.flight_level_garbled,
        ) {
            (Some(fl), Some(false), Some(false)) => Some(fl * 100.0 * FT_M),
            _ => None,
        };
        let height_m = p.height_3d_ft.map(|h| h * FT_M).or(from_fl);
        let elevation = match (height_m, radar.and_then(|r| r.position)) {
            (Some(h), Some(pos)) => {
                elevation_deg(range_m, h, pos.alt_m, gaussian_radius_m(pos.lat_rad))
            }
            _ => None,
        };
        let sigma_el = elevation.map(|_| (HEIGHT_SIGMA_M / range_m.max(1.0)).to_degrees());
        self.stats.detections += 1;
        Some(PlotDetection {
            time_s: reference_unix_s.map(|r| time_on_day(tod, r)).unwrap_or(tod),
            sensor: radar
                .map(|r| r.name.clone())
                .unwrap_or_else(|| format!("asterix-{}-{}", p.sac, p.sic)),
            range_m,
            azimuth_deg: theta,
            elevation_deg: elevation,
            sigma_range_m: radar
                .map(|r| r.sigma_range_m)
                .unwrap_or(DEFAULT_SIGMA_RANGE_M),
            sigma_azimuth_deg: radar
                .map(|r| r.sigma_azimuth_deg)
                .unwrap_or(DEFAULT_SIGMA_AZIMUTH_DEG),
            sigma_elevation_deg: sigma_el,
            id: p.aircraft_address.clone(),
            callsign: p.aircraft_id.clone().filter(|c| !c.is_empty()),
            squawk: p
                .mode3a
                .clone()
                .filter(|_| p.mode3a_not_validated == Some(false)),
            radial_velocity_mps: p.doppler_mps,
        })
    }
}
