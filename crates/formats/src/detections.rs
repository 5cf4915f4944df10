use crate::flat::{self, Value};
use crate::{blame_field, ParseError};
use geodesy::Lla;
use model::{Attributes, Detection, Measurement, Sensor, SensorIndex, SensorTable};
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize, Debug, Default, PartialEq)]
struct Raw<'a> {
    time_s: Option<f64>,
    #[serde(borrow)]
    sensor: Option<Cow<'a, str>>,
    x_m: Option<f64>,
    y_m: Option<f64>,
    z_m: Option<f64>,
    sigma_m: Option<f64>,
    lat_deg: Option<f64>,
    lon_deg: Option<f64>,
    alt_m: Option<f64>,
    range_m: Option<f64>,
    azimuth_deg: Option<f64>,
    elevation_deg: Option<f64>,
    sigma_range_m: Option<f64>,
    sigma_azimuth_deg: Option<f64>,
    sigma_elevation_deg: Option<f64>,
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    class: Option<Cow<'a, str>>,
    rcs_dbsm: Option<f64>,
    radial_velocity_mps: Option<f64>,
    snr_db: Option<f64>,
    #[serde(borrow)]
    callsign: Option<Cow<'a, str>>,
    operator_lat_deg: Option<f64>,
    operator_lon_deg: Option<f64>,
}

const NUMERIC: &[&str] = &[
    "time_s",
    "x_m",
    "y_m",
    "z_m",
    "sigma_m",
    "lat_deg",
    "lon_deg",
    "alt_m",
    "range_m",
    "azimuth_deg",
    "elevation_deg",
    "sigma_range_m",
    "sigma_azimuth_deg",
    "sigma_elevation_deg",
    "rcs_dbsm",
    "radial_velocity_mps",
    "snr_db",
    "operator_lat_deg",
    "operator_lon_deg",
];
const STRINGS: &[&str] = &["sensor", "id", "class", "callsign"];

/// The [`Raw`] of a line in the common flat shape, by the hand-written scanner (see
/// `flat.rs`); `None` for any other shape, including everything serde would refuse
/// (a duplicate known key, a known key with a value of the wrong type).
fn scan_flat(line: &[u8]) -> Option<Raw<'_>> {
    // Where a key's value goes, and the key's bit for duplicate detection.
    enum Field<'r, 'a> {
        Number(&'r mut Option<f64>),
        Text(&'r mut Option<Cow<'a, str>>),
    }
    let mut raw = Raw::default();
    let mut seen = 0u32;
    flat::scan(line, |key, value| {
        use Field::{Number as N, Text as T};
        let r = &mut raw;
        let (bit, field) = match key {
            b"time_s" => (0, N(&mut r.time_s)),
            b"x_m" => (1, N(&mut r.x_m)),
            b"y_m" => (2, N(&mut r.y_m)),
            b"z_m" => (3, N(&mut r.z_m)),
            b"sigma_m" => (4, N(&mut r.sigma_m)),
            b"lat_deg" => (5, N(&mut r.lat_deg)),
            b"lon_deg" => (6, N(&mut r.lon_deg)),
            b"alt_m" => (7, N(&mut r.alt_m)),
            b"range_m" => (8, N(&mut r.range_m)),
            b"azimuth_deg" => (9, N(&mut r.azimuth_deg)),
            b"elevation_deg" => (10, N(&mut r.elevation_deg)),
            b"sigma_range_m" => (11, N(&mut r.sigma_range_m)),
            b"sigma_azimuth_deg" => (12, N(&mut r.sigma_azimuth_deg)),
            b"sigma_elevation_deg" => (13, N(&mut r.sigma_elevation_deg)),
            b"rcs_dbsm" => (14, N(&mut r.rcs_dbsm)),
            b"radial_velocity_mps" => (15, N(&mut r.radial_velocity_mps)),
            b"snr_db" => (16, N(&mut r.snr_db)),
            b"operator_lat_deg" => (17, N(&mut r.operator_lat_deg)),
            b"operator_lon_deg" => (18, N(&mut r.operator_lon_deg)),
            b"sensor" => (19, T(&mut r.sensor)),
            b"id" => (20, T(&mut r.id)),
            b"class" => (21, T(&mut r.class)),
            b"callsign" => (22, T(&mut r.callsign)),
            // Unknown fields are ignored, as serde ignores them.
            _ => return Some(()),
        };
        // A repeated known key (even after a null) is serde's "duplicate field".
        if seen & (1u32 << bit) != 0 {
            return None;
        }
        seen |= 1u32 << bit;
        match (value, field) {
            (Value::Null, _) => Some(()),
            (Value::Number(text), N(slot)) => {
                let v: f64 = text.parse().ok()?;
                // Overflow to infinity is the general parser's to report.
                v.is_finite().then(|| *slot = Some(v))
            }
            (Value::Text(text), T(slot)) => {
                *slot = Some(Cow::Borrowed(text));
                Some(())
            }
            // A value of the wrong type: the general parser explains it.
            _ => None,
        }
    })?;
    Some(raw)
}

// Plausibility bounds: values beyond them are almost always wrong units (kilometres
// for metres, radians for degrees in a sigma) and are refused with a hint.
const MAX_CARTESIAN_M: f64 = 5_000_000.0;
const MAX_RANGE_M: f64 = 2_000_000.0;
const MAX_SIGMA_M: f64 = 100_000.0;
const MAX_SIGMA_DEG: f64 = 90.0;

/// Parses detection lines (the contract in `docs/formats.md`) into [`Detection`]s.
///
/// Holds the sensor table: sensors named in detections but absent from the sensors file
/// are added as kind `other` with no position, so Cartesian and geodetic detections from
/// them are accepted while polar and bearing ones are refused.
#[derive(Debug, Clone, Default)]
pub struct DetectionParser {
    sensors: SensorTable,
    /// The sensor of the previous line: consecutive lines usually share it, and this
    /// skips a hash lookup per line.
    last: Option<(String, SensorIndex)>,
}

fn finite(line: u64, field: &str, v: Option<f64>) -> Result<Option<f64>, ParseError> {
    match v {
        Some(x) if !x.is_finite() => {
            Err(ParseError::new(line, Some(field), "is not a finite number"))
        }
        _ => Ok(v),
    }
}

fn required(line: u64, field: &str, v: Option<f64>, why: &str) -> Result<f64, ParseError> {
    v.ok_or_else(|| ParseError::new(line, Some(field), format!("is required {why}")))
}

fn sigma(
    line: u64,
    field: &str,
    v: Option<f64>,
    default: Option<f64>,
    max: f64,
    unit: &str,
) -> Result<f64, ParseError> {
    let s = match v.or(default) {
        Some(s) => s,
        None => {
            return Err(ParseError::new(
                line,
                Some(field),
                "is required (give it on the detection or as a default in the sensors file)",
            ))
        }
    };
    if !(s > 0.0) {
        return Err(ParseError::new(
            line,
            Some(field),
            format!("must be positive, got {s}"),
        ));
    }
    if s > max {
        return Err(ParseError::new(
            line,
            Some(field),
            format!("{s} {unit} is implausibly large; check the units"),
        ));
    }
    Ok(s)
}

impl DetectionParser {
    /// A parser that knows the given sensors.
    pub fn new(sensors: SensorTable) -> Self {
        Self {
            sensors,
            last: None,
        }
    }

    /// Adds a sensor the table does not know yet (one that announced itself, such as
    /// a SAPIENT node reporting its location); a known name is left as it is, since
    /// the tracker holds its context. Returns its index.
    pub fn add_sensor(&mut self, sensor: model::Sensor) -> model::SensorIndex {
        match self.sensors.find(&sensor.name) {
            Some(i) => i,
            None => self.sensors.insert(sensor),
        }
    }

    /// The sensor table, including sensors first met in detections.
    pub fn sensors(&self) -> &SensorTable {
        &self.sensors
    }

    /// Parses one line (without its newline). Blank lines give `Ok(None)`.
    pub fn parse_line(
        &mut self,
        line: &[u8],
        line_no: u64,
    ) -> Result<Option<Detection>, ParseError> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        let (raw, all_finite) = match scan_flat(line) {
            // The scanner takes finite numbers only.
            Some(raw) => (raw, true),
            // Other shapes go through sonic-rs; a failure is explained with serde_json.
            None => (
                sonic_rs::from_slice(line)
                    .map_err(|e| blame_field(line, line_no, NUMERIC, STRINGS, &e))?,
                false,
            ),
        };
        if !all_finite {
            for (name, v) in [
                ("time_s", raw.time_s),
                ("x_m", raw.x_m),
                ("y_m", raw.y_m),
                ("z_m", raw.z_m),
                ("sigma_m", raw.sigma_m),
                ("lat_deg", raw.lat_deg),
                ("lon_deg", raw.lon_deg),
                ("alt_m", raw.alt_m),
                ("range_m", raw.range_m),
                ("azimuth_deg", raw.azimuth_deg),
                ("elevation_deg", raw.elevation_deg),
                ("rcs_dbsm", raw.rcs_dbsm),
                ("radial_velocity_mps", raw.radial_velocity_mps),
                ("snr_db", raw.snr_db),
                ("operator_lat_deg", raw.operator_lat_deg),
                ("operator_lon_deg", raw.operator_lon_deg),
            ] {
                finite(line_no, name, v)?;
            }
        }
        let operator_deg = match (raw.operator_lat_deg, raw.operator_lon_deg) {
            (Some(lat), Some(lon)) => {
                if !(-90.0..=90.0).contains(&lat) {
                    return Err(ParseError::new(
                        line_no,
                        Some("operator_lat_deg"),
                        format!("{lat} is outside [-90, 90]"),
                    ));
                }
                if !(-180.0..=360.0).contains(&lon) {
                    return Err(ParseError::new(
                        line_no,
                        Some("operator_lon_deg"),
                        format!("{lon} is not a longitude in degrees"),
                    ));
                }
                Some([lat, lon])
            }
            (None, None) => None,
            (Some(_), None) => {
                return Err(ParseError::new(
                    line_no,
                    Some("operator_lon_deg"),
                    "is required with operator_lat_deg",
                ))
            }
            (None, Some(_)) => {
                return Err(ParseError::new(
                    line_no,
                    Some("operator_lat_deg"),
                    "is required with operator_lon_deg",
                ))
            }
        };
        let time_s = required(line_no, "time_s", raw.time_s, "on every detection")?;
        let name = match raw.sensor.as_deref() {
            Some(s) if !s.trim().is_empty() => s,
            Some(_) => {
                return Err(ParseError::new(
                    line_no,
                    Some("sensor"),
                    "must not be empty",
                ))
            }
            None => {
                return Err(ParseError::new(
                    line_no,
                    Some("sensor"),
                    "is required on every detection",
                ))
            }
        };
        let sensor = match &self.last {
            Some((n, i)) if n == name => *i,
            _ => {
                let i = match self.sensors.find(name) {
                    Some(i) => i,
                    None => self.sensors.insert(Sensor::unnamed_kind(name)),
                };
                self.last = Some((name.to_owned(), i));
                i
            }
        };
        let Some(info) = self.sensors.get(sensor) else {
            return Err(ParseError::new(
                line_no,
                Some("sensor"),
                "sensor table is inconsistent",
            ));
        };
        let cart = raw.x_m.is_some() || raw.y_m.is_some();
        let geo = raw.lat_deg.is_some() || raw.lon_deg.is_some();
        let angular = raw.azimuth_deg.is_some() || raw.range_m.is_some();
        let forms = usize::from(cart) + usize::from(geo) + usize::from(angular);
        if forms == 0 {
            return Err(ParseError::new(
                line_no,
                None,
                "no measurement: give x_m/y_m, lat_deg/lon_deg, range_m/azimuth_deg, or azimuth_deg alone",
            ));
        }
        if forms > 1 {
            return Err(ParseError::new(line_no, None, "mixes measurement forms: give exactly one of Cartesian, geodetic, polar or bearing"));
        }
        let measurement = if cart {
            let x_m = required(line_no, "x_m", raw.x_m, "with y_m")?;
            let y_m = required(line_no, "y_m", raw.y_m, "with x_m")?;
            for (f, v) in [("x_m", Some(x_m)), ("y_m", Some(y_m)), ("z_m", raw.z_m)] {
                if let Some(v) = v {
                    if v.abs() > MAX_CARTESIAN_M {
                        return Err(ParseError::new(
                            line_no,
                            Some(f),
                            format!("{v} m is beyond 5,000 km from the origin; check the units"),
                        ));
                    }
                }
            }
            let sigma_m = sigma(
                line_no,
                "sigma_m",
                raw.sigma_m,
                info.sigma_m,
                MAX_SIGMA_M,
                "m",
            )?;
            Measurement::Cartesian {
                x_m,
                y_m,
                z_m: raw.z_m,
                sigma_m,
            }
        } else if geo {
            let lat = required(line_no, "lat_deg", raw.lat_deg, "with lon_deg")?;
            let lon = required(line_no, "lon_deg", raw.lon_deg, "with lat_deg")?;
            let lla = Lla::try_from_degrees(lat, lon, raw.alt_m.unwrap_or(0.0)).map_err(|e| {
                let f = match e {
                    geodesy::GeodesyError::Latitude(_) => "lat_deg",
                    geodesy::GeodesyError::Longitude(_) => "lon_deg",
                    _ => "alt_m",
                };
                ParseError::new(line_no, Some(f), e.to_string())
            })?;
            let sigma_m = sigma(
                line_no,
                "sigma_m",
                raw.sigma_m,
                info.sigma_m,
                MAX_SIGMA_M,
                "m",
            )?;
            Measurement::Geodetic {
                lla,
                has_alt: raw.alt_m.is_some(),
                sigma_m,
            }
        } else {
            if info.position.is_none() {
                return Err(ParseError::new(
                    line_no,
                    Some("sensor"),
                    format!("sensor `{name}` has no position: polar and bearing detections need it in the sensors file (--sensors)"),
                ));
            }
            let az = required(line_no, "azimuth_deg", raw.azimuth_deg, "with range_m")?;
            if !(-360.0..=720.0).contains(&az) {
                return Err(ParseError::new(
                    line_no,
                    Some("azimuth_deg"),
                    format!("{az} is not an azimuth in degrees"),
                ));
            }
            let azimuth_rad = geodesy::wrap_two_pi(az.to_radians());
            let sigma_azimuth_rad = sigma(
                line_no,
                "sigma_azimuth_deg",
                raw.sigma_azimuth_deg,
                info.sigma_azimuth_rad.map(f64::to_degrees),
                MAX_SIGMA_DEG,
                "deg",
            )?
            .to_radians();
            let (elevation_rad, sigma_elevation_rad) = match raw.elevation_deg {
                Some(e) => {
                    if !(-90.0..=90.0).contains(&e) {
                        return Err(ParseError::new(
                            line_no,
                            Some("elevation_deg"),
                            format!("{e} is outside [-90, 90]"),
                        ));
                    }
                    let s = sigma(
                        line_no,
                        "sigma_elevation_deg",
                        raw.sigma_elevation_deg,
                        info.sigma_elevation_rad.map(f64::to_degrees),
                        MAX_SIGMA_DEG,
                        "deg",
                    )?;
                    (Some(e.to_radians()), Some(s.to_radians()))
                }
                None => (None, None),
            };
            match raw.range_m {
                Some(range_m) => {
                    if !(0.0..=MAX_RANGE_M).contains(&range_m) {
                        return Err(ParseError::new(
                            line_no,
                            Some("range_m"),
                            format!("{range_m} m is not a range in metres"),
                        ));
                    }
                    let sigma_range_m = sigma(
                        line_no,
                        "sigma_range_m",
                        raw.sigma_range_m,
                        info.sigma_range_m,
                        MAX_SIGMA_M,
                        "m",
                    )?;
                    Measurement::Polar {
                        range_m,
                        azimuth_rad,
                        elevation_rad,
                        sigma_range_m,
                        sigma_azimuth_rad,
                        sigma_elevation_rad,
                    }
                }
                None => Measurement::Bearing {
                    azimuth_rad,
                    elevation_rad,
                    sigma_azimuth_rad,
                    sigma_elevation_rad,
                },
            }
        };
        let attributes = if raw.id.is_some()
            || raw.class.is_some()
            || raw.rcs_dbsm.is_some()
            || raw.radial_velocity_mps.is_some()
            || raw.snr_db.is_some()
            || raw.callsign.is_some()
            || operator_deg.is_some()
        {
            Some(Box::new(Attributes {
                id: raw.id.map(Cow::into_owned),
                class_hint: raw.class.map(Cow::into_owned),
                rcs_dbsm: raw.rcs_dbsm,
                radial_velocity_mps: raw.radial_velocity_mps,
                snr_db: raw.snr_db,
                callsign: raw.callsign.map(Cow::into_owned),
                operator_deg,
            }))
        } else {
            None
        };
        Ok(Some(Detection {
            time_s,
            sensor,
            measurement,
            attributes,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Keys the contract knows, one it does not, and one it knows as text.
    const KEYS: &[&str] = &[
        "time_s",
        "x_m",
        "y_m",
        "sigma_m",
        "range_m",
        "azimuth_deg",
        "rcs_dbsm",
        "snr_db",
        "sensor",
        "id",
        "class",
        "callsign",
        "vendor_x",
    ];

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => any::<f64>().prop_filter("finite", |v| v.is_finite()).prop_map(|v| serde_json::to_string(&v).unwrap_or_default()),
            2 => (-100_000i64..100_000).prop_map(|v| v.to_string()),
            1 => Just("null".to_string()),
            // Strings, some with escapes or non-ASCII text.
            3 => "[a-zA-Z0-9 _\\-é\"\\\\]{0,10}".prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
            1 => Just("1e999".to_string()),
            1 => Just("[1,2]".to_string()),
        ]
    }

    proptest! {
        /// Whatever the scanner accepts, the general parser accepts and reads the same
        /// way; and plain lines (no escapes, no duplicate or mistyped keys, no nesting)
        /// are all taken by the scanner.
        #[test]
        fn scanner_agrees_with_the_general_parser(
            fields in proptest::collection::vec((0..KEYS.len(), value(), " {0,2}"), 0..8)
        ) {
            let body: Vec<String> = fields
                .iter()
                .map(|(k, v, ws)| format!("{ws}\"{}\"{ws}:{ws}{v}", KEYS[*k]))
                .collect();
            let line = format!("{{{}}}", body.join(","));
            let general: Result<Raw<'_>, _> = sonic_rs::from_slice(line.as_bytes());
            match scan_flat(line.as_bytes()) {
                Some(fast) => {
                    let general = general.map_err(|e| e.to_string());
                    prop_assert_eq!(Ok(fast), general);
                }
                None => {
                    let mut keys: Vec<usize> = fields.iter().map(|f| f.0).collect();
                    keys.sort_unstable();
                    let dup = keys.windows(2).any(|w| w[0] == w[1] && w[0] != KEYS.len() - 1);
                    let plain = fields.iter().all(|(k, v, _)| {
                        let text_key = (8..12).contains(k);
                        let is_text = v.starts_with('"');
                        let simple = !v.contains('\\') && v.is_ascii() && v != "1e999" && !v.starts_with('[');
                        simple && (v == "null" || *k == KEYS.len() - 1 || text_key == is_text)
                    });
                    prop_assert!(dup || !plain, "scanner refused a plain line: {}", line);
                }
            }
        }
    }
}
