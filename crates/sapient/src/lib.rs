//! SAPIENT (BSI Flex 335 v2.0) for skyfence: the messages (`proto/sapient.proto`,
//! compiled by prost), the TCP framing, and the conversions between SAPIENT detection
//! reports and skyfence detections, and from skyfence tracks and alerts to SAPIENT.
//!
//! Framing (BSI Flex 335 v2.0, transport section): on a TCP connection each message is
//! a 4-byte little-endian length and then one serialised `SapientMessage` of that
//! length. A length over the reader's limit is refused before anything is read, so a
//! peer cannot make skyfence allocate what it announces.

pub mod convert;

/// The generated message types.
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod proto {
    include!(concat!(env!("OUT_DIR"), "/skyfence.sapient.v2.rs"));
}

use prost::Message as _;
pub use proto::SapientMessage;

/// The ICD version skyfence speaks, as Registration's `icd_version` names it.
pub const ICD_VERSION: &str = "BSI Flex 335 v2.0";

/// The default largest frame accepted, bytes. A detection report is a few hundred
/// bytes; a registration with many modes a few kilobytes.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 1 << 20;

/// Why bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The length prefix is over the limit.
    #[error("a SAPIENT frame of {len} bytes is over the {max}-byte limit")]
    TooLong {
        /// Announced length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The frame is not a valid `SapientMessage`.
    #[error("not a SAPIENT message: {0}")]
    Decode(String),
    /// The stream ended inside a frame.
    #[error("the stream ends inside a frame ({0} bytes left over)")]
    Truncated(usize),
}

/// Appends one frame (length prefix and message).
pub fn encode_frame(msg: &SapientMessage, out: &mut Vec<u8>) {
    let len = msg.encoded_len();
    out.extend_from_slice(&(len as u32).to_le_bytes());
    // Encoding into a Vec cannot run out of room.
    let _ = msg.encode(out);
}

/// Decodes one message body (without its prefix).
pub fn decode_message(body: &[u8]) -> Result<SapientMessage, FrameError> {
    SapientMessage::decode(body).map_err(|e| FrameError::Decode(e.to_string()))
}

/// An incremental reader of frames from a byte stream, holding at most one frame.
#[derive(Debug)]
pub struct FrameReader {
    buf: Vec<u8>,
    max: usize,
}

impl FrameReader {
    /// A reader that refuses frames over `max_frame_bytes`.
    pub fn new(max_frame_bytes: usize) -> Self {
        Self {
            buf: Vec::with_capacity(4096),
            max: max_frame_bytes,
        }
    }

    /// Adds bytes from the stream and calls `on_frame` with each complete frame's
    /// message or decode error. An over-long length is fatal (the stream cannot be
    /// resynchronised) and returned; the caller closes the connection.
    pub fn push(
        &mut self,
        mut bytes: &[u8],
        mut on_frame: impl FnMut(Result<SapientMessage, FrameError>, &[u8]),
    ) -> Result<(), FrameError> {
        loop {
            // Complete the prefix, then the body, taking only what each needs so the
            // buffer never holds more than one frame.
            if self.buf.len() < 4 {
                let take = (4 - self.buf.len()).min(bytes.len());
                self.buf.extend_from_slice(&bytes[..take]);
                bytes = &bytes[take..];
                if self.buf.len() < 4 {
                    return Ok(());
                }
            }
            let len =
                u32::from_le_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]) as usize;
            if len > self.max {
                return Err(FrameError::TooLong { len, max: self.max });
            }
            let have = self.buf.len() - 4;
            let take = (len - have).min(bytes.len());
            self.buf.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.buf.len() - 4 < len {
                return Ok(());
            }
            let body = &self.buf[4..];
            on_frame(decode_message(body), body);
            self.buf.clear();
            if bytes.is_empty() {
                return Ok(());
            }
        }
    }

    /// Bytes of an unfinished frame.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

/// A protobuf timestamp of UNIX seconds.
pub fn timestamp(unix_s: f64) -> prost_types::Timestamp {
    let secs = unix_s.floor();
    prost_types::Timestamp {
        seconds: secs as i64,
        nanos: (((unix_s - secs) * 1e9).round() as i32).clamp(0, 999_999_999),
    }
}

/// UNIX seconds of a protobuf timestamp.
pub fn unix_s(t: &prost_types::Timestamp) -> f64 {
    t.seconds as f64 + f64::from(t.nanos) * 1e-9
}

/// The kind of a message, for logs and counts.
pub fn kind(m: &SapientMessage) -> &'static str {
    use proto::sapient_message::Content;
    match &m.content {
        Some(Content::Registration(_)) => "registration",
        Some(Content::RegistrationAck(_)) => "registration_ack",
        Some(Content::StatusReport(_)) => "status_report",
        Some(Content::DetectionReport(_)) => "detection_report",
        Some(Content::Task(_)) => "task",
        Some(Content::TaskAck(_)) => "task_ack",
        Some(Content::Alert(_)) => "alert",
        Some(Content::AlertAck(_)) => "alert_ack",
        Some(Content::Error(_)) => "error",
        None => "empty",
    }
}
