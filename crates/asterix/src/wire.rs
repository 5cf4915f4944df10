//! The framing every ASTERIX category shares (EUROCONTROL, "EUROCONTROL Specification
//! for Surveillance Data Exchange, Part 1: All Purpose Structured EUROCONTROL
//! Surveillance Information Exchange (ASTERIX)", edition 3.1): a data block is CAT (1
//! byte), LEN (2 bytes, big-endian, the whole block), then records; a record is a
//! field specification (FSPEC: bytes whose lowest bit says another follows) and the
//! items it announces, in the category's UAP order.

/// Why ASTERIX bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AsterixError {
    /// Fewer bytes than a block header or than LEN says.
    #[error("data block truncated: {0}")]
    TruncatedBlock(String),
    /// LEN below 3.
    #[error("data block length {0} is below the 3-byte header")]
    BadBlockLength(usize),
    /// A record runs past the end of its block.
    #[error("CAT{cat:03} record truncated in item {item}")]
    TruncatedRecord {
        /// Category.
        cat: u8,
        /// The item being read.
        item: &'static str,
    },
    /// A field specification longer than the category's UAP.
    #[error("CAT{cat:03} FSPEC longer than the UAP ({bytes} bytes)")]
    FspecTooLong {
        /// Category.
        cat: u8,
        /// FSPEC bytes read.
        bytes: usize,
    },
    /// An item the UAP does not define is announced.
    #[error("CAT{cat:03} FSPEC announces undefined field {frn}")]
    UndefinedItem {
        /// Category.
        cat: u8,
        /// Field reference number.
        frn: usize,
    },
    /// A record with an empty FSPEC.
    #[error("CAT{0:03} record with no items")]
    EmptyRecord(u8),
}

/// One data block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block<'a> {
    /// Category.
    pub cat: u8,
    /// The records (without the 3-byte header).
    pub records: &'a [u8],
}

/// Splits a byte string into data blocks (a UDP datagram or a raw recording may hold
/// several). Stops at the first damaged block, returning what came before it.
pub fn blocks(mut b: &[u8]) -> (Vec<Block<'_>>, Option<AsterixError>) {
    let mut out = Vec::new();
    while !b.is_empty() {
        if b.len() < 3 {
            return (
                out,
                Some(AsterixError::TruncatedBlock(format!(
                    "{} bytes left",
                    b.len()
                ))),
            );
        }
        let len = usize::from(u16::from_be_bytes([b[1], b[2]]));
        if len < 3 {
            return (out, Some(AsterixError::BadBlockLength(len)));
        }
        if len > b.len() {
            return (
                out,
                Some(AsterixError::TruncatedBlock(format!(
                    "LEN {len}, {} bytes left",
                    b.len()
                ))),
            );
        }
        out.push(Block {
            cat: b[0],
            records: &b[3..len],
        });
        b = &b[len..];
    }
    (out, None)
}

/// A cursor over one record's bytes.
pub(crate) struct Cursor<'a> {
    pub b: &'a [u8],
    pub pos: usize,
    pub cat: u8,
}

impl<'a> Cursor<'a> {
    pub fn new(b: &'a [u8], cat: u8) -> Self {
        Self { b, pos: 0, cat }
    }

    /// The next `n` bytes of item `item`.
    pub fn take(&mut self, n: usize, item: &'static str) -> Result<&'a [u8], AsterixError> {
        let end = self.pos + n;
        let s = self
            .b
            .get(self.pos..end)
            .ok_or(AsterixError::TruncatedRecord {
                cat: self.cat,
                item,
            })?;
        self.pos = end;
        Ok(s)
    }

    pub fn u8(&mut self, item: &'static str) -> Result<u8, AsterixError> {
        Ok(self.take(1, item)?[0])
    }

    /// A variable-length item: octets until one with the lowest bit clear.
    pub fn variable(&mut self, item: &'static str, max: usize) -> Result<&'a [u8], AsterixError> {
        let start = self.pos;
        loop {
            let o = self.u8(item)?;
            if o & 1 == 0 || self.pos - start >= max {
                return Ok(&self.b[start..self.pos]);
            }
        }
    }

    /// A repetitive item: a count, then that many `size`-byte elements.
    pub fn repetitive(
        &mut self,
        item: &'static str,
        size: usize,
    ) -> Result<&'a [u8], AsterixError> {
        let n = usize::from(self.u8(item)?);
        self.take(n * size, item)
    }

    /// An explicit-length item (SP, RE): a length byte counting itself.
    pub fn explicit(&mut self, item: &'static str) -> Result<&'a [u8], AsterixError> {
        let n = usize::from(self.u8(item)?);
        self.take(n.saturating_sub(1), item)
    }

    /// The FSPEC as a list of present field reference numbers (1-based), at most
    /// `max_frn`.
    pub fn fspec(&mut self, max_frn: usize) -> Result<u64, AsterixError> {
        let mut bits: u64 = 0;
        let mut n = 0;
        loop {
            let o = self.u8("FSPEC")?;
            if (n + 1) * 7 > max_frn.div_ceil(7) * 7 {
                return Err(AsterixError::FspecTooLong {
                    cat: self.cat,
                    bytes: n + 1,
                });
            }
            for k in 0..7 {
                if o & (0x80 >> k) != 0 {
                    bits |= 1 << (n * 7 + k);
                }
            }
            n += 1;
            if o & 1 == 0 {
                break;
            }
        }
        if bits == 0 {
            return Err(AsterixError::EmptyRecord(self.cat));
        }
        let highest = 64 - bits.leading_zeros() as usize;
        if highest > max_frn {
            return Err(AsterixError::UndefinedItem {
                cat: self.cat,
                frn: highest,
            });
        }
        Ok(bits)
    }
}

/// Whether FRN `frn` (1-based) is present in an FSPEC from [`Cursor::fspec`].
pub(crate) fn has(bits: u64, frn: usize) -> bool {
    bits & (1 << (frn - 1)) != 0
}

/// The ICAO 6-bit character set of aircraft identification (Annex 10 vol IV table
/// 3-9), as ASTERIX items I048/240 and I062/245 use it.
pub(crate) const ICAO_CHARS: [u8; 64] = {
    let mut t = [b' '; 64];
    let mut i = 0;
    while i < 26 {
        t[1 + i] = b'A' + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[48 + d] = b'0' + d as u8;
        d += 1;
    }
    t
};

/// Eight 6-bit characters from 6 bytes, trailing spaces removed.
pub(crate) fn ident(b: &[u8]) -> String {
    let bits = b.iter().take(6).fold(0u64, |a, &x| a << 8 | u64::from(x));
    let mut s = String::with_capacity(8);
    for i in 0..8 {
        s.push(ICAO_CHARS[((bits >> (42 - 6 * i)) & 0x3f) as usize] as char);
    }
    s.trim_end().to_string()
}

/// A 12-bit Mode 3/A code as four octal digits.
pub(crate) fn octal4(code: u16) -> String {
    format!("{:04o}", code & 0x0fff)
}

/// Sign-extends the low `bits` bits of `v`.
pub(crate) fn signed(v: u32, bits: u32) -> i32 {
    let shift = 32 - bits;
    ((v << shift) as i32) >> shift
}
