//! Scoring classification: confusion per track, time to the right class, and the two
//! figures operators care most about: how soon a drone is called a drone, and how
//! often a bird ever is.
//!
//! A track is judged on the target the GOSPA assignment gave it most often (its
//! dominant target), over the steps it was assigned to that target; a bird track is
//! judged on every step it spent on any bird.
use crate::run::RunReport;
use std::collections::BTreeMap;

/// Drone class names (either counts as "a drone" for recall and false alarms).
pub const DRONE_CLASSES: [&str; 2] = ["drone_rotary", "drone_fixed_wing"];

fn is_drone(class: &str) -> bool {
    DRONE_CLASSES.contains(&class)
}

/// Classification scores of a run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClassScores {
    /// `(true class, class the track held most while on its dominant target) -> tracks`.
    pub track_confusion: BTreeMap<(String, String), usize>,
    /// Per true class: seconds from a track's first step on its dominant target to its
    /// first step there with the right class (tracks that got it).
    pub time_to_correct_s: BTreeMap<String, Vec<f64>>,
    /// Per true class: tracks that never carried the right class on their target.
    pub never_correct: BTreeMap<String, usize>,
    /// Drone tracks (dominant target a drone, on it at least `within_s`).
    pub drone_tracks: usize,
    /// Of those, how many carried a drone class within `within_s` of their first step
    /// on the target.
    pub drones_called_in_time: usize,
    /// Bird tracks (dominant target a bird).
    pub bird_tracks: usize,
    /// Of those, how many ever carried a drone class while on a bird.
    pub birds_ever_called_drone: usize,
    /// The window for drone recall, seconds.
    pub within_s: f64,
}

impl ClassScores {
    /// Share of drone tracks called a drone in time (1 when there are none).
    pub fn drone_recall(&self) -> f64 {
        if self.drone_tracks == 0 {
            1.0
        } else {
            self.drones_called_in_time as f64 / self.drone_tracks as f64
        }
    }

    /// Share of bird tracks ever called a drone (0 when there are none).
    pub fn bird_as_drone_rate(&self) -> f64 {
        if self.bird_tracks == 0 {
            0.0
        } else {
            self.birds_ever_called_drone as f64 / self.bird_tracks as f64
        }
    }
}

/// Scores classes from a run report; `true_class(target)` gives a target's true class
/// (targets without one are left out).
pub fn score_classes(
    report: &RunReport,
    true_class: impl Fn(usize) -> Option<String>,
    within_s: f64,
) -> ClassScores {
    let mut out = ClassScores {
        within_s,
        ..Default::default()
    };
    for (id, h) in &report.tracks {
        let Some(&(target, _)) = report.dominant_target.get(id) else {
            continue;
        };
        let Some(truth) = true_class(target) else {
            continue;
        };
        let Some(on) = h.on_target.get(&target) else {
            continue;
        };
        let held = on
            .classes
            .iter()
            .max_by(|a, b| a.1 .1.cmp(&b.1 .1).then(b.0.cmp(a.0)))
            .map_or("none".to_string(), |(c, _)| c.clone());
        *out.track_confusion
            .entry((truth.clone(), held))
            .or_default() += 1;
        match on.classes.get(&truth) {
            Some(&(first, _)) => out
                .time_to_correct_s
                .entry(truth.clone())
                .or_default()
                .push(first - on.first_s),
            None => *out.never_correct.entry(truth.clone()).or_default() += 1,
        }
        if is_drone(&truth) && on.last_s - on.first_s >= within_s {
            out.drone_tracks += 1;
            let called = on
                .classes
                .iter()
                .any(|(c, &(first, _))| is_drone(c) && first - on.first_s <= within_s);
            if called {
                out.drones_called_in_time += 1;
            }
        }
        if truth == "bird" {
            out.bird_tracks += 1;
            let ever = h.on_target.iter().any(|(&t, o)| {
                true_class(t).as_deref() == Some("bird") && o.classes.keys().any(|c| is_drone(c))
            });
            if ever {
                out.birds_ever_called_drone += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{evaluate_run, RunParams, TrackSample, TruthSample};
    use crate::GospaParams;

    fn truth(t: f64, target: usize, x: f64) -> TruthSample {
        TruthSample {
            time_s: t,
            target,
            position_m: [x, 0.0, 0.0],
            seen: None,
            detectable_revisit_s: None,
        }
    }

    fn track(t: f64, id: u64, x: f64, class: &str) -> TrackSample {
        TrackSample {
            time_s: t,
            track: id,
            position_m: [x, 0.0, 0.0],
            class: Some(class.into()),
        }
    }

    #[test]
    fn drone_recall_bird_false_alarm_and_time_to_class_by_hand() {
        // Target 0 a drone at x = 0, target 1 a bird at x = 1000, for 0..=20 s.
        // Track 1 follows the drone: unknown for 4 s, then drone_rotary from t = 4.
        // Track 2 follows the bird: bird, except drone_rotary once at t = 15.
        let mut tr = Vec::new();
        let mut tk = Vec::new();
        for s in 0..=20 {
            let t = s as f64;
            tr.push(truth(t, 0, 0.0));
            tr.push(truth(t, 1, 1000.0));
            tk.push(track(
                t,
                1,
                1.0,
                if s < 4 { "unknown" } else { "drone_rotary" },
            ));
            tk.push(track(
                t,
                2,
                1001.0,
                if s == 15 { "drone_rotary" } else { "bird" },
            ));
        }
        let params = RunParams {
            metric: GospaParams { c: 100.0, p: 2.0 },
            alpha: 2.0,
            three_d: false,
        };
        let report = evaluate_run(&tr, &tk, params).unwrap_or_default();
        let class = |t: usize| Some(if t == 0 { "drone_rotary" } else { "bird" }.to_string());
        let s = score_classes(&report, class, 10.0);
        assert_eq!(s.drone_tracks, 1);
        assert_eq!(s.drones_called_in_time, 1);
        assert_eq!(s.time_to_correct_s["drone_rotary"], vec![4.0]);
        assert_eq!(s.time_to_correct_s["bird"], vec![0.0]);
        assert_eq!(s.bird_tracks, 1);
        assert_eq!(s.birds_ever_called_drone, 1);
        assert_eq!(s.bird_as_drone_rate(), 1.0);
        assert_eq!(
            s.track_confusion[&("drone_rotary".into(), "drone_rotary".into())],
            1
        );
        assert_eq!(s.track_confusion[&("bird".into(), "bird".into())], 1);
        // With a 3 s window the drone was not called in time.
        let s3 = score_classes(&report, class, 3.0);
        assert_eq!(s3.drones_called_in_time, 0);
        assert_eq!(s3.drone_recall(), 0.0);
    }
}
