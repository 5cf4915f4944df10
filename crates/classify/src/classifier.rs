use crate::likelihood::{self as lk, normal_log_density};
use crate::ClassifierConfig;
use model::{Attributes, Class, Classification, Evidence, SensorKind};
use std::collections::VecDeque;

/// One sample of a track's filtered motion, in the site's ENU frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MotionSample {
    /// Time, s.
    pub time_s: f64,
    /// Velocity east, north, up, m/s.
    pub velocity_mps: [f64; 3],
    /// Height above the site, m.
    pub height_m: f64,
    /// Standard deviation of the horizontal velocity (the larger axis), m/s.
    pub sigma_velocity_mps: f64,
    /// Standard deviation of the vertical velocity, m/s.
    pub sigma_vertical_velocity_mps: f64,
    /// Standard deviation of the height, m.
    pub sigma_height_m: f64,
    /// Whether any sensor has measured the track's height (else height and climb say
    /// nothing).
    pub height_measured: bool,
}

/// Evidence that a kind of sensor sees the track, as the association weights of its
/// detections: how sure we are that they were this track's.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Presence {
    /// Faded sum of association weights.
    weight: f64,
    /// Faded count of detections.
    count: f64,
}

impl Presence {
    fn add(&mut self, w: f64) {
        self.weight += w;
        self.count += 1.0;
    }

    fn fade(&mut self, f: f64) {
        self.weight *= f;
        self.count *= f;
    }

    /// Probability that the kind of sensor really sees this track: the mean
    /// association weight, discounted while only one or two detections back it.
    fn probability(&self) -> f64 {
        if self.count <= 0.0 {
            return 0.0;
        }
        (self.weight / self.count).clamp(0.0, 1.0) * (1.0 - 0.5f64.powf(self.count))
    }

    /// Log-likelihood per class: with probability `p` the sensor sees the track (which
    /// a class does with `seen[c]`), else the detections were someone else's and say
    /// nothing.
    fn log_likelihood(&self, seen: &[f64; Class::COUNT]) -> [f64; Class::COUNT] {
        let p = self.probability();
        let mut out = [0.0; Class::COUNT];
        if p <= 0.0 {
            return out;
        }
        let reference = seen[Class::Unknown.index()];
        for (o, s) in out.iter_mut().zip(seen) {
            *o = (p * s / reference + (1.0 - p)).ln();
        }
        out
    }
}

/// Hints are counted per set of classes they name.
const HINT_SETS: usize = 6;

fn hint_set(classes: &[Class]) -> usize {
    match classes {
        [Class::DroneRotary, Class::DroneFixedWing] => 0,
        [c] => 1 + c.index().min(4),
        _ => 0,
    }
}

fn hint_set_classes(i: usize) -> &'static [Class] {
    const SETS: [&[Class]; HINT_SETS] = [
        &[Class::DroneRotary, Class::DroneFixedWing],
        &[Class::DroneRotary],
        &[Class::DroneFixedWing],
        &[Class::Bird],
        &[Class::Aircraft],
        &[Class::Balloon],
    ];
    SETS[i]
}

/// A track's class evidence, updated recursively as detections and motion samples
/// arrive. Detection evidence is kept as faded sufficient statistics (a running mean
/// RCS, hint counts, presence weights); motion evidence is judged on a sliding window
/// of filtered states. The class posterior is the prior times every term's likelihood.
#[derive(Debug, Clone, Default)]
pub struct ClassState {
    samples: VecDeque<MotionSample>,
    evidence_time_s: Option<f64>,
    hover_seen_s: Option<f64>,
    /// Faded counts of company checks: with company, and all.
    company: f64,
    company_checks: f64,
    /// Faded sum of weights, weighted sum of RCS dB.
    rcs_weight: f64,
    rcs_sum_db: f64,
    hints: [f64; HINT_SETS],
    rf: Presence,
    sound: Presence,
    adsb: Presence,
    remote_id: Presence,
    decided: Option<Class>,
}

impl ClassState {
    /// A track with no evidence yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn fade_to(&mut self, cfg: &ClassifierConfig, t: f64) {
        let Some(t0) = self.evidence_time_s else {
            self.evidence_time_s = Some(t);
            return;
        };
        let dt = t - t0;
        if dt <= 0.0 {
            return;
        }
        let f = (-dt / cfg.memory_s).exp();
        self.rcs_weight *= f;
        self.company *= f;
        self.company_checks *= f;
        self.rcs_sum_db *= f;
        for h in &mut self.hints {
            *h *= f;
        }
        for p in [
            &mut self.rf,
            &mut self.sound,
            &mut self.adsb,
            &mut self.remote_id,
        ] {
            p.fade(f);
        }
        self.evidence_time_s = Some(t);
    }

    /// A detection from a sensor of `kind` updated the track at `t`; `weight` in
    /// (0, 1] is the probability that it really was this track's (its association
    /// weight). Non-finite attribute values are ignored.
    pub fn observe_detection(
        &mut self,
        cfg: &ClassifierConfig,
        t: f64,
        kind: SensorKind,
        attributes: Option<&Attributes>,
        weight: f64,
    ) {
        if !(weight > 0.0) {
            return;
        }
        let w = weight.min(1.0);
        self.fade_to(cfg, t);
        match kind {
            SensorKind::PassiveRf => self.rf.add(w),
            SensorKind::Acoustic => self.sound.add(w),
            SensorKind::Adsb => self.adsb.add(w),
            SensorKind::RemoteId => self.remote_id.add(w),
            SensorKind::Radar | SensorKind::EoIr | SensorKind::Other => {}
        }
        let Some(a) = attributes else { return };
        if let Some(rcs) = a.rcs_dbsm.filter(|r| r.is_finite()) {
            self.rcs_weight += w;
            self.rcs_sum_db += w * rcs;
        }
        if let Some(classes) = a.class_hint.as_deref().and_then(lk::hint_classes) {
            self.hints[hint_set(classes)] += w;
        }
    }

    /// A new filtered state of the track. Samples closer than the configured interval
    /// to the previous one are skipped; the window keeps `window_s` of them.
    pub fn observe_motion(&mut self, cfg: &ClassifierConfig, s: &MotionSample) {
        let finite = s.velocity_mps.iter().all(|v| v.is_finite())
            && s.height_m.is_finite()
            && s.sigma_velocity_mps.is_finite();
        if !finite {
            return;
        }
        if let Some(last) = self.samples.back() {
            if s.time_s - last.time_s < cfg.sample_interval_s {
                return;
            }
        }
        self.samples.push_back(*s);
        while self
            .samples
            .front()
            .is_some_and(|f| s.time_s - f.time_s > cfg.window_s)
        {
            self.samples.pop_front();
        }
        // Hovering: the whole of a long enough window under 1.5 m/s, with the filter
        // sure enough of its velocity to say so.
        let span = s.time_s - self.samples.front().map_or(s.time_s, |f| f.time_s);
        if span >= 8.0
            && s.sigma_velocity_mps < 1.5
            && self
                .samples
                .iter()
                .all(|m| m.velocity_mps[0].hypot(m.velocity_mps[1]) < 1.5)
        {
            self.hover_seen_s = Some(s.time_s);
        }
    }

    /// Whether the track flew with company at `t`: another track near it at the same
    /// velocity, or several plots in its gate in one scan (an unresolved flock).
    pub fn observe_company(&mut self, cfg: &ClassifierConfig, t: f64, with_company: bool) {
        self.fade_to(cfg, t);
        self.company_checks += 1.0;
        if with_company {
            self.company += 1.0;
        }
    }

    fn window_span_s(&self) -> f64 {
        match (self.samples.front(), self.samples.back()) {
            (Some(a), Some(b)) => b.time_s - a.time_s,
            _ => 0.0,
        }
    }

    /// The log-likelihood each kind of evidence gives each class now (zeros for
    /// evidence not yet available), indexed by [`Evidence`] then [`Class::index`].
    pub fn log_likelihoods(
        &self,
        cfg: &ClassifierConfig,
    ) -> [[f64; Class::COUNT]; Evidence::COUNT] {
        let mut terms = [[0.0; Class::COUNT]; Evidence::COUNT];
        let n = self.samples.len();
        if n >= 3 {
            let last = self.samples[n - 1];
            let wind = cfg.wind_en_mps();
            let mean = |f: &dyn Fn(&MotionSample) -> f64| {
                self.samples.iter().map(f).sum::<f64>() / n as f64
            };
            let speed = mean(&|m: &MotionSample| {
                let (w0, w1) = wind.map_or((0.0, 0.0), |w| (w[0], w[1]));
                (m.velocity_mps[0] - w0).hypot(m.velocity_mps[1] - w1)
            });
            let widen = if wind.is_some() {
                0.0
            } else {
                cfg.max_wind_mps
            };
            terms[Evidence::Speed as usize] =
                lk::SPEED.log_likelihood(speed, last.sigma_velocity_mps, |b| b.widened(widen, 0.0));
            if last.height_measured {
                let h = mean(&|m: &MotionSample| m.height_m);
                terms[Evidence::Altitude as usize] =
                    lk::ALTITUDE.log_likelihood(h, last.sigma_height_m, |b| *b);
                let vz = mean(&|m: &MotionSample| m.velocity_mps[2]);
                terms[Evidence::ClimbRate as usize] =
                    lk::CLIMB.log_likelihood(vz, last.sigma_vertical_velocity_mps);
            }
            if let Some(turn) = self.turn_rate_deg_s() {
                terms[Evidence::Turning as usize] = lk::TURN.log_likelihood(turn.0, turn.1);
            }
        }
        let hovered = self.hover_seen_s.is_some_and(|h| {
            self.samples
                .back()
                .is_some_and(|l| l.time_s - h <= cfg.memory_s)
        });
        if hovered {
            terms[Evidence::Hovering as usize] = lk::HOVER.map(|p| lk::MOTION_WEIGHT * p.ln());
        } else if self.window_span_s() >= 10.0 {
            terms[Evidence::Hovering as usize] =
                lk::HOVER.map(|p| lk::MOTION_WEIGHT * (1.0 - p).ln());
        }
        if self.company_checks >= 3.0 {
            let f = (self.company / self.company_checks).clamp(0.0, 1.0);
            terms[Evidence::Flocking as usize] =
                lk::COMPANY.map(|q| lk::MOTION_WEIGHT * (f * q + (1.0 - f) * (1.0 - q)).ln());
        }
        if self.rcs_weight >= 0.5 {
            let mean = self.rcs_sum_db / self.rcs_weight;
            let f2 = cfg.rcs_fluctuation_db * cfg.rcs_fluctuation_db;
            for (o, (mu, s)) in terms[Evidence::Rcs as usize].iter_mut().zip(lk::RCS_DBSM) {
                let d = normal_log_density(mean, mu, s * s + f2 / self.rcs_weight).exp();
                *o = ((1.0 - lk::FLOOR) * d + lk::FLOOR / 120.0).ln();
            }
        }
        terms[Evidence::SensorHint as usize] = self.hint_term(cfg);
        terms[Evidence::RfEmission as usize] = self.rf.log_likelihood(&lk::RF_SEEN);
        terms[Evidence::Sound as usize] = self.sound.log_likelihood(&lk::SOUND_HEARD);
        terms[Evidence::Adsb as usize] = self.adsb.log_likelihood(&lk::ADSB_SENT);
        terms[Evidence::RemoteId as usize] = self.remote_id.log_likelihood(&lk::REMOTE_ID_SENT);
        terms
    }

    /// Mean absolute turn rate over the window's moving samples, and its noise (deg/s).
    fn turn_rate_deg_s(&self) -> Option<(f64, f64)> {
        let mut total = 0.0;
        let mut noise = 0.0;
        let mut k = 0usize;
        for (a, b) in self.samples.iter().zip(self.samples.iter().skip(1)) {
            let sa = a.velocity_mps[0].hypot(a.velocity_mps[1]);
            let sb = b.velocity_mps[0].hypot(b.velocity_mps[1]);
            let dt = b.time_s - a.time_s;
            if sa < 5.0 || sb < 5.0 || dt <= 0.0 {
                continue;
            }
            let ha = a.velocity_mps[0].atan2(a.velocity_mps[1]);
            let hb = b.velocity_mps[0].atan2(b.velocity_mps[1]);
            let dh = (hb - ha + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU)
                - std::f64::consts::PI;
            total += dh.abs() / dt;
            // Heading noise of each sample is about sigma_v / speed.
            let na = b.sigma_velocity_mps / sb;
            noise += std::f64::consts::SQRT_2 * na / dt;
            k += 1;
        }
        (k >= 4).then(|| {
            (
                (total / k as f64).to_degrees(),
                (noise / k as f64).to_degrees(),
            )
        })
    }

    fn hint_term(&self, cfg: &ClassifierConfig) -> [f64; Class::COUNT] {
        let mut out = [0.0; Class::COUNT];
        let rho = cfg.hint_reliability;
        for (i, &n) in self.hints.iter().enumerate() {
            if n <= 0.0 {
                continue;
            }
            let set = hint_set_classes(i);
            for c in Class::ALL {
                let p = if c == Class::Unknown {
                    0.5
                } else if set.contains(&c) {
                    rho
                } else {
                    1.0 - rho
                };
                out[c.index()] += cfg.hint_weight * n * p.ln();
            }
        }
        let (lo, hi) = out
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                (l.min(v), h.max(v))
            });
        let spread = hi - lo;
        if spread > cfg.max_hint_nats {
            let k = cfg.max_hint_nats / spread;
            for o in &mut out {
                *o = (*o - hi) * k;
            }
        }
        out
    }

    /// Class probabilities now, and the terms behind them.
    pub fn posterior(
        &self,
        cfg: &ClassifierConfig,
    ) -> ([f64; Class::COUNT], [[f64; Class::COUNT]; Evidence::COUNT]) {
        let terms = self.log_likelihoods(cfg);
        let prior = cfg.prior.as_array();
        let total: f64 = prior.iter().sum();
        let mut log_p = [0.0; Class::COUNT];
        for (c, lp) in log_p.iter_mut().enumerate() {
            *lp = (prior[c] / total).ln() + terms.iter().map(|t| t[c]).sum::<f64>();
        }
        let max = log_p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut p = log_p.map(|l| (l - max).exp());
        let sum: f64 = p.iter().sum();
        for v in &mut p {
            *v /= sum;
        }
        (p, terms)
    }

    /// The track's classification now: probabilities, the decision (with hysteresis,
    /// so this takes `&mut self`), and the evidence that moved it most.
    pub fn classify(&mut self, cfg: &ClassifierConfig) -> Classification {
        let (p, terms) = self.posterior(cfg);
        let mut order: [usize; Class::COUNT] = [0, 1, 2, 3, 4, 5];
        order.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
        let (best, runner) = (order[0], order[1]);
        let keep = self
            .decided
            .is_some_and(|d| d.index() == best && p[best] >= cfg.keep_probability);
        // Drones are one threat to an operator whatever their airframe: when neither
        // drone class is sure on its own but together they are, the likelier one is
        // reported.
        let (rot, fix) = (
            p[Class::DroneRotary.index()],
            p[Class::DroneFixedWing.index()],
        );
        let drone = if rot >= fix {
            Class::DroneRotary
        } else {
            Class::DroneFixedWing
        };
        let needed = |c: Class| {
            if c.is_drone() {
                cfg.drone_decision_probability
            } else {
                cfg.decision_probability
            }
        };
        let class = if p[best] >= needed(Class::ALL[best]) || keep {
            Class::ALL[best]
        } else if rot + fix >= cfg.drone_decision_probability {
            drone
        } else {
            Class::Unknown
        };
        self.decided = (class != Class::Unknown).then_some(class);
        // Which evidence favours the leading class over the runner-up, most first.
        let mut why: Vec<(Evidence, f64)> = Evidence::ALL
            .iter()
            .map(|&e| (e, terms[e as usize][best] - terms[e as usize][runner]))
            .filter(|(_, w)| *w > 0.01)
            .collect();
        why.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut evidence = [None; 3];
        for (slot, e) in evidence.iter_mut().zip(why) {
            *slot = Some(e);
        }
        Classification {
            class,
            probabilities: p,
            evidence,
        }
    }
}
