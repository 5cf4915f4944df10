//! Alert lines (JSON Lines, `docs/formats.md`).

use crate::tracks::rounded;
use model::AlertReport;
use serde::Serialize;

/// One alert line as written.
#[derive(Debug, Serialize)]
pub struct AlertLine<'a> {
    /// Time of this line, seconds.
    pub time_s: f64,
    /// Alert id.
    pub alert: u64,
    /// `border_crossing_predicted`, `border_crossed`, `protected_entry`,
    /// `airspace_violation`, `swarm`, `loitering`, `possibly_spoofed` or
    /// `sensor_health`.
    pub kind: &'static str,
    /// `new`, `updated`, `acknowledged` or `closed`.
    pub state: &'static str,
    /// 1 (act now) to 4.
    pub priority: u8,
    /// Track ids.
    pub tracks: &'a [u64],
    /// Protected or no-alert area concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area: Option<&'a str>,
    /// Sensor concerned (health alerts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensor: Option<&'a str>,
    /// Latitude, degrees (with an origin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat_deg: Option<f64>,
    /// Longitude, degrees (with an origin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon_deg: Option<f64>,
    /// East, metres.
    pub x_m: f64,
    /// North, metres.
    pub y_m: f64,
    /// Why it fired.
    pub reason: &'a str,
    /// Who acknowledged it (once someone has).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<&'a str>,
    /// When it was acknowledged, seconds (data time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged_s: Option<f64>,
}

impl<'a> From<&'a AlertReport> for AlertLine<'a> {
    fn from(a: &'a AlertReport) -> Self {
        AlertLine {
            time_s: a.time_s,
            alert: a.alert,
            kind: a.kind.as_str(),
            state: a.state.as_str(),
            priority: a.priority,
            tracks: &a.tracks,
            area: a.area.as_deref(),
            sensor: a.sensor.as_deref(),
            lat_deg: a.lla.map(|l| rounded(l.lat_deg(), 7)),
            lon_deg: a.lla.map(|l| rounded(l.lon_deg(), 7)),
            x_m: rounded(a.position_m[0], 1),
            y_m: rounded(a.position_m[1], 1),
            reason: &a.reason,
            acknowledged_by: a.acknowledged.as_ref().map(|(w, _)| w.as_str()),
            acknowledged_s: a.acknowledged.as_ref().map(|(_, t)| rounded(*t, 3)),
        }
    }
}

/// Appends one alert as a JSON line (with the newline). Alerts are few, so serde_json
/// writes them.
pub fn append_alert(buf: &mut Vec<u8>, a: &AlertReport) {
    if serde_json::to_writer(&mut *buf, &AlertLine::from(a)).is_ok() {
        buf.push(b'\n');
    }
}
