//! CAT048, Monoradar Target Reports: EUROCONTROL-SPEC-0149-4, "ASTERIX Part 4
//! Category 048", edition 1.21 (the item layouts below are unchanged up to edition
//! 1.32, which only adds extents that the variable items here skip correctly).
//!
//! UAP (FRN: item): 1 010, 2 140, 3 020, 4 040, 5 070, 6 090, 7 130, 8 220, 9 240,
//! 10 250, 11 161, 12 042, 13 200, 14 170, 15 210, 16 030, 17 080, 18 100, 19 110,
//! 20 120, 21 230, 22 260, 23 055, 24 050, 25 065, 26 060, 27 SP, 28 RE.

use crate::wire::{has, ident, octal4, signed, AsterixError, Cursor};
use serde::Serialize;

/// The UAP's last field reference number.
const MAX_FRN: usize = 28;

/// One target report. Scaled values are in the units their names give; items a
/// report lacks are `None`. Items skyfence does not use are kept as raw hex.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Cat048 {
    /// I048/010 System Area Code.
    pub sac: u8,
    /// I048/010 System Identification Code.
    pub sic: u8,
    /// I048/140 time of day, seconds since midnight UTC (1/128 s).
    pub time_of_day_s: Option<f64>,
    /// I048/020 TYP: 0 no detection, 1 PSR, 2 SSR, 3 SSR+PSR, 4 Mode S all-call,
    /// 5 Mode S roll-call, 6 all-call+PSR, 7 roll-call+PSR.
    pub typ: Option<u8>,
    /// I048/020 SIM: simulated target report.
    pub simulated: Option<bool>,
    /// I048/020 TST (first extension): test target.
    pub test: Option<bool>,
    /// I048/040 RHO, nautical miles (1/256 NM).
    pub rho_nm: Option<f64>,
    /// I048/040 THETA, degrees clockwise from north (360/2^16).
    pub theta_deg: Option<f64>,
    /// I048/070 Mode 3/A code, four octal digits.
    pub mode3a: Option<String>,
    /// I048/070 V bit: code not validated.
    pub mode3a_not_validated: Option<bool>,
    /// I048/090 flight level (1/4 FL).
    pub flight_level: Option<f64>,
    /// I048/090 V bit: not validated.
    pub flight_level_not_validated: Option<bool>,
    /// I048/090 G bit: garbled.
    pub flight_level_garbled: Option<bool>,
    /// I048/130 SSR plot runlength, degrees.
    pub ssr_runlength_deg: Option<f64>,
    /// I048/130 number of SSR replies.
    pub ssr_replies: Option<u8>,
    /// I048/130 SSR reply amplitude, dBm.
    pub ssr_amplitude_dbm: Option<i8>,
    /// I048/130 PSR plot runlength, degrees.
    pub psr_runlength_deg: Option<f64>,
    /// I048/130 PSR amplitude, dBm.
    pub psr_amplitude_dbm: Option<i8>,
    /// I048/130 range difference PSR-SSR, NM.
    pub range_diff_nm: Option<f64>,
    /// I048/130 azimuth difference PSR-SSR, degrees.
    pub azimuth_diff_deg: Option<f64>,
    /// I048/220 Mode S address, 6 hex digits.
    pub aircraft_address: Option<String>,
    /// I048/240 aircraft identification.
    pub aircraft_id: Option<String>,
    /// I048/250 Mode S MB data: BDS register codes present, as two hex digits each.
    pub bds: Vec<String>,
    /// I048/161 track number.
    pub track_number: Option<u16>,
    /// I048/042 calculated x, NM (1/128 NM).
    pub x_nm: Option<f64>,
    /// I048/042 calculated y, NM.
    pub y_nm: Option<f64>,
    /// I048/200 calculated ground speed, knots (2^-14 NM/s).
    pub ground_speed_kt: Option<f64>,
    /// I048/200 calculated heading, degrees.
    pub heading_deg: Option<f64>,
    /// I048/170 CNF: tentative track.
    pub track_tentative: Option<bool>,
    /// I048/110 height measured by a 3D radar, feet (25 ft).
    pub height_3d_ft: Option<f64>,
    /// I048/120 calculated Doppler speed, m/s.
    pub doppler_mps: Option<f64>,
    /// I048/230 raw.
    pub comm_acas_hex: Option<String>,
    /// Items present but kept raw (I048/210, 030, 080, 100, 260, 055, 050, 065, 060,
    /// SP, RE), by item name.
    pub other_items: Vec<&'static str>,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

/// Skips a fixed-length item skyfence keeps raw, noting that it was there.
fn raw(
    c: &mut Cursor<'_>,
    f: u64,
    frn: usize,
    item: &'static str,
    n: usize,
    seen: &mut Vec<&'static str>,
) -> Result<(), AsterixError> {
    if has(f, frn) {
        c.take(n, item)?;
        seen.push(item);
    }
    Ok(())
}

/// Decodes one record at the start of `b`; returns it and its length in bytes.
pub fn decode(b: &[u8]) -> Result<(Cat048, usize), AsterixError> {
    let mut c = Cursor::new(b, 48);
    let f = c.fspec(MAX_FRN)?;
    let mut r = Cat048::default();
    if has(f, 1) {
        let x = c.take(2, "I048/010")?;
        r.sac = x[0];
        r.sic = x[1];
    }
    if has(f, 2) {
        let x = c.take(3, "I048/140")?;
        r.time_of_day_s = Some(f64::from(u32::from_be_bytes([0, x[0], x[1], x[2]])) / 128.0);
    }
    if has(f, 3) {
        let x = c.variable("I048/020", 4)?;
        r.typ = Some(x[0] >> 5);
        r.simulated = Some(x[0] & 0x10 != 0);
        if let Some(e) = x.get(1) {
            r.test = Some(e & 0x80 != 0);
        }
    }
    if has(f, 4) {
        let x = c.take(4, "I048/040")?;
        r.rho_nm = Some(f64::from(be16(x)) / 256.0);
        r.theta_deg = Some(f64::from(be16(&x[2..])) * 360.0 / 65536.0);
    }
    if has(f, 5) {
        let x = c.take(2, "I048/070")?;
        r.mode3a_not_validated = Some(x[0] & 0x80 != 0);
        r.mode3a = Some(octal4(be16(x)));
    }
    if has(f, 6) {
        let x = c.take(2, "I048/090")?;
        r.flight_level_not_validated = Some(x[0] & 0x80 != 0);
        r.flight_level_garbled = Some(x[0] & 0x40 != 0);
        r.flight_level = Some(f64::from(signed(u32::from(be16(x)), 14)) / 4.0);
    }
    if has(f, 7) {
        // Compound: a primary subfield (with FX) announcing 1-byte subfields.
        let prim = c.variable("I048/130", 2)?;
        let present = |k: usize| prim[0] & (0x80 >> k) != 0;
        if present(0) {
            r.ssr_runlength_deg = Some(f64::from(c.u8("I048/130")?) * 360.0 / 8192.0);
        }
        if present(1) {
            r.ssr_replies = Some(c.u8("I048/130")?);
        }
        if present(2) {
            r.ssr_amplitude_dbm = Some(c.u8("I048/130")? as i8);
        }
        if present(3) {
            r.psr_runlength_deg = Some(f64::from(c.u8("I048/130")?) * 360.0 / 8192.0);
        }
        if present(4) {
            r.psr_amplitude_dbm = Some(c.u8("I048/130")? as i8);
        }
        if present(5) {
            r.range_diff_nm = Some(f64::from(c.u8("I048/130")? as i8) / 256.0);
        }
        if present(6) {
            r.azimuth_diff_deg = Some(f64::from(c.u8("I048/130")? as i8) * 360.0 / 16384.0);
        }
    }
    if has(f, 8) {
        r.aircraft_address = Some(hex(c.take(3, "I048/220")?));
    }
    if has(f, 9) {
        r.aircraft_id = Some(ident(c.take(6, "I048/240")?));
    }
    if has(f, 10) {
        let x = c.repetitive("I048/250", 8)?;
        r.bds = x.chunks_exact(8).map(|m| format!("{:02x}", m[7])).collect();
    }
    if has(f, 11) {
        r.track_number = Some(be16(c.take(2, "I048/161")?) & 0x0fff);
    }
    if has(f, 12) {
        let x = c.take(4, "I048/042")?;
        r.x_nm = Some(f64::from(be16(x) as i16) / 128.0);
        r.y_nm = Some(f64::from(be16(&x[2..]) as i16) / 128.0);
    }
    if has(f, 13) {
        let x = c.take(4, "I048/200")?;
        // 2^-14 NM/s in knots.
        r.ground_speed_kt = Some(f64::from(be16(x)) / 16384.0 * 3600.0);
        r.heading_deg = Some(f64::from(be16(&x[2..])) * 360.0 / 65536.0);
    }
    if has(f, 14) {
        let x = c.variable("I048/170", 4)?;
        r.track_tentative = Some(x[0] & 0x80 != 0);
    }
    raw(&mut c, f, 15, "I048/210", 4, &mut r.other_items)?;
    if has(f, 16) {
        c.variable("I048/030", 16)?;
        r.other_items.push("I048/030");
    }
    raw(&mut c, f, 17, "I048/080", 2, &mut r.other_items)?;
    raw(&mut c, f, 18, "I048/100", 4, &mut r.other_items)?;
    if has(f, 19) {
        let x = c.take(2, "I048/110")?;
        r.height_3d_ft = Some(f64::from(signed(u32::from(be16(x)), 14)) * 25.0);
    }
    if has(f, 20) {
        let prim = c.variable("I048/120", 2)?;
        if prim[0] & 0x80 != 0 {
            let x = c.take(2, "I048/120 CAL")?;
            // D bit set: Doppler not valid.
            if x[0] & 0x80 == 0 {
                r.doppler_mps = Some(f64::from(signed(u32::from(be16(x)), 10)));
            }
        }
        if prim[0] & 0x40 != 0 {
            c.repetitive("I048/120 RDS", 6)?;
        }
    }
    if has(f, 21) {
        r.comm_acas_hex = Some(hex(c.take(2, "I048/230")?));
    }
    raw(&mut c, f, 22, "I048/260", 7, &mut r.other_items)?;
    raw(&mut c, f, 23, "I048/055", 1, &mut r.other_items)?;
    raw(&mut c, f, 24, "I048/050", 2, &mut r.other_items)?;
    raw(&mut c, f, 25, "I048/065", 1, &mut r.other_items)?;
    raw(&mut c, f, 26, "I048/060", 2, &mut r.other_items)?;
    if has(f, 27) {
        c.explicit("I048/SP")?;
        r.other_items.push("I048/SP");
    }
    if has(f, 28) {
        c.explicit("I048/RE")?;
        r.other_items.push("I048/RE");
    }
    Ok((r, c.pos))
}
