//! `skyfence demo`: the service on a built-in scenario simulated in real time, with the
//! map page, for a first look on a laptop (docs/map.md).

use crate::serve;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

#[derive(Args)]
pub struct DemoArgs {
    /// Library scenario to simulate (see `skyfence sim --help` for the names).
    #[arg(long, default_value = "mixed-border-100km")]
    scenario: String,
    /// Times faster than real time.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Where the map and the API listen. Anything but a loopback address needs
    /// SKYFENCE_OPERATOR_PASSWORD and SKYFENCE_VIEWER_PASSWORD set.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Start this many seconds into the scenario (simulated at once), so the map opens
    /// on a picture under way; 0 for the very beginning.
    #[arg(long, default_value_t = 120.0)]
    from_s: f64,
    /// Seed of the simulation (default: the scenario's own).
    #[arg(long)]
    seed: Option<u64>,
    /// Show a sensor plan's coverage on the map (`skyfence plan`'s placement.geojson);
    /// with `--scenario DIR/scenario.toml` the demo flies the plan's own layout.
    #[arg(long)]
    plan: Option<std::path::PathBuf>,
    /// Stop when the scenario ends instead of waiting for Ctrl-C.
    #[arg(long)]
    until_end: bool,
}

/// A secret from the environment, or a generated one; and whether it was generated.
fn secret(var: &str, bytes: usize) -> Result<(String, bool)> {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => Ok((v, false)),
        _ => Ok((
            server::auth::random_hex(bytes).context("generating a password")?,
            true,
        )),
    }
}

/// TOML's basic-string escaping, for values put into the generated configuration.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

pub fn run(args: DemoArgs) -> Result<()> {
    if !(args.speed > 0.0 && args.speed.is_finite()) {
        bail!("--speed must be a positive number, got {}", args.speed);
    }
    if !(args.from_s >= 0.0 && args.from_s.is_finite()) {
        bail!("--from-s must be 0 or more, got {}", args.from_s);
    }
    let (operator_pw, operator_generated) = secret("SKYFENCE_OPERATOR_PASSWORD", 8)?;
    let (viewer_pw, viewer_generated) = secret("SKYFENCE_VIEWER_PASSWORD", 8)?;
    let (token, token_generated) = secret("SKYFENCE_API_TOKEN", 16)?;
    if !args.listen.ip().is_loopback() && (operator_generated || viewer_generated) {
        bail!(
            "the demo listens on {}, which is not a loopback address: set SKYFENCE_OPERATOR_PASSWORD and SKYFENCE_VIEWER_PASSWORD (and SKYFENCE_API_TOKEN) first, or use --listen 127.0.0.1:PORT",
            args.listen
        );
    }
    let operator_hash = server::auth::hash_password(&operator_pw)?;
    let viewer_hash = server::auth::hash_password(&viewer_pw)?;
    let seed = args
        .seed
        .map(|s| format!("seed = {s}\n"))
        .unwrap_or_default();
    let plan_line = match &args.plan {
        Some(p) => {
            let abs =
                std::fs::canonicalize(p).with_context(|| format!("--plan {}", p.display()))?;
            format!("plan = {}\n", toml_str(&abs.to_string_lossy()))
        }
        None => String::new(),
    };
    let config = format!(
        r#"[api]
listen = {listen}
token = {token}

[web]
{plan_line}
[[web.user]]
name = "operator"
role = "operator"
password_hash = {operator_hash}

[[web.user]]
name = "viewer"
role = "viewer"
password_hash = {viewer_hash}

[[input]]
kind = "sim"
scenario = {scenario}
speed = {speed}
from_s = {from_s}
{seed}"#,
        listen = toml_str(&args.listen.to_string()),
        token = toml_str(&token),
        operator_hash = toml_str(&operator_hash),
        viewer_hash = toml_str(&viewer_hash),
        scenario = toml_str(&args.scenario),
        speed = args.speed,
        from_s = args.from_s,
    );
    let (plan, api) = serve::load_text(&config, Path::new("skyfence-demo.toml"))
        .with_context(|| format!("setting up the demo of {}", args.scenario))?;
    let shown = |pw: &str, generated: bool, var: &str| {
        if generated {
            format!("{pw}  (generated; set {var} to choose)")
        } else {
            format!("(from {var})")
        }
    };
    let scenario = args.scenario.clone();
    let speed = args.speed;
    let from_s = args.from_s;
    let token_note = if token_generated {
        token.clone()
    } else {
        "(from SKYFENCE_API_TOKEN)".to_owned()
    };
    serve::run_service(
        plan,
        api,
        args.until_end,
        Duration::from_secs(2),
        move |addr| {
            eprintln!(
            "skyfence demo: {scenario} simulated at {speed}x real time from {from_s} s\n\
             \n  map:       http://{addr}/\n  operator:  user `operator`, password {}\n  viewer:    user `viewer`, password {}\n  API token: {token_note}\n             curl -H 'Authorization: Bearer TOKEN' http://{addr}/api/alerts\n\nStop with Ctrl-C.",
            shown(&operator_pw, operator_generated, "SKYFENCE_OPERATOR_PASSWORD"),
            shown(&viewer_pw, viewer_generated, "SKYFENCE_VIEWER_PASSWORD"),
        );
        },
    )
}
