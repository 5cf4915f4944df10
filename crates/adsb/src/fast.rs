//! A direct reader of the few Mode S messages that carry a detection's fields.
//!
//! rs1090 decodes every frame through deku's general bit reader: about 170,000
//! frames a second on one core here (`cargo xtask bench-decode`), and a border
//! receiver network must do a million. This reader pulls only what a detection needs,
//! with byte shifts at fixed offsets (ICAO Annex 10 vol IV 3.1.2 for downlink formats;
//! DO-260B 2.2.3.2 for the ADS-B messages), and hands positions to rs1090's own CPR
//! state machine, so positions are rs1090's. Anything unusual (TIS-B, GNSS height,
//! Gillham altitude) is left to the full decoder. A test holds the two paths to the
//! same detections on every real frame.

use rs1090::decode::bds::bds05::{AirbornePosition, SurveillanceStatus};
use rs1090::decode::bds::bds06::SurfacePosition;
use rs1090::decode::cpr::CPRFormat;

/// CRC-24 of Mode S (generator 0x1FFF409, Annex 10 vol IV 3.1.2.3.3), a byte at a
/// time from a table built at compile time.
const CRC_TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u32) << 16;
        let mut k = 0;
        while k < 8 {
            c <<= 1;
            if c & 0x100_0000 != 0 {
                c ^= 0x1FF_F409;
            }
            k += 1;
        }
        t[i] = c & 0xFF_FFFF;
        i += 1;
    }
    t
};

/// The CRC remainder of `data` (0 for an intact extended squitter over all its bytes).
pub fn crc24(data: &[u8]) -> u32 {
    let mut crc: u32 = 0;
    for &b in data {
        crc = ((crc << 8) & 0xFF_FFFF) ^ CRC_TABLE[(((crc >> 16) as u8) ^ b) as usize];
    }
    crc
}

/// What the direct reader found in a frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Fast {
    /// A frame with nothing a detection uses (all-call, altitude replies, air-air).
    Nothing,
    /// The full decoder must read it.
    Fallback,
    /// CRC failure of an extended squitter.
    BadCrc,
    /// Mode A code of an address (DF5, DF21).
    Squawk(u32, String),
    /// Identification and category (TC 1-4).
    Ident(u32, String, u8, u8),
    /// Airborne velocity's GNSS-minus-baro difference, feet (TC 19).
    GeoMinusBaro(u32, Option<i16>),
    /// Airborne position with barometric altitude (TC 9-18).
    Airborne(u32, u8, AirbornePosition),
    /// Surface position (TC 5-8).
    Surface(u32, u8, SurfacePosition),
}

const CALLSIGN_CHARS: &[u8; 64] =
    b"#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######";

/// The 13-bit identity field (C1 A1 C2 A2 C4 A4 X B1 D1 B2 D2 B4 D4) as four octal
/// digits ABCD, written like rs1090 does.
fn squawk(id13: u32) -> String {
    let bit = |n: u32| (id13 >> (12 - n)) & 1;
    let a = bit(5) << 2 | bit(3) << 1 | bit(1);
    let b = bit(11) << 2 | bit(9) << 1 | bit(7);
    let c = bit(4) << 2 | bit(2) << 1 | bit(0);
    let d = bit(12) << 2 | bit(10) << 1 | bit(8);
    format!("{a}{b}{c}{d}")
}

/// DO-260B 2.2.3.2.4.2: surface movement code to ground speed, knots.
fn movement_kt(code: u8) -> Option<f64> {
    Some(match code {
        1 => 0.0,
        2..=8 => 0.125 + f64::from(code - 2) * 0.125,
        9..=12 => 1.0 + f64::from(code - 9) * 0.25,
        13..=38 => 2.0 + f64::from(code - 13) * 0.5,
        39..=93 => 15.0 + f64::from(code - 39),
        94..=108 => 70.0 + f64::from(code - 94) * 2.0,
        109..=123 => 100.0 + f64::from(code - 109) * 5.0,
        124 => 175.0,
        _ => return None,
    })
}

/// The CPR part shared by airborne and surface positions: ME bit 21 time
/// synchronisation, bit 22 format, bits 23-39 latitude, bits 40-56 longitude.
struct Cpr {
    time_sync: bool,
    parity: CPRFormat,
    lat: u32,
    lon: u32,
}

impl Cpr {
    fn of(me: &[u8]) -> Self {
        Self {
            time_sync: me[2] & 0x08 != 0,
            parity: if me[2] & 0x04 != 0 {
                CPRFormat::Odd
            } else {
                CPRFormat::Even
            },
            lat: (u32::from(me[2] & 0x03) << 15) | (u32::from(me[3]) << 7) | u32::from(me[4] >> 1),
            lon: (u32::from(me[4] & 0x01) << 16) | (u32::from(me[5]) << 8) | u32::from(me[6]),
        }
    }
}

/// Reads a 7- or 14-byte frame.
pub fn read(f: &[u8]) -> Fast {
    let df = f[0] >> 3;
    match (df, f.len()) {
        (17, 14) => {}
        (18, 14) => return Fast::Fallback,
        (5, 7) | (21, 14) => {
            let n = f.len();
            let icao = crc24(&f[..n - 3])
                ^ (u32::from(f[n - 3]) << 16 | u32::from(f[n - 2]) << 8 | u32::from(f[n - 1]));
            let id13 = (u32::from(f[2] & 0x1f) << 8) | u32::from(f[3]);
            return Fast::Squawk(icao, squawk(id13));
        }
        _ => return Fast::Nothing,
    }
    if crc24(f) != 0 {
        return Fast::BadCrc;
    }
    let icao = u32::from(f[1]) << 16 | u32::from(f[2]) << 8 | u32::from(f[3]);
    let me = &f[4..11];
    let tc = me[0] >> 3;
    let cpr = Cpr::of(me);
    match tc {
        1..=4 => {
            let bits = me[1..7].iter().fold(0u64, |a, &b| a << 8 | u64::from(b));
            let mut cs = String::with_capacity(8);
            for i in 0..8 {
                let c = ((bits >> (42 - 6 * i)) & 0x3f) as usize;
                // Spaces (code 32) pad a callsign; like rs1090, drop them anywhere.
                if c != 32 {
                    cs.push(CALLSIGN_CHARS[c] as char);
                }
            }
            Fast::Ident(icao, cs, tc, me[0] & 0x07)
        }
        5..=8 => {
            let movement = ((me[0] & 0x07) << 4) | (me[1] >> 4);
            let track_status = me[1] & 0x08 != 0;
            let track = ((me[1] & 0x07) << 4) | (me[2] >> 4);
            Fast::Surface(
                icao,
                tc,
                SurfacePosition {
                    nuc_p: 14 - tc,
                    groundspeed: movement_kt(movement),
                    track_status,
                    track: track_status.then(|| f64::from(track) * 360.0 / 128.0),
                    t: cpr.time_sync,
                    parity: cpr.parity,
                    lat_cpr: cpr.lat,
                    lon_cpr: cpr.lon,
                    latitude: None,
                    longitude: None,
                },
            )
        }
        9..=18 => {
            let ac = (u32::from(me[1]) << 4) | u32::from(me[2] >> 4);
            // Q = 0 is Gillham code: the full decoder reads it.
            if ac != 0 && ac & 0x10 == 0 {
                return Fast::Fallback;
            }
            let alt = (ac != 0).then(|| (((ac >> 5) << 4) | (ac & 0x0f)) as i32 * 25 - 1000);
            // rs1090 refuses altitudes over 50,000 ft (as a phantom of its Comm-B
            // inference); let it decide, so both paths refuse the same frames.
            if alt.is_some_and(|a| a > 50_000) {
                return Fast::Fallback;
            }
            Fast::Airborne(
                icao,
                tc,
                AirbornePosition {
                    nuc_p: 18 - tc,
                    ss: match (me[0] >> 1) & 0x03 {
                        0 => SurveillanceStatus::NoCondition,
                        1 => SurveillanceStatus::PermanentAlert,
                        2 => SurveillanceStatus::TemporaryAlert,
                        _ => SurveillanceStatus::SPICondition,
                    },
                    saf_or_nicb: Some(me[0] & 0x01),
                    alt,
                    source: rs1090::decode::bds::bds05::Source::Barometric,
                    time_sync: cpr.time_sync,
                    parity: cpr.parity,
                    lat_cpr: cpr.lat,
                    lon_cpr: cpr.lon,
                    latitude: None,
                    longitude: None,
                },
            )
        }
        19 => {
            // Subtypes 1-4 are defined; the full decoder judges the others.
            if !(1..=4).contains(&(me[0] & 0x07)) {
                return Fast::Fallback;
            }
            // ME bit 49: sign, bits 50-56: (|difference| / 25 ft) + 1; 0 is unknown,
            // and like rs1090 a zero difference (1) is taken as no information.
            let v = me[6] & 0x7f;
            let d = (v > 1).then(|| {
                let m = (i16::from(v) - 1) * 25;
                if me[6] & 0x80 != 0 {
                    -m
                } else {
                    m
                }
            });
            Fast::GeoMinusBaro(icao, d)
        }
        20..=22 => Fast::Fallback,
        // Operational status is rare (every few seconds) and rs1090 validates its
        // reserved fields: the full decoder reads it.
        31 => Fast::Fallback,
        _ => Fast::Nothing,
    }
}

/// NACp, SIL and NIC supplement A of an operational status message, for ADS-B
/// versions 1 and 2 (ME bits 41-43 version, 44 NIC supplement, 45-48 NACp, 51-52
/// SIL; DO-260A 2.2.3.2.7.2, DO-260B 2.2.3.2.7.2); version 0 has none.
pub fn op_status(me: &[u8]) -> Option<(u8, u8, u8)> {
    let version = me[5] >> 5;
    (version == 1 || version == 2).then(|| (me[5] & 0x0f, (me[6] >> 4) & 0x03, (me[5] >> 4) & 0x01))
}
