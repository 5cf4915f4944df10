//! Estimation: motion models, measurement models and the filters that combine them.
//!
//! The state is always 6D in the site's local ENU frame: `[x, y, z, vx, vy, vz]`
//! (metres, metres per second). Measurements are linearised about the predicted state
//! (exact for position measurements, first-order EKF for polar and bearing ones) into a
//! fixed 3-row form so one update routine serves every measurement kind; rows a
//! measurement does not have are padded so they carry no information (zero Jacobian,
//! unit noise, zero innovation), which leaves the update and likelihood unchanged.
//!
//! Pure: no IO, no clock; time differences are parameters.
#![deny(missing_docs)]

mod filter;
mod imm;
mod measurement;
mod motion;

pub use filter::{mixture_reduce, update, Gaussian, Innovation, UpdateOutcome};
pub use imm::{GateResult, ImmConfig, ImmState, MAX_MODES};
pub use measurement::{linearize, Linearized, MeasurementModel, SensorGeometry};
pub use motion::NearlyConstantVelocity;

/// 6D state vector `[x, y, z, vx, vy, vz]`.
pub type StateVector = nalgebra::Vector6<f64>;
/// 6x6 state covariance.
pub type StateCovariance = nalgebra::Matrix6<f64>;

/// Errors from estimation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EstimationError {
    /// The innovation covariance is not positive definite (degenerate geometry or a
    /// corrupted state).
    #[error("innovation covariance is not positive definite")]
    SingularInnovation,
    /// A time step was negative or not finite.
    #[error("time step {0} s is negative or not finite")]
    TimeStep(f64),
    /// A result was not finite.
    #[error("estimate became non-finite")]
    NonFinite,
}
