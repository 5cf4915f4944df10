//! What the HTTP API serves: live tracks as GeoJSON, alerts and sensors as JSON.

use crate::alerts::AlertLine;
use crate::tracks::{rounded, TrackLine};
use model::{AlertReport, TrackReport};
use serde::Serialize;

#[derive(Serialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: &'static str,
    /// Longitude, latitude, height (RFC 7946 section 3.1.1: that order).
    coordinates: [f64; 3],
}

#[derive(Serialize)]
struct Feature {
    #[serde(rename = "type")]
    kind: &'static str,
    id: u64,
    geometry: Option<Geometry>,
    properties: TrackLine,
}

#[derive(Serialize)]
struct Collection<F> {
    #[serde(rename = "type")]
    kind: &'static str,
    features: Vec<F>,
}

/// Live tracks as a GeoJSON FeatureCollection (RFC 7946): one Point feature per track,
/// its `id` the track id, its properties those of a track line. A track without a
/// geodetic position (no site origin) has a null geometry.
pub fn tracks_geojson(tracks: &[TrackReport]) -> String {
    let features = tracks
        .iter()
        .map(|r| Feature {
            kind: "Feature",
            id: r.track,
            geometry: r.lla.map(|l| Geometry {
                kind: "Point",
                coordinates: [
                    rounded(l.lon_deg(), 8),
                    rounded(l.lat_deg(), 8),
                    rounded(l.alt_m, 3),
                ],
            }),
            properties: TrackLine::from(r),
        })
        .collect();
    serde_json::to_string(&Collection {
        kind: "FeatureCollection",
        features,
    })
    .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Alerts as a JSON array of alert-line objects.
pub fn alerts_json(alerts: &[AlertReport]) -> String {
    let lines: Vec<AlertLine> = alerts.iter().map(AlertLine::from).collect();
    serde_json::to_string(&lines).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// One alert as a JSON object (an alert line without its newline).
pub fn alert_json(a: &AlertReport) -> String {
    serde_json::to_string(&AlertLine::from(a)).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// One sensor's status for the API.
#[derive(Debug, Serialize)]
pub struct SensorStatusLine<'a> {
    /// Name.
    pub sensor: &'a str,
    /// Kind.
    pub kind: &'a str,
    /// Latitude, degrees, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat_deg: Option<f64>,
    /// Longitude, degrees, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon_deg: Option<f64>,
    /// Detections accepted.
    pub detections: u64,
    /// Time of its latest detection, seconds.
    pub last_report_s: Option<f64>,
    /// Seconds since then, at the picture's time.
    pub age_s: Option<f64>,
    /// Detections per second over the latest complete window.
    pub rate_per_s: f64,
    /// `ok`, `waiting`, `silent` or `rate_changed`.
    pub health: &'a str,
}

/// Sensors as a JSON array.
pub fn sensors_json(rows: &[SensorStatusLine]) -> String {
    serde_json::to_string(rows).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
