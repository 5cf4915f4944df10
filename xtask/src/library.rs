//! Runs of the scenario library for the evaluations: each scenario simulated with a
//! seed, tracked as a deployment would (its sensors file and its wind), and scored by
//! `skyfence eval`.
use crate::{output, root};
use anyhow::{Context, Result};
use std::path::Path;
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
    let wind = format!(
        "{},{}",
        scenario.weather.wind_from_deg, scenario.weather.wind_speed_mps
    );
    let p = |f: &str| out.join(format!("{name}.{seed}.{f}"));
    let mut sim = Command::new(bin);
    sim.args(["sim", "--quiet", name, "--seed", &seed.to_string(), "-o"])
        .arg(p("detections.jsonl"))
        .arg("--truth")
        .arg(p("truth.jsonl"))
        .arg("--sensors")
        .arg(p("sensors.jsonl"));
    let mut track = Command::new(bin);
    track
        .args(["track", "--quiet", "--wind", &wind, "--sensors"])
        .arg(p("sensors.jsonl"))
        .arg(p("detections.jsonl"))
        .arg("-o")
        .arg(p("tracks.jsonl"));
    let mut eval = Command::new(bin);
    eval.args(["eval", "--json", "--scenario", name, "--truth"])
        .arg(p("truth.jsonl"))
        .arg("--tracks")
        .arg(p("tracks.jsonl"));
    if alerts {
        sim.arg("--geojson").arg(p("geojson"));
        track
            .arg("--zones")
            .arg(p("geojson"))
            .arg("--alerts")
            .arg(p("alerts.jsonl"));
        eval.arg("--alerts").arg(p("alerts.jsonl"));
    }
    output(&mut sim)?;
    output(&mut track)?;
    let json = output(&mut eval)?;
    serde_json::from_str(&json).with_context(|| format!("skyfence eval on {name} seed {seed}"))
}
