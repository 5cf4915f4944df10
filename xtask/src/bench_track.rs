//! Side-by-side benchmark: skyfence and Stone Soup 1.9.1 on the same detection files,
//! scored by the same GOSPA code.
use crate::{build_skyfence, root, run_cmd, shared_dir};
use anyhow::{bail, Context, Result};
use evaluation::{gospa, ospa, GospaParams, GospaSummary};
use formats::MttScenario;
use simulator::mtt::{generate, MttParams};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Output folder for generated files and track outputs.
    #[arg(long, default_value = "target/bench-track")]
    out: PathBuf,
    /// Skip Stone Soup (skyfence only).
    #[arg(long)]
    no_stonesoup: bool,
    /// Stone Soup trackers to run (comma-separated: gnn, gnn_kdtree, jpda_ehm2).
    #[arg(long, default_value = "gnn_kdtree,gnn,jpda_ehm2")]
    trackers: String,
    /// Fewest runs of skyfence per file; the fastest is reported. A file takes a few
    /// milliseconds, where the machine's noise (other processes, the page cache
    /// writing back the last run's output) is a large share, so the runs go on until
    /// `--min-time-s` too is spent, as hyperfine does.
    #[arg(long, default_value_t = 10)]
    repeats: usize,
    /// Least total time of skyfence's runs per file, seconds.
    #[arg(long, default_value_t = 3.0)]
    min_time_s: f64,
    /// Only the shared scenarios plus one generated one (faster).
    #[arg(long)]
    quick: bool,
    /// Extra skyfence tracker config (TOML) merged over the scenario-derived one.
    #[arg(long)]
    config: Option<PathBuf>,
}

pub const GOSPA: GospaParams = GospaParams { c: 100.0, p: 2.0 };

/// Writes the detections of a scenario in the skyfence detection contract.
pub fn write_detections(s: &MttScenario, path: &Path) -> Result<usize> {
    std::fs::write(path, s.detection_lines())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(s.scans.iter().map(|x| x.detections.len()).sum())
}

/// Reads track lines (`time_s`, `x_m`, `y_m`) grouped by time.
pub fn read_tracks(path: &Path) -> Result<BTreeMap<u64, Vec<[f64; 2]>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut by_time: BTreeMap<u64, Vec<[f64; 2]>> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let Some(r) = formats::parse_track_line(line, i as u64 + 1)
            .with_context(|| format!("in {}", path.display()))?
        else {
            continue;
        };
        let Some(p) = r.position.local_m else {
            anyhow::bail!("{} line {}: no x_m/y_m", path.display(), i + 1);
        };
        by_time
            .entry(r.time_s.to_bits())
            .or_default()
            .push([p[0], p[1]]);
    }
    Ok(by_time)
}

/// Mean per-scan GOSPA of tracks against the scenario's truth.
pub fn score(s: &MttScenario, tracks: &BTreeMap<u64, Vec<[f64; 2]>>) -> Result<GospaSummary> {
    let mut sum = GospaSummary::default();
    for scan in &s.scans {
        let truth: Vec<[f64; 2]> = scan.truth.iter().map(|t| [t.x, t.y]).collect();
        let est = tracks
            .get(&scan.t.to_bits())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let g = gospa(&truth, est, GOSPA)?;
        sum.add(&g, ospa(&truth, est, GOSPA)?);
    }
    Ok(sum)
}

struct Row {
    scenario: String,
    tracker: String,
    detections: usize,
    wall_s: f64,
    summary: GospaSummary,
}

fn scenarios(quick: bool) -> Result<Vec<(String, MttScenario)>> {
    let shared = shared_dir()?;
    let mut v = Vec::new();
    for name in ["small", "medium"] {
        let p = shared.join(format!("scenarios/scen_{name}.jsonl"));
        let text = std::fs::read_to_string(&p)
            .with_context(|| format!("reading {} (needed by this benchmark)", p.display()))?;
        v.push((
            format!("shared-{name}"),
            MttScenario::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
        ));
    }
    // Same family, other seeds and sizes: nobody tuned on these.
    let mut gen = vec![
        MttParams::family(101, 10, 100, 20.0),
        MttParams::family(202, 50, 200, 50.0),
    ];
    if !quick {
        gen.push(MttParams::family(303, 30, 150, 100.0));
        gen.push(MttParams::family(404, 100, 200, 50.0));
    }
    for p in gen {
        let name = format!("gen-s{}-{}t-{}c", p.seed, p.n_targets, p.clutter_rate);
        v.push((name, generate(&p)?));
    }
    Ok(v)
}

fn ensure_stonesoup() -> Result<PathBuf> {
    let venv = root().join("target/stonesoup-venv");
    let py = venv.join("bin/python");
    let ok = py.exists()
        && Command::new(&py)
            .args(["-c", "import stonesoup, sys; sys.exit(0 if stonesoup.__version__.startswith('1.9.1') else 1)"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
    if !ok {
        eprintln!("installing Stone Soup 1.9.1 into {} ...", venv.display());
        run_cmd(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        run_cmd(Command::new(&py).args(["-m", "pip", "install", "--quiet", "stonesoup==1.9.1"]))?;
    }
    Ok(py)
}

pub fn run(a: Args) -> Result<()> {
    let bin = build_skyfence()?;
    let out = root().join(&a.out);
    std::fs::create_dir_all(&out)?;
    let py = if a.no_stonesoup {
        None
    } else {
        Some(ensure_stonesoup()?)
    };
    let extra = match &a.config {
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?
        }
        None => String::new(),
    };
    // Both trackers run on one core: pin this process to CPU 0 so every child inherits
    // the affinity (pinning each child with `taskset CMD` would add an exec to the
    // timed wall time).
    let pinned = Command::new("taskset")
        .args(["-p", "-c", "0", &std::process::id().to_string()])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !pinned {
        eprintln!("warning: could not pin to one core (taskset missing?); timings may use both");
    }
    let mut rows: Vec<Row> = Vec::new();
    for (name, scen) in scenarios(a.quick)? {
        let det_path = out.join(format!("{name}.detections.jsonl"));
        let n = write_detections(&scen, &det_path)?;
        let cfg_path = out.join(format!("{name}.skyfence.toml"));
        std::fs::write(&cfg_path, merge_toml(&scen.tracker_config_toml(), &extra)?)?;
        let trk_path = out.join(format!("{name}.skyfence.jsonl"));
        let mut walls: Vec<f64> = Vec::new();
        while walls.len() < a.repeats.max(1) || walls.iter().sum::<f64>() < a.min_time_s {
            let mut cmd = Command::new(&bin);
            cmd.args(["track", "--quiet", "--config"])
                .arg(&cfg_path)
                .arg(&det_path)
                .arg("-o")
                .arg(&trk_path);
            let t0 = Instant::now();
            run_cmd(&mut cmd)?;
            walls.push(t0.elapsed().as_secs_f64());
        }
        walls.sort_by(f64::total_cmp);
        let best = walls[0];
        let median = walls[walls.len() / 2];
        let summary = score(&scen, &read_tracks(&trk_path)?)?;
        rows.push(Row {
            scenario: name.clone(),
            tracker: "skyfence".into(),
            detections: n,
            wall_s: best,
            summary,
        });
        eprintln!(
            "{name}: skyfence GOSPA {:.2} in {:.4} s (fastest of {} runs; median {:.4} s)",
            summary.mean_gospa,
            best,
            walls.len(),
            median
        );
        if let Some(py) = &py {
            let h = &scen.header;
            let prefix = out.join(format!("{name}.stonesoup"));
            let mut cmd = Command::new(py);
            cmd.arg(root().join("xtask/python/stonesoup_runner.py"))
                .arg(&det_path)
                .arg(&prefix)
                .args([
                    "--q",
                    &h.q.to_string(),
                    "--sigma",
                    &h.sigma.to_string(),
                    "--pd",
                    &h.pd.to_string(),
                ])
                .args([
                    "--clutter-density",
                    &scen.clutter_density_per_m2().to_string(),
                    "--trackers",
                    &a.trackers,
                ]);
            let output = cmd.output().context("running Stone Soup")?;
            if !output.status.success() {
                bail!(
                    "Stone Soup failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            for line in String::from_utf8_lossy(&output.stdout).lines() {
                let v: serde_json::Value = serde_json::from_str(line)?;
                let tracker = v["tracker"].as_str().unwrap_or("?").to_string();
                let wall = v["wall_s"].as_f64().unwrap_or(f64::NAN);
                let path = PathBuf::from(v["output"].as_str().unwrap_or_default());
                let summary = score(&scen, &read_tracks(&path)?)?;
                eprintln!(
                    "{name}: stonesoup {tracker} GOSPA {:.2} in {:.2} s",
                    summary.mean_gospa, wall
                );
                rows.push(Row {
                    scenario: name.clone(),
                    tracker: format!("stonesoup {tracker}"),
                    detections: n,
                    wall_s: wall,
                    summary,
                });
            }
        }
    }
    print_table(&rows);
    println!(
        "\nskyfence: the whole process (start, parse, track, write), the fastest of at least {} runs and {} s per file. Stone Soup: its tracking loop only (reading detections and writing tracks not timed), one run.",
        a.repeats.max(1),
        a.min_time_s
    );
    Ok(())
}

fn merge_toml(base: &str, extra: &str) -> Result<String> {
    let mut b: toml::Table = base.parse()?;
    let e: toml::Table = extra.parse()?;
    for (k, v) in e {
        match (b.get_mut(&k), v) {
            (Some(toml::Value::Table(bt)), toml::Value::Table(et)) => bt.extend(et),
            (_, v) => {
                b.insert(k, v);
            }
        }
    }
    Ok(toml::to_string(&b)?)
}

fn print_table(rows: &[Row]) {
    println!();
    println!(
        "| scenario | tracker | detections | wall s | detections/s | GOSPA | missed/scan | false/scan | OSPA | GOSPA vs best Stone Soup | speed vs fastest Stone Soup |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let ss: Vec<&Row> = rows
            .iter()
            .filter(|o| o.scenario == r.scenario && o.tracker.starts_with("stonesoup"))
            .collect();
        let best_g = ss
            .iter()
            .map(|o| o.summary.mean_gospa)
            .fold(f64::INFINITY, f64::min);
        let fastest = ss
            .iter()
            .map(|o| o.detections as f64 / o.wall_s)
            .fold(0.0, f64::max);
        let rate = r.detections as f64 / r.wall_s;
        let (gr, sr) = if r.tracker == "skyfence" && !ss.is_empty() {
            (
                format!("{:.3}", r.summary.mean_gospa / best_g),
                format!("{:.0}x", rate / fastest),
            )
        } else {
            ("".into(), "".into())
        };
        println!(
            "| {} | {} | {} | {:.4} | {:.0} | {:.2} | {:.3} | {:.3} | {:.2} | {} | {} |",
            r.scenario,
            r.tracker,
            r.detections,
            r.wall_s,
            rate,
            r.summary.mean_gospa,
            r.summary.mean_missed,
            r.summary.mean_false,
            r.summary.mean_ospa,
            gr,
            sr
        );
    }
}
