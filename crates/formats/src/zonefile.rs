//! Zone files: a GeoJSON FeatureCollection (RFC 7946: positions are `[lon, lat]` or
//! `[lon, lat, alt]` in WGS-84 degrees) holding the border and the areas, converted
//! into a site's local frame (`docs/zones.md`).

use geodesy::{Lla, LocalFrame};
use serde_json::Value;
use zones::{Area, AreaKind, Areas, Border, Shape, Side};

/// Everything a zone file holds, in the site frame.
#[derive(Debug, Clone)]
pub struct ZoneSet {
    /// The border, if the file has one.
    pub border: Option<Border>,
    /// Protected sites and no-alert areas.
    pub areas: Areas,
}

/// A problem with one feature of a zone file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{where_}: {message}")]
pub struct ZoneFileError {
    /// Which feature (`feature 3 (depot)`), or `file`.
    pub where_: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

fn err(where_: &str, message: impl Into<String>) -> ZoneFileError {
    ZoneFileError {
        where_: where_.to_owned(),
        message: message.into(),
    }
}

/// One GeoJSON position as east/north metres in `frame`.
fn position(v: &Value, frame: &LocalFrame, where_: &str) -> Result<[f64; 2], ZoneFileError> {
    let a = v
        .as_array()
        .filter(|a| (2..=3).contains(&a.len()))
        .ok_or_else(|| {
            err(
                where_,
                format!("a position must be [lon, lat] or [lon, lat, alt], got {v}"),
            )
        })?;
    let lon = a[0].as_f64();
    let lat = a[1].as_f64();
    let (Some(lon), Some(lat)) = (lon, lat) else {
        return Err(err(
            where_,
            format!("a position must hold numbers, got {v}"),
        ));
    };
    // RFC 7946 puts longitude first; a latitude beyond 90 is almost always the two
    // swapped.
    let lla = Lla::try_from_degrees(lat, lon, 0.0).map_err(|e| {
        err(
            where_,
            format!("{e} in {v} (GeoJSON positions are [longitude, latitude])"),
        )
    })?;
    let e = frame.lla_to_enu(lla);
    Ok([e.0.x, e.0.y])
}

fn positions(v: &Value, frame: &LocalFrame, where_: &str) -> Result<Vec<[f64; 2]>, ZoneFileError> {
    v.as_array()
        .ok_or_else(|| err(where_, "coordinates must be an array of positions"))?
        .iter()
        .map(|p| position(p, frame, where_))
        .collect()
}

fn number(props: &Value, key: &str, where_: &str) -> Result<Option<f64>, ZoneFileError> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(|| err(where_, format!("`{key}` must be a number, got {v}"))),
    }
}

/// Reads a zone file into the local frame of `frame`'s origin. Every problem in the file
/// is reported, not only the first.
pub fn parse_zones(text: &str, frame: &LocalFrame) -> Result<ZoneSet, Vec<ZoneFileError>> {
    let root: Value = serde_json::from_str(text)
        .map_err(|e| vec![err("file", format!("not valid JSON: {e}"))])?;
    if root.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(vec![err("file", "expected a GeoJSON FeatureCollection")]);
    }
    let Some(features) = root.get("features").and_then(Value::as_array) else {
        return Err(vec![err(
            "file",
            "a FeatureCollection needs a `features` array",
        )]);
    };
    let mut problems = Vec::new();
    let mut border = None;
    let mut areas = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let props = f.get("properties").cloned().unwrap_or(Value::Null);
        let name = props
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("feature {i}"), str::to_owned);
        let where_ = format!("feature {i} ({name})");
        // Site files (`skyfence sim --geojson`) also carry the sensors: not zones.
        if props.get("kind").and_then(Value::as_str) == Some("sensor") {
            continue;
        }
        match read_feature(f, &props, name, frame, &where_) {
            Ok(Read::Border(b)) => {
                if border.is_some() {
                    problems.push(err(&where_, "a zone file holds one border"));
                } else {
                    border = Some(b);
                }
            }
            Ok(Read::Area(a)) => areas.push(a),
            Err(e) => problems.push(e),
        }
    }
    let areas = match Areas::new(areas) {
        Ok(a) => Some(a),
        Err(es) => {
            problems.extend(es.into_iter().map(|e| err("area", e.to_string())));
            None
        }
    };
    match (problems.is_empty(), areas) {
        (true, Some(areas)) => Ok(ZoneSet { border, areas }),
        _ => Err(problems),
    }
}

enum Read {
    Border(Border),
    Area(Area),
}

fn read_feature(
    f: &Value,
    props: &Value,
    name: String,
    frame: &LocalFrame,
    where_: &str,
) -> Result<Read, ZoneFileError> {
    if f.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(err(where_, "expected a GeoJSON Feature"));
    }
    let geometry = f
        .get("geometry")
        .filter(|g| !g.is_null())
        .ok_or_else(|| err(where_, "has no geometry"))?;
    let gtype = geometry.get("type").and_then(Value::as_str).unwrap_or("");
    let coords = geometry
        .get("coordinates")
        .ok_or_else(|| err(where_, "geometry has no coordinates"))?;
    let kind = props.get("kind").and_then(Value::as_str).unwrap_or("");
    match kind {
        "border" => {
            if gtype != "LineString" {
                return Err(err(
                    where_,
                    format!("a border is a LineString, got {gtype}"),
                ));
            }
            let ours = match props.get("own_side").and_then(Value::as_str) {
                Some("left") => Side::Left,
                Some("right") => Side::Right,
                other => {
                    return Err(err(
                        where_,
                        format!(
                            "`own_side` must be \"left\" or \"right\" (our side looking along the line), got {}",
                            other.unwrap_or("nothing")
                        ),
                    ))
                }
            };
            let pts = positions(coords, frame, where_)?;
            Border::new(pts, ours)
                .map(Read::Border)
                .map_err(|e| err(where_, e.to_string()))
        }
        "protected" | "no_alert" => {
            let kind = if kind == "protected" {
                AreaKind::Protected
            } else {
                AreaKind::NoAlert
            };
            let shape = match gtype {
                "Polygon" => {
                    let rings = coords
                        .as_array()
                        .ok_or_else(|| err(where_, "a Polygon's coordinates are rings"))?;
                    let outer = rings
                        .first()
                        .ok_or_else(|| err(where_, "a Polygon needs an outer ring"))?;
                    if rings.len() > 1 {
                        return Err(err(
                            where_,
                            "polygons with holes are not supported: give the outer ring only",
                        ));
                    }
                    let mut ring = positions(outer, frame, where_)?;
                    // GeoJSON rings repeat their first position at the end.
                    if ring.len() >= 2 && ring.first() == ring.last() {
                        ring.pop();
                    }
                    Shape::Polygon(ring)
                }
                "Point" => {
                    let radius_m = number(props, "radius_m", where_)?
                        .ok_or_else(|| err(where_, "a Point area needs `radius_m`"))?;
                    Shape::Circle {
                        center_m: position(coords, frame, where_)?,
                        radius_m,
                    }
                }
                other => {
                    return Err(err(
                        where_,
                        format!("an area is a Polygon, or a Point with `radius_m`; got {other}"),
                    ))
                }
            };
            Ok(Read::Area(Area {
                name,
                kind,
                shape,
                min_alt_m: number(props, "min_alt_m", where_)?.unwrap_or(f64::NEG_INFINITY),
                max_alt_m: number(props, "max_alt_m", where_)?.unwrap_or(f64::INFINITY),
            }))
        }
        other => Err(err(
            where_,
            format!("`kind` must be \"border\", \"protected\" or \"no_alert\", got \"{other}\""),
        )),
    }
}
