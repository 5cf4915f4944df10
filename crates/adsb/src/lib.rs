//! Mode S and ADS-B into skyfence detections.
//!
//! Frame decoding (every downlink format, CPR, BDS registers) is the `rs1090` crate's;
//! this crate adds the receiver around it: framing of the streams receivers speak
//! ([`framing`]), each aircraft's CPR state for global and local position decoding,
//! what each aircraft said lately (callsign, squawk, emitter category, NACp/SIL from
//! its operational status, its GNSS-minus-baro difference), and the detection a
//! position message becomes, with the quality indicators it was sent with.

pub mod fast;
pub mod framing;

use formats::{append_detection, DetectionRecord};
use rs1090::decode::adsb::ME;
use rs1090::decode::cpr::{decode_position, AircraftState, Position};
use rs1090::decode::{Message, DF, ICAO};
use rs1090::prelude::DekuContainerRead;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Why a frame was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Mode S frames are 7 or 14 bytes.
    #[error("a Mode S frame of {0} bytes (they are 7 or 14)")]
    Length(usize),
    /// rs1090 could not decode it (bad CRC, unknown format, truncated field).
    #[error("undecodable Mode S frame: {0}")]
    Undecodable(String),
}

/// How the receiver makes detections.
#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    /// The sensor name detections carry.
    pub sensor: String,
    /// The receiver's position (latitude, longitude, degrees): needed to decode surface
    /// positions, and lets an airborne position be decoded from a single frame
    /// (local CPR decoding) before an even/odd pair has been heard.
    pub reference: Option<(f64, f64)>,
    /// Position sigma (metres per axis) when the aircraft states neither NACp nor a
    /// usable NIC/NUCp.
    pub unknown_accuracy_sigma_m: f64,
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        Self {
            sensor: "adsb".into(),
            reference: None,
            unknown_accuracy_sigma_m: 500.0,
        }
    }
}

/// Counts of what the receiver saw and refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReceiverStats {
    /// Frames offered.
    pub frames: u64,
    /// Frames rs1090 decoded.
    pub decoded: u64,
    /// Frames refused (length, CRC, format).
    pub rejected: u64,
    /// Airborne position messages.
    pub positions: u64,
    /// Airborne position messages whose position could not be resolved yet (no
    /// even/odd pair in time and no reference).
    pub unresolved_positions: u64,
    /// Detections made.
    pub detections: u64,
}

/// What an aircraft said lately, kept by ICAO address.
#[derive(Debug, Default, Clone)]
struct Aircraft {
    callsign: Option<String>,
    squawk: Option<String>,
    class: Option<&'static str>,
    nac_p: Option<u8>,
    sil: Option<u8>,
    nic_a: Option<u8>,
    geo_minus_baro_ft: Option<(f64, i16)>,
}

/// A detection from an airborne position message.
#[derive(Debug, Clone, PartialEq)]
pub struct AdsbDetection {
    /// Receive time, seconds.
    pub time_s: f64,
    /// ICAO address, 6 lowercase hex digits.
    pub icao24: String,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Height, metres: GNSS height when sent, else barometric altitude corrected by the
    /// aircraft's own GNSS-minus-baro difference when heard within a minute, else
    /// barometric altitude.
    pub alt_m: Option<f64>,
    /// Which of the three `alt_m` is.
    pub alt_source: &'static str,
    /// Position sigma per axis, metres.
    pub sigma_m: f64,
    /// Navigation integrity category of this position (from its type code and
    /// supplements), 0..11.
    pub nic: u8,
    /// Navigation accuracy category for position, from the aircraft's latest
    /// operational status.
    pub nac_p: Option<u8>,
    /// Source integrity level, from the same.
    pub sil: Option<u8>,
    /// Latest callsign.
    pub callsign: Option<String>,
    /// Latest Mode A code.
    pub squawk: Option<String>,
    /// Class hint from the emitter category.
    pub class: Option<&'static str>,
}

impl AdsbDetection {
    /// Appends the detection as one line of the detection contract.
    pub fn write(&self, sensor: &str, buf: &mut Vec<u8>) {
        append_detection(
            buf,
            &DetectionRecord {
                time_s: self.time_s,
                sensor,
                lat_deg: Some(self.lat_deg),
                lon_deg: Some(self.lon_deg),
                alt_m: self.alt_m,
                sigma_m: Some(self.sigma_m),
                id: Some(&self.icao24),
                class: self.class,
                callsign: self.callsign.as_deref(),
                squawk: self.squawk.as_deref(),
                nic: Some(self.nic),
                nac_p: self.nac_p,
                sil: self.sil,
                ..Default::default()
            },
        );
    }
}

/// The decoded frame with its time, for `--messages`: rs1090's own field names.
#[derive(Debug, Serialize)]
pub struct MessageLine<'a> {
    /// Receive time, seconds.
    pub time_s: f64,
    /// The frame, hex.
    pub hex: String,
    /// rs1090's decode.
    #[serde(flatten)]
    pub message: &'a Message,
}

/// What one frame gave.
#[derive(Debug)]
pub struct Heard {
    /// The decoded message (positions resolved where possible).
    pub message: Message,
    /// The detection, for an airborne position that resolved.
    pub detection: Option<AdsbDetection>,
}

/// Keeps each aircraft's state and turns frames into messages and detections.
pub struct Receiver {
    cfg: ReceiverConfig,
    cpr: BTreeMap<ICAO, AircraftState>,
    reference: Option<Position>,
    aircraft: HashMap<u32, Aircraft>,
    stats: ReceiverStats,
}

const FT_M: f64 = 0.3048;
const NM_M: f64 = 1852.0;
/// A GNSS-minus-baro difference older than this no longer corrects an altitude.
const GEO_MINUS_BARO_MAX_AGE_S: f64 = 60.0;

/// Horizontal containment radius of a NIC, metres (DO-260B table 2-69, the looser
/// bound where supplements split a NIC).
fn nic_radius_m(nic: u8) -> Option<f64> {
    Some(match nic {
        11 => 7.5,
        10 => 25.0,
        9 => 75.0,
        8 => 0.1 * NM_M,
        7 => 0.2 * NM_M,
        6 => 0.6 * NM_M,
        5 => NM_M,
        4 => 2.0 * NM_M,
        3 => 4.0 * NM_M,
        2 => 8.0 * NM_M,
        1 => 20.0 * NM_M,
        _ => return None,
    })
}

/// 95% estimated position uncertainty of a NACp, metres (DO-260B table 2-70).
fn nacp_epu_m(nacp: u8) -> Option<f64> {
    Some(match nacp {
        11 => 3.0,
        10 => 10.0,
        9 => 30.0,
        8 => 0.05 * NM_M,
        7 => 0.1 * NM_M,
        6 => 0.3 * NM_M,
        5 => 0.5 * NM_M,
        4 => NM_M,
        3 => 2.0 * NM_M,
        2 => 4.0 * NM_M,
        1 => 10.0 * NM_M,
        _ => return None,
    })
}

/// NIC of an airborne position from its type code and the NIC supplements A (from
/// operational status) and B (in the position message) (DO-260B 2.2.3.2.3.1).
fn airborne_nic(tc: u8, nic_a: u8, nic_b: u8) -> u8 {
    match tc {
        9 | 20 => 11,
        10 | 21 => 10,
        11 => {
            if nic_a == 1 && nic_b == 1 {
                9
            } else {
                8
            }
        }
        12 => 7,
        13 => 6,
        14 => 5,
        15 => 4,
        16 => {
            if nic_a == 1 && nic_b == 1 {
                3
            } else {
                2
            }
        }
        17 => 1,
        _ => 0,
    }
}

/// Emitter category (type code 1-4 is the set D, C, B, A; the CA field the category
/// within it, DO-260B table 2-14) to a class hint.
fn category_class(tc: u8, ca: u8) -> Option<&'static str> {
    match (tc, ca) {
        // A1..A7: light to heavy, high vortex, high performance, rotorcraft.
        (4, 1..=7) => Some("aircraft"),
        // B1 glider, B4 ultralight.
        (3, 1) | (3, 4) => Some("aircraft"),
        // B2 lighter than air.
        (3, 2) => Some("balloon"),
        // B6 unmanned aerial vehicle.
        (3, 6) => Some("drone_fixed_wing"),
        _ => None,
    }
}

impl Receiver {
    /// A receiver with this configuration.
    pub fn new(cfg: ReceiverConfig) -> Self {
        let reference = cfg.reference.map(|(la, lo)| Position {
            latitude: la,
            longitude: lo,
        });
        Self {
            cfg,
            cpr: BTreeMap::new(),
            reference,
            aircraft: HashMap::new(),
            stats: ReceiverStats::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ReceiverConfig {
        &self.cfg
    }

    /// What it has seen so far.
    pub fn stats(&self) -> ReceiverStats {
        self.stats
    }

    /// Decodes one frame heard at `time_s` (seconds; frames must come in time order
    /// per aircraft for CPR pairing) with rs1090, giving its full decode.
    pub fn hear(&mut self, time_s: f64, frame: &[u8]) -> Result<Heard, FrameError> {
        self.stats.frames += 1;
        if frame.len() != 7 && frame.len() != 14 {
            self.stats.rejected += 1;
            return Err(FrameError::Length(frame.len()));
        }
        let mut msg = match Message::from_bytes((frame, 0)) {
            Ok((_, m)) => m,
            Err(e) => {
                self.stats.rejected += 1;
                return Err(FrameError::Undecodable(e.to_string()));
            }
        };
        self.stats.decoded += 1;
        let mut detection = None;
        if let DF::SurveillanceIdentityReply { id, ap, .. }
        | DF::CommBIdentityReply { id, ap, .. } = &msg.df
        {
            self.aircraft.entry(ap.0).or_default().squawk = Some(format!("{:04x}", id.0));
        }
        let (icao, me): (ICAO, &mut ME) = match &mut msg.df {
            DF::ExtendedSquitterADSB(a) => (a.icao24, &mut a.message),
            DF::ExtendedSquitterTisB { cf, .. } => (cf.aa, &mut cf.me),
            _ => {
                return Ok(Heard {
                    message: msg,
                    detection: None,
                })
            }
        };
        // The ME field's raw bytes sit at the same offset in DF17 and DF18.
        let raw_me = &frame[4..11];
        match me {
            ME::BDS08 { inner, .. } => {
                let (tc, ca) = (raw_me[0] >> 3, raw_me[0] & 0x07);
                self.on_ident(icao.0, &inner.callsign, tc, ca);
            }
            ME::BDS09(v) => self.on_geo_minus_baro(icao.0, time_s, v.geo_minus_baro),
            ME::BDS65(_) => self.on_op_status(icao.0, fast::op_status(raw_me)),
            ME::BDS06 { .. } => {
                self.on_position(icao, time_s, me);
            }
            ME::BDS05 { .. } => detection = self.on_position(icao, time_s, me),
            _ => {}
        }
        Ok(Heard {
            message: msg,
            detection,
        })
    }

    /// The same detections as [`Receiver::hear`], without rs1090's full decode of
    /// frames a detection does not need (see [`fast`]). Frames with nothing for a
    /// detection (altitude replies, all-calls, air-air) are counted as decoded
    /// without being read further.
    pub fn hear_fast(
        &mut self,
        time_s: f64,
        frame: &[u8],
    ) -> Result<Option<AdsbDetection>, FrameError> {
        if frame.len() != 7 && frame.len() != 14 {
            self.stats.frames += 1;
            self.stats.rejected += 1;
            return Err(FrameError::Length(frame.len()));
        }
        let found = fast::read(frame);
        if !matches!(found, fast::Fast::Fallback) {
            self.stats.frames += 1;
        }
        match found {
            fast::Fast::Fallback => return self.hear(time_s, frame).map(|h| h.detection),
            fast::Fast::BadCrc => {
                self.stats.rejected += 1;
                return Err(FrameError::Undecodable("CRC mismatch".into()));
            }
            fast::Fast::Nothing => {}
            fast::Fast::Squawk(icao, sq) => {
                self.aircraft.entry(icao).or_default().squawk = Some(sq)
            }
            fast::Fast::Ident(icao, cs, tc, ca) => self.on_ident(icao, &cs, tc, ca),
            fast::Fast::GeoMinusBaro(icao, d) => self.on_geo_minus_baro(icao, time_s, d),
            fast::Fast::Airborne(icao, tc, inner) => {
                self.stats.decoded += 1;
                let mut me = ME::BDS05 { tc, inner };
                return Ok(self.on_position(ICAO(icao), time_s, &mut me));
            }
            fast::Fast::Surface(icao, tc, inner) => {
                let mut me = ME::BDS06 { tc, inner };
                self.on_position(ICAO(icao), time_s, &mut me);
            }
        }
        self.stats.decoded += 1;
        Ok(None)
    }

    fn on_ident(&mut self, icao: u32, callsign: &str, tc: u8, ca: u8) {
        let ac = self.aircraft.entry(icao).or_default();
        let cs = callsign.trim_end_matches(['#', ' ']).trim();
        ac.callsign = (!cs.is_empty()).then(|| cs.to_string());
        ac.class = category_class(tc, ca);
    }

    fn on_geo_minus_baro(&mut self, icao: u32, time_s: f64, d: Option<i16>) {
        if let Some(d) = d {
            self.aircraft.entry(icao).or_default().geo_minus_baro_ft = Some((time_s, d));
        }
    }

    fn on_op_status(&mut self, icao: u32, q: Option<(u8, u8, u8)>) {
        if let Some((nac_p, sil, nic_a)) = q {
            let ac = self.aircraft.entry(icao).or_default();
            ac.nac_p = Some(nac_p);
            ac.sil = Some(sil);
            ac.nic_a = Some(nic_a);
        }
    }

    /// Resolves a position with rs1090's CPR state; an airborne one that resolves
    /// becomes a detection.
    fn on_position(&mut self, icao: ICAO, time_s: f64, me: &mut ME) -> Option<AdsbDetection> {
        let no_update = None;
        decode_position(
            me,
            time_s,
            &icao,
            &mut self.cpr,
            &mut self.reference,
            &no_update,
        );
        let ME::BDS05 { tc, inner } = me else {
            return None;
        };
        let tc = *tc;
        self.stats.positions += 1;
        let (Some(lat), Some(lon)) = (inner.latitude, inner.longitude) else {
            self.stats.unresolved_positions += 1;
            return None;
        };
        let ac = self.aircraft.entry(icao.0).or_default();
        let nic = airborne_nic(tc, ac.nic_a.unwrap_or(0), inner.saf_or_nicb.unwrap_or(0));
        let sigma_m = ac
            .nac_p
            .and_then(nacp_epu_m)
            .or_else(|| nic_radius_m(nic))
            // Both are 95% radii of a horizontal circle: 2.45 sigma.
            .map(|r| r / 2.45)
            .unwrap_or(self.cfg.unknown_accuracy_sigma_m);
        let gnss = (20..=22).contains(&tc);
        let (alt_m, alt_source) = match inner.alt {
            None => (None, "none"),
            Some(a) if gnss => (Some(f64::from(a) * FT_M), "gnss"),
            Some(a) => match ac.geo_minus_baro_ft {
                Some((t, d)) if (time_s - t).abs() <= GEO_MINUS_BARO_MAX_AGE_S => {
                    (Some(f64::from(a + i32::from(d)) * FT_M), "baro_corrected")
                }
                _ => (Some(f64::from(a) * FT_M), "baro"),
            },
        };
        self.stats.detections += 1;
        Some(AdsbDetection {
            time_s,
            icao24: icao.to_string(),
            lat_deg: lat,
            lon_deg: lon,
            alt_m,
            alt_source,
            sigma_m,
            nic,
            nac_p: ac.nac_p,
            sil: ac.sil,
            callsign: ac.callsign.clone(),
            squawk: ac.squawk.clone(),
            class: ac.class,
        })
    }
}

/// Why a hex line was refused.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {what}")]
pub struct LineError {
    /// 1-based line number.
    pub line: u64,
    /// What is wrong.
    pub what: String,
}

#[derive(serde::Deserialize)]
struct HexLine {
    #[serde(alias = "t")]
    time_s: Option<f64>,
    hex: String,
}

/// Reads `{"time_s": T, "hex": "8d..."}` (`t` is accepted for `time_s`); `None` for a
/// blank line. A line without a time is refused: CPR pairing needs times.
pub fn parse_hex_line(line: &str, line_no: u64) -> Result<Option<(f64, Vec<u8>)>, LineError> {
    let t = line.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = |what: String| LineError {
        line: line_no,
        what,
    };
    let h: HexLine = serde_json::from_str(t).map_err(|e| bad(e.to_string()))?;
    let time_s = h
        .time_s
        .filter(|t| t.is_finite())
        .ok_or_else(|| bad("no finite time_s".into()))?;
    let bytes = hex::decode(h.hex.trim()).map_err(|e| bad(format!("hex: {e}")))?;
    Ok(Some((time_s, bytes)))
}
