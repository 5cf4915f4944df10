//! The planner's files: the border file it reads (a GeoJSON LineString Feature with
//! `own_side`, `docs/planning.md`) and the placement GeoJSON it writes (sensors, the
//! border, and a per-kilometre coverage layer the map page can draw).
use crate::tracks::round_to as round;
use serde_json::Value;

/// A border as the planner reads it, in geodetic degrees.
#[derive(Debug, Clone, PartialEq)]
pub struct BorderFile {
    /// `name` property, if any.
    pub name: Option<String>,
    /// Vertices, `[lat_deg, lon_deg]`.
    pub points_deg: Vec<[f64; 2]>,
    /// Our side is on the left looking along the points.
    pub ours_left: bool,
    /// `depth_m`: how deep behind the border sensors may stand, metres.
    pub depth_m: Option<f64>,
    /// `min_depth_m`: the least standoff behind the border, metres.
    pub min_depth_m: Option<f64>,
}

/// Reads a border file: a GeoJSON Feature whose geometry is a LineString, or a
/// FeatureCollection holding exactly one such Feature with `kind` `border` (or one
/// LineString only). Every problem is reported at once.
pub fn parse_border_file(text: &str) -> Result<BorderFile, Vec<String>> {
    let v: Value = serde_json::from_str(text).map_err(|e| vec![format!("not JSON: {e}")])?;
    let feature = match v.get("type").and_then(Value::as_str) {
        Some("Feature") => &v,
        Some("FeatureCollection") => {
            let feats = v
                .get("features")
                .and_then(Value::as_array)
                .ok_or_else(|| vec!["a FeatureCollection needs `features`".to_string()])?;
            let lines: Vec<&Value> = feats
                .iter()
                .filter(|f| {
                    f.pointer("/geometry/type").and_then(Value::as_str) == Some("LineString")
                })
                .collect();
            let borders: Vec<&Value> = lines
                .iter()
                .copied()
                .filter(|f| f.pointer("/properties/kind").and_then(Value::as_str) == Some("border"))
                .collect();
            match (borders.as_slice(), lines.as_slice()) {
                ([one], _) | ([], [one]) => *one,
                ([], []) => {
                    return Err(vec![
                        "the file has no LineString Feature for the border".into()
                    ])
                }
                _ => {
                    return Err(vec![
                    "the file has several LineStrings: mark the border's with \"kind\": \"border\""
                        .into(),
                ])
                }
            }
        }
        other => {
            return Err(vec![format!(
                "expected a GeoJSON Feature or FeatureCollection, got type {}",
                other.unwrap_or("nothing")
            )])
        }
    };
    let mut problems = Vec::new();
    let props = feature.get("properties").cloned().unwrap_or(Value::Null);
    let ours_left = match props.get("own_side").and_then(Value::as_str) {
        Some("left") => true,
        Some("right") => false,
        other => {
            problems.push(format!(
                "property `own_side` must be \"left\" or \"right\" (our side looking along the line), got {}",
                other.unwrap_or("nothing")
            ));
            true
        }
    };
    let mut number = |key: &str| match props.get(key) {
        None | Some(Value::Null) => None,
        Some(x) => match x.as_f64().filter(|d| d.is_finite() && *d >= 0.0) {
            Some(d) => Some(d),
            None => {
                problems.push(format!(
                    "property `{key}` must be metres, zero or more, got {x}"
                ));
                None
            }
        },
    };
    let depth_m = number("depth_m");
    let min_depth_m = number("min_depth_m");
    let mut points_deg = Vec::new();
    match feature.pointer("/geometry/type").and_then(Value::as_str) {
        Some("LineString") => {}
        other => problems.push(format!(
            "the border's geometry must be a LineString, got {}",
            other.unwrap_or("nothing")
        )),
    }
    match feature
        .pointer("/geometry/coordinates")
        .and_then(Value::as_array)
    {
        Some(coords) => {
            for (i, c) in coords.iter().enumerate() {
                let pair = c
                    .as_array()
                    .filter(|a| (2..=3).contains(&a.len()))
                    .and_then(|a| Some((a[0].as_f64()?, a[1].as_f64()?)));
                match pair {
                    // RFC 7946: longitude first.
                    Some((lon, lat))
                        if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
                    {
                        points_deg.push([lat, lon]);
                    }
                    _ => problems.push(format!(
                        "position {i} ({c}) is not [longitude, latitude] in degrees"
                    )),
                }
            }
            if coords.len() < 2 {
                problems.push("the border needs two or more positions".into());
            }
        }
        None => problems.push("the geometry has no coordinates".into()),
    }
    if problems.is_empty() {
        Ok(BorderFile {
            name: props.get("name").and_then(Value::as_str).map(str::to_owned),
            points_deg,
            ours_left,
            depth_m,
            min_depth_m,
        })
    } else {
        Err(problems)
    }
}

/// A feature of a placement file.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanFeature {
    /// The border.
    Border {
        /// `[lat, lon]` vertices.
        points: Vec<[f64; 2]>,
        /// `left` or `right`.
        ours: &'static str,
    },
    /// A chosen sensor.
    Sensor {
        /// Name in the sensors file.
        name: String,
        /// Catalogue item.
        item: String,
        /// Sensor kind.
        kind: &'static str,
        /// `[lat, lon]`.
        at: [f64; 2],
        /// Capital, euros.
        capital_eur: f64,
        /// Running cost, euros a year.
        yearly_eur: f64,
        /// Distance behind the border, metres.
        depth_m: f64,
        /// Instrumented range, metres.
        range_m: f64,
    },
    /// One kilometre of border with what the plan predicts there, per threat:
    /// `(name, Some((pd, warning_s)))`.
    Coverage {
        /// Kilometre index.
        km: usize,
        /// `[lat, lon]` points of that kilometre.
        line: Vec<[f64; 2]>,
        /// Per threat.
        threats: Vec<(String, Option<(f64, f64)>)>,
    },
}

/// The placement as a GeoJSON FeatureCollection (coordinates `[lon, lat]`). Coverage
/// features carry `pd_<threat>` and `warning_s_<threat>` and the worst threat's pd as
/// `pd_min`, for colouring.
pub fn plan_geojson(name: &str, features: &[PlanFeature]) -> String {
    let ll = |p: &[f64; 2]| serde_json::json!([round(p[1], 1e7), round(p[0], 1e7)]);
    let feats: Vec<Value> = features
        .iter()
        .map(|f| match f {
            PlanFeature::Border { points, ours } => serde_json::json!({
                "type": "Feature",
                "properties": {"kind": "border", "own_side": ours},
                "geometry": {"type": "LineString", "coordinates": points.iter().map(ll).collect::<Vec<_>>()},
            }),
            PlanFeature::Sensor { name, item, kind, at, capital_eur, yearly_eur, depth_m, range_m } => serde_json::json!({
                "type": "Feature",
                "properties": {"kind": "sensor", "name": name, "item": item, "sensor_kind": kind,
                    "capital_eur": capital_eur, "yearly_eur": yearly_eur,
                    "depth_m": round(*depth_m, 1.0), "range_m": range_m},
                "geometry": {"type": "Point", "coordinates": ll(at)},
            }),
            PlanFeature::Coverage { km, line, threats } => {
                let mut props = serde_json::Map::new();
                props.insert("kind".into(), "coverage".into());
                props.insert("km".into(), (*km).into());
                let mut worst: Option<f64> = None;
                for (t, v) in threats {
                    if let Some((pd, w)) = v {
                        props.insert(format!("pd_{t}"), round(*pd, 1e3).into());
                        props.insert(format!("warning_s_{t}"), round(*w, 10.0).into());
                        worst = Some(worst.map_or(*pd, |x: f64| x.min(*pd)));
                    }
                }
                props.insert("pd_min".into(), worst.map(|x| round(x, 1e3)).into());
                serde_json::json!({
                    "type": "Feature",
                    "properties": props,
                    "geometry": {"type": "LineString", "coordinates": line.iter().map(ll).collect::<Vec<_>>()},
                })
            }
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "name": name, "features": feats}).to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn reads_a_feature_and_a_collection() {
        let f = r#"{"type":"Feature","properties":{"own_side":"right","depth_m":4000,"name":"east"},
            "geometry":{"type":"LineString","coordinates":[[24.0,54.0],[24.5,54.2]]}}"#;
        let b = parse_border_file(f).unwrap();
        assert_eq!(b.points_deg, vec![[54.0, 24.0], [54.2, 24.5]]);
        assert!(!b.ours_left);
        assert_eq!(b.depth_m, Some(4000.0));
        assert_eq!(b.name.as_deref(), Some("east"));
        let c = format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"kind":"protected"}},"geometry":{{"type":"Point","coordinates":[1,2]}}}},{f}]}}"#
        );
        assert_eq!(parse_border_file(&c).unwrap().points_deg.len(), 2);
    }

    #[test]
    fn every_problem_at_once() {
        let f = r#"{"type":"Feature","properties":{"own_side":"ours","depth_m":-3},
            "geometry":{"type":"LineString","coordinates":[[54.0,124.0]]}}"#;
        let p = parse_border_file(f).unwrap_err();
        assert_eq!(p.len(), 4, "{p:?}");
        assert!(p.iter().any(|m| m.contains("own_side")));
        assert!(p.iter().any(|m| m.contains("[longitude, latitude]")));
    }

    /// The placement is GeoJSON a generic reader takes: coordinates lon first.
    #[test]
    fn placement_is_geojson() {
        let s = plan_geojson(
            "p",
            &[
                PlanFeature::Sensor {
                    name: "r-1".into(),
                    item: "r".into(),
                    kind: "radar",
                    at: [54.0, 24.0],
                    capital_eur: 1.0,
                    yearly_eur: 0.0,
                    depth_m: 200.0,
                    range_m: 8000.0,
                },
                PlanFeature::Coverage {
                    km: 0,
                    line: vec![[54.0, 24.0], [54.01, 24.0]],
                    threats: vec![("quad".into(), Some((0.5, 100.0))), ("x".into(), None)],
                },
            ],
        );
        let v: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["features"][0]["geometry"]["coordinates"][0], 24.0);
        assert_eq!(v["features"][1]["properties"]["pd_quad"], 0.5);
        assert_eq!(v["features"][1]["properties"]["pd_min"], 0.5);
    }
}
