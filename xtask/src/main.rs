//! Developer tasks: `cargo xtask test`, `bench-track`, `bench-scale`, `bench-sim`,
//! `eval-realdata`, `eval-classify`, `gen-demo`, `scenario-table`.
use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::Command;

mod bench_decode;
mod bench_scale;
mod bench_sim;
mod bench_track;
mod eval_alerts;
mod eval_classify;
mod eval_plan;
mod eval_realdata;
mod gen_demo;
mod library;
mod load_serve;
mod plan_example;
mod scenario_table;

#[derive(Parser)]
#[command(about = "skyfence developer tasks")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// The whole test suite: formatting, clippy, and every test (what CI runs).
    Test,
    /// skyfence vs Stone Soup 1.9.1 on the same detections: speed and GOSPA.
    BenchTrack(bench_track::Args),
    /// Decoding speed of the sensor-protocol adapters, one core.
    BenchDecode(bench_decode::Args),
    /// One scan of 10,000 targets and 100,000 clutter plots in a 200 km square.
    BenchScale(bench_scale::Args),
    /// Simulator throughput on a detection-heavy and a truth-heavy generated scenario.
    BenchSim(bench_sim::Args),
    /// Real aircraft trajectories through a simulated 3D radar.
    EvalRealdata(eval_realdata::Args),
    /// Alerts over the scenario library with several seeds: warning against what the
    /// sensors allowed, misses, false alerts; writes docs/alert-results.md.
    EvalAlerts(eval_alerts::Args),
    /// Classification over the scenario library with several seeds.
    EvalClassify(eval_classify::Args),
    /// The planner against uniform layouts, predicted and simulated (sim, track, eval);
    /// writes docs/planning-results.md.
    EvalPlan(eval_plan::Args),
    /// The worked example: the cost of 60 s of warning along the eastern flank against
    /// Shahed-class drones and against quadcopters; writes docs/planning-example.md.
    PlanExample(plan_example::Args),
    /// `skyfence serve` under sustained TCP load: rate held, memory, alert latency.
    LoadServe(load_serve::Args),
    /// Regenerate the bundled demo scenario in scenarios/demo-border.
    GenDemo(gen_demo::Args),
    /// Runs every library scenario through sim, track and eval; writes docs/scenario-results.md.
    ScenarioTable(scenario_table::Args),
}

fn main() -> Result<()> {
    match Cli::parse().cmd {
        Cmd::Test => test(),
        Cmd::BenchTrack(a) => bench_track::run(a),
        Cmd::BenchDecode(a) => bench_decode::run(a),
        Cmd::BenchScale(a) => bench_scale::run(a),
        Cmd::BenchSim(a) => bench_sim::run(a),
        Cmd::EvalRealdata(a) => eval_realdata::run(a),
        Cmd::EvalAlerts(a) => eval_alerts::run(a),
        Cmd::EvalClassify(a) => eval_classify::run(a),
        Cmd::EvalPlan(a) => eval_plan::run(a),
        Cmd::PlanExample(a) => plan_example::run(a),
        Cmd::GenDemo(a) => gen_demo::run(a),
        Cmd::LoadServe(a) => load_serve::run(a),
        Cmd::ScenarioTable(a) => scenario_table::run(a),
    }
}

/// The workspace root (the parent of this crate's folder).
pub fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(Path::to_path_buf).unwrap_or(here)
}

/// `../shared` beside the repository, required by benchmarks that say so.
pub fn shared_dir() -> Result<PathBuf> {
    let p = std::env::var_os("SKYFENCE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"));
    if !p.join("README.md").exists() {
        bail!("the shared reference files are missing: expected them at {} (set SKYFENCE_SHARED to their folder)", p.display());
    }
    Ok(p)
}

/// A whole number with thousands separators (euros in the planner's tables).
pub fn thousands(v: f64) -> String {
    let s = (v.round() as u64).to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Runs a command that must succeed; its standard output.
pub fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.output().with_context(|| format!("starting {cmd:?}"))?;
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn run_cmd(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

/// Builds the release binary and returns its path.
pub fn build_skyfence() -> Result<PathBuf> {
    run_cmd(Command::new(env!("CARGO")).current_dir(root()).args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "skyfence",
    ]))?;
    Ok(root().join("target/release/skyfence"))
}

fn test() -> Result<()> {
    let cargo = env!("CARGO");
    let r = root();
    run_cmd(
        Command::new(cargo)
            .current_dir(&r)
            .args(["fmt", "--all", "--", "--check"]),
    )?;
    run_cmd(Command::new(cargo).current_dir(&r).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--quiet",
        "--",
        "-D",
        "warnings",
    ]))?;
    let peer = peer_python()?;
    let ast_tool = peer_ast_tool()?;
    let chromium = browser()?;
    run_cmd(
        Command::new(cargo)
            .current_dir(&r)
            .env("SKYFENCE_PEER_PYTHON", &peer)
            .env("SKYFENCE_PEER_AST_TOOL", &ast_tool)
            .env("SKYFENCE_CHROMIUM", &chromium)
            .args(["test", "--workspace", "--profile", "ci"]),
    )?;
    Ok(())
}

/// The browser test's peers: Debian's Chromium (installed with apt-get when missing)
/// and the page's npm dependencies with playwright-core in web/node_modules.
fn browser() -> Result<PathBuf> {
    let chromium = PathBuf::from("/usr/bin/chromium");
    if !chromium.exists() {
        eprintln!("installing Debian's chromium for the browser test ...");
        let root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        let apt = |args: &[&str]| {
            let mut c = if root {
                Command::new("apt-get")
            } else {
                let mut c = Command::new("sudo");
                c.args(["-n", "apt-get"]);
                c
            };
            c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
            run_cmd(&mut c)
        };
        apt(&["update", "-qq"])?;
        apt(&["install", "-y", "-qq", "chromium"])
            .context("installing chromium (needs root or password-less sudo)")?;
    }
    let web = root().join("web");
    let stamp = web.join("node_modules/.package-lock.json");
    let lock = web.join("package-lock.json");
    let fresh = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if fresh(&stamp).is_none() || fresh(&stamp) < fresh(&lock) {
        eprintln!("installing the page's npm dependencies (with playwright-core) into web/node_modules ...");
        run_cmd(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&web),
        )?;
    }
    Ok(chromium)
}

/// The Python packages the peer tests run, pinned. asterix_decoder builds a C++
/// extension (with the machine's g++).
const PEER_PACKAGES: &[&str] = &[
    "takproto==3.0.1",
    "asterix_decoder==0.7.11",
    "dpkt==1.9.8",
    "sapient-msg==0.2.1",
];
/// ast-tool-py's library installs a Python package named `asterix`, as
/// asterix_decoder does, so it lives in a venv of its own.
const AST_TOOL_PACKAGES: &[&str] = &["ast-tool-py==0.27.25", "libasterix==0.36.3"];

/// A venv under target/ with `packages`, installed once (a marker file names them).
fn venv_with(name: &str, packages: &[&str]) -> Result<PathBuf> {
    let venv = root().join("target").join(name);
    let py = venv.join("bin/python");
    let ready = venv.join(format!(".installed-{}", packages.join(",")));
    if !ready.exists() {
        eprintln!(
            "installing the test peers ({}) into {} ...",
            packages.join(", "),
            venv.display()
        );
        run_cmd(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        run_cmd(
            Command::new(&py)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(packages),
        )?;
        std::fs::write(&ready, "")?;
    }
    Ok(venv)
}

/// The Python with the independent peers the tests talk to (takproto for CoT,
/// asterix_decoder for ASTERIX input, sapient-msg for SAPIENT), in target/peer-venv.
fn peer_python() -> Result<PathBuf> {
    Ok(venv_with("peer-venv", PEER_PACKAGES)?.join("bin/python"))
}

/// ast-tool-py, the CAT062 output's peer, in target/peer-venv-ast.
fn peer_ast_tool() -> Result<PathBuf> {
    Ok(venv_with("peer-venv-ast", AST_TOOL_PACKAGES)?.join("bin/ast-tool-py"))
}
