//! Writing detections and truth as JSON Lines, field by field into one buffer: the
//! simulator must produce over a million lines a second, which serde's per-field writes
//! do not allow. A test holds the output to what serde_json parses back.

/// A detection in the contract of `docs/formats.md`, as a simulator or adapter makes it.
/// Angles are degrees as on the wire. Written with fixed resolutions (a microsecond, a
/// millimetre, a microdegree, a nanodegree of latitude and longitude, a hundredth of a
/// dB), far below any sensor's noise.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DetectionRecord<'a> {
    /// Time, seconds.
    pub time_s: f64,
    /// Sensor name.
    pub sensor: &'a str,
    /// Polar: slant range, metres.
    pub range_m: Option<f64>,
    /// Polar or bearing: azimuth, degrees clockwise from north.
    pub azimuth_deg: Option<f64>,
    /// Polar or bearing: elevation, degrees.
    pub elevation_deg: Option<f64>,
    /// Range sigma, metres.
    pub sigma_range_m: Option<f64>,
    /// Azimuth sigma, degrees.
    pub sigma_azimuth_deg: Option<f64>,
    /// Elevation sigma, degrees.
    pub sigma_elevation_deg: Option<f64>,
    /// Geodetic: latitude, degrees.
    pub lat_deg: Option<f64>,
    /// Geodetic: longitude, degrees.
    pub lon_deg: Option<f64>,
    /// Geodetic: height, metres.
    pub alt_m: Option<f64>,
    /// Position sigma per axis, metres.
    pub sigma_m: Option<f64>,
    /// Cooperative identity (ICAO address, Remote ID serial).
    pub id: Option<&'a str>,
    /// The sensor's class hint.
    pub class: Option<&'a str>,
    /// Radar cross-section, dBsm.
    pub rcs_dbsm: Option<f64>,
    /// Radial velocity, m/s (positive away from the sensor).
    pub radial_velocity_mps: Option<f64>,
    /// Signal-to-noise ratio, dB.
    pub snr_db: Option<f64>,
    /// ADS-B callsign.
    pub callsign: Option<&'a str>,
    /// ADS-B: Mode A code (4 octal digits).
    pub squawk: Option<&'a str>,
    /// ADS-B: navigation integrity category of the position.
    pub nic: Option<u8>,
    /// ADS-B: navigation accuracy category for position.
    pub nac_p: Option<u8>,
    /// ADS-B: source integrity level.
    pub sil: Option<u8>,
    /// Remote ID: operator latitude, degrees.
    pub operator_lat_deg: Option<f64>,
    /// Remote ID: operator longitude, degrees.
    pub operator_lon_deg: Option<f64>,
}

/// A truth line of a simulation (written to a microsecond, a millimetre, a nanodegree).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TruthLine<'a> {
    /// Time, seconds.
    pub time_s: f64,
    /// Target name.
    pub target: &'a str,
    /// True class.
    pub class: &'a str,
    /// Kind within the class (quadcopter, shahed, ...).
    pub kind: &'a str,
    /// Latitude, longitude (degrees), height (metres).
    pub lla: [f64; 3],
    /// Site ENU position, metres.
    pub position_m: [f64; 3],
    /// Site ENU velocity, m/s.
    pub velocity_mps: [f64; 3],
    /// Whether any sensor detected it at this time.
    pub seen: bool,
    /// When the sensors looking at this time could fix its position (a ranging sensor,
    /// or two bearings crossing steeply, each with a probability of detection of at
    /// least one half), the revisit of the fastest way they could, seconds.
    pub detectable_revisit_s: Option<f64>,
    /// Whether it should raise an alert.
    pub threat: bool,
}

struct Out<'b> {
    buf: &'b mut Vec<u8>,
    f: zmij::Buffer,
    first: bool,
}

impl Out<'_> {
    fn key(&mut self, k: &str) {
        self.buf
            .extend_from_slice(if self.first { b"{\"" } else { b",\"" });
        self.first = false;
        self.buf.extend_from_slice(k.as_bytes());
        self.buf.extend_from_slice(b"\":");
    }
    fn num(&mut self, k: &str, v: f64) {
        self.key(k);
        if v.is_finite() {
            self.buf
                .extend_from_slice(self.f.format_finite(v).as_bytes());
        } else {
            self.buf.extend_from_slice(b"null");
        }
    }
    fn opt(&mut self, k: &str, v: Option<f64>) {
        if let Some(v) = v {
            self.num(k, v);
        }
    }
    /// A number with at most `decimals` decimals, written as a scaled integer: the
    /// simulator's values are already rounded to such steps (a millimetre, a
    /// nanodegree), and integer formatting is several times faster than the shortest
    /// round-trip float formatting. Parses back to the same `f64` as the rounded value.
    fn fixed(&mut self, k: &str, v: f64, decimals: u32) {
        let scale = 10f64.powi(decimals as i32);
        let scaled = (v * scale).round();
        if !scaled.is_finite() || scaled.abs() >= 9.0e15 {
            self.num(k, v);
            return;
        }
        self.key(k);
        let n = scaled as i64;
        if n < 0 {
            self.buf.push(b'-');
        }
        let m = n.unsigned_abs();
        let unit = 10u64.pow(decimals);
        let mut ib = itoa::Buffer::new();
        self.buf.extend_from_slice(ib.format(m / unit).as_bytes());
        self.buf.push(b'.');
        let mut frac = m % unit;
        if frac == 0 || decimals == 0 {
            self.buf.push(b'0');
            return;
        }
        let mut width = decimals;
        while frac.is_multiple_of(10) {
            frac /= 10;
            width -= 1;
        }
        let digits = ib.format(frac);
        for _ in digits.len() as u32..width {
            self.buf.push(b'0');
        }
        self.buf.extend_from_slice(digits.as_bytes());
    }
    fn opt_fixed(&mut self, k: &str, v: Option<f64>, decimals: u32) {
        if let Some(v) = v {
            self.fixed(k, v, decimals);
        }
    }
    fn text(&mut self, k: &str, v: &str) {
        self.key(k);
        push_json_string(self.buf, v);
    }
    fn boolean(&mut self, k: &str, v: bool) {
        self.key(k);
        self.buf
            .extend_from_slice(if v { b"true" } else { b"false" });
    }
    fn end(self) {
        self.buf
            .extend_from_slice(if self.first { b"{}\n" } else { b"}\n" });
    }
}

/// A JSON string with the escapes RFC 8259 requires.
fn push_json_string(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    for &b in s.as_bytes() {
        match b {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            0..=0x1f => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                buf.extend_from_slice(b"\\u00");
                buf.push(HEX[(b >> 4) as usize]);
                buf.push(HEX[(b & 15) as usize]);
            }
            _ => buf.push(b),
        }
    }
    buf.push(b'"');
}

/// Appends one detection line (with its newline).
pub fn append_detection(buf: &mut Vec<u8>, d: &DetectionRecord<'_>) {
    let mut o = Out {
        buf,
        f: zmij::Buffer::new(),
        first: true,
    };
    o.fixed("time_s", d.time_s, 6);
    o.text("sensor", d.sensor);
    o.opt_fixed("range_m", d.range_m, 3);
    o.opt_fixed("azimuth_deg", d.azimuth_deg, 6);
    o.opt_fixed("elevation_deg", d.elevation_deg, 6);
    o.opt("sigma_range_m", d.sigma_range_m);
    o.opt("sigma_azimuth_deg", d.sigma_azimuth_deg);
    o.opt("sigma_elevation_deg", d.sigma_elevation_deg);
    o.opt_fixed("lat_deg", d.lat_deg, 9);
    o.opt_fixed("lon_deg", d.lon_deg, 9);
    o.opt_fixed("alt_m", d.alt_m, 3);
    o.opt("sigma_m", d.sigma_m);
    if let Some(id) = d.id {
        o.text("id", id);
    }
    if let Some(c) = d.class {
        o.text("class", c);
    }
    o.opt_fixed("rcs_dbsm", d.rcs_dbsm, 2);
    o.opt_fixed("radial_velocity_mps", d.radial_velocity_mps, 3);
    o.opt_fixed("snr_db", d.snr_db, 2);
    if let Some(c) = d.callsign {
        o.text("callsign", c);
    }
    if let Some(c) = d.squawk {
        o.text("squawk", c);
    }
    for (k, v) in [("nic", d.nic), ("nac_p", d.nac_p), ("sil", d.sil)] {
        if let Some(v) = v {
            o.key(k);
            o.buf
                .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
        }
    }
    o.opt_fixed("operator_lat_deg", d.operator_lat_deg, 9);
    o.opt_fixed("operator_lon_deg", d.operator_lon_deg, 9);
    o.end();
}

/// Appends one truth line (with its newline).
pub fn append_truth(buf: &mut Vec<u8>, t: &TruthLine<'_>) {
    let mut o = Out {
        buf,
        f: zmij::Buffer::new(),
        first: true,
    };
    o.fixed("time_s", t.time_s, 6);
    o.text("target", t.target);
    o.text("class", t.class);
    o.text("kind", t.kind);
    o.fixed("lat_deg", t.lla[0], 9);
    o.fixed("lon_deg", t.lla[1], 9);
    o.fixed("alt_m", t.lla[2], 3);
    o.fixed("x_m", t.position_m[0], 3);
    o.fixed("y_m", t.position_m[1], 3);
    o.fixed("z_m", t.position_m[2], 3);
    o.fixed("vx_mps", t.velocity_mps[0], 3);
    o.fixed("vy_mps", t.velocity_mps[1], 3);
    o.fixed("vz_mps", t.velocity_mps[2], 3);
    o.boolean("seen", t.seen);
    if let Some(r) = t.detectable_revisit_s {
        o.fixed("detectable_revisit_s", r, 3);
    }
    o.boolean("threat", t.threat);
    o.end();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fixed-resolution numbers parse back (serde_json) to the value rounded to that
    /// resolution, whatever the sign and size, with trailing zeros trimmed.
    #[test]
    fn fixed_numbers_round_trip() {
        let cases = [
            (0.0, 3, "0.0"),
            (-0.0004, 3, "0.0"),
            (1234.5, 3, "1234.5"),
            (-12.0625, 3, "-12.063"),
            (0.30000000000000004, 6, "0.3"),
            (54.123456789012, 9, "54.123456789"),
            (-0.000000001, 9, "-0.000000001"),
            (7.0e20, 3, "7e+20"),
        ];
        for (v, d, want) in cases {
            let mut buf = Vec::new();
            let mut o = Out {
                buf: &mut buf,
                f: zmij::Buffer::new(),
                first: true,
            };
            o.fixed("v", v, d);
            o.end();
            let text = String::from_utf8(buf.clone()).unwrap();
            assert_eq!(text, format!("{{\"v\":{want}}}\n"), "{v} at {d}");
            let back: serde_json::Value = serde_json::from_slice(&buf).unwrap();
            let scale = 10f64.powi(d as i32);
            let rounded = (v * scale).round() / scale;
            assert_eq!(
                back["v"].as_f64().unwrap(),
                if rounded.abs() < 9e15 / scale {
                    rounded
                } else {
                    v
                }
            );
        }
    }

    /// An independent parser (serde_json) reads back exactly what was written,
    /// including a name that needs escaping.
    #[test]
    fn detection_round_trip() {
        let mut buf = Vec::new();
        append_detection(
            &mut buf,
            &DetectionRecord {
                time_s: 12.5,
                sensor: "rad\"ar\n1",
                range_m: Some(1234.5),
                azimuth_deg: Some(359.9),
                elevation_deg: Some(-0.25),
                id: Some("ABC123"),
                rcs_dbsm: Some(-20.0),
                ..Default::default()
            },
        );
        assert_eq!(buf.last(), Some(&b'\n'));
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["sensor"], "rad\"ar\n1");
        assert_eq!(v["range_m"], 1234.5);
        assert_eq!(v["elevation_deg"], -0.25);
        assert_eq!(v["id"], "ABC123");
        assert!(v.get("lat_deg").is_none());
        let mut buf = Vec::new();
        append_truth(
            &mut buf,
            &TruthLine {
                time_s: 1.0,
                target: "q\u{1}",
                class: "drone",
                kind: "quadcopter",
                lla: [54.0, 25.0, 100.0],
                seen: true,
                detectable_revisit_s: Some(1.0),
                ..Default::default()
            },
        );
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["target"], "q\u{1}");
        assert_eq!(v["seen"], true);
        assert_eq!(v["detectable_revisit_s"], 1.0);
        assert_eq!(v["threat"], false);
    }
}
