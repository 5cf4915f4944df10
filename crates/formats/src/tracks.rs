use model::TrackReport;
use serde::Serialize;

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
}

impl From<&TrackReport> for TrackLine {
    fn from(r: &TrackReport) -> Self {
        let c = r.position_cov_m2;
        Self {
            time_s: r.time_s,
            track: r.track,
            status: r.status.as_str(),
            x_m: r.position_m[0],
            y_m: r.position_m[1],
            z_m: r.position_m[2],
            vx_mps: r.velocity_mps[0],
            vy_mps: r.velocity_mps[1],
            vz_mps: r.velocity_mps[2],
            sigma_x_m: c[0].max(0.0).sqrt(),
            sigma_y_m: c[3].max(0.0).sqrt(),
            sigma_z_m: c[5].max(0.0).sqrt(),
            cov_m2: c,
            lat_deg: r.lla.map(|l| l.lat_deg()),
            lon_deg: r.lla.map(|l| l.lon_deg()),
            alt_m: r.lla.map(|l| l.alt_m),
            existence: r.existence,
            updates: r.updates,
            last_update_s: r.last_update_s,
        }
    }
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
    let l = TrackLine::from(r);
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
    num(buf, b"{\"time_s\":", l.time_s);
    buf.extend_from_slice(b",\"track\":");
    buf.extend_from_slice(itoa::Buffer::new().format(l.track).as_bytes());
    buf.extend_from_slice(b",\"status\":\"");
    // Status names are fixed ASCII words, so they need no escaping.
    buf.extend_from_slice(l.status.as_bytes());
    buf.push(b'"');
    num(buf, b",\"x_m\":", l.x_m);
    num(buf, b",\"y_m\":", l.y_m);
    num(buf, b",\"z_m\":", l.z_m);
    num(buf, b",\"vx_mps\":", l.vx_mps);
    num(buf, b",\"vy_mps\":", l.vy_mps);
    num(buf, b",\"vz_mps\":", l.vz_mps);
    num(buf, b",\"sigma_x_m\":", l.sigma_x_m);
    num(buf, b",\"sigma_y_m\":", l.sigma_y_m);
    num(buf, b",\"sigma_z_m\":", l.sigma_z_m);
    for (i, c) in l.cov_m2.iter().enumerate() {
        num(buf, if i == 0 { b",\"cov_m2\":[" } else { b"," }, *c);
    }
    buf.push(b']');
    if let Some(v) = l.lat_deg {
        num(buf, b",\"lat_deg\":", v);
    }
    if let Some(v) = l.lon_deg {
        num(buf, b",\"lon_deg\":", v);
    }
    if let Some(v) = l.alt_m {
        num(buf, b",\"alt_m\":", v);
    }
    num(buf, b",\"existence\":", l.existence);
    buf.extend_from_slice(b",\"updates\":");
    buf.extend_from_slice(itoa::Buffer::new().format(l.updates).as_bytes());
    num(buf, b",\"last_update_s\":", l.last_update_s);
    buf.extend_from_slice(b"}\n");
}
