/// A uniform grid over 2D points for radius queries.
///
/// Points are bucketed into a dense table of cells over their bounding box by a counting
/// sort (compressed rows: each cell's points are one contiguous run, cells in row-major
/// order), so building is `O(n)` and a query reads the runs of the rows it touches
/// directly, with no search. Cells are never more than about one per point: the
/// requested size is raised to `extent / sqrt(n)` when points are sparse, which bounds
/// the table's memory by the number of points.
#[derive(Debug, Clone, Default)]
pub struct SpatialGrid {
    cell_m: f64,
    /// South-west corner of the table.
    x0: f64,
    y0: f64,
    /// Columns and rows of the table.
    nx: usize,
    ny: usize,
    /// Per cell (row-major), where its run starts in `idx`/`sx`/`sy`; one extra entry
    /// for the end.
    start: Vec<u32>,
    /// Original index and coordinates of each point, in cell order.
    idx: Vec<u32>,
    sx: Vec<f64>,
    sy: Vec<f64>,
    /// Points as given (for the linear mode and the count).
    xs: Vec<f64>,
    ys: Vec<f64>,
    cell_of: Vec<u32>,
    /// Few points: no table, queries scan them all.
    linear: bool,
}

/// Up to this many points the grid is not built and queries scan every point.
const LINEAR_MAX: usize = 128;

/// `floor` by hand: without SSE4.1 in the baseline target, `f64::floor` is a libm call,
/// and this runs for every point and query. Saturates for values beyond `i64`.
pub fn floor_i64(q: f64) -> i64 {
    let t = q as i64;
    if (t as f64) > q {
        t.saturating_sub(1)
    } else {
        t
    }
}

impl SpatialGrid {
    /// An empty grid.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds the grid over `points` (x, y in metres) with square cells of `cell_m`.
    /// Non-finite points are left out. Reuses the grid's buffers.
    ///
    /// `cell_m` is a lower bound: when the points are sparse the grid uses cells of about
    /// `extent / sqrt(n)`, so the table has about one cell per point at most.
    pub fn rebuild(&mut self, points: impl Iterator<Item = (f64, f64)>, cell_m: f64) {
        self.xs.clear();
        self.ys.clear();
        self.idx.clear();
        self.sx.clear();
        self.sy.clear();
        self.start.clear();
        self.cell_of.clear();
        self.nx = 0;
        self.ny = 0;
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for (x, y) in points {
            self.xs.push(x);
            self.ys.push(y);
            if x.is_finite() && y.is_finite() {
                x0 = x0.min(x);
                x1 = x1.max(x);
                y0 = y0.min(y);
                y1 = y1.max(y);
            }
        }
        let extent = (x1 - x0).max(y1 - y0);
        // A handful of points (or a spread too wide for f64 cell arithmetic): a linear
        // scan beats building a table.
        self.linear = self.xs.len() <= LINEAR_MAX || !extent.is_finite();
        if self.linear {
            return;
        }
        let requested = if cell_m.is_finite() && cell_m > 0.0 {
            cell_m
        } else {
            1.0
        };
        let sparse = extent / (self.xs.len() as f64).sqrt();
        // Both are finite and positive, so the table is at most about
        // (sqrt(n) + 1)^2 cells.
        self.cell_m = requested.max(sparse).max(f64::MIN_POSITIVE);
        self.x0 = x0;
        self.y0 = y0;
        self.nx = floor_i64((x1 - x0) / self.cell_m).max(0) as usize + 1;
        self.ny = floor_i64((y1 - y0) / self.cell_m).max(0) as usize + 1;
        let cells = self.nx * self.ny;
        // Counting sort: count per cell, prefix sums, then place each point (stable, so
        // a cell's points keep their input order).
        self.start.resize(cells + 1, 0);
        for (&x, &y) in self.xs.iter().zip(&self.ys) {
            let c = if x.is_finite() && y.is_finite() {
                let cx = (floor_i64((x - self.x0) / self.cell_m).max(0) as usize).min(self.nx - 1);
                let cy = (floor_i64((y - self.y0) / self.cell_m).max(0) as usize).min(self.ny - 1);
                let c = cy * self.nx + cx;
                self.start[c + 1] += 1;
                c as u32
            } else {
                u32::MAX
            };
            self.cell_of.push(c);
        }
        for c in 0..cells {
            self.start[c + 1] += self.start[c];
        }
        let n = self.start[cells] as usize;
        self.idx.resize(n, 0);
        self.sx.resize(n, 0.0);
        self.sy.resize(n, 0.0);
        // `start[c]` walks forward as cell c fills; restored afterwards.
        for (i, &c) in self.cell_of.iter().enumerate() {
            if c == u32::MAX {
                continue;
            }
            let k = self.start[c as usize] as usize;
            self.start[c as usize] += 1;
            self.idx[k] = i as u32;
            self.sx[k] = self.xs[i];
            self.sy[k] = self.ys[i];
        }
        for c in (1..=cells).rev() {
            self.start[c] = self.start[c - 1];
        }
        self.start[0] = 0;
    }

    /// Number of indexed points.
    pub fn len(&self) -> usize {
        if self.linear {
            self.xs
                .iter()
                .zip(&self.ys)
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .count()
        } else {
            self.idx.len()
        }
    }

    /// True when no point is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The table's cells `lo..=hi` along one axis that the interval `[a, b]` touches, or
    /// `None` if it misses the table.
    fn span(a: f64, b: f64, origin: f64, cell_m: f64, n: usize) -> Option<(usize, usize)> {
        let lo = floor_i64((a - origin) / cell_m);
        let hi = floor_i64((b - origin) / cell_m);
        if hi < 0 || lo >= n as i64 {
            return None;
        }
        Some((lo.max(0) as usize, (hi as usize).min(n - 1)))
    }

    /// Calls `f(index)` for every point within `radius_m` of `(x, y)`.
    pub fn for_each_within(&self, x: f64, y: f64, radius_m: f64, mut f: impl FnMut(usize)) {
        if !(radius_m >= 0.0) || !x.is_finite() || !y.is_finite() {
            return;
        }
        let r2 = radius_m * radius_m;
        if self.linear {
            // Eight distances at a time into a bit mask (the compiler turns the inner
            // loop into vector instructions), then a call per hit: most points miss.
            // Non-finite points fail the comparison and are skipped.
            const LANES: usize = 8;
            let xs = self.xs.chunks_exact(LANES);
            let ys = self.ys.chunks_exact(LANES);
            let (x_tail, y_tail) = (xs.remainder(), ys.remainder());
            for (c, (cx, cy)) in xs.zip(ys).enumerate() {
                let mut mask = 0u32;
                for (j, (&px, &py)) in cx.iter().zip(cy).enumerate() {
                    let d2 = (px - x) * (px - x) + (py - y) * (py - y);
                    mask |= u32::from(d2 <= r2) << j;
                }
                while mask != 0 {
                    f(c * LANES + mask.trailing_zeros() as usize);
                    mask &= mask - 1;
                }
            }
            let base = self.xs.len() - x_tail.len();
            for (j, (&px, &py)) in x_tail.iter().zip(y_tail).enumerate() {
                if (px - x) * (px - x) + (py - y) * (py - y) <= r2 {
                    f(base + j);
                }
            }
            return;
        }
        if self.idx.is_empty() {
            return;
        }
        let Some((cx0, cx1)) =
            Self::span(x - radius_m, x + radius_m, self.x0, self.cell_m, self.nx)
        else {
            return;
        };
        let Some((cy0, cy1)) =
            Self::span(y - radius_m, y + radius_m, self.y0, self.cell_m, self.ny)
        else {
            return;
        };
        // The cells of one row that the query touches are one contiguous run.
        for cy in cy0..=cy1 {
            let a = self.start[cy * self.nx + cx0] as usize;
            let b = self.start[cy * self.nx + cx1 + 1] as usize;
            for k in a..b {
                let (px, py) = (self.sx[k], self.sy[k]);
                if (px - x) * (px - x) + (py - y) * (py - y) <= r2 {
                    f(self.idx[k] as usize);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn radius_query_equals_brute_force(
            pts in proptest::collection::vec((-5000.0f64..5000.0, -5000.0f64..5000.0), 0..200),
            q in (-6000.0f64..6000.0, -6000.0f64..6000.0),
            r in 0.0f64..3000.0,
            cell in 10.0f64..2000.0,
        ) {
            let mut g = SpatialGrid::new();
            g.rebuild(pts.iter().copied(), cell);
            let (got, want) = query_and_brute_force(&g, &pts, q, r);
            prop_assert_eq!(got, want);
        }
    }

    /// The grid's answer to a radius query, sorted, and the brute-force answer.
    fn query_and_brute_force(
        g: &SpatialGrid,
        pts: &[(f64, f64)],
        q: (f64, f64),
        r: f64,
    ) -> (Vec<usize>, Vec<usize>) {
        let mut got = Vec::new();
        g.for_each_within(q.0, q.1, r, |i| got.push(i));
        got.sort_unstable();
        let want = pts
            .iter()
            .enumerate()
            .filter(|(_, p)| (p.0 - q.0).powi(2) + (p.1 - q.1).powi(2) <= r * r)
            .map(|(i, _)| i)
            .collect();
        (got, want)
    }

    proptest! {
        /// Enough points for the table, clustered or spread, with queries inside and
        /// outside it and radii up to beyond the whole extent.
        #[test]
        fn table_query_equals_brute_force(
            pts in proptest::collection::vec(
                prop_oneof![
                    (-100.0f64..100.0, -100.0f64..100.0),
                    (-50_000.0f64..50_000.0, -3_000.0f64..3_000.0),
                    Just((7.0, 7.0)),
                ],
                129..700,
            ),
            qs in proptest::collection::vec((-60_000.0f64..60_000.0, -6000.0f64..6000.0), 1..20),
            r in prop_oneof![0.0f64..300.0, 0.0f64..200_000.0, Just(1e300)],
            cell in 0.01f64..5000.0,
        ) {
            let mut g = SpatialGrid::new();
            g.rebuild(pts.iter().copied(), cell);
            prop_assert_eq!(g.len(), pts.len());
            for q in qs {
                let (got, want) = query_and_brute_force(&g, &pts, q, r);
                prop_assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn non_finite_points_are_ignored() {
        let mut g = SpatialGrid::new();
        g.rebuild(
            [(0.0, 0.0), (f64::NAN, 1.0), (1.0, f64::INFINITY)].into_iter(),
            10.0,
        );
        assert_eq!(g.len(), 1);
        let mut n = 0;
        g.for_each_within(0.0, 0.0, 1e9, |_| n += 1);
        assert_eq!(n, 1);
        // The same with enough points for the table.
        let pts: Vec<(f64, f64)> = (0..300)
            .map(|i| match i % 3 {
                0 => (f64::from(i), 0.0),
                1 => (f64::NAN, 0.0),
                _ => (0.0, f64::NEG_INFINITY),
            })
            .collect();
        g.rebuild(pts.into_iter(), 10.0);
        assert_eq!(g.len(), 100);
        let mut got = Vec::new();
        g.for_each_within(0.0, 0.0, 1e9, |i| got.push(i));
        assert_eq!(got, (0..300).step_by(3).collect::<Vec<_>>());
    }
}
