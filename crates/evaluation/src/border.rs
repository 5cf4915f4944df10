//! Border crossings in the truth and the warning that alerts gave before them.
use crate::{RunReport, TruthSample};

/// A border as a polyline in the local frame, with the side that is ours.
#[derive(Debug, Clone, PartialEq)]
pub struct Border {
    /// Vertices, east and north metres, in order.
    pub points_m: Vec<[f64; 2]>,
    /// Whether our side is to the left when walking the polyline in order.
    pub ours_left: bool,
}

/// A target entering our side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crossing {
    /// Target index.
    pub target: usize,
    /// Time it crossed, seconds (interpolated between truth samples).
    pub time_s: f64,
    /// The warning the sensors physically allowed, when the truth says when the target
    /// was detectable: from the first time the sensors could fix its position (a
    /// ranging sensor, or two bearing sensors crossing steeply, each with a probability
    /// of detection of at least one half per look) to the crossing, less the
    /// confirmation time ([`CONFIRMATION_LOOKS`] more looks of the fastest such
    /// sensors); 0 if it was never localisable before crossing.
    pub possible_warning_s: Option<f64>,
}

/// Looks after the first detection that a track needs before it is confirmed and can
/// alert: a second plot starts it, a third confirms it.
pub const CONFIRMATION_LOOKS: f64 = 2.0;

/// The share of the physically possible warning an alert must give.
pub const WARNING_SHARE_TARGET: f64 = 0.9;

/// An alert as far as scoring needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Time raised, seconds.
    pub time_s: f64,
    /// Tracks it concerned over its life.
    pub tracks: Vec<u64>,
}

/// How alerts did against border crossings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertReport {
    /// First crossing of each threat target, with the warning (crossing time minus
    /// first alert on the target; negative when the alert came late), `None` if the
    /// target never raised an alert.
    pub crossings: Vec<(Crossing, Option<f64>)>,
    /// Threat crossings with no alert at all that the sensors could have localised
    /// before they happened (or where the truth does not say).
    pub missed: usize,
    /// Threat crossings with no alert that no combination of sensors could localise
    /// before they happened (possible warning 0): a gap in the sensor network, which
    /// is the planner's to close, not the tracker's or the rules'.
    pub unseen: usize,
    /// Threat crossings whose warning fell short of [`WARNING_SHARE_TARGET`] of a
    /// possible warning above zero (missed ones included).
    pub short_warnings: usize,
    /// The smallest share of the possible warning given, over threat crossings with a
    /// possible warning above zero (a missed crossing gives 0).
    pub min_warning_share: Option<f64>,
    /// Alerts on no target or on a target that is not a threat.
    pub false_alerts: usize,
    /// False alerts per hour of the run.
    pub false_per_hour: f64,
    /// False alerts per hour and per 100 km of border.
    pub false_per_hour_per_100km: f64,
}

fn cross(a: [f64; 2], b: [f64; 2]) -> f64 {
    a[0] * b[1] - a[1] * b[0]
}

fn sub(a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    [a[0] - b[0], a[1] - b[1]]
}

impl Border {
    /// Length, metres.
    pub fn length_m(&self) -> f64 {
        self.points_m
            .windows(2)
            .map(|w| (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]))
            .sum()
    }

    /// If the step from `a` to `b` enters our side through the border, the fraction of
    /// the step at which it does.
    pub fn entry(&self, a: [f64; 2], b: [f64; 2]) -> Option<f64> {
        let step = sub(b, a);
        let mut first: Option<f64> = None;
        for w in self.points_m.windows(2) {
            let (q0, q1) = (w[0], w[1]);
            let d = sub(q1, q0);
            let denom = cross(step, d);
            if denom == 0.0 {
                continue;
            }
            // a + s * step = q0 + u * d
            let s = cross(sub(q0, a), d) / denom;
            let u = cross(sub(q0, a), step) / denom;
            if !(0.0..=1.0).contains(&s) || !(0.0..=1.0).contains(&u) {
                continue;
            }
            // Moving to the left of the border direction is cross(d, step) > 0.
            let to_left = cross(d, step) > 0.0;
            if to_left == self.ours_left {
                first = Some(first.map_or(s, |f: f64| f.min(s)));
            }
        }
        first
    }

    /// First entry into our side of every target, in target order.
    pub fn crossings(&self, truth: &[TruthSample]) -> Vec<Crossing> {
        type Path = Vec<(f64, [f64; 2], Option<f64>)>;
        let mut by_target: std::collections::BTreeMap<usize, Path> =
            std::collections::BTreeMap::new();
        for s in truth {
            by_target.entry(s.target).or_default().push((
                s.time_s,
                [s.position_m[0], s.position_m[1]],
                s.detectable_revisit_s,
            ));
        }
        // Only a truth that says when targets were detectable bounds the warning.
        let knows_detectable = truth.iter().any(|s| s.detectable_revisit_s.is_some());
        let mut out = Vec::new();
        for (target, mut path) in by_target {
            path.sort_by(|a, b| a.0.total_cmp(&b.0));
            for w in path.windows(2) {
                if let Some(f) = self.entry(w[0].1, w[1].1) {
                    let time_s = w[0].0 + f * (w[1].0 - w[0].0);
                    let possible_warning_s = knows_detectable.then(|| {
                        path.iter()
                            .take_while(|p| p.0 <= time_s)
                            .find_map(|p| Some((p.0, p.2?)))
                            .map_or(0.0, |(t, revisit_s)| {
                                (time_s - t - CONFIRMATION_LOOKS * revisit_s).max(0.0)
                            })
                    });
                    out.push(Crossing {
                        target,
                        time_s,
                        possible_warning_s,
                    });
                    break;
                }
            }
        }
        out
    }
}

/// The warning tracking gave before each crossing: from the first time a confirmed
/// track was on the target (the run's per-step assignment) to the crossing; `None` when
/// no track was on it before the crossing. Scores a sensor layout without alert rules
/// (the planner's promise is about tracks).
pub fn tracked_warnings(
    report: &RunReport,
    crossings: &[Crossing],
) -> Vec<(Crossing, Option<f64>)> {
    crossings
        .iter()
        .map(|c| {
            let first = report
                .targets
                .get(c.target)
                .and_then(|t| t.first_tracked_s)
                .filter(|&t| t <= c.time_s);
            (*c, first.map(|t| c.time_s - t))
        })
        .collect()
}

/// A track followed a target when it was assigned to it for at least this share of its
/// assigned steps (or more than to any other), or stayed within the cut-off distance of
/// it for at least this share of its reported steps: two drones flying closer than the
/// radar resolves share one track, GOSPA assigns it to one of them at a time, and its
/// alert warns of both.
pub const FOLLOWED_SHARE: f64 = 0.25;

/// The targets track `id` followed, each with the time from which it did.
fn followed(report: &RunReport, id: u64) -> Vec<(usize, f64)> {
    let dominant = report.dominant_target.get(&id).map(|d| d.0);
    let Some(h) = report.tracks.get(&id) else {
        return dominant
            .map(|d| (d, f64::NEG_INFINITY))
            .into_iter()
            .collect();
    };
    let mut since: std::collections::BTreeMap<usize, f64> = Default::default();
    let mut follow = |target: usize, from_s: f64| {
        let e = since.entry(target).or_insert(from_s);
        *e = e.min(from_s);
    };
    let assigned: usize = h.on_target.values().map(|o| o.steps).sum();
    for (&target, o) in &h.on_target {
        // A track is taken to have followed its main target from its start (its
        // first plots may lie beyond the scoring cut-off from it); another target
        // only from when it was assigned to it.
        if Some(target) == dominant {
            follow(target, f64::NEG_INFINITY);
        } else if o.steps as f64 >= FOLLOWED_SHARE * assigned as f64 {
            follow(target, o.first_s);
        }
    }
    for (&target, n) in &h.near {
        if n.steps as f64 >= FOLLOWED_SHARE * h.steps as f64 {
            follow(target, n.first_s);
        }
    }
    since.into_iter().collect()
}

/// Scores alerts: each alert belongs to the targets its tracks followed (see
/// [`FOLLOWED_SHARE`]), from the time they followed them; `threat[target]` says which
/// targets should raise one.
pub fn score_alerts(
    alerts: &[Alert],
    report: &RunReport,
    crossings: &[Crossing],
    threat: &[bool],
    duration_s: f64,
    border_length_m: f64,
) -> AlertReport {
    let mut first_alert: std::collections::BTreeMap<usize, f64> = Default::default();
    let mut false_alerts = 0;
    for a in alerts {
        // An alert is on every threat target one of its tracks followed, from when it
        // followed it; it is false when none of them followed a threat.
        let mut on_threat = false;
        for t in &a.tracks {
            for (target, since_s) in followed(report, *t) {
                if threat.get(target).copied().unwrap_or(false) {
                    on_threat = true;
                    let at = a.time_s.max(since_s);
                    let e = first_alert.entry(target).or_insert(at);
                    *e = e.min(at);
                }
            }
        }
        if !on_threat {
            false_alerts += 1;
        }
    }
    let mut out = AlertReport {
        false_alerts,
        ..Default::default()
    };
    for c in crossings {
        if !threat.get(c.target).copied().unwrap_or(false) {
            continue;
        }
        let warning = first_alert.get(&c.target).map(|t| c.time_s - t);
        match (warning, c.possible_warning_s) {
            (None, Some(p)) if p <= 0.0 => out.unseen += 1,
            (None, _) => out.missed += 1,
            _ => {}
        }
        if let Some(possible) = c.possible_warning_s.filter(|p| *p > 0.0) {
            let given = warning.unwrap_or(0.0).max(0.0);
            if given < WARNING_SHARE_TARGET * possible {
                out.short_warnings += 1;
            }
            let share = given / possible;
            out.min_warning_share = Some(out.min_warning_share.map_or(share, |m| m.min(share)));
        }
        out.crossings.push((*c, warning));
    }
    let hours = duration_s / 3600.0;
    if hours > 0.0 {
        out.false_per_hour = false_alerts as f64 / hours;
        if border_length_m > 0.0 {
            out.false_per_hour_per_100km = out.false_per_hour / (border_length_m / 100_000.0);
        }
    }
    out
}
