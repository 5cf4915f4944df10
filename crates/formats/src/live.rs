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
    /// Instrumented range, metres, when stated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_range_m: Option<f64>,
    /// Detections accepted.
    pub detections: u64,
    /// Time of its latest detection, seconds.
    pub last_report_s: Option<f64>,
    /// Seconds since then, at the picture's time.
    pub age_s: Option<f64>,
    /// Detections per second over the latest complete window.
    pub rate_per_s: f64,
    /// `ok`, `waiting`, `silent`, `fault` (the sensor reports one) or `rate_changed`.
    pub health: &'a str,
}

/// Sensors as a JSON array.
pub fn sensors_json(rows: &[SensorStatusLine]) -> String {
    serde_json::to_string(rows).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Where a track is, for the map page's feed (`docs/map.md`, WebSocket): sent whenever
/// the track has a newer report. Short names keep a picture of thousands of tracks a
/// second small.
#[derive(Serialize)]
struct FeedTrack {
    id: u64,
    /// Report time, seconds.
    t: f64,
    lat: Option<f64>,
    lon: Option<f64>,
    alt: Option<f64>,
    /// East, north, up velocity, m/s.
    v: [f64; 3],
    /// Horizontal position standard deviation, metres.
    sh: f64,
    /// `coasting` when no sensor has updated it lately; left out while confirmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
}

/// What a track is, who vouches for it, and how sure the tracker is of it.
#[derive(Serialize)]
pub struct FeedClass {
    class: &'static str,
    class_prob: crate::tracks::ClassProbLine,
    class_evidence: Vec<crate::tracks::EvidenceLine>,
    identity: Option<crate::tracks::IdentityLine>,
    flags: Vec<&'static str>,
    existence: f64,
    /// Sensors that updated the track in the last [`FeedClass::SENSORS_WINDOW_S`].
    sensors: Vec<String>,
}

impl FeedClass {
    /// How recent a sensor's contribution must be to be listed, seconds.
    pub const SENSORS_WINDOW_S: f64 = 60.0;

    /// The class part of a track report; `sensor_name` names a sensor by its index.
    pub fn of<'n>(
        r: &TrackReport,
        sensor_name: impl Fn(model::SensorIndex) -> Option<&'n str>,
    ) -> Self {
        Self {
            class: r.classification.class.as_str(),
            class_prob: crate::tracks::class_prob_line(r),
            class_evidence: crate::tracks::evidence_lines(r),
            identity: crate::tracks::identity_line(r),
            flags: r.flags.names().collect(),
            // Existence moves in the sixth decimal every scan; two are what a person
            // reads, and they keep unchanged tracks out of the feed.
            existence: rounded(r.existence, 2),
            sensors: r
                .seen_by
                .iter()
                .filter(|(_, t)| r.time_s - t <= Self::SENSORS_WINDOW_S)
                .filter_map(|(s, _)| sensor_name(s).map(str::to_owned))
                .collect(),
        }
    }

    /// What a person would see change, as a hash: the class, identity, flags and
    /// sensors, and probabilities and evidence weights to a tenth. The class part is
    /// sent again only when this changes: the exact figures move a little with every
    /// scan, and resending them for thousands of tracks a second would triple the feed.
    pub fn key(&self) -> u64 {
        use std::fmt::Write;
        use std::hash::{Hash, Hasher};
        let p = &self.class_prob;
        let mut k = String::with_capacity(160);
        let _ = write!(
            k,
            "{}|{:.1},{:.1},{:.1},{:.1},{:.1},{:.1}|{:.1}|",
            self.class,
            p.drone_rotary,
            p.drone_fixed_wing,
            p.bird,
            p.aircraft,
            p.balloon,
            p.unknown,
            self.existence
        );
        for e in &self.class_evidence {
            let _ = write!(k, "{}:{:.1},", e.evidence, e.weight_nats);
        }
        if let Some(i) = &self.identity {
            let _ = write!(k, "|{}:{}:{:?}", i.source, i.id, i.callsign);
        }
        let _ = write!(k, "|{}|{}", self.flags.join(","), self.sensors.join(","));
        let mut h = std::collections::hash_map::DefaultHasher::new();
        k.hash(&mut h);
        h.finish()
    }
}

/// One message of the map page's feed: a whole picture (`snapshot`) or what changed
/// since the previous message (`delta`). Built piece by piece, since the server
/// decides per client which tracks and alerts it still needs.
pub struct FeedMessage {
    buf: Vec<u8>,
    tracks: usize,
    alerts: usize,
}

impl FeedMessage {
    /// Starts a message of `kind` (`snapshot` or `delta`) for picture time `time_s`.
    pub fn new(kind: &str, time_s: f64) -> Self {
        let mut buf = Vec::with_capacity(4096);
        buf.extend_from_slice(b"{\"type\":");
        let _ = serde_json::to_writer(&mut buf, kind);
        buf.extend_from_slice(b",\"time_s\":");
        let _ = serde_json::to_writer(&mut buf, &rounded(time_s, 3));
        buf.extend_from_slice(b",\"tracks\":[");
        Self {
            buf,
            tracks: 0,
            alerts: 0,
        }
    }

    /// Adds a track, with its class part when given. Tracks come before everything
    /// else.
    pub fn track(&mut self, r: &TrackReport, class: Option<&FeedClass>) {
        if self.tracks > 0 {
            self.buf.push(b',');
        }
        self.tracks += 1;
        let c = r.position_cov_m2;
        let t = FeedTrackOut {
            track: FeedTrack {
                id: r.track,
                t: rounded(r.time_s, 3),
                // 1e-6 degrees is about 0.1 m: far below any track's uncertainty.
                lat: r.lla.map(|l| rounded(l.lat_deg(), 6)),
                lon: r.lla.map(|l| rounded(l.lon_deg(), 6)),
                alt: r.lla.map(|l| rounded(l.alt_m, 0)),
                v: r.velocity_mps.map(|v| rounded(v, 1)),
                sh: rounded(((c[0] + c[3]) / 2.0).max(0.0).sqrt(), 1),
                status: (r.status != model::TrackStatus::Confirmed).then(|| r.status.as_str()),
            },
            c: class.map(|k| FeedClassWithUpdates {
                k,
                updates: r.updates,
            }),
        };
        let _ = serde_json::to_writer(&mut self.buf, &t);
    }

    /// Lists tracks that ended, then opens the alert list.
    pub fn removed_tracks(&mut self, ids: &[u64]) {
        self.buf.extend_from_slice(b"],\"removed\":");
        let _ = serde_json::to_writer(&mut self.buf, ids);
        self.buf.extend_from_slice(b",\"alerts\":[");
    }

    /// Adds an alert (after [`FeedMessage::removed_tracks`]).
    pub fn alert(&mut self, a: &AlertReport) {
        if self.alerts > 0 {
            self.buf.push(b',');
        }
        self.alerts += 1;
        let _ = serde_json::to_writer(&mut self.buf, &AlertLine::from(a));
    }

    /// Lists alerts no longer held, then the sensors when given.
    pub fn finish(
        mut self,
        removed_alerts: &[u64],
        sensors: Option<&[SensorStatusLine]>,
    ) -> String {
        self.buf.extend_from_slice(b"],\"removed_alerts\":");
        let _ = serde_json::to_writer(&mut self.buf, removed_alerts);
        if let Some(s) = sensors {
            self.buf.extend_from_slice(b",\"sensors\":");
            let _ = serde_json::to_writer(&mut self.buf, s);
        }
        self.buf.push(b'}');
        String::from_utf8(self.buf).unwrap_or_default()
    }

    /// Tracks added so far.
    pub fn track_count(&self) -> usize {
        self.tracks
    }
}

#[derive(Serialize)]
struct FeedClassWithUpdates<'a> {
    #[serde(flatten)]
    k: &'a FeedClass,
    updates: u32,
}

/// A track in the feed: where it is, and what it is and who vouches for it only when
/// that changed since the client last heard it.
#[derive(Serialize)]
struct FeedTrackOut<'a> {
    #[serde(flatten)]
    track: FeedTrack,
    #[serde(skip_serializing_if = "Option::is_none")]
    c: Option<FeedClassWithUpdates<'a>>,
}
