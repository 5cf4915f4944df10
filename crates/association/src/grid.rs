/// A uniform grid over 2D points for radius queries.
///
/// Points are bucketed by cell and sorted by (row, column), so the cells of one grid row
/// that a query touches are contiguous: a radius query costs one binary search per
/// touched row plus the points it visits. Building is a sort, `O(n log n)`; no hashing.
#[derive(Debug, Clone, Default)]
pub struct SpatialGrid {
    cell_m: f64,
    keys: Vec<u64>,
    idx: Vec<u32>,
    xs: Vec<f64>,
    ys: Vec<f64>,
    scratch: Vec<(u64, u32)>,
    /// First row present and, per row from it, where the row starts in `keys` (one
    /// extra entry for the end). Empty when rows are too spread out to index densely.
    first_row: i64,
    row_start: Vec<u32>,
    /// Few points: no index, queries scan them all.
    linear: bool,
}

// Cell coordinates are offset so they stay positive in a u32 for any position within
// +-2^31 cells of the origin; keys sort by row then column.
const OFFSET: i64 = 1 << 31;

/// Up to this many points the grid is not built and queries scan every point.
const LINEAR_MAX: usize = 128;

impl SpatialGrid {
    /// An empty grid.
    pub fn new() -> Self {
        Self::default()
    }

    fn cell(&self, v: f64) -> i64 {
        // Floor by hand: without SSE4.1 in the baseline target, `f64::floor` is a libm
        // call, and this runs for every point and query.
        let q = v / self.cell_m;
        let t = q as i64;
        let f = if (t as f64) > q { t - 1 } else { t };
        f.clamp(-OFFSET + 1, OFFSET - 2)
    }

    fn key(cx: i64, cy: i64) -> u64 {
        (((cy + OFFSET) as u64) << 32) | ((cx + OFFSET) as u64)
    }

    /// Rebuilds the grid over `points` (x, y in metres) with square cells of `cell_m`.
    /// Non-finite points are left out. Reuses the grid's buffers.
    ///
    /// `cell_m` is a lower bound: when the points are sparse the grid uses cells of about
    /// `extent / sqrt(n)`, so a few dozen points spread over a sector do not build and
    /// walk hundreds of empty rows.
    pub fn rebuild(&mut self, points: impl Iterator<Item = (f64, f64)>, cell_m: f64) {
        self.scratch.clear();
        self.xs.clear();
        self.ys.clear();
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
        self.keys.clear();
        self.idx.clear();
        self.row_start.clear();
        // A handful of points: a linear scan beats sorting them.
        self.linear = self.xs.len() <= LINEAR_MAX;
        if self.linear {
            return;
        }
        let requested = if cell_m.is_finite() && cell_m > 0.0 {
            cell_m
        } else {
            1.0
        };
        let extent = (x1 - x0).max(y1 - y0);
        let sparse = if extent.is_finite() {
            extent / (self.xs.len().max(1) as f64).sqrt()
        } else {
            0.0
        };
        self.cell_m = requested.max(sparse);
        for (i, (&x, &y)) in self.xs.iter().zip(&self.ys).enumerate() {
            if x.is_finite() && y.is_finite() {
                let k = Self::key(self.cell(x), self.cell(y));
                self.scratch.push((k, i as u32));
            }
        }
        self.scratch.sort_unstable();
        self.keys.clear();
        self.idx.clear();
        self.keys.extend(self.scratch.iter().map(|p| p.0));
        self.idx.extend(self.scratch.iter().map(|p| p.1));
        // A dense row index turns the per-row binary search over all points (cache
        // misses at every step) into a lookup plus a search within one short row.
        self.row_start.clear();
        if let (Some(&first), Some(&last)) = (self.keys.first(), self.keys.last()) {
            let (r0, r1) = (Self::row_of(first), Self::row_of(last));
            let rows = (r1 - r0 + 1) as usize;
            if rows <= 4 * self.keys.len() + 4096 {
                self.first_row = r0;
                self.row_start.reserve(rows + 1);
                let mut k = 0usize;
                for r in r0..=r1 {
                    while k < self.keys.len() && Self::row_of(self.keys[k]) < r {
                        k += 1;
                    }
                    self.row_start.push(k as u32);
                }
                self.row_start.push(self.keys.len() as u32);
            }
        }
    }

    fn row_of(key: u64) -> i64 {
        (key >> 32) as i64 - OFFSET
    }

    /// The index range of `keys` holding row `cy`, or the whole array without an index.
    fn row_range(&self, cy: i64, from: usize) -> (usize, usize) {
        if self.row_start.is_empty() {
            return (from, self.keys.len());
        }
        let r = cy - self.first_row;
        if r < 0 || r as usize + 1 >= self.row_start.len() {
            return (0, 0);
        }
        (
            self.row_start[r as usize] as usize,
            self.row_start[r as usize + 1] as usize,
        )
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

    /// Calls `f(index)` for every point within `radius_m` of `(x, y)`.
    pub fn for_each_within(&self, x: f64, y: f64, radius_m: f64, mut f: impl FnMut(usize)) {
        if !(radius_m >= 0.0) || !x.is_finite() || !y.is_finite() {
            return;
        }
        let r2 = radius_m * radius_m;
        if self.linear {
            for (i, (&px, &py)) in self.xs.iter().zip(&self.ys).enumerate() {
                // Non-finite points fail the comparison and are skipped.
                if (px - x) * (px - x) + (py - y) * (py - y) <= r2 {
                    f(i);
                }
            }
            return;
        }
        if self.idx.is_empty() {
            return;
        }
        let (cx0, cx1) = (self.cell(x - radius_m), self.cell(x + radius_m));
        let (cy0, cy1) = (self.cell(y - radius_m), self.cell(y + radius_m));
        // A huge radius would visit a huge number of empty rows; cap by scanning all.
        if (cy1 - cy0) as usize > self.idx.len() {
            for &i in &self.idx {
                let (px, py) = (self.xs[i as usize], self.ys[i as usize]);
                if (px - x) * (px - x) + (py - y) * (py - y) <= r2 {
                    f(i as usize);
                }
            }
            return;
        }
        // Rows come in ascending key order, so each row's search starts where the
        // previous one ended.
        let mut from = 0;
        for cy in cy0..=cy1 {
            let lo = Self::key(cx0, cy);
            let hi = Self::key(cx1, cy);
            let (a, b) = self.row_range(cy, from);
            let mut k = a + self.keys[a..b].partition_point(|&k| k < lo);
            while k < b && self.keys[k] <= hi {
                let i = self.idx[k] as usize;
                let (px, py) = (self.xs[i], self.ys[i]);
                if (px - x) * (px - x) + (py - y) * (py - y) <= r2 {
                    f(i);
                }
                k += 1;
            }
            from = k;
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
            let mut got = Vec::new();
            g.for_each_within(q.0, q.1, r, |i| got.push(i));
            got.sort_unstable();
            let want: Vec<usize> = pts.iter().enumerate()
                .filter(|(_, p)| (p.0 - q.0).powi(2) + (p.1 - q.1).powi(2) <= r * r)
                .map(|(i, _)| i).collect();
            prop_assert_eq!(got, want);
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
    }
}
