//! Runs of the scenario library for the evaluations: each scenario simulated with a
//! seed, tracked as a deployment would (its sensors file and its wind), and scored by
//! `skyfence eval`.
use crate::{output, root};
use anyhow::{Context, Result};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The library's scenario names, or `only` when it names some.
pub fn names(bin: &Path, only: &[String]) -> Result<Vec<String>> {
    if !only.is_empty() {
        return Ok(only.to_vec());
    }
    Ok(output(Command::new(bin).args(["sim", "--list"]))?
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect())
}

/// One run of scenario `name` with `seed`, its files in `out`; with `alerts`, the
/// alert rules run on the scenario's zones and are scored too. `skyfence eval`'s JSON.
pub fn run(
    bin: &Path,
    out: &Path,
    name: &str,
    seed: u64,
    alerts: bool,
) -> Result<serde_json::Value> {
    let path = root().join(format!("scenarios/{name}.toml"));
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let scenario: simulator::Scenario =
        toml::from_str(&text).with_context(|| format!("in {}", path.display()))?;
    closed_loop(
        bin,
        &scenario,
        OsStr::new(name),
        Some(seed),
        &|f| out.join(format!("{name}.{seed}.{f}")),
        &[],
        alerts,
    )
    .with_context(|| format!("skyfence eval on {name} seed {seed}"))
}

/// sim, track (as a deployment would: the sensors file and the scenario's wind) and
/// eval of a scenario (`what`: a library name or a file, parsed as `scenario`), with
/// each run file at `file(kind)`. `skyfence eval`'s JSON.
pub fn closed_loop(
    bin: &Path,
    scenario: &simulator::Scenario,
    what: &OsStr,
    seed: Option<u64>,
    file: &dyn Fn(&str) -> PathBuf,
    eval_args: &[&str],
    alerts: bool,
) -> Result<serde_json::Value> {
    let wind = format!(
        "{},{}",
        scenario.weather.wind_from_deg, scenario.weather.wind_speed_mps
    );
    let mut sim = Command::new(bin);
    sim.args(["sim", "--quiet"]).arg(what);
    if let Some(seed) = seed {
        sim.args(["--seed", &seed.to_string()]);
    }
    sim.arg("-o")
        .arg(file("detections.jsonl"))
        .arg("--truth")
        .arg(file("truth.jsonl"))
        .arg("--sensors")
        .arg(file("sensors.jsonl"));
    let mut track = Command::new(bin);
    track
        .args(["track", "--quiet", "--wind", &wind, "--sensors"])
        .arg(file("sensors.jsonl"))
        .arg(file("detections.jsonl"))
        .arg("-o")
        .arg(file("tracks.jsonl"));
    let mut eval = Command::new(bin);
    eval.args(["eval", "--json"])
        .args(eval_args)
        .arg("--scenario")
        .arg(what)
        .arg("--truth")
        .arg(file("truth.jsonl"))
        .arg("--tracks")
        .arg(file("tracks.jsonl"));
    if alerts {
        sim.arg("--geojson").arg(file("geojson"));
        track
            .arg("--zones")
            .arg(file("geojson"))
            .arg("--alerts")
            .arg(file("alerts.jsonl"));
        eval.arg("--alerts").arg(file("alerts.jsonl"));
    }
    output(&mut sim)?;
    output(&mut track)?;
    let json = output(&mut eval)?;
    Ok(serde_json::from_str(&json)?)
}
