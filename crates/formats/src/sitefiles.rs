//! Files that describe a site rather than a stream: the sensors file (JSON Lines, read
//! back by [`crate::parse_sensors`]) and GeoJSON of the border, zones and sensors.
use geodesy::Lla;
use serde::Serialize;

/// One sensor line of a sensors file (`docs/formats.md`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensorLine {
    /// Name, as detections carry it.
    pub sensor: String,
    /// Kind (`radar`, `passive_rf`, `acoustic`, `eoir`, `adsb`, `remoteid`).
    pub kind: String,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Height above the ellipsoid, metres.
    pub alt_m: f64,
    /// Instrumented range, metres.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_range_m: Option<f64>,
    /// Default range sigma, metres.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sigma_range_m: Option<f64>,
    /// Default azimuth sigma, degrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sigma_azimuth_deg: Option<f64>,
    /// Default elevation sigma, degrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sigma_elevation_deg: Option<f64>,
    /// Default position sigma, metres.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sigma_m: Option<f64>,
}

#[derive(Serialize)]
struct OriginOut {
    lat_deg: f64,
    lon_deg: f64,
    alt_m: f64,
}

/// A sensors file: the site origin line, then one line per sensor.
pub fn sensors_file(origin: Option<Lla>, sensors: &[SensorLine]) -> String {
    let mut out = String::new();
    if let Some(o) = origin {
        // Degrees come back from radians with a last-digit wobble; a nanodegree is 0.1 mm.
        let r = |v: f64| (v * 1e9).round() / 1e9;
        let line = serde_json::json!({"origin": OriginOut { lat_deg: r(o.lat_deg()), lon_deg: r(o.lon_deg()), alt_m: o.alt_m }});
        out.push_str(&line.to_string());
        out.push('\n');
    }
    for s in sensors {
        // Serialising plain numbers and strings cannot fail.
        if let Ok(line) = serde_json::to_string(s) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// A feature of a site map.
#[derive(Debug, Clone, PartialEq)]
pub enum SiteFeature {
    /// The border, `[lat, lon]` points, with our side.
    Border {
        /// Vertices.
        points: Vec<[f64; 2]>,
        /// `left` or `right`.
        ours: &'static str,
    },
    /// A zone as a closed ring of `[lat, lon]`.
    Zone {
        /// Name.
        name: String,
        /// Ring (first point repeated last).
        ring: Vec<[f64; 2]>,
        /// Altitude band, metres above the site.
        min_alt_m: f64,
        /// Top of the band.
        max_alt_m: f64,
    },
    /// A sensor.
    Sensor {
        /// Name.
        name: String,
        /// Kind.
        kind: &'static str,
        /// `[lat, lon]`.
        at: [f64; 2],
    },
}

/// GeoJSON FeatureCollection (RFC 7946: coordinates are `[lon, lat]`).
pub fn site_geojson(name: &str, features: &[SiteFeature]) -> String {
    let ll = |p: &[f64; 2]| serde_json::json!([p[1], p[0]]);
    let feats: Vec<serde_json::Value> = features
        .iter()
        .map(|f| match f {
            SiteFeature::Border { points, ours } => serde_json::json!({
                "type": "Feature",
                "properties": {"kind": "border", "own_side": ours},
                "geometry": {"type": "LineString", "coordinates": points.iter().map(ll).collect::<Vec<_>>()},
            }),
            SiteFeature::Zone { name, ring, min_alt_m, max_alt_m } => serde_json::json!({
                "type": "Feature",
                "properties": {"kind": "protected", "name": name, "min_alt_m": min_alt_m, "max_alt_m": max_alt_m},
                "geometry": {"type": "Polygon", "coordinates": [ring.iter().map(ll).collect::<Vec<_>>()]},
            }),
            SiteFeature::Sensor { name, kind, at } => serde_json::json!({
                "type": "Feature",
                "properties": {"kind": "sensor", "name": name, "sensor_kind": kind},
                "geometry": {"type": "Point", "coordinates": ll(at)},
            }),
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "name": name, "features": feats}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What is written is read back by the sensors-file parser, origin included.
    #[test]
    fn sensors_file_round_trip() {
        let origin = Lla::try_from_degrees(54.1, 25.2, 150.0).unwrap();
        let text = sensors_file(
            Some(origin),
            &[SensorLine {
                sensor: "r1".into(),
                kind: "radar".into(),
                lat_deg: 54.2,
                lon_deg: 25.3,
                alt_m: 160.0,
                max_range_m: Some(8000.0),
                sigma_range_m: Some(5.0),
                sigma_azimuth_deg: Some(0.5),
                sigma_elevation_deg: Some(1.0),
                sigma_m: None,
            }],
        );
        let table = crate::parse_sensors(&text).unwrap();
        let o = table.origin().unwrap();
        assert!((o.lat_deg() - 54.1).abs() < 1e-12 && (o.alt_m - 150.0).abs() < 1e-9);
        let s = table.get(table.find("r1").unwrap()).unwrap();
        assert_eq!(s.max_range_m, Some(8000.0));
        assert!((s.sigma_azimuth_rad.unwrap() - 0.5f64.to_radians()).abs() < 1e-15);
    }
}
