use crate::AssociationError;

/// Association method.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// Global nearest neighbour: the jointly most likely one-to-one assignment per cluster.
    Gnn,
    /// Joint probabilistic data association: marginal association probabilities per
    /// cluster, exact while a cluster has at most `max_exact_hypotheses` joint events
    /// (bounded above by the product of `1 + gated detections` over its tracks), else
    /// the cheap-JPDA approximation of Fitzgerald (1985), which is linear in the pairs.
    Jpda {
        /// Largest joint-event count enumerated exactly.
        max_exact_hypotheses: usize,
    },
}

/// A gated track/detection pair with its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gated {
    /// Track index in the caller's list.
    pub track: u32,
    /// Detection index in the caller's list.
    pub detection: u32,
    /// `ln(Pd N(z; h(x), S) / lambda)`: log-likelihood ratio of "this detection is this
    /// track's" against "this detection is clutter".
    pub score: f64,
}

/// The outcome of association for one batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Solution {
    /// Per track: probability that none of the detections is the track's.
    pub track_miss: Vec<f64>,
    /// `(track, detection, probability)`, sorted by track then detection; for GNN the
    /// probability is 1 for each assigned pair and no other pair is listed.
    pub pairs: Vec<(u32, u32, f64)>,
    /// Per detection: total probability that it belongs to some track.
    pub detection_used: Vec<f64>,
    /// Number of clusters solved exactly and approximately (JPDA) or by assignment (GNN).
    pub clusters_exact: usize,
    /// Number of clusters solved with the approximation.
    pub clusters_approx: usize,
}

/// Reusable association workspace.
#[derive(Debug, Default, Clone)]
pub struct Associator {
    solver: assignment::Solver,
    parent: Vec<u32>,
    order: Vec<usize>,
    cost: Vec<f64>,
    /// Per union-find root, its cluster's number ([`NO_CLUSTER`] before it is met, and
    /// again after the call: only the entries a call set are cleared, not the whole).
    cluster_of: Vec<u32>,
    /// Per cluster, its root.
    roots: Vec<u32>,
    /// Per gated pair, its cluster's number; then per cluster, where it starts.
    cluster_id: Vec<u32>,
    starts: Vec<u32>,
    next: Vec<u32>,
    cluster: Vec<Gated>,
}

/// A root not yet given a cluster number.
const NO_CLUSTER: u32 = u32::MAX;

impl Associator {
    /// An empty workspace.
    pub fn new() -> Self {
        Self::default()
    }

    fn find(&mut self, mut a: u32) -> u32 {
        while self.parent[a as usize] != a {
            let gp = self.parent[self.parent[a as usize] as usize];
            self.parent[a as usize] = gp;
            a = gp;
        }
        a
    }

    /// Associates `n_detections` detections with `n_tracks` tracks.
    ///
    /// `miss_log[t]` is `ln(1 - Pd)` (or `ln(1 - Pd Pg)`) for track `t`: the log-weight of
    /// the track going undetected, on the same scale as the scores.
    pub fn associate(
        &mut self,
        n_tracks: usize,
        n_detections: usize,
        miss_log: &[f64],
        gated: &[Gated],
        method: Method,
    ) -> Result<Solution, AssociationError> {
        let mut sol = Solution {
            track_miss: vec![1.0; n_tracks],
            pairs: Vec::with_capacity(gated.len().min(4 * n_tracks + 16)),
            detection_used: vec![0.0; n_detections],
            ..Default::default()
        };
        for g in gated {
            if g.track as usize >= n_tracks
                || g.detection as usize >= n_detections
                || g.track as usize >= miss_log.len()
            {
                return Err(AssociationError::OutOfRange {
                    track: g.track as usize,
                    detection: g.detection as usize,
                });
            }
            if g.score.is_nan() {
                return Err(AssociationError::NanScore {
                    track: g.track as usize,
                    detection: g.detection as usize,
                });
            }
        }
        if gated.is_empty() {
            return Ok(sol);
        }
        // Union-find over tracks [0, T) and detections [T, T + D).
        self.parent.clear();
        self.parent.extend(0..(n_tracks + n_detections) as u32);
        for g in gated {
            let a = self.find(g.track);
            let b = self.find(n_tracks as u32 + g.detection);
            if a != b {
                self.parent[a as usize] = b;
            }
        }
        // Clusters numbered in order of first appearance and gathered by a counting
        // sort, each keeping its pairs in track-then-detection order. A comparison sort
        // of every pair by (root, track, detection) cost more than the solving, and the
        // clusters' order does not matter: each track and detection lies in one cluster,
        // and the pairs are sorted at the end.
        if self.cluster_of.len() < n_tracks + n_detections {
            self.cluster_of.resize(n_tracks + n_detections, NO_CLUSTER);
        }
        self.roots.clear();
        self.cluster_id.clear();
        self.starts.clear();
        self.starts.push(0);
        for g in gated {
            let r = self.find(g.track) as usize;
            let mut c = self.cluster_of[r];
            if c == NO_CLUSTER {
                c = (self.starts.len() - 1) as u32;
                self.cluster_of[r] = c;
                self.roots.push(r as u32);
                self.starts.push(0);
            }
            self.starts[c as usize + 1] += 1;
            self.cluster_id.push(c);
        }
        for &r in &self.roots {
            self.cluster_of[r as usize] = NO_CLUSTER;
        }
        for c in 1..self.starts.len() {
            self.starts[c] += self.starts[c - 1];
        }
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        order.resize(gated.len(), 0);
        self.next.clone_from(&self.starts);
        for (i, &c) in self.cluster_id.iter().enumerate() {
            order[self.next[c as usize] as usize] = i;
            self.next[c as usize] += 1;
        }
        let by_track = |a: &Gated, b: &Gated| (a.track, a.detection).cmp(&(b.track, b.detection));
        let sorted = gated.windows(2).all(|w| by_track(&w[0], &w[1]).is_le());
        let mut cluster = std::mem::take(&mut self.cluster);
        for c in 0..self.starts.len() - 1 {
            let (start, end) = (self.starts[c] as usize, self.starts[c + 1] as usize);
            cluster.clear();
            cluster.extend(order[start..end].iter().map(|&i| gated[i]));
            if !sorted {
                cluster.sort_unstable_by(by_track);
            }
            match method {
                Method::Gnn => {
                    self.solve_gnn(&cluster, miss_log, &mut sol)?;
                    sol.clusters_exact += 1;
                }
                Method::Jpda {
                    max_exact_hypotheses,
                } => {
                    if !solve_jpda_exact(&cluster, miss_log, max_exact_hypotheses, &mut sol) {
                        solve_jpda_cheap(&cluster, miss_log, &mut sol);
                        sol.clusters_approx += 1;
                    } else {
                        sol.clusters_exact += 1;
                    }
                }
            }
        }
        self.order = order;
        self.cluster = cluster;
        sol.pairs.sort_unstable_by_key(|p| (p.0, p.1));
        Ok(sol)
    }

    fn solve_gnn(
        &mut self,
        cluster: &[Gated],
        miss_log: &[f64],
        sol: &mut Solution,
    ) -> Result<(), AssociationError> {
        // One track and one detection (most clusters of a sparse scene): the cheaper of
        // the pair and the miss, decided without a cost matrix. A tie or an infinite
        // cost goes to the solver, whose rule decides those.
        if let [only] = cluster {
            let pair = -only.score;
            let miss = -miss_log[only.track as usize];
            if pair.is_finite() && miss.is_finite() && pair != miss {
                if pair < miss {
                    sol.pairs.push((only.track, only.detection, 1.0));
                    sol.track_miss[only.track as usize] = 0.0;
                    sol.detection_used[only.detection as usize] = 1.0;
                }
                return Ok(());
            }
        }
        let (tracks, dets) = local_indices(cluster);
        let nt = tracks.len();
        let nd = dets.len();
        let cols = nd + nt;
        self.cost.clear();
        self.cost.resize(nt * cols, f64::INFINITY);
        for g in cluster {
            let t = local(&tracks, g.track);
            let d = local(&dets, g.detection);
            // Maximise total log-likelihood ratio: assigned pairs earn their score,
            // undetected tracks earn ln(1 - Pd); the assignment minimises the negation.
            let c = -g.score;
            if c < self.cost[t * cols + d] {
                self.cost[t * cols + d] = c;
            }
        }
        for (t, &tr) in tracks.iter().enumerate() {
            self.cost[t * cols + nd + t] = -miss_log[tr as usize];
        }
        let (assign, _) = self.solver.solve(&self.cost, nt, cols)?;
        for (t, a) in assign.iter().enumerate() {
            if let Some(c) = *a {
                if c < nd {
                    let tr = tracks[t];
                    sol.pairs.push((tr, dets[c], 1.0));
                    sol.track_miss[tr as usize] = 0.0;
                    sol.detection_used[dets[c] as usize] = 1.0;
                }
            }
        }
        Ok(())
    }
}

fn local_indices(cluster: &[Gated]) -> (Vec<u32>, Vec<u32>) {
    let mut tracks: Vec<u32> = cluster.iter().map(|g| g.track).collect();
    tracks.sort_unstable();
    tracks.dedup();
    let mut dets: Vec<u32> = cluster.iter().map(|g| g.detection).collect();
    dets.sort_unstable();
    dets.dedup();
    (tracks, dets)
}

fn local(sorted: &[u32], v: u32) -> usize {
    sorted.partition_point(|&x| x < v)
}

/// Exact JPDA by depth-first enumeration of the feasible joint events. Returns false
/// (doing nothing) when the event count bound exceeds `limit`.
fn solve_jpda_exact(cluster: &[Gated], miss_log: &[f64], limit: usize, sol: &mut Solution) -> bool {
    let (tracks, dets) = local_indices(cluster);
    // Per local track: (local det, weight relative to the miss hypothesis).
    let mut options: Vec<Vec<(usize, f64)>> = vec![Vec::new(); tracks.len()];
    for g in cluster {
        let t = local(&tracks, g.track);
        options[t].push((
            local(&dets, g.detection),
            g.score - miss_log[g.track as usize],
        ));
    }
    let mut bound: usize = 1;
    for o in &options {
        bound = bound.saturating_mul(o.len() + 1);
        if bound > limit {
            return false;
        }
    }
    // Scale: the best event's log-weight is at most the sum of positive maxima.
    let offset: f64 = options
        .iter()
        .map(|o| o.iter().map(|p| p.1).fold(0.0, f64::max))
        .sum();
    let mut marg = vec![0.0; tracks.len() * dets.len()];
    let mut total = 0.0;
    let mut used = vec![false; dets.len()];
    let mut chosen: Vec<Option<usize>> = vec![None; tracks.len()];
    struct Ctx<'a> {
        options: &'a [Vec<(usize, f64)>],
        used: &'a mut [bool],
        chosen: &'a mut [Option<usize>],
        marg: &'a mut [f64],
        total: &'a mut f64,
        nd: usize,
        offset: f64,
    }
    fn rec(c: &mut Ctx<'_>, t: usize, logw: f64) {
        if t == c.options.len() {
            let w = (logw - c.offset).exp();
            *c.total += w;
            for (tt, ch) in c.chosen.iter().enumerate() {
                if let Some(d) = ch {
                    c.marg[tt * c.nd + d] += w;
                }
            }
            return;
        }
        c.chosen[t] = None;
        rec(c, t + 1, logw);
        for k in 0..c.options[t].len() {
            let (d, w) = c.options[t][k];
            if !c.used[d] {
                c.used[d] = true;
                c.chosen[t] = Some(d);
                rec(c, t + 1, logw + w);
                c.used[d] = false;
            }
        }
        c.chosen[t] = None;
    }
    let nd = dets.len();
    let mut ctx = Ctx {
        options: &options,
        used: &mut used,
        chosen: &mut chosen,
        marg: &mut marg,
        total: &mut total,
        nd,
        offset,
    };
    rec(&mut ctx, 0, 0.0);
    if !(total > 0.0) {
        return false;
    }
    for (t, &tr) in tracks.iter().enumerate() {
        let mut assoc = 0.0;
        for (d, &de) in dets.iter().enumerate() {
            let b = marg[t * nd + d] / total;
            if b > 0.0 {
                sol.pairs.push((tr, de, b));
                sol.detection_used[de as usize] += b;
                assoc += b;
            }
        }
        sol.track_miss[tr as usize] = (1.0 - assoc).max(0.0);
    }
    true
}

/// Cheap JPDA (R. J. Fitzgerald, "Development of practical PDA logic for multitarget
/// tracking by microprocessor", 1985): `beta_td = L_td / (S_t + S_d - L_td + B)` with
/// `L` the likelihood ratios relative to a miss, `S_t`, `S_d` their row and column sums
/// and `B = 1` the normalised miss weight. Linear in the number of pairs.
fn solve_jpda_cheap(cluster: &[Gated], miss_log: &[f64], sol: &mut Solution) {
    let (tracks, dets) = local_indices(cluster);
    let mut st = vec![0.0; tracks.len()];
    let mut sd = vec![0.0; dets.len()];
    let lr: Vec<f64> = cluster
        .iter()
        .map(|g| (g.score - miss_log[g.track as usize]).min(700.0).exp())
        .collect();
    for (g, &l) in cluster.iter().zip(&lr) {
        st[local(&tracks, g.track)] += l;
        sd[local(&dets, g.detection)] += l;
    }
    let mut raw: Vec<f64> = Vec::with_capacity(cluster.len());
    for (g, &l) in cluster.iter().zip(&lr) {
        let t = local(&tracks, g.track);
        let d = local(&dets, g.detection);
        raw.push(l / (st[t] + sd[d] - l + 1.0));
    }
    // Normalise per track so that miss + associations sum to one.
    let mut row = vec![0.0; tracks.len()];
    for (g, &b) in cluster.iter().zip(&raw) {
        row[local(&tracks, g.track)] += b;
    }
    for (t, &tr) in tracks.iter().enumerate() {
        let denom = if row[t] > 1.0 { row[t] } else { 1.0 };
        sol.track_miss[tr as usize] = (1.0 - row[t] / denom).max(0.0);
    }
    for (g, &b) in cluster.iter().zip(&raw) {
        let t = local(&tracks, g.track);
        let denom = if row[t] > 1.0 { row[t] } else { 1.0 };
        let b = b / denom;
        sol.pairs.push((g.track, g.detection, b));
        sol.detection_used[g.detection as usize] += b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(track: u32, detection: u32, score: f64) -> Gated {
        Gated {
            track,
            detection,
            score,
        }
    }

    /// Two tracks, two detections, crossing geometry: each detection is slightly closer
    /// to the "wrong" track individually, but the joint assignment prefers the crossing.
    /// Greedy nearest neighbour would give track 0 detection 0 (score 5) and leave track
    /// 1 with detection 1 (score -3): total 2. Optimal: 0->1 (4) and 1->0 (4.5): 8.5.
    #[test]
    fn gnn_finds_the_joint_optimum_not_the_greedy_one() {
        let miss = [-2.3, -2.3];
        let gated = [g(0, 0, 5.0), g(0, 1, 4.0), g(1, 0, 4.5), g(1, 1, -3.0)];
        let s = Associator::new()
            .associate(2, 2, &miss, &gated, Method::Gnn)
            .unwrap();
        assert_eq!(s.pairs, vec![(0, 1, 1.0), (1, 0, 1.0)]);
        assert_eq!(s.track_miss, vec![0.0, 0.0]);
    }

    /// A detection worse than a miss (score below ln(1 - Pd)) is left unassigned.
    #[test]
    fn gnn_prefers_a_miss_to_an_unlikely_detection() {
        let s = Associator::new()
            .associate(1, 1, &[-2.3], &[g(0, 0, -4.0)], Method::Gnn)
            .unwrap();
        assert!(s.pairs.is_empty());
        assert_eq!(s.track_miss, vec![1.0]);
        assert_eq!(s.detection_used, vec![0.0]);
    }

    /// One track, two detections: exact JPDA is single-target PDA. Likelihood ratios
    /// relative to the miss: L0 = e^(1 + 2.3), L1 = e^(0 + 2.3); the miss weighs 1.
    #[test]
    fn jpda_single_track_is_pda() {
        let s = Associator::new()
            .associate(
                1,
                2,
                &[-2.3],
                &[g(0, 0, 1.0), g(0, 1, 0.0)],
                Method::Jpda {
                    max_exact_hypotheses: 100,
                },
            )
            .unwrap();
        let l0 = (3.3f64).exp();
        let l1 = (2.3f64).exp();
        let tot = 1.0 + l0 + l1;
        assert!((s.pairs[0].2 - l0 / tot).abs() < 1e-12);
        assert!((s.pairs[1].2 - l1 / tot).abs() < 1e-12);
        assert!((s.track_miss[0] - 1.0 / tot).abs() < 1e-12);
    }

    /// Two tracks sharing one detection: joint events {none}, {0->d}, {1->d}; the
    /// detection's probabilities over tracks and clutter sum to at most one, and the
    /// track with the better score takes more of it.
    #[test]
    fn jpda_shares_a_contested_detection() {
        let miss = [-1.0, -1.0];
        let s = Associator::new()
            .associate(
                2,
                1,
                &miss,
                &[g(0, 0, 2.0), g(1, 0, 1.0)],
                Method::Jpda {
                    max_exact_hypotheses: 100,
                },
            )
            .unwrap();
        // Event weights relative to "both missed": e^3, e^2, 1 (no event has both).
        let tot = 1.0 + 3f64.exp() + 2f64.exp();
        assert!((s.pairs[0].2 - 3f64.exp() / tot).abs() < 1e-12);
        assert!((s.pairs[1].2 - 2f64.exp() / tot).abs() < 1e-12);
        assert!(s.detection_used[0] < 1.0);
    }

    /// The approximation is used beyond the bound and still yields valid probabilities.
    #[test]
    fn jpda_large_cluster_is_bounded_and_valid() {
        let n = 30u32;
        let mut gated = Vec::new();
        for t in 0..n {
            for d in t.saturating_sub(1)..(t + 2).min(n) {
                gated.push(g(t, d, if t == d { 3.0 } else { 1.0 }));
            }
        }
        let miss = vec![-2.3; n as usize];
        let s = Associator::new()
            .associate(
                n as usize,
                n as usize,
                &miss,
                &gated,
                Method::Jpda {
                    max_exact_hypotheses: 1000,
                },
            )
            .unwrap();
        assert_eq!(s.clusters_approx, 1);
        for t in 0..n as usize {
            let sum: f64 = s
                .pairs
                .iter()
                .filter(|p| p.0 as usize == t)
                .map(|p| p.2)
                .sum::<f64>()
                + s.track_miss[t];
            assert!((sum - 1.0).abs() < 1e-9);
            let own = s
                .pairs
                .iter()
                .find(|p| p.0 as usize == t && p.1 as usize == t)
                .map(|p| p.2)
                .unwrap_or(0.0);
            assert!(own > 0.5, "track {t} own {own}");
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        let mut a = Associator::new();
        assert!(a
            .associate(1, 1, &[-1.0], &[g(0, 1, 1.0)], Method::Gnn)
            .is_err());
        assert!(a
            .associate(1, 1, &[-1.0], &[g(0, 0, f64::NAN)], Method::Gnn)
            .is_err());
    }

    /// Independent clusters are solved independently: a far-away pair does not change
    /// another cluster's answer.
    #[test]
    fn clusters_are_independent() {
        let miss = [-2.3, -2.3, -2.3];
        let base = [g(0, 0, 5.0), g(0, 1, 4.0), g(1, 0, 4.5), g(1, 1, -3.0)];
        let mut more = base.to_vec();
        more.push(g(2, 2, 1.0));
        let s = Associator::new()
            .associate(3, 3, &miss, &more, Method::Gnn)
            .unwrap();
        assert_eq!(s.pairs, vec![(0, 1, 1.0), (1, 0, 1.0), (2, 2, 1.0)]);
        assert_eq!(s.clusters_exact, 2);
    }

    proptest::proptest! {
        /// The answer does not depend on the order the gated pairs come in, for either
        /// method, and a workspace reused across calls gives what a fresh one does.
        #[test]
        fn order_of_pairs_and_reuse_change_nothing(
            pairs in proptest::collection::vec((0u32..12, 0u32..15, -6.0f64..8.0), 0..60),
            rotate in 0usize..60,
            exact in 1usize..200,
        ) {
            let miss = [-2.3; 12];
            let mut sorted: Vec<Gated> = pairs.iter().map(|&(t, d, s)| g(t, d, s)).collect();
            sorted.sort_by_key(|a| (a.track, a.detection));
            sorted.dedup_by(|a, b| (a.track, a.detection) == (b.track, b.detection));
            let mut shuffled = sorted.clone();
            shuffled.reverse();
            let k = rotate % shuffled.len().max(1);
            shuffled.rotate_left(k);
            let mut reused = Associator::new();
            for method in [Method::Gnn, Method::Jpda { max_exact_hypotheses: exact }] {
                let want = Associator::new().associate(12, 15, &miss, &sorted, method).unwrap();
                let got = reused.associate(12, 15, &miss, &shuffled, method).unwrap();
                proptest::prop_assert_eq!(&got, &want);
                let again = reused.associate(12, 15, &miss, &sorted, method).unwrap();
                proptest::prop_assert_eq!(&again, &want);
            }
        }

        /// A cluster of one track and one detection is decided as the assignment solver
        /// decides it (the same pair listed twice takes the solver's path): the pair
        /// when its score beats the miss.
        #[test]
        fn a_lone_pair_is_decided_as_the_solver_decides(
            score in -8.0f64..8.0,
            miss in -8.0f64..0.0,
        ) {
            let one = [g(0, 0, score)];
            let twice = [g(0, 0, score), g(0, 0, score)];
            let fast = Associator::new().associate(1, 1, &[miss], &one, Method::Gnn).unwrap();
            let solver = Associator::new().associate(1, 1, &[miss], &twice, Method::Gnn).unwrap();
            proptest::prop_assert_eq!(&fast, &solver);
            proptest::prop_assert_eq!(fast.pairs.len(), usize::from(score > miss));
        }
    }
}
