//! The scenario simulator's loop: ticks of `tick_s`; at each tick the sensors due
//! observe the targets, and the tick's detection and truth lines are handed to the
//! caller (who writes them, and in real-time mode paces them to the clock).
use crate::scenario::Scenario;
use crate::sensors::{round, Sightings, SimDetection, SimSensor};
use crate::targets::{build_targets, State, Target};
use crate::SimulationError;
use formats::{append_detection, append_truth, SimTruthLine};
use geodesy::{Enu, LocalFrame};
use nalgebra::Vector3;

/// A scenario ready to run.
#[derive(Debug)]
pub struct Simulation {
    scenario: Scenario,
    frame: LocalFrame,
    targets: Vec<Target>,
    sensors: Vec<SimSensor>,
}

/// Counts of a finished run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Ticks simulated.
    pub ticks: u64,
    /// Detection lines written.
    pub detections: u64,
    /// Of which false alarms.
    pub false_alarms: u64,
    /// Truth lines written.
    pub truth_lines: u64,
}

impl Simulation {
    /// Builds targets and sensors. The scenario should have no [`Scenario::problems`].
    pub fn new(scenario: &Scenario) -> Result<Self, SimulationError> {
        let problems = scenario.problems();
        if let Some(first) = problems.first() {
            return Err(SimulationError::Parameter("scenario", first.clone()));
        }
        let site = scenario
            .site
            .lla()
            .map_err(|e| SimulationError::Parameter("site", e.to_string()))?;
        let frame = LocalFrame::new(site);
        let targets = build_targets(scenario, &frame)?;
        let sensors = scenario
            .sensors
            .iter()
            .enumerate()
            .map(|(i, s)| {
                SimSensor::new(
                    s,
                    i,
                    scenario.seed,
                    &frame,
                    scenario.site.alt_m,
                    scenario.tick_s,
                    scenario.weather.wind_speed_mps,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            scenario: scenario.clone(),
            frame,
            targets,
            sensors,
        })
    }

    /// The targets (group members expanded).
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// The sensors.
    pub fn sensors(&self) -> &[SimSensor] {
        &self.sensors
    }

    /// Runs to the end. `on_tick(t, detections, truth)` gets each tick's JSON lines
    /// (either may be empty) and may stop the run by returning an error.
    pub fn run<E>(
        &mut self,
        mut on_tick: impl FnMut(f64, &[u8], &[u8]) -> Result<(), E>,
    ) -> Result<SimStats, E> {
        let tick_s = self.scenario.tick_s;
        let n_ticks = (self.scenario.duration_s / tick_s).floor() as u64;
        let wind = self.scenario.weather.wind_speed_mps;
        let mut stats = SimStats::default();
        let mut states: Vec<Option<State>> = vec![None; self.targets.len()];
        let mut found: Vec<SimDetection> = Vec::new();
        let mut seen = vec![false; self.targets.len()];
        // Per target, what the sensors looking now could make of it.
        let mut sightings: Vec<Sightings> = vec![Sightings::default(); self.targets.len()];
        let mut due: Vec<usize> = Vec::with_capacity(self.sensors.len());
        let (mut det_buf, mut truth_buf) =
            (Vec::with_capacity(1 << 16), Vec::with_capacity(1 << 14));
        for k in 0..=n_ticks {
            // Times are computed from the tick count, not accumulated, so they stay exact
            // multiples of the tick whatever the run's length.
            let t = k as f64 * tick_s;
            det_buf.clear();
            truth_buf.clear();
            due.clear();
            due.extend((0..self.sensors.len()).filter(|&i| {
                let s = &self.sensors[i];
                k % s.period_ticks == s.phase_ticks && !s.out_of_service(t)
            }));
            if !due.is_empty() {
                for (st, tg) in states.iter_mut().zip(&self.targets) {
                    *st = tg.state_at(t);
                }
                seen.iter_mut().for_each(|s| *s = false);
                sightings.iter_mut().for_each(Sightings::clear);
                for &i in &due {
                    found.clear();
                    self.sensors[i].observe(
                        i,
                        &self.targets,
                        &states,
                        wind,
                        &mut found,
                        &mut sightings,
                    );
                    for d in &found {
                        match d.target {
                            Some(ti) => seen[ti] = true,
                            None => stats.false_alarms += 1,
                        }
                        append_detection(&mut det_buf, &self.sensors[i].record(t, d));
                        stats.detections += 1;
                    }
                }
                // Truth at every time a sensor reported, so scoring compares like times.
                for (i, (st, tg)) in states.iter().zip(&self.targets).enumerate() {
                    // A spoofed broadcast is not an object in the air.
                    let Some(st) = st.as_ref().filter(|_| !tg.spoofed) else {
                        continue;
                    };
                    let lla = self.frame.enu_to_lla(Enu(Vector3::from(st.position_m)));
                    append_truth(
                        &mut truth_buf,
                        &SimTruthLine {
                            time_s: t,
                            target: &tg.name,
                            class: tg.kind_class(),
                            kind: tg.kind.name(),
                            lla: [
                                round(lla.lat_deg(), 1e9),
                                round(lla.lon_deg(), 1e9),
                                round(lla.alt_m, 1e3),
                            ],
                            position_m: st.position_m.map(|v| round(v, 1e3)),
                            velocity_mps: st.velocity_mps.map(|v| round(v, 1e3)),
                            seen: seen[i],
                            detectable_revisit_s: sightings[i].fix_revisit_s(),
                            threat: tg.threat,
                        },
                    );
                    stats.truth_lines += 1;
                }
            }
            stats.ticks += 1;
            on_tick(t, &det_buf, &truth_buf)?;
        }
        Ok(stats)
    }

    /// The sensors file for this scenario (JSON Lines): the site origin, then one line
    /// per sensor with its position and accuracy defaults.
    pub fn sensors_file(&self) -> String {
        use crate::scenario::SensorKindSpec as K;
        let lines: Vec<formats::SensorLine> = self
            .sensors
            .iter()
            .map(|s| {
                let p = &s.p;
                let (range, az, el, pos) = match s.spec.kind {
                    K::Radar => (
                        Some(p.sigma_range_m),
                        Some(p.sigma_azimuth_deg),
                        Some(p.sigma_elevation_deg),
                        None,
                    ),
                    K::Rf | K::Acoustic => (None, Some(p.sigma_azimuth_deg), None, None),
                    K::Eoir => (
                        None,
                        Some(p.sigma_azimuth_deg),
                        Some(p.sigma_elevation_deg),
                        None,
                    ),
                    K::Adsb | K::RemoteId => (None, None, None, Some(p.sigma_m)),
                };
                formats::SensorLine {
                    sensor: s.spec.name.clone(),
                    kind: s.spec.kind.name().to_owned(),
                    lat_deg: s.position.lat_deg(),
                    lon_deg: s.position.lon_deg(),
                    alt_m: s.position.alt_m,
                    max_range_m: Some(p.max_range_m),
                    sigma_range_m: range,
                    sigma_azimuth_deg: az,
                    sigma_elevation_deg: el,
                    sigma_m: pos,
                }
            })
            .collect();
        formats::sensors_file(Some(self.frame.origin()), &lines)
    }

    /// The border, zones (circles as 72-gons) and sensors as site features for GeoJSON.
    pub fn site_features(&self) -> Vec<formats::SiteFeature> {
        let s = &self.scenario;
        let mut out = vec![formats::SiteFeature::Border {
            points: s.border.points.clone(),
            ours: if s.border.ours_left() {
                "left"
            } else {
                "right"
            },
        }];
        for z in &s.zones {
            let ring: Vec<[f64; 2]> = match (&z.polygon, z.center, z.radius_m) {
                (Some(poly), _, _) => poly.iter().chain(poly.first()).copied().collect(),
                (None, Some(c), Some(radius)) => (0..=72)
                    .map(|k| {
                        let a = (k as f64 * 5.0).to_radians();
                        // A small circle on the sphere: close enough to draw.
                        let dlat = radius * a.cos() / 111_320.0;
                        let dlon = radius * a.sin() / (111_320.0 * c[0].to_radians().cos());
                        [c[0] + dlat, c[1] + dlon]
                    })
                    .collect(),
                _ => Vec::new(),
            };
            out.push(formats::SiteFeature::Zone {
                name: z.name.clone(),
                ring,
                min_alt_m: z.min_alt_m,
                max_alt_m: z.max_alt_m,
            });
        }
        for sn in &s.sensors {
            out.push(formats::SiteFeature::Sensor {
                name: sn.name.clone(),
                kind: sn.kind.name(),
                at: [sn.lat_deg, sn.lon_deg],
            });
        }
        out
    }
}
