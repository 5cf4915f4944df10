//! Getting Mode S frames out of the byte streams receivers speak.
//!
//! Beast binary (the dump1090/readsb output port, conventionally 30005): each frame is
//! `0x1A`, a type byte (`'1'` Mode A/C, 2 bytes; `'2'` Mode S short, 7 bytes; `'3'`
//! Mode S long, 14 bytes; `'4'` receiver status), a 6-byte big-endian 12 MHz
//! timestamp, a signal byte, then the frame; a `0x1A` inside those bytes is sent
//! twice. Hand-written because it is the hot path of a live feed and has no
//! maintained standalone crate; it never buffers more than one frame.
//!
//! AVR text: `*HEX;` or, with a 12 MHz timestamp, `@TTTTTTTTTTTTHEX;`, one per line.

/// A frame from a Beast stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeastFrame {
    /// The 12 MHz receiver clock.
    pub mlat_ticks: u64,
    /// Signal level byte (RSSI, receiver-specific scale).
    pub signal: u8,
    /// The Mode S frame (7 or 14 bytes).
    pub data: Vec<u8>,
}

/// What the framer refused, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct FramingStats {
    /// Bytes outside any frame (before a `0x1A`, or after a bad type byte).
    pub skipped_bytes: u64,
    /// Frames of an unknown type.
    pub bad_type: u64,
    /// Mode A/C and status frames (valid, but no Mode S frame in them).
    pub not_mode_s: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Looking for a 0x1A.
    Sync,
    /// After 0x1A: the type byte.
    Type,
    /// Reading the frame body (timestamp, signal, data), unescaping.
    Body { len: usize, escape: bool },
}

/// An incremental Beast decoder: feed it bytes as they arrive, in any pieces.
#[derive(Debug)]
pub struct BeastFramer {
    state: State,
    kind: u8,
    body: Vec<u8>,
    stats: FramingStats,
}

impl Default for BeastFramer {
    fn default() -> Self {
        Self {
            state: State::Sync,
            kind: 0,
            body: Vec::with_capacity(24),
            stats: FramingStats::default(),
        }
    }
}

impl BeastFramer {
    /// A framer waiting for its first frame.
    pub fn new() -> Self {
        Self::default()
    }

    /// What it has refused so far.
    pub fn stats(&self) -> FramingStats {
        self.stats
    }

    /// The byte after a frame's 0x1A.
    fn on_type(&mut self, b: u8) {
        let len = match b {
            b'1' => 2,
            b'2' => 7,
            b'3' | b'4' => 14,
            _ => {
                self.stats.bad_type += 1;
                self.stats.skipped_bytes += 1;
                // 0x1A 0x1A outside a frame is a stray escaped byte; anything else
                // is noise: wait for the next 0x1A.
                self.state = if b == 0x1a { State::Type } else { State::Sync };
                return;
            }
        };
        self.kind = b;
        self.body.clear();
        self.state = State::Body {
            len: 7 + len,
            escape: false,
        };
    }

    /// Consumes `bytes`, calling `on_frame` for each complete Mode S frame.
    pub fn push(&mut self, bytes: &[u8], mut on_frame: impl FnMut(BeastFrame)) {
        for &b in bytes {
            match self.state {
                State::Sync => {
                    if b == 0x1a {
                        self.state = State::Type;
                    } else {
                        self.stats.skipped_bytes += 1;
                    }
                }
                State::Type => self.on_type(b),
                State::Body { len, escape } => {
                    if b == 0x1a && !escape {
                        self.state = State::Body { len, escape: true };
                        continue;
                    }
                    if escape && b != 0x1a {
                        // A lone 0x1A inside a frame starts a new frame: the old one
                        // was cut short.
                        self.stats.skipped_bytes += self.body.len() as u64 + 2;
                        self.on_type(b);
                        continue;
                    }
                    self.body.push(b);
                    if self.body.len() == len {
                        self.state = State::Sync;
                        if self.kind == b'2' || self.kind == b'3' {
                            let mut t = [0u8; 8];
                            t[2..8].copy_from_slice(&self.body[..6]);
                            on_frame(BeastFrame {
                                mlat_ticks: u64::from_be_bytes(t),
                                signal: self.body[6],
                                data: self.body[7..].to_vec(),
                            });
                        } else {
                            self.stats.not_mode_s += 1;
                        }
                    } else {
                        self.state = State::Body { len, escape: false };
                    }
                }
            }
        }
    }
}

/// Why an AVR line was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AvrError {
    /// Not `*...;` or `@...;`.
    #[error("not an AVR frame (expected *HEX; or @TIMESTAMPHEX;)")]
    NotAvr,
    /// Bad hex digits.
    #[error("bad hex in an AVR frame")]
    BadHex,
    /// Not 7 or 14 bytes.
    #[error("an AVR frame of {0} bytes (Mode S frames are 7 or 14)")]
    BadLength(usize),
}

/// One AVR line: the frame and, for `@` lines, the 12 MHz timestamp.
pub fn parse_avr(line: &str) -> Result<(Option<u64>, Vec<u8>), AvrError> {
    let t = line.trim();
    let body = t.strip_suffix(';').ok_or(AvrError::NotAvr)?;
    let (ticks, hexpart) = if let Some(h) = body.strip_prefix('*') {
        (None, h)
    } else if let Some(h) = body.strip_prefix('@') {
        let ts = h.get(..12).ok_or(AvrError::NotAvr)?;
        let ticks = u64::from_str_radix(ts, 16).map_err(|_| AvrError::BadHex)?;
        (Some(ticks), &h[12..])
    } else {
        return Err(AvrError::NotAvr);
    };
    let data = hex::decode(hexpart).map_err(|_| AvrError::BadHex)?;
    if data.len() != 7 && data.len() != 14 {
        return Err(AvrError::BadLength(data.len()));
    }
    Ok((ticks, data))
}
