//! Real motion through a simulated radar: aircraft, glider and UAV trajectories recorded
//! by others (../shared/realdata) are observed by a seeded 3D radar (polar plots with
//! noise, detection probability, clutter and a radar cross-section), tracked, and
//! scored: position error of tracks against the plots', how many track ids each
//! aircraft gets, and the class each track carries. The classifier is not fitted on
//! these files: they are a check.
use crate::shared_dir;
use anyhow::{Context, Result};
use geodesy::{Lla, LocalFrame};
use model::{Detection, Measurement, Sensor, SensorIndex, SensorKind, SensorTable, TrackReport};
use rand::{Rng, SeedableRng};
use rand_distr::Distribution;
use simulator::radar::{Radar, RadarParams};
use simulator::sensors::{micro_doppler_hint, MicroDoppler};
use std::collections::{BTreeMap, BTreeSet};
use tracker::{Tracker, TrackerConfig};

#[derive(clap::Args)]
pub struct Args {
    /// Radar scan period, seconds.
    #[arg(long, default_value_t = 5.0)]
    scan_s: f64,
    /// Seed of the radar's noise, detection and clutter.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Tracker configuration (TOML) instead of the defaults; the radar-derived values
    /// (clutter density, traffic, top speed, coasting) are set over it.
    #[arg(long)]
    config: Option<std::path::PathBuf>,
}

struct Point {
    t: f64,
    lla: Lla,
}

/// Trajectories split into continuous segments (no gap over `max_gap_s`).
fn load(path: &std::path::Path, max_gap_s: f64) -> Result<Vec<(String, Vec<Point>)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let recordings =
        formats::parse_recordings(&text).with_context(|| format!("in {}", path.display()))?;
    let mut by_id: BTreeMap<String, Vec<Point>> = BTreeMap::new();
    for (id, pts) in recordings {
        let points = pts
            .iter()
            .filter_map(|p| {
                Lla::try_from_degrees(p[1], p[2], p[3])
                    .ok()
                    .map(|lla| Point { t: p[0], lla })
            })
            .collect();
        by_id.insert(id, points);
    }
    let mut segs = Vec::new();
    for (id, mut pts) in by_id {
        pts.sort_by(|a, b| a.t.total_cmp(&b.t));
        let mut cur: Vec<Point> = Vec::new();
        for p in pts {
            if cur
                .last()
                .is_some_and(|l| p.t - l.t > max_gap_s || p.t <= l.t)
            {
                if cur.len() >= 6 {
                    segs.push((id.clone(), std::mem::take(&mut cur)));
                } else {
                    cur.clear();
                }
            }
            cur.push(p);
        }
        if cur.len() >= 6 {
            segs.push((id, cur));
        }
    }
    Ok(segs)
}

// Like a surveillance radar's moving-target filter, the simulated radar does not see
// objects slower than this over the ground (gliders parked at the airfield).
const MIN_GROUND_SPEED_MPS: f64 = 3.0;

/// Objects closer than this (3D) are not reliably told apart by the simulated radar
/// (cross-range sigma 70-280 m at 20-80 km), so runs that came this close are reported
/// separately.
const APART_M: f64 = 500.0;

/// Position of a segment at `t` by linear interpolation in the site frame, if the
/// object is moving.
fn at(
    seg: &[Point],
    t: f64,
    frame: &LocalFrame,
    min_speed_mps: f64,
) -> Option<nalgebra::Vector3<f64>> {
    let k = seg.partition_point(|p| p.t <= t);
    if k == 0 || k >= seg.len() {
        return None;
    }
    let (a, b) = (&seg[k - 1], &seg[k]);
    let w = (t - a.t) / (b.t - a.t);
    let pa = frame.lla_to_enu(a.lla).0;
    let pb = frame.lla_to_enu(b.lla).0;
    let d = pb - pa;
    if (d.x * d.x + d.y * d.y).sqrt() / (b.t - a.t) < min_speed_mps {
        return None;
    }
    Some(pa + d * w)
}

struct Outcome {
    segments: usize,
    scans: usize,
    plots: usize,
    clutter: usize,
    plot_rms_m: f64,
    plot_rms_h_m: f64,
    track_rms_m: f64,
    track_rms_h_m: f64,
    one_id: usize,
    tracked_segments: usize,
    ids_total: usize,
    false_reports_per_scan: f64,
    coverage: f64,
}

/// What the simulated radar is set up to look at.
struct Setup<'a> {
    name: &'a str,
    radar_at: Lla,
    range_m: f64,
    vmax: f64,
    scan_s: f64,
    /// Objects slower than this over the ground are not seen (a surveillance radar's
    /// moving-target filter); 0 for a drone radar, which sees hovering rotors.
    min_speed_mps: f64,
    /// Group name of each recording id, for the class confusion.
    group: &'a dyn Fn(&str) -> String,
    /// A drone radar's micro-Doppler classifier hints at each plot's class.
    micro_doppler: bool,
}

/// A drone radar's SNR for a plot: 13 dB for 0.01 m^2 at 5 km (a Robin IRIS-class
/// radar's stated reach for small drones), with the radar equation's 1/R^4.
fn drone_radar_snr_db(rcs_m2: f64, range_m: f64) -> f64 {
    13.0 + 10.0 * (rcs_m2 / 0.01).log10() + 40.0 * (5000.0 / range_m.max(1.0)).log10()
}

/// Mean radar cross-section range (m^2) the simulated radar gives an object of a group,
/// from public figures (../shared/reference/threats-and-sensors.md): manned aircraft
/// about 1-100 m^2 (light aircraft and gliders at the low end); small UAVs -20 to -8
/// dBsm. Each object's mean is drawn log-uniformly in its range.
fn rcs_range_m2(group: &str) -> (f64, f64) {
    match group {
        "UAV" => (0.01, 0.16),
        "airliner or light aircraft" => (1.0, 100.0),
        _ => (0.5, 10.0),
    }
}

fn evaluate(segs: &[(String, Vec<Point>)], setup: &Setup, a: &Args) -> Result<Outcome> {
    let Setup {
        name,
        radar_at,
        range_m,
        vmax,
        ..
    } = *setup;
    let scan_s = setup.scan_s;
    let groups: Vec<String> = segs.iter().map(|s| (setup.group)(&s.0)).collect();
    // Each object's mean RCS, and the stream its Swerling I fluctuation draws from.
    let mut rcs_rng = rand_chacha::ChaCha8Rng::seed_from_u64(a.seed ^ 0x5EED_0FC1_A551_F1E5);
    let rcs_mean_m2: Vec<f64> = groups
        .iter()
        .map(|g| {
            let (lo, hi) = rcs_range_m2(g);
            (lo.ln() + rcs_rng.gen::<f64>() * (hi.ln() - lo.ln())).exp()
        })
        .collect();
    let mut class_steps: BTreeMap<(String, String), usize> = BTreeMap::new();
    let frame = LocalFrame::new(radar_at);
    let radar_params = RadarParams {
        position: radar_at,
        max_range_m: range_m,
        sigma_range_m: 50.0,
        sigma_azimuth_rad: 0.2f64.to_radians(),
        sigma_elevation_rad: 0.2f64.to_radians(),
        pd: 0.9,
        clutter_per_scan: 20.0,
        min_elevation_rad: (-1f64).to_radians(),
    };
    let mut radar = Radar::new(radar_params.clone(), a.seed)?;
    let mut sensors = SensorTable::new();
    sensors.insert(Sensor {
        name: "radar".into(),
        kind: SensorKind::Radar,
        position: Some(radar_at),
        sigma_m: None,
        sigma_range_m: Some(radar_params.sigma_range_m),
        sigma_azimuth_rad: Some(radar_params.sigma_azimuth_rad),
        sigma_elevation_rad: Some(radar_params.sigma_elevation_rad),
        pd: Some(radar_params.pd),
        max_range_m: Some(range_m),
        sac_sic: None,
    });
    let mut cfg = match &a.config {
        Some(path) => toml::from_str(
            &std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?,
        )?,
        None => TrackerConfig::default(),
    };
    cfg.initiation.max_speed_mps = vmax;
    cfg.initiation.window_s = 2.5 * scan_s;
    // A slow-scanning radar gives few motion samples: judge motion over a dozen scans.
    cfg.classification.window_s = (12.0 * scan_s).max(20.0);
    cfg.classification.sample_interval_s = cfg.classification.sample_interval_s.max(scan_s);
    cfg.management.clutter_density_per_m2 =
        radar_params.clutter_per_scan / (std::f64::consts::PI * range_m * range_m);
    cfg.management.max_coast_s = 6.0 * scan_s;
    // A deployment knows its traffic roughly: new objects per scan over the coverage.
    let span_s = segs
        .iter()
        .map(|s| s.1[s.1.len() - 1].t)
        .fold(f64::NEG_INFINITY, f64::max)
        - segs.iter().map(|s| s.1[0].t).fold(f64::INFINITY, f64::min);
    cfg.management.new_target_density_per_m2 = (segs.len() as f64 / (span_s / scan_s).max(1.0))
        / (std::f64::consts::PI * range_m * range_m);
    // ...and how long an object typically stays: the mean length of a flight segment
    // (the default, two minutes, suits drones; an aircraft stays for a quarter hour).
    cfg.management.mean_target_life_s = segs
        .iter()
        .map(|s| s.1[s.1.len() - 1].t - s.1[0].t)
        .sum::<f64>()
        / segs.len().max(1) as f64;
    cfg.timing.reorder_window_s = 0.0;
    let mut tracker = Tracker::new(cfg.clone(), Some(radar_at), &sensors)?;
    let t0 = segs.iter().map(|s| s.1[0].t).fold(f64::INFINITY, f64::min);
    let t1 = segs
        .iter()
        .map(|s| s.1[s.1.len() - 1].t)
        .fold(f64::NEG_INFINITY, f64::max);
    let n_scans = ((t1 - t0) / scan_s).floor() as usize;
    let to_site = frame.transform_from(&LocalFrame::new(radar_at));
    let mut plot_e2 = (0.0, 0.0, 0usize);
    let mut track_e2 = (0.0, 0.0, 0usize);
    // Track ids per visible run: a run ends when its object has been invisible (out of
    // coverage, or too slow for the radar) for longer than a track may coast.
    let mut ids: Vec<BTreeSet<u64>> = Vec::new();
    // Per run and track id: first and last time matched.
    let mut spans: Vec<BTreeMap<u64, (f64, f64)>> = Vec::new();
    let mut run_of: Vec<(usize, f64)> = vec![(usize::MAX, f64::NEG_INFINITY); segs.len()];
    // Per run: the closest any other moving object came (3D), metres.
    let mut closest_m: Vec<f64> = Vec::new();
    // Per run: its group, and the classes its tracks carried (steps).
    let mut run_group: Vec<String> = Vec::new();
    let mut run_classes: Vec<BTreeMap<&'static str, usize>> = Vec::new();
    let max_coast_s = cfg.management.max_coast_s;
    let (mut plots, mut clutter, mut false_reports, mut present_total, mut matched_total) =
        (0, 0, 0usize, 0usize, 0usize);
    let mut solver = assignment::Solver::new();
    // A track counts as on a target within three cross-range plot sigmas at the
    // radar's full range (at least 1 km).
    let gate_m = (3.0 * range_m * radar_params.sigma_azimuth_rad).max(1000.0);
    let pb = indicatif::ProgressBar::new(n_scans as u64);
    for k in 0..n_scans {
        pb.inc(1);
        let t = t0 + k as f64 * scan_s;
        // Targets present now, in the site frame and geodetic for the radar.
        let present: Vec<(usize, nalgebra::Vector3<f64>)> = segs
            .iter()
            .enumerate()
            .filter_map(|(i, s)| at(&s.1, t, &frame, setup.min_speed_mps).map(|p| (i, p)))
            .collect();
        let llas: Vec<Lla> = present
            .iter()
            .map(|(_, p)| frame.enu_to_lla(geodesy::Enu(*p)))
            .collect();
        let scan = radar.scan(t, &llas);
        let mut reports: Vec<TrackReport> = Vec::new();
        let mut emit = |_t: f64, r: &[TrackReport]| reports = r.to_vec();
        for p in &scan {
            // Swerling I about the object's mean, 1 dB of measurement noise; clutter
            // spread over -35 to -15 dBsm.
            let (rcs_dbsm, hint) = match p.truth {
                Some(j) => {
                    let fluct: f64 = rand_distr::Exp1.sample(&mut rcs_rng);
                    let noise: f64 = rand_distr::StandardNormal.sample(&mut rcs_rng);
                    let rcs = rcs_mean_m2[present[j].0] * fluct;
                    let hint = if setup.micro_doppler {
                        let signature = if groups[present[j].0] == "UAV" {
                            MicroDoppler::Rotor
                        } else {
                            MicroDoppler::Aircraft
                        };
                        micro_doppler_hint(
                            &mut rcs_rng,
                            signature,
                            drone_radar_snr_db(rcs, p.range_m),
                        )
                    } else {
                        None
                    };
                    (10.0 * rcs.max(1e-9).log10() + noise, hint)
                }
                // Clutter has no moving parts, so no micro-Doppler signature.
                None => (rcs_rng.gen_range(-35.0..-15.0), None),
            };
            match p.truth {
                Some(j) => {
                    plots += 1;
                    let e = to_site.point(&geodesy::rae_to_enu(
                        p.range_m,
                        p.azimuth_rad,
                        p.elevation_rad,
                    )) - present[j].1;
                    plot_e2.0 += e.norm_squared();
                    plot_e2.1 += e.x * e.x + e.y * e.y;
                    plot_e2.2 += 1;
                }
                None => clutter += 1,
            }
            let det = Detection {
                time_s: t,
                sensor: SensorIndex(0),
                measurement: Measurement::Polar {
                    range_m: p.range_m,
                    azimuth_rad: p.azimuth_rad,
                    elevation_rad: Some(p.elevation_rad),
                    sigma_range_m: radar_params.sigma_range_m,
                    sigma_azimuth_rad: radar_params.sigma_azimuth_rad,
                    sigma_elevation_rad: Some(radar_params.sigma_elevation_rad),
                },
                attributes: Some(Box::new(model::Attributes {
                    rcs_dbsm: Some((rcs_dbsm * 100.0).round() / 100.0),
                    class_hint: hint.map(str::to_string),
                    ..Default::default()
                })),
            };
            let _ = tracker.push(det, &mut emit);
        }
        tracker.finish(&mut emit);
        // Match tracks to truths within the gate by optimal assignment.
        let in_cov: Vec<usize> = (0..present.len())
            .filter(|&j| {
                let (r, _, e) = geodesy::enu_to_rae(&(present[j].1));
                r <= range_m && e >= radar_params.min_elevation_rad
            })
            .collect();
        present_total += in_cov.len();
        for &j in &in_cov {
            let s = present[j].0;
            if t - run_of[s].1 > max_coast_s {
                run_of[s].0 = ids.len();
                run_group.push(groups[s].clone());
                run_classes.push(BTreeMap::new());
                ids.push(BTreeSet::new());
                spans.push(BTreeMap::new());
                closest_m.push(f64::INFINITY);
            }
            run_of[s].1 = t;
            let run = run_of[s].0;
            for (k, other) in present.iter().enumerate() {
                if k != j {
                    closest_m[run] = closest_m[run].min((other.1 - present[j].1).norm());
                }
            }
        }
        let (n, m) = (in_cov.len(), reports.len());
        let mut cost = vec![f64::INFINITY; n * (m + n)];
        for (ii, &j) in in_cov.iter().enumerate() {
            for (r, rep) in reports.iter().enumerate() {
                let d = (nalgebra::Vector3::from(rep.position_m) - present[j].1).norm();
                if d < gate_m {
                    cost[ii * (m + n) + r] = d;
                }
            }
            cost[ii * (m + n) + m + ii] = gate_m;
        }
        let (assign, _) = solver.solve(&cost, n, m + n)?;
        let mut used = vec![false; m];
        for (ii, c) in assign.iter().enumerate() {
            if let Some(r) = *c {
                if r < m {
                    used[r] = true;
                    matched_total += 1;
                    let j = in_cov[ii];
                    let e = nalgebra::Vector3::from(reports[r].position_m) - present[j].1;
                    track_e2.0 += e.norm_squared();
                    track_e2.1 += e.x * e.x + e.y * e.y;
                    track_e2.2 += 1;
                    let run = run_of[present[j].0].0;
                    *class_steps
                        .entry((
                            groups[present[j].0].clone(),
                            reports[r].classification.class.as_str().to_string(),
                        ))
                        .or_default() += 1;
                    *run_classes[run]
                        .entry(reports[r].classification.class.as_str())
                        .or_default() += 1;
                    ids[run].insert(reports[r].track);
                    let span = spans[run].entry(reports[r].track).or_insert((t, t));
                    span.1 = t;
                }
            }
        }
        false_reports += used.iter().filter(|u| !**u).count();
    }
    pb.finish_and_clear();
    let tracked: Vec<&BTreeSet<u64>> = ids.iter().filter(|s| !s.is_empty()).collect();
    // A run with several ids either had its track end and a new one start (a break), or
    // had ids overlap in time: the track swapped with a nearby object's.
    let (mut breaks, mut swaps) = (0, 0);
    // The farthest any swapped run stayed from other objects at its closest.
    let mut swapped_closest_max_m: f64 = 0.0;
    // Runs that stayed apart from every other object: there a swap is the tracker's
    // fault, not the radar's resolution.
    let apart: Vec<usize> = (0..ids.len())
        .filter(|&r| !ids[r].is_empty() && closest_m[r] > APART_M)
        .collect();
    let apart_one_id = apart.iter().filter(|&&r| ids[r].len() == 1).count();
    let swaps_close = spans
        .iter()
        .enumerate()
        .filter(|(r, sp)| {
            let mut iv: Vec<(f64, f64)> = sp.values().copied().collect();
            iv.sort_by(|a, b| a.0.total_cmp(&b.0));
            closest_m[*r] <= APART_M && iv.windows(2).any(|w| w[1].0 < w[0].1)
        })
        .count();
    for (r, sp) in spans.iter().enumerate().filter(|(_, s)| s.len() > 1) {
        let mut iv: Vec<(f64, f64)> = sp.values().copied().collect();
        iv.sort_by(|a, b| a.0.total_cmp(&b.0));
        if iv.windows(2).any(|w| w[1].0 < w[0].1) {
            swaps += 1;
            swapped_closest_max_m = swapped_closest_max_m.max(closest_m[r]);
        } else {
            breaks += 1;
        }
    }
    let out = Outcome {
        segments: segs.len(),
        scans: n_scans,
        plots,
        clutter,
        plot_rms_m: (plot_e2.0 / plot_e2.2.max(1) as f64).sqrt(),
        plot_rms_h_m: (plot_e2.1 / plot_e2.2.max(1) as f64).sqrt(),
        track_rms_m: (track_e2.0 / track_e2.2.max(1) as f64).sqrt(),
        track_rms_h_m: (track_e2.1 / track_e2.2.max(1) as f64).sqrt(),
        one_id: tracked.iter().filter(|s| s.len() == 1).count(),
        tracked_segments: tracked.len(),
        ids_total: tracked.iter().map(|s| s.len()).sum(),
        false_reports_per_scan: false_reports as f64 / n_scans.max(1) as f64,
        coverage: matched_total as f64 / present_total.max(1) as f64,
    };
    println!("\n## {name}");
    println!("| quantity | value |\n|---|---|");
    println!("| flight segments (no gap over 60 s) | {} |", out.segments);
    println!("| radar scans ({} s) | {} |", scan_s, out.scans);
    println!(
        "| target plots / clutter plots | {} / {} |",
        out.plots, out.clutter
    );
    println!(
        "| plot RMS error, 3D / horizontal | {:.0} m / {:.0} m |",
        out.plot_rms_m, out.plot_rms_h_m
    );
    println!(
        "| track RMS error, 3D / horizontal | {:.0} m / {:.0} m |",
        out.track_rms_m, out.track_rms_h_m
    );
    println!(
        "| truth-scans in coverage with a track within {:.1} km | {:.1}% |",
        gate_m / 1000.0,
        100.0 * out.coverage
    );
    println!(
        "| tracked visible runs with exactly one track id | {} of {} ({:.1}%); {:.2} ids per run |",
        out.one_id,
        out.tracked_segments,
        100.0 * out.one_id as f64 / out.tracked_segments.max(1) as f64,
        out.ids_total as f64 / out.tracked_segments.max(1) as f64
    );
    println!("| runs with more than one id: track ended and restarted / swapped with a nearby object | {breaks} / {swaps} |");
    println!(
        "| swaps in runs that came within {APART_M:.0} m of another object | {swaps_close} of {swaps} |"
    );
    if swaps > 0 {
        println!(
            "| closest approach to another object in the swapped run, at most | {swapped_closest_max_m:.0} m |"
        );
    }
    println!(
        "| tracked runs never within {APART_M:.0} m of another object: exactly one track id | {} of {} ({:.1}%) |",
        apart_one_id,
        apart.len(),
        100.0 * apart_one_id as f64 / apart.len().max(1) as f64
    );
    println!(
        "| track reports matching no moving object (includes tracks coasting after a recording ends) per scan | {:.3} |",
        out.false_reports_per_scan
    );
    let s = tracker.stats();
    println!(
        "| tracks confirmed / deleted | {} / {} |",
        s.tracks_confirmed, s.tracks_deleted
    );
    let classes: Vec<&str> = model::Class::ALL.iter().map(|c| c.as_str()).collect();
    let group_names: BTreeSet<&String> = groups.iter().collect();
    println!("\nClass of the matched track at each scan (track-scans; rows: what the object is, columns: the class skyfence gave)\n");
    println!("| object \\ class | {} |", classes.join(" | "));
    println!("|---|{}", "---|".repeat(classes.len()));
    for g in &group_names {
        let cells: Vec<String> = classes
            .iter()
            .map(|c| {
                class_steps
                    .get(&((*g).clone(), c.to_string()))
                    .map_or("·".into(), |n| n.to_string())
            })
            .collect();
        println!("| {g} | {} |", cells.join(" | "));
    }
    println!("\nClass held longest in each tracked visible run (runs)\n");
    println!("| object \\ class | {} |", classes.join(" | "));
    println!("|---|{}", "---|".repeat(classes.len()));
    for g in &group_names {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (r, rc) in run_classes.iter().enumerate() {
            if &&run_group[r] != g {
                continue;
            }
            if let Some((c, _)) = rc.iter().max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0))) {
                *counts.entry(c).or_default() += 1;
            }
        }
        let cells: Vec<String> = classes
            .iter()
            .map(|c| counts.get(c).map_or("·".into(), |n| n.to_string()))
            .collect();
        println!("| {g} | {} |", cells.join(" | "));
    }
    Ok(out)
}

/// Group of each recording id: the FLARM file names the aircraft type.
fn flarm_groups(path: &std::path::Path) -> Result<BTreeMap<String, String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        if let (Some(id), Some(sub)) = (v["id"].as_str(), v["extra"]["subtype"].as_str()) {
            let g = match sub {
                "Glider" => "glider",
                _ => "tow plane or other powered aircraft",
            };
            out.entry(id.to_string()).or_insert_with(|| g.to_string());
        }
    }
    Ok(out)
}

pub fn run(a: Args) -> Result<()> {
    let shared = shared_dir()?;
    println!(
        "Real trajectories through a simulated 3D radar (sigma 50 m, 0.2 deg, 0.2 deg; pd 0.9; 20 clutter plots per scan; RCS by kind of object, Swerling I; seed {}). Surveillance radars do not see objects slower than {MIN_GROUND_SPEED_MPS} m/s over the ground; the drone radar does.",
        a.seed
    );
    let airliners = load(
        &shared.join("realdata/tracks_stonesoup_opensky_states.jsonl"),
        60.0,
    )?;
    evaluate(
        &airliners,
        &Setup {
            name: "OpenSky airliners and light aircraft, southern England (radar at 52.25 N, 1.7 W, 250 km)",
            radar_at: Lla::try_from_degrees(52.25, -1.7, 150.0)?,
            range_m: 250_000.0,
            vmax: 350.0,
            scan_s: a.scan_s,
            min_speed_mps: MIN_GROUND_SPEED_MPS,
            group: &|_| "airliner or light aircraft".to_string(),
            micro_doppler: false,
        },
        &a,
    )?;
    let flarm = shared.join("realdata/tracks_flarm_rs1090.jsonl");
    let gliders = load(&flarm, 60.0)?;
    let kinds = flarm_groups(&flarm)?;
    evaluate(
        &gliders,
        &Setup {
            name:
                "FLARM gliders and tow planes, Salon-de-Provence (radar at 43.76 N, 5.23 E, 80 km)",
            radar_at: Lla::try_from_degrees(43.76, 5.23, 200.0)?,
            range_m: 80_000.0,
            vmax: 120.0,
            scan_s: a.scan_s,
            min_speed_mps: MIN_GROUND_SPEED_MPS,
            group: &|id| {
                kinds
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| "tow plane or other powered aircraft".into())
            },
            micro_doppler: false,
        },
        &a,
    )?;
    // The UAV log's absolute position was shifted by its publisher; only its motion
    // counts. A drone radar (1 s scans, 10 km) stands 2 km south of where it took off,
    // at the height of its lowest point (the ground it took off from).
    let uav = load(
        &shared.join("realdata/tracks_stonesoup_uav_rot.jsonl"),
        60.0,
    )?;
    let (lat0, lon0, ground) = uav
        .first()
        .and_then(|s| s.1.first().map(|p| (p.lla.lat_deg(), p.lla.lon_deg(), s)))
        .map(|(lat, lon, s)| {
            let g =
                s.1.iter()
                    .map(|p| p.lla.alt_m)
                    .fold(f64::INFINITY, f64::min);
            (lat, lon, g)
        })
        .context("the UAV recording is empty")?;
    // Seen first by a plain 3D radar (positions and RCS only), then by a drone radar
    // whose micro-Doppler classifier hints at each plot's class, as drone radars do.
    for (name, micro_doppler) in [
        (
            "Stone Soup UAV log, plain 3D radar 2 km south of take-off (10 km, 1 s scans)",
            false,
        ),
        (
            "Stone Soup UAV log, micro-Doppler drone radar 2 km south of take-off (10 km, 1 s scans)",
            true,
        ),
    ] {
        evaluate(
            &uav,
            &Setup {
                name,
                radar_at: Lla::try_from_degrees(lat0 - 0.018, lon0, ground)?,
                range_m: 10_000.0,
                vmax: 45.0,
                scan_s: 1.0,
                min_speed_mps: 0.0,
                group: &|_| "UAV".to_string(),
                micro_doppler,
            },
            &a,
        )?;
    }
    Ok(())
}
