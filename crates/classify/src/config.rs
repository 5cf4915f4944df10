use model::Class;
use serde::Deserialize;

/// Classification and identity settings; the `[classification]` section of the tracker
/// configuration. Every field has a documented default (docs/tracker-config.md).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClassifierConfig {
    /// Where the wind blows from, degrees clockwise from true north. With
    /// `wind_speed_mps`, speeds are judged through the air; without, over the ground
    /// with every class's speed band widened by `max_wind_mps`.
    pub wind_from_deg: Option<f64>,
    /// Wind speed, m/s.
    pub wind_speed_mps: Option<f64>,
    /// The strongest wind assumed when the wind is not given, m/s.
    pub max_wind_mps: f64,
    /// Prior probability of each class for a new track.
    pub prior: Prior,
    /// A class is reported once its probability reaches this; below it the track is
    /// `unknown`.
    pub decision_probability: f64,
    /// A drone class is reported only from this probability (of either drone class,
    /// or of both together): a drone call alarms an operator, and birds, the commonest
    /// confusers, must not.
    pub drone_decision_probability: f64,
    /// A reported class is kept while it stays the most probable and at least this
    /// probable, so a class does not flicker about the threshold.
    pub keep_probability: f64,
    /// Length of the window of recent motion the kinematic evidence is judged on, s.
    pub window_s: f64,
    /// One motion sample per this many seconds at most.
    pub sample_interval_s: f64,
    /// Evidence from detections (RCS, hints, RF, sound, cooperative reports) fades with
    /// this time constant, s, so a track that changes what it follows can change class.
    pub memory_s: f64,
    /// Probability that a sensor's class hint names the true class.
    pub hint_reliability: f64,
    /// Weight of each hint: successive hints of one sensor are not independent.
    pub hint_weight: f64,
    /// Most log-likelihood (nats) the hints together may give one class over another.
    pub max_hint_nats: f64,
    /// Standard deviation of one radar scan's RCS about the target's mean, dB (5.6 dB
    /// for a Swerling I target).
    pub rcs_fluctuation_db: f64,
    /// How often each track is checked for company (other tracks flying with it), s.
    pub company_interval_s: f64,
    /// Another track within this horizontal distance, m, ...
    pub company_radius_m: f64,
    /// ... and this height difference, m (when both heights are measured), ...
    pub company_height_m: f64,
    /// ... moving within this speed of the track's velocity, m/s, is company.
    pub company_speed_mps: f64,
    /// A cooperative identity is dropped this long after its last report, s.
    pub identity_timeout_s: f64,
    /// Scans of an independent sensor covering a cooperative track that miss it, in a
    /// row, before the cooperative report is flagged as possibly spoofed.
    pub spoof_missed_scans: u32,
}

/// Prior class probabilities (normalised on use).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Prior {
    /// Multirotor drones.
    pub drone_rotary: f64,
    /// Fixed-wing drones.
    pub drone_fixed_wing: f64,
    /// Birds.
    pub bird: f64,
    /// Manned aircraft.
    pub aircraft: f64,
    /// Balloons.
    pub balloon: f64,
    /// Clutter and everything else.
    pub unknown: f64,
}

impl Default for Prior {
    fn default() -> Self {
        // Birds dominate what a drone radar sees; clutter next.
        Self {
            drone_rotary: 0.15,
            drone_fixed_wing: 0.10,
            bird: 0.35,
            aircraft: 0.15,
            balloon: 0.05,
            unknown: 0.20,
        }
    }
}

impl Prior {
    /// As an array indexed by [`Class::index`].
    pub fn as_array(&self) -> [f64; Class::COUNT] {
        [
            self.drone_rotary,
            self.drone_fixed_wing,
            self.bird,
            self.aircraft,
            self.balloon,
            self.unknown,
        ]
    }
}

impl Default for ClassifierConfig {
    fn default() -> Self {
        Self {
            wind_from_deg: None,
            wind_speed_mps: None,
            max_wind_mps: 15.0,
            prior: Prior::default(),
            decision_probability: 0.6,
            drone_decision_probability: 0.75,
            keep_probability: 0.45,
            window_s: 20.0,
            sample_interval_s: 1.0,
            memory_s: 120.0,
            hint_reliability: 0.8,
            hint_weight: 0.5,
            max_hint_nats: 8.0,
            rcs_fluctuation_db: 5.6,
            company_interval_s: 2.0,
            company_radius_m: 300.0,
            company_height_m: 200.0,
            company_speed_mps: 5.0,
            identity_timeout_s: 60.0,
            spoof_missed_scans: 8,
        }
    }
}

impl ClassifierConfig {
    /// The wind as east/north velocity of the air, m/s, when given.
    pub fn wind_en_mps(&self) -> Option<[f64; 2]> {
        let (from, speed) = (self.wind_from_deg?, self.wind_speed_mps?);
        // Blowing *from* `from`: the air moves towards from + 180°.
        let to = (from + 180.0).to_radians();
        Some([speed * to.sin(), speed * to.cos()])
    }

    /// Every problem with the values, each naming its field under `prefix`.
    pub fn problems(&self, prefix: &str) -> Vec<String> {
        let mut p = Vec::new();
        let mut pos = |name: &str, v: f64| {
            if !(v.is_finite() && v > 0.0) {
                p.push(format!(
                    "{prefix}.{name} must be a positive number, got {v}"
                ));
            }
        };
        pos("max_wind_mps", self.max_wind_mps);
        pos("window_s", self.window_s);
        pos("sample_interval_s", self.sample_interval_s);
        pos("memory_s", self.memory_s);
        pos("hint_weight", self.hint_weight);
        pos("max_hint_nats", self.max_hint_nats);
        pos("rcs_fluctuation_db", self.rcs_fluctuation_db);
        pos("identity_timeout_s", self.identity_timeout_s);
        pos("company_interval_s", self.company_interval_s);
        pos("company_radius_m", self.company_radius_m);
        pos("company_height_m", self.company_height_m);
        pos("company_speed_mps", self.company_speed_mps);
        for (name, v) in [
            ("decision_probability", self.decision_probability),
            ("keep_probability", self.keep_probability),
            (
                "drone_decision_probability",
                self.drone_decision_probability,
            ),
            ("hint_reliability", self.hint_reliability),
        ] {
            if !(v > 0.0 && v < 1.0) {
                p.push(format!(
                    "{prefix}.{name} must be strictly between 0 and 1, got {v}"
                ));
            }
        }
        if self.keep_probability > self.decision_probability {
            p.push(format!(
                "{prefix}.keep_probability must not exceed decision_probability"
            ));
        }
        for (c, v) in Class::ALL.iter().zip(self.prior.as_array()) {
            if !(v.is_finite() && v > 0.0) {
                p.push(format!(
                    "{prefix}.prior.{} must be a positive number, got {v}",
                    c.as_str()
                ));
            }
        }
        match (self.wind_from_deg, self.wind_speed_mps) {
            (Some(f), Some(s)) => {
                if !f.is_finite() {
                    p.push(format!(
                        "{prefix}.wind_from_deg must be a number of degrees"
                    ));
                }
                if !(s.is_finite() && s >= 0.0) {
                    p.push(format!(
                        "{prefix}.wind_speed_mps must be zero or positive, got {s}"
                    ));
                }
            }
            (None, None) => {}
            _ => p.push(format!(
                "{prefix}: give both wind_from_deg and wind_speed_mps, or neither"
            )),
        }
        if self.window_s / self.sample_interval_s > (crate::WINDOW_CAPACITY - 1) as f64 {
            p.push(format!(
                "{prefix}: window_s / sample_interval_s must be at most {} (the samples a window holds), got {} / {}",
                crate::WINDOW_CAPACITY - 1,
                self.window_s,
                self.sample_interval_s
            ));
        }
        if self.spoof_missed_scans == 0 {
            p.push(format!("{prefix}.spoof_missed_scans must be at least 1"));
        }
        p
    }
}
