//! Writing detections and truth as JSON Lines, field by field into one buffer: the
//! simulator must produce over a million lines a second, which serde's per-field writes
//! do not allow. A test holds the output to what serde_json parses back.

/// A detection in the contract of `docs/formats.md`, as a simulator or adapter makes it.
/// Angles are degrees as on the wire.
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
    /// Remote ID: operator latitude, degrees.
    pub operator_lat_deg: Option<f64>,
    /// Remote ID: operator longitude, degrees.
    pub operator_lon_deg: Option<f64>,
}

/// A truth line of a simulation.
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
    o.num("time_s", d.time_s);
    o.text("sensor", d.sensor);
    o.opt("range_m", d.range_m);
    o.opt("azimuth_deg", d.azimuth_deg);
    o.opt("elevation_deg", d.elevation_deg);
    o.opt("sigma_range_m", d.sigma_range_m);
    o.opt("sigma_azimuth_deg", d.sigma_azimuth_deg);
    o.opt("sigma_elevation_deg", d.sigma_elevation_deg);
    o.opt("lat_deg", d.lat_deg);
    o.opt("lon_deg", d.lon_deg);
    o.opt("alt_m", d.alt_m);
    o.opt("sigma_m", d.sigma_m);
    if let Some(id) = d.id {
        o.text("id", id);
    }
    if let Some(c) = d.class {
        o.text("class", c);
    }
    o.opt("rcs_dbsm", d.rcs_dbsm);
    o.opt("radial_velocity_mps", d.radial_velocity_mps);
    o.opt("snr_db", d.snr_db);
    o.opt("operator_lat_deg", d.operator_lat_deg);
    o.opt("operator_lon_deg", d.operator_lon_deg);
    o.end();
}

/// Appends one truth line (with its newline).
pub fn append_truth(buf: &mut Vec<u8>, t: &TruthLine<'_>) {
    let mut o = Out {
        buf,
        f: zmij::Buffer::new(),
        first: true,
    };
    o.num("time_s", t.time_s);
    o.text("target", t.target);
    o.text("class", t.class);
    o.text("kind", t.kind);
    o.num("lat_deg", t.lla[0]);
    o.num("lon_deg", t.lla[1]);
    o.num("alt_m", t.lla[2]);
    o.num("x_m", t.position_m[0]);
    o.num("y_m", t.position_m[1]);
    o.num("z_m", t.position_m[2]);
    o.num("vx_mps", t.velocity_mps[0]);
    o.num("vy_mps", t.velocity_mps[1]);
    o.num("vz_mps", t.velocity_mps[2]);
    o.boolean("seen", t.seen);
    o.boolean("threat", t.threat);
    o.end();
}

#[cfg(test)]
mod tests {
    use super::*;

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
                ..Default::default()
            },
        );
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["target"], "q\u{1}");
        assert_eq!(v["seen"], true);
        assert_eq!(v["threat"], false);
    }
}
