//! SAPIENT detection reports to skyfence detections, and skyfence tracks and alerts to
//! SAPIENT detection reports and alerts.

use crate::proto::{
    alert, detection_report, sapient_message::Content, Alert, AssociatedDetection, DetectionReport,
    EnuVelocity, Location, LocationCoordinateSystem, LocationDatum, RangeBearingCoordinateSystem,
    RangeBearingDatum, SapientMessage,
};
use formats::{append_detection, DetectionRecord};

/// Why a detection report could not become a detection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// Neither a location nor a range-bearing.
    #[error("detection report without a location or range-bearing")]
    NoPosition,
    /// A coordinate system skyfence does not read.
    #[error(
        "unsupported coordinate system {0} (skyfence reads latitude/longitude and range-bearing)"
    )]
    CoordinateSystem(String),
    /// Bearings not from true north.
    #[error("range-bearing datum {0}: skyfence needs bearings from true north")]
    Datum(String),
    /// A value that is not a finite number, or out of range.
    #[error("bad value: {0}")]
    Value(String),
}

/// A detection made from a SAPIENT detection report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SapientDetection {
    /// Time, UNIX seconds.
    pub time_s: f64,
    /// Sensor name: the reporting node's id.
    pub sensor: String,
    /// Geodetic form.
    pub lat_lon_alt: Option<(f64, f64, Option<f64>)>,
    /// Position sigma, metres.
    pub sigma_m: Option<f64>,
    /// Polar or bearing form: range (None for bearing only), azimuth and elevation.
    pub range_m: Option<f64>,
    /// Azimuth, degrees from true north.
    pub azimuth_deg: Option<f64>,
    /// Elevation, degrees.
    pub elevation_deg: Option<f64>,
    /// Range sigma, metres.
    pub sigma_range_m: Option<f64>,
    /// Azimuth sigma, degrees.
    pub sigma_azimuth_deg: Option<f64>,
    /// Elevation sigma, degrees.
    pub sigma_elevation_deg: Option<f64>,
    /// Class hint from the report's most confident classification.
    pub class: Option<String>,
    /// Radial velocity from the report's ENU velocity and a bearing, m/s.
    pub radial_velocity_mps: Option<f64>,
}

impl SapientDetection {
    /// Appends the detection as one line of the detection contract.
    pub fn write(&self, buf: &mut Vec<u8>) {
        append_detection(
            buf,
            &DetectionRecord {
                time_s: self.time_s,
                sensor: &self.sensor,
                lat_deg: self.lat_lon_alt.map(|p| p.0),
                lon_deg: self.lat_lon_alt.map(|p| p.1),
                alt_m: self.lat_lon_alt.and_then(|p| p.2),
                sigma_m: self.sigma_m,
                range_m: self.range_m,
                azimuth_deg: self.azimuth_deg,
                elevation_deg: self.elevation_deg,
                sigma_range_m: self.sigma_range_m,
                sigma_azimuth_deg: self.sigma_azimuth_deg,
                sigma_elevation_deg: self.sigma_elevation_deg,
                class: self.class.as_deref(),
                radial_velocity_mps: self.radial_velocity_mps,
                ..Default::default()
            },
        );
    }
}

/// Sigma when a report gives no error, metres (and its angular equivalent below).
pub const DEFAULT_SIGMA_M: f64 = 10.0;
/// Azimuth and elevation sigma when a report gives none, degrees.
pub const DEFAULT_SIGMA_ANGLE_DEG: f64 = 1.0;
const M_PER_DEG_LAT: f64 = 111_320.0;

fn finite(v: f64, what: &str) -> Result<f64, ConvertError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(ConvertError::Value(format!("{what} is {v}")))
    }
}

/// The class hint of a report: the most confident classification, refined by a
/// rotary/fixed-wing sub-class for drones.
fn class_hint(dr: &DetectionReport) -> Option<String> {
    let best = dr
        .classification
        .iter()
        .filter(|c| c.r#type.as_deref().is_some_and(|t| !t.is_empty()))
        .max_by(|a, b| {
            a.confidence
                .unwrap_or(0.0)
                .total_cmp(&b.confidence.unwrap_or(0.0))
        })?;
    let top = best.r#type.as_deref()?.to_ascii_lowercase();
    let subs: Vec<String> = best
        .sub_class
        .iter()
        .filter_map(|s| s.r#type.as_deref().map(str::to_ascii_lowercase))
        .collect();
    let is_drone = top.contains("uav") || top.contains("uas") || top.contains("drone");
    if is_drone {
        if subs
            .iter()
            .any(|s| s.contains("rotary") || s.contains("multi") || s.contains("quad"))
        {
            return Some("drone_rotary".into());
        }
        if subs.iter().any(|s| s.contains("fixed")) {
            return Some("drone_fixed_wing".into());
        }
        return Some("drone".into());
    }
    if top == "animal" && subs.iter().any(|s| s.contains("bird")) {
        return Some("bird".into());
    }
    Some(top.replace(' ', "_"))
}

/// A detection from a report of node `node_id` at `time_s`.
pub fn detection(
    node_id: &str,
    time_s: f64,
    dr: &DetectionReport,
) -> Result<SapientDetection, ConvertError> {
    use detection_report::LocationOneof;
    let mut d = SapientDetection {
        time_s,
        sensor: node_id.to_string(),
        class: class_hint(dr),
        ..Default::default()
    };
    match &dr.location_oneof {
        Some(LocationOneof::Location(l)) => {
            let deg = match l.coordinate_system() {
                LocationCoordinateSystem::LatLngDegM => 1.0,
                LocationCoordinateSystem::LatLngRadM => 1.0f64.to_degrees(),
                other => return Err(ConvertError::CoordinateSystem(other.as_str_name().into())),
            };
            let lat = finite(l.y.unwrap_or(f64::NAN) * deg, "y (latitude)")?;
            let lon = finite(l.x.unwrap_or(f64::NAN) * deg, "x (longitude)")?;
            if lat.abs() > 90.0 || lon.abs() > 180.0 {
                return Err(ConvertError::Value(format!(
                    "position {lat}, {lon} is off the globe"
                )));
            }
            // Height above the ellipsoid only: a geoid (mean sea level) height is tens
            // of metres off in Europe, and skyfence has no geoid model, so it is
            // dropped rather than misused.
            let alt = match l.datum() {
                LocationDatum::Wgs84E => l.z.filter(|z| z.is_finite()),
                _ => None,
            };
            let ex = l
                .x_error
                .map(|e| e.abs() * deg * M_PER_DEG_LAT * lat.to_radians().cos());
            let ey = l.y_error.map(|e| e.abs() * deg * M_PER_DEG_LAT);
            d.sigma_m = Some(
                ex.into_iter()
                    .chain(ey)
                    .filter(|e| e.is_finite() && *e > 0.0)
                    .fold(None, |m: Option<f64>, e| Some(m.map_or(e, |m| m.max(e))))
                    .unwrap_or(DEFAULT_SIGMA_M),
            );
            d.lat_lon_alt = Some((lat, lon, alt));
        }
        Some(LocationOneof::RangeBearing(rb)) => {
            match rb.datum() {
                RangeBearingDatum::True => {}
                other => return Err(ConvertError::Datum(other.as_str_name().into())),
            }
            let (ang, dist) = match rb.coordinate_system() {
                RangeBearingCoordinateSystem::DegreesM => (1.0, 1.0),
                RangeBearingCoordinateSystem::RadiansM => (1.0f64.to_degrees(), 1.0),
                RangeBearingCoordinateSystem::DegreesKm => (1.0, 1000.0),
                RangeBearingCoordinateSystem::RadiansKm => (1.0f64.to_degrees(), 1000.0),
                other => return Err(ConvertError::CoordinateSystem(other.as_str_name().into())),
            };
            let az = finite(rb.azimuth.unwrap_or(f64::NAN) * ang, "azimuth")?.rem_euclid(360.0);
            d.azimuth_deg = Some(az);
            d.sigma_azimuth_deg = Some(
                rb.azimuth_error
                    .map(|e| e.abs() * ang)
                    .filter(|e| e.is_finite() && *e > 0.0)
                    .unwrap_or(DEFAULT_SIGMA_ANGLE_DEG),
            );
            if let Some(el) = rb.elevation {
                let el = finite(el * ang, "elevation")?;
                if el.abs() > 90.0 {
                    return Err(ConvertError::Value(format!("elevation {el} degrees")));
                }
                d.elevation_deg = Some(el);
                d.sigma_elevation_deg = Some(
                    rb.elevation_error
                        .map(|e| e.abs() * ang)
                        .filter(|e| e.is_finite() && *e > 0.0)
                        .unwrap_or(DEFAULT_SIGMA_ANGLE_DEG),
                );
            }
            if let Some(r) = rb.range {
                let r = finite(r * dist, "range")?;
                if r <= 0.0 {
                    return Err(ConvertError::Value(format!("range {r} m")));
                }
                d.range_m = Some(r);
                d.sigma_range_m = Some(
                    rb.range_error
                        .map(|e| e.abs() * dist)
                        .filter(|e| e.is_finite() && *e > 0.0)
                        .unwrap_or(DEFAULT_SIGMA_M),
                );
                // The velocity along the line of sight.
                if let Some(detection_report::VelocityOneof::EnuVelocity(v)) = &dr.velocity_oneof {
                    let (a, e) = (az.to_radians(), d.elevation_deg.unwrap_or(0.0).to_radians());
                    let u = [a.sin() * e.cos(), a.cos() * e.cos(), e.sin()];
                    let vr = v.east_rate.unwrap_or(0.0) * u[0]
                        + v.north_rate.unwrap_or(0.0) * u[1]
                        + v.up_rate.unwrap_or(0.0) * u[2];
                    d.radial_velocity_mps = vr.is_finite().then_some(vr);
                }
            }
        }
        None => return Err(ConvertError::NoPosition),
    }
    Ok(d)
}

/// A ULID (Crockford base32 of a 48-bit millisecond time and 80 other bits): SAPIENT
/// names reports and objects with ULIDs. skyfence fills the 80 bits from a hash of
/// what is named, so the same track keeps the same object id.
pub fn ulid(time_ms: u64, key: &[u8]) -> String {
    const B32: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    // FNV-1a over the key, widened to 80 bits with a second pass.
    let fnv = |seed: u64| {
        key.iter().fold(seed, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    let (h1, h2) = (fnv(0xcbf2_9ce4_8422_2325), fnv(0x8422_2325_cbf2_9ce4));
    let v: u128 = (u128::from(time_ms & 0xffff_ffff_ffff) << 80)
        | (u128::from(h1) << 16)
        | u128::from(h2 & 0xffff);
    (0..26)
        .map(|i| B32[((v >> (125 - 5 * i)) & 0x1f) as usize] as char)
        .collect()
}

/// A UUID-formatted id from a name (for a node that was given none).
pub fn uuid_from(name: &str) -> String {
    let u = ulid(0, name.as_bytes());
    let h: u128 = u.bytes().fold(0u128, |a, b| {
        a.wrapping_mul(131).wrapping_add(u128::from(b))
    });
    let x = format!("{h:032x}");
    format!(
        "{}-{}-4{}-8{}-{}",
        &x[0..8],
        &x[8..12],
        &x[13..16],
        &x[17..20],
        &x[20..32]
    )
}

fn ms(t: f64) -> u64 {
    (t.max(0.0) * 1000.0) as u64
}

/// SAPIENT classification of a skyfence class: the BSI Flex 335 taxonomy's top
/// class and, for drones and birds, a sub-class.
fn classification(class: model::Class, p: f64) -> detection_report::DetectionReportClassification {
    use detection_report::{DetectionReportClassification as C, SubClass};
    let (top, sub) = match class {
        model::Class::DroneRotary => ("UAV", Some("Rotary Wing")),
        model::Class::DroneFixedWing => ("UAV", Some("Fixed Wing")),
        model::Class::Bird => ("Animal", Some("Bird")),
        model::Class::Aircraft => ("Aircraft", None),
        model::Class::Balloon => ("Balloon", None),
        model::Class::Unknown => ("Unknown", None),
    };
    C {
        r#type: Some(top.into()),
        confidence: Some(p as f32),
        sub_class: sub
            .map(|s| SubClass {
                r#type: Some(s.into()),
                confidence: Some(p as f32),
                level: Some(1),
                sub_class: Vec::new(),
            })
            .into_iter()
            .collect(),
    }
}

/// A skyfence track as a SAPIENT detection report from node `node_id`; `None` without
/// a geodetic position.
pub fn track_report(node_id: &str, r: &model::TrackReport) -> Option<SapientMessage> {
    let lla = r.lla?;
    let lat = lla.lat_deg();
    let sd = |v: f64| (v.is_finite() && v >= 0.0).then(|| v.sqrt());
    let cos = lat.to_radians().cos().max(1e-6);
    let loc = Location {
        x: Some(lla.lon_deg()),
        y: Some(lat),
        z: Some(lla.alt_m),
        x_error: sd(r.position_cov_m2[0]).map(|s| s / (M_PER_DEG_LAT * cos)),
        y_error: sd(r.position_cov_m2[3]).map(|s| s / M_PER_DEG_LAT),
        z_error: sd(r.position_cov_m2[5]),
        coordinate_system: Some(LocationCoordinateSystem::LatLngDegM as i32),
        datum: Some(LocationDatum::Wgs84E as i32),
        utm_zone: None,
    };
    let class = r.classification.class;
    let p = r.classification.probabilities[class.index()];
    let key = format!("{node_id}/track/{}", r.track);
    let dr = DetectionReport {
        report_id: Some(ulid(ms(r.time_s), format!("{key}/{}", r.time_s).as_bytes())),
        object_id: Some(ulid(0, key.as_bytes())),
        location_oneof: Some(detection_report::LocationOneof::Location(loc)),
        detection_confidence: Some(r.existence as f32),
        classification: vec![classification(class, p)],
        velocity_oneof: Some(detection_report::VelocityOneof::EnuVelocity(EnuVelocity {
            east_rate: Some(r.velocity_mps[0]),
            north_rate: Some(r.velocity_mps[1]),
            up_rate: Some(r.velocity_mps[2]),
            ..Default::default()
        })),
        track_info: r
            .identity
            .iter()
            .map(|id| detection_report::TrackObjectInfo {
                r#type: Some(format!("{}_id", id.source.as_str())),
                value: Some(id.id.clone()),
                error: None,
            })
            .collect(),
        ..Default::default()
    };
    Some(SapientMessage {
        timestamp: Some(crate::timestamp(r.time_s)),
        node_id: Some(node_id.into()),
        content: Some(Content::DetectionReport(dr)),
        ..Default::default()
    })
}

/// A skyfence alert as a SAPIENT alert from node `node_id`.
pub fn alert_message(node_id: &str, a: &model::AlertReport) -> SapientMessage {
    let status = match a.state {
        model::AlertState::New | model::AlertState::Updated => alert::AlertStatus::Active,
        model::AlertState::Acknowledged => alert::AlertStatus::Acknowledge,
        model::AlertState::Closed => alert::AlertStatus::Clear,
    };
    let (alert_type, priority) = match a.priority {
        1 => (alert::AlertType::Critical, alert::DiscretePriority::High),
        2 => (alert::AlertType::Warning, alert::DiscretePriority::Medium),
        _ => (alert::AlertType::Information, alert::DiscretePriority::Low),
    };
    let location = a.lla.map(|l| {
        alert::LocationOneof::Location(Location {
            x: Some(l.lon_deg()),
            y: Some(l.lat_deg()),
            z: Some(l.alt_m),
            coordinate_system: Some(LocationCoordinateSystem::LatLngDegM as i32),
            datum: Some(LocationDatum::Wgs84E as i32),
            ..Default::default()
        })
    });
    let al = Alert {
        alert_id: Some(ulid(0, format!("{node_id}/alert/{}", a.alert).as_bytes())),
        alert_type: Some(alert_type as i32),
        status: Some(status as i32),
        description: Some(format!("{}: {}", a.kind.as_str(), a.reason)),
        location_oneof: location,
        region_id: a.area.clone(),
        priority: Some(priority as i32),
        associated_detection: a
            .tracks
            .iter()
            .map(|t| AssociatedDetection {
                node_id: Some(node_id.into()),
                object_id: Some(ulid(0, format!("{node_id}/track/{t}").as_bytes())),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    SapientMessage {
        timestamp: Some(crate::timestamp(a.time_s)),
        node_id: Some(node_id.into()),
        content: Some(Content::Alert(al)),
        ..Default::default()
    }
}
