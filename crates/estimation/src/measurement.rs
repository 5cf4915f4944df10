use crate::{filter::position, StateVector};
use geodesy::{wrap_pi, FrameTransform};
use nalgebra::{Matrix3, Matrix3x6, Vector3};

/// Where a sensor stands relative to the site frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SensorGeometry {
    /// Site ENU to the sensor's own ENU frame (exact, through ECEF).
    pub site_to_sensor: FrameTransform,
    /// The sensor's position in site ENU, metres.
    pub position_site_m: Vector3<f64>,
}

impl SensorGeometry {
    /// Builds from the exact transform between the two frames.
    pub fn new(site_to_sensor: FrameTransform) -> Self {
        let position_site_m = site_to_sensor.inverse().point(&Vector3::zeros());
        Self {
            site_to_sensor,
            position_site_m,
        }
    }
}

/// A measurement ready for filtering, in the frame it was made in.
///
/// Polar and bearing measurements borrow their sensor's geometry rather than carry a
/// copy: the geometry (a frame transform) is three times the rest of the measurement,
/// and a scan holds a measurement for each of its 100,000 plots, read several times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MeasurementModel<'g> {
    /// East/north position in site ENU.
    Position2 {
        /// Measured east, north, metres.
        z_m: [f64; 2],
        /// Standard deviation per axis, metres.
        sigma_m: f64,
    },
    /// East/north/up position in site ENU.
    Position3 {
        /// Measured east, north, up, metres.
        z_m: [f64; 3],
        /// Standard deviation per axis, metres.
        sigma_m: f64,
    },
    /// Range, azimuth and optional elevation in the sensor's ENU frame.
    Polar {
        /// Sensor geometry.
        sensor: &'g SensorGeometry,
        /// Slant range, metres.
        range_m: f64,
        /// Azimuth clockwise from north, radians.
        azimuth_rad: f64,
        /// Elevation, radians, if measured.
        elevation_rad: Option<f64>,
        /// Range sigma, metres.
        sigma_range_m: f64,
        /// Azimuth sigma, radians.
        sigma_azimuth_rad: f64,
        /// Elevation sigma, radians.
        sigma_elevation_rad: f64,
    },
    /// Azimuth and optional elevation only.
    Bearing {
        /// Sensor geometry.
        sensor: &'g SensorGeometry,
        /// Azimuth clockwise from north, radians.
        azimuth_rad: f64,
        /// Elevation, radians, if measured.
        elevation_rad: Option<f64>,
        /// Azimuth sigma, radians.
        sigma_azimuth_rad: f64,
        /// Elevation sigma, radians.
        sigma_elevation_rad: f64,
    },
}

impl MeasurementModel<'_> {
    /// Measurement dimension.
    pub fn dim(&self) -> usize {
        match self {
            Self::Position2 { .. } => 2,
            Self::Position3 { .. } => 3,
            Self::Polar { elevation_rad, .. } => 2 + usize::from(elevation_rad.is_some()),
            Self::Bearing { elevation_rad, .. } => 1 + usize::from(elevation_rad.is_some()),
        }
    }

    /// The measured position in site ENU when the measurement fixes one (east, north,
    /// and up when known); `None` for bearings. Used for gating and initiation.
    pub fn position_site_m(&self) -> Option<Vector3<f64>> {
        match *self {
            Self::Position2 { z_m, .. } => Some(Vector3::new(z_m[0], z_m[1], 0.0)),
            Self::Position3 { z_m, .. } => Some(Vector3::new(z_m[0], z_m[1], z_m[2])),
            Self::Polar {
                sensor,
                range_m,
                azimuth_rad,
                elevation_rad,
                ..
            } => {
                let local = geodesy::rae_to_enu(range_m, azimuth_rad, elevation_rad.unwrap_or(0.0));
                Some(sensor.site_to_sensor.inverse().point(&local))
            }
            Self::Bearing { .. } => None,
        }
    }

    /// Approximate horizontal position standard deviation in site metres (for gating
    /// radii and initiation); `None` for bearings.
    pub fn horizontal_sigma_m(&self) -> Option<f64> {
        match *self {
            Self::Position2 { sigma_m, .. } | Self::Position3 { sigma_m, .. } => Some(sigma_m),
            Self::Polar {
                range_m,
                sigma_range_m,
                sigma_azimuth_rad,
                ..
            } => Some(sigma_range_m.max(range_m * sigma_azimuth_rad)),
            Self::Bearing { .. } => None,
        }
    }

    /// Covariance of [`Self::position_site_m`] in site ENU, m^2, with `unmeasured_var_m2`
    /// on the up axis where height is not measured; `None` for bearings.
    pub fn position_covariance_site_m2(&self, unmeasured_var_m2: f64) -> Option<Matrix3<f64>> {
        match *self {
            Self::Position2 { sigma_m, .. } => {
                let v = sigma_m * sigma_m;
                Some(Matrix3::from_diagonal(&Vector3::new(
                    v,
                    v,
                    unmeasured_var_m2,
                )))
            }
            Self::Position3 { sigma_m, .. } => Some(Matrix3::identity() * (sigma_m * sigma_m)),
            Self::Polar {
                sensor,
                range_m,
                azimuth_rad,
                elevation_rad,
                sigma_range_m,
                sigma_azimuth_rad,
                sigma_elevation_rad,
            } => {
                let el = elevation_rad.unwrap_or(0.0);
                // d(east, north, up)/d(range, azimuth, elevation) in the sensor frame.
                let (se, ce) = el.sin_cos();
                let (sa, ca) = azimuth_rad.sin_cos();
                let r = range_m;
                let j = Matrix3::new(
                    ce * sa,
                    r * ce * ca,
                    -r * se * sa,
                    ce * ca,
                    -r * ce * sa,
                    -r * se * ca,
                    se,
                    0.0,
                    r * ce,
                );
                let sig_e2 = if elevation_rad.is_some() {
                    sigma_elevation_rad * sigma_elevation_rad
                } else {
                    0.0
                };
                let rm = Matrix3::from_diagonal(&Vector3::new(
                    sigma_range_m * sigma_range_m,
                    sigma_azimuth_rad * sigma_azimuth_rad,
                    sig_e2,
                ));
                let rot = sensor.site_to_sensor.rotation.transpose();
                let mut c = rot * j * rm * j.transpose() * rot.transpose();
                if elevation_rad.is_none() {
                    c[(2, 2)] += unmeasured_var_m2;
                }
                Some(c)
            }
            Self::Bearing { .. } => None,
        }
    }

    /// Whether `up` is measured (directly or through elevation).
    pub fn measures_height(&self) -> bool {
        match self {
            Self::Position2 { .. } => false,
            Self::Position3 { .. } => true,
            Self::Polar { elevation_rad, .. } | Self::Bearing { elevation_rad, .. } => {
                elevation_rad.is_some()
            }
        }
    }
}

/// A measurement linearised about a state: innovation, Jacobian and noise, padded to 3
/// rows. Rows at index `dim` and above are padding and carry no information.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Linearized {
    /// Real measurement dimension.
    pub dim: usize,
    /// `z - h(x)`, angles wrapped to (-pi, pi].
    pub innovation: Vector3<f64>,
    /// Jacobian of `h` at `x`.
    pub h: Matrix3x6<f64>,
    /// Measurement noise covariance.
    pub r: Matrix3<f64>,
}

// Below this horizontal distance (metres) azimuth is ill-defined; the Jacobian is
// evaluated as if the target were this far away so a track passing over a sensor
// does not receive an exploding gain.
const MIN_HORIZONTAL_M: f64 = 1.0;

/// Linearises `m` about the state mean `x`.
pub fn linearize(m: &MeasurementModel<'_>, x: &StateVector) -> Linearized {
    let mut lin = Linearized {
        dim: m.dim(),
        innovation: Vector3::zeros(),
        h: Matrix3x6::zeros(),
        r: Matrix3::identity(),
    };
    match *m {
        MeasurementModel::Position2 { z_m, sigma_m } => {
            lin.innovation = Vector3::new(z_m[0] - x[0], z_m[1] - x[1], 0.0);
            lin.h[(0, 0)] = 1.0;
            lin.h[(1, 1)] = 1.0;
            let v = sigma_m * sigma_m;
            lin.r[(0, 0)] = v;
            lin.r[(1, 1)] = v;
        }
        MeasurementModel::Position3 { z_m, sigma_m } => {
            lin.innovation = Vector3::new(z_m[0] - x[0], z_m[1] - x[1], z_m[2] - x[2]);
            let v = sigma_m * sigma_m;
            for i in 0..3 {
                lin.h[(i, i)] = 1.0;
                lin.r[(i, i)] = v;
            }
        }
        MeasurementModel::Polar {
            sensor,
            range_m,
            azimuth_rad,
            elevation_rad,
            sigma_range_m,
            sigma_azimuth_rad,
            sigma_elevation_rad,
        } => {
            let (v, rot) = sensor_vector(sensor, x);
            let (rho, az, el, j) = rae_jacobian(&v);
            lin.innovation[0] = range_m - rho;
            lin.innovation[1] = wrap_pi(azimuth_rad - az);
            lin.r[(0, 0)] = sigma_range_m * sigma_range_m;
            lin.r[(1, 1)] = sigma_azimuth_rad * sigma_azimuth_rad;
            let rows = if let Some(e) = elevation_rad {
                lin.innovation[2] = wrap_pi(e - el);
                lin.r[(2, 2)] = sigma_elevation_rad * sigma_elevation_rad;
                3
            } else {
                2
            };
            let jr = j * rot;
            for r in 0..rows {
                for c in 0..3 {
                    lin.h[(r, c)] = jr[(r, c)];
                }
            }
        }
        MeasurementModel::Bearing {
            sensor,
            azimuth_rad,
            elevation_rad,
            sigma_azimuth_rad,
            sigma_elevation_rad,
        } => {
            let (v, rot) = sensor_vector(sensor, x);
            let (_, az, el, j) = rae_jacobian(&v);
            let jr = j * rot;
            lin.innovation[0] = wrap_pi(azimuth_rad - az);
            lin.r[(0, 0)] = sigma_azimuth_rad * sigma_azimuth_rad;
            for c in 0..3 {
                lin.h[(0, c)] = jr[(1, c)];
            }
            if let Some(e) = elevation_rad {
                lin.innovation[1] = wrap_pi(e - el);
                lin.r[(1, 1)] = sigma_elevation_rad * sigma_elevation_rad;
                for c in 0..3 {
                    lin.h[(1, c)] = jr[(2, c)];
                }
            }
        }
    }
    lin
}

fn sensor_vector(sensor: &SensorGeometry, x: &StateVector) -> (Vector3<f64>, Matrix3<f64>) {
    (
        sensor.site_to_sensor.point(&position(x)),
        sensor.site_to_sensor.rotation,
    )
}

/// Range, azimuth, elevation of a sensor-frame vector and their Jacobian (rows r, az, el).
fn rae_jacobian(v: &Vector3<f64>) -> (f64, f64, f64, Matrix3<f64>) {
    let (rho, az, el) = geodesy::enu_to_rae(v);
    let h2 = (v.x * v.x + v.y * v.y).max(MIN_HORIZONTAL_M * MIN_HORIZONTAL_M);
    let h = h2.sqrt();
    let rho = rho.max(MIN_HORIZONTAL_M);
    let rho2 = rho * rho;
    let j = Matrix3::new(
        v.x / rho,
        v.y / rho,
        v.z / rho,
        v.y / h2,
        -v.x / h2,
        0.0,
        -v.x * v.z / (rho2 * h),
        -v.y * v.z / (rho2 * h),
        h / rho2,
    );
    (rho, az, el, j)
}
