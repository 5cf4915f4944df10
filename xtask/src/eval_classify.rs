//! Classification over the scenario library: every scenario simulated with several
//! seeds, tracked (with the scenario's wind), and scored by `skyfence eval`; the
//! per-class confusion, drone recall within the window, birds ever called drones and
//! time to the right class are summed over the runs and written to
//! docs/classification-results.md.
use crate::{build_skyfence, root};
use anyhow::Result;
use std::collections::BTreeMap;

#[derive(clap::Args)]
pub struct Args {
    /// Output folder for the runs' files.
    #[arg(long, default_value = "target/eval-classify")]
    out: std::path::PathBuf,
    /// Seeds per scenario (1, 2, ..., N).
    #[arg(long, default_value_t = 10)]
    seeds: u64,
    /// Only these scenarios (default: the whole library).
    #[arg(long)]
    scenario: Vec<String>,
    /// Write the table to docs/classification-results.md.
    #[arg(long)]
    write: bool,
}

#[derive(Default)]
struct Totals {
    drone_tracks: u64,
    drones_in_time: u64,
    bird_tracks: u64,
    birds_as_drone: u64,
    confusion: BTreeMap<(String, String), u64>,
    time_to_class: BTreeMap<String, Vec<f64>>,
}

impl Totals {
    fn add(&mut self, v: &serde_json::Value) {
        let c = &v["classification"];
        let u = |k: &str| c[k].as_u64().unwrap_or(0);
        self.drone_tracks += u("drone_tracks");
        self.drones_in_time += u("drones_called_in_time");
        self.bird_tracks += u("bird_tracks");
        self.birds_as_drone += u("birds_ever_called_drone");
        for e in c["track_confusion"].as_array().into_iter().flatten() {
            let key = (
                e["truth"].as_str().unwrap_or("?").to_string(),
                e["track"].as_str().unwrap_or("?").to_string(),
            );
            *self.confusion.entry(key).or_default() += e["tracks"].as_u64().unwrap_or(0);
        }
        if let Some(m) = c["time_to_correct_class_s"].as_object() {
            for (class, t) in m {
                if let Some(median) = t["median"].as_f64() {
                    self.time_to_class
                        .entry(class.clone())
                        .or_default()
                        .push(median);
                }
            }
        }
    }

    fn ratio(a: u64, b: u64) -> String {
        if b == 0 {
            "-".into()
        } else {
            format!("{a}/{b} = {:.3}", a as f64 / b as f64)
        }
    }
}

fn median(v: &[f64]) -> Option<f64> {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(s.len() / 2).copied()
}

pub fn run(a: Args) -> Result<()> {
    let bin = build_skyfence()?;
    let out = root().join(&a.out);
    std::fs::create_dir_all(&out)?;
    let names = crate::library::names(&bin, &a.scenario)?;
    let classes: Vec<&str> = model::Class::ALL.iter().map(|c| c.as_str()).collect();
    let mut rows = Vec::new();
    let mut all = Totals::default();
    for name in &names {
        let mut tot = Totals::default();
        for seed in 1..=a.seeds {
            let v = crate::library::run(&bin, &out, name, seed, false)?;
            tot.add(&v);
            all.add(&v);
        }
        let correct: u64 = tot
            .confusion
            .iter()
            .filter(|((t, k), _)| t == k)
            .map(|(_, n)| n)
            .sum();
        let total: u64 = tot.confusion.values().sum();
        rows.push(format!(
            "| {name} | {} | {} | {} | {} |",
            Totals::ratio(tot.drones_in_time, tot.drone_tracks),
            Totals::ratio(tot.birds_as_drone, tot.bird_tracks),
            Totals::ratio(correct, total),
            tot.time_to_class
                .iter()
                .filter_map(|(c, v)| median(v).map(|m| format!("{c} {m:.0} s")))
                .collect::<Vec<_>>()
                .join(", "),
        ));
        eprintln!("{name}: done");
    }
    let mut md = String::new();
    md.push_str("# Classification over the scenario library\n\n");
    md.push_str(&format!(
        "Regenerate with `cargo xtask eval-classify --write` (this file is written by it). Each library scenario is simulated with seeds 1 to {}, tracked with default settings, its sensors file and its wind (`skyfence track --wind`), and scored with `skyfence eval`. A track is judged on the target the GOSPA assignment (c = 100 m) gave it most often. *Drones called in 10 s*: drone tracks (on their drone at least 10 s) that carried a drone class within 10 s of their first step on it. *Birds called drones*: bird tracks that carried a drone class at any step on a bird. *Right class*: tracks whose most-held class on their target is the true class. *Time to the right class*: the median over runs of each run's median.\n\n",
        a.seeds
    ));
    md.push_str("| scenario | drones called in 10 s | birds called drones | right class (tracks) | time to the right class |\n|---|---|---|---|---|\n");
    for r in &rows {
        md.push_str(r);
        md.push('\n');
    }
    md.push_str(&format!(
        "\nAll scenarios together: drones called in 10 s {}, birds called drones {}.\n\n",
        Totals::ratio(all.drones_in_time, all.drone_tracks),
        Totals::ratio(all.birds_as_drone, all.bird_tracks)
    ));
    md.push_str("Confusion by track, all runs (rows: true class; columns: the class the track held most; `none`: never classified while on its target)\n\n");
    let mut cols: Vec<String> = classes.iter().map(|c| c.to_string()).collect();
    for (_, k) in all.confusion.keys() {
        if !cols.contains(k) {
            cols.push(k.clone());
        }
    }
    md.push_str(&format!("| true \\ track | {} |\n", cols.join(" | ")));
    md.push_str(&format!("|---|{}\n", "---|".repeat(cols.len())));
    let truths: std::collections::BTreeSet<&String> = all.confusion.keys().map(|k| &k.0).collect();
    for t in truths {
        let cells: Vec<String> = cols
            .iter()
            .map(|c| {
                all.confusion
                    .get(&(t.clone(), c.clone()))
                    .map_or("·".into(), |n| n.to_string())
            })
            .collect();
        md.push_str(&format!("| {t} | {} |\n", cells.join(" | ")));
    }
    if a.write {
        std::fs::write(root().join("docs/classification-results.md"), &md)?;
    }
    print!("{md}");
    Ok(())
}
