//! `skyfence sim`: runs a scenario into detections, truth and a sensors file.
use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use simulator::{Scenario, Simulation};
use std::{
    fs::File,
    io::{IsTerminal, Write},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

/// The scenario library, built into the binary so `--list` and names work anywhere.
const LIBRARY: &[(&str, &str)] = &[
    (
        "quad-night-crossing",
        include_str!("../../../scenarios/quad-night-crossing.toml"),
    ),
    (
        "shahed-raid",
        include_str!("../../../scenarios/shahed-raid.toml"),
    ),
    (
        "bird-migration",
        include_str!("../../../scenarios/bird-migration.toml"),
    ),
    (
        "smuggling-balloons",
        include_str!("../../../scenarios/smuggling-balloons.toml"),
    ),
    (
        "transponder-off",
        include_str!("../../../scenarios/transponder-off.toml"),
    ),
    (
        "mixed-border-100km",
        include_str!("../../../scenarios/mixed-border-100km.toml"),
    ),
];

#[derive(Args)]
pub struct SimArgs {
    /// Scenario file (TOML; see docs/scenarios.md) or the name of a library scenario.
    #[arg(required_unless_present = "list")]
    scenario: Option<String>,
    /// List the library scenarios and exit.
    #[arg(long)]
    list: bool,
    /// Where to write detections (`-` for standard output).
    #[arg(short, long, default_value = "detections.jsonl")]
    output: String,
    /// Where to write truth.
    #[arg(long, default_value = "truth.jsonl")]
    truth: PathBuf,
    /// Where to write the sensors file (with the site origin) for `skyfence track`.
    #[arg(long, default_value = "sensors.jsonl")]
    sensors: PathBuf,
    /// Also write the border, zones and sensors as GeoJSON.
    #[arg(long)]
    geojson: Option<PathBuf>,
    /// Pace output to the clock (for live demos) instead of running as fast as possible.
    #[arg(long)]
    realtime: bool,
    /// Speed-up factor in real-time mode.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Do not print the summary on standard error.
    #[arg(long, short)]
    quiet: bool,
}

/// Loads a scenario by path or library name, reporting every problem at once.
pub fn load_scenario(what: &Path) -> Result<Scenario> {
    let (text, label) = match LIBRARY.iter().find(|(n, _)| Path::new(n) == what) {
        Some((name, text)) => ((*text).to_owned(), format!("library scenario {name}")),
        None => (
            std::fs::read_to_string(what).with_context(|| {
                format!(
                    "reading scenario {} (library names: {})",
                    what.display(),
                    LIBRARY.iter().map(|l| l.0).collect::<Vec<_>>().join(", ")
                )
            })?,
            format!("scenario {}", what.display()),
        ),
    };
    let mut s: Scenario = toml::from_str(&text).with_context(|| format!("in {label}"))?;
    let base = what.parent().unwrap_or(Path::new("."));
    for t in &mut s.targets {
        if let (Some(file), Some(id)) = (&t.recording, &t.recording_id) {
            t.recorded_points = load_recording(&base.join(file), id)
                .with_context(|| format!("target `{}` of {label}", t.name))?;
        }
    }
    let problems = s.problems();
    if !problems.is_empty() {
        bail!(
            "{label} has {} problem(s):\n  {}",
            problems.len(),
            problems.join("\n  ")
        );
    }
    Ok(s)
}

/// The points of one `id` of a recorded-trajectory file, in time order.
fn load_recording(path: &Path, id: &str) -> Result<Vec<simulator::scenario::RecordedPoint>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading recording {}", path.display()))?;
    let pts = formats::parse_recording(&text, id)
        .with_context(|| format!("in recording {}", path.display()))?;
    if pts.is_empty() {
        bail!("{} has no points with id `{id}`", path.display());
    }
    Ok(pts)
}

pub fn run(a: SimArgs) -> Result<()> {
    if a.list {
        for (name, text) in LIBRARY {
            let s: Scenario =
                toml::from_str(text).with_context(|| format!("library scenario {name}"))?;
            outln!("{name:22} {:>6.0} s  {}", s.duration_s, s.description);
        }
        return Ok(());
    }
    let Some(what) = &a.scenario else {
        bail!("give a scenario file or name (see --list)");
    };
    if !(a.speed > 0.0 && a.speed.is_finite()) {
        bail!("--speed must be positive");
    }
    let mut scenario = load_scenario(Path::new(what))?;
    if let Some(seed) = a.seed {
        scenario.seed = seed;
    }
    let mut sim = Simulation::new(&scenario).context("setting up the simulation")?;
    std::fs::write(&a.sensors, sim.sensors_file())
        .with_context(|| format!("writing sensors file {}", a.sensors.display()))?;
    if let Some(path) = &a.geojson {
        std::fs::write(
            path,
            formats::site_geojson(&scenario.name, &sim.site_features()),
        )
        .with_context(|| format!("writing GeoJSON {}", path.display()))?;
    }
    let mut det_out: Box<dyn Write> = if a.output == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(File::create(&a.output).with_context(|| format!("creating {}", a.output))?)
    };
    let mut truth_out = std::io::BufWriter::with_capacity(
        1 << 16,
        File::create(&a.truth).with_context(|| format!("creating {}", a.truth.display()))?,
    );
    let progress = (std::io::stderr().is_terminal() && !a.quiet).then(|| {
        let pb = ProgressBar::new(scenario.duration_s.ceil() as u64);
        pb.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} s simulated {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        pb
    });
    let start = Instant::now();
    let mut pending: Vec<u8> = Vec::with_capacity(1 << 17);
    let realtime = a.realtime;
    let stats = sim
        .run(|t, dets, truth| -> Result<()> {
            if realtime {
                let due = Duration::from_secs_f64(t / a.speed);
                if let Some(wait) = due.checked_sub(start.elapsed()) {
                    std::thread::sleep(wait);
                }
                det_out.write_all(dets)?;
                det_out.flush()?;
            } else {
                pending.extend_from_slice(dets);
                if pending.len() >= 1 << 16 {
                    det_out.write_all(&pending)?;
                    pending.clear();
                }
            }
            truth_out.write_all(truth)?;
            if let Some(pb) = &progress {
                pb.set_position(t as u64);
            }
            Ok(())
        })
        .context("writing simulation output")?;
    det_out.write_all(&pending)?;
    det_out.flush()?;
    truth_out.flush()?;
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    let secs = start.elapsed().as_secs_f64();
    if !a.quiet {
        eprintln!(
            "skyfence sim: {} ({} targets, {} sensors, {} s): {} detections ({} false alarms), {} truth lines in {:.3} s, {:.0} detections/s",
            scenario.name,
            sim.targets().len(),
            sim.sensors().len(),
            scenario.duration_s,
            stats.detections,
            stats.false_alarms,
            stats.truth_lines,
            secs,
            stats.detections as f64 / secs.max(1e-9)
        );
    }
    Ok(())
}
