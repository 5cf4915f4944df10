use classify::{ClassState, IdentityState};
use estimation::{Gaussian, ImmState};
use model::{SeenBy, TrackStatus};

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
    /// Log-odds the track started with. A tentative track is deleted below the
    /// configured floor or, when it started under that floor (dense clutter makes
    /// two plots weak evidence), once it falls a nat below its start.
    pub start_log_odds: f64,
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
    /// Sensors that updated it (a detection that was at least even odds its own).
    pub seen_by: SeenBy,
}

/// What a batch reads of a track before touching it: its combined estimate's
/// horizontal centre and a bound on its gate radius, in a compact array beside the
/// tracks. A sensor's batch then visits only the tracks it can see or gate with; with
/// a hundred radars each scanning its own patch of a sector, walking every track
/// (each a few kilobytes, a cache miss apiece) for every scan cost more than the
/// tracking itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Brief {
    pub status: TrackStatus,
    /// Whether the track has been confirmed (it has a public id).
    pub has_id: bool,
    pub last_update_s: f64,
    /// Time of the estimate.
    time_s: f64,
    x_m: f64,
    y_m: f64,
    vx_mps: f64,
    vy_mps: f64,
    /// Largest horizontal distance of a mode's mean from the combined mean, in
    /// position and in velocity.
    mode_offset_m: f64,
    mode_offset_mps: f64,
    /// Largest horizontal position variance, position-velocity covariance and
    /// velocity variance over the modes and both axes.
    var_m2: f64,
    cov_m2ps: f64,
    var_m2ps2: f64,
}

impl Brief {
    pub fn of(tr: &Track) -> Self {
        let c = &tr.combined.mean;
        let mut b = Self {
            status: tr.status,
            has_id: tr.id != 0,
            last_update_s: tr.last_update_s,
            time_s: tr.time_s,
            x_m: c[0],
            y_m: c[1],
            vx_mps: c[3],
            vy_mps: c[4],
            mode_offset_m: 0.0,
            mode_offset_mps: 0.0,
            var_m2: 0.0,
            cov_m2ps: f64::NEG_INFINITY,
            var_m2ps2: 0.0,
        };
        for g in &tr.state.modes[..tr.state.n_modes] {
            let (m, p) = (&g.mean, &g.cov);
            b.mode_offset_m = b.mode_offset_m.max((m[0] - c[0]).hypot(m[1] - c[1]));
            b.mode_offset_mps = b.mode_offset_mps.max((m[3] - c[3]).hypot(m[4] - c[4]));
            b.var_m2 = b.var_m2.max(p[(0, 0)]).max(p[(1, 1)]);
            b.cov_m2ps = b.cov_m2ps.max(p[(0, 3)]).max(p[(1, 4)]);
            b.var_m2ps2 = b.var_m2ps2.max(p[(3, 3)]).max(p[(4, 4)]);
        }
        b
    }

    /// The combined estimate's horizontal position at `t`, as gating and coverage
    /// compute it.
    pub fn centre_at(&self, t: f64) -> (f64, f64) {
        let dt = t - self.time_s;
        (self.x_m + self.vx_mps * dt, self.y_m + self.vy_mps * dt)
    }

    /// An upper bound of the gate disc radius the batch computes per mode at `t`
    /// (offset of the mode's predicted mean plus the scaled predicted sigma): each
    /// term is bounded by its maximum over modes and axes, which holds for `dt >= 0`.
    /// Infinite (visit the track) when that does not hold or a term is not finite.
    pub fn reach_bound_m(&self, t: f64, gate: f64, q_max_h: f64, max_sigma_m: f64) -> f64 {
        let dt = t - self.time_s;
        if !(dt >= 0.0) {
            return f64::INFINITY;
        }
        let var = (self.var_m2 + 2.0 * dt * self.cov_m2ps + dt * dt * self.var_m2ps2).max(0.0)
            + q_max_h * dt * dt * dt / 3.0;
        let r = self.mode_offset_m
            + dt * self.mode_offset_mps
            + (gate * (var + max_sigma_m * max_sigma_m)).sqrt() * 1.05;
        // Rounding: the batch's own sum runs in a different order.
        if r.is_finite() {
            r * (1.0 + 1e-9) + 1e-6
        } else {
            f64::INFINITY
        }
    }
}
