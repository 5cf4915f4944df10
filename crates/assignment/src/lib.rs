//! Optimal rectangular linear assignment: given an `n x m` cost matrix, choose at most
//! one column per row and one row per column so that `min(n, m)` pairs are assigned at
//! least total cost.
//!
//! Both global-nearest-neighbour association and the GOSPA metric need this, on many
//! small matrices per scan. It is hand-written rather than taken from a crate because
//! the general crates we looked at either require integer (`Ord`) weights or allocate per
//! call; here the solver keeps its buffers between calls and takes `f64` costs with
//! `+inf` meaning "forbidden".
//!
//! Algorithm: the shortest augmenting path method of Jonker and Volgenant in the
//! rectangular form given by D. F. Crouse, "On implementing 2D rectangular assignment
//! algorithms", IEEE Trans. AES 52(4), 2016, Algorithm 1 and its dual updates.
#![deny(missing_docs)]

/// Why an assignment could not be solved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AssignmentError {
    /// The matrix has a NaN or `-inf` entry.
    #[error("cost matrix entry ({row}, {col}) is {value}; costs must be finite or +inf")]
    InvalidCost {
        /// Row of the entry.
        row: usize,
        /// Column of the entry.
        col: usize,
        /// The bad value.
        value: f64,
    },
    /// The slice does not hold `rows * cols` entries.
    #[error("cost matrix has {len} entries, expected {rows} x {cols}")]
    Shape {
        /// Rows claimed.
        rows: usize,
        /// Columns claimed.
        cols: usize,
        /// Entries given.
        len: usize,
    },
    /// Some row cannot be assigned to any column at finite cost.
    #[error("no complete assignment has finite cost")]
    Infeasible,
}

const NONE: usize = usize::MAX;

/// A reusable solver: keeps its work buffers between calls.
#[derive(Debug, Default, Clone)]
pub struct Solver {
    u: Vec<f64>,
    v: Vec<f64>,
    shortest: Vec<f64>,
    path: Vec<usize>,
    col4row: Vec<usize>,
    row4col: Vec<usize>,
    remaining: Vec<usize>,
    sr: Vec<bool>,
    sc: Vec<bool>,
    transposed: Vec<f64>,
}

impl Solver {
    /// A solver with empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Solves the assignment for a row-major `rows x cols` matrix.
    ///
    /// Returns, for each row, the assigned column or `None` (only when `rows > cols`),
    /// and the total cost.
    pub fn solve(
        &mut self,
        cost: &[f64],
        rows: usize,
        cols: usize,
    ) -> Result<(Vec<Option<usize>>, f64), AssignmentError> {
        if cost.len() != rows * cols {
            return Err(AssignmentError::Shape {
                rows,
                cols,
                len: cost.len(),
            });
        }
        for (k, &c) in cost.iter().enumerate() {
            if c.is_nan() || c == f64::NEG_INFINITY {
                return Err(AssignmentError::InvalidCost {
                    row: k / cols.max(1),
                    col: k % cols.max(1),
                    value: c,
                });
            }
        }
        if rows == 0 || cols == 0 {
            return Ok((vec![None; rows], 0.0));
        }
        if rows <= cols {
            self.solve_wide(cost, rows, cols)?;
            let total = (0..rows).map(|r| cost[r * cols + self.col4row[r]]).sum();
            Ok((
                self.col4row[..rows].iter().map(|&c| Some(c)).collect(),
                total,
            ))
        } else {
            let mut t = std::mem::take(&mut self.transposed);
            t.clear();
            t.resize(rows * cols, 0.0);
            for r in 0..rows {
                for c in 0..cols {
                    t[c * rows + r] = cost[r * cols + c];
                }
            }
            let res = self.solve_wide(&t, cols, rows);
            self.transposed = t;
            res?;
            let mut out = vec![None; rows];
            let mut total = 0.0;
            for c in 0..cols {
                let r = self.col4row[c];
                out[r] = Some(c);
                total += cost[r * cols + c];
            }
            Ok((out, total))
        }
    }

    /// Core for `n <= m`; leaves the result in `col4row`.
    fn solve_wide(&mut self, cost: &[f64], n: usize, m: usize) -> Result<(), AssignmentError> {
        self.u.clear();
        self.u.resize(n, 0.0);
        self.v.clear();
        self.v.resize(m, 0.0);
        self.col4row.clear();
        self.col4row.resize(n, NONE);
        self.row4col.clear();
        self.row4col.resize(m, NONE);
        self.path.clear();
        self.path.resize(m, NONE);
        self.shortest.resize(m, f64::INFINITY);
        self.sr.resize(n, false);
        self.sc.resize(m, false);
        self.remaining.resize(m, 0);

        for cur_row in 0..n {
            // Dijkstra-like search for the shortest augmenting path from cur_row.
            let mut num_remaining = m;
            for (it, slot) in self.remaining.iter_mut().enumerate() {
                // Reverse order so that ties favour low column indices deterministically.
                *slot = m - it - 1;
            }
            self.shortest.iter_mut().for_each(|s| *s = f64::INFINITY);
            self.sr.iter_mut().for_each(|s| *s = false);
            self.sc.iter_mut().for_each(|s| *s = false);
            let mut min_val = 0.0;
            let mut i = cur_row;
            let sink;
            loop {
                self.sr[i] = true;
                let mut lowest = f64::INFINITY;
                let mut index_lowest = NONE;
                for it in 0..num_remaining {
                    let j = self.remaining[it];
                    let r = min_val + cost[i * m + j] - self.u[i] - self.v[j];
                    if r < self.shortest[j] {
                        self.path[j] = i;
                        self.shortest[j] = r;
                    }
                    // Among equals prefer an unassigned column: it ends the path sooner.
                    if self.shortest[j] < lowest
                        || (self.shortest[j] == lowest && self.row4col[j] == NONE)
                    {
                        lowest = self.shortest[j];
                        index_lowest = it;
                    }
                }
                if index_lowest == NONE || !lowest.is_finite() {
                    return Err(AssignmentError::Infeasible);
                }
                min_val = lowest;
                let j = self.remaining[index_lowest];
                self.sc[j] = true;
                num_remaining -= 1;
                self.remaining[index_lowest] = self.remaining[num_remaining];
                if self.row4col[j] == NONE {
                    sink = j;
                    break;
                }
                i = self.row4col[j];
            }
            // Dual updates.
            self.u[cur_row] += min_val;
            for r in 0..n {
                if self.sr[r] && r != cur_row {
                    self.u[r] += min_val - self.shortest[self.col4row[r]];
                }
            }
            for c in 0..m {
                if self.sc[c] {
                    self.v[c] -= min_val - self.shortest[c];
                }
            }
            // Augment along the path back to cur_row.
            let mut j = sink;
            loop {
                let r = self.path[j];
                self.row4col[j] = r;
                std::mem::swap(&mut self.col4row[r], &mut j);
                if r == cur_row {
                    break;
                }
            }
        }
        Ok(())
    }
}

/// Convenience wrapper around a fresh [`Solver`].
pub fn solve(
    cost: &[f64],
    rows: usize,
    cols: usize,
) -> Result<(Vec<Option<usize>>, f64), AssignmentError> {
    Solver::new().solve(cost, rows, cols)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute(cost: &[f64], rows: usize, cols: usize) -> f64 {
        // Exhaustive minimum over injective maps from the smaller side.
        fn rec(
            cost: &[f64],
            rows: usize,
            cols: usize,
            r: usize,
            used: &mut Vec<bool>,
            acc: f64,
            best: &mut f64,
        ) {
            if r == rows {
                *best = best.min(acc);
                return;
            }
            for c in 0..cols {
                if !used[c] {
                    used[c] = true;
                    rec(
                        cost,
                        rows,
                        cols,
                        r + 1,
                        used,
                        acc + cost[r * cols + c],
                        best,
                    );
                    used[c] = false;
                }
            }
        }
        let mut best = f64::INFINITY;
        if rows <= cols {
            rec(cost, rows, cols, 0, &mut vec![false; cols], 0.0, &mut best);
        } else {
            let mut t = vec![0.0; rows * cols];
            for r in 0..rows {
                for c in 0..cols {
                    t[c * rows + r] = cost[r * cols + c];
                }
            }
            rec(&t, cols, rows, 0, &mut vec![false; rows], 0.0, &mut best);
        }
        best
    }

    #[test]
    fn hand_worked_3x3() {
        // Rows prefer column 0, but the optimum is the anti-diagonal-like 1+2+2 = 5... worked
        // by hand: (0,1)=2, (1,0)=2, (2,2)=1 totals 5; every other permutation costs more.
        let c = [4.0, 2.0, 8.0, 2.0, 3.0, 7.0, 3.0, 1.0, 1.0];
        let (a, total) = solve(&c, 3, 3).unwrap();
        assert_eq!(a, vec![Some(1), Some(0), Some(2)]);
        assert_eq!(total, 5.0);
    }

    #[test]
    fn rectangular_both_ways() {
        let c = [10.0, 1.0, 5.0, 2.0, 10.0, 5.0];
        let (a, total) = solve(&c, 2, 3).unwrap();
        assert_eq!(a, vec![Some(1), Some(0)]);
        assert_eq!(total, 3.0);
        // Transposed: 3 rows, 2 columns; one row stays unassigned.
        let t = [10.0, 2.0, 1.0, 10.0, 5.0, 5.0];
        let (a, total) = solve(&t, 3, 2).unwrap();
        assert_eq!(a, vec![Some(1), Some(0), None]);
        assert_eq!(total, 3.0);
    }

    #[test]
    fn forbidden_entries_and_infeasibility() {
        let inf = f64::INFINITY;
        let c = [inf, 1.0, 2.0, inf];
        let (a, _) = solve(&c, 2, 2).unwrap();
        assert_eq!(a, vec![Some(1), Some(0)]);
        let c = [inf, 1.0, inf, 3.0];
        assert_eq!(solve(&c, 2, 2), Err(AssignmentError::Infeasible));
        assert!(matches!(
            solve(&[f64::NAN], 1, 1),
            Err(AssignmentError::InvalidCost { .. })
        ));
        assert!(matches!(
            solve(&[1.0], 2, 2),
            Err(AssignmentError::Shape { .. })
        ));
    }

    proptest! {
        #[test]
        fn matches_brute_force(rows in 1usize..6, cols in 1usize..6, seed in proptest::collection::vec(0.0f64..100.0, 36)) {
            let cost: Vec<f64> = seed[..rows * cols].to_vec();
            let mut s = Solver::new();
            let (a, total) = s.solve(&cost, rows, cols).unwrap();
            let best = brute(&cost, rows, cols);
            prop_assert!((total - best).abs() < 1e-9, "total {} brute {}", total, best);
            let mut seen = vec![false; cols];
            for c in a.iter().flatten() {
                prop_assert!(!seen[*c]);
                seen[*c] = true;
            }
            prop_assert_eq!(a.iter().flatten().count(), rows.min(cols));
        }
    }
}
