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
        let mut cov = propagate(&g.cov, dt_s) + self.noise(dt_s);
        symmetrize(&mut cov);
        let mut mean = g.mean;
        for i in 0..3 {
            mean[i] += dt_s * mean[i + 3];
        }
        Ok(Gaussian { mean, cov })
    }
}

/// `F P Fᵀ` for the transition `F = [[I, dt I], [0, I]]`, written out. Every element
/// of the product is one or two terms (the others are multiples of F's zeros), so this
/// does a sixth of the general products' work; prediction runs for every track a scan
/// can touch, and the general 6×6 products were the largest share of the filter's
/// instructions in the scale benchmark. The terms are added in the order the general
/// product adds them, so the result is the same to the bit (tested against the general
/// product).
fn propagate(p: &StateCovariance, dt_s: f64) -> StateCovariance {
    // M = F P: a position row gains dt times its velocity row.
    let mut m = *p;
    for j in 0..6 {
        for i in 0..3 {
            m[(i, j)] = p[(i, j)] + dt_s * p[(i + 3, j)];
        }
    }
    // M Fᵀ: a position column gains dt times its velocity column.
    let mut out = m;
    for j in 0..3 {
        for i in 0..6 {
            out[(i, j)] = m[(i, j)] + dt_s * m[(i, j + 3)];
        }
    }
    out
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
