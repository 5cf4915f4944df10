//! Unpaired position detections waiting for a second one, in a hashed grid that lives
//! across batches.
//!
//! A grid rebuilt from every seed each batch (and a pass to drop the old ones) costs in
//! proportion to the whole sector's seeds: with a hundred radars each scanning its own
//! patch, that was most of the tracker's time. Here a batch touches only the cells
//! near its own detections, clearing the old and used seeds out of those it reads
//! (and dropping the cells that empties), plus more cells in turn, twice as many as
//! seeds were added since the last batch and at least a few, so cells no query reads are
//! cleared too and the store stays in proportion to the seeds that can still pair,
//! not to the area clutter has ever fallen on; and no batch pays for a sweep of the
//! whole store (which would stall a live service). Hand-written rather than an R-tree
//! crate because seeds come and go by the thousand every scan and only fixed-radius
//! queries are needed.

use crate::initiation::Seed;
// Cell keys are small integer pairs hashed once per query cell: the standard SipHash
// cost more than the queries on a small scenario.
use rustc_hash::FxHashMap as HashMap;

/// Grid cell index.
type Cell = (i64, i64);

/// Where one seed sits (its cell and its place in the cell), with its time and
/// creation order for sorting without looking it up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SeedRef {
    cell: Cell,
    index: u32,
    pub time_s: f64,
    pub seq: u64,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct SeedStore {
    cell_m: f64,
    cells: HashMap<Cell, Vec<Seed>>,
    /// Creation order of the next seed: the tie-break between seeds of one time.
    next_seq: u64,
    /// Cells still to clear in the current round of [`SeedStore::sweep`].
    to_sweep: Vec<Cell>,
    /// Emptied cells' vectors, kept for new cells: cells empty and fill all the time,
    /// and allocating afresh cost more than the queries on a small scenario.
    spare: Vec<Vec<Seed>>,
    /// Seeds added since the last sweep: the next sweep clears as many cells.
    pushed: usize,
}

/// Spare vectors kept at most: enough for a scan of 100,000 clutter plots, whose cells
/// empty and fill by the tens of thousands (with 1,024, allocation and freeing were a
/// quarter of the scale benchmark's time); some tens of megabytes when all are held.
const MAX_SPARE: usize = 1 << 16;

/// Fewest cells [`SeedStore::sweep`] clears per call (it clears twice as many as seeds
/// were added since the previous call when that is more).
const SWEEP_CELLS: usize = 64;

/// Whether a seed can still pair at `t`.
fn live(s: &Seed, t: f64, window_s: f64) -> bool {
    !s.used && t - s.time_s <= window_s
}

/// A position far beyond any sector lands in an edge cell (the floor saturates).
fn cell_of(v: f64, cell_m: f64) -> i64 {
    association::floor_i64(v / cell_m)
}

impl SeedStore {
    /// A store with cells of `cell_m` (about a query's radius: a query then reads a
    /// 3 x 3 block).
    pub fn new(cell_m: f64) -> Self {
        Self {
            cell_m: if cell_m.is_finite() && cell_m > 0.0 {
                cell_m
            } else {
                1_000.0
            },
            ..Self::default()
        }
    }

    /// Adds a seed (a non-finite position could never be found, so it is not kept).
    pub fn push(&mut self, mut s: Seed) {
        let (x, y) = (s.position_m.x, s.position_m.y);
        if !(x.is_finite() && y.is_finite()) {
            return;
        }
        s.seq = self.next_seq;
        self.next_seq += 1;
        self.pushed += 1;
        let spare = &mut self.spare;
        self.cells
            .entry((cell_of(x, self.cell_m), cell_of(y, self.cell_m)))
            .or_insert_with(|| spare.pop().unwrap_or_default())
            .push(s);
    }

    /// Seeds held (some may be used or too old until their cell is cleared).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.cells.values().map(Vec::len).sum()
    }

    /// Clears used seeds and those older than `window_s` at `t` out of the next cells
    /// of a round over every cell (twice as many as seeds were added since the last
    /// call, at least [`SWEEP_CELLS`]), dropping the cells that leaves empty; a round
    /// that ends starts another. A round over N cells then lasts while N / 2 seeds
    /// arrive, so the cells held settle near twice the seeds that can still pair
    /// (clearing only as many as arrive would hold any number reached once).
    pub fn sweep(&mut self, t: f64, window_s: f64) {
        if self.to_sweep.is_empty() {
            self.to_sweep.extend(self.cells.keys().copied());
        }
        let budget = (2 * self.pushed).max(SWEEP_CELLS);
        self.pushed = 0;
        for _ in 0..budget {
            let Some(c) = self.to_sweep.pop() else { break };
            if let Some(v) = self.cells.get_mut(&c) {
                v.retain(|s| live(s, t, window_s));
                if v.is_empty() {
                    self.drop_cell(c);
                }
            }
        }
    }

    /// Removes an (empty) cell, keeping its vector for a new one.
    fn drop_cell(&mut self, c: Cell) {
        if let Some(v) = self.cells.remove(&c) {
            if self.spare.len() < MAX_SPARE {
                self.spare.push(v);
            }
        }
    }

    /// Cells held.
    #[cfg(test)]
    pub fn cell_count(&self) -> usize {
        self.cells.len()
    }

    /// Appends to `out` every seed that can still pair at `t` (unused, at most
    /// `window_s` old) whose horizontal position is within `radius_m` of `(x, y)`,
    /// in no particular order; the cells read are cleared of the others first. The
    /// references hold until the store next changes.
    pub fn near(
        &mut self,
        x: f64,
        y: f64,
        radius_m: f64,
        t: f64,
        window_s: f64,
        out: &mut Vec<SeedRef>,
    ) {
        if !(radius_m >= 0.0 && x.is_finite() && y.is_finite()) {
            return;
        }
        let r2 = radius_m * radius_m;
        let mut take = |cell: Cell, v: &mut Vec<Seed>| {
            v.retain(|s| live(s, t, window_s));
            for (i, s) in v.iter().enumerate() {
                let (dx, dy) = (s.position_m.x - x, s.position_m.y - y);
                if dx * dx + dy * dy <= r2 {
                    out.push(SeedRef {
                        cell,
                        index: i as u32,
                        time_s: s.time_s,
                        seq: s.seq,
                    });
                }
            }
        };
        let (cx0, cx1) = (
            cell_of(x - radius_m, self.cell_m),
            cell_of(x + radius_m, self.cell_m),
        );
        let (cy0, cy1) = (
            cell_of(y - radius_m, self.cell_m),
            cell_of(y + radius_m, self.cell_m),
        );
        let span = (cx1.saturating_sub(cx0) as u128 + 1) * (cy1.saturating_sub(cy0) as u128 + 1);
        if span > self.cells.len() as u128 {
            // A huge radius (a very uncertain plot): visiting the occupied cells is
            // cheaper than the empty ones. Emptied cells stay until a sweep.
            for (&cell, v) in self.cells.iter_mut() {
                take(cell, v);
            }
            return;
        }
        for cy in cy0..=cy1 {
            for cx in cx0..=cx1 {
                if let Some(v) = self.cells.get_mut(&(cx, cy)) {
                    take((cx, cy), v);
                    // Nothing in it can pair any more: references point only into
                    // cells with seeds, so dropping it invalidates none.
                    if v.is_empty() {
                        self.drop_cell((cx, cy));
                    }
                }
            }
        }
    }

    pub fn get(&self, r: SeedRef) -> Option<&Seed> {
        self.cells.get(&r.cell)?.get(r.index as usize)
    }

    pub fn mark_used(&mut self, r: SeedRef) {
        if let Some(s) = self
            .cells
            .get_mut(&r.cell)
            .and_then(|v| v.get_mut(r.index as usize))
        {
            s.used = true;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
    use super::*;
    use nalgebra::{Matrix3, Vector3};
    use proptest::prelude::*;

    fn seed(t: f64, x: f64, y: f64) -> Seed {
        Seed {
            time_s: t,
            position_m: Vector3::new(x, y, 0.0),
            cov_m2: Matrix3::identity(),
            has_height: false,
            used: false,
            seq: 0,
            coop_id: 0,
        }
    }

    proptest! {
        /// The grid finds exactly what a scan of every seed finds, at any cell size
        /// and radius (including radii spanning more cells than are occupied).
        #[test]
        fn near_equals_a_full_scan(
            pts in prop::collection::vec((-5e4f64..5e4, -5e4f64..5e4), 0..200),
            q in (-6e4f64..6e4, -6e4f64..6e4),
            r in 0.0f64..3e4,
            cell in 10.0f64..5e3,
        ) {
            let mut st = SeedStore::new(cell);
            for &(x, y) in &pts {
                st.push(seed(0.0, x, y));
            }
            let mut out = Vec::new();
            st.near(q.0, q.1, r, 0.0, 1.0, &mut out);
            let mut got: Vec<u64> = out.iter().map(|&s| st.get(s).unwrap().seq).collect();
            got.sort_unstable();
            let want: Vec<u64> = pts
                .iter()
                .enumerate()
                .filter(|(_, p)| (p.0 - q.0).powi(2) + (p.1 - q.1).powi(2) <= r * r)
                .map(|(i, _)| i as u64)
                .collect();
            prop_assert_eq!(got, want);
        }
    }

    /// Clutter falls somewhere new every scan: the store must hold cells in proportion
    /// to the seeds that can still pair, not to the area clutter has ever covered. Two
    /// hundred scans of 1,000 seeds each at fresh places in a 1,000 km square, a 1 s
    /// window, and the calls a batch makes (a sweep, then a query per seed): at the
    /// end, under 4,000 cells. (Sweeping 64 cells a batch and keeping emptied cells
    /// held about 190,000.)
    #[test]
    fn cells_stay_in_proportion_to_live_seeds() {
        let mut st = SeedStore::new(100.0);
        let mut state = 1u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 11) as f64 / (1u64 << 53) as f64 * 1e6
        };
        let mut out = Vec::new();
        for k in 0..200 {
            let t = k as f64;
            st.sweep(t, 1.0);
            for _ in 0..1000 {
                let (x, y) = (next(), next());
                out.clear();
                st.near(x, y, 150.0, t, 1.0, &mut out);
                st.push(seed(t, x, y));
            }
        }
        assert!(st.cell_count() < 4000, "{} cells", st.cell_count());
        assert!(st.len() >= 1000);
    }

    #[test]
    fn old_and_used_seeds_are_not_found_and_are_cleared() {
        let mut st = SeedStore::new(100.0);
        st.push(seed(0.0, 0.0, 0.0));
        st.push(seed(4.0, 10.0, 0.0));
        st.push(seed(4.0, 20.0, 0.0));
        st.push(seed(4.0, 5_000.0, 0.0));
        let mut out = Vec::new();
        st.near(20.0, 0.0, 1.0, 4.5, 5.0, &mut out);
        assert_eq!(out.len(), 1);
        st.mark_used(out[0]);
        // At 5.5 s the first seed is too old and the third used: only the second is
        // found, and the cell read holds only it.
        out.clear();
        st.near(0.0, 0.0, 50.0, 5.5, 5.0, &mut out);
        let found: Vec<f64> = out
            .iter()
            .map(|&r| st.get(r).unwrap().position_m.x)
            .collect();
        assert_eq!(found, vec![10.0]);
        assert_eq!(st.len(), 2);
        // A cell no query reads is cleared by the sweep.
        st.sweep(9.5, 5.0);
        assert_eq!(st.len(), 0);
        // Non-finite positions are not kept.
        st.push(seed(11.0, f64::NAN, 0.0));
        assert_eq!(st.len(), 0);
    }
}
