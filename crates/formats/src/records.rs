//! Lines that evaluation reads: truth, track reports (skyfence's or another tracker's)
//! and alerts. Only the fields scoring needs are read; others are ignored.
use crate::{blame_field, ParseError};
use serde::Deserialize;

/// A position as a line gives it: local Cartesian, geodetic, or both.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Position {
    /// East, north, up metres about the file's origin, when given.
    pub local_m: Option<[f64; 3]>,
    /// Latitude and longitude in degrees and height in metres, when given.
    pub geodetic: Option<[f64; 3]>,
}

/// Target names are strings or integers in the wild; both are kept as text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(untagged)]
enum Name {
    Text(String),
    Int(i64),
}

impl Name {
    fn into_string(self) -> String {
        match self {
            Name::Text(s) => s,
            Name::Int(i) => i.to_string(),
        }
    }
}

#[derive(Deserialize)]
struct RawTruth {
    time_s: Option<f64>,
    target: Option<Name>,
    class: Option<String>,
    seen: Option<bool>,
    detectable_revisit_s: Option<f64>,
    threat: Option<bool>,
    #[serde(flatten)]
    pos: RawPos,
}

#[derive(Deserialize)]
struct RawTrack {
    time_s: Option<f64>,
    track: Option<u64>,
    class: Option<String>,
    #[serde(flatten)]
    pos: RawPos,
}

#[derive(Deserialize)]
struct RawAlert {
    time_s: Option<f64>,
    alert: Option<u64>,
    track: Option<u64>,
    tracks: Option<Vec<u64>>,
    state: Option<String>,
}

#[derive(Deserialize)]
struct RawPos {
    x_m: Option<f64>,
    y_m: Option<f64>,
    z_m: Option<f64>,
    lat_deg: Option<f64>,
    lon_deg: Option<f64>,
    alt_m: Option<f64>,
}

const NUMERIC: &[&str] = &[
    "time_s",
    "track",
    "alert",
    "x_m",
    "y_m",
    "z_m",
    "lat_deg",
    "lon_deg",
    "alt_m",
    "detectable_revisit_s",
];
const STRINGS: &[&str] = &["class", "state"];

/// One truth line: `time_s`, `target`, a position (`x_m`/`y_m`[/`z_m`] or
/// `lat_deg`/`lon_deg`[/`alt_m`]), and optionally `class`, `seen` (a sensor detected
/// the target at this time), `detectable_revisit_s` and `threat` (the target should
/// raise an alert).
#[derive(Debug, Clone, PartialEq)]
pub struct TruthRecord {
    /// Time, seconds.
    pub time_s: f64,
    /// Target name.
    pub target: String,
    /// Position.
    pub position: Position,
    /// True class, if given.
    pub class: Option<String>,
    /// Whether a sensor detected the target at this time, if given.
    pub seen: Option<bool>,
    /// When the sensors looking at this time could fix the target's position, the
    /// revisit of the fastest way they could, seconds (`skyfence sim` writes it).
    pub detectable_revisit_s: Option<f64>,
    /// Whether the target is a threat, if given.
    pub threat: Option<bool>,
}

/// One track line: `time_s`, `track`, a position, and optionally `class`.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackRecord {
    /// Time, seconds.
    pub time_s: f64,
    /// Track id.
    pub track: u64,
    /// Position.
    pub position: Position,
    /// Class the track carries, if any.
    pub class: Option<String>,
}

/// One alert line as scoring needs it: `time_s`, the alert's id, the `tracks` it
/// concerns and its `state` (a line with a single `track` and no id is also taken).
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRecord {
    /// Time of the line, seconds.
    pub time_s: f64,
    /// Alert id, if the line has one.
    pub alert: Option<u64>,
    /// Track ids.
    pub tracks: Vec<u64>,
    /// `new`, `updated`, `acknowledged` or `closed`, if given.
    pub state: Option<String>,
}

fn parse<'a, T: Deserialize<'a>>(line: &'a str, line_no: u64) -> Result<T, ParseError> {
    serde_json::from_str(line)
        .map_err(|e| blame_field(line.as_bytes(), line_no, NUMERIC, STRINGS, &e))
}

fn time(line_no: u64, t: Option<f64>) -> Result<f64, ParseError> {
    match t {
        Some(t) if t.is_finite() => Ok(t),
        Some(_) => Err(ParseError::new(
            line_no,
            Some("time_s"),
            "is not a finite number",
        )),
        None => Err(ParseError::new(
            line_no,
            Some("time_s"),
            "is required on every line",
        )),
    }
}

fn position(line_no: u64, p: &RawPos) -> Result<Position, ParseError> {
    let finite = |name: &str, v: Option<f64>| -> Result<Option<f64>, ParseError> {
        match v {
            Some(x) if !x.is_finite() => Err(ParseError::new(
                line_no,
                Some(name),
                "is not a finite number",
            )),
            _ => Ok(v),
        }
    };
    let (x, y, z) = (
        finite("x_m", p.x_m)?,
        finite("y_m", p.y_m)?,
        finite("z_m", p.z_m)?,
    );
    let (lat, lon, alt) = (
        finite("lat_deg", p.lat_deg)?,
        finite("lon_deg", p.lon_deg)?,
        finite("alt_m", p.alt_m)?,
    );
    let local_m = match (x, y) {
        (Some(x), Some(y)) => Some([x, y, z.unwrap_or(0.0)]),
        (None, None) => None,
        (Some(_), None) => {
            return Err(ParseError::new(
                line_no,
                Some("y_m"),
                "is required with x_m",
            ))
        }
        (None, Some(_)) => {
            return Err(ParseError::new(
                line_no,
                Some("x_m"),
                "is required with y_m",
            ))
        }
    };
    let geodetic = match (lat, lon) {
        (Some(lat), Some(lon)) => {
            if !(-90.0..=90.0).contains(&lat) {
                return Err(ParseError::new(
                    line_no,
                    Some("lat_deg"),
                    format!("{lat} is outside -90..90"),
                ));
            }
            Some([lat, lon, alt.unwrap_or(0.0)])
        }
        (None, None) => None,
        (Some(_), None) => {
            return Err(ParseError::new(
                line_no,
                Some("lon_deg"),
                "is required with lat_deg",
            ))
        }
        (None, Some(_)) => {
            return Err(ParseError::new(
                line_no,
                Some("lat_deg"),
                "is required with lon_deg",
            ))
        }
    };
    if local_m.is_none() && geodetic.is_none() {
        return Err(ParseError::new(
            line_no,
            None,
            "needs a position: x_m and y_m, or lat_deg and lon_deg",
        ));
    }
    Ok(Position { local_m, geodetic })
}

/// Parses one truth line (without its newline). Blank lines give `Ok(None)`.
pub fn parse_truth_line(line: &str, line_no: u64) -> Result<Option<TruthRecord>, ParseError> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let r: RawTruth = parse(line, line_no)?;
    let target = r
        .target
        .ok_or_else(|| ParseError::new(line_no, Some("target"), "is required on every line"))?
        .into_string();
    Ok(Some(TruthRecord {
        time_s: time(line_no, r.time_s)?,
        target,
        position: position(line_no, &r.pos)?,
        class: r.class,
        seen: r.seen,
        detectable_revisit_s: match r.detectable_revisit_s {
            Some(v) if !(v.is_finite() && v > 0.0) => {
                return Err(ParseError::new(
                    line_no,
                    Some("detectable_revisit_s"),
                    "must be a positive number of seconds",
                ))
            }
            v => v,
        },
        threat: r.threat,
    }))
}

/// Parses one track line (without its newline). Blank lines give `Ok(None)`.
pub fn parse_track_line(line: &str, line_no: u64) -> Result<Option<TrackRecord>, ParseError> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let r: RawTrack = parse(line, line_no)?;
    Ok(Some(TrackRecord {
        time_s: time(line_no, r.time_s)?,
        track: r
            .track
            .ok_or_else(|| ParseError::new(line_no, Some("track"), "is required on every line"))?,
        position: position(line_no, &r.pos)?,
        class: r.class,
    }))
}

/// Parses one alert line (without its newline). Blank lines give `Ok(None)`.
pub fn parse_alert_line(line: &str, line_no: u64) -> Result<Option<AlertRecord>, ParseError> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let r: RawAlert = parse(line, line_no)?;
    let tracks = match (r.tracks, r.track) {
        (Some(t), _) if !t.is_empty() => t,
        (_, Some(t)) => vec![t],
        _ => {
            return Err(ParseError::new(
                line_no,
                Some("tracks"),
                "is required on every line (a non-empty list of track ids)",
            ))
        }
    };
    Ok(Some(AlertRecord {
        time_s: time(line_no, r.time_s)?,
        alert: r.alert,
        tracks,
        state: r.state,
    }))
}

#[derive(Deserialize)]
struct RawRecorded {
    t: Option<f64>,
    id: Option<Name>,
    lat: Option<f64>,
    lon: Option<f64>,
    alt_m: Option<f64>,
}

/// Recorded trajectories (the ../shared/realdata format: `t`, `id`, `lat`, `lon`,
/// `alt_m` per line) by id, each as `[t, lat, lon, alt_m]` in time order with repeated
/// times dropped. Lines lacking one of those numbers (a decoder's gap) are skipped;
/// a line that is not JSON is an error.
pub fn parse_recordings(
    text: &str,
) -> Result<std::collections::BTreeMap<String, Vec<[f64; 4]>>, ParseError> {
    let mut by_id: std::collections::BTreeMap<String, Vec<[f64; 4]>> = Default::default();
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let r: RawRecorded = serde_json::from_str(line)
            .map_err(|e| blame_field(line.as_bytes(), n, &["t", "lat", "lon", "alt_m"], &[], &e))?;
        let (Some(id), Some(t), Some(lat), Some(lon), Some(alt)) =
            (r.id, r.t, r.lat, r.lon, r.alt_m)
        else {
            continue;
        };
        if [t, lat, lon, alt].iter().all(|v| v.is_finite()) {
            by_id
                .entry(id.into_string())
                .or_default()
                .push([t, lat, lon, alt]);
        }
    }
    for pts in by_id.values_mut() {
        pts.sort_by(|a, b| a[0].total_cmp(&b[0]));
        pts.dedup_by(|b, a| a[0] == b[0]);
    }
    Ok(by_id)
}

/// The points of one `id` of a recorded-trajectory file (see [`parse_recordings`]).
pub fn parse_recording(text: &str, id: &str) -> Result<Vec<[f64; 4]>, ParseError> {
    Ok(parse_recordings(text)?.remove(id).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truth_lines() {
        let t = parse_truth_line(
            r#"{"time_s":1.5,"target":7,"x_m":10,"y_m":-2,"class":"bird","seen":true,"extra":[1,2]}"#,
            1,
        )
        .unwrap()
        .unwrap();
        assert_eq!(t.target, "7");
        assert_eq!(t.position.local_m, Some([10.0, -2.0, 0.0]));
        assert_eq!(t.class.as_deref(), Some("bird"));
        assert_eq!(t.seen, Some(true));
        assert_eq!(t.detectable_revisit_s, None);
        let d = parse_truth_line(
            r#"{"time_s":1,"target":"a","x_m":0,"y_m":0,"detectable_revisit_s":2.5}"#,
            1,
        )
        .unwrap()
        .unwrap();
        assert_eq!(d.detectable_revisit_s, Some(2.5));
        let e = parse_truth_line(
            r#"{"time_s":1,"target":"a","x_m":0,"y_m":0,"detectable_revisit_s":-1}"#,
            4,
        )
        .unwrap_err();
        assert!(e.to_string().contains("detectable_revisit_s"), "{e}");
        let g = parse_truth_line(
            r#"{"time_s":0,"target":"a","lat_deg":54.1,"lon_deg":25.2,"alt_m":300}"#,
            2,
        )
        .unwrap()
        .unwrap();
        assert_eq!(g.position.geodetic, Some([54.1, 25.2, 300.0]));
        assert!(parse_truth_line("  ", 3).unwrap().is_none());
    }

    #[test]
    fn bad_lines_name_the_field() {
        let e = parse_truth_line(r#"{"time_s":1,"target":"a","x_m":1}"#, 4).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (4, Some("y_m")));
        let e = parse_track_line(r#"{"time_s":"soon","track":1,"x_m":1,"y_m":2}"#, 5).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("time_s"));
        let e = parse_track_line(r#"{"time_s":1,"x_m":1,"y_m":2}"#, 6).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("track"));
        let e = parse_truth_line(r#"{"time_s":1,"target":"a"}"#, 7).unwrap_err();
        assert!(e.message.contains("needs a position"));
        let e = parse_alert_line("{not json", 8).unwrap_err();
        assert_eq!(e.line, 8);
        assert!(
            parse_truth_line(r#"{"time_s":1,"target":"a","lat_deg":95,"lon_deg":0}"#, 9).is_err()
        );
    }
}
