//! `skyfence plan`: where to put which sensors along a border for a budget or a
//! required warning (docs/planning.md). Reads the files, runs the `planner` crate with
//! progress bars, and writes the placement, sensors file, scenario, tables, plots and
//! report.
use anyhow::{bail, Context, Result};
use clap::{ArgGroup, Args};
use indicatif::{ProgressBar, ProgressStyle};
use planner::optimise::CurvePoint;
use planner::plan::{Plan, PlanRequest, Stage};
use planner::{BorderLine, Catalogue, Goal, ModelOptions, Terrain, Threats};
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
#[command(group(ArgGroup::new("goal").required(true).args(["budget_eur", "warning_s"])))]
pub struct PlanArgs {
    /// The border: a GeoJSON LineString Feature with `own_side` (`left` or `right`
    /// looking along it) and optionally `depth_m` (how deep behind it sensors may
    /// stand) and `min_depth_m`.
    #[arg(long)]
    border: PathBuf,
    /// Capital budget, euros: the plan gives the most warning it buys.
    #[arg(long)]
    budget_eur: Option<f64>,
    /// Running budget, euros a year (with --budget-eur).
    #[arg(long, requires = "budget_eur")]
    yearly_budget_eur: Option<f64>,
    /// Required warning, seconds: the plan meets it at least cost.
    #[arg(long)]
    warning_s: Option<f64>,
    /// With --warning-s: the share of each threat's crossings that must get it.
    #[arg(long, default_value_t = 0.9, requires = "warning_s")]
    share: f64,
    /// Sensor catalogue (TOML); default: the built-in one.
    #[arg(long)]
    catalogue: Option<PathBuf>,
    /// Threat profiles (TOML); default: the built-in ones.
    #[arg(long)]
    threats: Option<PathBuf>,
    /// Terrain: an ESRI ASCII grid in degrees; default: a smooth Earth.
    #[arg(long)]
    terrain: Option<PathBuf>,
    /// How deep behind the border sensors may stand, metres (overrides the file's).
    #[arg(long)]
    depth_m: Option<f64>,
    /// Least standoff behind the border, metres (overrides the file's).
    #[arg(long)]
    min_depth_m: Option<f64>,
    /// Sampled crossings per threat per kilometre.
    #[arg(long, default_value_t = 2.0)]
    samples_per_km: f64,
    /// Warning is counted up to this, seconds.
    #[arg(long, default_value_t = 300.0)]
    horizon_s: f64,
    /// Wind speed, m/s (acoustic noise, balloon drift).
    #[arg(long, default_value_t = 3.0)]
    wind_mps: f64,
    /// Direction the wind blows from, degrees.
    #[arg(long, default_value_t = 90.0)]
    wind_from_deg: f64,
    /// Seed of the sampled crossings.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Instead of optimising, space this catalogue item evenly at the least standoff,
    /// as many as the budget buys (the baseline to compare a plan with).
    #[arg(long, requires = "budget_eur")]
    uniform: Option<String>,
    /// Skip the per-threat Pareto curves.
    #[arg(long)]
    no_pareto: bool,
    /// Print the built-in catalogue and threat profiles (to copy and edit) and exit.
    #[arg(long, exclusive = true)]
    print_defaults: bool,
    /// Output directory.
    #[arg(short, long)]
    output: PathBuf,
    /// No progress bars.
    #[arg(short, long)]
    quiet: bool,
}

fn read(path: &Path, what: &str) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {what} {}", path.display()))
}

fn problems(what: &str, p: Vec<String>) -> anyhow::Error {
    anyhow::anyhow!("{what}:\n  {}", p.join("\n  "))
}

pub fn run(a: PlanArgs) -> Result<()> {
    if a.print_defaults {
        outln!(
            "# ---- catalogue.toml ----\n{}",
            planner::inputs::DEFAULT_CATALOGUE
        );
        outln!(
            "# ---- threats.toml ----\n{}",
            planner::inputs::DEFAULT_THREATS
        );
        return Ok(());
    }
    let bf = formats::parse_border_file(&read(&a.border, "border")?)
        .map_err(|p| problems(&format!("border file {}", a.border.display()), p))?;
    let catalogue: Catalogue = match &a.catalogue {
        Some(p) => planner::inputs::parse_catalogue(&read(p, "catalogue")?)
            .map_err(|e| problems(&format!("catalogue {}", p.display()), e))?,
        None => planner::inputs::parse_catalogue(planner::inputs::DEFAULT_CATALOGUE)
            .map_err(|e| problems("built-in catalogue", e))?,
    };
    let threats: Threats = match &a.threats {
        Some(p) => planner::inputs::parse_threats(&read(p, "threats")?)
            .map_err(|e| problems(&format!("threats {}", p.display()), e))?,
        None => planner::inputs::parse_threats(planner::inputs::DEFAULT_THREATS)
            .map_err(|e| problems("built-in threats", e))?,
    };
    let terrain = match &a.terrain {
        Some(p) => Some(
            Terrain::parse_esri_ascii(&read(p, "terrain")?)
                .with_context(|| format!("terrain {}", p.display()))?,
        ),
        None => None,
    };
    let border = BorderLine::new(&bf.points_deg, bf.ours_left).context("border")?;
    let options = ModelOptions {
        min_depth_m: a.min_depth_m.or(bf.min_depth_m).unwrap_or(200.0),
        max_depth_m: a.depth_m.or(bf.depth_m).unwrap_or(5_000.0),
        samples_per_km: a.samples_per_km,
        horizon_s: a.horizon_s,
        wind_mps: a.wind_mps,
        wind_from_deg: a.wind_from_deg,
        seed: a.seed,
        ..ModelOptions::default()
    };
    let goal = match (a.budget_eur, a.warning_s) {
        (Some(b), None) => Goal::Budget {
            capital_eur: b,
            yearly_eur: a.yearly_budget_eur,
        },
        (None, Some(w)) => Goal::Warning {
            warning_s: w,
            share: a.share,
        },
        _ => bail!("give exactly one of --budget-eur and --warning-s"),
    };
    let uniform = match &a.uniform {
        Some(name) => Some(
            catalogue
                .items
                .iter()
                .position(|i| &i.name == name)
                .with_context(|| {
                    format!(
                        "--uniform {name}: not in the catalogue (it has {})",
                        catalogue
                            .items
                            .iter()
                            .map(|i| i.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?,
        ),
        None => None,
    };
    let name = bf
        .name
        .clone()
        .or_else(|| {
            a.border
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "border".into());
    let req = PlanRequest {
        border,
        name,
        catalogue,
        threats,
        terrain,
        options,
        goal,
        uniform,
        pareto: !a.no_pareto,
    };
    std::fs::create_dir_all(&a.output)
        .with_context(|| format!("creating output directory {}", a.output.display()))?;

    let start = Instant::now();
    let show = std::io::stderr().is_terminal() && !a.quiet;
    let mut bar: Option<(Stage, ProgressBar)> = None;
    // Seconds per stage, for the run report (the planner itself reads no clock).
    let mut stages: Vec<(Stage, Instant)> = Vec::new();
    let plan = planner::plan(&req, &mut |stage, done, total| {
        if stages.last().is_none_or(|s| s.0 != stage) {
            stages.push((stage, Instant::now()));
        }
        if !show {
            return;
        }
        if bar.as_ref().is_none_or(|b| b.0 != stage) {
            if let Some((_, b)) = bar.take() {
                b.finish_and_clear();
            }
            let (what, tmpl) = match stage {
                Stage::Model => (
                    "modelling crossings",
                    "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}",
                ),
                Stage::Choose => (
                    "choosing sensors",
                    "{spinner} [{elapsed_precise}] {pos} chosen {msg}",
                ),
                Stage::Pareto => (
                    "Pareto curves",
                    "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}",
                ),
                Stage::Check => (
                    "checking on fresh crossings",
                    "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}",
                ),
            };
            let b = ProgressBar::new(total as u64);
            b.set_style(
                ProgressStyle::with_template(tmpl).unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b.set_message(what);
            bar = Some((stage, b));
        }
        if let Some((_, b)) = &bar {
            if total > 0 {
                b.set_length(total as u64);
            }
            b.set_position(done as u64);
        }
    })
    .map_err(|e| anyhow::anyhow!("{e}"))
    .context("planning")?;
    if let Some((_, b)) = bar.take() {
        b.finish_and_clear();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let end = Instant::now();
    let stage_s: Vec<(String, f64)> = stages
        .iter()
        .enumerate()
        .map(|(i, (st, t))| {
            let next = stages.get(i + 1).map_or(end, |n| n.1);
            (format!("{st:?}").to_lowercase(), (next - *t).as_secs_f64())
        })
        .collect();
    tracing::info!(?stage_s, "plan stages");
    write_outputs(&a.output, &req, &plan, elapsed, &stage_s)?;
    print_summary(&req, &plan, elapsed, &a.output);
    Ok(())
}

fn write_outputs(
    dir: &Path,
    req: &PlanRequest,
    plan: &Plan,
    elapsed_s: f64,
    stage_s: &[(String, f64)],
) -> Result<()> {
    let w = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))
    };
    let (scenario, n_targets) = planner::scenario(plan, req, req.options.seed);
    let problems = scenario.problems();
    if !problems.is_empty() {
        bail!(
            "the generated scenario is not valid (a bug): {}",
            problems.join("; ")
        );
    }
    w(
        "scenario.toml",
        &toml::to_string(&scenario).context("writing the scenario as TOML")?,
    )?;
    // The sensors file needs only the sensors: without the targets, no flight paths
    // are built (for a long border, hundreds of megabytes).
    let layout = simulator::Scenario {
        targets: Vec::new(),
        ..scenario
    };
    let sim = simulator::Simulation::new(&layout).context("the generated scenario")?;
    w("sensors.jsonl", &sim.sensors_file())?;
    w("placement.geojson", &placement(req, plan)?)?;
    w("per_km.csv", &per_km_csv(req, plan))?;
    w("pareto.csv", &pareto_csv(plan))?;
    let mut summary = summary_json(req, plan, elapsed_s, n_targets);
    summary["run"]["stage_seconds"] = stage_s
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::json!(round1(*v))))
        .collect::<serde_json::Map<_, _>>()
        .into();
    w("summary.json", &serde_json::to_string_pretty(&summary)?)?;
    let map = crate::plot::plan_map_svg(req, plan)?;
    let km = crate::plot::plan_per_km_svg(req, plan)?;
    let pareto = crate::plot::plan_pareto_svg(plan)?;
    w("map.svg", &map)?;
    w("per_km.svg", &km)?;
    w("pareto.svg", &pareto)?;
    w(
        "report.html",
        &report_html(req, plan, &summary, &[&map, &km, &pareto]),
    )?;
    Ok(())
}

fn placement(req: &PlanRequest, plan: &Plan) -> Result<String> {
    use formats::PlanFeature;
    let mut f = vec![PlanFeature::Border {
        points: req
            .border
            .points()
            .iter()
            .map(|p| [p.lat_deg(), p.lon_deg()])
            .collect(),
        ours: if req.border.ours_left() {
            "left"
        } else {
            "right"
        },
    }];
    // Each item's instrumented range, once.
    let ranges: Vec<f64> = req
        .catalogue
        .items
        .iter()
        .map(planner::model::item_range_m)
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for p in &plan.placed {
        let it = &req.catalogue.items[p.item];
        f.push(PlanFeature::Sensor {
            name: p.name.clone(),
            item: it.name.clone(),
            kind: it.kind.name(),
            at: [p.site.at.lat_deg(), p.site.at.lon_deg()],
            capital_eur: it.capital_eur(&req.catalogue),
            yearly_eur: it.yearly_cost_eur,
            depth_m: p.site.depth_m,
            range_m: ranges[p.item],
        });
    }
    let len_m = req.border.length_m();
    for row in &plan.per_km {
        let a = row.km as f64 * 1000.0;
        let b = (a + 1000.0).min(len_m);
        let line = (0..=4)
            .map(|i| {
                let s = req.border.station(a + (b - a) * f64::from(i) / 4.0);
                [s.at.lat_deg(), s.at.lon_deg()]
            })
            .collect();
        f.push(PlanFeature::Coverage {
            km: row.km,
            line,
            threats: req
                .threats
                .items
                .iter()
                .zip(&row.threats)
                .map(|(t, v)| (t.name.clone(), *v))
                .collect(),
        });
    }
    Ok(formats::plan_geojson(&req.name, &f))
}

fn per_km_csv(req: &PlanRequest, plan: &Plan) -> String {
    let mut s = String::from("km");
    for t in &req.threats.items {
        let _ = write!(s, ",pd_{0},warning_s_{0}", t.name);
    }
    s.push('\n');
    for row in &plan.per_km {
        let _ = write!(s, "{}", row.km);
        for v in &row.threats {
            match v {
                Some((pd, w)) => {
                    let _ = write!(s, ",{pd:.3},{w:.1}");
                }
                None => s.push_str(",,"),
            }
        }
        s.push('\n');
    }
    s
}

fn pareto_csv(plan: &Plan) -> String {
    let mut s = String::from("threat,capital_eur,pd_before_border,mean_warning_s\n");
    for (t, (name, curve)) in plan.pareto.iter().enumerate() {
        for CurvePoint {
            capital_eur,
            threats,
        } in curve
        {
            if let Some((pd, w)) = threats.get(t) {
                let _ = writeln!(s, "{name},{capital_eur:.0},{pd:.4},{w:.1}");
            }
        }
    }
    s
}

fn summary_json(
    req: &PlanRequest,
    plan: &Plan,
    elapsed_s: f64,
    n_targets: usize,
) -> serde_json::Value {
    let o = &req.options;
    let goal = match req.goal {
        Goal::Budget {
            capital_eur,
            yearly_eur,
        } => serde_json::json!({"budget_eur": capital_eur, "yearly_budget_eur": yearly_eur}),
        Goal::Warning { warning_s, share } => {
            serde_json::json!({"warning_s": warning_s, "share": share, "met": plan.stats.goal_met})
        }
    };
    let mut by_item: std::collections::BTreeMap<&str, usize> = Default::default();
    for p in &plan.placed {
        *by_item
            .entry(req.catalogue.items[p.item].name.as_str())
            .or_default() += 1;
    }
    serde_json::json!({
        "border": req.name,
        "length_km": plan.length_km,
        "goal": goal,
        "layout": if req.uniform.is_some() { "uniform" } else { "planned" },
        "total_capital_eur": plan.capital_eur.round(),
        "total_yearly_eur": plan.yearly_eur.round(),
        "capital_eur_per_km": (plan.capital_eur / plan.length_km.max(1e-9)).round(),
        "sensors": plan.placed.len(),
        "sensors_by_item": by_item,
        "threats": plan.summary.iter().map(|t| serde_json::json!({
            "threat": t.name,
            "crossings": t.crossings,
            "pd_before_border": round3(t.pd_before_border),
            "mean_warning_s": round1(t.mean_warning_s),
            "share_with_required_warning": t.share_with_required_warning.map(round3),
        })).collect::<Vec<_>>(),
        "gaps": plan.gaps.iter().map(|g| serde_json::json!({
            "threat": g.threat, "from_km": g.from_km, "to_km": g.to_km, "pd": round3(g.pd),
        })).collect::<Vec<_>>(),
        "assumptions": {
            "horizon_s": o.horizon_s,
            "confirmation": format!("{} fixes within {} steps of {} s", o.confirm_hits, o.confirm_steps, o.step_s),
            "samples_per_km": o.samples_per_km,
            "min_depth_m": o.min_depth_m,
            "depth_m": o.max_depth_m,
            "candidate_depths": o.depths,
            "wind_mps": o.wind_mps,
            "wind_from_deg": o.wind_from_deg,
            "bearing_fix_error_m": o.fix_error_m,
            "terrain": req.terrain.is_some(),
            "seed": o.seed,
        },
        "scenario_crossings": n_targets,
        "run": {
            "seconds": round1(elapsed_s),
            "candidates": plan.stats.candidates,
            "planning_crossings": plan.stats.trajectories,
            "profiles": plan.stats.profiles,
            "model_mib": round1(plan.stats.model_bytes as f64 / (1024.0 * 1024.0)),
            "evaluations": plan.stats.evaluations,
            "swaps": plan.stats.swaps,
            "pruned": plan.stats.pruned,
            "item_reach_m": req.catalogue.items.iter().zip(&plan.stats.item_reach_m).map(|(i, r)| (i.name.clone(), r.round())).collect::<std::collections::BTreeMap<_, _>>(),
        },
    })
}

fn round3(v: f64) -> f64 {
    (v * 1e3).round() / 1e3
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn report_html(
    req: &PlanRequest,
    plan: &Plan,
    summary: &serde_json::Value,
    svgs: &[&String],
) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>skyfence plan: {0}</title>\
<style>body{{font-family:sans-serif;max-width:1100px;margin:1em auto;color:#222}}table{{border-collapse:collapse}}\
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}th{{background:#f3f3f3}}td:first-child{{text-align:left}}\
svg{{max-width:100%;height:auto}}</style></head><body><h1>Sensor plan: {0}</h1>",
        esc(&req.name)
    );
    let goal = match req.goal {
        Goal::Budget { capital_eur, .. } => format!("the most warning for a capital budget of €{}", thousands(capital_eur)),
        Goal::Warning { warning_s, share } => format!(
            "at least {warning_s:.0} s of warning on {:.0}% of each threat's crossings, at least cost{}",
            share * 100.0,
            if plan.stats.goal_met { "" } else { " (NOT MET: no layout from this catalogue reaches it)" }
        ),
    };
    let _ = write!(
        h,
        "<p>{:.0} km of border. Goal: {}. {} sensors, capital €{} (€{} per km), running €{} a year.</p>",
        plan.length_km,
        esc(&goal),
        plan.placed.len(),
        thousands(plan.capital_eur),
        thousands(plan.capital_eur / plan.length_km.max(1e-9)),
        thousands(plan.yearly_eur)
    );
    h.push_str("<h2>Predicted, per threat</h2><table><tr><th>threat</th><th>crossings</th><th>detected before the border</th><th>mean warning, s</th></tr>");
    for t in &plan.summary {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{:.1}%</td><td>{:.0}</td></tr>",
            esc(&t.name),
            t.crossings,
            100.0 * t.pd_before_border,
            t.mean_warning_s
        );
    }
    h.push_str("</table><p>Warning is counted from the first moment a track could be confirmed to the crossing, up to the horizon; a crossing not confirmed before the border counts 0.</p>");
    let _ = write!(h, "<h2>Layout</h2>{}", svgs[0]);
    let mut by_item: std::collections::BTreeMap<&str, (usize, f64)> = Default::default();
    for p in &plan.placed {
        let it = &req.catalogue.items[p.item];
        let e = by_item.entry(it.name.as_str()).or_default();
        e.0 += 1;
        e.1 += it.capital_eur(&req.catalogue);
    }
    h.push_str("<table><tr><th>sensor</th><th>units</th><th>capital, €</th></tr>");
    for (n, (k, c)) in by_item {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{k}</td><td>{}</td></tr>",
            esc(n),
            thousands(c)
        );
    }
    h.push_str("</table>");
    let _ = write!(h, "<h2>Along the border</h2>{}", svgs[1]);
    h.push_str("<h3>Gaps (detection before the border below 50%)</h3>");
    if plan.gaps.is_empty() {
        h.push_str("<p>None.</p>");
    } else {
        h.push_str(
            "<table><tr><th>threat</th><th>from km</th><th>to km</th><th>mean detection</th></tr>",
        );
        for g in &plan.gaps {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{:.0}</td><td>{:.0}</td><td>{:.0}%</td></tr>",
                esc(&g.threat),
                g.from_km,
                g.to_km,
                100.0 * g.pd
            );
        }
        h.push_str("</table>");
    }
    if !plan.pareto.is_empty() {
        let _ = write!(h, "<h2>Cost against warning, per threat</h2><p>Each curve is the plan for that threat alone, sensor by sensor (pareto.csv).</p>{}", svgs[2]);
    }
    let _ = write!(
        h,
        "<h2>Assumptions</h2><pre>{}</pre><p>Files: placement.geojson, sensors.jsonl, scenario.toml (check with <code>skyfence sim</code>, <code>track</code>, <code>eval</code>), per_km.csv, pareto.csv, summary.json.</p></body></html>",
        esc(&serde_json::to_string_pretty(&summary["assumptions"]).unwrap_or_default())
    );
    h
}

/// Euros with thousands separators.
pub fn thousands(v: f64) -> String {
    let n = v.round() as i64;
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

fn print_summary(req: &PlanRequest, plan: &Plan, elapsed_s: f64, dir: &Path) {
    eprintln!(
        "{:.0} km: {} sensors, capital €{} (€{}/km), running €{}/yr; {:.1} s; {} candidates x {} crossings ({} profiles, {:.1} MiB)",
        plan.length_km,
        plan.placed.len(),
        thousands(plan.capital_eur),
        thousands(plan.capital_eur / plan.length_km.max(1e-9)),
        thousands(plan.yearly_eur),
        elapsed_s,
        plan.stats.candidates,
        plan.stats.trajectories,
        plan.stats.profiles,
        plan.stats.model_bytes as f64 / (1024.0 * 1024.0)
    );
    if let Goal::Warning { warning_s, share } = req.goal {
        if !plan.stats.goal_met {
            eprintln!(
                "warning: no layout from this catalogue gives {warning_s:.0} s on {:.0}% of every threat's crossings; the plan is the best it found",
                share * 100.0
            );
        }
    }
    for t in &plan.summary {
        eprintln!(
            "  {:12} detected before the border {:5.1}%, mean warning {:4.0} s",
            t.name,
            100.0 * t.pd_before_border,
            t.mean_warning_s
        );
    }
    eprintln!("wrote {}", dir.display());
}
