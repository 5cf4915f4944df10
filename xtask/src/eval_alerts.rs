//! Alerts over the scenario library: every scenario simulated with several seeds,
//! tracked with its zones and the alert rules, and scored by `skyfence eval --alerts`;
//! the warning each threat crossing got against what the sensors physically allowed,
//! misses, coverage gaps and false alerts are written to docs/alert-results.md.
use crate::{build_skyfence, root};
use anyhow::Result;

#[derive(clap::Args)]
pub struct Args {
    /// Output folder for the runs' files.
    #[arg(long, default_value = "target/eval-alerts")]
    out: std::path::PathBuf,
    /// Seeds per scenario (1, 2, ..., N).
    #[arg(long, default_value_t = 5)]
    seeds: u64,
    /// Only these scenarios (default: the whole library).
    #[arg(long)]
    scenario: Vec<String>,
    /// Write the tables to docs/alert-results.md.
    #[arg(long)]
    write: bool,
}

/// One scenario's runs summed.
#[derive(Default)]
struct Totals {
    crossings: u64,
    /// Crossings with some warning possible, and those given under 90% of it.
    possible: u64,
    short: u64,
    missed: u64,
    unseen: u64,
    false_alerts: u64,
    /// False alerts per hour per 100 km, summed over the runs.
    false_rate_sum: f64,
    runs: u64,
    smallest_share: Option<f64>,
}

pub fn run(a: Args) -> Result<()> {
    let bin = build_skyfence()?;
    let out = root().join(&a.out);
    std::fs::create_dir_all(&out)?;
    let names = crate::library::names(&bin, &a.scenario)?;
    let target = evaluation::WARNING_SHARE_TARGET;
    let mut rows = Vec::new();
    let mut short = Vec::new();
    let mut all = Totals::default();
    for name in &names {
        let mut tot = Totals::default();
        for seed in 1..=a.seeds {
            let v = crate::library::run(&bin, &out, name, seed, true)?;
            let al = &v["alerts"];
            let u = |k: &str| al[k].as_u64().unwrap_or(0);
            let crossings = al["crossings"].as_array().map_or(&[][..], Vec::as_slice);
            // Eval's own counts; the crossings list gives the detail.
            let possible: Vec<(&serde_json::Value, f64)> = crossings
                .iter()
                .filter_map(|c| Some((c, c["possible_warning_s"].as_f64().filter(|p| *p > 0.0)?)))
                .collect();
            let share = al["min_warning_share"].as_f64();
            for t in [&mut tot, &mut all] {
                t.runs += 1;
                t.crossings += crossings.len() as u64;
                t.possible += possible.len() as u64;
                t.short += u("short_warnings");
                t.missed += u("missed_crossings");
                t.unseen += u("unseen_crossings");
                t.false_alerts += u("false_alerts");
                t.false_rate_sum += al["false_alerts_per_hour_per_100km"]
                    .as_f64()
                    .unwrap_or(0.0);
                if let Some(s) = share {
                    t.smallest_share = Some(t.smallest_share.map_or(s, |m| m.min(s)));
                }
            }
            for (c, possible) in possible {
                let given = c["warning_s"].as_f64().unwrap_or(0.0).max(0.0);
                if given < target * possible {
                    short.push(format!(
                        "| {name} | {seed} | {} | {given:.1} s | {possible:.1} s | {:.0}% |",
                        c["target"].as_str().unwrap_or("?"),
                        100.0 * given / possible
                    ));
                }
            }
        }
        rows.push(row(name, &tot));
        eprintln!("{name}: done");
    }
    rows.push(row("all", &all));
    let mut md = String::new();
    md.push_str("# Alerts over the scenario library\n\n");
    md.push_str(&format!(
        "Regenerate with `cargo xtask eval-alerts --write` (this file is written by it). Each library scenario is simulated with seeds 1 to {}, tracked with default settings, its sensors file, its wind and its zones, with the alert rules (`skyfence track --zones --alerts`), and scored with `skyfence eval --alerts`. *Possible warning*: from the first time the sensors could fix the threat's position (a radar or position report, or two bearing sensors crossing at 15° or more, each with a probability of detection of at least one half per look) to its crossing, less two more looks to confirm a track. *Full warning*: at least {:.0}% of the possible. *Missed*: no alert though the sensors could localise it; *unseen*: no sensor combination could localise it before it crossed (a gap in the network, for the planner). An alert warns of every threat its tracks followed: the target a track was assigned to most, or any target it was assigned to, or stayed within the 100 m scoring cut-off of, for at least a quarter of its scored steps (two drones closer than the radar resolves share a track, which the scoring assigns to one of them at a time). *False*: alerts whose tracks followed no threat.\n\n",
        a.seeds,
        100.0 * target
    ));
    md.push_str("| scenario | runs | threat crossings | full warning / warning possible | smallest share | missed | unseen | false alerts | false alerts per hour per 100 km (mean) |\n|---|---|---|---|---|---|---|---|---|\n");
    for r in &rows {
        md.push_str(r);
        md.push('\n');
    }
    if !short.is_empty() {
        md.push_str("\nCrossings warned of less than the target share\n\n| scenario | seed | target | warning | possible | share |\n|---|---|---|---|---|---|\n");
        for s in &short {
            md.push_str(s);
            md.push('\n');
        }
    }
    if a.write {
        std::fs::write(root().join("docs/alert-results.md"), &md)?;
    }
    print!("{md}");
    Ok(())
}

fn row(name: &str, t: &Totals) -> String {
    format!(
        "| {name} | {} | {} | {}/{} | {} | {} | {} | {} | {:.1} |",
        t.runs,
        t.crossings,
        t.possible - t.short,
        t.possible,
        t.smallest_share
            .map_or("-".to_string(), |s| format!("{:.0}%", 100.0 * s)),
        t.missed,
        t.unseen,
        t.false_alerts,
        t.false_rate_sum / t.runs.max(1) as f64
    )
}
