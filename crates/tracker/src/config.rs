use serde::Deserialize;

/// Tracker configuration. Every field has a documented default (see
/// `docs/tracker-config.md`); a config file only names what it changes.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrackerConfig {
    /// Motion model.
    pub motion: MotionConfig,
    /// Association.
    pub association: AssociationConfig,
    /// Track initiation.
    pub initiation: InitiationConfig,
    /// Confirmation and deletion.
    pub management: ManagementConfig,
    /// Input timing.
    pub timing: TimingConfig,
    /// Classification and identity.
    pub classification: classify::ClassifierConfig,
}

/// Which motion model the filter uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MotionKind {
    /// One nearly-constant-velocity model (a Kalman filter).
    Cv,
    /// Interacting multiple model: quiet and manoeuvring nearly-constant-velocity.
    Imm,
}

/// Motion model parameters.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MotionConfig {
    /// `cv` or `imm`.
    pub model: MotionKind,
    /// Acceleration noise density, east/north, m^2/s^3 (the quiet mode of the IMM).
    pub q_horizontal_m2ps3: f64,
    /// Acceleration noise density, up, m^2/s^3.
    pub q_vertical_m2ps3: f64,
    /// Manoeuvring mode, east/north, m^2/s^3.
    pub manoeuvre_q_horizontal_m2ps3: f64,
    /// Manoeuvring mode, up, m^2/s^3.
    pub manoeuvre_q_vertical_m2ps3: f64,
    /// Mean time in the quiet mode, seconds.
    pub quiet_sojourn_s: f64,
    /// Mean time in the manoeuvring mode, seconds.
    pub manoeuvre_sojourn_s: f64,
}

impl Default for MotionConfig {
    fn default() -> Self {
        Self {
            model: MotionKind::Imm,
            q_horizontal_m2ps3: 0.5,
            q_vertical_m2ps3: 0.1,
            manoeuvre_q_horizontal_m2ps3: 500.0,
            manoeuvre_q_vertical_m2ps3: 4.0,
            quiet_sojourn_s: 30.0,
            manoeuvre_sojourn_s: 5.0,
        }
    }
}

/// Association method name in files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AssociationMethod {
    /// Global nearest neighbour.
    Gnn,
    /// Joint probabilistic data association.
    Jpda,
}

/// Association parameters.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AssociationConfig {
    /// `gnn` or `jpda`.
    pub method: AssociationMethod,
    /// Probability that a track's own detection falls inside its gate.
    pub gate_probability: f64,
    /// JPDA: largest joint-event count enumerated exactly per cluster.
    pub max_exact_hypotheses: usize,
}

impl Default for AssociationConfig {
    fn default() -> Self {
        Self {
            method: AssociationMethod::Gnn,
            gate_probability: 0.9995,
            max_exact_hypotheses: 4096,
        }
    }
}

/// Initiation parameters.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InitiationConfig {
    /// Highest speed a new target may have, m/s; bounds two-point initiation.
    pub max_speed_mps: f64,
    /// Highest speed of a new target whose two detections carry the same cooperative
    /// id (ADS-B address, Remote ID serial), m/s: the id says they are one object, so
    /// the clutter that bounds `max_speed_mps` cannot pair them.
    pub max_cooperative_speed_mps: f64,
    /// Longest time between the two detections that start a track, seconds.
    pub window_s: f64,
    /// Height standard deviation given to tracks started from 2D detections, metres.
    pub unmeasured_height_sigma_m: f64,
    /// Height assumed for tracks started without a height measurement, metres (site ENU).
    pub assumed_height_m: f64,
    /// Longest time between crossing bearings from different sensors, seconds.
    pub bearing_window_s: f64,
    /// Farthest a bearing crossing may lie from either sensor, metres.
    pub bearing_max_range_m: f64,
    /// Smallest angle between two bearings for a usable crossing, degrees.
    pub bearing_min_crossing_deg: f64,
}

impl Default for InitiationConfig {
    fn default() -> Self {
        Self {
            max_speed_mps: 80.0,
            // Above an airliner with a jet-stream tailwind (about 300 m/s over ground).
            max_cooperative_speed_mps: 350.0,
            window_s: 5.0,
            unmeasured_height_sigma_m: 300.0,
            assumed_height_m: 0.0,
            bearing_window_s: 2.0,
            bearing_max_range_m: 15_000.0,
            bearing_min_crossing_deg: 10.0,
        }
    }
}

/// Confirmation and deletion: a sequential test on each track's probability of
/// existence (integrated PDA, Musicki, Evans and Stankovic, IEEE Trans. AC 39(6), 1994;
/// its log-odds is Blackman's track score with a survival term).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ManagementConfig {
    /// Probability of detection for sensors that do not give their own.
    pub pd: f64,
    /// False detections per square metre per scan, for sensors that do not give their own.
    pub clutter_density_per_m2: f64,
    /// Height over which clutter is spread for 3D measurements, metres.
    pub clutter_height_m: f64,
    /// False bearings per radian per scan, for bearing sensors.
    pub bearing_clutter_density_per_rad: f64,
    /// New targets per square metre per scan.
    pub new_target_density_per_m2: f64,
    /// Mean life of a target, seconds: sets how fast unconfirmed existence decays.
    pub mean_target_life_s: f64,
    /// Existence probability at which a tentative track is confirmed.
    pub confirm_existence: f64,
    /// Existence probability below which a tentative track is deleted.
    pub delete_tentative_existence: f64,
    /// Existence probability below which a confirmed track stops being reported; it
    /// keeps its id and is reported again if new detections raise it back to
    /// `confirm_existence` (hysteresis, so a few missed scans do not change the id).
    pub hold_existence: f64,
    /// Existence probability below which a once-confirmed track is deleted.
    pub delete_confirmed_existence: f64,
    /// Longest time a confirmed track is kept without any update, seconds.
    pub max_coast_s: f64,
    /// A track whose position standard deviation on any axis grows beyond this is
    /// deleted, metres: it no longer says where anything is. Bearing-only updates can
    /// otherwise keep a track "hit" while its range or height uncertainty grows without
    /// bound.
    pub max_position_sigma_m: f64,
    /// Existence log-odds given to a track started from crossing bearings.
    pub bearing_initial_log_odds: f64,
}

impl Default for ManagementConfig {
    fn default() -> Self {
        Self {
            pd: 0.9,
            clutter_density_per_m2: 2e-7,
            clutter_height_m: 3_000.0,
            bearing_clutter_density_per_rad: 0.5,
            new_target_density_per_m2: 1e-9,
            mean_target_life_s: 120.0,
            confirm_existence: 0.9,
            delete_tentative_existence: 0.01,
            hold_existence: 0.5,
            delete_confirmed_existence: 0.01,
            max_coast_s: 20.0,
            max_position_sigma_m: 3_000.0,
            bearing_initial_log_odds: -2.0,
        }
    }
}

/// Input timing.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimingConfig {
    /// Detections may arrive this many seconds out of order and still be used;
    /// older ones are rejected and counted. Output lags input by this much.
    pub reorder_window_s: f64,
}

impl Default for TimingConfig {
    fn default() -> Self {
        Self {
            reorder_window_s: 0.5,
        }
    }
}

impl TrackerConfig {
    /// Every problem with the values, all at once (empty when valid).
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let mut pos = |name: &str, v: f64| {
            if !(v.is_finite() && v > 0.0) {
                p.push(format!("{name} must be a positive number, got {v}"));
            }
        };
        pos("motion.q_horizontal_m2ps3", self.motion.q_horizontal_m2ps3);
        pos("motion.q_vertical_m2ps3", self.motion.q_vertical_m2ps3);
        pos(
            "motion.manoeuvre_q_horizontal_m2ps3",
            self.motion.manoeuvre_q_horizontal_m2ps3,
        );
        pos(
            "motion.manoeuvre_q_vertical_m2ps3",
            self.motion.manoeuvre_q_vertical_m2ps3,
        );
        pos("motion.quiet_sojourn_s", self.motion.quiet_sojourn_s);
        pos(
            "motion.manoeuvre_sojourn_s",
            self.motion.manoeuvre_sojourn_s,
        );
        pos("initiation.max_speed_mps", self.initiation.max_speed_mps);
        pos(
            "initiation.max_cooperative_speed_mps",
            self.initiation.max_cooperative_speed_mps,
        );
        pos("initiation.window_s", self.initiation.window_s);
        pos(
            "initiation.unmeasured_height_sigma_m",
            self.initiation.unmeasured_height_sigma_m,
        );
        pos(
            "initiation.bearing_window_s",
            self.initiation.bearing_window_s,
        );
        pos(
            "initiation.bearing_max_range_m",
            self.initiation.bearing_max_range_m,
        );
        pos(
            "initiation.bearing_min_crossing_deg",
            self.initiation.bearing_min_crossing_deg,
        );
        pos(
            "management.clutter_density_per_m2",
            self.management.clutter_density_per_m2,
        );
        pos(
            "management.clutter_height_m",
            self.management.clutter_height_m,
        );
        pos(
            "management.bearing_clutter_density_per_rad",
            self.management.bearing_clutter_density_per_rad,
        );
        pos(
            "management.new_target_density_per_m2",
            self.management.new_target_density_per_m2,
        );
        pos(
            "management.mean_target_life_s",
            self.management.mean_target_life_s,
        );
        pos("management.max_coast_s", self.management.max_coast_s);
        pos(
            "management.max_position_sigma_m",
            self.management.max_position_sigma_m,
        );
        let mut prob = |name: &str, v: f64| {
            if !(v > 0.0 && v < 1.0) {
                p.push(format!("{name} must be strictly between 0 and 1, got {v}"));
            }
        };
        prob(
            "association.gate_probability",
            self.association.gate_probability,
        );
        prob("management.pd", self.management.pd);
        prob(
            "management.confirm_existence",
            self.management.confirm_existence,
        );
        prob(
            "management.delete_tentative_existence",
            self.management.delete_tentative_existence,
        );
        prob(
            "management.delete_confirmed_existence",
            self.management.delete_confirmed_existence,
        );
        prob("management.hold_existence", self.management.hold_existence);
        if self.management.hold_existence > self.management.confirm_existence {
            p.push("management.hold_existence must not exceed confirm_existence".into());
        }
        if self.management.delete_tentative_existence >= self.management.confirm_existence {
            p.push("management.delete_tentative_existence must be below confirm_existence".into());
        }
        if !self.initiation.assumed_height_m.is_finite() {
            p.push("initiation.assumed_height_m must be a number".into());
        }
        if !self.management.bearing_initial_log_odds.is_finite() {
            p.push("management.bearing_initial_log_odds must be a number".into());
        }
        if !(self.timing.reorder_window_s.is_finite() && self.timing.reorder_window_s >= 0.0) {
            p.push(format!(
                "timing.reorder_window_s must be zero or positive, got {}",
                self.timing.reorder_window_s
            ));
        }
        if self.association.max_exact_hypotheses == 0 {
            p.push("association.max_exact_hypotheses must be at least 1".into());
        }
        p.extend(self.classification.problems("classification"));
        p
    }
}
