//! The coverage model: candidate sites, sampled crossings, and for every candidate
//! that could see a crossing, its probability of a fix at each second before the
//! crossing.
//!
//! Every probability comes from the simulator's own sensor model
//! ([`simulator::sensors::SimSensor::look_probability`]) looking at the simulator's own
//! target ([`simulator::targets::build_targets`]): what the planner promises and what
//! `skyfence sim` then flies share one model, so the closed loop tests the planning
//! (sampling, confirmation, optimisation), not two models' disagreement.
use crate::border::{offset, BorderLine};
use crate::inputs::{Catalogue, CatalogueItem, ThreatProfile, Threats};
use crate::terrain::Terrain;
use crate::PlanError;
use geodesy::{Lla, LocalFrame};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use simulator::scenario::{BorderSpec, MotionKind, Scenario, Side, Site, TargetSpec, Weather};
use simulator::sensors::SimSensor;
use simulator::targets::{build_targets, Target};

/// Settings of the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelOptions {
    /// Nearest to the border a sensor may stand, metres behind it.
    pub min_depth_m: f64,
    /// Deepest a sensor may stand, metres behind the border.
    pub max_depth_m: f64,
    /// Candidate depths between the two (evenly spaced, both ends included).
    pub depths: usize,
    /// Sampled crossings per threat per kilometre of border.
    pub samples_per_km: f64,
    /// How long before the crossing the model looks, seconds: warning is counted up to
    /// this.
    pub horizon_s: f64,
    /// Model step, seconds.
    pub step_s: f64,
    /// A track is confirmed after this many fixes ...
    pub confirm_hits: u32,
    /// ... within this many consecutive steps.
    pub confirm_steps: u32,
    /// Wind speed, m/s (acoustic noise, balloon drift); from `wind_from_deg`.
    pub wind_mps: f64,
    /// Direction the wind blows from, degrees.
    pub wind_from_deg: f64,
    /// Seed of the sampling.
    pub seed: u64,
    /// A pair of bearings fixes a position only when the fix is this good, metres:
    /// `sqrt((r1 s1)^2 + (r2 s2)^2) / sin(crossing angle)` with each sensor's range and
    /// bearing sigma. Worse, the tracker's track is too far off to act on (or to be
    /// scored as the target's).
    pub fix_error_m: f64,
}

impl Default for ModelOptions {
    fn default() -> Self {
        Self {
            min_depth_m: 200.0,
            max_depth_m: 5_000.0,
            depths: 3,
            samples_per_km: 2.0,
            horizon_s: 300.0,
            step_s: 1.0,
            confirm_hits: 3,
            confirm_steps: 5,
            wind_mps: 3.0,
            wind_from_deg: 90.0,
            seed: 1,
            fix_error_m: 700.0,
        }
    }
}

impl ModelOptions {
    /// Every problem at once.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if !(self.min_depth_m.is_finite() && self.min_depth_m >= 0.0) {
            p.push("the minimum depth must be zero or positive".into());
        }
        if !(self.max_depth_m.is_finite() && self.max_depth_m >= self.min_depth_m) {
            p.push(format!(
                "the depth behind the border ({} m) must be at least the minimum standoff ({} m)",
                self.max_depth_m, self.min_depth_m
            ));
        }
        if self.depths == 0 || self.depths > 10 {
            p.push("candidate depths must be 1 to 10".into());
        }
        if !(self.samples_per_km > 0.0 && self.samples_per_km <= 50.0) {
            p.push("samples per km must be in (0, 50]".into());
        }
        if !(self.horizon_s >= 10.0 && self.horizon_s <= 7_200.0) {
            p.push("the horizon must be 10 to 7200 s".into());
        }
        if !(self.step_s > 0.0 && self.step_s <= 10.0) {
            p.push("the model step must be in (0, 10] s".into());
        }
        if !(1..=8).contains(&self.confirm_hits)
            || self.confirm_steps < self.confirm_hits
            || self.confirm_steps > 8
        {
            p.push("confirmation needs 1 to 8 hits within that many to 8 steps".into());
        }
        if !(self.fix_error_m.is_finite() && self.fix_error_m > 0.0) {
            p.push("the bearing fix error limit must be positive metres".into());
        }
        if !(self.wind_mps.is_finite() && (0.0..60.0).contains(&self.wind_mps)) {
            p.push("wind must be 0 to 60 m/s".into());
        }
        p
    }
}

/// A place a catalogue item could stand.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Catalogue item.
    pub item: usize,
    /// Where (on the ground).
    pub at: Lla,
    /// Chainage of its foot on the border, metres.
    pub chainage_m: f64,
    /// Distance behind the border, metres.
    pub depth_m: f64,
    /// Compass bearing across the border (cameras look along it), degrees.
    pub outward_deg: f64,
}

/// One sampled crossing.
#[derive(Debug, Clone)]
pub struct Trajectory {
    /// Threat profile.
    pub threat: usize,
    /// Where it crosses, chainage metres.
    pub chainage_m: f64,
    /// The crossing point, on the ground.
    pub crossing: Lla,
    /// Start and end points (the scenario flies `from` to `to`).
    pub from: Lla,
    /// End point, behind the border.
    pub to: Lla,
    /// Ground speed, m/s.
    pub speed_mps: f64,
    /// Height above ground, metres.
    pub alt_m: f64,
    /// Seconds from the start to the crossing.
    pub cross_s: f64,
    /// Model steps up to the crossing.
    pub steps: usize,
    /// Horizontal position at each step in the crossing's frame, east and north metres.
    pub track_en: Vec<[f32; 2]>,
}

/// The fix probabilities of one candidate on one trajectory.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Candidate.
    pub cand: u32,
    /// Trajectory.
    pub traj: u32,
    /// First step with a non-zero probability.
    pub first: u32,
    /// Where its probabilities start in [`Coverage::arena`].
    pub offset: usize,
    /// How many steps.
    pub len: u32,
    /// The sensor in the trajectory's frame (east, north), for bearing geometry.
    pub sensor_en: [f32; 2],
    /// Measures bearings only.
    pub bearing: bool,
    /// Bearing sigma, radians (bearing sensors).
    pub sigma_rad: f32,
}

/// Probabilities are stored as bytes (1/255 steps): a profile is a few hundred steps,
/// and a 500 km plan holds hundreds of thousands of them.
pub const QUANT: f64 = 255.0;

/// Candidates, trajectories and the profiles joining them.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// Candidate sites.
    pub candidates: Vec<Candidate>,
    /// Sampled crossings.
    pub trajectories: Vec<Trajectory>,
    /// Non-empty profiles.
    pub profiles: Vec<Profile>,
    /// Profile probabilities, quantised.
    pub arena: Vec<u8>,
    /// Profiles of each candidate.
    pub by_cand: Vec<Vec<u32>>,
    /// Profiles of each trajectory.
    pub by_traj: Vec<Vec<u32>>,
    /// Trajectories of each threat.
    pub by_threat: Vec<Vec<u32>>,
}

impl Coverage {
    /// A profile's per-step probabilities.
    pub fn probs(&self, p: &Profile) -> &[u8] {
        &self.arena[p.offset..p.offset + p.len as usize]
    }

    /// Bytes held (for the memory report).
    pub fn bytes(&self) -> usize {
        self.arena.len()
            + self.profiles.len() * std::mem::size_of::<Profile>()
            + self
                .trajectories
                .iter()
                .map(|t| t.track_en.len() * 8 + std::mem::size_of::<Trajectory>())
                .sum::<usize>()
            + self.candidates.len() * std::mem::size_of::<Candidate>()
            + 8 * self.profiles.len()
    }
}

/// What the model reads.
#[derive(Debug, Clone, Copy)]
pub struct World<'a> {
    /// The border.
    pub border: &'a BorderLine,
    /// The sensors on offer.
    pub catalogue: &'a Catalogue,
    /// The threats.
    pub threats: &'a Threats,
    /// Terrain, if any.
    pub terrain: Option<&'a Terrain>,
    /// Settings.
    pub options: &'a ModelOptions,
}

/// The simulator's instrumented range of an item (its default where it states none).
pub fn item_range_m(item: &CatalogueItem) -> Result<f64, PlanError> {
    let site = LocalFrame::new(Lla::try_from_degrees(0.0, 0.0, 0.0)?);
    let s = SimSensor::new(
        &item.spec("probe".into(), 0.0, 0.0, 0.0),
        0,
        0,
        &site,
        0.0,
        0.1,
        0.0,
    )?;
    Ok(s.p.max_range_m)
}

/// A one-target scenario in the frame of `crossing` (the simulator builds the target).
fn one_target_scenario(
    name: &str,
    crossing: Lla,
    spec: TargetSpec,
    o: &ModelOptions,
    duration_s: f64,
) -> Scenario {
    Scenario {
        name: name.into(),
        description: String::new(),
        seed: o.seed,
        duration_s,
        tick_s: 0.1,
        site: Site {
            lat_deg: crossing.lat_deg(),
            lon_deg: crossing.lon_deg(),
            alt_m: 0.0,
        },
        border: BorderSpec {
            points: vec![
                [crossing.lat_deg(), crossing.lon_deg()],
                [crossing.lat_deg() + 0.01, crossing.lon_deg()],
            ],
            own_side: Side::Left,
        },
        zones: Vec::new(),
        weather: Weather {
            wind_from_deg: o.wind_from_deg,
            wind_speed_mps: o.wind_mps,
        },
        targets: vec![spec],
        sensors: Vec::new(),
    }
}

/// The scenario target for one crossing of `threat`.
pub fn target_spec(
    name: String,
    threat: &ThreatProfile,
    from: Lla,
    to: Lla,
    speed_mps: f64,
    alt_m: f64,
    start_s: f64,
) -> TargetSpec {
    TargetSpec {
        name,
        kind: threat.kind,
        motion: MotionKind::Crossing,
        start_s,
        speed_mps: Some(speed_mps),
        alt_m: Some(alt_m),
        waypoints: Vec::new(),
        from: Some([round9(from.lat_deg()), round9(from.lon_deg())]),
        to: Some([round9(to.lat_deg()), round9(to.lon_deg())]),
        center: None,
        radius_m: None,
        hover_s: None,
        count: 1,
        spacing_m: None,
        rcs_m2: threat.rcs_m2,
        sound_db: threat.sound_db,
        rf: threat.rf,
        remote_id: None,
        icao: None,
        callsign: None,
        spoofed: false,
        lifetime_s: None,
        recording: None,
        recording_id: None,
        recorded_points: Vec::new(),
    }
}

/// Degrees to nanodegrees (0.1 mm): what scenario files hold, so the plan models
/// exactly the positions it writes.
pub fn round9(v: f64) -> f64 {
    simulator::sensors::round(v, 1e9)
}

/// How far past the border sampled crossings fly, metres (the scenario's targets fly
/// on a little, so the closed loop sees each crossing).
const POST_CROSSING_M: f64 = 1_500.0;

/// Extra seconds flown before the horizon: the first fixes must fall before the
/// counted warning starts, or the model could never promise the full horizon.
const LEAD_S: f64 = 30.0;

/// Samples the crossings of every threat, with their own seed stream.
pub fn sample_trajectories(w: &World, seed: u64) -> Result<Vec<Trajectory>, PlanError> {
    let o = w.options;
    let len_m = w.border.length_m();
    let mut out = Vec::new();
    for (ti, th) in w.threats.items.iter().enumerate() {
        let mut rng =
            ChaCha8Rng::seed_from_u64(seed ^ 0xA076_1D64_78BD_642Fu64.wrapping_mul(ti as u64 + 1));
        let n = ((len_m / 1000.0) * o.samples_per_km).ceil().max(1.0) as usize;
        let slot = len_m / n as f64;
        for k in 0..n {
            // Stratified along the border: one crossing per slot, anywhere in it.
            let chainage_m = (k as f64 + rng.gen::<f64>()) * slot;
            let st = w.border.station(chainage_m);
            let inward_deg = st.inward_az_rad.to_degrees();
            let heading_deg = match th.from_deg {
                // Coming from a compass sector: heading is the reverse, kept within 75
                // degrees of straight across so that it does cross here.
                Some([a, b]) => {
                    let width = (b - a).rem_euclid(360.0);
                    let from = a + rng.gen::<f64>() * width;
                    let h = from + 180.0;
                    let off = geodesy::wrap_pi((h - inward_deg).to_radians())
                        .to_degrees()
                        .clamp(-75.0, 75.0);
                    inward_deg + off
                }
                None => {
                    inward_deg
                        + if th.approach_spread_deg > 0.0 {
                            rng.gen_range(-th.approach_spread_deg..=th.approach_spread_deg)
                        } else {
                            0.0
                        }
                }
            };
            let speed_mps = sample(&mut rng, th.speed_mps);
            let alt_m = sample(&mut rng, th.alt_m);
            let h = heading_deg.to_radians();
            let pre_m = speed_mps * (o.horizon_s + LEAD_S);
            let from = offset(st.at, h, -pre_m, alt_m);
            let to = offset(st.at, h, POST_CROSSING_M, alt_m);
            let spec = target_spec("probe".into(), th, from, to, speed_mps, alt_m, 0.0);
            let target = fly(w, st.at, spec, pre_m + POST_CROSSING_M, speed_mps)?;
            // The inward normal decides the crossing (a balloon drifts with the wind).
            let normal = [st.inward_az_rad.sin(), st.inward_az_rad.cos()];
            let Some(cross_s) = crossing_time(&target, normal) else {
                // Blown back by the wind: this one never crosses.
                continue;
            };
            let steps = (cross_s / o.step_s).floor() as usize + 1;
            let track_en = (0..steps)
                .map(|k| {
                    let p = target
                        .state_at(k as f64 * o.step_s)
                        .map_or([0.0; 3], |s| s.position_m);
                    [p[0] as f32, p[1] as f32]
                })
                .collect();
            out.push(Trajectory {
                threat: ti,
                chainage_m,
                crossing: st.at,
                from,
                to,
                speed_mps,
                alt_m,
                cross_s,
                steps,
                track_en,
            });
        }
    }
    Ok(out)
}

/// The simulator's target for a crossing, in the frame of its crossing point.
fn fly(
    w: &World,
    crossing: Lla,
    spec: TargetSpec,
    path_m: f64,
    speed_mps: f64,
) -> Result<Target, PlanError> {
    // Long enough to fly the path even against a headwind of half its speed.
    let duration_s = 2.0 * path_m / speed_mps + 60.0;
    let sc = one_target_scenario("plan", crossing, spec, w.options, duration_s);
    let frame = LocalFrame::new(crossing);
    build_targets(&sc, &frame)?
        .pop()
        .ok_or_else(|| PlanError::Input(vec!["the simulator built no target".into()]))
}

/// The simulator's target for a sampled trajectory (rebuilt when needed: holding every
/// path would cost more memory than the profiles).
pub fn flown(w: &World, tr: &Trajectory) -> Result<Target, PlanError> {
    let th = &w.threats.items[tr.threat];
    let spec = target_spec(
        "probe".into(),
        th,
        tr.from,
        tr.to,
        tr.speed_mps,
        tr.alt_m,
        0.0,
    );
    let path_m = tr.speed_mps * (w.options.horizon_s + LEAD_S) + POST_CROSSING_M;
    fly(w, tr.crossing, spec, path_m, tr.speed_mps)
}

/// When the target first stands on our side (its frame's origin is on the border,
/// `normal` points into our side), seconds.
fn crossing_time(t: &Target, normal: [f64; 2]) -> Option<f64> {
    let (t0, t1) = t.span_s();
    let side = |s: f64| {
        t.state_at(s)
            .map(|st| st.position_m[0] * normal[0] + st.position_m[1] * normal[1])
    };
    let mut prev = (t0, side(t0)?);
    let mut s = t0;
    while s < t1 {
        s = (s + 0.5).min(t1);
        let d = side(s)?;
        if d >= 0.0 && prev.1 < 0.0 {
            let f = -prev.1 / (d - prev.1);
            return Some(prev.0 + f * (s - prev.0));
        }
        prev = (s, d);
    }
    None
}

fn sample(rng: &mut ChaCha8Rng, r: [f64; 2]) -> f64 {
    if r[1] > r[0] {
        rng.gen_range(r[0]..=r[1])
    } else {
        r[0]
    }
}

/// How far an item reliably sees each threat: the largest horizontal distance at which
/// a look has probability one half or more, for the threat at the middle of its
/// height band coming straight at the sensor (0 when it never does).
pub fn reach_m(w: &World, item: &CatalogueItem, threat: &ThreatProfile) -> Result<f64, PlanError> {
    let o = w.options;
    let at = w.border.station(0.0).at;
    let range = item_range_m(item)?;
    let alt = 0.5 * (threat.alt_m[0] + threat.alt_m[1]);
    let speed = 0.5 * (threat.speed_mps[0] + threat.speed_mps[1]);
    // The target flies from `range` out towards the sensor, which looks back along it.
    let from = offset(at, 0.0, range + 100.0, alt);
    let to = offset(at, 0.0, 0.0, alt);
    let spec = target_spec("probe".into(), threat, from, to, speed, alt, 0.0);
    let sc = one_target_scenario("reach", at, spec, o, 2.0 * (range + 100.0) / speed + 60.0);
    let frame = LocalFrame::new(at);
    let Some(target) = build_targets(&sc, &frame)?.pop() else {
        return Ok(0.0);
    };
    let sensor = SimSensor::new(
        &item.spec("probe".into(), at.lat_deg(), at.lon_deg(), 0.0),
        0,
        o.seed,
        &frame,
        0.0,
        0.1,
        o.wind_mps,
    )?;
    let (t0, t1) = target.span_s();
    let mut best: f64 = 0.0;
    let mut t = t0;
    while t <= t1 {
        if let Some(st) = target.state_at(t) {
            if sensor.look_probability(&target, &st, o.wind_mps) >= 0.5 {
                best = best.max(st.position_m[0].hypot(st.position_m[1]));
            }
        }
        t += 2.0;
    }
    Ok(best)
}

/// Candidate sites for every item that sees some threat: stations along the border
/// at half the item's best reach (250 m to 5 km apart), at each candidate depth,
/// sorted by chainage.
pub fn candidates(w: &World) -> Result<(Vec<Candidate>, Vec<f64>), PlanError> {
    let o = w.options;
    let len_m = w.border.length_m();
    let mut out = Vec::new();
    let mut reaches = Vec::new();
    for (ii, item) in w.catalogue.items.iter().enumerate() {
        let mut reach: f64 = 0.0;
        for th in &w.threats.items {
            reach = reach.max(reach_m(w, item, th)?);
        }
        reaches.push(reach);
        if reach <= 0.0 {
            continue;
        }
        let spacing = (reach / 2.0).clamp(250.0, 5_000.0);
        let n = (len_m / spacing).ceil().max(1.0) as usize;
        let gap = len_m / n as f64;
        for k in 0..n {
            let c = (k as f64 + 0.5) * gap;
            let st = w.border.station(c);
            for d in 0..o.depths {
                let depth_m = if o.depths == 1 {
                    o.min_depth_m
                } else {
                    o.min_depth_m
                        + (o.max_depth_m - o.min_depth_m) * d as f64 / (o.depths - 1) as f64
                };
                out.push(Candidate {
                    item: ii,
                    at: offset(st.at, st.inward_az_rad, depth_m, 0.0),
                    chainage_m: c,
                    depth_m,
                    outward_deg: (st.inward_az_rad.to_degrees() + 180.0).rem_euclid(360.0),
                });
            }
        }
    }
    out.sort_by(|a, b| {
        a.chainage_m
            .total_cmp(&b.chainage_m)
            .then(a.item.cmp(&b.item))
    });
    Ok((out, reaches))
}

/// Terrain is checked every this many steps along a profile (it changes slowly).
const LOS_EVERY: usize = 8;

/// The profiles of `cands` on `trajs`: for each trajectory, every candidate that can
/// reach it. `progress(done, total)` is called per trajectory.
pub fn build_coverage(
    w: &World,
    candidates: Vec<Candidate>,
    trajectories: Vec<Trajectory>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Coverage, PlanError> {
    let o = w.options;
    let ranges: Vec<f64> = w
        .catalogue
        .items
        .iter()
        .map(item_range_m)
        .collect::<Result<_, _>>()?;
    let max_range = ranges.iter().copied().fold(0.0, f64::max);
    let mut cov = Coverage {
        by_cand: vec![Vec::new(); candidates.len()],
        by_traj: vec![Vec::new(); trajectories.len()],
        by_threat: vec![Vec::new(); w.threats.items.len()],
        ..Default::default()
    };
    let chain: Vec<f64> = candidates.iter().map(|c| c.chainage_m).collect();
    let mut probs: Vec<f64> = Vec::new();
    let total = trajectories.len();
    for (j, tr) in trajectories.iter().enumerate() {
        cov.by_threat[tr.threat].push(j as u32);
        let target = flown(w, tr)?;
        let frame = LocalFrame::new(tr.crossing);
        let states: Vec<_> = (0..tr.steps)
            .map(|k| target.state_at(k as f64 * o.step_s))
            .collect();
        let path_m = tr.speed_mps * tr.cross_s;
        let window = max_range + path_m + o.max_depth_m + 1_000.0;
        let lo = chain.partition_point(|&c| c < tr.chainage_m - window);
        let hi = chain.partition_point(|&c| c <= tr.chainage_m + window);
        let a = tr.track_en.first().copied().unwrap_or([0.0; 2]);
        let b = tr.track_en.last().copied().unwrap_or([0.0; 2]);
        for (ci, c) in candidates.iter().enumerate().take(hi).skip(lo) {
            let item = &w.catalogue.items[c.item];
            let range = ranges[c.item];
            let at = frame.lla_to_enu(c.at).0;
            let sensor_en = [at.x as f32, at.y as f32];
            if seg_distance(sensor_en, a, b) > range + 200.0 {
                continue;
            }
            let spec = item.spec(String::new(), c.at.lat_deg(), c.at.lon_deg(), c.outward_deg);
            let sensor = SimSensor::new(&spec, 0, o.seed, &frame, 0.0, 0.1, o.wind_mps)?;
            let per = sensor.revisit_s;
            let los = w.terrain.filter(|_| item.needs_line_of_sight());
            probs.clear();
            let mut clear = true;
            for (k, st) in states.iter().enumerate() {
                let Some(st) = st else {
                    probs.push(0.0);
                    continue;
                };
                let p = sensor.look_probability(&target, st, o.wind_mps);
                if p <= 0.0 {
                    probs.push(0.0);
                    continue;
                }
                if let Some(t) = los {
                    if k % LOS_EVERY == 0 || probs.last().is_none_or(|&x| x == 0.0) {
                        let here =
                            frame.enu_to_lla(geodesy::Enu(nalgebra::Vector3::from(st.position_m)));
                        let d = (f64::from(sensor_en[0]) - st.position_m[0])
                            .hypot(f64::from(sensor_en[1]) - st.position_m[1]);
                        clear = t.line_of_sight(
                            [c.at.lat_deg(), c.at.lon_deg()],
                            item.mast_m,
                            [here.lat_deg(), here.lon_deg()],
                            tr.alt_m,
                            d,
                        );
                    }
                    if !clear {
                        probs.push(0.0);
                        continue;
                    }
                }
                // Per look to per step: several looks a step, or a share of one.
                let ps = if (per - o.step_s).abs() < 1e-9 {
                    p
                } else if per < o.step_s {
                    1.0 - (1.0 - p).powf(o.step_s / per)
                } else {
                    p * o.step_s / per
                };
                probs.push(ps);
            }
            let first = probs.iter().position(|&p| p * QUANT >= 0.5);
            let last = probs.iter().rposition(|&p| p * QUANT >= 0.5);
            let (Some(first), Some(last)) = (first, last) else {
                continue;
            };
            let offset = cov.arena.len();
            cov.arena.extend(
                probs[first..=last]
                    .iter()
                    .map(|&p| (p * QUANT).round().clamp(0.0, 255.0) as u8),
            );
            let pi = cov.profiles.len() as u32;
            cov.profiles.push(Profile {
                cand: ci as u32,
                traj: j as u32,
                first: first as u32,
                offset,
                len: (last - first + 1) as u32,
                sensor_en,
                bearing: sensor.bearing_only(),
                sigma_rad: sensor.p.sigma_azimuth_deg.to_radians() as f32,
            });
            cov.by_cand[ci].push(pi);
            cov.by_traj[j].push(pi);
        }
        progress(j + 1, total);
    }
    cov.candidates = candidates;
    cov.trajectories = trajectories;
    Ok(cov)
}

/// Distance from `p` to the segment `a`-`b`, metres.
fn seg_distance(p: [f32; 2], a: [f32; 2], b: [f32; 2]) -> f64 {
    let (px, py) = (f64::from(p[0]), f64::from(p[1]));
    let (ax, ay) = (f64::from(a[0]), f64::from(a[1]));
    let (bx, by) = (f64::from(b[0]), f64::from(b[1]));
    let (dx, dy) = (bx - ax, by - ay);
    let l2 = dx * dx + dy * dy;
    let t = if l2 > 0.0 {
        (((px - ax) * dx + (py - ay) * dy) / l2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (px - ax - t * dx).hypot(py - ay - t * dy)
}
