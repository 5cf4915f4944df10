//! Data association: which detection belongs to which track.
//!
//! The caller (the tracker) gates: it uses [`SpatialGrid`] to find, for each track, the
//! detections near enough to be worth a likelihood, and scores each surviving pair with
//! its log-likelihood ratio against clutter, `ln(Pd N(z; h(x), S) / lambda)`. This crate
//! then splits the pairs into independent clusters and solves each one, either by
//! global nearest neighbour (an optimal assignment per cluster) or by joint probabilistic
//! data association (exact enumeration when the cluster is small, a bounded approximation
//! when it is large). Cost grows with the number of gated pairs, so about linearly with
//! detections when gates are tight.
//!
//! Pure: no IO, no clock, no global state.
#![deny(missing_docs)]

mod grid;
mod solve;

pub use grid::{floor_i64, SpatialGrid};
pub use solve::{Associator, Gated, Method, Solution};

/// Errors from association.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AssociationError {
    /// A score was NaN.
    #[error("association score for track {track}, detection {detection} is not a number")]
    NanScore {
        /// Track index.
        track: usize,
        /// Detection index.
        detection: usize,
    },
    /// An index was out of range.
    #[error("gated pair ({track}, {detection}) is out of range")]
    OutOfRange {
        /// Track index.
        track: usize,
        /// Detection index.
        detection: usize,
    },
    /// The assignment solver failed.
    #[error(transparent)]
    Assignment(#[from] assignment::AssignmentError),
}
