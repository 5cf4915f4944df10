//! Metrics that score any tracker's output against truth: GOSPA and OSPA per time,
//! and over a whole run track continuity, time to first track, class confusion, time
//! to the right class, and border-crossing warning times.
//!
//! Independent of the tracker by design, so it scores Stone Soup's output with exactly
//! the same code as skyfence's.
#![deny(missing_docs)]

mod border;
mod classes;
mod run;

pub use border::{
    score_alerts, tracked_warnings, Alert, AlertReport, Border, Crossing, CONFIRMATION_LOOKS,
    WARNING_SHARE_TARGET,
};
pub use classes::{score_classes, ClassScores, DRONE_CLASSES};
pub use run::{
    evaluate_run, RunParams, RunReport, Step, TargetContinuity, TrackHistory, TrackNear,
    TrackOnTarget, TrackSample, TruthSample,
};

/// Errors from evaluation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EvaluationError {
    /// A parameter is out of range.
    #[error("invalid metric parameter: {0}")]
    Parameter(&'static str),
    /// A coordinate was not finite.
    #[error("a point has a non-finite coordinate")]
    NonFinite,
    /// The assignment failed.
    #[error(transparent)]
    Assignment(#[from] assignment::AssignmentError),
}

/// The decomposition of one GOSPA value.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Gospa {
    /// The GOSPA distance.
    pub distance: f64,
    /// Sum of `d^p` over assigned pairs closer than `c`.
    pub localisation: f64,
    /// Truths without an estimate within `c`.
    pub missed: usize,
    /// Estimates without a truth within `c`.
    pub false_tracks: usize,
}

/// GOSPA parameters (with `alpha = 2`, the only value for which the metric splits into
/// localisation, missed and false terms).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GospaParams {
    /// Cut-off distance, metres.
    pub c: f64,
    /// Order.
    pub p: f64,
}

fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

fn check<const D: usize>(pts: &[[f64; D]]) -> Result<(), EvaluationError> {
    if pts.iter().flatten().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(EvaluationError::NonFinite)
    }
}

/// Parameters in range and every coordinate finite.
fn validate<const D: usize>(
    truth: &[[f64; D]],
    est: &[[f64; D]],
    params: GospaParams,
) -> Result<(), EvaluationError> {
    let GospaParams { c, p } = params;
    if !(c > 0.0 && c.is_finite()) {
        return Err(EvaluationError::Parameter("c must be positive"));
    }
    if !(p >= 1.0 && p.is_finite()) {
        return Err(EvaluationError::Parameter("p must be at least 1"));
    }
    check(truth)?;
    check(est)
}

/// Row-major `min(d, c)^p` between every truth and estimate: the pair cost of both
/// GOSPA and OSPA.
fn capped_costs<const D: usize>(
    truth: &[[f64; D]],
    est: &[[f64; D]],
    params: GospaParams,
) -> Vec<f64> {
    let mut cost = Vec::with_capacity(truth.len() * est.len());
    for t in truth {
        for e in est {
            cost.push(dist(t, e).min(params.c).powf(params.p));
        }
    }
    cost
}

/// GOSPA with `alpha = 2` (A. S. Rahmathullah, Á. F. García-Fernández, L. Svensson,
/// "Generalized optimal sub-pattern assignment metric", FUSION 2017, Proposition 1):
/// `(min over assignments of sum d^p over pairs closer than c + c^p / 2 (missed + false))^(1/p)`.
pub fn gospa<const D: usize>(
    truth: &[[f64; D]],
    est: &[[f64; D]],
    params: GospaParams,
) -> Result<Gospa, EvaluationError> {
    gospa_assignment(truth, est, params).map(|(g, _)| g)
}

/// [`gospa`], also returning the optimal assignment: `(truth index, estimate index)`
/// for every pair closer than `c`.
pub fn gospa_assignment<const D: usize>(
    truth: &[[f64; D]],
    est: &[[f64; D]],
    params: GospaParams,
) -> Result<(Gospa, Vec<(usize, usize)>), EvaluationError> {
    let GospaParams { c, p } = params;
    validate(truth, est, params)?;
    let cp = c.powf(p);
    let (n, m) = (truth.len(), est.len());
    if n == 0 || m == 0 {
        let unassigned = n + m;
        let g = Gospa {
            distance: (cp / 2.0 * unassigned as f64).powf(1.0 / p),
            localisation: 0.0,
            missed: n,
            false_tracks: m,
        };
        return Ok((g, Vec::new()));
    }
    // Pairs at or beyond c cost as much as one miss plus one false track (c^p), so
    // capping the pair cost at c^p and counting such pairs as unassigned is exact.
    let cost = capped_costs(truth, est, params);
    let (assign, _) = assignment::solve(&cost, n, m)?;
    let mut loc = 0.0;
    let mut pairs = Vec::new();
    for (i, a) in assign.iter().enumerate() {
        if let Some(j) = *a {
            let d = dist(&truth[i], &est[j]);
            if d < c {
                loc += d.powf(p);
                pairs.push((i, j));
            }
        }
    }
    let missed = n - pairs.len();
    let false_tracks = m - pairs.len();
    let total = loc + cp / 2.0 * (missed + false_tracks) as f64;
    let g = Gospa {
        distance: total.powf(1.0 / p),
        localisation: loc,
        missed,
        false_tracks,
    };
    Ok((g, pairs))
}

/// The GOSPA distance for any `alpha` in (0, 2] (Rahmathullah et al. 2017, Definition
/// 1): `(min over assignments of the smaller set into the larger of sum min(d, c)^p`
/// `+ c^p / alpha * ||X| - |Y||)^(1/p)`. Equal to [`gospa`]'s distance at `alpha = 2`;
/// only there does it split into localisation, missed and false terms.
pub fn gospa_distance<const D: usize>(
    truth: &[[f64; D]],
    est: &[[f64; D]],
    params: GospaParams,
    alpha: f64,
) -> Result<f64, EvaluationError> {
    if !(alpha > 0.0 && alpha <= 2.0) {
        return Err(EvaluationError::Parameter("alpha must be in (0, 2]"));
    }
    let GospaParams { c, p } = params;
    validate(truth, est, params)?;
    let (n, m) = (truth.len(), est.len());
    let cp = c.powf(p);
    let unmatched = cp / alpha * n.abs_diff(m) as f64;
    if n == 0 || m == 0 {
        return Ok(unmatched.powf(1.0 / p));
    }
    let cost = capped_costs(truth, est, params);
    let (_, total) = assignment::solve(&cost, n, m)?;
    Ok((total + unmatched).powf(1.0 / p))
}

/// OSPA (Schuhmacher, Vo and Vo, IEEE Trans. SP 56(8), 2008) with cut-off `c`, order `p`.
pub fn ospa<const D: usize>(
    truth: &[[f64; D]],
    est: &[[f64; D]],
    params: GospaParams,
) -> Result<f64, EvaluationError> {
    let GospaParams { c, p } = params;
    validate(truth, est, params)?;
    let (n, m) = (truth.len(), est.len());
    if n == 0 && m == 0 {
        return Ok(0.0);
    }
    if n == 0 || m == 0 {
        return Ok(c);
    }
    let cp = c.powf(p);
    let cost = capped_costs(truth, est, params);
    let (_, total) = assignment::solve(&cost, n, m)?;
    let k = n.max(m);
    Ok(((total + cp * (k - n.min(m)) as f64) / k as f64).powf(1.0 / p))
}

/// Running average of per-scan GOSPA and its terms.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GospaSummary {
    /// Scans scored.
    pub scans: usize,
    /// Mean GOSPA per scan.
    pub mean_gospa: f64,
    /// Mean missed per scan.
    pub mean_missed: f64,
    /// Mean false per scan.
    pub mean_false: f64,
    /// Mean OSPA per scan.
    pub mean_ospa: f64,
}

impl GospaSummary {
    /// Adds one scan.
    pub fn add(&mut self, g: &Gospa, ospa: f64) {
        let n = self.scans as f64;
        let upd = |m: f64, v: f64| (m * n + v) / (n + 1.0);
        self.mean_gospa = upd(self.mean_gospa, g.distance);
        self.mean_missed = upd(self.mean_missed, g.missed as f64);
        self.mean_false = upd(self.mean_false, g.false_tracks as f64);
        self.mean_ospa = upd(self.mean_ospa, ospa);
        self.scans += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const P: GospaParams = GospaParams { c: 100.0, p: 2.0 };

    /// Worked by hand: truths at (0,0) and (1000,0); estimates at (3,4) (distance 5) and
    /// (5000,0) (beyond c). Localisation 25; one missed, one false:
    /// GOSPA = sqrt(25 + 100^2 / 2 * 2) = sqrt(10025).
    #[test]
    fn hand_worked_gospa() {
        let g = gospa(
            &[[0.0, 0.0], [1000.0, 0.0]],
            &[[3.0, 4.0], [5000.0, 0.0]],
            P,
        )
        .unwrap();
        assert_eq!(g.missed, 1);
        assert_eq!(g.false_tracks, 1);
        assert!((g.localisation - 25.0).abs() < 1e-9);
        assert!((g.distance - 10025f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn empty_sets() {
        assert_eq!(gospa::<2>(&[], &[], P).unwrap().distance, 0.0);
        let g = gospa(&[[0.0, 0.0]], &[], P).unwrap();
        assert!((g.distance - 5000f64.sqrt()).abs() < 1e-9);
        assert_eq!(ospa(&[[0.0, 0.0]], &[], P).unwrap(), 100.0);
        assert!(gospa(&[[f64::NAN, 0.0]], &[], P).is_err());
    }

    /// alpha = 2 gives the decomposed value; alpha = 1 by hand on the first worked
    /// example: assignment of both truths (5^2 + capped 100^2) and no cardinality
    /// difference: sqrt(10025) for every alpha; one extra estimate adds 100^2 / alpha.
    #[test]
    fn gospa_alpha_by_hand() {
        let t = [[0.0, 0.0], [1000.0, 0.0]];
        let e = [[3.0, 4.0], [5000.0, 0.0]];
        for alpha in [0.5, 1.0, 2.0] {
            let d = gospa_distance(&t, &e, P, alpha).unwrap();
            assert!((d - 10025f64.sqrt()).abs() < 1e-9);
        }
        let e3 = [[3.0, 4.0], [5000.0, 0.0], [7000.0, 0.0]];
        let d = gospa_distance(&t, &e3, P, 1.0).unwrap();
        assert!((d - 20025f64.sqrt()).abs() < 1e-9);
        let d2 = gospa_distance(&t, &e3, P, 2.0).unwrap();
        assert!((d2 - gospa(&t, &e3, P).unwrap().distance).abs() < 1e-9);
        assert!(gospa_distance(&t, &e3, P, 3.0).is_err());
    }

    /// OSPA by hand: one truth, two estimates at distance 0 and far: (0 + 100^2) / 2.
    #[test]
    fn hand_worked_ospa() {
        let o = ospa(&[[0.0, 0.0]], &[[0.0, 0.0], [900.0, 0.0]], P).unwrap();
        assert!((o - (10000.0f64 / 2.0).sqrt()).abs() < 1e-9);
    }

    proptest::proptest! {
        /// GOSPA is a metric: symmetric, zero on equal sets, triangle inequality.
        #[test]
        fn metric_axioms(
            a in proptest::collection::vec((-300.0f64..300.0, -300.0f64..300.0), 0..6),
            b in proptest::collection::vec((-300.0f64..300.0, -300.0f64..300.0), 0..6),
            c in proptest::collection::vec((-300.0f64..300.0, -300.0f64..300.0), 0..6),
        ) {
            let to = |v: &Vec<(f64, f64)>| v.iter().map(|p| [p.0, p.1]).collect::<Vec<_>>();
            let (a, b, c) = (to(&a), to(&b), to(&c));
            let ab = gospa(&a, &b, P).unwrap().distance;
            let ba = gospa(&b, &a, P).unwrap().distance;
            proptest::prop_assert!((ab - ba).abs() < 1e-6);
            proptest::prop_assert!(gospa(&a, &a, P).unwrap().distance < 1e-9);
            let ac = gospa(&a, &c, P).unwrap().distance;
            let cb = gospa(&c, &b, P).unwrap().distance;
            proptest::prop_assert!(ab <= ac + cb + 1e-6);
        }
    }
}
