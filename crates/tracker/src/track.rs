use classify::{ClassState, IdentityState};
use estimation::{Gaussian, ImmState};
use model::TrackStatus;

/// One track in the store.
#[derive(Debug, Clone)]
pub(crate) struct Track {
    /// Public identifier, assigned at confirmation (0 while tentative).
    pub id: u64,
    pub status: TrackStatus,
    /// Time of `state`.
    pub time_s: f64,
    pub state: ImmState,
    /// `state.combined()`, kept because gating, coverage and reporting all read it
    /// and each reduction copies the per-mode estimates.
    pub combined: Gaussian,
    /// Log-odds of existence and the time it refers to.
    pub log_odds: f64,
    pub existence_time_s: f64,
    pub updates: u32,
    pub last_update_s: f64,
    /// Scans in a row that should have seen the track and missed it (0: the last
    /// opportunity was a hit).
    pub misses_in_a_row: u32,
    /// Whether any measurement of height has updated the track.
    pub height_measured: bool,
    /// Class evidence.
    pub class: ClassState,
    /// Cooperative claims and independent support.
    pub identity: IdentityState,
    /// Whether a scan since the last company check put two or more position
    /// detections in the track's gate: an unresolved flock returns several plots.
    pub several_returns: bool,
}
