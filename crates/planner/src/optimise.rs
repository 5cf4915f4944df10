//! Choosing the sensors: the warning each sampled crossing gets from a set of sensors,
//! and the greedy and local-search methods that pick the set.
//!
//! **Warning of one crossing.** In each model step the sensors fix the target with
//! probability `q = 1 - prod(1 - p_i)` over ranging sensors (radar) and pairs of bearing
//! sensors whose lines of sight cross at 15 degrees or more (`p_i p_j` each: both must
//! hear it, and a pair is how the tracker starts a track from bearings). A track is
//! confirmed at the `M`-th fix within `N` consecutive steps, worked out exactly by a
//! small Markov chain over the last `N - 1` outcomes. The warning is the crossing time
//! less the confirmation time. Per crossing the model gives the probability of
//! confirmation before the border, the expected warning capped at the horizon, and the
//! probability of at least a required warning.
//!
//! **Choice.** The objective (mean capped warning per threat, weighted; or the share of
//! crossings with the required warning) is monotone and, for ranging sensors,
//! submodular, so lazy greedy by gain per euro is near-optimal (Minoux 1978; Khuller,
//! Moss and Naor 1999 for the budgeted form) and needs few evaluations. Bearing pairs
//! break submodularity (the first acoustic node alone fixes nothing), so a bearing
//! candidate is also offered as a pair with its best partner, and the gains of bearing
//! candidates near a chosen one are refreshed. A swap pass then tries to replace each
//! chosen sensor by a better one nearby.
use crate::model::{Coverage, ModelOptions, Profile, QUANT};
use simulator::sensors::MIN_FIX_ANGLE_RAD;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// What a crossing is worth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// Expected warning, capped at the horizon, as a share of it.
    CappedWarning,
    /// Probability of at least this warning, seconds.
    AtLeast(f64),
}

/// The model's verdict on one crossing.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Outcome {
    /// Probability that a track is confirmed before the crossing.
    pub pd: f64,
    /// Expected warning (0 when not confirmed before), capped at the horizon, seconds.
    pub warning_s: f64,
    /// Probability of at least the required warning (when one is set).
    pub p_required: f64,
}

/// The confirmation chain of one crossing from its per-step log miss probabilities.
pub fn outcome(log_miss: &[f64], cross_s: f64, o: &ModelOptions, required_s: f64) -> Outcome {
    chain(log_miss, cross_s, o, required_s, 0, None, None)
}

/// Steps between the chain's checkpoints. A new sensor changes a crossing's chain only
/// from its first step on, and most sensors see only the last part of a crossing, so
/// the evaluation of a candidate resumes from the checkpoint before that step instead
/// of replaying the whole approach (the planner's main cost).
const CHECKPOINT_STEPS: usize = 16;

/// Runs the chain from step `start` (from `init`, a checkpoint, or from the start),
/// recording checkpoints into `rec` when given. A checkpoint is the state
/// probabilities, then `pd`, `warning_s`, `p_required` and whether the chain is idle.
fn chain(
    log_miss: &[f64],
    cross_s: f64,
    o: &ModelOptions,
    required_s: f64,
    start: usize,
    init: Option<&[f64]>,
    mut rec: Option<&mut Vec<f64>>,
) -> Outcome {
    let bits = (o.confirm_steps - 1) as usize;
    let states = 1usize << bits;
    let mask = states - 1;
    let need = o.confirm_hits;
    let mut pr = [0.0f64; 128];
    let mut next = [0.0f64; 128];
    let mut out = Outcome::default();
    let mut idle = true;
    match init {
        Some(c) if c.len() == states + 4 => {
            pr[..states].copy_from_slice(&c[..states]);
            out = Outcome {
                pd: c[states],
                warning_s: c[states + 1],
                p_required: c[states + 2],
            };
            idle = c[states + 3] != 0.0;
        }
        _ => pr[0] = 1.0,
    }
    if let Some(r) = rec.as_deref_mut() {
        r.clear();
    }
    for (k, &l) in log_miss.iter().enumerate().skip(start) {
        if let Some(r) = rec.as_deref_mut() {
            if k % CHECKPOINT_STEPS == 0 {
                r.extend_from_slice(&pr[..states]);
                r.extend_from_slice(&[
                    out.pd,
                    out.warning_s,
                    out.p_required,
                    f64::from(u8::from(idle)),
                ]);
            }
        }
        let t = k as f64 * o.step_s;
        if t > cross_s {
            break;
        }
        if l == 0.0 {
            if idle {
                continue;
            }
            next[..states].iter_mut().for_each(|x| *x = 0.0);
            for s in 0..states {
                next[(s << 1) & mask] += pr[s];
            }
            std::mem::swap(&mut pr, &mut next);
            // Once every recent outcome is a miss again, misses change nothing.
            idle = pr[1..states].iter().all(|&x| x == 0.0);
            continue;
        }
        let q = (1.0 - l.exp()).clamp(0.0, 1.0);
        idle = false;
        next[..states].iter_mut().for_each(|x| *x = 0.0);
        let mut confirmed = 0.0;
        for s in 0..states {
            let m = pr[s];
            if m == 0.0 {
                continue;
            }
            if (s as u32).count_ones() + 1 >= need {
                confirmed += m * q;
            } else {
                next[((s << 1) | 1) & mask] += m * q;
            }
            next[(s << 1) & mask] += m * (1.0 - q);
        }
        std::mem::swap(&mut pr, &mut next);
        if confirmed > 0.0 {
            let w = cross_s - t;
            out.pd += confirmed;
            out.warning_s += confirmed * w.min(o.horizon_s);
            if w >= required_s {
                out.p_required += confirmed;
            }
            if out.pd > 1.0 - 1e-9 {
                break;
            }
        }
    }
    out
}

/// Costs of one candidate.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cost {
    /// Capital, euros (unit and power installation).
    pub capital_eur: f64,
    /// Running cost per year, euros.
    pub yearly_eur: f64,
}

/// What the choice aims at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    /// Most warning for a budget.
    Budget {
        /// Capital budget, euros.
        capital_eur: f64,
        /// Running budget per year, euros, if bounded.
        yearly_eur: Option<f64>,
    },
    /// Least cost for every threat to get `warning_s` on `share` of its crossings.
    Warning {
        /// Required warning, seconds.
        warning_s: f64,
        /// Required share of crossings.
        share: f64,
    },
}

/// The sensors chosen so far and what they give: the state the optimiser changes.
pub struct Evaluator<'a> {
    cov: &'a Coverage,
    o: &'a ModelOptions,
    value: Value,
    required_s: f64,
    /// Weight of each trajectory (threat weight over its count; 0 leaves it out).
    weight: Vec<f64>,
    /// Per threat: the sum of its trajectories' weights (0: the threat is left out).
    weight_sum: Vec<f64>,
    threat_of: Vec<usize>,
    threats: usize,
    log_miss: Vec<Vec<f64>>,
    /// Per trajectory: the chain's checkpoints under the chosen sensors.
    checkpoints: Vec<Vec<f64>>,
    bearings_on: Vec<Vec<u32>>,
    /// Per trajectory: the value and the outcome.
    val: Vec<f64>,
    outcomes: Vec<Outcome>,
    /// Per threat: sum of weighted values.
    threat_val: Vec<f64>,
    selected: Vec<bool>,
    scratch: Vec<f64>,
    /// `ln(1 - b/255)` for every byte, and `ln(1 - a b / 255^2)` for every pair: the
    /// logarithms were most of the planner's time.
    ln_one: Vec<f64>,
    ln_pair: Vec<f64>,
    /// Model evaluations made (for the report).
    pub evaluations: u64,
}

/// `ln(1 - p)`, finite.
fn ln_miss(p: f64) -> f64 {
    (1.0 - p.min(0.999_999)).ln()
}

impl<'a> Evaluator<'a> {
    /// No sensors yet; `threat_weights[t]` weighs threat t (0 leaves it out).
    pub fn new(
        cov: &'a Coverage,
        o: &'a ModelOptions,
        value: Value,
        threat_weights: &[f64],
    ) -> Self {
        let threats = cov.by_threat.len();
        let weight: Vec<f64> = cov
            .trajectories
            .iter()
            .map(|t| {
                let n = cov.by_threat[t.threat].len().max(1) as f64;
                threat_weights.get(t.threat).copied().unwrap_or(0.0) / n
            })
            .collect();
        let mut weight_sum = vec![0.0; threats];
        for (t, &w) in cov.trajectories.iter().zip(&weight) {
            weight_sum[t.threat] += w;
        }
        let required_s = match value {
            Value::AtLeast(s) => s,
            Value::CappedWarning => f64::INFINITY,
        };
        Self {
            cov,
            o,
            value,
            required_s,
            weight,
            weight_sum,
            threat_of: cov.trajectories.iter().map(|t| t.threat).collect(),
            threats,
            log_miss: cov
                .trajectories
                .iter()
                .map(|t| vec![0.0; t.steps])
                .collect(),
            checkpoints: vec![Vec::new(); cov.trajectories.len()],
            bearings_on: vec![Vec::new(); cov.trajectories.len()],
            val: vec![0.0; cov.trajectories.len()],
            outcomes: vec![Outcome::default(); cov.trajectories.len()],
            threat_val: vec![0.0; threats],
            selected: vec![false; cov.candidates.len()],
            scratch: Vec::new(),
            ln_one: (0..256).map(|b| ln_miss(f64::from(b) / QUANT)).collect(),
            ln_pair: (0..65536u32)
                .map(|ab| ln_miss(f64::from(ab >> 8) * f64::from(ab & 255) / (QUANT * QUANT)))
                .collect(),
            evaluations: 0,
        }
    }

    fn value_of(&self, o: &Outcome) -> f64 {
        match self.value {
            Value::CappedWarning => o.warning_s / self.o.horizon_s,
            Value::AtLeast(_) => o.p_required,
        }
    }

    /// Adds (`sign` 1) or removes (-1) a profile's terms to `out`, the log miss of its
    /// trajectory, given the bearing profiles chosen there.
    fn delta(&self, pr: &Profile, out: &mut [f64], sign: f64) {
        let probs = self.cov.probs(pr);
        let first = pr.first as usize;
        if !pr.bearing {
            for (o, &b) in out[first..first + probs.len()].iter_mut().zip(probs) {
                *o += sign * self.ln_one[usize::from(b)];
            }
            return;
        }
        let tr = &self.cov.trajectories[pr.traj as usize];
        let min_sin2 = MIN_FIX_ANGLE_RAD.sin().powi(2);
        let max_err2 = self.o.fix_error_m * self.o.fix_error_m;
        for &qi in &self.bearings_on[pr.traj as usize] {
            let q = &self.cov.profiles[qi as usize];
            if q.cand == pr.cand {
                continue;
            }
            let qp = self.cov.probs(q);
            let lo = first.max(q.first as usize);
            let hi = (first + probs.len()).min(q.first as usize + qp.len());
            for k in lo..hi {
                let (a, b) = (probs[k - first], qp[k - q.first as usize]);
                if a == 0 || b == 0 {
                    continue;
                }
                let pos = tr.track_en[k];
                let u = [pos[0] - pr.sensor_en[0], pos[1] - pr.sensor_en[1]];
                let v = [pos[0] - q.sensor_en[0], pos[1] - q.sensor_en[1]];
                // |sin| of the crossing angle, squared, without square roots.
                let cross = f64::from(u[0] * v[1] - u[1] * v[0]);
                let (ru2, rv2) = (
                    f64::from(u[0] * u[0] + u[1] * u[1]),
                    f64::from(v[0] * v[0] + v[1] * v[1]),
                );
                let norms2 = ru2 * rv2;
                // sin^2 of the angle; the fix error^2 = (r1^2 s1^2 + r2^2 s2^2) / sin^2.
                let spread2 = ru2 * f64::from(pr.sigma_rad * pr.sigma_rad)
                    + rv2 * f64::from(q.sigma_rad * q.sigma_rad);
                if norms2 > 0.0
                    && cross * cross >= min_sin2 * norms2
                    && spread2 * norms2 <= max_err2 * cross * cross
                {
                    out[k] += sign * self.ln_pair[(usize::from(a) << 8) | usize::from(b)];
                }
            }
        }
    }

    /// The change per threat (weighted) if candidate `c` were added.
    pub fn gain(&mut self, c: usize, per_threat: &mut [f64]) {
        per_threat.iter_mut().for_each(|x| *x = 0.0);
        let mut scratch = std::mem::take(&mut self.scratch);
        for &pi in &self.cov.by_cand[c] {
            let pr = &self.cov.profiles[pi as usize];
            let j = pr.traj as usize;
            if self.weight[j] == 0.0 {
                continue;
            }
            scratch.clear();
            scratch.extend_from_slice(&self.log_miss[j]);
            self.delta(pr, &mut scratch, 1.0);
            let oc = self.resume(j, &scratch, pr.first as usize);
            self.evaluations += 1;
            per_threat[self.threat_of[j]] += self.weight[j] * (self.value_of(&oc) - self.val[j]);
        }
        self.scratch = scratch;
    }

    /// Trajectory `j`'s outcome under `log_miss`, which differs from the chosen
    /// sensors' only from step `from` on.
    fn resume(&self, j: usize, log_miss: &[f64], from: usize) -> Outcome {
        let states = 1usize << (self.o.confirm_steps - 1);
        let width = states + 4;
        let ck = &self.checkpoints[j];
        let cross_s = self.cov.trajectories[j].cross_s;
        let n = ck.len() / width;
        if n == 0 {
            return chain(log_miss, cross_s, self.o, self.required_s, 0, None, None);
        }
        let c = (from / CHECKPOINT_STEPS).min(n - 1);
        chain(
            log_miss,
            cross_s,
            self.o,
            self.required_s,
            c * CHECKPOINT_STEPS,
            Some(&ck[c * width..(c + 1) * width]),
            None,
        )
    }

    /// Adds (`add`) or removes candidate `c`.
    pub fn apply(&mut self, c: usize, add: bool) {
        if self.selected[c] == add {
            return;
        }
        self.selected[c] = add;
        for &pi in &self.cov.by_cand[c] {
            let pr = &self.cov.profiles[pi as usize];
            let j = pr.traj as usize;
            if pr.bearing && !add {
                self.bearings_on[j].retain(|&q| q != pi);
            }
            // Taken out while `delta` reads the rest of the state.
            let mut lm = std::mem::take(&mut self.log_miss[j]);
            self.delta(pr, &mut lm, if add { 1.0 } else { -1.0 });
            if !add {
                // Removing what was added leaves float dust; no term is positive.
                lm.iter_mut().for_each(|x| *x = x.min(0.0));
            }
            self.log_miss[j] = lm;
            if pr.bearing && add {
                self.bearings_on[j].push(pi);
            }
            let mut ck = std::mem::take(&mut self.checkpoints[j]);
            let oc = chain(
                &self.log_miss[j],
                self.cov.trajectories[j].cross_s,
                self.o,
                self.required_s,
                0,
                None,
                Some(&mut ck),
            );
            self.checkpoints[j] = ck;
            self.evaluations += 1;
            let v = self.value_of(&oc);
            let t = self.threat_of[j];
            self.threat_val[t] += self.weight[j] * (v - self.val[j]);
            self.val[j] = v;
            self.outcomes[j] = oc;
        }
    }

    /// Per-threat weighted values (their sum is the objective).
    pub fn threat_values(&self) -> &[f64] {
        &self.threat_val
    }

    /// The objective.
    pub fn objective(&self) -> f64 {
        self.threat_val.iter().sum()
    }

    /// Per trajectory outcomes.
    pub fn outcomes(&self) -> &[Outcome] {
        &self.outcomes
    }

    /// Whether `c` is chosen.
    pub fn is_selected(&self, c: usize) -> bool {
        self.selected[c]
    }

    /// Per threat: mean probability of confirmation before the border and mean capped
    /// warning, seconds.
    pub fn threat_means(&self) -> Vec<(f64, f64)> {
        let mut out = vec![(0.0, 0.0); self.threats];
        for (t, trajs) in self.cov.by_threat.iter().enumerate() {
            let n = trajs.len().max(1) as f64;
            for &j in trajs {
                let o = &self.outcomes[j as usize];
                out[t].0 += o.pd / n;
                out[t].1 += o.warning_s / n;
            }
        }
        out
    }
}

/// A step of the choice: total cost and, per threat, mean detection probability and
/// mean warning after it.
#[derive(Debug, Clone, PartialEq)]
pub struct CurvePoint {
    /// Capital so far, euros.
    pub capital_eur: f64,
    /// Per threat `(pd, warning_s)`.
    pub threats: Vec<(f64, f64)>,
}

#[derive(Debug, PartialEq)]
struct Entry {
    score: f64,
    cand: usize,
    partner: Option<usize>,
    version: u64,
    round: u64,
}

impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Ties go to the lower candidate index, so runs are reproducible.
        self.score
            .total_cmp(&other.score)
            .then(other.cand.cmp(&self.cand))
    }
}

/// The greedy choice, and swaps.
pub struct Chooser<'a, 'b> {
    ev: &'b mut Evaluator<'a>,
    costs: &'b [Cost],
    goal: Goal,
    /// Candidates offered (others are never chosen).
    allowed: Vec<bool>,
    spent: Cost,
    /// Chosen, in order.
    pub picks: Vec<usize>,
    /// Cost and per-threat figures after each pick.
    pub curve: Vec<CurvePoint>,
    version: Vec<u64>,
    partners: Vec<Option<Vec<usize>>>,
    per: Vec<f64>,
    per2: Vec<f64>,
    /// Moves are ranked by gain / cost^`cost_power`: 1 is gain per euro, 0 gain
    /// alone; in between favours neither cheap nor dear sensors.
    pub cost_power: f64,
}

impl<'a, 'b> Chooser<'a, 'b> {
    /// A chooser over every candidate that has a profile and is `allowed`.
    pub fn new(
        ev: &'b mut Evaluator<'a>,
        costs: &'b [Cost],
        goal: Goal,
        allowed: Vec<bool>,
    ) -> Self {
        let n = costs.len();
        let threats = ev.threats;
        Self {
            ev,
            costs,
            goal,
            allowed,
            spent: Cost::default(),
            picks: Vec::new(),
            curve: Vec::new(),
            version: vec![0; n],
            partners: vec![None; n],
            per: vec![0.0; threats],
            per2: vec![0.0; threats],
            cost_power: 1.0,
        }
    }

    /// Changes the goal (a phase of a greedy under a smaller budget) and the candidates
    /// offered.
    pub fn restrict(&mut self, goal: Goal, allowed: Vec<bool>) {
        self.goal = goal;
        self.allowed = allowed;
    }

    /// What has been spent.
    pub fn spent(&self) -> Cost {
        self.spent
    }

    fn affordable(&self, c: usize, extra: Cost) -> bool {
        let k = self.costs[c];
        match self.goal {
            Goal::Budget {
                capital_eur,
                yearly_eur,
            } => {
                self.spent.capital_eur + extra.capital_eur + k.capital_eur
                    <= capital_eur * (1.0 + 1e-12)
                    && yearly_eur.is_none_or(|y| {
                        self.spent.yearly_eur + extra.yearly_eur + k.yearly_eur <= y * (1.0 + 1e-12)
                    })
            }
            Goal::Warning { .. } => true,
        }
    }

    /// Cost as the goal weighs it.
    fn weigh(&self, k: Cost) -> f64 {
        match self.goal {
            Goal::Budget {
                capital_eur,
                yearly_eur,
            } => {
                k.capital_eur / capital_eur.max(1.0)
                    + yearly_eur.map_or(0.0, |y| k.yearly_eur / y.max(1.0))
            }
            Goal::Warning { .. } => k.capital_eur,
        }
    }

    /// What a move's gain is divided by to rank it.
    fn rank_cost(&self, k: Cost) -> f64 {
        self.weigh(k).max(1e-12).powf(self.cost_power)
    }

    /// The objective's gain from per-threat changes.
    fn scalar(&self, per: &[f64]) -> f64 {
        match self.goal {
            Goal::Budget { .. } => per.iter().sum(),
            Goal::Warning { share, .. } => {
                // Only what brings a threat up to the required share counts.
                let tv = self.ev.threat_values();
                per.iter()
                    .zip(tv)
                    .map(|(d, v)| ((v + d).min(share) - v.min(share)).max(0.0))
                    .sum()
            }
        }
    }

    fn done(&self) -> bool {
        match self.goal {
            Goal::Budget { .. } => false,
            Goal::Warning { share, .. } => self
                .ev
                .threat_values()
                .iter()
                .zip(&self.ev.weight_sum)
                .all(|(v, w)| *w == 0.0 || *v >= share - 1e-9),
        }
    }

    /// Bearing candidates sharing the most trajectories with `c`, up to four.
    fn partners_of(&mut self, c: usize) -> Vec<usize> {
        if let Some(p) = &self.partners[c] {
            return p.clone();
        }
        let out = self.partners_of_n(c, 4);
        self.partners[c] = Some(out.clone());
        out
    }

    /// Bearing candidates sharing the most trajectories with `c`, up to `n`.
    fn partners_of_n(&self, c: usize, n: usize) -> Vec<usize> {
        let cov = self.ev.cov;
        let mut count: std::collections::BTreeMap<usize, usize> = Default::default();
        for &pi in &cov.by_cand[c] {
            for &qi in &cov.by_traj[cov.profiles[pi as usize].traj as usize] {
                let q = &cov.profiles[qi as usize];
                if q.bearing && q.cand as usize != c && self.allowed[q.cand as usize] {
                    *count.entry(q.cand as usize).or_default() += 1;
                }
            }
        }
        let mut v: Vec<(usize, usize)> = count.into_iter().collect();
        let here = cov.candidates[c].chainage_m;
        v.sort_by(|a, b| {
            b.1.cmp(&a.1).then(
                (cov.candidates[a.0].chainage_m - here)
                    .abs()
                    .total_cmp(&(cov.candidates[b.0].chainage_m - here).abs()),
            )
        });
        v.into_iter().take(n).map(|x| x.0).collect()
    }

    /// The best move starting with `c`: alone, or (for a bearing sensor with no gain
    /// alone) with a partner. `(score, partner)`.
    fn best_move(&mut self, c: usize) -> (f64, Option<usize>) {
        let mut per = std::mem::take(&mut self.per);
        self.ev.gain(c, &mut per);
        let single = self.scalar(&per) / self.rank_cost(self.costs[c]);
        let mut best = (single, None);
        let bearing = self.ev.cov.by_cand[c]
            .first()
            .is_some_and(|&p| self.ev.cov.profiles[p as usize].bearing);
        if bearing && single <= 0.0 {
            let base = per.clone();
            let mut per2 = std::mem::take(&mut self.per2);
            for p in self.partners_of(c) {
                if self.ev.is_selected(p) || !self.affordable(c, self.costs[p]) {
                    continue;
                }
                self.ev.apply(c, true);
                self.ev.gain(p, &mut per2);
                self.ev.apply(c, false);
                for (a, b) in per2.iter_mut().zip(&base) {
                    *a += b;
                }
                let k = Cost {
                    capital_eur: self.costs[c].capital_eur + self.costs[p].capital_eur,
                    yearly_eur: self.costs[c].yearly_eur + self.costs[p].yearly_eur,
                };
                let s = self.scalar(&per2) / self.rank_cost(k);
                if s > best.0 {
                    best = (s, Some(p));
                }
            }
            self.per2 = per2;
        }
        self.per = per;
        best
    }

    fn take(&mut self, c: usize) {
        self.ev.apply(c, true);
        self.spent.capital_eur += self.costs[c].capital_eur;
        self.spent.yearly_eur += self.costs[c].yearly_eur;
        self.picks.push(c);
    }

    fn drop_pick(&mut self, c: usize) {
        self.ev.apply(c, false);
        self.spent.capital_eur -= self.costs[c].capital_eur;
        self.spent.yearly_eur -= self.costs[c].yearly_eur;
        self.picks.retain(|&x| x != c);
    }

    /// Chooses `c` whatever it gains (a fixed layout).
    pub fn force(&mut self, c: usize) {
        if !self.ev.is_selected(c) {
            self.take(c);
        }
    }

    fn record(&mut self) {
        self.curve.push(CurvePoint {
            capital_eur: self.spent.capital_eur,
            threats: self.ev.threat_means(),
        });
    }

    /// Scores `c`'s best move now and queues it, superseding its older entries.
    fn push_move(&mut self, heap: &mut BinaryHeap<Entry>, c: usize, round: u64) {
        let (score, partner) = self.best_move(c);
        self.version[c] += 1;
        heap.push(Entry {
            score,
            cand: c,
            partner,
            version: self.version[c],
            round,
        });
    }

    /// Lazy greedy until the budget is spent, the goal is met, or nothing gains.
    /// `progress(picks)` after each pick.
    pub fn greedy(&mut self, progress: &mut dyn FnMut(usize)) {
        let mut heap = BinaryHeap::new();
        let mut round = 0u64;
        for c in 0..self.costs.len() {
            if !self.allowed[c] || self.ev.is_selected(c) || self.ev.cov.by_cand[c].is_empty() {
                continue;
            }
            if !self.affordable(c, Cost::default()) {
                continue;
            }
            self.push_move(&mut heap, c, round);
        }
        while !self.done() {
            let Some(e) = heap.pop() else { break };
            if e.version != self.version[e.cand] || self.ev.is_selected(e.cand) {
                continue;
            }
            let stale = e.round != round || e.partner.is_some_and(|p| self.ev.is_selected(p));
            let extra = e.partner.map_or(Cost::default(), |p| self.costs[p]);
            if stale || !self.affordable(e.cand, extra) {
                if !self.affordable(e.cand, Cost::default()) {
                    continue;
                }
                // `best_move` offers only partners the budget still allows.
                self.push_move(&mut heap, e.cand, round);
                continue;
            }
            if e.score <= 1e-12 {
                break;
            }
            self.take(e.cand);
            if let Some(p) = e.partner {
                self.take(p);
            }
            round += 1;
            self.record();
            progress(self.picks.len());
            // A chosen bearing sensor raises the gains of the bearing candidates that
            // would pair with it (bounds in the heap are now too low for them): refresh
            // those that share the most crossings with it.
            let cov = self.ev.cov;
            let bearing = cov.by_cand[e.cand]
                .first()
                .is_some_and(|&p| cov.profiles[p as usize].bearing);
            if bearing {
                for c in self.partners_of_n(e.cand, 24) {
                    if self.ev.is_selected(c) || !self.affordable(c, Cost::default()) {
                        continue;
                    }
                    self.push_move(&mut heap, c, round);
                }
            }
        }
    }

    /// Tries to replace each chosen sensor by a better one among the candidates that
    /// share a crossing with it; keeps a swap when the objective rises. Returns the
    /// swaps made.
    pub fn swap_pass(&mut self) -> usize {
        let cov = self.ev.cov;
        let mut swaps = 0;
        let picks = self.picks.clone();
        for s in picks {
            if !self.ev.is_selected(s) {
                continue;
            }
            let before = self.objective_now();
            self.drop_pick(s);
            let mut near: Vec<usize> = Vec::new();
            for &pi in &cov.by_cand[s] {
                for &qi in &cov.by_traj[cov.profiles[pi as usize].traj as usize] {
                    near.push(cov.profiles[qi as usize].cand as usize);
                }
            }
            near.sort_unstable();
            near.dedup();
            let mut best: Option<(f64, usize)> = None;
            let mut per = std::mem::take(&mut self.per);
            for c in near {
                if c == s
                    || self.ev.is_selected(c)
                    || !self.allowed[c]
                    || !self.affordable(c, Cost::default())
                {
                    continue;
                }
                self.ev.gain(c, &mut per);
                let g = self.scalar(&per);
                if best.is_none_or(|b| g > b.0) {
                    best = Some((g, c));
                }
            }
            self.per = per;
            let after_drop = self.objective_now();
            match best {
                Some((g, c)) if after_drop + g > before + 1e-9 => {
                    self.take(c);
                    swaps += 1;
                }
                _ => self.take(s),
            }
        }
        swaps
    }

    /// Tries to replace each chosen sensor costing more than `min_capital_eur` by
    /// whatever the greedy buys nearby with the money it frees (one expensive sensor
    /// for several cheap ones: how layered designs emerge). Returns the replacements
    /// kept.
    pub fn refill_pass(&mut self, min_capital_eur: f64) -> usize {
        let cov = self.ev.cov;
        let mut kept = 0;
        let mut big: Vec<usize> = self
            .picks
            .iter()
            .copied()
            .filter(|&c| self.costs[c].capital_eur > min_capital_eur)
            .collect();
        big.sort_by(|&a, &b| {
            self.costs[b]
                .capital_eur
                .total_cmp(&self.costs[a].capital_eur)
                .then(a.cmp(&b))
        });
        let saved_allowed = self.allowed.clone();
        let saved_mode = self.cost_power;
        for s in big {
            if !self.ev.is_selected(s) {
                continue;
            }
            let before = self.objective_now();
            let n_picks = self.picks.len();
            self.drop_pick(s);
            let mut near = vec![false; self.allowed.len()];
            for &pi in &cov.by_cand[s] {
                for &qi in &cov.by_traj[cov.profiles[pi as usize].traj as usize] {
                    let q = cov.profiles[qi as usize].cand as usize;
                    near[q] = saved_allowed[q] && q != s;
                }
            }
            self.allowed = near;
            self.cost_power = 1.0;
            let curve_len = self.curve.len();
            self.greedy(&mut |_| {});
            if self.objective_now() > before + 1e-9 {
                kept += 1;
            } else {
                let added: Vec<usize> = self.picks[n_picks - 1..].to_vec();
                for c in added {
                    self.drop_pick(c);
                }
                self.take(s);
                self.curve.truncate(curve_len);
            }
        }
        self.allowed = saved_allowed;
        self.cost_power = saved_mode;
        kept
    }

    /// The reverse of [`Self::refill_pass`]: tries to buy one more expensive sensor
    /// (one costing more than `min_capital_eur`, best gain first) with money taken
    /// from the chosen sensors that give least per euro. Keeps a trade when the
    /// objective rises; stops when none does. Returns the trades kept.
    pub fn upgrade_pass(&mut self, min_capital_eur: f64, max_trades: usize) -> usize {
        let Goal::Budget {
            capital_eur: budget,
            yearly_eur,
        } = self.goal
        else {
            return 0;
        };
        let mut kept = 0;
        let mut per = std::mem::take(&mut self.per);
        for _ in 0..max_trades {
            // The best few expensive candidates by gain alone.
            let mut top: Vec<(f64, usize)> = Vec::new();
            for c in 0..self.costs.len() {
                if !self.allowed[c]
                    || self.ev.is_selected(c)
                    || self.costs[c].capital_eur <= min_capital_eur
                    || self.costs[c].capital_eur > budget
                    || self.ev.cov.by_cand[c].is_empty()
                {
                    continue;
                }
                self.ev.gain(c, &mut per);
                let g = self.scalar(&per);
                if g > 0.0 {
                    top.push((g, c));
                }
            }
            top.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            top.truncate(4);
            if top.is_empty() {
                break;
            }
            // What each chosen sensor gives per euro (its loss if removed).
            let mut worth: Vec<(f64, usize)> = Vec::new();
            for &p in &self.picks.clone() {
                let before = self.objective_now();
                self.ev.apply(p, false);
                let loss = before - self.objective_now();
                self.ev.apply(p, true);
                worth.push((loss / self.costs[p].capital_eur.max(1.0), p));
            }
            worth.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut traded = false;
            for &(_, c) in &top {
                let before = self.objective_now();
                let mut removed = Vec::new();
                for &(_, p) in &worth {
                    let fits = self.spent.capital_eur + self.costs[c].capital_eur
                        <= budget * (1.0 + 1e-12)
                        && yearly_eur.is_none_or(|y| {
                            self.spent.yearly_eur + self.costs[c].yearly_eur <= y * (1.0 + 1e-12)
                        });
                    if fits {
                        break;
                    }
                    self.drop_pick(p);
                    removed.push(p);
                }
                if !self.affordable(c, Cost::default()) {
                    for p in removed {
                        self.take(p);
                    }
                    continue;
                }
                self.take(c);
                if self.objective_now() > before + 1e-9 {
                    kept += 1;
                    traded = true;
                    break;
                }
                self.drop_pick(c);
                for p in removed {
                    self.take(p);
                }
            }
            if !traded {
                break;
            }
        }
        self.per = per;
        kept
    }

    fn objective_now(&self) -> f64 {
        match self.goal {
            Goal::Budget { .. } => self.ev.objective(),
            Goal::Warning { share, .. } => {
                self.ev.threat_values().iter().map(|v| v.min(share)).sum()
            }
        }
    }

    /// For a warning goal: drops chosen sensors (latest first) that the goal does not
    /// need. Returns how many.
    pub fn prune(&mut self) -> usize {
        let Goal::Warning { .. } = self.goal else {
            return 0;
        };
        if !self.done() {
            return 0;
        }
        let mut dropped = 0;
        for s in self.picks.clone().into_iter().rev() {
            self.drop_pick(s);
            if self.done() {
                dropped += 1;
            } else {
                self.take(s);
            }
        }
        dropped
    }

    /// The objective now (for a warning goal, counting each threat up to its share).
    pub fn objective(&self) -> f64 {
        self.objective_now()
    }

    /// Whether the goal is met (always false for a budget).
    pub fn goal_met(&self) -> bool {
        self.done()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn opts(hits: u32, steps: u32) -> ModelOptions {
        ModelOptions {
            confirm_hits: hits,
            confirm_steps: steps,
            horizon_s: 100.0,
            ..Default::default()
        }
    }

    /// Certain fixes from step 10: confirmed at the third, step 12; warning = crossing
    /// time less 12 s.
    #[test]
    fn certain_fixes_confirm_at_the_third() {
        let mut lm = vec![0.0; 51];
        for x in lm.iter_mut().skip(10) {
            *x = ln_miss(1.0);
        }
        let o = outcome(&lm, 50.0, &opts(3, 5), 30.0);
        assert!((o.pd - 1.0).abs() < 1e-6);
        assert!((o.warning_s - 38.0).abs() < 1e-4, "{o:?}");
        assert!((o.p_required - 1.0).abs() < 1e-6);
        let o = outcome(&lm, 50.0, &opts(3, 5), 39.0);
        assert!(o.p_required < 1e-6);
    }

    /// Hand-worked 2-of-2: two steps of q = 0.5 each, then the crossing. Confirmed only
    /// when both hit: pd = 0.25 at step 1 (t = 1 s), warning 2 - 1 = 1 s.
    #[test]
    fn two_of_two_by_hand() {
        let lm = vec![ln_miss(0.5), ln_miss(0.5), 0.0];
        let o = outcome(&lm, 2.0, &opts(2, 2), 0.0);
        assert!((o.pd - 0.25).abs() < 1e-6, "{o:?}");
        assert!((o.warning_s - 0.25).abs() < 1e-6);
        // With three steps of 0.5 before the crossing: P(HH at 1) = .25, P(MHH or
        // HMH... ) for 2-of-2 consecutive: sequences ending in the first HH at step 2
        // are MHH: 0.125. Total 0.375.
        let lm = vec![ln_miss(0.5); 3];
        let o = outcome(&lm, 3.0, &opts(2, 2), 0.0);
        assert!((o.pd - 0.375).abs() < 1e-6, "{o:?}");
        // Warning: 0.25 * (3 - 1) + 0.125 * (3 - 2).
        assert!((o.warning_s - 0.625).abs() < 1e-6);
    }

    /// Steps after the crossing do not count; the horizon caps the warning.
    #[test]
    fn crossing_and_horizon_bound_it() {
        let lm = vec![ln_miss(1.0); 300];
        let o = outcome(&lm, 250.0, &opts(1, 1), 0.0);
        assert!((o.warning_s - 100.0).abs() < 1e-6, "{o:?}");
        let late = [vec![0.0; 260], vec![ln_miss(1.0); 40]].concat();
        let o = outcome(&late, 250.0, &opts(1, 1), 0.0);
        assert_eq!(o.pd, 0.0);
    }

    proptest::proptest! {
        /// Resuming from a checkpoint gives exactly what replaying the whole chain
        /// gives, when the change starts after the checkpoint.
        #[test]
        fn checkpoints_resume_exactly(ps in proptest::collection::vec(0.0f64..1.0, 20..120), extra in 0.0f64..1.0, from_frac in 0.0f64..1.0) {
            let o = opts(3, 5);
            let base: Vec<f64> = ps.iter().map(|&p| if p < 0.3 { 0.0 } else { ln_miss(p) }).collect();
            let mut rec = Vec::new();
            let cross = base.len() as f64 - 1.0;
            chain(&base, cross, &o, 5.0, 0, None, Some(&mut rec));
            let from = ((base.len() - 1) as f64 * from_frac) as usize;
            let mut changed = base.clone();
            for x in changed.iter_mut().skip(from) {
                *x += ln_miss(extra);
            }
            let full = chain(&changed, cross, &o, 5.0, 0, None, None);
            let width = 16 + 4;
            let n = rec.len() / width;
            let c = (from / CHECKPOINT_STEPS).min(n - 1);
            let resumed = chain(&changed, cross, &o, 5.0, c * CHECKPOINT_STEPS, Some(&rec[c * width..(c + 1) * width]), None);
            proptest::prop_assert!((full.pd - resumed.pd).abs() < 1e-12);
            proptest::prop_assert!((full.warning_s - resumed.warning_s).abs() < 1e-9);
            proptest::prop_assert!((full.p_required - resumed.p_required).abs() < 1e-12);
        }

        /// More fix probability never lowers detection or warning (monotone: what the
        /// greedy's guarantee stands on).
        #[test]
        fn monotone(ps in proptest::collection::vec(0.0f64..1.0, 5..60), extra in proptest::collection::vec(0.0f64..1.0, 60), hits in 1u32..4) {
            let o = opts(hits, hits + 2);
            let lm: Vec<f64> = ps.iter().map(|&p| ln_miss(p)).collect();
            let more: Vec<f64> = ps.iter().zip(&extra).map(|(&p, &e)| ln_miss(p) + ln_miss(e)).collect();
            let cross = ps.len() as f64 - 1.0;
            let a = outcome(&lm, cross, &o, 3.0);
            let b = outcome(&more, cross, &o, 3.0);
            proptest::prop_assert!(b.pd >= a.pd - 1e-9);
            proptest::prop_assert!(b.warning_s >= a.warning_s - 1e-9);
            proptest::prop_assert!(b.p_required >= a.p_required - 1e-9);
            proptest::prop_assert!(a.pd <= 1.0 + 1e-9);
        }
    }
}
