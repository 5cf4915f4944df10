use crate::{
    measurement::Linearized, motion::symmetrize, EstimationError, StateCovariance, StateVector,
};
use nalgebra::{Matrix3, Matrix6, Matrix6x3, Vector3};

/// A Gaussian estimate of the 6D state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gaussian {
    /// Mean `[x, y, z, vx, vy, vz]`, metres and metres per second, site ENU.
    pub mean: StateVector,
    /// Covariance.
    pub cov: StateCovariance,
}

impl Gaussian {
    /// Whether mean and covariance are finite.
    pub fn is_finite(&self) -> bool {
        self.mean.iter().all(|v| v.is_finite()) && self.cov.iter().all(|v| v.is_finite())
    }
}

/// Innovation statistics of a measurement against a predicted state, without updating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Innovation {
    /// Squared Mahalanobis distance of the innovation.
    pub mahalanobis2: f64,
    /// Log of the Gaussian likelihood `N(z; h(x), S)` in the measurement's own space.
    pub log_likelihood: f64,
    /// Measurement dimension (1 to 3).
    pub dim: usize,
    s_inv: Matrix3<f64>,
}

const LN_2PI: f64 = 1.837_877_066_409_345_5;

impl Innovation {
    /// Computes the innovation statistics of `lin` against `g`.
    pub fn new(g: &Gaussian, lin: &Linearized) -> Result<Self, EstimationError> {
        Self::with_block(g, lin, position_block(lin).as_ref())
    }

    /// [`Innovation::new`] with the Jacobian's position block already looked for.
    fn with_block(
        g: &Gaussian,
        lin: &Linearized,
        hp: Option<&Matrix3<f64>>,
    ) -> Result<Self, EstimationError> {
        let s = match hp {
            Some(hp) => hp * g.cov.fixed_view::<3, 3>(0, 0) * hp.transpose() + lin.r,
            None => lin.h * g.cov * lin.h.transpose() + lin.r,
        };
        let chol = nalgebra::Cholesky::new(s).ok_or(EstimationError::SingularInnovation)?;
        let s_inv = chol.inverse();
        let det: f64 = chol.l_dirty().diagonal().iter().map(|d| d * d).product();
        if !(det > 0.0) || !det.is_finite() {
            return Err(EstimationError::SingularInnovation);
        }
        let d2 = (lin.innovation.transpose() * s_inv * lin.innovation)[(0, 0)];
        let log_likelihood = -0.5 * (d2 + det.ln() + lin.dim as f64 * LN_2PI);
        Ok(Self {
            mahalanobis2: d2,
            log_likelihood,
            dim: lin.dim,
            s_inv,
        })
    }
}

/// Result of a Kalman update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UpdateOutcome {
    /// The posterior.
    pub posterior: Gaussian,
    /// Innovation statistics of the measurement against the prior.
    pub innovation: Innovation,
}

/// Kalman (or, for linearised models, extended Kalman) update of `g` with `lin`.
///
/// Uses the Joseph form so the covariance stays symmetric positive semi-definite in
/// floating point.
pub fn update(g: &Gaussian, lin: &Linearized) -> Result<UpdateOutcome, EstimationError> {
    let hp = position_block(lin);
    let innovation = Innovation::with_block(g, lin, hp.as_ref())?;
    let (k, mut cov) = match hp {
        Some(hp) => {
            let pht = g.cov.fixed_columns::<3>(0) * hp.transpose();
            let k = pht * innovation.s_inv;
            // I - K H is the identity but for its position columns.
            let ikh_p = Matrix6x3::identity() - k * hp;
            // (I - K H) P: the velocity rows keep their own row of P, added after the
            // position columns' terms as the general product adds it.
            let mut a = ikh_p * g.cov.fixed_rows::<3>(0);
            for i in 3..6 {
                for j in 0..6 {
                    a[(i, j)] += g.cov[(i, j)];
                }
            }
            // ... times (I - K H)ᵀ, the same way by columns.
            let mut b = a.fixed_columns::<3>(0) * ikh_p.transpose();
            for j in 3..6 {
                for i in 0..6 {
                    b[(i, j)] += a[(i, j)];
                }
            }
            (k, b + k * lin.r * k.transpose())
        }
        None => {
            let pht = g.cov * lin.h.transpose();
            let k = pht * innovation.s_inv;
            let ikh = Matrix6::identity() - k * lin.h;
            (k, ikh * g.cov * ikh.transpose() + k * lin.r * k.transpose())
        }
    };
    let mean = g.mean + k * lin.innovation;
    symmetrize(&mut cov);
    let posterior = Gaussian { mean, cov };
    if !posterior.is_finite() {
        return Err(EstimationError::NonFinite);
    }
    Ok(UpdateOutcome {
        posterior,
        innovation,
    })
}

/// The Jacobian's position block, when its velocity columns are zero (every model
/// skyfence has measures position only).
///
/// Why by hand: a scan updates thousands of tracks, and the general 6×6 products of the
/// Joseph form and of `H P Hᵀ` spent most of their work multiplying those zeros. The
/// position-block forms below add the same nonzero terms in the same order as the
/// general products, so the results are the same to the bit (tested against the
/// general forms).
fn position_block(lin: &Linearized) -> Option<Matrix3<f64>> {
    lin.h
        .fixed_columns::<3>(3)
        .iter()
        .all(|&v| v == 0.0)
        .then(|| lin.h.fixed_columns::<3>(0).into_owned())
}

/// Moment-matches a weighted mixture of Gaussians into one (weights need not be
/// normalised). This is the combination step of PDA/JPDA and of IMM output.
pub fn mixture_reduce(components: &[(f64, Gaussian)]) -> Option<Gaussian> {
    let total: f64 = components.iter().map(|(w, _)| *w).sum();
    if !(total > 0.0) || !total.is_finite() {
        return None;
    }
    let mut mean = StateVector::zeros();
    for (w, g) in components {
        mean += g.mean * (*w / total);
    }
    let mut cov = StateCovariance::zeros();
    for (w, g) in components {
        let d = g.mean - mean;
        cov += (g.cov + d * d.transpose()) * (*w / total);
    }
    symmetrize(&mut cov);
    Some(Gaussian { mean, cov })
}

/// Position part of a state as a 3-vector.
pub(crate) fn position(g: &StateVector) -> Vector3<f64> {
    Vector3::new(g[0], g[1], g[2])
}
