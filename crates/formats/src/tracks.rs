use model::{Class, TrackReport};
use serde::Serialize;

/// Class probabilities as written: rounded to 0.001, which is all an operator reads and
/// keeps lines short.
#[derive(Debug, Serialize)]
pub struct ClassProbLine {
    /// Multirotor drone.
    pub drone_rotary: f64,
    /// Fixed-wing drone.
    pub drone_fixed_wing: f64,
    /// Bird.
    pub bird: f64,
    /// Manned aircraft.
    pub aircraft: f64,
    /// Balloon.
    pub balloon: f64,
    /// Clutter or not yet known.
    pub unknown: f64,
}

/// One piece of evidence behind a class.
#[derive(Debug, Serialize)]
pub struct EvidenceLine {
    /// Its name (`speed`, `rcs`, `rf_emission`, ...).
    pub evidence: &'static str,
    /// How much it favours the class over the runner-up: a log-likelihood ratio in nats,
    /// rounded to 0.01.
    pub weight_nats: f64,
}

/// A cooperative identity as written.
#[derive(Debug, Serialize)]
pub struct IdentityLine {
    /// ICAO address or Remote ID serial.
    pub id: String,
    /// `adsb` or `remote_id`.
    pub source: &'static str,
    /// ADS-B callsign.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callsign: Option<String>,
    /// Remote ID operator latitude, degrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator_lat_deg: Option<f64>,
    /// Remote ID operator longitude, degrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator_lon_deg: Option<f64>,
}

pub(crate) fn round_to(v: f64, scale: f64) -> f64 {
    (v * scale).round() / scale
}

/// Decimal places written. Metres, m/s and m² to the millimetre: the best sensors
/// measure to decimetres, and seventeen significant digits made lines three times
/// longer (and the writing a fifth of a short run) for nothing a reader could use.
const MM: usize = 3;
/// Degrees to 1e-8 (about a millimetre on the ground).
const DEG: usize = 8;
/// Probability of existence to 1e-6 (confirmation and deletion thresholds are read to
/// a few digits).
const EXISTENCE: usize = 6;
/// Class probabilities to 0.001, all an operator reads.
const PROB: usize = 3;
/// Evidence weights to 0.01 nats.
const NATS: usize = 2;

const POW10: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// `v` rounded to `decimals` (at most 8) places: the value a line carries.
pub(crate) fn rounded(v: f64, decimals: usize) -> f64 {
    round_to(v, POW10[decimals.min(8)] as f64)
}

/// A length, speed or area as written.
fn mm(v: f64) -> f64 {
    rounded(v, MM)
}

/// Appends `v` rounded to `decimals` (at most 8) places, byte for byte as serde_json
/// prints [`rounded`]`(v, decimals)`.
///
/// Hand-written because general float printing (finding the shortest digits that read
/// back to the same f64) was a tenth of a short run: a value already rounded to a few
/// decimals is printed exactly by its integer digits. That holds while the f64 spacing
/// near the value is far below one unit of the last decimal and
/// the value is printed without an exponent (not below 1e-3); elsewhere the general
/// printer runs. Tests compare it with serde_json.
fn push_rounded(buf: &mut Vec<u8>, f: &mut zmij::Buffer, v: f64, decimals: usize) {
    let decimals = decimals.min(8);
    let unit = POW10[decimals];
    let scale = unit as f64;
    let k = (v * scale).round();
    let r = k / scale;
    if !r.is_finite() {
        buf.extend_from_slice(b"null");
        return;
    }
    let (a, n) = (r.abs(), k.abs());
    // Below 2^50 units the integer is exact and the f64 spacing near `r` is under a
    // quarter of the last decimal, so no other decimal of as few places reads back as
    // `r`: its shortest digits are these.
    if !((a >= 1e-3 || a == 0.0) && n < 1.0e15) {
        buf.extend_from_slice(f.format_finite(r).as_bytes());
        return;
    }
    if r.is_sign_negative() {
        buf.push(b'-');
    }
    let n = n as u64;
    let (int, frac) = (n / unit, n % unit);
    buf.extend_from_slice(itoa::Buffer::new().format(int).as_bytes());
    buf.push(b'.');
    if frac == 0 {
        buf.push(b'0');
        return;
    }
    let mut digits = [b'0'; 8];
    let mut x = frac;
    for d in digits[..decimals].iter_mut().rev() {
        *d = b'0' + (x % 10) as u8;
        x /= 10;
    }
    let mut len = decimals;
    while len > 1 && digits[len - 1] == b'0' {
        len -= 1;
    }
    buf.extend_from_slice(&digits[..len]);
}

/// One line of track output (`docs/formats.md`).
#[derive(Debug, Serialize)]
pub struct TrackLine {
    /// Report time, seconds.
    pub time_s: f64,
    /// Track id.
    pub track: u64,
    /// `confirmed` or `coasting`.
    pub status: &'static str,
    /// East, metres.
    pub x_m: f64,
    /// North, metres.
    pub y_m: f64,
    /// Up, metres.
    pub z_m: f64,
    /// East velocity, m/s.
    pub vx_mps: f64,
    /// North velocity, m/s.
    pub vy_mps: f64,
    /// Up velocity, m/s.
    pub vz_mps: f64,
    /// Standard deviation of east, metres.
    pub sigma_x_m: f64,
    /// Standard deviation of north, metres.
    pub sigma_y_m: f64,
    /// Standard deviation of up, metres.
    pub sigma_z_m: f64,
    /// Position covariance, upper triangle: xx, xy, xz, yy, yz, zz (m^2).
    pub cov_m2: [f64; 6],
    /// Latitude, degrees (with an origin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat_deg: Option<f64>,
    /// Longitude, degrees (with an origin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon_deg: Option<f64>,
    /// Height above the WGS-84 ellipsoid, metres (with an origin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt_m: Option<f64>,
    /// Probability of existence.
    pub existence: f64,
    /// Detections that updated the track.
    pub updates: u32,
    /// Time of the last update, seconds.
    pub last_update_s: f64,
    /// The class (`drone_rotary`, `drone_fixed_wing`, `bird`, `aircraft`, `balloon`,
    /// `unknown`).
    pub class: &'static str,
    /// Probability of each class.
    pub class_prob: ClassProbLine,
    /// The evidence that most favours the leading class, strongest first.
    pub class_evidence: Vec<EvidenceLine>,
    /// Who vouches for the track, or null.
    pub identity: Option<IdentityLine>,
    /// Identity warnings (`possibly_spoofed`, `non_cooperative`, ...).
    pub flags: Vec<&'static str>,
}

impl From<&TrackReport> for TrackLine {
    fn from(r: &TrackReport) -> Self {
        let c = r.position_cov_m2;
        Self {
            time_s: r.time_s,
            track: r.track,
            status: r.status.as_str(),
            x_m: mm(r.position_m[0]),
            y_m: mm(r.position_m[1]),
            z_m: mm(r.position_m[2]),
            vx_mps: mm(r.velocity_mps[0]),
            vy_mps: mm(r.velocity_mps[1]),
            vz_mps: mm(r.velocity_mps[2]),
            sigma_x_m: mm(c[0].max(0.0).sqrt()),
            sigma_y_m: mm(c[3].max(0.0).sqrt()),
            sigma_z_m: mm(c[5].max(0.0).sqrt()),
            cov_m2: c.map(mm),
            lat_deg: r.lla.map(|l| rounded(l.lat_deg(), DEG)),
            lon_deg: r.lla.map(|l| rounded(l.lon_deg(), DEG)),
            alt_m: r.lla.map(|l| mm(l.alt_m)),
            existence: rounded(r.existence, EXISTENCE),
            updates: r.updates,
            last_update_s: r.last_update_s,
            class: r.classification.class.as_str(),
            class_prob: class_prob_line(r),
            class_evidence: evidence_lines(r),
            identity: identity_line(r),
            flags: r.flags.names().collect(),
        }
    }
}

/// A report's class probabilities as written.
pub(crate) fn class_prob_line(r: &TrackReport) -> ClassProbLine {
    let p = |c: Class| rounded(r.classification.probabilities[c.index()], PROB);
    ClassProbLine {
        drone_rotary: p(Class::DroneRotary),
        drone_fixed_wing: p(Class::DroneFixedWing),
        bird: p(Class::Bird),
        aircraft: p(Class::Aircraft),
        balloon: p(Class::Balloon),
        unknown: p(Class::Unknown),
    }
}

/// A report's class evidence as written, strongest first.
pub(crate) fn evidence_lines(r: &TrackReport) -> Vec<EvidenceLine> {
    r.classification
        .evidence
        .iter()
        .flatten()
        .map(|(e, w)| EvidenceLine {
            evidence: e.as_str(),
            weight_nats: rounded(*w, NATS),
        })
        .collect()
}

/// A report's cooperative identity as written.
pub(crate) fn identity_line(r: &TrackReport) -> Option<IdentityLine> {
    r.identity.as_ref().map(|i| IdentityLine {
        id: i.id.clone(),
        source: i.source.as_str(),
        callsign: i.callsign.clone(),
        operator_lat_deg: i.operator_deg.map(|o| o[0]),
        operator_lon_deg: i.operator_deg.map(|o| o[1]),
    })
}

/// Writes one track report as a JSON line (with the newline).
pub fn write_track<W: std::io::Write>(w: &mut W, r: &TrackReport) -> std::io::Result<()> {
    let mut line = Vec::with_capacity(512);
    append_track(&mut line, r);
    w.write_all(&line)
}

/// Appends one track report as a JSON line (with the newline) to `buf`.
///
/// Byte-identical to serialising [`TrackLine`] with serde_json (a test holds it to
/// that), but written field by field into one buffer: on short runs output was a
/// tenth of the whole process, most of it serde's many small writes.
pub fn append_track(buf: &mut Vec<u8>, r: &TrackReport) {
    // Field values exactly as `TrackLine::from` computes them, without its allocations.
    let c = r.position_cov_m2;
    let mut f = zmij::Buffer::new();
    let mut num = |buf: &mut Vec<u8>, key: &[u8], v: f64| {
        buf.extend_from_slice(key);
        // serde_json writes non-finite numbers as null.
        if v.is_finite() {
            buf.extend_from_slice(f.format_finite(v).as_bytes());
        } else {
            buf.extend_from_slice(b"null");
        }
    };
    let mut g = zmij::Buffer::new();
    let mut fixed = |buf: &mut Vec<u8>, key: &[u8], v: f64, decimals: usize| {
        buf.extend_from_slice(key);
        push_rounded(buf, &mut g, v, decimals);
    };
    num(buf, b"{\"time_s\":", r.time_s);
    buf.extend_from_slice(b",\"track\":");
    buf.extend_from_slice(itoa::Buffer::new().format(r.track).as_bytes());
    buf.extend_from_slice(b",\"status\":\"");
    // Status names are fixed ASCII words, so they need no escaping.
    buf.extend_from_slice(r.status.as_str().as_bytes());
    buf.push(b'"');
    fixed(buf, b",\"x_m\":", r.position_m[0], MM);
    fixed(buf, b",\"y_m\":", r.position_m[1], MM);
    fixed(buf, b",\"z_m\":", r.position_m[2], MM);
    fixed(buf, b",\"vx_mps\":", r.velocity_mps[0], MM);
    fixed(buf, b",\"vy_mps\":", r.velocity_mps[1], MM);
    fixed(buf, b",\"vz_mps\":", r.velocity_mps[2], MM);
    fixed(buf, b",\"sigma_x_m\":", c[0].max(0.0).sqrt(), MM);
    fixed(buf, b",\"sigma_y_m\":", c[3].max(0.0).sqrt(), MM);
    fixed(buf, b",\"sigma_z_m\":", c[5].max(0.0).sqrt(), MM);
    for (i, v) in c.iter().enumerate() {
        fixed(buf, if i == 0 { b",\"cov_m2\":[" } else { b"," }, *v, MM);
    }
    buf.push(b']');
    if let Some(l) = r.lla {
        fixed(buf, b",\"lat_deg\":", l.lat_deg(), DEG);
        fixed(buf, b",\"lon_deg\":", l.lon_deg(), DEG);
        fixed(buf, b",\"alt_m\":", l.alt_m, MM);
    }
    fixed(buf, b",\"existence\":", r.existence, EXISTENCE);
    buf.extend_from_slice(b",\"updates\":");
    buf.extend_from_slice(itoa::Buffer::new().format(r.updates).as_bytes());
    num(buf, b",\"last_update_s\":", r.last_update_s);
    // Class, evidence and flag names are fixed ASCII words: no escaping needed.
    let k = &r.classification;
    buf.extend_from_slice(b",\"class\":\"");
    buf.extend_from_slice(k.class.as_str().as_bytes());
    let keys: [&[u8]; Class::COUNT] = [
        b"\",\"class_prob\":{\"drone_rotary\":",
        b",\"drone_fixed_wing\":",
        b",\"bird\":",
        b",\"aircraft\":",
        b",\"balloon\":",
        b",\"unknown\":",
    ];
    for (key, c) in keys.iter().zip(Class::ALL) {
        fixed(buf, key, k.probabilities[c.index()], PROB);
    }
    buf.extend_from_slice(b"},\"class_evidence\":[");
    for (i, (e, w)) in k.evidence.iter().flatten().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(b"{\"evidence\":\"");
        buf.extend_from_slice(e.as_str().as_bytes());
        fixed(buf, b"\",\"weight_nats\":", *w, NATS);
        buf.push(b'}');
    }
    buf.extend_from_slice(b"],\"identity\":");
    match &r.identity {
        // Identities carry strings from the input, which may need escaping: serde_json
        // writes them (rare, so its cost does not matter).
        Some(_) => {
            let line = TrackLine::from(r);
            if serde_json::to_writer(&mut *buf, &line.identity).is_err() {
                buf.extend_from_slice(b"null");
            }
        }
        None => buf.extend_from_slice(b"null"),
    }
    buf.extend_from_slice(b",\"flags\":[");
    for (i, f) in r.flags.names().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.push(b'"');
        buf.extend_from_slice(f.as_bytes());
        buf.push(b'"');
    }
    buf.extend_from_slice(b"]}\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The integer-digit printer against serde_json's printing of the rounded value,
    /// at the edges of its range and across every decimal count used.
    #[test]
    fn rounded_numbers_print_as_serde_json_does() {
        let mut values = vec![
            0.0,
            -0.0,
            1e-3,
            9.99e-4,
            1.5e-3,
            -4e-4,
            5e-4,
            0.1,
            0.15,
            0.3,
            1.0,
            -1.0,
            2.5,
            1e9,
            999_999_999.999_4,
            -999_999_999.999_6,
            1e15,
            123.456789123,
            45.12345678,
            -179.99999999,
            0.999_999_5,
            1e-8,
            5e-9,
            3e-7,
            f64::MAX,
            f64::MIN_POSITIVE,
        ];
        // A deterministic spread of magnitudes and digits.
        let mut x = 0.123_456_789_f64;
        for i in 0..4000 {
            x = (x * 7.31 + 0.377).fract();
            let mag = 10f64.powi((i % 24) - 10);
            values.push(if i % 2 == 0 { x * mag } else { -x * mag });
        }
        let mut f = zmij::Buffer::new();
        for v in values {
            for d in [2, 3, 6, 8] {
                let mut got = Vec::new();
                push_rounded(&mut got, &mut f, v, d);
                let want = serde_json::to_string(&rounded(v, d)).unwrap();
                assert_eq!(String::from_utf8_lossy(&got), want, "{v} to {d} decimals");
            }
        }
    }
}
