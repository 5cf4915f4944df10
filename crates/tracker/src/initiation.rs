//! Initiators: two-point initiation from position measurements, and crossing bearings
//! from two passive sensors.
use estimation::{Gaussian, MeasurementModel, SensorGeometry};
use model::SensorIndex;
use nalgebra::{Matrix3, Matrix6, Vector3, Vector6};

/// An unassigned position detection waiting for a partner.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seed {
    pub time_s: f64,
    pub position_m: Vector3<f64>,
    pub cov_m2: Matrix3<f64>,
    pub has_height: bool,
    pub used: bool,
    /// Creation order, set by the store.
    pub seq: u64,
    /// A hash of the detection's cooperative id (ADS-B address, Remote ID serial), 0
    /// without one.
    pub coop_id: u64,
}

/// The hash of a cooperative id that seeds compare (0 for none). SipHash with fixed
/// keys: the same id hashes the same in every run.
pub(crate) fn coop_id_hash(id: Option<&str>) -> u64 {
    use std::hash::{Hash, Hasher};
    id.map_or(0, |s| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        s.hash(&mut h);
        h.finish().max(1)
    })
}

/// An unassigned bearing waiting for a crossing one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BearingSeed {
    pub time_s: f64,
    pub sensor: SensorIndex,
    pub geometry: SensorGeometry,
    pub azimuth_rad: f64,
    pub elevation_rad: Option<f64>,
    pub sigma_azimuth_rad: f64,
    pub used: bool,
}

impl BearingSeed {
    pub fn from_model(time_s: f64, sensor: SensorIndex, m: &MeasurementModel<'_>) -> Option<Self> {
        match *m {
            MeasurementModel::Bearing {
                sensor: geometry,
                azimuth_rad,
                elevation_rad,
                sigma_azimuth_rad,
                ..
            } => Some(Self {
                time_s,
                sensor,
                geometry: *geometry,
                azimuth_rad,
                elevation_rad,
                sigma_azimuth_rad,
                used: false,
            }),
            _ => None,
        }
    }

    /// Unit line-of-sight in site ENU.
    fn direction_site(&self) -> Vector3<f64> {
        let local = geodesy::rae_to_enu(1.0, self.azimuth_rad, self.elevation_rad.unwrap_or(0.0));
        self.geometry.site_to_sensor.inverse().vector(&local)
    }
}

/// Parameters for a two-point start.
pub(crate) struct TwoPoint {
    pub unmeasured_height_var_m2: f64,
    pub assumed_height_m: f64,
}

/// The Gaussian after two position measurements `dt_s` apart (two-point differencing:
/// velocity from the difference, covariance propagated exactly for the linear map).
pub(crate) fn two_point(
    seed: &Seed,
    pos_m: &Vector3<f64>,
    cov_m2: &Matrix3<f64>,
    has_height: bool,
    dt_s: f64,
    p: &TwoPoint,
) -> Gaussian {
    let mut p1 = seed.position_m;
    let mut p2 = *pos_m;
    let mut c1 = seed.cov_m2;
    let mut c2 = *cov_m2;
    let both_height = seed.has_height && has_height;
    if !has_height {
        p2.z = if seed.has_height {
            p1.z
        } else {
            p.assumed_height_m
        };
    }
    if !both_height {
        // Without two heights there is no vertical rate: keep the height and let later
        // measurements settle it.
        p1.z = p2.z;
        for k in 0..3 {
            c1[(2, k)] = 0.0;
            c1[(k, 2)] = 0.0;
        }
        c1[(2, 2)] = 0.0;
        if !has_height {
            for k in 0..2 {
                c2[(2, k)] = 0.0;
                c2[(k, 2)] = 0.0;
            }
            c2[(2, 2)] = if seed.has_height {
                seed.cov_m2[(2, 2)]
            } else {
                p.unmeasured_height_var_m2
            };
        }
    }
    let v = (p2 - p1) / dt_s;
    let mut mean = Vector6::zeros();
    mean.fixed_rows_mut::<3>(0).copy_from(&p2);
    mean.fixed_rows_mut::<3>(3).copy_from(&v);
    let mut cov = Matrix6::zeros();
    cov.fixed_view_mut::<3, 3>(0, 0).copy_from(&c2);
    cov.fixed_view_mut::<3, 3>(0, 3).copy_from(&(c2 / dt_s));
    cov.fixed_view_mut::<3, 3>(3, 0).copy_from(&(c2 / dt_s));
    let vel = (c1 + c2) / (dt_s * dt_s);
    cov.fixed_view_mut::<3, 3>(3, 3).copy_from(&vel);
    if !both_height {
        // Vertical speed of a target whose height is not measured twice: a few m/s,
        // and not derived from the heights, so uncorrelated with everything else.
        // (Its correlation with the height as a difference of heights, left beside a
        // variance of 25, made the covariance indefinite: a later 3D update then gave
        // negative variances and a climb of tens of m/s.)
        for k in 0..6 {
            cov[(5, k)] = 0.0;
            cov[(k, 5)] = 0.0;
        }
        cov[(5, 5)] = 25.0;
    }
    Gaussian { mean, cov }
}

/// Where two bearings cross, in site ENU, with a covariance; `None` when the rays are
/// near parallel, cross behind a sensor, or beyond what either sensor can hear
/// (`max_range_m[0]` for `a`, `[1]` for `b`): a crossing where one of them could not
/// have heard the target is a ghost.
pub(crate) fn cross_bearings(
    a: &BearingSeed,
    b: &BearingSeed,
    max_range_m: [f64; 2],
    min_crossing_rad: f64,
    assumed_height_m: f64,
    height_var_m2: f64,
    max_speed_mps: f64,
) -> Option<Gaussian> {
    let pa = a.geometry.position_site_m;
    let pb = b.geometry.position_site_m;
    let da = a.direction_site();
    let db = b.direction_site();
    // Horizontal crossing of p_a + s u_a = p_b + r u_b.
    let ua = nalgebra::Vector2::new(da.x, da.y);
    let ub = nalgebra::Vector2::new(db.x, db.y);
    let (na, nb) = (ua.norm(), ub.norm());
    if na < 1e-6 || nb < 1e-6 {
        return None;
    }
    let (ua, ub) = (ua / na, ub / nb);
    let cross = ua.x * ub.y - ua.y * ub.x;
    if cross.abs() < min_crossing_rad.sin() {
        return None;
    }
    let d = nalgebra::Vector2::new(pb.x - pa.x, pb.y - pa.y);
    let s = (d.x * ub.y - d.y * ub.x) / cross;
    let r = (d.x * ua.y - d.y * ua.x) / cross;
    if s <= 0.0 || r <= 0.0 || s > max_range_m[0] || r > max_range_m[1] {
        return None;
    }
    let x = pa.x + s * ua.x;
    let y = pa.y + s * ua.y;
    // Height from whichever bearing has elevation, else the assumed height.
    let (z, zvar) = match (a.elevation_rad, b.elevation_rad) {
        (Some(e), _) => (pa.z + s * e.tan(), (s * 0.05).powi(2) + 100.0),
        (None, Some(e)) => (pb.z + r * e.tan(), (r * 0.05).powi(2) + 100.0),
        (None, None) => (assumed_height_m, height_var_m2),
    };
    // Cross-range errors of each bearing, inflated by the crossing geometry.
    let hvar =
        ((a.sigma_azimuth_rad * s).powi(2) + (b.sigma_azimuth_rad * r).powi(2)) / (cross * cross);
    let vvar = max_speed_mps * max_speed_mps / 3.0;
    let mean = Vector6::new(x, y, z, 0.0, 0.0, 0.0);
    let cov = Matrix6::from_diagonal(&Vector6::new(hvar, hvar, zvar, vvar, vvar, 25.0));
    Some(Gaussian { mean, cov })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
    use super::*;
    use nalgebra::Matrix3;
    use proptest::prelude::*;

    fn seed(p: [f64; 3], var: [f64; 3], has_height: bool) -> Seed {
        Seed {
            time_s: 0.0,
            position_m: Vector3::from(p),
            cov_m2: Matrix3::from_diagonal(&Vector3::from(var)),
            has_height,
            used: false,
            seq: 0,
            coop_id: 0,
        }
    }

    const TP: TwoPoint = TwoPoint {
        unmeasured_height_var_m2: 1e4,
        assumed_height_m: 100.0,
    };

    /// Expected covariance from its non-zero upper-triangle entries.
    fn sym(entries: &[((usize, usize), f64)]) -> Matrix6<f64> {
        let mut m = Matrix6::zeros();
        for &((i, j), v) in entries {
            m[(i, j)] = v;
            m[(j, i)] = v;
        }
        m
    }

    /// Two plots without height, 2 s apart: the velocity is the difference over 2 s,
    /// the height is the assumed one with the unmeasured variance, and the vertical
    /// speed is uncorrelated with 25 (m/s)^2. Hand-computed: var(vx) = (4 + 9) / 4,
    /// cov(x, vx) = 9 / 2.
    #[test]
    fn two_plots_without_height() {
        let s = seed([0.0, 0.0, 0.0], [4.0, 4.0, 0.0], false);
        let c2 = Matrix3::from_diagonal(&Vector3::new(9.0, 9.0, 0.0));
        let g = two_point(&s, &Vector3::new(10.0, 20.0, 0.0), &c2, false, 2.0, &TP);
        assert_eq!(g.mean.as_slice(), &[10.0, 20.0, 100.0, 5.0, 10.0, 0.0]);
        let want = sym(&[
            ((0, 0), 9.0),
            ((1, 1), 9.0),
            ((2, 2), 1e4),
            ((0, 3), 4.5),
            ((1, 4), 4.5),
            ((3, 3), 3.25),
            ((4, 4), 3.25),
            ((5, 5), 25.0),
        ]);
        assert_eq!(g.cov, want);
    }

    /// A plot with height after a seed without: the height is the plot's, with its
    /// variance, and still no vertical rate (one height is no rate).
    #[test]
    fn a_height_after_a_seed_without() {
        let s = seed([0.0, 0.0, 0.0], [4.0, 4.0, 0.0], false);
        let c2 = Matrix3::from_diagonal(&Vector3::new(9.0, 9.0, 400.0));
        let g = two_point(&s, &Vector3::new(10.0, 20.0, 300.0), &c2, true, 2.0, &TP);
        assert_eq!(g.mean.as_slice(), &[10.0, 20.0, 300.0, 5.0, 10.0, 0.0]);
        assert_eq!(g.cov[(2, 2)], 400.0);
        assert_eq!(g.cov[(2, 5)], 0.0);
        assert_eq!(g.cov[(5, 5)], 25.0);
    }

    /// Two heights: the vertical rate is differenced like the horizontal one.
    /// var(vz) = (100 + 400) / 4, cov(z, vz) = 400 / 2.
    #[test]
    fn two_heights_give_a_vertical_rate() {
        let s = seed([0.0, 0.0, 0.0], [4.0, 4.0, 100.0], true);
        let c2 = Matrix3::from_diagonal(&Vector3::new(9.0, 9.0, 400.0));
        let g = two_point(&s, &Vector3::new(10.0, 20.0, 50.0), &c2, true, 2.0, &TP);
        assert_eq!(g.mean[5], 25.0);
        assert_eq!(g.cov[(2, 5)], 200.0);
        assert_eq!(g.cov[(5, 5)], 125.0);
    }

    /// A random symmetric positive semi-definite 3x3 matrix of about `scale`^2.
    fn psd(a: [f64; 9], scale: f64) -> Matrix3<f64> {
        let a = Matrix3::from_row_slice(&a) * scale;
        a * a.transpose()
    }

    proptest! {
        /// Whatever the heights, the started covariance is positive semi-definite: a
        /// Kalman update from an indefinite prior gives negative variances.
        #[test]
        fn the_start_is_positive_semi_definite(
            a in proptest::array::uniform9(-1.0f64..1.0),
            b in proptest::array::uniform9(-1.0f64..1.0),
            scale in 0.1f64..1000.0,
            dt in 0.05f64..30.0,
            heights in (any::<bool>(), any::<bool>()),
        ) {
            let mut s = seed([0.0; 3], [0.0; 3], heights.0);
            s.cov_m2 = psd(a, scale);
            let g = two_point(&s, &Vector3::new(1.0, 2.0, 3.0), &psd(b, scale), heights.1, dt, &TP);
            let eig = g.cov.symmetric_eigen().eigenvalues;
            let tol = 1e-9 * g.cov.abs().max();
            prop_assert!(eig.iter().all(|&e| e >= -tol), "eigenvalues {eig:?}");
        }
    }
}
