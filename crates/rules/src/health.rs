//! Sensor health: a sensor that falls silent, or whose detection rate jumps or
//! collapses, is a gap in the wall and raises an alert.
//!
//! Pure: detections' times go in, findings come out; "now" is a parameter.

use geodesy::Lla;

/// Thresholds of the health watch.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthConfig {
    /// A sensor is silent after at least this long without a detection, seconds...
    pub silent_after_s: f64,
    /// ...and at least this many of its usual intervals between reports.
    pub silent_intervals: f64,
    /// Length of the windows its detection rate is counted over, seconds.
    pub window_s: f64,
    /// Complete windows before its usual rate is trusted.
    pub baseline_windows: u32,
    /// A window's rate below this fraction of the usual rate is a collapse.
    pub rate_drop_ratio: f64,
    /// A window's rate above this multiple of the usual rate is a jump (clutter,
    /// interference, a spoofer flooding plots).
    pub rate_rise_ratio: f64,
}

impl Default for HealthConfig {
    fn default() -> Self {
        Self {
            silent_after_s: 10.0,
            silent_intervals: 5.0,
            window_s: 10.0,
            baseline_windows: 6,
            rate_drop_ratio: 0.25,
            rate_rise_ratio: 4.0,
        }
    }
}

impl HealthConfig {
    /// Every problem with the values, each naming its field.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (name, v) in [
            ("silent_after_s", self.silent_after_s),
            ("silent_intervals", self.silent_intervals),
            ("window_s", self.window_s),
            ("rate_drop_ratio", self.rate_drop_ratio),
            ("rate_rise_ratio", self.rate_rise_ratio),
        ] {
            if !(v > 0.0 && v.is_finite()) {
                out.push(format!("health.{name} must be positive, got {v}"));
            }
        }
        if self.rate_drop_ratio >= 1.0 {
            out.push("health.rate_drop_ratio must be below 1".into());
        }
        if self.rate_rise_ratio <= 1.0 {
            out.push("health.rate_rise_ratio must be above 1".into());
        }
        out
    }
}

#[derive(Debug, Clone, Default)]
struct Watch {
    /// Detections seen.
    detections: u64,
    /// Detections per second over the last complete window.
    rate_per_s: f64,
    /// Distinct report times seen.
    reports: u64,
    last_s: Option<f64>,
    /// Smoothed interval between distinct report times, seconds.
    interval_s: Option<f64>,
    window_start_s: Option<f64>,
    in_window: u64,
    windows: u32,
    usual_rate: Option<f64>,
    /// The last complete window's rate when it was out of bounds.
    odd_rate: Option<f64>,
    /// The sensor's own status reports (SAPIENT): how many, the latest one's time,
    /// and the fault it declares, if any.
    statuses: u64,
    status_s: Option<f64>,
    fault: Option<String>,
}

/// What is wrong with one sensor.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// No detection for this long, seconds.
    Silent {
        /// Seconds since its last detection.
        for_s: f64,
    },
    /// The sensor itself reports a fault.
    Reported {
        /// What it says.
        what: String,
    },
    /// Its rate left the usual band.
    Rate {
        /// Detections per second in the last window.
        now_per_s: f64,
        /// Its usual detections per second.
        usual_per_s: f64,
    },
}

/// One sensor with a problem now.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthFinding {
    /// The sensor's name.
    pub sensor: String,
    /// Where it stands: east/north/up metres in the site frame.
    pub position_m: [f64; 3],
    /// Where it stands, geodetic.
    pub lla: Option<Lla>,
    /// What is wrong.
    pub problem: Problem,
}

/// The health watch over every sensor, by sensor index.
#[derive(Debug, Clone, Default)]
pub struct SensorHealth {
    cfg: HealthConfig,
    watches: Vec<Watch>,
}

impl SensorHealth {
    /// A watch with no sensor seen yet.
    pub fn new(cfg: HealthConfig) -> Self {
        Self {
            cfg,
            watches: Vec::new(),
        }
    }

    /// Sensor `i` reported a detection of time `t`.
    pub fn observe(&mut self, i: usize, t: f64) {
        if self.watches.len() <= i {
            self.watches.resize(i + 1, Watch::default());
        }
        let cfg = &self.cfg;
        let w = &mut self.watches[i];
        w.detections += 1;
        match w.last_s {
            Some(last) if t > last => {
                let gap = t - last;
                w.interval_s = Some(w.interval_s.map_or(gap, |s| 0.9 * s + 0.1 * gap));
                w.last_s = Some(t);
                w.reports += 1;
            }
            Some(_) => {}
            None => {
                w.last_s = Some(t);
                w.reports = 1;
            }
        }
        let start = *w.window_start_s.get_or_insert(t);
        if t - start >= cfg.window_s {
            let rate = w.in_window as f64 / (t - start);
            w.rate_per_s = rate;
            w.windows += 1;
            w.odd_rate = None;
            if let Some(usual) = w.usual_rate {
                if w.windows > cfg.baseline_windows
                    && (rate < cfg.rate_drop_ratio * usual || rate > cfg.rate_rise_ratio * usual)
                {
                    w.odd_rate = Some(rate);
                }
            }
            // A lasting change becomes the new usual over some twenty windows.
            w.usual_rate = Some(w.usual_rate.map_or(rate, |u| 0.9 * u + 0.1 * rate));
            w.window_start_s = Some(t);
            w.in_window = 0;
        }
        w.in_window += 1;
    }

    /// Sensor `i` reported its own status at `t`: alive, and with `fault` when it
    /// declares one (`None` clears an earlier fault). A sensor that reports its status
    /// is not silent while its reports keep coming, even with nothing to detect.
    pub fn status(&mut self, i: usize, t: f64, fault: Option<String>) {
        if self.watches.len() <= i {
            self.watches.resize(i + 1, Watch::default());
        }
        let w = &mut self.watches[i];
        w.statuses += 1;
        w.status_s = Some(w.status_s.map_or(t, |s| s.max(t)));
        w.fault = fault;
    }

    fn silent_for(&self, w: &Watch, t: f64) -> Option<f64> {
        let last = match (w.last_s, w.status_s) {
            (Some(a), Some(b)) => a.max(b),
            (a, b) => a.or(b)?,
        };
        if w.reports < 3 && w.statuses < 3 {
            return None;
        }
        let limit = self
            .cfg
            .silent_after_s
            .max(self.cfg.silent_intervals * w.interval_s.unwrap_or(0.0));
        (t - last > limit).then_some(t - last)
    }

    /// Sensor `i`'s detections so far, the time of its latest one, and its detections
    /// per second over the last complete window.
    pub fn counts(&self, i: usize) -> (u64, Option<f64>, f64) {
        self.watches
            .get(i)
            .map_or((0, None, 0.0), |w| (w.detections, w.last_s, w.rate_per_s))
    }

    /// `waiting` (never heard or too few reports to judge), `ok`, `silent` or
    /// `rate_changed`, for sensor `i` at `t`.
    pub fn state(&self, i: usize, t: f64) -> &'static str {
        let Some(w) = self
            .watches
            .get(i)
            .filter(|w| w.reports > 0 || w.statuses > 0)
        else {
            return "waiting";
        };
        if self.silent_for(w, t).is_some() {
            "silent"
        } else if w.fault.is_some() {
            "fault"
        } else if w.odd_rate.is_some() {
            "rate_changed"
        } else {
            "ok"
        }
    }

    /// Every sensor with a problem at `t`. `describe(i)` gives sensor `i`'s name,
    /// site-frame position and geodetic position.
    pub fn check(
        &self,
        t: f64,
        describe: impl Fn(usize) -> Option<(String, [f64; 3], Option<Lla>)>,
    ) -> Vec<HealthFinding> {
        let mut out = Vec::new();
        for (i, w) in self.watches.iter().enumerate() {
            let problem = match (self.silent_for(w, t), w.odd_rate) {
                (Some(for_s), _) => Problem::Silent { for_s },
                (None, _) if w.fault.is_some() => Problem::Reported {
                    what: w.fault.clone().unwrap_or_default(),
                },
                (None, Some(now_per_s)) => Problem::Rate {
                    now_per_s,
                    usual_per_s: w.usual_rate.unwrap_or(0.0),
                },
                (None, None) => continue,
            };
            if let Some((sensor, position_m, lla)) = describe(i) {
                out.push(HealthFinding {
                    sensor,
                    position_m,
                    lla,
                    problem,
                });
            }
        }
        out
    }
}
