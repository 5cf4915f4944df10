//! The 25-byte Open Drone ID messages of ASTM F3411-22a (section 5.4 and its message
//! tables; the same layouts as ASD-STAN prEN 4709-002:2021 annex). Every multi-byte
//! field is little-endian. Values the standard reserves for "unknown" decode to
//! `None`, so no sentinel such as -1000 m reaches a detection.

use serde::Serialize;

/// Length of every message.
pub const MESSAGE_LEN: usize = 25;
/// At most this many messages in a Message Pack.
pub const MAX_PACK_MESSAGES: usize = 9;

/// Why a message could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// Fewer bytes than a message needs.
    #[error("a Remote ID message needs {MESSAGE_LEN} bytes, got {0}")]
    Short(usize),
    /// Message type 6 to 14 is reserved.
    #[error("reserved Remote ID message type {0}")]
    ReservedType(u8),
    /// A Message Pack whose header does not add up.
    #[error("bad Message Pack: {0}")]
    BadPack(String),
    /// A Message Pack inside a Message Pack.
    #[error("a Message Pack may not contain another")]
    NestedPack,
}

/// One decoded message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "msg_type", rename_all = "snake_case")]
pub enum Message {
    /// Type 0: who the UA is.
    BasicId(BasicId),
    /// Type 1: where it is and how it moves.
    Location(Location),
    /// Type 2: one page of authentication data.
    Authentication(Authentication),
    /// Type 3: free-text description of the flight.
    SelfId(SelfId),
    /// Type 4: the operator's position and the operating area.
    System(System),
    /// Type 5: the operator's registration.
    OperatorId(OperatorId),
}

/// Basic ID message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BasicId {
    /// Protocol version (low nibble of the header).
    pub proto_version: u8,
    /// Kind of identifier.
    pub id_type: IdType,
    /// Kind of aircraft.
    pub ua_type: UaType,
    /// The identifier, ASCII, trailing NULs and spaces removed.
    pub uas_id: String,
}

/// Basic ID's identifier type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdType {
    /// 0.
    None,
    /// 1: ANSI/CTA-2063-A serial number.
    SerialNumber,
    /// 2: civil aviation authority registration.
    CaaRegistration,
    /// 3: UTM-assigned UUID.
    UtmAssigned,
    /// 4: specific session id.
    SpecificSession,
    /// 5 to 15.
    Reserved,
}

/// Basic ID's aircraft type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UaType {
    /// 0.
    None,
    /// 1.
    Aeroplane,
    /// 2.
    HelicopterOrMultirotor,
    /// 3.
    Gyroplane,
    /// 4: VTOL with fixed wings.
    HybridLift,
    /// 5.
    Ornithopter,
    /// 6.
    Glider,
    /// 7.
    Kite,
    /// 8.
    FreeBalloon,
    /// 9.
    CaptiveBalloon,
    /// 10.
    Airship,
    /// 11: free fall or parachute.
    FreeFall,
    /// 12.
    Rocket,
    /// 13.
    TetheredPowered,
    /// 14.
    GroundObstacle,
    /// 15.
    Other,
}

impl UaType {
    /// skyfence's class hint for a declared aircraft type, when it implies one. A
    /// Remote ID transmitter is on an unmanned aircraft, so an aeroplane is a
    /// fixed-wing drone.
    pub fn class_hint(self) -> Option<&'static str> {
        match self {
            UaType::Aeroplane | UaType::Glider => Some("drone_fixed_wing"),
            UaType::HelicopterOrMultirotor | UaType::Gyroplane | UaType::HybridLift => {
                Some("drone_rotary")
            }
            UaType::FreeBalloon | UaType::CaptiveBalloon | UaType::Airship => Some("balloon"),
            _ => None,
        }
    }
}

/// Location/Vector message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Location {
    /// Protocol version.
    pub proto_version: u8,
    /// Operational status: 0 undeclared, 1 ground, 2 airborne, 3 emergency, 4 system
    /// failure.
    pub status: u8,
    /// What `height_m` is measured from.
    pub height_type: HeightType,
    /// Track over ground, degrees clockwise from true north.
    pub direction_deg: Option<f64>,
    /// Ground speed, m/s.
    pub speed_h_mps: Option<f64>,
    /// Vertical speed, m/s, up positive.
    pub speed_v_mps: Option<f64>,
    /// Latitude, degrees.
    pub lat: Option<f64>,
    /// Longitude, degrees.
    pub lon: Option<f64>,
    /// Pressure altitude, metres.
    pub alt_baro_m: Option<f64>,
    /// Geodetic altitude (WGS-84 height above the ellipsoid), metres.
    pub alt_geo_m: Option<f64>,
    /// Height above take-off or ground, metres.
    pub height_m: Option<f64>,
    /// Horizontal accuracy code (0 unknown, 1..12 from 10 NM down to 1 m).
    pub horiz_acc: u8,
    /// Vertical accuracy code (0 unknown, 1..6 from 150 m down to 1 m).
    pub vert_acc: u8,
    /// Pressure-altitude accuracy code (same table as vertical).
    pub baro_acc: u8,
    /// Speed accuracy code (0 unknown, 1..4 from 10 m/s down to 0.3 m/s).
    pub speed_acc: u8,
    /// Time of the position, seconds after the full hour (UTC).
    pub timestamp_s_since_hour: Option<f64>,
    /// Timestamp accuracy, seconds (None when unknown).
    pub ts_acc_s: Option<f64>,
}

/// Reference of a Location's height.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeightType {
    /// Above the take-off point.
    AboveTakeoff,
    /// Above ground level.
    AboveGround,
}

/// Authentication message page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Authentication {
    /// Protocol version.
    pub proto_version: u8,
    /// Authentication type (0 none, 1 UAS ID signature, 2 operator ID signature,
    /// 3 message set signature, 4 network remote ID, 5 specific method).
    pub auth_type: u8,
    /// Page number, 0..15.
    pub page: u8,
    /// Page 0 only: index of the last page.
    pub last_page: Option<u8>,
    /// Page 0 only: total length of the authentication data, bytes.
    pub length: Option<u8>,
    /// Page 0 only: seconds since 2019-01-01 00:00 UTC.
    pub timestamp_s: Option<u32>,
    /// This page's data, hex.
    pub data_hex: String,
}

/// Self-ID message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelfId {
    /// Protocol version.
    pub proto_version: u8,
    /// Description type (0 text, 1 emergency, 2 extended status).
    pub description_type: u8,
    /// The description, ASCII.
    pub description: String,
}

/// System message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct System {
    /// Protocol version.
    pub proto_version: u8,
    /// 0 take-off position, 1 live GNSS, 2 fixed location.
    pub operator_location_type: u8,
    /// 0 undeclared, 1 European Union.
    pub classification_type: u8,
    /// Operator latitude, degrees.
    pub operator_lat: Option<f64>,
    /// Operator longitude, degrees.
    pub operator_lon: Option<f64>,
    /// Aircraft in a group operation.
    pub area_count: u16,
    /// Radius of the operating area, metres.
    pub area_radius_m: u32,
    /// Operating area ceiling, metres (geodetic).
    pub area_ceiling_m: Option<f64>,
    /// Operating area floor, metres (geodetic).
    pub area_floor_m: Option<f64>,
    /// EU category (0 undeclared, 1 open, 2 specific, 3 certified).
    pub category_eu: u8,
    /// EU class (0 undeclared, 1..7 class 0..6).
    pub class_eu: u8,
    /// Operator's geodetic altitude, metres.
    pub operator_alt_geo_m: Option<f64>,
    /// Seconds since 2019-01-01 00:00 UTC, as UNIX seconds.
    pub system_timestamp_unix: u64,
}

/// Operator ID message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperatorId {
    /// Protocol version.
    pub proto_version: u8,
    /// Operator ID type (0 operator ID).
    pub operator_id_type: u8,
    /// The operator's registration, ASCII.
    pub operator_id: String,
}

/// 2019-01-01 00:00:00 UTC, the epoch of System and Authentication timestamps.
const ODID_EPOCH_UNIX: u64 = 1_546_300_800;

fn le16(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn le32(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// Latitude/longitude: int32 in 1e-7 degrees; 0 means unknown, and values beyond the
/// range are treated the same (a receiver must not place a drone off the globe).
fn angle(raw: u32, max_deg: f64) -> Option<f64> {
    let v = f64::from(raw as i32) / 1e7;
    (raw != 0 && v.abs() <= max_deg).then_some(v)
}

/// Altitudes: uint16 in 0.5 m, offset -1000 m; 0 (-1000 m) means unknown.
fn altitude(raw: u16) -> Option<f64> {
    (raw != 0).then(|| f64::from(raw) * 0.5 - 1000.0)
}

/// Text fields: ASCII padded with NULs (some transmitters pad with spaces).
fn text(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    b[..end]
        .iter()
        .map(|&c| {
            if c.is_ascii_graphic() || c == b' ' {
                c as char
            } else {
                '?'
            }
        })
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// Decodes one 25-byte message (not a Message Pack; see [`decode_payload`]).
pub fn decode_message(b: &[u8]) -> Result<Message, MessageError> {
    if b.len() < MESSAGE_LEN {
        return Err(MessageError::Short(b.len()));
    }
    let kind = b[0] >> 4;
    let proto_version = b[0] & 0x0f;
    Ok(match kind {
        0 => Message::BasicId(BasicId {
            proto_version,
            id_type: match b[1] >> 4 {
                0 => IdType::None,
                1 => IdType::SerialNumber,
                2 => IdType::CaaRegistration,
                3 => IdType::UtmAssigned,
                4 => IdType::SpecificSession,
                _ => IdType::Reserved,
            },
            ua_type: match b[1] & 0x0f {
                0 => UaType::None,
                1 => UaType::Aeroplane,
                2 => UaType::HelicopterOrMultirotor,
                3 => UaType::Gyroplane,
                4 => UaType::HybridLift,
                5 => UaType::Ornithopter,
                6 => UaType::Glider,
                7 => UaType::Kite,
                8 => UaType::FreeBalloon,
                9 => UaType::CaptiveBalloon,
                10 => UaType::Airship,
                11 => UaType::FreeFall,
                12 => UaType::Rocket,
                13 => UaType::TetheredPowered,
                14 => UaType::GroundObstacle,
                _ => UaType::Other,
            },
            uas_id: text(&b[2..22]),
        }),
        1 => {
            let flags = b[1];
            // Direction: 0..179 plus 180 when the east/west bit is set; over 360 is
            // "unknown" (361 by convention).
            let dir = f64::from(b[2]) + if flags & 0x02 != 0 { 180.0 } else { 0.0 };
            // Speed: 0.25 m/s steps, or with the multiplier bit 0.75 m/s steps above
            // 63.75 m/s; 255 with the multiplier is "unknown".
            let speed = if flags & 0x01 == 0 {
                Some(f64::from(b[3]) * 0.25)
            } else if b[3] == 255 {
                None
            } else {
                Some(f64::from(b[3]) * 0.75 + 63.75)
            };
            // Vertical speed: int8 in 0.5 m/s; 63 m/s (raw 126) is "unknown".
            let vs_raw = b[4] as i8;
            Message::Location(Location {
                proto_version,
                status: flags >> 4,
                height_type: if flags & 0x04 != 0 {
                    HeightType::AboveGround
                } else {
                    HeightType::AboveTakeoff
                },
                direction_deg: (dir <= 360.0).then_some(dir),
                speed_h_mps: speed,
                speed_v_mps: (vs_raw != 126).then(|| f64::from(vs_raw) * 0.5),
                lat: angle(le32(b, 5), 90.0),
                lon: angle(le32(b, 9), 180.0),
                alt_baro_m: altitude(le16(b, 13)),
                alt_geo_m: altitude(le16(b, 15)),
                height_m: altitude(le16(b, 17)),
                horiz_acc: b[19] & 0x0f,
                vert_acc: b[19] >> 4,
                baro_acc: b[20] >> 4,
                speed_acc: b[20] & 0x0f,
                timestamp_s_since_hour: {
                    let t = le16(b, 21);
                    // 0xFFFF is "unknown"; an hour has 36,000 tenths.
                    (t < 36_000).then(|| f64::from(t) / 10.0)
                },
                ts_acc_s: {
                    let a = b[23] & 0x0f;
                    (a != 0).then(|| f64::from(a) / 10.0)
                },
            })
        }
        2 => {
            let page = b[1] & 0x0f;
            let first = page == 0;
            Message::Authentication(Authentication {
                proto_version,
                auth_type: b[1] >> 4,
                page,
                last_page: first.then_some(b[2] & 0x0f),
                length: first.then_some(b[3]),
                timestamp_s: first.then(|| le32(b, 4)),
                data_hex: hex::encode(if first { &b[8..25] } else { &b[2..25] }),
            })
        }
        3 => Message::SelfId(SelfId {
            proto_version,
            description_type: b[1],
            description: text(&b[2..25]),
        }),
        4 => Message::System(System {
            proto_version,
            operator_location_type: b[1] & 0x03,
            classification_type: (b[1] >> 2) & 0x07,
            operator_lat: angle(le32(b, 2), 90.0),
            operator_lon: angle(le32(b, 6), 180.0),
            area_count: le16(b, 10),
            area_radius_m: u32::from(b[12]) * 10,
            area_ceiling_m: altitude(le16(b, 13)),
            area_floor_m: altitude(le16(b, 15)),
            category_eu: b[17] >> 4,
            class_eu: b[17] & 0x0f,
            operator_alt_geo_m: altitude(le16(b, 18)),
            system_timestamp_unix: ODID_EPOCH_UNIX + u64::from(le32(b, 20)),
        }),
        5 => Message::OperatorId(OperatorId {
            proto_version,
            operator_id_type: b[1],
            operator_id: text(&b[2..22]),
        }),
        0x0f => return Err(MessageError::NestedPack),
        k => return Err(MessageError::ReservedType(k)),
    })
}

/// Decodes what a transport carries after its message counter: one message, or a
/// Message Pack (type 0xF: header, message size 25, count, then the messages).
/// Returns the messages that decoded and the errors of those that did not, so one
/// bad message in a pack does not lose the others.
pub fn decode_payload(b: &[u8]) -> Result<(Vec<Message>, Vec<MessageError>), MessageError> {
    let Some(&head) = b.first() else {
        return Err(MessageError::Short(0));
    };
    if head >> 4 != 0x0f {
        return decode_message(b).map(|m| (vec![m], Vec::new()));
    }
    if b.len() < 3 {
        return Err(MessageError::BadPack(format!("{} bytes", b.len())));
    }
    let size = usize::from(b[1]);
    let count = usize::from(b[2]);
    if size != MESSAGE_LEN {
        return Err(MessageError::BadPack(format!(
            "message size {size}, not 25"
        )));
    }
    if count > MAX_PACK_MESSAGES + 1 {
        return Err(MessageError::BadPack(format!(
            "{count} messages, at most 10"
        )));
    }
    let need = 3 + count * MESSAGE_LEN;
    if b.len() < need {
        return Err(MessageError::BadPack(format!(
            "{count} messages need {need} bytes, got {}",
            b.len()
        )));
    }
    let mut ok = Vec::with_capacity(count);
    let mut bad = Vec::new();
    for m in b[3..need].chunks_exact(MESSAGE_LEN) {
        match decode_message(m) {
            Ok(msg) => ok.push(msg),
            Err(e) => bad.push(e),
        }
    }
    Ok((ok, bad))
}

/// The 95% horizontal accuracy bound of a code, metres (F3411-22a table "Horizontal
/// accuracy"); None for 0 (unknown or 10 NM and worse) and reserved codes.
pub fn horizontal_accuracy_m(code: u8) -> Option<f64> {
    const NM: f64 = 1852.0;
    Some(match code {
        1 => 10.0 * NM,
        2 => 4.0 * NM,
        3 => 2.0 * NM,
        4 => NM,
        5 => 0.5 * NM,
        6 => 0.3 * NM,
        7 => 0.1 * NM,
        8 => 0.05 * NM,
        9 => 30.0,
        10 => 10.0,
        11 => 3.0,
        12 => 1.0,
        _ => return None,
    })
}

/// The 95% vertical accuracy bound of a code, metres; None for 0 and reserved codes.
pub fn vertical_accuracy_m(code: u8) -> Option<f64> {
    Some(match code {
        1 => 150.0,
        2 => 45.0,
        3 => 25.0,
        4 => 10.0,
        5 => 3.0,
        6 => 1.0,
        _ => return None,
    })
}
