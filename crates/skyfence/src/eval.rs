//! `skyfence eval`: scores tracks (skyfence's or any tracker's) against truth.
use anyhow::{bail, Context, Result};
use clap::Args;
use evaluation::{
    evaluate_run, score_alerts, score_classes, tracked_warnings, Alert, AlertReport, Border,
    ClassScores, GospaParams, RunParams, RunReport, TrackSample, TruthSample,
};
use formats::{Position, TrackRecord, TruthRecord};
use geodesy::{Lla, LocalFrame};
use std::{collections::BTreeMap, path::PathBuf};

#[derive(Args)]
pub struct EvalArgs {
    /// Truth, JSON Lines: `time_s`, `target`, and `x_m`/`y_m` or `lat_deg`/`lon_deg`.
    #[arg(long)]
    truth: PathBuf,
    /// Tracks, JSON Lines: `time_s`, `track`, and `x_m`/`y_m` or `lat_deg`/`lon_deg`.
    #[arg(long)]
    tracks: PathBuf,
    /// Alerts, JSON Lines: `time_s` and `track`.
    #[arg(long)]
    alerts: Option<PathBuf>,
    /// The scenario the truth came from (for the border and the site origin).
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Origin for geodetic positions as LAT,LON,ALT_M (default: the scenario's site,
    /// else the first geodetic truth point).
    #[arg(long, value_parser = crate::track::parse_origin, allow_hyphen_values = true)]
    origin: Option<Lla>,
    /// GOSPA and OSPA cut-off distance, metres.
    #[arg(long, default_value_t = 100.0)]
    c: f64,
    /// GOSPA and OSPA order.
    #[arg(long, default_value_t = 2.0)]
    p: f64,
    /// GOSPA alpha, in (0, 2]; the missed/false decomposition is that of alpha = 2.
    #[arg(long, default_value_t = 2.0)]
    alpha: f64,
    /// Score positions in 3D (default: east and north only).
    #[arg(long = "3d")]
    three_d: bool,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Write a plot (SVG): truth and tracks on a map, and GOSPA over time.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// A drone track counts as recognised when it is called a drone within this many
    /// seconds of its first step on the drone.
    #[arg(long, default_value_t = 10.0)]
    class_window_s: f64,
}

fn read_lines<T>(
    path: &PathBuf,
    what: &str,
    parse: impl Fn(&str, u64) -> Result<Option<T>, formats::ParseError>,
) -> Result<Vec<T>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading {what} {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(r) =
            parse(line, i as u64 + 1).with_context(|| format!("in {what} {}", path.display()))?
        {
            out.push(r);
        }
    }
    Ok(out)
}

/// Positions of both files in one local frame: the local coordinates when every line
/// of both files has them (they must then share an origin, as a simulation's truth and
/// `skyfence track`'s output with its sensors file do), else geodetic positions
/// converted about the origin.
struct Framer {
    /// The origin's frame, when there is an origin (also used to place the border).
    frame: Option<LocalFrame>,
    use_local: bool,
}

impl Framer {
    fn new(truth: &[TruthRecord], tracks: &[TrackRecord], origin: Option<Lla>) -> Result<Self> {
        let use_local = truth.iter().all(|r| r.position.local_m.is_some())
            && tracks.iter().all(|r| r.position.local_m.is_some());
        let origin = match origin {
            Some(o) => Some(o),
            None => match truth.iter().find_map(|r| r.position.geodetic) {
                Some(g) => Some(Lla::try_from_degrees(g[0], g[1], g[2])?),
                None if use_local => None,
                None => bail!("truth and tracks do not all have x_m/y_m, and there is no geodetic truth point to take an origin from; give --origin"),
            },
        };
        Ok(Self {
            frame: origin.map(LocalFrame::new),
            use_local,
        })
    }

    fn place(&self, p: &Position, what: &str, time_s: f64) -> Result<[f64; 3]> {
        if self.use_local {
            if let Some(l) = p.local_m {
                return Ok(l);
            }
        }
        match (&self.frame, p.geodetic) {
            (Some(f), Some(g)) => {
                let lla = Lla::try_from_degrees(g[0], g[1], g[2])
                    .with_context(|| format!("a {what} line at time {time_s}"))?;
                let e = f.lla_to_enu(lla).0;
                Ok([e.x, e.y, e.z])
            }
            _ => bail!("a {what} line at time {time_s} has no position usable in the common frame (x_m/y_m in both files, or lat_deg/lon_deg with an origin)"),
        }
    }
}

pub fn run(a: EvalArgs) -> Result<()> {
    let truth_rec = read_lines(&a.truth, "truth", formats::parse_truth_line)?;
    let track_rec = read_lines(&a.tracks, "tracks", formats::parse_track_line)?;
    let scenario = match &a.scenario {
        Some(p) => Some(crate::sim::load_scenario(p)?),
        None => None,
    };
    let origin = a
        .origin
        .or(scenario.as_ref().map(|s| s.site.lla()).transpose()?);
    let framer = Framer::new(&truth_rec, &track_rec, origin)?;

    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut classes: Vec<Option<String>> = Vec::new();
    let mut threat: Vec<bool> = Vec::new();
    let mut truth = Vec::with_capacity(truth_rec.len());
    for r in &truth_rec {
        let idx = *names.entry(r.target.clone()).or_insert_with(|| {
            order.push(r.target.clone());
            classes.push(None);
            threat.push(false);
            order.len() - 1
        });
        if r.class.is_some() {
            classes[idx] = r.class.clone();
        }
        if let Some(t) = r.threat {
            threat[idx] = t;
        }
        truth.push(TruthSample {
            time_s: r.time_s,
            target: idx,
            position_m: framer.place(&r.position, "truth", r.time_s)?,
            seen: r.seen,
            detectable_revisit_s: r.detectable_revisit_s,
        });
    }
    let mut tracks = Vec::with_capacity(track_rec.len());
    for r in &track_rec {
        tracks.push(TrackSample {
            time_s: r.time_s,
            track: r.track,
            position_m: framer.place(&r.position, "track", r.time_s)?,
            class: r.class.clone(),
        });
    }
    let params = RunParams {
        metric: GospaParams { c: a.c, p: a.p },
        alpha: a.alpha,
        three_d: a.three_d,
    };
    let report = evaluate_run(&truth, &tracks, params).context("scoring")?;

    // With a scenario's border: its crossings, and the warning tracks gave before each.
    let border = match (&scenario, &framer.frame) {
        (Some(s), Some(frame)) => Some(border_in(s, frame)?),
        _ => None,
    };
    let crossings = border
        .as_ref()
        .map_or_else(Vec::new, |b| b.crossings(&truth));
    let tracked = border
        .is_some()
        .then(|| tracked_warnings(&report, &crossings));
    let alerts = match &a.alerts {
        Some(path) => {
            let recs = read_lines(path, "alerts", formats::parse_alert_line)?;
            // One alert per id, raised at its first line, with every track it
            // concerned over its life; lines without an id are alerts of their own.
            let mut alerts: Vec<Alert> = Vec::new();
            let mut by_id: std::collections::BTreeMap<u64, usize> = Default::default();
            for r in &recs {
                let slot = match r.alert {
                    Some(id) => *by_id.entry(id).or_insert_with(|| {
                        alerts.push(Alert {
                            time_s: r.time_s,
                            tracks: Vec::new(),
                        });
                        alerts.len() - 1
                    }),
                    None => {
                        alerts.push(Alert {
                            time_s: r.time_s,
                            tracks: Vec::new(),
                        });
                        alerts.len() - 1
                    }
                };
                let a = &mut alerts[slot];
                a.time_s = a.time_s.min(r.time_s);
                for t in &r.tracks {
                    if !a.tracks.contains(t) {
                        a.tracks.push(*t);
                    }
                }
            }
            let span = time_span(&truth);
            let length = border.as_ref().map_or(0.0, Border::length_m);
            Some((
                score_alerts(&alerts, &report, &crossings, &threat, span, length),
                alerts.len(),
                border.is_some(),
            ))
        }
        None => None,
    };

    if let Some(path) = &a.plot {
        crate::plot::write_eval_plot(path, &truth, &tracks, &report, &order)
            .with_context(|| format!("writing plot {}", path.display()))?;
    }
    let confusion = confusion(&report, &classes);
    let any_class = tracks.iter().any(|t| t.class.is_some());
    let class_scores = any_class.then(|| {
        score_classes(
            &report,
            |t| classes.get(t).cloned().flatten(),
            a.class_window_s,
        )
    });
    if a.json {
        let mut v = json_report(&a, &report, &order, &confusion, alerts.as_ref());
        if let Some(tr) = &tracked {
            v["tracked_crossings"] = tr
                .iter()
                .map(|(c, w)| serde_json::json!({"target": order.get(c.target), "class": classes.get(c.target), "time_s": c.time_s, "warning_s": w}))
                .collect();
        }
        if let Some(s) = &class_scores {
            v["classification"] = class_json(s);
        }
        outln!("{v}");
    } else {
        print_table(&a, &report, &order, alerts.as_ref());
        if let Some(tr) = &tracked {
            let n = tr.len();
            let seen: Vec<f64> = tr.iter().filter_map(|c| c.1).collect();
            outln!(
                "border crossings: {n}, tracked before the border: {} ({:.1}%), mean warning from tracks {:.1} s (0 for those not tracked)",
                seen.len(),
                100.0 * seen.len() as f64 / n.max(1) as f64,
                seen.iter().sum::<f64>() / n.max(1) as f64
            );
        }
        if let Some(s) = &class_scores {
            print_classes(s, &confusion);
        }
    }
    Ok(())
}

/// The scenario's border in the evaluation frame.
fn border_in(s: &simulator::Scenario, frame: &LocalFrame) -> Result<Border> {
    let mut points_m = Vec::new();
    for p in &s.border.points {
        let e = frame.lla_to_enu(Lla::try_from_degrees(p[0], p[1], 0.0)?).0;
        points_m.push([e.x, e.y]);
    }
    Ok(Border {
        points_m,
        ours_left: s.border.ours_left(),
    })
}

fn time_span(truth: &[TruthSample]) -> f64 {
    let lo = truth.iter().map(|s| s.time_s).fold(f64::INFINITY, f64::min);
    let hi = truth
        .iter()
        .map(|s| s.time_s)
        .fold(f64::NEG_INFINITY, f64::max);
    if hi > lo {
        hi - lo
    } else {
        0.0
    }
}

/// `(true class, track class) -> steps`, for targets whose truth names a class.
fn confusion(report: &RunReport, classes: &[Option<String>]) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for ((target, track_class), n) in &report.class_pairs {
        let truth_class = classes
            .get(*target)
            .cloned()
            .flatten()
            .unwrap_or_else(|| "unknown".into());
        *out.entry((truth_class, track_class.clone())).or_insert(0) += n;
    }
    out
}

/// Mean, smallest and largest of a list, if it has any.
fn spread(v: &[f64]) -> Option<(f64, f64, f64)> {
    (!v.is_empty()).then(|| {
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (mean, lo, hi)
    })
}

fn json_report(
    a: &EvalArgs,
    r: &RunReport,
    names: &[String],
    confusion: &BTreeMap<(String, String), usize>,
    alerts: Option<&(AlertReport, usize, bool)>,
) -> serde_json::Value {
    let ttt = spread(&r.times_to_track_s());
    let mut v = serde_json::json!({
        "parameters": {"c": a.c, "p": a.p, "alpha": a.alpha, "three_d": a.three_d},
        "steps": r.steps.len(),
        "gospa": r.mean_gospa,
        "gospa_localisation": r.mean_localisation_m,
        "gospa_missed_per_step": r.mean_missed,
        "gospa_false_per_step": r.mean_false,
        "ospa": r.mean_ospa,
        "targets": names.len(),
        "targets_tracked": r.targets_tracked(),
        "targets_with_one_track_id": r.targets_with_one_track_id(),
        "id_switches": r.id_switches(),
        "fragmentations": r.fragmentations(),
        "track_purity": r.track_purity,
        "time_to_track_s_mean": ttt.map(|s| s.0),
        "time_to_track_s_max": ttt.map(|s| s.2),
        "per_target": names.iter().zip(&r.targets).map(|(n, t)| serde_json::json!({
            "target": n,
            "first_seen_s": t.first_seen_s,
            "first_tracked_s": t.first_tracked_s,
            "tracked_share": t.tracked_steps as f64 / t.steps.max(1) as f64,
            "track_ids": t.track_ids,
            "id_switches": t.id_switches,
            "fragmentations": t.fragmentations,
        })).collect::<Vec<_>>(),
        "class_confusion": confusion.iter().map(|((t, k), n)| serde_json::json!({"truth": t, "track": k, "steps": n})).collect::<Vec<_>>(),
    });
    if let Some((ar, n, has_border)) = alerts {
        let warnings: Vec<f64> = ar.crossings.iter().filter_map(|c| c.1).collect();
        let warning = spread(&warnings);
        v["alerts"] = serde_json::json!({
            "alerts": n,
            "border_known": has_border,
            "crossings": ar.crossings.iter().map(|(c, w)| serde_json::json!({
                "target": names.get(c.target), "time_s": c.time_s, "warning_s": w,
                "possible_warning_s": c.possible_warning_s,
            })).collect::<Vec<_>>(),
            "warning_s_mean": warning.map(|s| s.0),
            "warning_s_min": warning.map(|s| s.1),
            "short_warnings": ar.short_warnings,
            "min_warning_share": ar.min_warning_share,
            "missed_crossings": ar.missed,
            "unseen_crossings": ar.unseen,
            "false_alerts": ar.false_alerts,
            "false_alerts_per_hour": ar.false_per_hour,
            "false_alerts_per_hour_per_100km": ar.false_per_hour_per_100km,
        });
    }
    v
}

fn print_table(
    a: &EvalArgs,
    r: &RunReport,
    names: &[String],
    alerts: Option<&(AlertReport, usize, bool)>,
) {
    outln!(
        "skyfence eval: {} steps, {} targets (c = {} m, p = {}, alpha = {}, {})",
        r.steps.len(),
        names.len(),
        a.c,
        a.p,
        a.alpha,
        if a.three_d { "3D" } else { "2D" }
    );
    outln!("| metric | value |\n|---|---|");
    outln!("| GOSPA (mean per step) | {:.2} |", r.mean_gospa);
    outln!("| localisation part | {:.2} m |", r.mean_localisation_m);
    outln!("| missed per step | {:.3} |", r.mean_missed);
    outln!("| false per step | {:.3} |", r.mean_false);
    outln!("| OSPA (mean per step) | {:.2} |", r.mean_ospa);
    outln!(
        "| targets tracked / with exactly one track id | {} / {} |",
        r.targets_tracked(),
        r.targets_with_one_track_id()
    );
    outln!("| id switches | {} |", r.id_switches());
    outln!("| fragmentations | {} |", r.fragmentations());
    outln!("| track purity | {:.3} |", r.track_purity);
    match spread(&r.times_to_track_s()) {
        Some((m, _, hi)) => {
            outln!("| time from first sighting to first track, mean / max | {m:.1} s / {hi:.1} s |")
        }
        None => outln!("| time from first sighting to first track | no target tracked |"),
    }
    if let Some((ar, n, has_border)) = alerts {
        outln!("\n| alerts | value |\n|---|---|");
        outln!("| alerts | {n} |");
        if *has_border {
            for (c, w) in &ar.crossings {
                let name = names.get(c.target).map(String::as_str).unwrap_or("?");
                let possible = match c.possible_warning_s {
                    Some(p) if p > 0.0 => {
                        format!(
                            " of {p:.1} s possible ({:.0}%)",
                            100.0 * w.unwrap_or(0.0).max(0.0) / p
                        )
                    }
                    Some(_) => " (none possible)".to_string(),
                    None => String::new(),
                };
                match w {
                    Some(w) => outln!(
                        "| {name} crossed at {:.1} s | warning {w:.1} s{possible} |",
                        c.time_s
                    ),
                    None => outln!(
                        "| {name} crossed at {:.1} s | no alert{possible} |",
                        c.time_s
                    ),
                }
            }
            outln!("| missed crossings | {} |", ar.missed);
            if ar.unseen > 0 {
                outln!(
                    "| crossings no sensors could localise (a coverage gap, not counted as missed) | {} |",
                    ar.unseen
                );
            }
            if ar
                .crossings
                .iter()
                .any(|c| c.0.possible_warning_s.is_some())
            {
                outln!(
                    "| warnings under {:.0}% of the possible | {} (smallest share {}) |",
                    100.0 * evaluation::WARNING_SHARE_TARGET,
                    ar.short_warnings,
                    ar.min_warning_share
                        .map_or("-".to_string(), |s| format!("{:.0}%", 100.0 * s))
                );
            }
        } else {
            outln!("| crossings | unknown: give --scenario for the border |");
        }
        outln!(
            "| false alerts | {} ({:.2} per hour, {:.2} per hour per 100 km) |",
            ar.false_alerts,
            ar.false_per_hour,
            ar.false_per_hour_per_100km
        );
    }
}

/// Column order of confusion matrices: the tracker's classes, then anything else seen.
fn class_columns<'a>(cells: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut cols: Vec<String> = model::Class::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    for c in cells {
        if !cols.contains(c) {
            cols.push(c.clone());
        }
    }
    cols
}

fn print_matrix(title: &str, unit: &str, m: &BTreeMap<(String, String), usize>) {
    let rows = class_columns(m.keys().map(|k| &k.0));
    let cols = class_columns(m.keys().map(|k| &k.1));
    let rows: Vec<&String> = rows
        .iter()
        .filter(|r| m.keys().any(|k| &k.0 == *r))
        .collect();
    outln!("\n{title} ({unit}; rows: true class, columns: track class)\n");
    outln!("| true \\ track | {} |", cols.join(" | "));
    outln!("|---|{}", "---|".repeat(cols.len()));
    for r in rows {
        let cells: Vec<String> = cols
            .iter()
            .map(|c| {
                m.get(&(r.clone(), c.clone()))
                    .map_or("·".to_string(), |n| n.to_string())
            })
            .collect();
        outln!("| {r} | {} |", cells.join(" | "));
    }
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(s.len() / 2).copied().unwrap_or(f64::NAN)
}

fn print_classes(s: &ClassScores, steps: &BTreeMap<(String, String), usize>) {
    outln!("\n| classification | value |\n|---|---|");
    outln!(
        "| drone tracks called a drone within {:.0} s | {} of {} ({:.3}) |",
        s.within_s,
        s.drones_called_in_time,
        s.drone_tracks,
        s.drone_recall()
    );
    outln!(
        "| bird tracks ever called a drone | {} of {} ({:.3}) |",
        s.birds_ever_called_drone,
        s.bird_tracks,
        s.bird_as_drone_rate()
    );
    let classes: Vec<&String> = s
        .time_to_correct_s
        .keys()
        .chain(s.never_correct.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for c in classes {
        let v = s.time_to_correct_s.get(c).map_or(&[][..], Vec::as_slice);
        let never = s.never_correct.get(c).copied().unwrap_or(0);
        match spread(v) {
            Some((m, _, hi)) => outln!(
                "| {c}: time to the right class, mean / median / max (never) | {m:.1} s / {:.1} s / {hi:.1} s ({never}) |",
                median(v)
            ),
            None => outln!("| {c}: time to the right class | never ({never} tracks) |"),
        }
    }
    print_matrix("Confusion by track", "tracks", &s.track_confusion);
    print_matrix("Confusion by step", "track-steps", steps);
}

fn class_json(s: &ClassScores) -> serde_json::Value {
    let matrix = |m: &BTreeMap<(String, String), usize>| {
        m.iter()
            .map(|((t, k), n)| serde_json::json!({"truth": t, "track": k, "tracks": n}))
            .collect::<Vec<_>>()
    };
    serde_json::json!({
        "window_s": s.within_s,
        "drone_tracks": s.drone_tracks,
        "drones_called_in_time": s.drones_called_in_time,
        "drone_recall": s.drone_recall(),
        "bird_tracks": s.bird_tracks,
        "birds_ever_called_drone": s.birds_ever_called_drone,
        "bird_as_drone_rate": s.bird_as_drone_rate(),
        "time_to_correct_class_s": s.time_to_correct_s.iter().map(|(c, v)| {
            let sp = spread(v);
            (c.clone(), serde_json::json!({
                "tracks": v.len(),
                "mean": sp.map(|x| x.0),
                "median": (!v.is_empty()).then(|| median(v)),
                "max": sp.map(|x| x.2),
            }))
        }).collect::<serde_json::Map<_, _>>(),
        "never_correct": s.never_correct,
        "track_confusion": matrix(&s.track_confusion),
    })
}
