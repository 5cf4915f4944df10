use crate::likelihood::{self as lk, normal_log_density};
use crate::ClassifierConfig;
use model::{Attributes, Class, Classification, Evidence, SensorKind};

/// One sample of a track's filtered motion, in the site's ENU frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MotionSample {
    /// Time, s.
    pub time_s: f64,
    /// Position east, north, m.
    pub position_m: [f64; 2],
    /// Standard deviation of the horizontal position (the larger axis), m.
    pub sigma_position_m: f64,
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

/// The hovering term's two values (hovered; long enough seen without hovering), worked
/// out once: they are constants, and were six logarithms at every report of every track
/// flown for ten seconds.
fn hover_terms() -> &'static ([f64; Class::COUNT], [f64; Class::COUNT]) {
    static TERMS: std::sync::OnceLock<([f64; Class::COUNT], [f64; Class::COUNT])> =
        std::sync::OnceLock::new();
    TERMS.get_or_init(|| {
        (
            lk::HOVER.map(|p| lk::MOTION_WEIGHT * p.ln()),
            lk::HOVER.map(|p| lk::MOTION_WEIGHT * (1.0 - p).ln()),
        )
    })
}

/// The long baseline: a sample every this many seconds ...
const BASELINE_STEP_S: f64 = 5.0;
/// ... over at most this long ...
const BASELINE_S: f64 = 120.0;
/// ... used once it spans this long.
const BASELINE_MIN_S: f64 = 30.0;

/// Straightness is judged once the baseline spans this long ...
const STRAIGHT_MIN_S: f64 = 60.0;
/// ... and the path along it is this long.
const STRAIGHT_MIN_PATH_M: f64 = 300.0;

/// A fixed-capacity ring buffer: a track's windows never allocate after its start,
/// and moving a track moves no samples.
#[derive(Debug, Clone)]
struct Ring<T: Copy + Default, const N: usize> {
    buf: [T; N],
    start: usize,
    len: usize,
}

impl<T: Copy + Default, const N: usize> Default for Ring<T, N> {
    fn default() -> Self {
        Self {
            buf: [T::default(); N],
            start: 0,
            len: 0,
        }
    }
}

impl<T: Copy + Default, const N: usize> Ring<T, N> {
    fn push(&mut self, v: T) {
        if self.len == N {
            self.start = (self.start + 1) % N;
            self.len -= 1;
        }
        self.buf[(self.start + self.len) % N] = v;
        self.len += 1;
    }
    fn pop_front(&mut self) {
        if self.len > 0 {
            self.start = (self.start + 1) % N;
            self.len -= 1;
        }
    }
    fn get(&self, i: usize) -> Option<&T> {
        (i < self.len).then(|| &self.buf[(self.start + i) % N])
    }
    fn front(&self) -> Option<&T> {
        self.get(0)
    }
    fn back(&self) -> Option<&T> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }
    fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        (0..self.len).filter_map(|i| self.get(i))
    }
}

/// Most motion samples a window holds (`window_s / sample_interval_s` is held to it).
pub const WINDOW_CAPACITY: usize = 32;
const BASELINE_CAPACITY: usize = (BASELINE_S / BASELINE_STEP_S) as usize + 1;

/// One motion sample as the window keeps it, with its turn rate from the sample
/// before worked out once when it arrives.
#[derive(Debug, Clone, Copy, Default)]
struct WindowSample {
    time_s: f64,
    velocity_mps: [f64; 3],
    height_m: f64,
    /// Absolute turn rate since the previous sample, rad/s (NaN when either was too
    /// slow to have a heading).
    turn_rad_s: f32,
    /// Its noise, rad/s.
    turn_noise_rad_s: f32,
}

#[derive(Debug, Clone, Copy, Default)]
struct BaselinePoint {
    time_s: f64,
    position_m: [f64; 2],
    sigma_m: f64,
}

#[derive(Debug, Clone, Default)]
struct Inner {
    window: Ring<WindowSample, WINDOW_CAPACITY>,
    /// The newest sample in full (its sigmas and whether height is measured).
    last: Option<MotionSample>,
    /// Sparser samples over a longer time, for the mean velocity over a long baseline.
    baseline: Ring<BaselinePoint, BASELINE_CAPACITY>,
    hover_seen_s: Option<f64>,
    hints: [f64; lk::HINT_SETS.len()],
    rf: Presence,
    sound: Presence,
    adsb: Presence,
    remote_id: Presence,
    decided: Option<Class>,
    /// The classification as last worked out, and whether evidence arrived since.
    cached: Option<Classification>,
}

/// A track's class evidence, updated recursively as detections and motion samples
/// arrive. Detection evidence is kept as faded sufficient statistics (a running mean
/// RCS, hint counts, presence weights); motion evidence is judged on a sliding window
/// of filtered states. The class posterior is the prior times every term's likelihood.
///
/// Boxed with fixed-capacity windows: one allocation per track, none after, and none
/// at all until the track has evidence besides company checks. Most tracks a clutter
/// field starts die on their next scan with nothing else: two kilobytes written for
/// each of them cost the scale benchmark more than their tracking did.
#[derive(Debug, Clone, Default)]
pub struct ClassState {
    /// The fading clock, the company counts and the RCS statistics, which are all a
    /// new radar track gathers.
    faded: Faded,
    /// Everything else, once there is any.
    full: Option<Box<Inner>>,
}

/// The time every faded statistic was last faded to, the faded counts of company
/// checks (with company, and all), and the faded sum of weights and weighted sum of
/// RCS dB. The RCS is here rather than in the box because most radars report it: a
/// clutter field's tracks, which die on their next scan, each allocated a box of
/// kilobytes for it.
#[derive(Debug, Clone, Copy, Default)]
struct Faded {
    evidence_time_s: Option<f64>,
    company: f64,
    company_checks: f64,
    rcs_weight: f64,
    rcs_sum_db: f64,
}

impl ClassState {
    /// A track with no evidence yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The full state, made the first time it is needed.
    fn full_mut(&mut self) -> &mut Inner {
        self.full.get_or_insert_with(Box::default)
    }

    /// Fades every statistic to `t` (the first evidence only starts the clock).
    fn fade_to(&mut self, cfg: &ClassifierConfig, t: f64) {
        let Some(t0) = self.faded.evidence_time_s else {
            self.faded.evidence_time_s = Some(t);
            return;
        };
        let dt = t - t0;
        if dt <= 0.0 {
            return;
        }
        let f = (-dt / cfg.memory_s).exp();
        self.faded.company *= f;
        self.faded.company_checks *= f;
        self.faded.rcs_weight *= f;
        self.faded.rcs_sum_db *= f;
        self.faded.evidence_time_s = Some(t);
        if let Some(s) = &mut self.full {
            for h in &mut s.hints {
                *h *= f;
            }
            for p in [&mut s.rf, &mut s.sound, &mut s.adsb, &mut s.remote_id] {
                p.fade(f);
            }
        }
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
        let presence = matches!(
            kind,
            SensorKind::PassiveRf | SensorKind::Acoustic | SensorKind::Adsb | SensorKind::RemoteId
        );
        if !presence && attributes.is_none() {
            // Nothing to learn from a bare plot (its position is motion evidence).
            return;
        }
        let w = weight.min(1.0);
        self.fade_to(cfg, t);
        if let Some(s) = &mut self.full {
            s.cached = None;
        }
        match kind {
            SensorKind::PassiveRf => self.full_mut().rf.add(w),
            SensorKind::Acoustic => self.full_mut().sound.add(w),
            SensorKind::Adsb => self.full_mut().adsb.add(w),
            SensorKind::RemoteId => self.full_mut().remote_id.add(w),
            SensorKind::Radar | SensorKind::EoIr | SensorKind::Other => {}
        }
        let Some(a) = attributes else { return };
        if let Some(rcs) = a.rcs_dbsm.filter(|r| r.is_finite()) {
            self.faded.rcs_weight += w;
            self.faded.rcs_sum_db += w * rcs;
        }
        // A passive RF sensor's class names its emitter's protocol, which the RF term
        // already weighs; counting it again as a hint would count one detection twice.
        if kind != SensorKind::PassiveRf {
            if let Some(i) = a.class_hint.as_deref().and_then(lk::hint_set) {
                self.full_mut().hints[i] += w;
            }
        }
    }

    /// Whether a motion sample at `t` would be taken (the previous one is at least the
    /// sample interval old): callers can skip building one that would not.
    pub fn wants_motion(&self, cfg: &ClassifierConfig, t: f64) -> bool {
        self.full.as_ref().is_none_or(|s| {
            s.window
                .back()
                .is_none_or(|p| t - p.time_s >= cfg.sample_interval_s)
        })
    }

    /// A new filtered state of the track. Samples closer than the configured interval
    /// to the previous one are skipped; the window keeps `window_s` of them.
    pub fn observe_motion(&mut self, cfg: &ClassifierConfig, m: &MotionSample) {
        let finite = m.velocity_mps.iter().all(|v| v.is_finite())
            && m.position_m.iter().all(|v| v.is_finite())
            && m.height_m.is_finite()
            && m.sigma_velocity_mps.is_finite()
            && m.sigma_position_m.is_finite();
        if !finite {
            return;
        }
        if !self.wants_motion(cfg, m.time_s) {
            return;
        }
        let s = self.full_mut();
        let prev = s.window.back().copied();
        s.cached = None;
        let (mut turn, mut noise) = (f32::NAN, f32::NAN);
        if let Some(p) = prev {
            let dt = m.time_s - p.time_s;
            let (a, b) = (p.velocity_mps, m.velocity_mps);
            let sa2 = a[0] * a[0] + a[1] * a[1];
            let sb2 = b[0] * b[0] + b[1] * b[1];
            if sa2 >= 25.0 && sb2 >= 25.0 && dt > 0.0 {
                // The angle between the two headings, from their cross and dot products.
                let dh = (a[0] * b[1] - a[1] * b[0]).atan2(a[0] * b[0] + a[1] * b[1]);
                turn = (dh.abs() / dt) as f32;
                // Heading noise of each sample is about sigma_v / speed.
                noise = (std::f64::consts::SQRT_2 * m.sigma_velocity_mps / sb2.sqrt() / dt) as f32;
            }
        }
        s.window.push(WindowSample {
            time_s: m.time_s,
            velocity_mps: m.velocity_mps,
            height_m: m.height_m,
            turn_rad_s: turn,
            turn_noise_rad_s: noise,
        });
        while s
            .window
            .front()
            .is_some_and(|f| m.time_s - f.time_s > cfg.window_s)
        {
            s.window.pop_front();
        }
        s.last = Some(*m);
        if s.baseline
            .back()
            .is_none_or(|b| m.time_s - b.time_s >= BASELINE_STEP_S)
        {
            s.baseline.push(BaselinePoint {
                time_s: m.time_s,
                position_m: m.position_m,
                sigma_m: m.sigma_position_m,
            });
            while s
                .baseline
                .front()
                .is_some_and(|f| m.time_s - f.time_s > BASELINE_S)
            {
                s.baseline.pop_front();
            }
        }
        // Hovering: the whole of a long enough window under 1.5 m/s, with the filter
        // sure enough of its velocity to say so.
        let span = m.time_s - s.window.front().map_or(m.time_s, |f| f.time_s);
        if span >= 8.0
            && m.sigma_velocity_mps < 1.5
            && s.window.iter().all(|w| {
                w.velocity_mps[0] * w.velocity_mps[0] + w.velocity_mps[1] * w.velocity_mps[1] < 2.25
            })
        {
            s.hover_seen_s = Some(m.time_s);
        }
    }

    /// Whether the track flew with company at `t`: another track near it at the same
    /// velocity, or several plots in its gate in one scan (an unresolved flock).
    pub fn observe_company(&mut self, cfg: &ClassifierConfig, t: f64, with_company: bool) {
        self.fade_to(cfg, t);
        if let Some(s) = &mut self.full {
            s.cached = None;
        }
        self.faded.company_checks += 1.0;
        if with_company {
            self.faded.company += 1.0;
        }
    }
}

impl Inner {
    fn window_span_s(&self) -> f64 {
        match (self.window.front(), self.window.back()) {
            (Some(a), Some(b)) => b.time_s - a.time_s,
            _ => 0.0,
        }
    }

    /// The log-likelihood each kind of evidence gives each class now (zeros for
    /// evidence not yet available), indexed by [`Evidence`] then [`Class::index`].
    fn log_likelihoods(
        &self,
        cfg: &ClassifierConfig,
        faded: &Faded,
    ) -> [[f64; Class::COUNT]; Evidence::COUNT] {
        let s = self;
        let mut terms = [[0.0; Class::COUNT]; Evidence::COUNT];
        let n = s.window.len;
        if let (true, Some(last)) = (n >= 3, s.last) {
            let wind = cfg.wind_en_mps();
            let mean =
                |f: &dyn Fn(&WindowSample) -> f64| s.window.iter().map(f).sum::<f64>() / n as f64;
            // The magnitude of the mean velocity, not the mean of magnitudes: noise
            // adds to every magnitude (a slow target's speed reads high) but averages
            // out of the vector. Far from a radar the filtered velocity is poor, and
            // the displacement over a long baseline says more.
            let (w0, w1) = wind.map_or((0.0, 0.0), |w| (w[0], w[1]));
            let mut v = [
                mean(&|m: &WindowSample| m.velocity_mps[0]),
                mean(&|m: &WindowSample| m.velocity_mps[1]),
            ];
            let mut sigma_v = last.sigma_velocity_mps;
            if let (Some(a), Some(b)) = (s.baseline.front(), s.baseline.back()) {
                let dt = b.time_s - a.time_s;
                if dt >= BASELINE_MIN_S {
                    let sd = a.sigma_m.hypot(b.sigma_m) / dt;
                    if sd < sigma_v {
                        sigma_v = sd;
                        v = [
                            (b.position_m[0] - a.position_m[0]) / dt,
                            (b.position_m[1] - a.position_m[1]) / dt,
                        ];
                    }
                }
            }
            let speed = (v[0] - w0).hypot(v[1] - w1);
            let widen = if wind.is_some() {
                0.0
            } else {
                cfg.max_wind_mps
            };
            terms[Evidence::Speed as usize] =
                lk::SPEED.log_likelihood(speed, sigma_v, |b| b.widened(widen, 0.0));
            if last.height_measured {
                let h = mean(&|m: &WindowSample| m.height_m);
                terms[Evidence::Altitude as usize] =
                    lk::ALTITUDE.log_likelihood(h, last.sigma_height_m, |b| *b);
                let vz = mean(&|m: &WindowSample| m.velocity_mps[2]);
                terms[Evidence::ClimbRate as usize] =
                    lk::CLIMB.log_likelihood(vz, last.sigma_vertical_velocity_mps);
            }
            if let Some(turn) = self.turn_rate_deg_s() {
                terms[Evidence::Turning as usize] = lk::TURN.log_likelihood(turn.0, turn.1);
            }
            if let Some(straight) = self.straightness() {
                terms[Evidence::Straightness as usize] = lk::straightness_log_likelihood(straight);
            }
        }
        let hovered = s.hover_seen_s.is_some_and(|h| {
            s.window
                .back()
                .is_some_and(|l| l.time_s - h <= cfg.memory_s)
        });
        if hovered {
            terms[Evidence::Hovering as usize] = hover_terms().0;
        } else if self.window_span_s() >= 10.0 {
            terms[Evidence::Hovering as usize] = hover_terms().1;
        }
        if faded.company_checks >= 3.0 {
            let f = (faded.company / faded.company_checks).clamp(0.0, 1.0);
            terms[Evidence::Flocking as usize] =
                lk::COMPANY.map(|q| lk::MOTION_WEIGHT * (f * q + (1.0 - f) * (1.0 - q)).ln());
        }
        if faded.rcs_weight >= 0.5 {
            let mean = faded.rcs_sum_db / faded.rcs_weight;
            let f2 = cfg.rcs_fluctuation_db * cfg.rcs_fluctuation_db;
            for (o, (mu, sd)) in terms[Evidence::Rcs as usize].iter_mut().zip(lk::RCS_DBSM) {
                let d = normal_log_density(mean, mu, sd * sd + f2 / faded.rcs_weight).exp();
                *o = ((1.0 - lk::FLOOR) * d + lk::FLOOR / 120.0).ln();
            }
        }
        terms[Evidence::SensorHint as usize] = self.hint_term(cfg);
        terms[Evidence::RfEmission as usize] = s.rf.log_likelihood(&lk::RF_SEEN);
        terms[Evidence::Sound as usize] = s.sound.log_likelihood(&lk::SOUND_HEARD);
        terms[Evidence::Adsb as usize] = s.adsb.log_likelihood(&lk::ADSB_SENT);
        terms[Evidence::RemoteId as usize] = s.remote_id.log_likelihood(&lk::REMOTE_ID_SENT);
        terms
    }

    /// Net displacement over path length along the long baseline, once it spans a minute
    /// and the path is long enough to have a shape. Each step's length is corrected for
    /// the position noise of its ends (which alone would make any path look crooked).
    fn straightness(&self) -> Option<f64> {
        let b = &self.baseline;
        let (first, last) = (b.front()?, b.back()?);
        if last.time_s - first.time_s < STRAIGHT_MIN_S {
            return None;
        }
        let mut path = 0.0;
        for (p, q) in b.iter().zip(b.iter().skip(1)) {
            let dx = q.position_m[0] - p.position_m[0];
            let dy = q.position_m[1] - p.position_m[1];
            let noise = p.sigma_m * p.sigma_m + q.sigma_m * q.sigma_m;
            path += (dx * dx + dy * dy - noise).max(0.0).sqrt();
        }
        let net = (last.position_m[0] - first.position_m[0])
            .hypot(last.position_m[1] - first.position_m[1]);
        (path >= STRAIGHT_MIN_PATH_M).then(|| (net / path).clamp(0.0, 1.0))
    }

    /// Mean absolute turn rate over the window's moving samples, and its noise (deg/s).
    fn turn_rate_deg_s(&self) -> Option<(f64, f64)> {
        let (mut total, mut noise, mut k) = (0.0f64, 0.0f64, 0usize);
        // The first sample's turn refers to one that has left the window.
        for w in self.window.iter().skip(1) {
            if w.turn_rad_s.is_finite() {
                total += f64::from(w.turn_rad_s);
                noise += f64::from(w.turn_noise_rad_s);
                k += 1;
            }
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
            let set = lk::HINT_SETS[i];
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
}

impl ClassState {
    /// The log-likelihood each kind of evidence gives each class now (zeros for
    /// evidence not yet available), indexed by [`Evidence`] then [`Class::index`].
    pub fn log_likelihoods(
        &self,
        cfg: &ClassifierConfig,
    ) -> [[f64; Class::COUNT]; Evidence::COUNT] {
        match &self.full {
            Some(s) => s.log_likelihoods(cfg, &self.faded),
            None => Inner::default().log_likelihoods(cfg, &self.faded),
        }
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
        // Nothing new since the last time: the same answer (the hysteresis state is
        // unchanged by construction).
        if let Some(c) = self.full.as_ref().and_then(|s| s.cached) {
            return c;
        }
        let (p, terms) = self.posterior(cfg);
        let mut order: [usize; Class::COUNT] = [0, 1, 2, 3, 4, 5];
        order.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
        let (best, runner) = (order[0], order[1]);
        let keep = self
            .full
            .as_ref()
            .and_then(|s| s.decided)
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
        self.full_mut().decided = (class != Class::Unknown).then_some(class);
        // Which evidence favours the leading class over the runner-up, most first.
        let mut why =
            Evidence::ALL.map(|e| (e, terms[e as usize][best] - terms[e as usize][runner]));
        why.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut evidence = [None; 3];
        for (slot, e) in evidence
            .iter_mut()
            .zip(why.into_iter().filter(|(_, w)| *w > 0.01))
        {
            *slot = Some(e);
        }
        let c = Classification {
            class,
            probabilities: p,
            evidence,
        };
        self.full_mut().cached = Some(c);
        c
    }
}
