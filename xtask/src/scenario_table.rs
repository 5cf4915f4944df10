//! Runs every library scenario through `skyfence sim`, `skyfence track` and
//! `skyfence eval`, and writes the results table to docs/scenario-results.md.
use crate::{build_skyfence, output, root};
use anyhow::Result;
use std::process::Command;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Output folder for the runs' files.
    #[arg(long, default_value = "target/scenario-table")]
    out: std::path::PathBuf,
    /// Runs of the simulator per scenario; the fastest is reported.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
}

pub fn run(a: Args) -> Result<()> {
    let bin = build_skyfence()?;
    let out = root().join(&a.out);
    std::fs::create_dir_all(&out)?;
    let list = output(Command::new(&bin).args(["sim", "--list"]))?;
    let names: Vec<String> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    let mut rows = Vec::new();
    for name in &names {
        let p = |f: &str| out.join(format!("{name}.{f}"));
        let mut best_sim = f64::INFINITY;
        for _ in 0..a.repeats.max(1) {
            let t0 = Instant::now();
            output(
                Command::new(&bin)
                    .args(["sim", "--quiet", name, "-o"])
                    .arg(p("detections.jsonl"))
                    .arg("--truth")
                    .arg(p("truth.jsonl"))
                    .arg("--sensors")
                    .arg(p("sensors.jsonl"))
                    .arg("--geojson")
                    .arg(p("geojson")),
            )?;
            best_sim = best_sim.min(t0.elapsed().as_secs_f64());
        }
        let detections = std::fs::read_to_string(p("detections.jsonl"))?
            .lines()
            .count();
        let truth_lines = std::fs::read_to_string(p("truth.jsonl"))?.lines().count();
        let t0 = Instant::now();
        output(
            Command::new(&bin)
                .args(["track", "--quiet", "--sensors"])
                .arg(p("sensors.jsonl"))
                .arg(p("detections.jsonl"))
                .arg("-o")
                .arg(p("tracks.jsonl")),
        )?;
        let track_s = t0.elapsed().as_secs_f64();
        let json = output(
            Command::new(&bin)
                .args(["eval", "--json", "--scenario", name, "--truth"])
                .arg(p("truth.jsonl"))
                .arg("--tracks")
                .arg(p("tracks.jsonl"))
                .arg("--plot")
                .arg(p("svg")),
        )?;
        let v: serde_json::Value = serde_json::from_str(&json)?;
        let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
        let u = |k: &str| v[k].as_u64().unwrap_or(0);
        rows.push(format!(
            "| {name} | {} | {detections} | {truth_lines} | {:.0}k | {:.0}k | {:.0}k | {:.1} | {:.1} | {:.2} | {:.2} | {:.1} | {} / {} | {} | {} | {:.3} | {} |",
            u("targets"),
            detections as f64 / best_sim / 1000.0,
            (detections + truth_lines) as f64 / best_sim / 1000.0,
            detections as f64 / track_s / 1000.0,
            f("gospa"),
            f("gospa_localisation"),
            f("gospa_missed_per_step"),
            f("gospa_false_per_step"),
            f("ospa"),
            u("targets_tracked"),
            u("targets_with_one_track_id"),
            u("id_switches"),
            u("fragmentations"),
            f("track_purity"),
            v["time_to_track_s_mean"].as_f64().map_or("-".into(), |t| format!("{t:.1} s")),
        ));
        eprintln!("{name}: done");
    }
    let mut md = String::new();
    md.push_str("# Library scenarios through the whole chain\n\n");
    md.push_str("Regenerate with `cargo xtask scenario-table` (this file is written by it). Each library scenario is simulated (`skyfence sim`), tracked with default settings and only its sensors file (`skyfence track --sensors`), and scored (`skyfence eval --scenario`, GOSPA and OSPA with c = 100 m, p = 2, alpha = 2 in the horizontal plane, at every time that has truth or tracks). Speeds are whole processes on this machine (start-up, writing the files included): the simulator's detections per second and all its lines (detections and truth) per second, best of several runs, and the tracker's detections per second.\n\n");
    md.push_str("| scenario | targets | detections | truth lines | sim det/s | sim lines/s | track det/s | GOSPA | localisation m | missed/step | false/step | OSPA | tracked / one id | id switches | fragmentations | purity | time to track |\n");
    md.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for r in &rows {
        md.push_str(r);
        md.push('\n');
    }
    md.push_str("\nThe plots (truth and tracks, GOSPA over time) and all files are in `target/scenario-table/` after a run.\n");
    std::fs::write(root().join("docs/scenario-results.md"), &md)?;
    print!("{md}");
    Ok(())
}
