use crate::{blame_field, ParseError};
use geodesy::Lla;
use model::{Sensor, SensorKind, SensorTable};
use serde::Deserialize;

#[derive(Deserialize)]
struct RawSensor {
    sensor: Option<String>,
    kind: Option<String>,
    lat_deg: Option<f64>,
    lon_deg: Option<f64>,
    alt_m: Option<f64>,
    sigma_m: Option<f64>,
    sigma_range_m: Option<f64>,
    sigma_azimuth_deg: Option<f64>,
    sigma_elevation_deg: Option<f64>,
    pd: Option<f64>,
    max_range_m: Option<f64>,
    sac: Option<i64>,
    sic: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OriginLine {
    origin: OriginFields,
}

#[derive(Deserialize)]
struct OriginFields {
    lat_deg: f64,
    lon_deg: f64,
    #[serde(default)]
    alt_m: f64,
}

/// Parses a sensors file (JSON Lines; see `docs/formats.md`), reporting every problem
/// at once.
pub fn parse_sensors(text: &str) -> Result<SensorTable, Vec<ParseError>> {
    let mut table = SensorTable::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        // The site origin: `{"origin": {"lat_deg": .., "lon_deg": .., "alt_m": ..}}`.
        if let Ok(o) = serde_json::from_str::<OriginLine>(line) {
            match Lla::try_from_degrees(o.origin.lat_deg, o.origin.lon_deg, o.origin.alt_m) {
                Ok(lla) if table.origin().is_none() => table.set_origin(lla),
                Ok(_) => errors.push(ParseError::new(n, Some("origin"), "is given twice")),
                Err(e) => errors.push(ParseError::new(n, Some("origin"), e.to_string())),
            }
            continue;
        }
        let raw: RawSensor = match serde_json::from_str(line) {
            Ok(r) => r,
            Err(e) => {
                errors.push(blame_field(
                    line.as_bytes(),
                    n,
                    &[
                        "lat_deg",
                        "lon_deg",
                        "alt_m",
                        "sigma_m",
                        "sigma_range_m",
                        "sigma_azimuth_deg",
                        "sigma_elevation_deg",
                        "pd",
                        "max_range_m",
                        "sac",
                        "sic",
                    ],
                    &["sensor", "kind"],
                    &e,
                ));
                continue;
            }
        };
        let mut err = |f: &str, m: String| errors.push(ParseError::new(n, Some(f), m));
        let Some(name) = raw.sensor.filter(|s| !s.trim().is_empty()) else {
            err("sensor", "is required".into());
            continue;
        };
        if table.find(&name).is_some() {
            err("sensor", format!("`{name}` is listed twice"));
            continue;
        }
        let kind = match raw.kind.as_deref() {
            Some(k) => match SensorKind::parse(k) {
                Some(k) => k,
                None => {
                    err("kind", format!("unknown kind `{k}`: use radar, passive_rf, acoustic, eoir, adsb, remoteid or other"));
                    continue;
                }
            },
            None => {
                err("kind", "is required".into());
                continue;
            }
        };
        let position = match (raw.lat_deg, raw.lon_deg) {
            (Some(lat), Some(lon)) => {
                match Lla::try_from_degrees(lat, lon, raw.alt_m.unwrap_or(0.0)) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        err("lat_deg", e.to_string());
                        continue;
                    }
                }
            }
            (None, None) => None,
            _ => {
                err("lat_deg", "lat_deg and lon_deg go together".into());
                continue;
            }
        };
        let mut positive = |f: &str, v: Option<f64>| -> Option<f64> {
            match v {
                Some(x) if !(x.is_finite() && x > 0.0) => {
                    errors.push(ParseError::new(
                        n,
                        Some(f),
                        format!("must be a positive number, got {x}"),
                    ));
                    None
                }
                _ => v,
            }
        };
        let sigma_m = positive("sigma_m", raw.sigma_m);
        let sigma_range_m = positive("sigma_range_m", raw.sigma_range_m);
        let sigma_az = positive("sigma_azimuth_deg", raw.sigma_azimuth_deg);
        let sigma_el = positive("sigma_elevation_deg", raw.sigma_elevation_deg);
        let max_range_m = positive("max_range_m", raw.max_range_m);
        if let Some(pd) = raw.pd {
            if !(pd > 0.0 && pd < 1.0) {
                errors.push(ParseError::new(
                    n,
                    Some("pd"),
                    format!("must be strictly between 0 and 1, got {pd}"),
                ));
            }
        }
        let sac_sic = match (raw.sac, raw.sic) {
            (None, None) => None,
            (Some(a), Some(c)) if (0..=255).contains(&a) && (0..=255).contains(&c) => {
                Some((a as u8, c as u8))
            }
            (Some(_), Some(_)) => {
                errors.push(ParseError::new(
                    n,
                    Some("sac"),
                    "sac and sic must be integers from 0 to 255",
                ));
                None
            }
            _ => {
                errors.push(ParseError::new(
                    n,
                    Some(if raw.sac.is_none() { "sac" } else { "sic" }),
                    "sac and sic are given together (an ASTERIX source is both)",
                ));
                None
            }
        };
        table.insert(Sensor {
            name,
            kind,
            position,
            sigma_m,
            sigma_range_m,
            sigma_azimuth_rad: sigma_az.map(f64::to_radians),
            sigma_elevation_rad: sigma_el.map(f64::to_radians),
            pd: raw.pd,
            max_range_m,
            sac_sic,
        });
    }
    if errors.is_empty() {
        Ok(table)
    } else {
        Err(errors)
    }
}
