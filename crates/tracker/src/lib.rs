//! The tracker: turns a time-ordered stream of detections from many sensors into
//! tracks. Detections are pushed in (the tracker never reads); reports come out through
//! a callback each time the input moves past a time.
//!
//! Stages per batch (the detections of one sensor at one time), in Stone Soup's
//! vocabulary: predictor and updater (`estimation`), hypothesiser (gating with a spatial
//! grid and log-likelihood-ratio scores), data associator (`association`: GNN or JPDA),
//! initiator (two-point for position measurements, crossing bearings for passive
//! sensors), and confirmer/deleter (a sequential test on the probability of existence).
//!
//! Pure: no IO, no clock; time comes from the detections.
#![deny(missing_docs)]

mod chi2;
mod config;
mod existence;
mod initiation;
mod seeds;
mod track;
mod tracker;

pub use config::{
    AssociationConfig, AssociationMethod, InitiationConfig, ManagementConfig, MotionConfig,
    MotionKind, TimingConfig, TrackerConfig,
};
pub use tracker::{Rejection, Tracker, TrackerStats};

/// Errors building a tracker.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TrackerError {
    /// The configuration has invalid values; every problem is listed.
    #[error("invalid tracker configuration:\n  {}", .0.join("\n  "))]
    Config(Vec<String>),
}
