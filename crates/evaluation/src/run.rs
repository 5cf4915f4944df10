//! Scoring a whole run: GOSPA and OSPA over time, track continuity, time to first
//! track, and class confusion.
//!
//! Truth and tracks are compared at the same instants: every time that has truth or
//! tracks is scored, truth being the samples with exactly that time and tracks the
//! reports with exactly that time (a tracker that writes nothing at a time has no
//! confirmed track then). The per-time GOSPA assignment is also the association of
//! tracks to targets that continuity and classification use.
use crate::{gospa_assignment, gospa_distance, ospa, EvaluationError, GospaParams};
use std::collections::BTreeMap;

/// One truth sample.
#[derive(Debug, Clone, PartialEq)]
pub struct TruthSample {
    /// Time, seconds.
    pub time_s: f64,
    /// Target index (the caller maps names to indices).
    pub target: usize,
    /// Position in a local Cartesian frame, metres (`z` 0 when scoring in 2D).
    pub position_m: [f64; 3],
    /// Whether any sensor detected the target at this time, when the truth says so.
    pub seen: Option<bool>,
    /// When the sensors could fix the target's position at this time, the revisit of
    /// the fastest way they could, seconds (when the truth says so).
    pub detectable_revisit_s: Option<f64>,
}

/// One track report.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackSample {
    /// Time, seconds.
    pub time_s: f64,
    /// Track id.
    pub track: u64,
    /// Position in the same frame as the truth, metres.
    pub position_m: [f64; 3],
    /// The class the track carries, if any.
    pub class: Option<String>,
}

/// How a run is scored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunParams {
    /// GOSPA and OSPA cut-off and order.
    pub metric: GospaParams,
    /// GOSPA's alpha, in (0, 2]. The localisation, missed and false terms are those
    /// of the alpha = 2 assignment whatever this is.
    pub alpha: f64,
    /// Score in 3D (x, y, z) rather than 2D (x, y).
    pub three_d: bool,
}

/// The score at one time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// Time, seconds.
    pub time_s: f64,
    /// GOSPA distance.
    pub gospa: f64,
    /// The localisation part of GOSPA, `(sum of d^p over assigned pairs)^(1/p)`, metres.
    pub localisation_m: f64,
    /// Truths without a track within the cut-off.
    pub missed: usize,
    /// Tracks without a truth within the cut-off.
    pub false_tracks: usize,
    /// OSPA distance.
    pub ospa: f64,
    /// Truths at this time.
    pub truths: usize,
    /// Tracks at this time.
    pub tracks: usize,
}

/// What happened to one target.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TargetContinuity {
    /// First truth time.
    pub first_truth_s: Option<f64>,
    /// First time a sensor saw it (the first truth time when the truth does not say).
    pub first_seen_s: Option<f64>,
    /// First time a track was assigned to it.
    pub first_tracked_s: Option<f64>,
    /// Times it was scored and times a track was assigned to it.
    pub steps: usize,
    /// Steps with a track assigned.
    pub tracked_steps: usize,
    /// Distinct track ids assigned to it.
    pub track_ids: Vec<u64>,
    /// Changes of the assigned track id between consecutive tracked steps.
    pub id_switches: usize,
    /// Times its track coverage resumed after at least one untracked step.
    pub fragmentations: usize,
}

/// One track's time on one target, and the classes it carried meanwhile.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrackOnTarget {
    /// First step the track was assigned to the target.
    pub first_s: f64,
    /// Last such step.
    pub last_s: f64,
    /// Steps assigned.
    pub steps: usize,
    /// Per class the track carried while assigned: the first time, and the steps.
    pub classes: BTreeMap<String, (f64, usize)>,
}

/// One track's life as scored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrackHistory {
    /// First report (the track's confirmation, for a tracker that reports confirmed
    /// tracks only).
    pub first_s: f64,
    /// Last report.
    pub last_s: f64,
    /// Per target it was assigned to.
    pub on_target: BTreeMap<usize, TrackOnTarget>,
    /// Scored steps the track was reported in.
    pub steps: usize,
    /// Per target that was within the cut-off distance of it, assigned or not.
    pub near: BTreeMap<usize, TrackNear>,
}

/// The steps one target spent within the cut-off distance of one track. Two drones
/// closer together than the sensors resolve share a track that GOSPA can assign to
/// only one of them at a time; nearness says the track was on both.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TrackNear {
    /// First such step.
    pub first_s: f64,
    /// Steps.
    pub steps: usize,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunReport {
    /// Per-time scores, in time order.
    pub steps: Vec<Step>,
    /// Means over the steps.
    pub mean_gospa: f64,
    /// Mean localisation part, metres.
    pub mean_localisation_m: f64,
    /// Mean missed truths per step.
    pub mean_missed: f64,
    /// Mean false tracks per step.
    pub mean_false: f64,
    /// Mean OSPA.
    pub mean_ospa: f64,
    /// Per target, indexed like the truth's `target`.
    pub targets: Vec<TargetContinuity>,
    /// Track purity: of all (track, step) assignments, the share that went to the
    /// target each track was assigned to most often.
    pub track_purity: f64,
    /// Per track id: the target it was assigned to most often and how many steps.
    pub dominant_target: BTreeMap<u64, (usize, usize)>,
    /// Class confusion over assigned (truth, track) pairs whose track carries a class:
    /// `(target index, track class) -> steps`. The caller maps targets to true classes.
    pub class_pairs: BTreeMap<(usize, String), usize>,
    /// Per track id: its life and its time on each target.
    pub tracks: BTreeMap<u64, TrackHistory>,
}

impl RunReport {
    /// Sum of id switches over all targets.
    pub fn id_switches(&self) -> usize {
        self.targets.iter().map(|t| t.id_switches).sum()
    }

    /// Sum of fragmentations over all targets.
    pub fn fragmentations(&self) -> usize {
        self.targets.iter().map(|t| t.fragmentations).sum()
    }

    /// Targets that had a track at least once.
    pub fn targets_tracked(&self) -> usize {
        self.targets
            .iter()
            .filter(|t| !t.track_ids.is_empty())
            .count()
    }

    /// Targets followed by exactly one track id all along.
    pub fn targets_with_one_track_id(&self) -> usize {
        self.targets
            .iter()
            .filter(|t| t.track_ids.len() == 1)
            .count()
    }

    /// Seconds from first sighting to first track, for targets that got one.
    pub fn times_to_track_s(&self) -> Vec<f64> {
        self.targets
            .iter()
            .filter_map(|t| Some(t.first_tracked_s? - t.first_seen_s?))
            .collect()
    }
}

/// Scores a run. Samples may come in any order; non-finite times or positions are
/// refused.
pub fn evaluate_run(
    truth: &[TruthSample],
    tracks: &[TrackSample],
    params: RunParams,
) -> Result<RunReport, EvaluationError> {
    if !(params.alpha > 0.0 && params.alpha <= 2.0) {
        return Err(EvaluationError::Parameter("alpha must be in (0, 2]"));
    }
    if truth
        .iter()
        .any(|s| !s.time_s.is_finite() || s.position_m.iter().any(|v| !v.is_finite()))
        || tracks
            .iter()
            .any(|s| !s.time_s.is_finite() || s.position_m.iter().any(|v| !v.is_finite()))
    {
        return Err(EvaluationError::NonFinite);
    }
    // Group by exact time (bit pattern of the total order), in time order.
    let mut times: BTreeMap<TimeKey, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, s) in truth.iter().enumerate() {
        times.entry(TimeKey(s.time_s)).or_default().0.push(i);
    }
    for (i, s) in tracks.iter().enumerate() {
        times.entry(TimeKey(s.time_s)).or_default().1.push(i);
    }
    let n_targets = truth.iter().map(|s| s.target + 1).max().unwrap_or(0);
    let mut report = RunReport {
        targets: vec![TargetContinuity::default(); n_targets],
        ..Default::default()
    };
    // Per target: last assigned track id and whether the previous step was tracked.
    let mut last_id: Vec<Option<u64>> = vec![None; n_targets];
    let mut prev_tracked: Vec<bool> = vec![false; n_targets];
    let mut per_track: BTreeMap<u64, BTreeMap<usize, usize>> = BTreeMap::new();
    let p = params.metric.p;
    let pick = |v: &[f64; 3]| -> [f64; 3] {
        if params.three_d {
            *v
        } else {
            [v[0], v[1], 0.0]
        }
    };
    for (key, (ti, ki)) in &times {
        let t = key.0;
        let tp: Vec<[f64; 3]> = ti.iter().map(|&i| pick(&truth[i].position_m)).collect();
        let kp: Vec<[f64; 3]> = ki.iter().map(|&i| pick(&tracks[i].position_m)).collect();
        let (g, pairs) = gospa_assignment(&tp, &kp, params.metric)?;
        let o = ospa(&tp, &kp, params.metric)?;
        let distance = if params.alpha == 2.0 {
            g.distance
        } else {
            gospa_distance(&tp, &kp, params.metric, params.alpha)?
        };
        report.steps.push(Step {
            time_s: t,
            gospa: distance,
            localisation_m: g.localisation.powf(1.0 / p),
            missed: g.missed,
            false_tracks: g.false_tracks,
            ospa: o,
            truths: tp.len(),
            tracks: kp.len(),
        });
        let mut assigned: Vec<Option<usize>> = vec![None; ti.len()];
        for (a, b) in pairs {
            assigned[a] = Some(b);
        }
        for (b, &i) in ki.iter().enumerate() {
            let h = report
                .tracks
                .entry(tracks[i].track)
                .or_insert(TrackHistory {
                    first_s: t,
                    last_s: t,
                    ..Default::default()
                });
            h.last_s = t;
            h.steps += 1;
            for (&j, there) in ti.iter().zip(&tp) {
                if crate::dist(&kp[b], there) < params.metric.c {
                    let n = h.near.entry(truth[j].target).or_insert(TrackNear {
                        first_s: t,
                        steps: 0,
                    });
                    n.steps += 1;
                }
            }
        }
        for (a, &i) in ti.iter().enumerate() {
            let s = &truth[i];
            let c = &mut report.targets[s.target];
            c.first_truth_s.get_or_insert(t);
            if s.seen.unwrap_or(true) {
                c.first_seen_s.get_or_insert(t);
            }
            c.steps += 1;
            match assigned[a] {
                Some(b) => {
                    let k = &tracks[ki[b]];
                    c.tracked_steps += 1;
                    c.first_tracked_s.get_or_insert(t);
                    if !c.track_ids.contains(&k.track) {
                        c.track_ids.push(k.track);
                    }
                    if let Some(prev) = last_id[s.target] {
                        if prev != k.track {
                            c.id_switches += 1;
                        }
                        if !prev_tracked[s.target] {
                            c.fragmentations += 1;
                        }
                    }
                    last_id[s.target] = Some(k.track);
                    prev_tracked[s.target] = true;
                    *per_track
                        .entry(k.track)
                        .or_default()
                        .entry(s.target)
                        .or_default() += 1;
                    if let Some(class) = &k.class {
                        *report
                            .class_pairs
                            .entry((s.target, class.clone()))
                            .or_default() += 1;
                    }
                    if let Some(h) = report.tracks.get_mut(&k.track) {
                        let on = h.on_target.entry(s.target).or_insert(TrackOnTarget {
                            first_s: t,
                            ..Default::default()
                        });
                        on.last_s = t;
                        on.steps += 1;
                        if let Some(class) = &k.class {
                            on.classes.entry(class.clone()).or_insert((t, 0)).1 += 1;
                        }
                    }
                }
                None => prev_tracked[s.target] = false,
            }
        }
    }
    let n = report.steps.len().max(1) as f64;
    report.mean_gospa = report.steps.iter().map(|s| s.gospa).sum::<f64>() / n;
    report.mean_localisation_m = report.steps.iter().map(|s| s.localisation_m).sum::<f64>() / n;
    report.mean_missed = report.steps.iter().map(|s| s.missed as f64).sum::<f64>() / n;
    report.mean_false = report
        .steps
        .iter()
        .map(|s| s.false_tracks as f64)
        .sum::<f64>()
        / n;
    report.mean_ospa = report.steps.iter().map(|s| s.ospa).sum::<f64>() / n;
    let (mut dominant_sum, mut all) = (0usize, 0usize);
    for (id, counts) in &per_track {
        // Ties go to the lowest target index, so the result does not depend on order.
        let mut best = (usize::MAX, 0usize);
        for (&target, &count) in counts {
            if count > best.1 {
                best = (target, count);
            }
        }
        dominant_sum += best.1;
        all += counts.values().sum::<usize>();
        report.dominant_target.insert(*id, best);
    }
    report.track_purity = if all == 0 {
        1.0
    } else {
        dominant_sum as f64 / all as f64
    };
    Ok(report)
}

/// Times ordered by `f64::total_cmp`, so equal times group and order is total.
#[derive(Debug, Clone, Copy)]
struct TimeKey(f64);

impl PartialEq for TimeKey {
    fn eq(&self, o: &Self) -> bool {
        self.0.total_cmp(&o.0).is_eq()
    }
}
impl Eq for TimeKey {}
impl PartialOrd for TimeKey {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for TimeKey {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0)
    }
}
