//! CAT034, Transmission of Monoradar Service Messages: EUROCONTROL-SPEC-0149-2b,
//! "ASTERIX Part 2b Category 034", edition 1.27.
//!
//! UAP (FRN: item): 1 010, 2 000, 3 030, 4 020, 5 041, 6 050, 7 060, 8 070, 9 100,
//! 10 110, 11 120, 12 090, 13 RE, 14 SP.

use crate::wire::{has, signed, AsterixError, Cursor};
use serde::Serialize;

const MAX_FRN: usize = 14;

/// One service message.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Cat034 {
    /// I034/010 System Area Code.
    pub sac: u8,
    /// I034/010 System Identification Code.
    pub sic: u8,
    /// I034/000 message type: 1 north marker, 2 sector crossing, 3 geographical
    /// filtering, 4 jamming strobe.
    pub message_type: Option<u8>,
    /// I034/030 time of day, seconds since midnight UTC.
    pub time_of_day_s: Option<f64>,
    /// I034/020 sector number, degrees (360/2^8).
    pub sector_deg: Option<f64>,
    /// I034/041 antenna rotation period, seconds (1/128 s).
    pub antenna_rotation_period_s: Option<f64>,
    /// I034/050 COM subfield NOGO bit: system inhibited.
    pub nogo: Option<bool>,
    /// I034/120 height of the data source, metres.
    pub source_height_m: Option<f64>,
    /// I034/120 latitude of the data source, degrees (180/2^23).
    pub source_lat_deg: Option<f64>,
    /// I034/120 longitude of the data source, degrees.
    pub source_lon_deg: Option<f64>,
    /// I034/090 collimation error: range, NM (1/128).
    pub collimation_range_nm: Option<f64>,
    /// I034/090 collimation error: azimuth, degrees (360/2^14).
    pub collimation_azimuth_deg: Option<f64>,
    /// I034/070 message counts, as (type, count).
    pub message_counts: Vec<(u8, u16)>,
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

fn be24s(b: &[u8]) -> i32 {
    signed(u32::from_be_bytes([0, b[0], b[1], b[2]]), 24)
}

/// I034/050 and I034/060 are compound items whose primary subfield announces COM,
/// spare, spare, PSR, SSR, MDS; each subfield's length differs between the two.
fn status_compound(
    c: &mut Cursor<'_>,
    item: &'static str,
    mds_len: usize,
) -> Result<Option<bool>, AsterixError> {
    let prim = c.variable(item, 2)?;
    let p = |k: usize| prim[0] & (0x80 >> k) != 0;
    let mut nogo = None;
    if p(0) {
        nogo = Some(c.u8(item)? & 0x80 != 0);
    }
    if p(3) {
        c.u8(item)?;
    }
    if p(4) {
        c.u8(item)?;
    }
    if p(5) {
        c.take(mds_len, item)?;
    }
    Ok(nogo)
}

/// Decodes one record at the start of `b`; returns it and its length in bytes.
pub fn decode(b: &[u8]) -> Result<(Cat034, usize), AsterixError> {
    let mut c = Cursor::new(b, 34);
    let f = c.fspec(MAX_FRN)?;
    let mut r = Cat034::default();
    if has(f, 1) {
        let x = c.take(2, "I034/010")?;
        r.sac = x[0];
        r.sic = x[1];
    }
    if has(f, 2) {
        r.message_type = Some(c.u8("I034/000")?);
    }
    if has(f, 3) {
        let x = c.take(3, "I034/030")?;
        r.time_of_day_s = Some(f64::from(u32::from_be_bytes([0, x[0], x[1], x[2]])) / 128.0);
    }
    if has(f, 4) {
        r.sector_deg = Some(f64::from(c.u8("I034/020")?) * 360.0 / 256.0);
    }
    if has(f, 5) {
        r.antenna_rotation_period_s = Some(f64::from(be16(c.take(2, "I034/041")?)) / 128.0);
    }
    if has(f, 6) {
        r.nogo = status_compound(&mut c, "I034/050", 2)?;
    }
    if has(f, 7) {
        status_compound(&mut c, "I034/060", 1)?;
    }
    if has(f, 8) {
        let x = c.repetitive("I034/070", 2)?;
        r.message_counts = x
            .chunks_exact(2)
            .map(|m| (m[0] >> 3, be16(m) & 0x07ff))
            .collect();
    }
    if has(f, 9) {
        c.take(8, "I034/100")?;
    }
    if has(f, 10) {
        c.take(1, "I034/110")?;
    }
    if has(f, 11) {
        let x = c.take(8, "I034/120")?;
        r.source_height_m = Some(f64::from(be16(x) as i16));
        r.source_lat_deg = Some(f64::from(be24s(&x[2..5])) * 180.0 / 8_388_608.0);
        r.source_lon_deg = Some(f64::from(be24s(&x[5..8])) * 180.0 / 8_388_608.0);
    }
    if has(f, 12) {
        let x = c.take(2, "I034/090")?;
        r.collimation_range_nm = Some(f64::from(x[0] as i8) / 128.0);
        r.collimation_azimuth_deg = Some(f64::from(x[1] as i8) * 360.0 / 16384.0);
    }
    if has(f, 13) {
        c.explicit("I034/RE")?;
    }
    if has(f, 14) {
        c.explicit("I034/SP")?;
    }
    Ok((r, c.pos))
}
