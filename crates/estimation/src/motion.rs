use crate::{filter::Gaussian, EstimationError, StateCovariance};
use nalgebra::Matrix6;

/// Nearly-constant-velocity motion in 3D with white acceleration noise, independent per
/// axis (the discretised continuous white-noise acceleration model of Bar-Shalom, Li and
/// Kirubarajan, "Estimation with Applications to Tracking and Navigation", 2001, §6.2.2).
///
/// # Units
/// Spectral densities in m^2/s^3.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearlyConstantVelocity {
    /// Acceleration noise spectral density on east and north.
    pub q_horizontal_m2ps3: f64,
    /// Acceleration noise spectral density on up.
    pub q_vertical_m2ps3: f64,
}

impl NearlyConstantVelocity {
    /// Transition matrix for a step of `dt_s` seconds.
    pub fn transition(dt_s: f64) -> Matrix6<f64> {
        let mut f = Matrix6::identity();
        for i in 0..3 {
            f[(i, i + 3)] = dt_s;
        }
        f
    }

    /// Process noise for a step of `dt_s` seconds.
    pub fn noise(&self, dt_s: f64) -> StateCovariance {
        let dt2 = dt_s * dt_s;
        let dt3 = dt2 * dt_s;
        let mut q = Matrix6::zeros();
        for i in 0..3 {
            let s = if i == 2 {
                self.q_vertical_m2ps3
            } else {
                self.q_horizontal_m2ps3
            };
            q[(i, i)] = s * dt3 / 3.0;
            q[(i, i + 3)] = s * dt2 / 2.0;
            q[(i + 3, i)] = s * dt2 / 2.0;
            q[(i + 3, i + 3)] = s * dt_s;
        }
        q
    }

    /// Predicts a Gaussian `dt_s` seconds ahead.
    pub fn predict(&self, g: &Gaussian, dt_s: f64) -> Result<Gaussian, EstimationError> {
        if !dt_s.is_finite() || dt_s < 0.0 {
            return Err(EstimationError::TimeStep(dt_s));
        }
        if dt_s == 0.0 {
            return Ok(*g);
        }
        let f = Self::transition(dt_s);
        let mut cov = f * g.cov * f.transpose() + self.noise(dt_s);
        symmetrize(&mut cov);
        Ok(Gaussian {
            mean: f * g.mean,
            cov,
        })
    }
}

pub(crate) fn symmetrize(m: &mut StateCovariance) {
    for i in 0..6 {
        for j in (i + 1)..6 {
            let a = 0.5 * (m[(i, j)] + m[(j, i)]);
            m[(i, j)] = a;
            m[(j, i)] = a;
        }
    }
}
