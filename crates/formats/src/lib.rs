//! File and wire formats. The only crate that serialises: detections in (JSON Lines,
//! see `docs/formats.md`), sensors files, track reports out, and the reference
//! `mtt-bench-scenario` files used to compare against Stone Soup.
//!
//! Parsing never panics on input: every problem is a [`ParseError`] naming the line and,
//! where there is one, the field.
#![deny(missing_docs)]

mod alerts;
mod cot;
mod detections;
mod flat;
mod live;
mod mtt;
mod planfiles;
mod records;
mod sensors;
mod simout;
mod sitefiles;
mod tracks;
mod zonefile;

pub use alerts::{append_alert, AlertLine};
pub use cot::{cot_alert_event, cot_track_event, cot_type, Affiliation};
pub use detections::DetectionParser;
pub use live::{
    alert_json, alerts_json, sensors_json, tracks_geojson, FeedClass, FeedMessage, SensorStatusLine,
};
pub use mtt::{MttDetection, MttHeader, MttScan, MttScenario, MttTruth};
pub use planfiles::{parse_border_file, plan_geojson, BorderFile, PlanFeature};
pub use records::{
    parse_alert_line, parse_recording, parse_recordings, parse_track_line, parse_truth_line,
    AlertRecord, Position, TrackRecord, TruthRecord,
};
pub use sensors::parse_sensors;
pub use simout::{append_detection, append_truth, DetectionRecord, TruthLine as SimTruthLine};
pub use sitefiles::{sensors_file, site_geojson, SensorLine, SiteFeature};
pub use tracks::{append_track, write_track, TrackLine};
pub use zonefile::{parse_zones, ZoneFileError, ZoneSet};

/// A problem with one line of input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}{}: {message}", field.as_ref().map(|f| format!(", field `{f}`")).unwrap_or_default())]
pub struct ParseError {
    /// 1-based line number.
    pub line: u64,
    /// The offending field, when one is to blame.
    pub field: Option<String>,
    /// What is wrong and, where possible, how to fix it.
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(line: u64, field: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            line,
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }
}

/// When a JSON line fails typed parsing, finds which known field has the wrong type so
/// the error can name it (serde_json's own message names only a column).
pub(crate) fn blame_field(
    line: &[u8],
    line_no: u64,
    numeric: &[&str],
    strings: &[&str],
    err: &dyn std::fmt::Display,
) -> ParseError {
    let v: serde_json::Value = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(e) => return ParseError::new(line_no, None, format!("not valid JSON: {e}")),
    };
    let Some(obj) = v.as_object() else {
        return ParseError::new(line_no, None, "expected a JSON object");
    };
    for f in numeric {
        if let Some(x) = obj.get(*f) {
            if !x.is_number() && !x.is_null() {
                return ParseError::new(line_no, Some(f), format!("expected a number, got {x}"));
            }
        }
    }
    for f in strings {
        if let Some(x) = obj.get(*f) {
            if !x.is_string() && !x.is_null() {
                return ParseError::new(line_no, Some(f), format!("expected a string, got {x}"));
            }
        }
    }
    ParseError::new(line_no, None, format!("{err}"))
}
