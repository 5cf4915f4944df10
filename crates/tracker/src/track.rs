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

/// A box around where a track's gate disc can be for a while after its brief's time,
/// so a batch can pass over tracks far from it by four comparisons on a compact array.
/// With a hundred radars each sending a batch a second, every batch read every track's
/// brief and worked out its reach: the largest cost of a sector's tracking once clutter
/// tracks number tens of thousands.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReachBox {
    from_s: f64,
    until_s: f64,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl ReachBox {
    /// A box never used (the exact test decides).
    pub const NEVER: Self = Self {
        from_s: f64::INFINITY,
        until_s: f64::NEG_INFINITY,
        x0: 0.0,
        x1: 0.0,
        y0: 0.0,
        y1: 0.0,
    };

    /// A deleted track's: missed by everything.
    pub const GONE: Self = Self {
        from_s: f64::NEG_INFINITY,
        until_s: f64::INFINITY,
        x0: f64::INFINITY,
        x1: f64::NEG_INFINITY,
        y0: f64::INFINITY,
        y1: f64::NEG_INFINITY,
    };

    /// Whether the box, widened by `pad_m`, certainly misses the rectangle
    /// `[x0, x1, y0, y1]` at `t` (an empty rectangle, `x0 > x1`, is missed). False
    /// whenever that is not certain, so the caller falls back to the exact test.
    pub fn misses(&self, t: f64, pad_m: f64, [x0, x1, y0, y1]: [f64; 4]) -> bool {
        // Only `GONE` starts at minus infinity (a brief's box has a finite time).
        self.from_s == f64::NEG_INFINITY
            || t >= self.from_s
                && t <= self.until_s
                && (self.x1 + pad_m < x0
                    || self.x0 - pad_m > x1
                    || self.y1 + pad_m < y0
                    || self.y0 - pad_m > y1)
    }
}

impl Brief {
    /// A box that holds, from the brief's time for `horizon_s` and no later than
    /// `until_s`, the combined centre (for the coverage test) and every point within
    /// [`Brief::reach_bound_m`] of it for plots of no spread; a batch whose plots
    /// spread by `sigma` widens it by `1.05 sqrt(gate) sigma` (`sqrt(a + b) <= sqrt(a) +
    /// sqrt(b)`). Over the horizon the variance is at most its larger end value (a
    /// quadratic with a non-negative square term) plus the largest process noise, and
    /// the offsets grow with time. Margins cover rounding. [`ReachBox::NEVER`] when a
    /// term is not finite.
    pub fn reach_box(&self, horizon_s: f64, gate: f64, q_max_h: f64, until_s: f64) -> ReachBox {
        let h = horizon_s;
        let terms = [
            self.time_s,
            self.x_m,
            self.y_m,
            self.vx_mps,
            self.vy_mps,
            self.mode_offset_m,
            self.mode_offset_mps,
            self.var_m2,
            self.cov_m2ps,
            self.var_m2ps2,
            h,
            gate,
            q_max_h,
            until_s,
        ];
        if !(terms.iter().all(|v| v.is_finite())
            && self.var_m2ps2 >= 0.0
            && self.mode_offset_mps >= 0.0
            && q_max_h >= 0.0
            && gate >= 0.0
            && h >= 0.0)
        {
            return ReachBox::NEVER;
        }
        let quad = |dt: f64| self.var_m2 + 2.0 * dt * self.cov_m2ps + dt * dt * self.var_m2ps2;
        let var = quad(0.0).max(quad(h)).max(0.0) + q_max_h * h * h * h / 3.0;
        let r = (self.mode_offset_m + h * self.mode_offset_mps + 1.05 * (gate * var).sqrt())
            * (1.0 + 1e-6)
            + 0.01;
        let (xa, xb) = (self.x_m, self.x_m + self.vx_mps * h);
        let (ya, yb) = (self.y_m, self.y_m + self.vy_mps * h);
        let b = ReachBox {
            from_s: self.time_s,
            until_s: (self.time_s + h).min(until_s),
            x0: xa.min(xb) - r,
            x1: xa.max(xb) + r,
            y0: ya.min(yb) - r,
            y1: ya.max(yb) + r,
        };
        if [b.x0, b.x1, b.y0, b.y1].iter().all(|v| v.is_finite()) {
            b
        } else {
            ReachBox::NEVER
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
    use super::*;
    use proptest::prelude::*;

    fn speed() -> impl Strategy<Value = f64> {
        prop_oneof![Just(0.0), -300.0f64..300.0]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]
        /// Whenever the box says a track is far from a batch's plots and its sensor's
        /// coverage, the exact tests the batch would otherwise run agree: its gate
        /// bound misses the plots' rectangle and its centre is out of coverage.
        #[test]
        fn the_reach_box_is_conservative(
            centre in (-5e4f64..5e4, -5e4f64..5e4, speed(), speed()),
            offsets in (0.0f64..500.0, 0.0f64..50.0),
            var in (0.0f64..1e5, -1.0f64..1.0, 0.0f64..1e3),
            // At the horizon the box is tightest.
            time in (0.0f64..1e4, 0.0f64..30.0, prop_oneof![Just(2.0), 0.0f64..2.5]),
            gate in 0.5f64..40.0,
            q in 0.0f64..20.0,
            sigma in 0.0f64..200.0,
            // The plots' rectangle and the sensor are placed about as far from the
            // centre as the exact tests' limits, where a box too small would show.
            // Along an axis (where the box is tightest) or in any direction.
            rect in (0.5f64..1.5, prop_oneof![(0..4u8).prop_map(|k| f64::from(k) * std::f64::consts::FRAC_PI_2), 0.0f64..std::f64::consts::TAU], 0.0f64..2e3, 0.0f64..2e3),
            sensor in (0.5f64..1.5, prop_oneof![(0..4u8).prop_map(|k| f64::from(k) * std::f64::consts::FRAC_PI_2), 0.0f64..std::f64::consts::TAU], 0.0f64..3e4),
        ) {
            let (var_m2, rho, var_m2ps2) = var;
            let (time_s, since_update_s, dt) = time;
            let b = Brief {
                status: TrackStatus::Confirmed,
                has_id: true,
                last_update_s: time_s - since_update_s,
                time_s,
                x_m: centre.0,
                y_m: centre.1,
                vx_mps: centre.2,
                vy_mps: centre.3,
                mode_offset_m: offsets.0,
                mode_offset_mps: offsets.1,
                var_m2,
                cov_m2ps: rho * (var_m2 * var_m2ps2).sqrt(),
                var_m2ps2,
            };
            let max_coast_s = 20.0;
            let bx = b.reach_box(2.0, gate, q, b.last_update_s + max_coast_s - 1e-3);
            let t = time_s + dt;
            let pad = 1.05 * gate.sqrt() * sigma * (1.0 + 1e-6) + 0.01;
            let (cx, cy) = b.centre_at(t);
            let r = b.reach_bound_m(t, gate, q, sigma);
            let (px, py) = (cx + rect.0 * r * rect.1.cos(), cy + rect.0 * r * rect.1.sin());
            // The rectangle's corner nearest the centre is the point just placed.
            let (x0, x1) = if px >= cx { (px, px + rect.2) } else { (px - rect.2, px) };
            let (y0, y1) = if py >= cy { (py, py + rect.3) } else { (py - rect.3, py) };
            if bx.misses(t, pad, [x0, x1, y0, y1]) {
                let dx = (x0 - cx).max(cx - x1).max(0.0);
                let dy = (y0 - cy).max(cy - y1).max(0.0);
                prop_assert!(dx * dx + dy * dy > r * r, "reaches: {dx} {dy} {r}");
                prop_assert!(t - b.last_update_s <= max_coast_s);
            }
            let (f, a, max) = sensor;
            let (sx, sy) = (cx + f * max * a.cos(), cy + f * max * a.sin());
            if bx.misses(t, 0.0, [sx - max, sx + max, sy - max, sy + max]) {
                prop_assert!((cx - sx).powi(2) + (cy - sy).powi(2) > max * max);
            }
        }
    }

    #[test]
    fn a_box_with_a_term_not_finite_is_never_used() {
        let mut b = Brief {
            status: TrackStatus::Confirmed,
            has_id: true,
            last_update_s: 0.0,
            time_s: 0.0,
            x_m: 0.0,
            y_m: 0.0,
            vx_mps: 0.0,
            vy_mps: 0.0,
            mode_offset_m: 0.0,
            mode_offset_mps: 0.0,
            var_m2: 100.0,
            cov_m2ps: 0.0,
            var_m2ps2: 1.0,
        };
        const FAR: [f64; 4] = [1e6, 2e6, 1e6, 2e6];
        let far = |bx: ReachBox| bx.misses(1.0, 0.0, FAR);
        assert!(far(b.reach_box(2.0, 16.0, 1.0, 20.0)));
        // Past its horizon, or before its time, the box says nothing.
        assert!(!b.reach_box(2.0, 16.0, 1.0, 20.0).misses(2.5, 0.0, FAR));
        assert!(!b.reach_box(2.0, 16.0, 1.0, 20.0).misses(-0.5, 0.0, FAR));
        b.var_m2 = f64::NAN;
        assert!(!far(b.reach_box(2.0, 16.0, 1.0, 20.0)));
        b.var_m2 = 100.0;
        b.vx_mps = f64::INFINITY;
        assert!(!far(b.reach_box(2.0, 16.0, 1.0, 20.0)));
    }
}
