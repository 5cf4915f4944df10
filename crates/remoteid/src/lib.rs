//! Drone Remote ID (ASTM F3411-22a, ASD-STAN prEN 4709-002) into skyfence detections.
//!
//! Pure decoding: [`message`] reads the 25-byte messages and Message Packs,
//! [`transport`] finds them in Wi-Fi and Bluetooth frames, and [`Receiver`] keeps what
//! each transmitter said last (its serial from Basic ID, its operator's position from
//! System) so that each Location message becomes one geodetic detection carrying the
//! drone's identity. The hand-written decoders follow the standards' tables field by
//! field; no well-kept Rust crate covers all of F3411's transports.

pub mod message;
pub mod transport;

use formats::{append_detection, DetectionRecord};
pub use message::{decode_message, decode_payload, Message, MessageError};
use serde::Serialize;
use std::collections::HashMap;
pub use transport::{Payload, Transport};

/// How the receiver turns messages into detections.
#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    /// The sensor name detections carry.
    pub sensor: String,
    /// Position sigma (metres per axis) when the transmitter declares no horizontal
    /// accuracy (code 0). Many drones, the Parrot Anafi among them, send 0 while their
    /// GNSS is good to a few metres; 15 m is a consumer receiver's 95% error
    /// over two, generous for an open-sky drone.
    pub unknown_accuracy_sigma_m: f64,
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        Self {
            sensor: "remoteid".into(),
            unknown_accuracy_sigma_m: 15.0,
        }
    }
}

/// Counts of what the receiver saw and refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReceiverStats {
    /// Payloads found in frames or lines.
    pub payloads: u64,
    /// Messages decoded.
    pub messages: u64,
    /// Messages or packs refused (short, reserved type, bad pack).
    pub rejected: u64,
    /// Location messages without a usable latitude and longitude.
    pub no_position: u64,
    /// Detections made.
    pub detections: u64,
    /// Detections made before the transmitter's Basic ID was heard (no `id`).
    pub detections_without_id: u64,
}

#[derive(Default)]
struct TxState {
    serial: Option<(bool, String)>,
    class_hint: Option<&'static str>,
    operator: Option<(f64, f64)>,
}

/// One decoded message with where and when it was heard.
#[derive(Debug, Clone, Serialize)]
pub struct MessageLine {
    /// Receive time, seconds (the capture's clock).
    pub time_s: f64,
    /// Transport.
    pub transport: Transport,
    /// Transmitter MAC, when the transport gives one.
    pub tx_mac: Option<String>,
    /// Message counter of the transport.
    pub counter: Option<u8>,
    /// The message and its fields.
    #[serde(flatten)]
    pub message: Message,
}

/// A detection made from a Location message.
#[derive(Debug, Clone, PartialEq)]
pub struct RidDetection {
    /// Receive time, seconds.
    pub time_s: f64,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Geodetic (WGS-84 ellipsoid) height, metres, when declared.
    pub alt_m: Option<f64>,
    /// Position sigma per axis, metres.
    pub sigma_m: f64,
    /// The UAS serial (or other Basic ID) of the same transmitter.
    pub id: Option<String>,
    /// Class hint from the declared aircraft type.
    pub class: Option<&'static str>,
    /// Operator position from the System message.
    pub operator: Option<(f64, f64)>,
}

impl RidDetection {
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
                id: self.id.as_deref(),
                class: self.class,
                operator_lat_deg: self.operator.map(|o| o.0),
                operator_lon_deg: self.operator.map(|o| o.1),
                ..Default::default()
            },
        );
    }
}

/// What one payload gave.
#[derive(Debug, Default)]
pub struct Heard {
    /// Every message decoded, in order.
    pub messages: Vec<MessageLine>,
    /// Detections, one per Location message with a position.
    pub detections: Vec<RidDetection>,
    /// Why messages were refused.
    pub errors: Vec<MessageError>,
}

/// Remembers each transmitter's identity and operator, and makes detections.
#[derive(Default)]
pub struct Receiver {
    cfg: ReceiverConfig,
    tx: HashMap<String, TxState>,
    stats: ReceiverStats,
}

impl Receiver {
    /// A receiver with this configuration.
    pub fn new(cfg: ReceiverConfig) -> Self {
        Self {
            cfg,
            tx: HashMap::new(),
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

    /// Decodes one payload heard at `time_s`. `tx_key` names the transmitter when the
    /// payload has no MAC (hex lines); without either, all such payloads share one
    /// transmitter.
    pub fn hear(&mut self, time_s: f64, p: &Payload<'_>, tx_key: Option<&str>) -> Heard {
        self.stats.payloads += 1;
        let mut heard = Heard::default();
        let mac = p.tx_mac.as_ref().map(transport::mac_text);
        let key = mac
            .clone()
            .or_else(|| tx_key.map(str::to_string))
            .unwrap_or_default();
        let (messages, errors) = match decode_payload(p.body) {
            Ok(x) => x,
            Err(e) => (Vec::new(), vec![e]),
        };
        self.stats.rejected += errors.len() as u64;
        heard.errors = errors;
        let st = self.tx.entry(key).or_default();
        // A pack carries Basic ID and System beside Location: take the identity
        // first so a pack's Location is labelled even the first time it is heard.
        for m in &messages {
            match m {
                Message::BasicId(b) if !b.uas_id.is_empty() => {
                    let is_serial = b.id_type == message::IdType::SerialNumber;
                    // A serial number outranks other identifiers (session ids change).
                    if is_serial || !st.serial.as_ref().is_some_and(|s| s.0) {
                        st.serial = Some((is_serial, b.uas_id.clone()));
                    }
                    if let Some(h) = b.ua_type.class_hint() {
                        st.class_hint = Some(h);
                    }
                }
                Message::System(s) => {
                    if let (Some(la), Some(lo)) = (s.operator_lat, s.operator_lon) {
                        st.operator = Some((la, lo));
                    }
                }
                _ => {}
            }
        }
        for m in messages {
            self.stats.messages += 1;
            if let Message::Location(l) = &m {
                match (l.lat, l.lon) {
                    (Some(lat), Some(lon)) => {
                        let sigma_m = message::horizontal_accuracy_m(l.horiz_acc)
                            // The code is a 95% radius; a 2D circular 95% radius is
                            // 2.45 sigma.
                            .map(|r| r / 2.45)
                            .unwrap_or(self.cfg.unknown_accuracy_sigma_m);
                        let id = st.serial.as_ref().map(|s| s.1.clone());
                        if id.is_none() {
                            self.stats.detections_without_id += 1;
                        }
                        self.stats.detections += 1;
                        heard.detections.push(RidDetection {
                            time_s,
                            lat_deg: lat,
                            lon_deg: lon,
                            alt_m: l.alt_geo_m,
                            sigma_m,
                            id,
                            class: st.class_hint,
                            operator: st.operator,
                        });
                    }
                    _ => self.stats.no_position += 1,
                }
            }
            heard.messages.push(MessageLine {
                time_s,
                transport: p.transport,
                tx_mac: mac.clone(),
                counter: p.counter,
                message: m,
            });
        }
        heard
    }
}

/// Why a hex line was refused.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    /// Not JSON, or missing `time_s`/`hex`.
    #[error("line {line}: {what}")]
    Bad {
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        what: String,
    },
}

/// One hex line: receive time, the payload bytes, and the transmitter key if given.
#[derive(Debug, Clone, PartialEq)]
pub struct HexPayload {
    /// Receive time, seconds.
    pub time_s: f64,
    /// One message or a Message Pack.
    pub bytes: Vec<u8>,
    /// Names the transmitter (any text, such as its MAC).
    pub tx: Option<String>,
}

#[derive(serde::Deserialize)]
struct HexLine {
    time_s: f64,
    hex: String,
    tx: Option<String>,
}

/// Reads one JSON Lines record `{"time_s": T, "hex": "...", "tx": "optional key"}`
/// whose hex is one message or a Message Pack (without a transport counter); returns
/// the bytes and transmitter key, or `None` for a blank line.
pub fn parse_hex_line(line: &str, line_no: u64) -> Result<Option<HexPayload>, LineError> {
    let t = line.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = |what: String| LineError::Bad {
        line: line_no,
        what,
    };
    let h: HexLine = serde_json::from_str(t).map_err(|e| bad(format!("{e}")))?;
    if !h.time_s.is_finite() {
        return Err(bad("time_s is not a finite number".into()));
    }
    let bytes = hex::decode(h.hex.trim()).map_err(|e| bad(format!("hex: {e}")))?;
    Ok(Some(HexPayload {
        time_s: h.time_s,
        bytes,
        tx: h.tx,
    }))
}
