//! Target motion: every target (or group member) becomes a path of timed points in the
//! site's ENU frame, built once from its spec and the scenario seed, then interpolated.
//! Random behaviours (loiter, drift, bird wander) draw from the target's own stream, so
//! adding a target does not change the others.
use crate::scenario::{MotionKind, Scenario, TargetKind, TargetSpec};
use crate::SimulationError;
use geodesy::{Lla, LocalFrame};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// Sampling step of built paths, seconds.
const PATH_STEP_S: f64 = 0.5;

/// One simulated object with its signatures.
#[derive(Debug, Clone)]
pub struct Target {
    /// Name in truth lines.
    pub name: String,
    /// Kind.
    pub kind: TargetKind,
    /// Mean radar cross-section, m^2.
    pub rcs_m2: f64,
    /// Emits an RF link.
    pub rf: bool,
    /// RF transmit power, dBm.
    pub rf_power_dbm: f64,
    /// RF carrier, Hz.
    pub rf_freq_hz: f64,
    /// Sound level at 1 m, dB; `None` when silent to acoustic nodes.
    pub sound_db: Option<f64>,
    /// Size for cameras (span), metres.
    pub size_m: f64,
    /// Remote ID serial, if broadcast.
    pub remote_id: Option<String>,
    /// ICAO address, if the transponder is on.
    pub icao: Option<String>,
    /// ADS-B callsign.
    pub callsign: Option<String>,
    /// Only a cooperative broadcast: no physical object (not in the truth).
    pub spoofed: bool,
    /// Whether an operator should be warned about it.
    pub threat: bool,
    /// Where its operator stands (Remote ID), site ENU metres.
    pub operator_m: Option<[f64; 3]>,
    /// Timed positions, site ENU metres.
    path: Vec<(f64, [f64; 3])>,
}

/// Position and velocity at one time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct State {
    /// Site ENU position, metres.
    pub position_m: [f64; 3],
    /// Site ENU velocity, m/s.
    pub velocity_mps: [f64; 3],
}

impl Target {
    /// First and last time it exists.
    pub fn span_s(&self) -> (f64, f64) {
        match (self.path.first(), self.path.last()) {
            (Some(a), Some(b)) => (a.0, b.0),
            _ => (f64::INFINITY, f64::NEG_INFINITY),
        }
    }

    /// State at `t`, if the target exists then.
    pub fn state_at(&self, t: f64) -> Option<State> {
        let (t0, t1) = self.span_s();
        if t < t0 || t > t1 || self.path.len() < 2 {
            return None;
        }
        let k = self
            .path
            .partition_point(|p| p.0 <= t)
            .clamp(1, self.path.len() - 1);
        let (a, b) = (&self.path[k - 1], &self.path[k]);
        let dt = b.0 - a.0;
        let w = if dt > 0.0 { (t - a.0) / dt } else { 0.0 };
        let mut position_m = [0.0; 3];
        let mut velocity_mps = [0.0; 3];
        for i in 0..3 {
            position_m[i] = a.1[i] + (b.1[i] - a.1[i]) * w;
            velocity_mps[i] = if dt > 0.0 {
                (b.1[i] - a.1[i]) / dt
            } else {
                0.0
            };
        }
        Some(State {
            position_m,
            velocity_mps,
        })
    }
}

struct Defaults {
    speed_mps: f64,
    alt_m: f64,
    rcs_m2: f64,
    rf: bool,
    sound_db: Option<f64>,
    size_m: f64,
}

/// Figures from ../shared/reference/threats-and-sensors.md (section 3): speeds, heights
/// and radar cross-sections are mid-range values of the ranges given there.
fn defaults(kind: TargetKind) -> Defaults {
    let d = |speed_mps, alt_m, rcs_m2, rf, sound_db, size_m| Defaults {
        speed_mps,
        alt_m,
        rcs_m2,
        rf,
        sound_db,
        size_m,
    };
    match kind {
        TargetKind::Quadcopter => d(12.0, 80.0, 0.03, true, Some(80.0), 0.35),
        TargetKind::FpvFibre => d(35.0, 30.0, 0.02, false, Some(85.0), 0.25),
        TargetKind::Shahed => d(47.0, 1500.0, 0.1, false, Some(112.0), 2.5),
        TargetKind::Gerbera => d(44.0, 1000.0, 0.05, false, Some(95.0), 2.5),
        TargetKind::Bird => d(12.0, 400.0, 0.003, false, None, 0.5),
        TargetKind::Balloon => d(5.0, 1500.0, 0.02, false, None, 1.5),
        TargetKind::Aircraft => d(60.0, 1200.0, 5.0, false, Some(120.0), 11.0),
    }
}

fn to_enu(
    frame: &LocalFrame,
    p: [f64; 2],
    alt_above_site_m: f64,
    site_alt_m: f64,
) -> Result<[f64; 3], SimulationError> {
    let lla = Lla::try_from_degrees(p[0], p[1], site_alt_m + alt_above_site_m)
        .map_err(|e| SimulationError::Parameter("position", e.to_string()))?;
    let v = frame.lla_to_enu(lla).0;
    Ok([v.x, v.y, v.z])
}

/// Builds all targets of a scenario (groups expanded), in file order.
pub fn build_targets(s: &Scenario, frame: &LocalFrame) -> Result<Vec<Target>, SimulationError> {
    let mut out = Vec::new();
    for (ti, spec) in s.targets.iter().enumerate() {
        // Each spec's stream derives from the master seed and its position in the file.
        let mut rng = ChaCha8Rng::seed_from_u64(
            s.seed ^ (0x9E37_79B9_7F4A_7C15u64.wrapping_mul(ti as u64 + 1)),
        );
        let base = build_path(s, spec, frame, &mut rng)?;
        let d = defaults(spec.kind);
        let spacing = spec.spacing_m.unwrap_or(if spec.kind == TargetKind::Bird {
            15.0
        } else {
            50.0
        });
        for m in 0..spec.count {
            let name = if spec.count == 1 {
                spec.name.clone()
            } else {
                format!("{}-{}", spec.name, m + 1)
            };
            // Formation: rows of up to five abreast, each row centred on the path and
            // the rows behind one another; birds jitter. Every member is offset (the
            // first too), so no two members share a place.
            let row = m / 5;
            let in_row = (spec.count - row * 5).min(5);
            let (row, col) = (row as f64, (m % 5) as f64 - (in_row as f64 - 1.0) / 2.0);
            let jitter = if spec.kind == TargetKind::Bird {
                spacing * 0.3
            } else {
                0.0
            };
            let off = [
                col * spacing + rng.gen_range(-1.0..=1.0) * jitter,
                -row * spacing + rng.gen_range(-1.0..=1.0) * jitter,
                rng.gen_range(-1.0..=1.0) * jitter,
            ];
            let path = if off == [0.0; 3] {
                base.clone()
            } else {
                offset_path(&base, off, spec.motion == MotionKind::Drift)
            };
            let rcs_m2 = match (spec.rcs_m2, spec.kind) {
                (Some(r), _) => r,
                // Bird RCS is log-normal over species and aspect (reference: -30 to
                // -19 dBsm typical at 24 GHz): draw each bird's mean in that band.
                (None, TargetKind::Bird) => 10f64.powf(rng.gen_range(-3.0..-1.9)),
                (None, _) => d.rcs_m2,
            };
            let threat = match spec.kind {
                TargetKind::Bird => false,
                TargetKind::Aircraft => spec.icao.is_none(),
                _ => true,
            };
            let operator_m = spec
                .remote_id
                .as_ref()
                .and_then(|_| path.first())
                .map(|p| [p.1[0], p.1[1], 0.0]);
            out.push(Target {
                name,
                kind: spec.kind,
                rcs_m2,
                rf: spec.rf.unwrap_or(d.rf),
                rf_power_dbm: if spec.kind == TargetKind::Quadcopter {
                    19.0
                } else {
                    23.0
                },
                rf_freq_hz: if spec.kind == TargetKind::Quadcopter {
                    2.4e9
                } else {
                    0.9e9
                },
                sound_db: spec.sound_db.or(d.sound_db),
                size_m: d.size_m,
                remote_id: spec.remote_id.as_ref().map(|r| {
                    if spec.count == 1 {
                        r.clone()
                    } else {
                        format!("{r}-{}", m + 1)
                    }
                }),
                icao: spec.icao.clone(),
                callsign: spec.callsign.clone(),
                spoofed: spec.spoofed,
                threat,
                operator_m,
                path,
            });
        }
    }
    Ok(out)
}

/// `base` shifted by `off` (across, along, up). Offsets are in the path's own frame, so
/// a formation turns with its path; with `fixed`, the frame is the path's overall
/// direction instead of its heading at each step: a batch of balloons drifts apart
/// together, and turning the batch with every gust would swing its outer members
/// hundreds of metres a second.
fn offset_path(base: &[(f64, [f64; 3])], off: [f64; 3], fixed: bool) -> Vec<(f64, [f64; 3])> {
    let mut out = Vec::with_capacity(base.len());
    let last = base.len().saturating_sub(1);
    for (k, p) in base.iter().enumerate() {
        let (from, to) = if fixed {
            (0, last)
        } else if k < last {
            (k, k + 1)
        } else {
            (k.saturating_sub(1), k)
        };
        let (dx, dy) = (
            base[to].1[0] - base[from].1[0],
            base[to].1[1] - base[from].1[1],
        );
        let n = dx.hypot(dy);
        let (ax, ay) = if n > 1e-9 {
            (dx / n, dy / n)
        } else {
            (0.0, 1.0)
        };
        // across = along rotated clockwise
        let (cx, cy) = (ay, -ax);
        out.push((
            p.0,
            [
                p.1[0] + off[0] * cx + off[1] * ax,
                p.1[1] + off[0] * cy + off[1] * ay,
                (p.1[2] + off[2]).max(2.0),
            ],
        ));
    }
    out
}

fn build_path(
    s: &Scenario,
    spec: &TargetSpec,
    frame: &LocalFrame,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<(f64, [f64; 3])>, SimulationError> {
    let d = defaults(spec.kind);
    let speed = spec.speed_mps.unwrap_or(d.speed_mps);
    let alt = spec.alt_m.unwrap_or(d.alt_m);
    let site_alt = s.site.alt_m;
    let end_t = spec
        .lifetime_s
        .map_or(s.duration_s, |l| (spec.start_s + l).min(s.duration_s));
    let t0 = spec.start_s;
    let wind = s.weather.wind_en_mps();
    let mut path: Vec<(f64, [f64; 3])> = Vec::new();
    let p = |ll: [f64; 2]| to_enu(frame, ll, alt, site_alt);
    // Birds fly at their airspeed plus the wind, with a wandering heading.
    let drifted = matches!(spec.kind, TargetKind::Bird | TargetKind::Balloon);
    let along =
        |path: &mut Vec<(f64, [f64; 3])>, pts: &[[f64; 3]], hover_s: f64, rng: &mut ChaCha8Rng| {
            let mut t = t0;
            let mut cur = pts[0];
            path.push((t, cur));
            let wander = Normal::<f64>::new(0.0, 0.05).ok();
            for target in &pts[1..] {
                loop {
                    if t >= end_t {
                        return;
                    }
                    let (dx, dy, dz) = (target[0] - cur[0], target[1] - cur[1], target[2] - cur[2]);
                    let dist = (dx * dx + dy * dy + dz * dz).sqrt();
                    let step = speed * PATH_STEP_S;
                    if dist <= step {
                        cur = *target;
                        t += dist / speed.max(1e-6);
                        path.push((t, cur));
                        break;
                    }
                    let mut vx = dx / dist * speed;
                    let mut vy = dy / dist * speed;
                    if spec.kind == TargetKind::Bird {
                        let a: f64 = wander.map_or(0.0, |w| w.sample(rng));
                        let (c, sn) = (a.cos(), a.sin());
                        (vx, vy) = (vx * c - vy * sn, vx * sn + vy * c);
                    }
                    if drifted {
                        vx += wind[0];
                        vy += wind[1];
                    }
                    cur = [
                        cur[0] + vx * PATH_STEP_S,
                        cur[1] + vy * PATH_STEP_S,
                        cur[2] + dz / dist * speed * PATH_STEP_S,
                    ];
                    t += PATH_STEP_S;
                    path.push((t, cur));
                }
                if hover_s > 0.0 && t < end_t {
                    t += hover_s;
                    path.push((t.min(end_t), cur));
                }
            }
        };
    match spec.motion {
        MotionKind::Waypoints | MotionKind::StopAndGo => {
            let pts: Vec<[f64; 3]> = spec
                .waypoints
                .iter()
                .map(|w| p(*w))
                .collect::<Result<_, _>>()?;
            let hover = if spec.motion == MotionKind::StopAndGo {
                spec.hover_s.unwrap_or(20.0)
            } else {
                0.0
            };
            along(&mut path, &pts, hover, rng);
        }
        MotionKind::Crossing => {
            let (Some(f), Some(to)) = (spec.from, spec.to) else {
                return Err(SimulationError::Parameter(
                    "from",
                    format!("target `{}` needs from and to", spec.name),
                ));
            };
            let pts = [p(f)?, p(to)?];
            along(&mut path, &pts, 0.0, rng);
        }
        MotionKind::Orbit | MotionKind::Loiter => {
            let (Some(c), Some(r)) = (spec.center, spec.radius_m) else {
                return Err(SimulationError::Parameter(
                    "center",
                    format!("target `{}` needs center and radius_m", spec.name),
                ));
            };
            let c = p(c)?;
            let mut t = t0;
            if spec.motion == MotionKind::Orbit {
                let w = speed / r;
                let phase = rng.gen_range(0.0..std::f64::consts::TAU);
                while t <= end_t {
                    let a = phase + w * (t - t0);
                    path.push((t, [c[0] + r * a.sin(), c[1] + r * a.cos(), c[2]]));
                    t += PATH_STEP_S;
                }
            } else {
                // Loiter: random points in the disc, visited in turn, until the end.
                let mut pts = vec![[c[0], c[1], c[2]]];
                let legs = ((end_t - t0) * speed / r.max(1.0)).ceil() as usize + 2;
                for _ in 0..legs.min(100_000) {
                    let rr = r * rng.gen::<f64>().sqrt();
                    let a = rng.gen_range(0.0..std::f64::consts::TAU);
                    pts.push([c[0] + rr * a.sin(), c[1] + rr * a.cos(), c[2]]);
                }
                along(&mut path, &pts, 0.0, rng);
            }
        }
        MotionKind::Recorded => {
            let pts = &spec.recorded_points;
            let Some(first) = pts.first() else {
                return Err(SimulationError::Parameter(
                    "recording",
                    format!("target `{}` has no recorded points", spec.name),
                ));
            };
            let at = |p: &[f64; 4]| -> Result<[f64; 3], SimulationError> {
                let lla = Lla::try_from_degrees(p[1], p[2], p[3])
                    .map_err(|e| SimulationError::Parameter("recording", e.to_string()))?;
                let v = frame.lla_to_enu(lla).0;
                Ok([v.x, v.y, v.z])
            };
            // Moved so it starts at `from` (and `alt_m` when given): each point's offset
            // from the first, east-north-up in the recording's own frame, is laid out
            // east-north-up from the new start, so the shape is kept wherever it goes.
            let place: Option<(LocalFrame, geodesy::FrameTransform)> = match spec.from {
                Some(f) => {
                    let rec0 = Lla::try_from_degrees(first[1], first[2], first[3])
                        .map_err(|e| SimulationError::Parameter("recording", e.to_string()))?;
                    let start = Lla::try_from_degrees(
                        f[0],
                        f[1],
                        site_alt + spec.alt_m.unwrap_or(first[3] - site_alt),
                    )
                    .map_err(|e| SimulationError::Parameter("from", e.to_string()))?;
                    Some((
                        LocalFrame::new(rec0),
                        frame.transform_from(&LocalFrame::new(start)),
                    ))
                }
                None => None,
            };
            for p in pts {
                let t = t0 + (p[0] - first[0]);
                if t > end_t {
                    break;
                }
                let v = match &place {
                    Some((rec_frame, to_site)) => {
                        let lla = Lla::try_from_degrees(p[1], p[2], p[3])
                            .map_err(|e| SimulationError::Parameter("recording", e.to_string()))?;
                        let w = to_site.point(&rec_frame.lla_to_enu(lla).0);
                        [w.x, w.y, w.z]
                    }
                    None => at(p)?,
                };
                path.push((t, v));
            }
        }
        MotionKind::Drift => {
            let Some(f) = spec.from else {
                return Err(SimulationError::Parameter(
                    "from",
                    format!("target `{}` needs from", spec.name),
                ));
            };
            let mut cur = p(f)?;
            let gust = Normal::new(0.0, 0.3 + 0.1 * s.weather.wind_speed_mps).ok();
            let mut t = t0;
            let (mut gx, mut gy) = (0.0, 0.0);
            while t <= end_t {
                path.push((t, cur));
                // Gusts as a slowly varying velocity on top of the mean wind.
                if let Some(g) = gust {
                    gx = 0.95 * gx + 0.05 * g.sample(rng) * 4.0;
                    gy = 0.95 * gy + 0.05 * g.sample(rng) * 4.0;
                }
                let base = if spec.kind == TargetKind::Balloon || spec.kind == TargetKind::Bird {
                    [wind[0], wind[1]]
                } else {
                    [0.0, 0.0]
                };
                cur = [
                    cur[0] + (base[0] + gx) * PATH_STEP_S,
                    cur[1] + (base[1] + gy) * PATH_STEP_S,
                    cur[2],
                ];
                t += PATH_STEP_S;
            }
        }
    }
    if path.len() < 2 {
        return Err(SimulationError::Parameter(
            "target",
            format!(
                "target `{}` never flies inside the run (check start_s and duration_s)",
                spec.name
            ),
        ));
    }
    Ok(path)
}
