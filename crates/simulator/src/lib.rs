//! Seeded simulation: truth trajectories and the detections sensors would make of them.
//!
//! Every random process takes an explicit seed (ChaCha8, portable and stable across
//! platforms), so the same parameters give byte-identical output. Pure: no IO, no clock.
//! Never depends on the tracker, so simulations can feed any tracker.
#![deny(missing_docs)]

pub mod engine;
pub mod mtt;
pub mod radar;
pub mod scenario;
pub mod sensors;
pub mod targets;

pub use engine::{SimStats, Simulation};
pub use scenario::Scenario;

/// Errors from simulation parameters.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SimulationError {
    /// A parameter is out of range.
    #[error("invalid simulation parameter `{0}`: {1}")]
    Parameter(&'static str, String),
}
