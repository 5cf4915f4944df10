//! CAT062, SDPS Track Messages: EUROCONTROL-SPEC-0149-9, "ASTERIX Part 9 Category
//! 062", edition 1.18. skyfence writes system tracks with these items:
//!
//! | FRN | item | content |
//! |---|---|---|
//! | 1 | I062/010 | SAC, SIC of skyfence's node |
//! | 3 | I062/015 | service identification |
//! | 4 | I062/070 | time of track information, 1/128 s since midnight UTC |
//! | 5 | I062/105 | WGS-84 position, 180/2^25 degrees |
//! | 6 | I062/100 | Cartesian position about the system reference point, 0.5 m |
//! | 7 | I062/185 | Cartesian velocity, 0.25 m/s |
//! | 9 | I062/060 | Mode 3/A code (when the identity has one) |
//! | 10 | I062/245 | target identification (callsign) |
//! | 11 | I062/380 | aircraft derived data: ADR, the 24-bit address |
//! | 12 | I062/040 | track number |
//! | 13 | I062/080 | track status (CNF, SRC, TSB/TSE, CST) |
//! | 18 | I062/130 | calculated geometric altitude, 6.25 ft |
//! | 20 | I062/220 | rate of climb/descent, 6.25 ft/min |
//! | 27 | I062/500 | estimated accuracies: APC (position, 0.5 m) and ATV (velocity, 0.25 m/s) |

use crate::wire::ICAO_CHARS;

/// One system track to send.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SystemTrack {
    /// Time of the track, seconds since midnight UTC.
    pub time_of_day_s: f64,
    /// Track number (skyfence track ids modulo 2^16).
    pub track_number: u16,
    /// WGS-84 latitude, degrees.
    pub lat_deg: f64,
    /// WGS-84 longitude, degrees.
    pub lon_deg: f64,
    /// East, north metres about the system reference point.
    pub xy_m: [f64; 2],
    /// East, north velocity, m/s.
    pub v_mps: [f64; 2],
    /// Geometric altitude, metres, when known.
    pub alt_m: Option<f64>,
    /// Vertical speed, m/s, up positive.
    pub vz_mps: Option<f64>,
    /// Mode 3/A code as a number (octal digits packed 3 bits each).
    pub mode3a: Option<u16>,
    /// Callsign (at most 8 characters of the ICAO set).
    pub callsign: Option<String>,
    /// 24-bit Mode S address.
    pub address: Option<u32>,
    /// Tentative track.
    pub tentative: bool,
    /// First report of this track.
    pub first: bool,
    /// Last report of this track (it is being deleted).
    pub last: bool,
    /// No update for longer than the node's coasting threshold.
    pub coasting: bool,
    /// Position standard deviations east and north, metres.
    pub sigma_xy_m: Option<[f64; 2]>,
    /// Velocity standard deviations east and north, m/s.
    pub sigma_v_mps: Option<[f64; 2]>,
}

/// Who sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// System Area Code.
    pub sac: u8,
    /// System Identification Code.
    pub sic: u8,
    /// I062/015 service identification.
    pub service: u8,
}

/// The largest data block written; a UDP datagram of this size is not fragmented on
/// Ethernet.
pub const MAX_BLOCK_BYTES: usize = 1400;

fn clamp_i(v: f64, bits: u32) -> i64 {
    let max = (1i64 << (bits - 1)) - 1;
    if v.is_finite() {
        (v.round() as i64).clamp(-max - 1, max)
    } else {
        0
    }
}

fn push_be(out: &mut Vec<u8>, v: i64, bytes: usize) {
    for k in (0..bytes).rev() {
        out.push((v >> (8 * k)) as u8);
    }
}

/// Appends one record.
pub fn encode_record(src: &Source, t: &SystemTrack, out: &mut Vec<u8>) {
    let mut frns: Vec<usize> = vec![1, 3, 4, 5, 6, 7];
    let mut items = Vec::with_capacity(80);
    // I062/010
    items.extend_from_slice(&[src.sac, src.sic]);
    // I062/015
    items.push(src.service);
    // I062/070
    let tod = t.time_of_day_s.rem_euclid(86_400.0);
    push_be(&mut items, clamp_i(tod * 128.0, 25).max(0), 3);
    // I062/105
    let k = (1u64 << 25) as f64 / 180.0;
    push_be(&mut items, clamp_i(t.lat_deg * k, 32), 4);
    push_be(&mut items, clamp_i(t.lon_deg * k, 32), 4);
    // I062/100
    push_be(&mut items, clamp_i(t.xy_m[0] * 2.0, 24), 3);
    push_be(&mut items, clamp_i(t.xy_m[1] * 2.0, 24), 3);
    // I062/185
    push_be(&mut items, clamp_i(t.v_mps[0] * 4.0, 16), 2);
    push_be(&mut items, clamp_i(t.v_mps[1] * 4.0, 16), 2);
    if let Some(code) = t.mode3a {
        frns.push(9);
        push_be(&mut items, i64::from(code & 0x0fff), 2);
    }
    if let Some(cs) = &t.callsign {
        frns.push(10);
        // STI 0: callsign downlinked from the target.
        items.push(0);
        let mut bits: u64 = 0;
        let chars: Vec<u8> = cs.bytes().chain(std::iter::repeat(b' ')).take(8).collect();
        for ch in chars {
            let code = ICAO_CHARS
                .iter()
                .position(|&c| c == ch.to_ascii_uppercase())
                .unwrap_or(32) as u64;
            bits = bits << 6 | code;
        }
        push_be(&mut items, bits as i64, 6);
    }
    if let Some(a) = t.address {
        frns.push(11);
        // Compound: primary subfield with only ADR.
        items.push(0x80);
        push_be(&mut items, i64::from(a & 0xff_ffff), 3);
    }
    // I062/040
    frns.push(12);
    push_be(&mut items, i64::from(t.track_number), 2);
    // I062/080: MON 0 (multisensor), SPI 0, MRH 0, SRC, CNF; then SIM 0, TSE, TSB.
    frns.push(13);
    let src_alt: u8 = if t.alt_m.is_some() { 3 } else { 0 }; // triangulation
    items.push((src_alt << 2) | (u8::from(t.tentative) << 1) | 1);
    let fx2 = u8::from(t.coasting);
    items.push((u8::from(t.last) << 6) | (u8::from(t.first) << 5) | fx2);
    if t.coasting {
        // Third octet all clear, fourth with CST.
        items.push(1);
        items.push(0x80);
    }
    if let Some(alt) = t.alt_m {
        frns.push(18);
        push_be(&mut items, clamp_i(alt / 0.3048 / 6.25, 16), 2);
    }
    if let Some(vz) = t.vz_mps {
        frns.push(20);
        push_be(&mut items, clamp_i(vz / 0.3048 * 60.0 / 6.25, 16), 2);
    }
    if t.sigma_xy_m.is_some() || t.sigma_v_mps.is_some() {
        frns.push(27);
        let prim = if t.sigma_xy_m.is_some() { 0x80 } else { 0 }
            | if t.sigma_v_mps.is_some() { 0x04 } else { 0 };
        items.push(prim);
        if let Some(s) = t.sigma_xy_m {
            push_be(&mut items, clamp_i(s[0] * 2.0, 17).clamp(0, 0xffff), 2);
            push_be(&mut items, clamp_i(s[1] * 2.0, 17).clamp(0, 0xffff), 2);
        }
        if let Some(s) = t.sigma_v_mps {
            push_be(&mut items, clamp_i(s[0] * 4.0, 9).clamp(0, 0xff), 1);
            push_be(&mut items, clamp_i(s[1] * 4.0, 9).clamp(0, 0xff), 1);
        }
    }
    // FSPEC: 7 FRNs per byte, FX on all but the last byte.
    let last = frns.iter().copied().max().unwrap_or(1);
    let nbytes = last.div_ceil(7);
    let mut fspec = vec![0u8; nbytes];
    for f in frns {
        fspec[(f - 1) / 7] |= 0x80 >> ((f - 1) % 7);
    }
    for b in fspec.iter_mut().take(nbytes - 1) {
        *b |= 1;
    }
    out.extend_from_slice(&fspec);
    out.extend_from_slice(&items);
}

/// Encodes tracks into CAT062 data blocks of at most [`MAX_BLOCK_BYTES`] each (one
/// datagram per block).
pub fn encode_blocks(src: &Source, tracks: &[SystemTrack]) -> Vec<Vec<u8>> {
    let mut blocks = Vec::new();
    let mut cur = vec![62u8, 0, 0];
    let mut rec = Vec::with_capacity(96);
    for t in tracks {
        rec.clear();
        encode_record(src, t, &mut rec);
        if cur.len() + rec.len() > MAX_BLOCK_BYTES && cur.len() > 3 {
            blocks.push(std::mem::replace(&mut cur, vec![62u8, 0, 0]));
        }
        cur.extend_from_slice(&rec);
    }
    if cur.len() > 3 {
        blocks.push(cur);
    }
    for b in &mut blocks {
        let len = b.len() as u16;
        b[1..3].copy_from_slice(&len.to_be_bytes());
    }
    blocks
}

/// A skyfence track report as a system track; `None` without a geodetic position
/// (a service with no site origin). `coasting_after_s`: a track not updated for longer
/// is marked coasting (CST).
pub fn from_report(
    r: &model::TrackReport,
    coasting_after_s: f64,
    first: bool,
) -> Option<SystemTrack> {
    let lla = r.lla?;
    let (address, callsign) = match &r.identity {
        Some(id) => (
            match id.source {
                model::IdentitySource::Adsb => u32::from_str_radix(&id.id, 16)
                    .ok()
                    .filter(|a| *a <= 0xff_ffff),
                model::IdentitySource::RemoteId => None,
            },
            id.callsign.clone(),
        ),
        None => (None, None),
    };
    let sd = |v: f64| (v.is_finite() && v >= 0.0).then(|| v.sqrt());
    let hc = &r.horizontal_cov;
    Some(SystemTrack {
        time_of_day_s: r.time_s.rem_euclid(86_400.0),
        track_number: (r.track % 65_536) as u16,
        lat_deg: lla.lat_deg(),
        lon_deg: lla.lon_deg(),
        xy_m: [r.position_m[0], r.position_m[1]],
        v_mps: [r.velocity_mps[0], r.velocity_mps[1]],
        alt_m: Some(lla.alt_m),
        vz_mps: Some(r.velocity_mps[2]),
        mode3a: None,
        callsign,
        address,
        tentative: r.status == model::TrackStatus::Tentative,
        first,
        last: false,
        coasting: r.status == model::TrackStatus::Coasting
            || r.time_s - r.last_update_s > coasting_after_s,
        sigma_xy_m: sd(r.position_cov_m2[0])
            .zip(sd(r.position_cov_m2[3]))
            .map(|(a, b)| [a, b]),
        sigma_v_mps: sd(hc[2][2]).zip(sd(hc[3][3])).map(|(a, b)| [a, b]),
    })
}
