//! The sensor-network planner behind `skyfence plan`: given a border, a catalogue of
//! sensors with prices and the threats, where to put which sensors, how early each
//! threat is seen along every kilometre, what it costs, and a scenario that checks the
//! promise in simulation (`docs/planning.md`).
//!
//! Pure: no IO, no clock. The coverage model is the simulator's own sensor model, so a
//! plan and its simulation agree by construction on what each sensor can sense; what
//! the closed loop then tests is the planning itself.
#![deny(missing_docs)]

pub mod border;
pub mod inputs;
pub mod model;
pub mod optimise;
pub mod plan;
pub mod terrain;

pub use border::BorderLine;
pub use inputs::{Catalogue, CatalogueItem, ThreatProfile, Threats};
pub use model::ModelOptions;
pub use optimise::Goal;
pub use plan::{plan, scenario, Plan, PlanRequest, Stage};
pub use terrain::Terrain;

/// Errors of planning.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// Inputs that cannot be planned with: every problem found.
    #[error("{}", .0.join("\n"))]
    Input(Vec<String>),
    /// A position the geodesy refused.
    #[error("position: {0}")]
    Geodesy(#[from] geodesy::GeodesyError),
    /// The simulator refused a sensor or target.
    #[error("{0}")]
    Simulation(#[from] simulator::SimulationError),
}
