//! Alert rules: from each moment's track reports to alerts for people, with a
//! lifecycle (new → updated → acknowledged → closed), hysteresis and de-duplication.
//!
//! Pure: no IO, no clock; time comes with the reports, so a live run, a replay and a
//! simulation raise the same alerts.
//!
//! Rules (each configurable in [`RulesConfig`]):
//! - a threat track on their side whose mean path crosses into ours within the horizon,
//!   with the probability of being on our side by then at least `crossing_probability`
//!   (kept while above `crossing_keep_probability`);
//! - a threat track that crossed into our side;
//! - a threat track inside a protected area's outline and height band;
//! - a manned aircraft without a cooperative identity crossing, or about to cross
//!   (an airspace violation, whatever the threat classes);
//! - a swarm: at least `swarm_min_tracks` drone tracks within `swarm_radius_m` of one
//!   another, headings within `swarm_heading_deg`;
//! - loitering: a threat track within `loiter_radius_m` of a protected area for
//!   `loiter_min_s`;
//! - a track flagged `possibly_spoofed`.
//!
//! De-duplication: a cause is matched to an open alert of the same kind and area that
//! already holds one of its tracks, or whose last position is within
//! `dedup_radius_m` (a track that broke and re-formed, a second sensor's track of the
//! same drone). Hysteresis: an alert closes only when its cause has been absent for
//! `close_after_s`. Inside a no-alert area, cooperative tracks and manned aircraft raise
//! nothing.
#![deny(missing_docs)]

mod health;
pub use health::{HealthConfig, HealthFinding, Problem, SensorHealth};

use model::{AlertKind, AlertReport, AlertState, Class, TrackFlags, TrackReport, TrackStatus};
use std::collections::BTreeMap;
use zones::{AreaKind, Areas, Border, Direction, Motion2};

/// Thresholds and switches of the rules, with defaults a border sector would start
/// from.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesConfig {
    /// Classes whose crossings and entries are threats.
    pub threat_classes: Vec<Class>,
    /// A track not yet classed (`unknown`) whose threat classes together hold at least
    /// this probability raises a predicted crossing when it would cross within
    /// `undecided_horizon_s`: a Shahed-class drone first seen at a radar's edge
    /// seconds from the border must not wait for the classifier to be sure which kind
    /// of drone it is. Further out, the classifier has time to decide (birds in their
    /// first seconds often look like drones).
    pub undecided_threat_probability: f64,
    /// How far ahead an undecided track's crossing is predicted, seconds.
    pub undecided_horizon_s: f64,
    /// A predicted crossing is raised once its cause has held for this share of the
    /// time left before the crossing (at most `settle_max_s`): a class that flickers to
    /// drone for a scan or two in a young bird track raises nothing, and waiting a
    /// tenth of the time left costs at most a tenth of the warning.
    pub settle_share: f64,
    /// The longest a predicted crossing waits to settle, seconds.
    pub settle_max_s: f64,
    /// A crossing due within this many seconds is raised at once: that close, a
    /// second of warning matters more than a flicker of class.
    pub settle_from_s: f64,
    /// How far ahead a crossing is predicted, seconds. Long enough to warn as soon as
    /// the sensors see a threat heading for the border: with 120 s, tracks held for
    /// five minutes before crossing gave under half of the warning the sensors allowed
    /// (`skyfence eval` on the scenario library); the crossing probability keeps
    /// tracks that merely wander near the border out.
    pub crossing_horizon_s: f64,
    /// Probability of being on our side at the horizon that raises a predicted
    /// crossing.
    pub crossing_probability: f64,
    /// Probability below which a raised predicted crossing lets go.
    pub crossing_keep_probability: f64,
    /// Seconds a cause must be gone before its alert closes.
    pub close_after_s: f64,
    /// A cause this close to an open alert of the same kind and area is that alert.
    pub dedup_radius_m: f64,
    /// Tracks that make a swarm.
    pub swarm_min_tracks: usize,
    /// Largest gap between neighbours of a swarm, metres.
    pub swarm_radius_m: f64,
    /// Largest difference of heading within a swarm, degrees.
    pub swarm_heading_deg: f64,
    /// Distance from a protected area that counts as near it, metres.
    pub loiter_radius_m: f64,
    /// Time near a protected area that is loitering, seconds.
    pub loiter_min_s: f64,
}

impl Default for RulesConfig {
    fn default() -> Self {
        Self {
            threat_classes: vec![Class::DroneRotary, Class::DroneFixedWing, Class::Balloon],
            undecided_threat_probability: 0.6,
            undecided_horizon_s: 5.0,
            settle_share: 0.1,
            settle_max_s: 3.0,
            settle_from_s: 15.0,
            crossing_horizon_s: 900.0,
            crossing_probability: 0.5,
            crossing_keep_probability: 0.3,
            close_after_s: 30.0,
            dedup_radius_m: 2_000.0,
            swarm_min_tracks: 3,
            swarm_radius_m: 2_000.0,
            swarm_heading_deg: 30.0,
            loiter_radius_m: 1_000.0,
            loiter_min_s: 120.0,
        }
    }
}

impl RulesConfig {
    /// Every problem with the values, each naming its field.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let positive = [
            ("crossing_horizon_s", self.crossing_horizon_s),
            ("undecided_horizon_s", self.undecided_horizon_s),
            ("settle_max_s", self.settle_max_s),
            ("settle_from_s", self.settle_from_s),
            ("close_after_s", self.close_after_s),
            ("dedup_radius_m", self.dedup_radius_m),
            ("swarm_radius_m", self.swarm_radius_m),
            ("swarm_heading_deg", self.swarm_heading_deg),
            ("loiter_radius_m", self.loiter_radius_m),
            ("loiter_min_s", self.loiter_min_s),
        ];
        for (name, v) in positive {
            if !(v > 0.0 && v.is_finite()) {
                out.push(format!("alerts.{name} must be positive, got {v}"));
            }
        }
        for (name, v) in [
            (
                "undecided_threat_probability",
                self.undecided_threat_probability,
            ),
            ("crossing_probability", self.crossing_probability),
            ("crossing_keep_probability", self.crossing_keep_probability),
            ("settle_share", self.settle_share),
        ] {
            if !(0.0..=1.0).contains(&v) {
                out.push(format!("alerts.{name} must be in [0, 1], got {v}"));
            }
        }
        if self.crossing_keep_probability > self.crossing_probability {
            out.push(
                "alerts.crossing_keep_probability must not exceed alerts.crossing_probability"
                    .into(),
            );
        }
        if self.swarm_min_tracks < 2 {
            out.push(format!(
                "alerts.swarm_min_tracks must be at least 2, got {}",
                self.swarm_min_tracks
            ));
        }
        out
    }
}

/// An acknowledgement that could not be taken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AckError {
    /// No alert has that id, or it has closed.
    #[error("no open alert {0}")]
    Unknown(u64),
}

/// One cause found in this moment's reports.
#[derive(Debug, Clone)]
struct Cause {
    kind: AlertKind,
    area: Option<usize>,
    tracks: Vec<u64>,
    position_m: [f64; 3],
    lla: Option<geodesy::Lla>,
    priority: u8,
    reason: String,
}

#[derive(Debug, Clone)]
struct Open {
    id: u64,
    kind: AlertKind,
    area: Option<usize>,
    state: AlertState,
    priority: u8,
    tracks: Vec<u64>,
    position_m: [f64; 3],
    lla: Option<geodesy::Lla>,
    reason: String,
    last_cause_s: f64,
    acknowledged_by: Option<(String, f64)>,
    /// The sensor of a health alert.
    sensor: Option<String>,
}

/// Per-track memory between moments.
#[derive(Debug, Clone, Copy)]
struct Seen {
    position_m: [f64; 2],
    time_s: f64,
    /// Since when it has been near each protected area (first one only: the nearest
    /// matters for loitering).
    near_since: Option<(usize, f64)>,
    /// Since when its predicted crossing has held without a break.
    crossing_since: Option<f64>,
}

/// The rules with their open alerts.
#[derive(Debug, Clone)]
pub struct AlertEngine {
    cfg: RulesConfig,
    border: Option<Border>,
    areas: Areas,
    open: Vec<Open>,
    next_id: u64,
    seen: BTreeMap<u64, Seen>,
}

fn is_drone(c: Class) -> bool {
    matches!(c, Class::DroneRotary | Class::DroneFixedWing)
}

/// Manned, and nothing cooperative vouches for it.
fn dark_aircraft(r: &TrackReport) -> bool {
    r.classification.class == Class::Aircraft
        && (r.identity.is_none() || r.flags.contains(TrackFlags::NON_COOPERATIVE))
}

/// The likeliest threat class and the threat classes' summed probability, when that
/// sum reaches the undecided-threat threshold.
fn likely_threat(cfg: &RulesConfig, probabilities: &[f64; Class::COUNT]) -> Option<(Class, f64)> {
    let p: f64 = cfg
        .threat_classes
        .iter()
        .map(|c| probabilities[c.index()])
        .sum();
    if p < cfg.undecided_threat_probability {
        return None;
    }
    let likeliest = cfg
        .threat_classes
        .iter()
        .copied()
        .max_by(|a, b| probabilities[a.index()].total_cmp(&probabilities[b.index()]))?;
    Some((likeliest, p))
}

fn priority_of(kind: AlertKind, class: Class) -> u8 {
    match (kind, class) {
        (AlertKind::AirspaceViolation | AlertKind::Swarm | AlertKind::ProtectedEntry, _) => 1,
        (_, Class::DroneFixedWing) => 1,
        (AlertKind::BorderCrossed, Class::DroneRotary) => 1,
        (AlertKind::PossiblySpoofed | AlertKind::Loitering, _) => 2,
        (_, Class::DroneRotary) => 2,
        _ => 3,
    }
}

impl AlertEngine {
    /// Rules over a border (if any) and areas.
    pub fn new(cfg: RulesConfig, border: Option<Border>, areas: Areas) -> Self {
        Self {
            cfg,
            border,
            areas,
            open: Vec::new(),
            next_id: 1,
            seen: BTreeMap::new(),
        }
    }

    /// Open alerts now (new, updated or acknowledged), by id.
    pub fn open_alerts(&self, t: f64) -> Vec<AlertReport> {
        self.open.iter().map(|o| self.report(o, t)).collect()
    }

    fn report(&self, o: &Open, t: f64) -> AlertReport {
        AlertReport {
            time_s: t,
            alert: o.id,
            kind: o.kind,
            state: o.state,
            priority: o.priority,
            tracks: o.tracks.clone(),
            area: o.area.map(|a| self.areas.all()[a].name.clone()),
            sensor: o.sensor.clone(),
            position_m: o.position_m,
            lla: o.lla,
            reason: o.reason.clone(),
            acknowledged: o.acknowledged_by.clone(),
        }
    }

    /// Records that `who` acknowledged alert `id` at `t`.
    pub fn acknowledge(&mut self, id: u64, who: &str, t: f64) -> Result<AlertReport, AckError> {
        let i = self
            .open
            .iter()
            .position(|o| o.id == id)
            .ok_or(AckError::Unknown(id))?;
        self.open[i].state = AlertState::Acknowledged;
        self.open[i].acknowledged_by = Some((who.to_owned(), t));
        Ok(self.report(&self.open[i], t))
    }

    /// Who acknowledged an open alert, and when.
    pub fn acknowledged_by(&self, id: u64) -> Option<(&str, f64)> {
        self.open
            .iter()
            .find(|o| o.id == id)
            .and_then(|o| o.acknowledged_by.as_ref().map(|(w, t)| (w.as_str(), *t)))
    }

    /// Applies the rules to the reports of time `t` (every confirmed track at `t`, as
    /// the tracker emits them) and returns the alerts that changed: raised, updated or
    /// closed.
    pub fn step(&mut self, t: f64, reports: &[TrackReport]) -> Vec<AlertReport> {
        let causes = self.causes(t, reports);
        let mut changed: Vec<usize> = Vec::new();
        let mut raised: Vec<Open> = Vec::new();
        for c in causes {
            let near = |o: &Open| {
                let d =
                    (o.position_m[0] - c.position_m[0]).hypot(o.position_m[1] - c.position_m[1]);
                o.kind == c.kind
                    && o.area == c.area
                    && (o.tracks.iter().any(|k| c.tracks.contains(k))
                        || d <= self.cfg.dedup_radius_m)
            };
            if let Some(i) = self.open.iter().position(near) {
                let o = &mut self.open[i];
                o.last_cause_s = t;
                o.position_m = c.position_m;
                o.lla = c.lla;
                let mut grew = false;
                for k in &c.tracks {
                    if !o.tracks.contains(k) {
                        o.tracks.push(*k);
                        grew = true;
                    }
                }
                o.tracks.sort_unstable();
                let escalated = c.priority < o.priority;
                if escalated {
                    o.priority = c.priority;
                }
                if grew || escalated {
                    o.reason = c.reason;
                    if o.state != AlertState::Acknowledged {
                        o.state = AlertState::Updated;
                    }
                    if !changed.contains(&i) {
                        changed.push(i);
                    }
                }
            } else if let Some(o) = raised.iter_mut().find(|o| near(o)) {
                // Two causes of one moment for the same alert (two tracks of one drone).
                for k in &c.tracks {
                    if !o.tracks.contains(k) {
                        o.tracks.push(*k);
                    }
                }
                o.tracks.sort_unstable();
                o.priority = o.priority.min(c.priority);
            } else {
                let mut tracks = c.tracks;
                tracks.sort_unstable();
                raised.push(Open {
                    id: 0,
                    kind: c.kind,
                    area: c.area,
                    state: AlertState::New,
                    priority: c.priority,
                    tracks,
                    position_m: c.position_m,
                    lla: c.lla,
                    reason: c.reason,
                    last_cause_s: t,
                    acknowledged_by: None,
                    sensor: None,
                });
            }
        }
        let mut out: Vec<AlertReport> = changed
            .iter()
            .map(|&i| self.report(&self.open[i], t))
            .collect();
        for mut o in raised {
            o.id = self.next_id;
            self.next_id += 1;
            out.push(self.report(&o, t));
            self.open.push(o);
        }
        // Closing, with hysteresis. Health alerts close in `health`, which runs on the
        // clock: a silent sensor's alert must not close because tracks keep coming
        // from others.
        self.close_stale(t, false, &mut out);
        // Forget tracks not reported for a while (their ids never come back).
        self.seen
            .retain(|_, s| t - s.time_s <= self.cfg.close_after_s.max(60.0));
        out
    }

    /// Applies the sensor-health findings of time `t` (every sensor with a problem
    /// now) and returns the health alerts that changed: raised, updated (the problem
    /// changed) or closed (no problem for `close_after_s`).
    pub fn health(&mut self, t: f64, findings: &[HealthFinding]) -> Vec<AlertReport> {
        let mut out = Vec::new();
        for f in findings {
            let (reason, priority) = match f.problem {
                Problem::Silent { for_s } => (
                    format!("sensor {} silent for {for_s:.0} s: a gap in coverage", f.sensor),
                    2,
                ),
                Problem::Reported { ref what } => {
                    (format!("sensor {} reports a fault: {what}", f.sensor), 2)
                }
                Problem::Rate {
                    now_per_s,
                    usual_per_s,
                } => (
                    format!(
                        "sensor {} reports {now_per_s:.1} detections/s against its usual {usual_per_s:.1}",
                        f.sensor
                    ),
                    3,
                ),
            };
            let existing = self.open.iter().position(|o| {
                o.kind == AlertKind::SensorHealth && o.sensor.as_deref() == Some(f.sensor.as_str())
            });
            match existing {
                Some(i) => {
                    let o = &mut self.open[i];
                    o.last_cause_s = t;
                    let changed = o.reason != reason
                        && (o.reason.contains(" silent ")
                            != matches!(f.problem, Problem::Silent { .. })
                            || o.reason.contains(" fault: ")
                                != matches!(f.problem, Problem::Reported { .. }));
                    if changed || priority < o.priority {
                        o.priority = o.priority.min(priority);
                        o.reason = reason;
                        if o.state != AlertState::Acknowledged {
                            o.state = AlertState::Updated;
                        }
                        out.push(self.report(&self.open[i], t));
                    }
                }
                None => {
                    let o = Open {
                        id: self.next_id,
                        kind: AlertKind::SensorHealth,
                        area: None,
                        state: AlertState::New,
                        priority,
                        tracks: Vec::new(),
                        position_m: f.position_m,
                        lla: f.lla,
                        reason,
                        last_cause_s: t,
                        acknowledged_by: None,
                        sensor: Some(f.sensor.clone()),
                    };
                    self.next_id += 1;
                    out.push(self.report(&o, t));
                    self.open.push(o);
                }
            }
        }
        self.close_stale(t, true, &mut out);
        out
    }

    /// Closes the open alerts of one family (health alerts, or all others) whose cause
    /// has been absent for `close_after_s`, reporting each into `out`.
    fn close_stale(&mut self, t: f64, health: bool, out: &mut Vec<AlertReport>) {
        let close_after = self.cfg.close_after_s;
        let mut kept = Vec::with_capacity(self.open.len());
        for mut o in std::mem::take(&mut self.open) {
            if (o.kind == AlertKind::SensorHealth) == health && t - o.last_cause_s >= close_after {
                o.state = AlertState::Closed;
                out.push(self.report(&o, t));
            } else {
                kept.push(o);
            }
        }
        self.open = kept;
    }

    fn causes(&mut self, t: f64, reports: &[TrackReport]) -> Vec<Cause> {
        let cfg = &self.cfg;
        let mut causes = Vec::new();
        // What each track looked like now, remembered once the moment is judged.
        let mut seen_now: Vec<(u64, Seen)> = Vec::with_capacity(reports.len());
        let seen = |r: &TrackReport, near_since, crossing_since| {
            (
                r.track,
                Seen {
                    position_m: [r.position_m[0], r.position_m[1]],
                    time_s: t,
                    near_since,
                    crossing_since,
                },
            )
        };
        for r in reports {
            if !matches!(r.status, TrackStatus::Confirmed | TrackStatus::Coasting) {
                continue;
            }
            let decided = r.classification.class;
            // An undecided track that is likely a threat stands for its likeliest
            // threat class (for the priority).
            let undecided_threat = (decided == Class::Unknown)
                .then(|| likely_threat(cfg, &r.classification.probabilities))
                .flatten();
            let class = undecided_threat.map_or(decided, |(c, _)| c);
            let p2 = [r.position_m[0], r.position_m[1]];
            let previous = self.seen.get(&r.track).copied();
            let dark = dark_aircraft(r);
            let threat = cfg.threat_classes.contains(&decided);
            let undecided = undecided_threat.is_some();
            let holding: Vec<usize> = self.areas.containing(r.position_m);
            let quiet = holding
                .iter()
                .any(|&a| self.areas.all()[a].kind == AreaKind::NoAlert)
                && (r.identity.is_some() || class == Class::Aircraft);
            let base = |kind: AlertKind, area: Option<usize>, reason: String| Cause {
                kind,
                area,
                tracks: vec![r.track],
                position_m: r.position_m,
                lla: r.lla,
                priority: priority_of(kind, class),
                reason,
            };
            if r.flags.contains(TrackFlags::POSSIBLY_SPOOFED) {
                causes.push(base(
                    AlertKind::PossiblySpoofed,
                    None,
                    format!(
                        "track {}: cooperative reports ({}) that no independent sensor confirms",
                        r.track,
                        r.identity.as_ref().map_or("no id", |i| i.id.as_str())
                    ),
                ));
            }
            if quiet || !(threat || dark || undecided) {
                seen_now.push(seen(r, None, None));
                continue;
            }
            let mut crossing_since = None;
            let what = if dark {
                "manned aircraft with no cooperative identity".to_string()
            } else if let Some((c, p)) = undecided_threat {
                format!(
                    "unclassified, {:.0}% likely a threat (most likely {} {:.0}%)",
                    100.0 * p,
                    c.as_str(),
                    100.0 * r.classification.probabilities[c.index()]
                )
            } else {
                format!(
                    "{} ({:.0}%)",
                    class.as_str(),
                    100.0 * r.classification.probabilities[class.index()]
                )
            };
            if let Some(b) = &self.border {
                let crossed = previous
                    .and_then(|p| b.first_crossing(p.position_m, p2))
                    .filter(|c| c.direction == Direction::Inbound);
                if crossed.is_some() && !undecided {
                    let kind = if dark {
                        AlertKind::AirspaceViolation
                    } else {
                        AlertKind::BorderCrossed
                    };
                    causes.push(base(
                        kind,
                        None,
                        format!("track {}: {what} crossed the border", r.track),
                    ));
                } else if !b.is_ours(p2) {
                    let m = Motion2 {
                        position_m: p2,
                        velocity_mps: [r.velocity_mps[0], r.velocity_mps[1]],
                        cov: r.horizontal_cov,
                    };
                    let horizon_s = if undecided {
                        cfg.undecided_horizon_s
                    } else {
                        cfg.crossing_horizon_s
                    };
                    if let Some(pc) = b.predict_crossing(&m, horizon_s) {
                        let kind = if dark {
                            AlertKind::AirspaceViolation
                        } else {
                            AlertKind::BorderCrossingPredicted
                        };
                        let raised = self
                            .open
                            .iter()
                            .any(|o| o.kind == kind && o.tracks.contains(&r.track));
                        let need = if raised {
                            cfg.crossing_keep_probability
                        } else {
                            cfg.crossing_probability
                        };
                        if pc.probability >= need {
                            let since = previous.and_then(|p| p.crossing_since).unwrap_or(t);
                            crossing_since = Some(since);
                            let settle_s = if pc.in_s <= cfg.settle_from_s {
                                0.0
                            } else {
                                (cfg.settle_share * pc.in_s).min(cfg.settle_max_s)
                            };
                            if raised || t - since >= settle_s {
                                causes.push(base(
                                    kind,
                                    None,
                                    format!(
                                        "track {}: {what} expected to cross the border in {:.0} s (p = {:.2})",
                                        r.track, pc.in_s, pc.probability
                                    ),
                                ));
                            }
                        }
                    }
                }
            }
            // Only a decided threat enters or loiters.
            if undecided {
                seen_now.push(seen(r, None, crossing_since));
                continue;
            }
            for &a in &holding {
                let area = &self.areas.all()[a];
                if area.kind == AreaKind::Protected {
                    causes.push(base(
                        AlertKind::ProtectedEntry,
                        Some(a),
                        format!("track {}: {what} inside {}", r.track, area.name),
                    ));
                }
            }
            // Loitering: near (or in) the same protected area for long enough.
            let near = self.near_protected(p2);
            let since = match (near, previous.and_then(|p| p.near_since)) {
                (Some(a), Some((b, s))) if a == b => Some((a, s)),
                (Some(a), _) => Some((a, t)),
                (None, _) => None,
            };
            if let Some((a, s)) = since {
                if t - s >= cfg.loiter_min_s {
                    causes.push(base(
                        AlertKind::Loitering,
                        Some(a),
                        format!(
                            "track {}: {what} near {} for {:.0} s",
                            r.track,
                            self.areas.all()[a].name,
                            t - s
                        ),
                    ));
                }
            }
            seen_now.push(seen(r, since, crossing_since));
        }
        causes.extend(self.swarms(reports));
        self.seen.extend(seen_now);
        causes
    }

    /// The first protected area within the loiter radius of `p`.
    fn near_protected(&self, p: [f64; 2]) -> Option<usize> {
        self.areas
            .near(p, self.cfg.loiter_radius_m)
            .into_iter()
            .find(|&a| self.areas.all()[a].kind == AreaKind::Protected)
    }

    /// Groups of drone tracks close together and heading the same way (single linkage
    /// within the radius, heading within the tolerance of the group's first track).
    fn swarms(&self, reports: &[TrackReport]) -> Vec<Cause> {
        let drones: Vec<&TrackReport> = reports
            .iter()
            .filter(|r| is_drone(r.classification.class))
            .filter(|r| r.velocity_mps[0].hypot(r.velocity_mps[1]) > 1.0)
            .collect();
        let n = drones.len();
        if n < self.cfg.swarm_min_tracks {
            return Vec::new();
        }
        let heading = |r: &TrackReport| r.velocity_mps[0].atan2(r.velocity_mps[1]);
        let tol = self.cfg.swarm_heading_deg.to_radians();
        let r2 = self.cfg.swarm_radius_m * self.cfg.swarm_radius_m;
        let mut group = vec![usize::MAX; n];
        let mut out = Vec::new();
        for seed in 0..n {
            if group[seed] != usize::MAX {
                continue;
            }
            group[seed] = seed;
            let h0 = heading(drones[seed]);
            let mut members = vec![seed];
            let mut k = 0;
            while k < members.len() {
                let a = drones[members[k]];
                for j in 0..n {
                    if group[j] != usize::MAX {
                        continue;
                    }
                    let b = drones[j];
                    let d2 = (a.position_m[0] - b.position_m[0]).powi(2)
                        + (a.position_m[1] - b.position_m[1]).powi(2);
                    let dh = geodesy::wrap_pi(heading(b) - h0).abs();
                    if d2 <= r2 && dh <= tol {
                        group[j] = seed;
                        members.push(j);
                    }
                }
                k += 1;
            }
            if members.len() >= self.cfg.swarm_min_tracks {
                let m = members.len() as f64;
                let mut c = [0.0; 3];
                for &i in &members {
                    for (ck, pk) in c.iter_mut().zip(drones[i].position_m) {
                        *ck += pk / m;
                    }
                }
                let mut tracks: Vec<u64> = members.iter().map(|&i| drones[i].track).collect();
                tracks.sort_unstable();
                out.push(Cause {
                    kind: AlertKind::Swarm,
                    area: None,
                    position_m: c,
                    lla: drones[members[0]].lla,
                    priority: 1,
                    reason: format!(
                        "{} drone tracks within {:.0} m of one another heading {:.0}°",
                        tracks.len(),
                        self.cfg.swarm_radius_m,
                        geodesy::wrap_two_pi(h0).to_degrees()
                    ),
                    tracks,
                });
            }
        }
        out
    }
}
