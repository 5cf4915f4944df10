//! Zones in the site frame: the border (an open polyline with our side known), protected
//! sites and no-alert areas (polygons or circles with an altitude band), each behind a
//! spatial index (an R-tree, `rstar`), so a border of thousands of vertices and many
//! sites answer a query in logarithmic time.
//!
//! Pure: no IO, no clock. Everything is in one site's local east/north/up frame, metres;
//! whoever loads zones from geodetic coordinates converts them explicitly (`geodesy`)
//! before building these types.
//!
//! What the alert rules ask of it: which side of the border a point is on and how far
//! (`Border::signed_distance_m`), whether and where a path crossed
//! (`Border::first_crossing`), whether a moving track will cross within a horizon and
//! with what probability (`Border::predict_crossing`), and which areas hold a point
//! (`Areas::containing`).
#![deny(missing_docs)]

mod area;
mod border;

pub use area::{Area, AreaKind, Areas, Shape};
pub use border::{Border, Crossing, Direction, Motion2, PredictedCrossing, Side};

/// A zone that cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ZoneError {
    /// The border's points are unusable.
    #[error("border: {0}")]
    Border(String),
    /// An area is unusable.
    #[error("area `{0}`: {1}")]
    Area(String, String),
}
