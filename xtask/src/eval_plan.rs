//! The planner's promise in the closed loop: for each budget, `skyfence plan` on a
//! border, and the uniform layout of every catalogue item the budget buys; the best
//! uniform layout (by the planner's prediction) and the plan are then each simulated
//! (`skyfence sim` on the scenario the plan wrote), tracked and scored (`skyfence
//! eval`), and compared: detection before the border and mean warning per threat,
//! predicted against simulated. Writes docs/planning-results.md with `--write`.
use crate::{build_skyfence, output, root, thousands};
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(clap::Args)]
pub struct Args {
    /// The border file.
    #[arg(long, default_value = "borders/segment-100km.geojson")]
    border: PathBuf,
    /// Capital budgets, euros (default: one to ten drone radars' worth, so that a
    /// uniform radar line spends the whole budget too).
    #[arg(long, value_delimiter = ',', default_values_t = [900_000.0, 1_350_000.0, 2_250_000.0, 4_500_000.0])]
    budgets: Vec<f64>,
    /// Output folder.
    #[arg(long, default_value = "target/eval-plan")]
    out: PathBuf,
    /// Scoring cut-off for a track to count as the target's, metres (the planner's
    /// bearing-fix limit).
    #[arg(long, default_value_t = 1000.0)]
    c: f64,
    /// Uniform layouts of more units than this are predicted, not simulated.
    #[arg(long, default_value_t = 3000)]
    max_units: usize,
    /// Write docs/planning-results.md.
    #[arg(long)]
    write: bool,
}

/// Per threat: `(pd, warning_s)`.
type Figures = BTreeMap<String, (f64, f64)>;

struct Layout {
    name: String,
    capital_eur: f64,
    units: u64,
    predicted: Figures,
    simulated: Option<Figures>,
}

fn mean(f: &Figures, which: usize) -> f64 {
    let n = f.len().max(1) as f64;
    f.values()
        .map(|v| if which == 0 { v.0 } else { v.1 })
        .sum::<f64>()
        / n
}

fn summary(dir: &Path) -> Result<serde_json::Value> {
    let p = dir.join("summary.json");
    serde_json::from_str(
        &std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?,
    )
    .with_context(|| format!("parsing {}", p.display()))
}

fn predicted(s: &serde_json::Value) -> Figures {
    s["threats"]
        .as_array()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(|t| {
            (
                t["threat"].as_str().unwrap_or("?").to_owned(),
                (
                    t["pd_before_border"].as_f64().unwrap_or(0.0),
                    t["mean_warning_s"].as_f64().unwrap_or(0.0),
                ),
            )
        })
        .collect()
}

/// sim + track + eval on the scenario a plan wrote; per threat, the share of crossings
/// tracked before the border and the mean warning (0 for those not; capped at the
/// plan's horizon, as the prediction is).
fn closed_loop(bin: &Path, dir: &Path, c: f64, horizon_s: f64) -> Result<Figures> {
    let sc = dir.join("scenario.toml");
    let text = std::fs::read_to_string(&sc)?;
    let scenario: simulator::Scenario =
        toml::from_str(&text).with_context(|| format!("{}", sc.display()))?;
    // The run's own sensors file beside the plan's (the same sensors).
    let f = |n: &str| {
        dir.join(if n == "sensors.jsonl" {
            "sim-sensors.jsonl"
        } else {
            n
        })
    };
    let c = c.to_string();
    let v = crate::library::closed_loop(
        bin,
        &scenario,
        sc.as_os_str(),
        None,
        &f,
        &["--c", &c],
        false,
    )?;
    let mut acc: BTreeMap<String, (f64, f64, f64)> = BTreeMap::new();
    for cr in v["tracked_crossings"]
        .as_array()
        .map_or(&[][..], Vec::as_slice)
    {
        let name = cr["target"].as_str().unwrap_or("?");
        let threat = name.rsplit_once('-').map_or(name, |x| x.0).to_owned();
        let e = acc.entry(threat).or_default();
        e.0 += 1.0;
        if let Some(w) = cr["warning_s"].as_f64() {
            e.1 += 1.0;
            e.2 += w.min(horizon_s);
        }
    }
    // Remove the bulky run files; the summary stays.
    for n in ["detections.jsonl", "truth.jsonl", "tracks.jsonl"] {
        let _ = std::fs::remove_file(f(n));
    }
    Ok(acc
        .into_iter()
        .map(|(k, (n, seen, w))| (k, (seen / n.max(1.0), w / n.max(1.0))))
        .collect())
}

fn plan(
    bin: &Path,
    border: &Path,
    budget: f64,
    dir: &Path,
    extra: &[&str],
) -> Result<serde_json::Value> {
    output(
        Command::new(bin)
            .args(["plan", "--quiet", "--border"])
            .arg(border)
            .args(["--budget-eur", &budget.to_string(), "-o"])
            .arg(dir)
            .args(extra),
    )?;
    summary(dir)
}

pub fn run(a: Args) -> Result<()> {
    let bin = build_skyfence()?;
    let out = root().join(&a.out);
    let border = root().join(&a.border);
    std::fs::create_dir_all(&out)?;
    let catalogue = planner::inputs::parse_catalogue(planner::inputs::DEFAULT_CATALOGUE)
        .map_err(|e| anyhow::anyhow!("{}", e.join("; ")))?;
    let mut md = String::new();
    let mut ok_agreement = true;
    let mut wins = Vec::new();
    for &budget in &a.budgets {
        eprintln!("budget €{budget:.0}: planning");
        let dir = out.join(format!("plan-{budget:.0}"));
        let s = plan(&bin, &border, budget, &dir, &[])?;
        let horizon = s["assumptions"]["horizon_s"].as_f64().unwrap_or(300.0);
        let mut planned = Layout {
            name: "planned".into(),
            capital_eur: s["total_capital_eur"].as_f64().unwrap_or(0.0),
            units: s["sensors"].as_u64().unwrap_or(0),
            predicted: predicted(&s),
            simulated: None,
        };
        let mix = s["sensors_by_item"].clone();
        let mut uniforms = Vec::new();
        for item in &catalogue.items {
            let cost = item.capital_eur(&catalogue);
            let units = (budget / cost).floor() as usize;
            if units == 0 || units > a.max_units {
                continue;
            }
            let d = out.join(format!("uniform-{}-{budget:.0}", item.name));
            let s = plan(
                &bin,
                &border,
                budget,
                &d,
                &["--uniform", &item.name, "--no-pareto"],
            )?;
            uniforms.push((
                d,
                Layout {
                    name: format!("uniform {}", item.name),
                    capital_eur: s["total_capital_eur"].as_f64().unwrap_or(0.0),
                    units: units as u64,
                    predicted: predicted(&s),
                    simulated: None,
                },
            ));
        }
        if uniforms.is_empty() {
            bail!("no catalogue item fits a budget of €{budget}");
        }
        // The best single kind by predicted mean warning.
        uniforms.sort_by(|x, y| mean(&y.1.predicted, 1).total_cmp(&mean(&x.1.predicted, 1)));
        eprintln!(
            "budget €{budget:.0}: closed loop of the plan and of {}",
            uniforms[0].1.name
        );
        planned.simulated = Some(closed_loop(&bin, &dir, a.c, horizon)?);
        let best_dir = uniforms[0].0.clone();
        uniforms[0].1.simulated = Some(closed_loop(&bin, &best_dir, a.c, horizon)?);

        let _ = writeln!(md, "\n### Budget €{}\n", thousands(budget));
        let _ = writeln!(md, "Planned mix: {}.\n", mix_text(&mix));
        let _ = writeln!(md, "| layout | units | capital € | threat | pd predicted | pd simulated | warning predicted, s | warning simulated, s |");
        let _ = writeln!(md, "|---|---:|---:|---|---:|---:|---:|---:|");
        let layouts: Vec<&Layout> = std::iter::once(&planned)
            .chain(uniforms.iter().map(|u| &u.1))
            .collect();
        for l in &layouts {
            for (t, p) in &l.predicted {
                let sim = l.simulated.as_ref().and_then(|s| s.get(t));
                if let Some(sv) = sim {
                    if (sv.0 - p.0).abs() > 0.10 {
                        ok_agreement = false;
                    }
                }
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {t} | {:.3} | {} | {:.0} | {} |",
                    l.name,
                    l.units,
                    thousands(l.capital_eur),
                    p.0,
                    sim.map_or("–".into(), |s| format!("{:.3}", s.0)),
                    p.1,
                    sim.map_or("–".into(), |s| format!("{:.0}", s.1)),
                );
            }
        }
        let best = &uniforms[0].1;
        let (ps, bs) = (
            planned.simulated.clone().unwrap_or_default(),
            best.simulated.clone().unwrap_or_default(),
        );
        let gain_w = mean(&ps, 1) / mean(&bs, 1).max(1e-9) - 1.0;
        let gain_p = mean(&ps, 0) / mean(&bs, 0).max(1e-9) - 1.0;
        let line = format!(
            "Simulated, mean over threats: planned pd {:.3}, warning {:.0} s; {} pd {:.3}, warning {:.0} s. The plan gives **{:+.0}%** warning and **{:+.0}%** detection before the border.",
            mean(&ps, 0),
            mean(&ps, 1),
            best.name,
            mean(&bs, 0),
            mean(&bs, 1),
            100.0 * gain_w,
            100.0 * gain_p
        );
        let _ = writeln!(md, "\n{line}");
        eprintln!("budget €{budget:.0}: {line}");
        wins.push((budget, gain_w, gain_p));
    }
    let mut head = String::from(
        "# Planner results: plan against uniform layouts, predicted and simulated\n\n\
Generated by `cargo xtask eval-plan --write` on `borders/segment-100km.geojson` with the default catalogue and threats. \
For each budget, `skyfence plan` chooses a layout; each catalogue item's uniform layout (as many units as the budget buys, evenly \
spaced at the least standoff) is predicted by the same model, and the best of them by predicted mean warning is the baseline. \
The plan and that baseline are then each flown through the closed loop: `skyfence sim` on the scenario file the planner wrote \
(the sampled check crossings, not those it planned on), `skyfence track`, and `skyfence eval` (a crossing counts as detected when a \
confirmed track was assigned to it, within 1 km, before it crossed; warning is from then to the crossing, capped at the 300 s horizon, \
0 when not detected). Uniform layouts of more than 3,000 units (acoustic nodes at the larger budgets) are predicted only.\n\n",
    );
    let _ = writeln!(
        head,
        "| budget € | warning gain (simulated) | detection gain (simulated) |\n|---:|---:|---:|"
    );
    for (b, w, p) in &wins {
        let _ = writeln!(
            head,
            "| {} | {:+.0}% | {:+.0}% |",
            thousands(*b),
            100.0 * w,
            100.0 * p
        );
    }
    let _ = writeln!(
        head,
        "\nPredicted and simulated detection before the border agree within 10 percentage points for every threat and layout simulated: **{}**.",
        if ok_agreement { "yes" } else { "NO" }
    );
    let text = format!("{head}{md}");
    if a.write {
        let p = root().join("docs/planning-results.md");
        std::fs::write(&p, &text).with_context(|| format!("writing {}", p.display()))?;
        eprintln!("wrote {}", p.display());
    } else {
        println!("{text}");
    }
    Ok(())
}

fn mix_text(v: &serde_json::Value) -> String {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}
