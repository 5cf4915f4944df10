//! `skyfence serve --config FILE`: the long-running service (docs/serve.md).
//!
//! The configuration is read in two phases, as Vector does: the TOML is parsed into
//! plain sections, then every section is checked and every problem collected, so one
//! run of `skyfence serve --check` lists everything to fix.

use crate::{sim, track};
use anyhow::{bail, Context, Result};
use clap::Args;
use pipeline::{CotTransport, InputPlan, LanePolicy, OnFull, OutputPlan, Plan};
use serde::Deserialize;
use server::auth::MIN_PASSWORD_CHARS;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Args)]
pub struct ServeArgs {
    /// Service configuration (TOML; see docs/serve.md).
    #[arg(long)]
    config: PathBuf,
    /// Check the configuration, report every problem, and exit.
    #[arg(long)]
    check: bool,
    /// Stop once every replay and sim input has reached its end (for batch replays
    /// and tests); live inputs are closed then too.
    #[arg(long)]
    until_inputs_end: bool,
    /// Seconds network outputs get at shutdown to deliver what they hold.
    #[arg(long, default_value_t = 5.0)]
    grace_s: f64,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SiteSection {
    /// LAT,LON,ALT_M.
    origin: Option<String>,
    sensors: Option<PathBuf>,
    zones: Option<PathBuf>,
    tracker: Option<PathBuf>,
    reorder_window_s: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiSection {
    listen: String,
    token: Option<String>,
    token_env: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AlertsSection {
    threat_classes: Option<Vec<String>>,
    undecided_threat_probability: Option<f64>,
    undecided_horizon_s: Option<f64>,
    settle_share: Option<f64>,
    settle_max_s: Option<f64>,
    settle_from_s: Option<f64>,
    crossing_horizon_s: Option<f64>,
    crossing_probability: Option<f64>,
    crossing_keep_probability: Option<f64>,
    close_after_s: Option<f64>,
    dedup_radius_m: Option<f64>,
    swarm_min_tracks: Option<usize>,
    swarm_radius_m: Option<f64>,
    swarm_heading_deg: Option<f64>,
    loiter_radius_m: Option<f64>,
    loiter_min_s: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct HealthSection {
    silent_after_s: Option<f64>,
    silent_intervals: Option<f64>,
    window_s: Option<f64>,
    baseline_windows: Option<u32>,
    rate_drop_ratio: Option<f64>,
    rate_rise_ratio: Option<f64>,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum InputSection {
    Tcp {
        listen: String,
    },
    Sapient {
        listen: String,
        node_id: Option<String>,
        max_frame_bytes: Option<usize>,
    },
    Asterix {
        listen: String,
    },
    Beast {
        connect: String,
        sensor: Option<String>,
        reference_lat_deg: Option<f64>,
        reference_lon_deg: Option<f64>,
    },
    Remoteid {
        listen: String,
        sensor: Option<String>,
        unknown_accuracy_sigma_m: Option<f64>,
    },
    Udp {
        listen: String,
    },
    Replay {
        path: PathBuf,
        speed: Option<f64>,
    },
    Sim {
        scenario: String,
        speed: Option<f64>,
        seed: Option<u64>,
        from_s: Option<f64>,
    },
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum OutputSection {
    Alerts {
        path: PathBuf,
        queue: Option<usize>,
        on_full: Option<String>,
    },
    Tracks {
        path: PathBuf,
        queue: Option<usize>,
        on_full: Option<String>,
    },
    Cot {
        transport: String,
        address: String,
        stale_s: Option<f64>,
        track_interval_s: Option<f64>,
        birds: Option<bool>,
        multicast_ttl: Option<u32>,
        multicast_interface: Option<String>,
        queue: Option<usize>,
        on_full: Option<String>,
    },
    Asterix {
        address: String,
        sac: i64,
        sic: i64,
        service: Option<i64>,
        track_interval_s: Option<f64>,
        coasting_after_s: Option<f64>,
        birds: Option<bool>,
        multicast_ttl: Option<u32>,
        queue: Option<usize>,
        on_full: Option<String>,
    },
    Sapient {
        address: String,
        node_id: Option<String>,
        name: Option<String>,
        track_interval_s: Option<f64>,
        birds: Option<bool>,
        max_frame_bytes: Option<usize>,
        queue: Option<usize>,
        on_full: Option<String>,
    },
    Webhook {
        url: String,
        initial_backoff_ms: Option<u64>,
        max_backoff_ms: Option<u64>,
        timeout_ms: Option<u64>,
        queue: Option<usize>,
        on_full: Option<String>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WebSection {
    title: Option<String>,
    /// A plan's placement.geojson to show as a layer.
    plan: Option<PathBuf>,
    secure_cookies: Option<bool>,
    feed_interval_ms: Option<u64>,
    #[serde(default, rename = "user")]
    users: Vec<UserSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserSection {
    name: String,
    role: String,
    password_hash: Option<String>,
    password_env: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServeFile {
    #[serde(default)]
    site: SiteSection,
    api: ApiSection,
    web: Option<WebSection>,
    #[serde(default)]
    alerts: AlertsSection,
    #[serde(default)]
    health: HealthSection,
    #[serde(default, rename = "input")]
    inputs: Vec<InputSection>,
    #[serde(default, rename = "output")]
    outputs: Vec<OutputSection>,
}

/// The API's and the map page's settings, validated.
pub struct Api {
    listen: SocketAddr,
    token: String,
    web: Option<server::WebSettings>,
}

/// The map page's users: each with a role and a password hash, given as a hash or as
/// an environment variable holding the password (hashed here, never stored).
fn web_settings(
    p: &mut Problems,
    w: &WebSection,
    listen: Option<SocketAddr>,
    zones_geojson: Option<String>,
    sim_title: Option<String>,
    plan: Option<PathBuf>,
) -> Option<server::WebSettings> {
    let mut users: Vec<server::auth::User> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    if w.users.is_empty() {
        p.add("web: the map page needs at least one [[web.user]] (name, role, password_hash or password_env)");
    }
    for (i, u) in w.users.iter().enumerate() {
        let what = format!("web.user {} ({})", i + 1, u.name);
        if u.name.trim().is_empty() || u.name.contains(char::is_whitespace) {
            p.add(format!("{what}: the name must be one word"));
        }
        if names.contains(&u.name.as_str()) {
            p.add(format!("{what}: the name is given twice"));
        }
        names.push(&u.name);
        let role = server::auth::Role::parse(&u.role);
        if role.is_none() {
            p.add(format!(
                "{what}.role is `{}`; expected `viewer` or `operator`",
                u.role
            ));
        }
        let hash = match (&u.password_hash, &u.password_env) {
            (Some(h), None) => match server::auth::check_hash(h) {
                Ok(()) => Some(h.clone()),
                Err(e) => {
                    p.add(format!(
                        "{what}.password_hash: {e} (make one with `skyfence hash-password`)"
                    ));
                    None
                }
            },
            (None, Some(var)) => match std::env::var(var) {
                Ok(pw) if pw.chars().count() >= MIN_PASSWORD_CHARS => p.take(
                    &what,
                    server::auth::hash_password(&pw).map_err(anyhow::Error::from),
                ),
                Ok(_) => {
                    p.add(format!(
                        "{what}: the password in `{var}` is shorter than {MIN_PASSWORD_CHARS} characters"
                    ));
                    None
                }
                Err(_) => {
                    p.add(format!(
                        "{what}.password_env names `{var}`, which is not set"
                    ));
                    None
                }
            },
            _ => {
                p.add(format!(
                    "{what}: give exactly one of password_hash or password_env"
                ));
                None
            }
        };
        if let (Some(role), Some(password_hash)) = (role, hash) {
            users.push(server::auth::User {
                name: u.name.clone(),
                role,
                password_hash,
            });
        }
    }
    let interval = w.feed_interval_ms.unwrap_or(1000);
    if !(100..=60_000).contains(&interval) {
        p.add(format!(
            "web.feed_interval_ms is {interval}; expected 100 to 60000"
        ));
    }
    let loopback = listen.is_some_and(|a| a.ip().is_loopback());
    let plan_geojson = plan.as_ref().and_then(|path| {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                p.add(format!("web.plan: reading {}: {e}", path.display()));
                return None;
            }
        };
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v) if v["type"] == "FeatureCollection" => Some(text),
            _ => {
                p.add(format!(
                    "web.plan: {} is not a GeoJSON FeatureCollection (give the placement.geojson that `skyfence plan` wrote)",
                    path.display()
                ));
                None
            }
        }
    });
    Some(server::WebSettings {
        users,
        zones_geojson,
        plan_geojson,
        title: w
            .title
            .clone()
            .or(sim_title)
            .unwrap_or_else(|| "skyfence".into()),
        // Browsers take a secure cookie over plain HTTP only from a loopback address;
        // elsewhere the page must sit behind TLS, which is then the operator's call.
        secure_cookies: w.secure_cookies.unwrap_or(loopback),
        feed_interval: Duration::from_millis(interval.clamp(100, 60_000)),
    })
}

/// Collects problems instead of stopping at the first.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, p: impl Into<String>) {
        self.0.push(p.into());
    }
    /// The value, or the error recorded under `what`.
    fn take<T>(&mut self, what: &str, r: Result<T>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(format!("{what}: {e:#}"));
                None
            }
        }
    }
}

/// A SAPIENT node id: the one given (a UUID, as BSI Flex 335 requires), or one
/// derived from `seed` so that the same config keeps the same id.
fn sapient_node_id(p: &mut Problems, what: &str, given: Option<&str>, seed: &str) -> String {
    match given {
        Some(id) => {
            let ok = id.len() == 36
                && id.chars().enumerate().all(|(i, c)| {
                    if matches!(i, 8 | 13 | 18 | 23) {
                        c == '-'
                    } else {
                        c.is_ascii_hexdigit()
                    }
                });
            if !ok {
                p.add(format!(
                    "{what}.node_id `{id}` is not a UUID (8-4-4-4-12 hex digits)"
                ));
            }
            id.to_ascii_lowercase()
        }
        None => sapient::convert::uuid_from(&format!("skyfence {seed}")),
    }
}

fn addr(p: &mut Problems, what: &str, s: &str) -> Option<SocketAddr> {
    match s.parse::<SocketAddr>() {
        Ok(a) => Some(a),
        Err(_) => {
            p.add(format!(
                "{what}: `{s}` is not an address with a port, for example 127.0.0.1:4001"
            ));
            None
        }
    }
}

fn lane(
    p: &mut Problems,
    what: &str,
    queue: Option<usize>,
    on_full: Option<&str>,
    default: OnFull,
) -> LanePolicy {
    let capacity = queue.unwrap_or(4096);
    if capacity == 0 {
        p.add(format!("{what}.queue must be at least 1"));
    }
    let on_full = match on_full {
        None => default,
        Some("block") => OnFull::Block,
        Some("drop_oldest") => OnFull::DropOldest,
        Some(other) => {
            p.add(format!(
                "{what}.on_full is `{other}`; expected `block` or `drop_oldest`"
            ));
            default
        }
    };
    LanePolicy { capacity, on_full }
}

fn positive(p: &mut Problems, what: &str, v: Option<f64>, default: f64) -> f64 {
    let v = v.unwrap_or(default);
    if !(v > 0.0 && v.is_finite()) {
        p.add(format!("{what} must be a positive number, got {v}"));
    }
    v
}

/// Reads and checks the whole configuration; every problem at once.
fn load(path: &Path) -> Result<(Plan, Api)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading service config {}", path.display()))?;
    load_text(&text, path)
}

/// A service configuration from its text; `path` names it in messages and relative
/// paths in it are taken from its folder.
pub fn load_text(text: &str, path: &Path) -> Result<(Plan, Api)> {
    let file: ServeFile =
        toml::from_str(text).with_context(|| format!("in service config {}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let rel = |q: &Path| -> PathBuf {
        if q.is_absolute() {
            q.to_path_buf()
        } else {
            base.join(q)
        }
    };
    let mut p = Problems::default();

    // [api]
    let listen = addr(&mut p, "api.listen", &file.api.listen);
    let token = match (&file.api.token, &file.api.token_env) {
        (Some(t), None) => Some(t.clone()),
        (None, Some(var)) => match std::env::var(var) {
            Ok(t) => Some(t),
            Err(_) => {
                p.add(format!("api.token_env names `{var}`, which is not set"));
                None
            }
        },
        (Some(_), Some(_)) => {
            p.add("api: give token or token_env, not both");
            None
        }
        (None, None) => {
            p.add("api: a bearer token is required: give token = \"...\" or token_env = \"VAR\"");
            None
        }
    };
    if let Some(t) = &token {
        if t.trim().len() < 16 {
            p.add("api token must be at least 16 characters (it guards acknowledgements)");
        }
    }

    // [site]
    let origin = file
        .site
        .origin
        .as_deref()
        .and_then(|o| match track::parse_origin(o) {
            Ok(l) => Some(l),
            Err(e) => {
                p.add(format!("site.origin: {e}"));
                None
            }
        });
    let mut tracker_cfg = p
        .take(
            "site.tracker",
            track::load_config(file.site.tracker.as_ref().map(|q| rel(q)).as_ref()),
        )
        .unwrap_or_default();
    if let Some(w) = file.site.reorder_window_s {
        if !(w >= 0.0 && w.is_finite()) {
            p.add(format!("site.reorder_window_s must be 0 or more, got {w}"));
        }
        tracker_cfg.timing.reorder_window_s = w;
    }
    let mut sensors = p
        .take(
            "site.sensors",
            track::load_sensors(file.site.sensors.as_ref().map(|q| rel(q)).as_ref()),
        )
        .unwrap_or_default();

    // [[input]]
    if file.inputs.is_empty() {
        p.add("no [[input]]: give at least one (tcp, udp, replay or sim)");
    }
    let mut inputs = Vec::new();
    let mut clock_rate: Option<f64> = Some(1.0);
    let mut unpaced = false;
    let mut sim_zones: Option<String> = None;
    let mut sim_title: Option<String> = None;
    let mut sapient_alerts = Vec::new();
    for (i, inp) in file.inputs.iter().enumerate() {
        let what = format!("input {} ({})", i + 1, kind_of_input(inp));
        match inp {
            InputSection::Tcp { listen } => {
                if let Some(a) = addr(&mut p, &format!("{what}.listen"), listen) {
                    inputs.push(InputPlan::Tcp { listen: a });
                }
            }
            InputSection::Udp { listen } => {
                if let Some(a) = addr(&mut p, &format!("{what}.listen"), listen) {
                    inputs.push(InputPlan::Udp { listen: a });
                }
            }
            InputSection::Asterix { listen } => {
                let radars = asterix::ReceiverConfig::from_sensors(&sensors);
                if radars.radars.is_empty() {
                    p.add(format!(
                        "{what}: no sensor in site.sensors has \"sac\" and \"sic\", so no plot can be placed (its radar's position is needed)"
                    ));
                }
                if let Some(a) = addr(&mut p, &format!("{what}.listen"), listen) {
                    inputs.push(InputPlan::Asterix { listen: a, radars });
                }
            }
            InputSection::Beast {
                connect,
                sensor,
                reference_lat_deg,
                reference_lon_deg,
            } => {
                let reference = match (reference_lat_deg, reference_lon_deg) {
                    (None, None) => None,
                    (Some(la), Some(lo)) if la.abs() <= 90.0 && lo.abs() <= 180.0 => {
                        Some((*la, *lo))
                    }
                    _ => {
                        p.add(format!(
                            "{what}: reference_lat_deg and reference_lon_deg go together, within ±90 and ±180"
                        ));
                        None
                    }
                };
                if let Some(a) = addr(&mut p, &format!("{what}.connect"), connect) {
                    inputs.push(InputPlan::Beast {
                        connect: a,
                        receiver: adsb::ReceiverConfig {
                            sensor: sensor.clone().unwrap_or_else(|| "adsb".into()),
                            reference,
                            ..Default::default()
                        },
                    });
                }
            }
            InputSection::Remoteid {
                listen,
                sensor,
                unknown_accuracy_sigma_m,
            } => {
                let sigma = positive(
                    &mut p,
                    &format!("{what}.unknown_accuracy_sigma_m"),
                    *unknown_accuracy_sigma_m,
                    remoteid::ReceiverConfig::default().unknown_accuracy_sigma_m,
                );
                if let Some(a) = addr(&mut p, &format!("{what}.listen"), listen) {
                    inputs.push(InputPlan::RemoteId {
                        listen: a,
                        receiver: remoteid::ReceiverConfig {
                            sensor: sensor.clone().unwrap_or_else(|| "remoteid".into()),
                            unknown_accuracy_sigma_m: sigma,
                        },
                    });
                }
            }
            InputSection::Sapient {
                listen,
                node_id,
                max_frame_bytes,
            } => {
                let node_id = sapient_node_id(&mut p, &what, node_id.as_deref(), listen);
                let max = max_frame_bytes.unwrap_or(sapient::DEFAULT_MAX_FRAME_BYTES);
                if !(64..=64 << 20).contains(&max) {
                    p.add(format!(
                        "{what}.max_frame_bytes is {max}; expected 64 to 67108864"
                    ));
                }
                if let Some(a) = addr(&mut p, &format!("{what}.listen"), listen) {
                    let (alerts, _) = tokio::sync::broadcast::channel(1024);
                    sapient_alerts.push((alerts.clone(), node_id.clone()));
                    inputs.push(InputPlan::Sapient(pipeline::SapientListen {
                        listen: a,
                        node_id,
                        max_frame_bytes: max,
                        alerts,
                    }));
                }
            }
            InputSection::Replay { path, speed } => {
                let path = rel(path);
                if !path.is_file() {
                    p.add(format!(
                        "{what}.path: {} is not a readable file",
                        path.display()
                    ));
                }
                match speed {
                    Some(s) if !(*s > 0.0 && s.is_finite()) => {
                        p.add(format!("{what}.speed must be positive (omit it to replay as fast as possible), got {s}"));
                    }
                    Some(s) => clock_rate = Some(clock_rate.map_or(*s, |r| r.max(*s))),
                    None => unpaced = true,
                }
                inputs.push(InputPlan::Replay {
                    path,
                    speed: *speed,
                });
            }
            InputSection::Sim {
                scenario,
                speed,
                seed,
                from_s,
            } => {
                let speed = positive(&mut p, &format!("{what}.speed"), *speed, 1.0);
                let from_s = from_s.unwrap_or(0.0);
                if !(from_s >= 0.0 && from_s.is_finite()) {
                    p.add(format!("{what}.from_s must be 0 or more, got {from_s}"));
                }
                clock_rate = Some(clock_rate.map_or(speed, |r| r.max(speed)));
                let scenario_path = if Path::new(scenario).exists() {
                    rel(Path::new(scenario))
                } else {
                    PathBuf::from(scenario)
                };
                let Some(mut sc) = p.take(&what, sim::load_scenario(&scenario_path)) else {
                    continue;
                };
                if let Some(s) = seed {
                    sc.seed = *s;
                }
                let Some(simulation) = p.take(
                    &what,
                    simulator::Simulation::new(&sc).context("setting up the simulation"),
                ) else {
                    continue;
                };
                // The scenario's sensors and border serve when the site gives none.
                if file.site.sensors.is_none() {
                    if let Some(t) = p.take(
                        &what,
                        formats::parse_sensors(&simulation.sensors_file()).map_err(|e| {
                            anyhow::anyhow!(
                                "its sensors: {}",
                                e.first().map(ToString::to_string).unwrap_or_default()
                            )
                        }),
                    ) {
                        sensors = t;
                    }
                }
                sim_zones = Some(formats::site_geojson(&sc.name, &simulation.site_features()));
                sim_title = Some(sc.name.clone());
                inputs.push(InputPlan::Sim {
                    sim: Box::new(simulation),
                    speed,
                    from_s,
                });
            }
        }
    }
    if unpaced {
        clock_rate = None;
    }
    let origin = origin.or(sensors.origin());

    // Zones and rules.
    let zones_text = match &file.site.zones {
        Some(z) => p.take(
            "site.zones",
            std::fs::read_to_string(rel(z))
                .with_context(|| format!("reading {}", rel(z).display())),
        ),
        None => sim_zones,
    };
    let rules_cfg = rules_config(&mut p, &file.alerts);
    let health = health_config(&mut p, &file.health);
    let mut rules = None;
    if let Some(text) = &zones_text {
        match origin {
            None => p.add(
                "zones need a site origin: give site.origin or a sensors file with an origin line",
            ),
            Some(o) => match formats::parse_zones(text, &geodesy::LocalFrame::new(o)) {
                Ok(zs) => {
                    rules = Some(rules::AlertEngine::new(rules_cfg, zs.border, zs.areas));
                }
                Err(es) => {
                    for e in es {
                        p.add(format!("site.zones: {e}"));
                    }
                }
            },
        }
    }

    // [web]: the page draws the zones, and takes the sim scenario's name for a title.
    let web = file.web.as_ref().and_then(|w| {
        let plan = w.plan.as_deref().map(rel);
        web_settings(&mut p, w, listen, zones_text, sim_title, plan)
    });

    // [[output]]
    let mut outputs = Vec::new();
    // Alerts go back to the nodes registered on each SAPIENT input.
    if rules.is_some() {
        for (alerts, node_id) in sapient_alerts {
            outputs.push(OutputPlan::SapientAlerts {
                alerts,
                node_id,
                lane: LanePolicy {
                    capacity: 4096,
                    on_full: OnFull::DropOldest,
                },
            });
        }
    }
    for (i, out) in file.outputs.iter().enumerate() {
        let what = format!("output {} ({})", i + 1, kind_of_output(out));
        match out {
            OutputSection::Alerts {
                path,
                queue,
                on_full,
            }
            | OutputSection::Tracks {
                path,
                queue,
                on_full,
            } => {
                let path = rel(path);
                let parent = path.parent().filter(|d| !d.as_os_str().is_empty());
                if parent.is_some_and(|d| !d.is_dir()) {
                    p.add(format!(
                        "{what}.path: the folder of {} does not exist",
                        path.display()
                    ));
                }
                let lane = lane(&mut p, &what, *queue, on_full.as_deref(), OnFull::Block);
                if matches!(out, OutputSection::Alerts { .. }) {
                    if rules.is_none() {
                        p.add(format!(
                            "{what}: alerts need zones (site.zones, or a sim input)"
                        ));
                    }
                    outputs.push(OutputPlan::AlertsFile { path, lane });
                } else {
                    outputs.push(OutputPlan::TracksFile { path, lane });
                }
            }
            OutputSection::Cot {
                transport,
                address,
                stale_s,
                track_interval_s,
                birds,
                multicast_ttl,
                multicast_interface,
                queue,
                on_full,
            } => {
                let transport = match transport.as_str() {
                    "udp" => CotTransport::Udp,
                    "tcp" => CotTransport::Tcp,
                    other => {
                        p.add(format!(
                            "{what}.transport is `{other}`; expected `udp` or `tcp`"
                        ));
                        CotTransport::Udp
                    }
                };
                let a = addr(&mut p, &format!("{what}.address"), address);
                let stale_s = positive(&mut p, &format!("{what}.stale_s"), *stale_s, 30.0);
                let track_interval_s = positive(
                    &mut p,
                    &format!("{what}.track_interval_s"),
                    *track_interval_s,
                    1.0,
                );
                let lane = lane(
                    &mut p,
                    &what,
                    *queue,
                    on_full.as_deref(),
                    OnFull::DropOldest,
                );
                if origin.is_none() {
                    p.add(format!(
                        "{what}: CoT needs geodetic positions, so a site origin"
                    ));
                }
                let group = a.filter(|a| transport == CotTransport::Udp && a.ip().is_multicast());
                if group.is_none() && (multicast_ttl.is_some() || multicast_interface.is_some()) {
                    p.add(format!(
                        "{what}: multicast_ttl and multicast_interface need transport `udp` and a multicast group address (224.0.0.0/4 or ff00::/8)"
                    ));
                }
                if let Some(ttl) = multicast_ttl.filter(|t| !(1..=255).contains(t)) {
                    p.add(format!("{what}.multicast_ttl is {ttl}; expected 1 to 255"));
                }
                let interface = match (multicast_interface.as_deref(), group) {
                    (None, _) => None,
                    (Some(text), _) if text.parse::<std::net::Ipv4Addr>().is_err() => {
                        p.add(format!(
                            "{what}.multicast_interface `{text}` is not an IPv4 address (the local interface's, e.g. 192.168.1.10)"
                        ));
                        None
                    }
                    (Some(text), Some(g)) if g.is_ipv4() => text.parse().ok(),
                    (Some(_), _) => {
                        p.add(format!(
                            "{what}.multicast_interface is for an IPv4 group; an IPv6 group leaves by the routing table's interface"
                        ));
                        None
                    }
                };
                if let Some(address) = a {
                    outputs.push(OutputPlan::Cot {
                        transport,
                        address,
                        stale_s,
                        track_interval_s,
                        birds: birds.unwrap_or(false),
                        multicast_ttl: multicast_ttl.unwrap_or(1),
                        multicast_interface: interface,
                        lane,
                    });
                }
            }
            OutputSection::Asterix {
                address,
                sac,
                sic,
                service,
                track_interval_s,
                coasting_after_s,
                birds,
                multicast_ttl,
                queue,
                on_full,
            } => {
                let a = addr(&mut p, &format!("{what}.address"), address);
                let mut byte = |name: &str, v: i64| -> u8 {
                    if (0..=255).contains(&v) {
                        v as u8
                    } else {
                        p.add(format!("{what}.{name} is {v}; expected 0 to 255"));
                        0
                    }
                };
                let source = asterix::cat062::Source {
                    sac: byte("sac", *sac),
                    sic: byte("sic", *sic),
                    service: byte("service", service.unwrap_or(1)),
                };
                let track_interval_s = positive(
                    &mut p,
                    &format!("{what}.track_interval_s"),
                    *track_interval_s,
                    1.0,
                );
                let coasting_after_s = positive(
                    &mut p,
                    &format!("{what}.coasting_after_s"),
                    *coasting_after_s,
                    10.0,
                );
                if origin.is_none() {
                    p.add(format!(
                        "{what}: CAT062 carries WGS-84 positions, so it needs a site origin"
                    ));
                }
                if let Some(ttl) = multicast_ttl.filter(|t| !(1..=255).contains(t)) {
                    p.add(format!("{what}.multicast_ttl is {ttl}; expected 1 to 255"));
                }
                let lane = lane(
                    &mut p,
                    &what,
                    *queue,
                    on_full.as_deref(),
                    OnFull::DropOldest,
                );
                if let Some(address) = a {
                    outputs.push(OutputPlan::Asterix {
                        address,
                        source,
                        track_interval_s,
                        coasting_after_s,
                        birds: birds.unwrap_or(false),
                        multicast_ttl: multicast_ttl.unwrap_or(1),
                        lane,
                    });
                }
            }
            OutputSection::Sapient {
                address,
                node_id,
                name,
                track_interval_s,
                birds,
                max_frame_bytes,
                queue,
                on_full,
            } => {
                let node_id = sapient_node_id(&mut p, &what, node_id.as_deref(), address);
                let track_interval_s = positive(
                    &mut p,
                    &format!("{what}.track_interval_s"),
                    *track_interval_s,
                    1.0,
                );
                if origin.is_none() {
                    p.add(format!(
                        "{what}: SAPIENT detection reports carry latitude and longitude, so they need a site origin"
                    ));
                }
                let lane = lane(
                    &mut p,
                    &what,
                    *queue,
                    on_full.as_deref(),
                    OnFull::DropOldest,
                );
                if let Some(address) = addr(&mut p, &format!("{what}.address"), address) {
                    outputs.push(OutputPlan::SapientUpstream {
                        address,
                        node_id,
                        name: name.clone().unwrap_or_else(|| "skyfence".into()),
                        track_interval_s,
                        birds: birds.unwrap_or(false),
                        max_frame_bytes: max_frame_bytes
                            .unwrap_or(sapient::DEFAULT_MAX_FRAME_BYTES),
                        lane,
                    });
                }
            }
            OutputSection::Webhook {
                url,
                initial_backoff_ms,
                max_backoff_ms,
                timeout_ms,
                queue,
                on_full,
            } => {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    p.add(format!(
                        "{what}.url must start with http:// or https://, got `{url}`"
                    ));
                }
                if rules.is_none() {
                    p.add(format!("{what}: a webhook sends alerts, which need zones"));
                }
                let initial = initial_backoff_ms.unwrap_or(500);
                let max = max_backoff_ms.unwrap_or(30_000);
                if initial == 0 || max < initial {
                    p.add(format!(
                        "{what}: initial_backoff_ms must be at least 1 and at most max_backoff_ms"
                    ));
                }
                let lane = lane(
                    &mut p,
                    &what,
                    *queue,
                    on_full.as_deref(),
                    OnFull::DropOldest,
                );
                outputs.push(OutputPlan::Webhook {
                    url: url.clone(),
                    initial_backoff: Duration::from_millis(initial),
                    max_backoff: Duration::from_millis(max),
                    timeout: Duration::from_millis(timeout_ms.unwrap_or(5_000).max(1)),
                    lane,
                });
            }
        }
    }

    if !p.0.is_empty() {
        bail!(
            "service config {} has {} problem(s):\n  {}",
            path.display(),
            p.0.len(),
            p.0.join("\n  ")
        );
    }
    let (Some(listen), Some(token)) = (listen, token) else {
        bail!(
            "service config {}: the [api] section is incomplete",
            path.display()
        );
    };
    Ok((
        Plan {
            tracker: tracker_cfg,
            sensors,
            origin,
            rules,
            inputs,
            outputs,
            health,
            clock_rate,
        },
        Api { listen, token, web },
    ))
}

fn kind_of_input(i: &InputSection) -> &'static str {
    match i {
        InputSection::Tcp { .. } => "tcp",
        InputSection::Sapient { .. } => "sapient",
        InputSection::Asterix { .. } => "asterix",
        InputSection::Beast { .. } => "beast",
        InputSection::Remoteid { .. } => "remoteid",
        InputSection::Udp { .. } => "udp",
        InputSection::Replay { .. } => "replay",
        InputSection::Sim { .. } => "sim",
    }
}

fn kind_of_output(o: &OutputSection) -> &'static str {
    match o {
        OutputSection::Alerts { .. } => "alerts",
        OutputSection::Tracks { .. } => "tracks",
        OutputSection::Cot { .. } => "cot",
        OutputSection::Asterix { .. } => "asterix",
        OutputSection::Sapient { .. } => "sapient",
        OutputSection::Webhook { .. } => "webhook",
    }
}

fn rules_config(p: &mut Problems, a: &AlertsSection) -> rules::RulesConfig {
    let mut c = rules::RulesConfig::default();
    if let Some(names) = &a.threat_classes {
        let mut classes = Vec::new();
        for n in names {
            match model::Class::parse(n) {
                Some(k) => classes.push(k),
                None => p.add(format!("alerts.threat_classes: `{n}` is not a class (drone_rotary, drone_fixed_wing, bird, aircraft, balloon, unknown)")),
            }
        }
        c.threat_classes = classes;
    }
    macro_rules! set {
        ($($f:ident),*) => { $( if let Some(v) = a.$f { c.$f = v; } )* };
    }
    set!(
        undecided_threat_probability,
        undecided_horizon_s,
        settle_share,
        settle_max_s,
        settle_from_s,
        crossing_horizon_s,
        crossing_probability,
        crossing_keep_probability,
        close_after_s,
        dedup_radius_m,
        swarm_min_tracks,
        swarm_radius_m,
        swarm_heading_deg,
        loiter_radius_m,
        loiter_min_s
    );
    for e in c.problems() {
        p.add(e);
    }
    c
}

fn health_config(p: &mut Problems, h: &HealthSection) -> rules::HealthConfig {
    let mut c = rules::HealthConfig::default();
    macro_rules! set {
        ($($f:ident),*) => { $( if let Some(v) = h.$f { c.$f = v; } )* };
    }
    set!(
        silent_after_s,
        silent_intervals,
        window_s,
        baseline_windows,
        rate_drop_ratio,
        rate_rise_ratio
    );
    for e in c.problems() {
        p.add(e);
    }
    c
}

async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

pub fn run(args: ServeArgs) -> Result<()> {
    let (plan, api) = load(&args.config)?;
    if args.check {
        eprintln!("skyfence serve: {} is valid", args.config.display());
        return Ok(());
    }
    let grace = Duration::from_secs_f64(args.grace_s.clamp(0.0, 3600.0));
    run_service(plan, api, args.until_inputs_end, grace, |addr| {
        eprintln!("skyfence serve: API on http://{addr} (bearer token required)");
    })
}

/// Runs the service until a signal (or, with `until_end`, until its inputs end);
/// `started` is told the address the API listens on.
pub fn run_service(
    plan: Plan,
    api: Api,
    until_end: bool,
    grace: Duration,
    started: impl FnOnce(SocketAddr),
) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("skyfence-io")
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let running = Arc::new(
            pipeline::start(plan)
                .await
                .context("starting the service")?,
        );
        let listener = tokio::net::TcpListener::bind(api.listen)
            .await
            .with_context(|| format!("cannot listen for the API on {}", api.listen))?;
        started(listener.local_addr().unwrap_or(api.listen));
        let app = server::router(running.clone(), &api.token, api.web)
            .context("setting up the map page")?;
        let (stop_http, stopped) = tokio::sync::oneshot::channel::<()>();
        let http = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        let mut done = running.inputs_done.clone();
        tokio::select! {
            _ = stop_signal() => eprintln!("skyfence serve: stopping (signal)"),
            _ = async {
                if until_end {
                    let _ = done.wait_for(|d| *d).await;
                } else {
                    std::future::pending::<()>().await;
                }
            } => eprintln!("skyfence serve: inputs ended, stopping"),
        }
        let _ = stop_http.send(());
        match http.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!("API server: {e}"),
            Err(e) => tracing::warn!("API server task: {e}"),
        }
        let running = match Arc::try_unwrap(running) {
            Ok(r) => r,
            Err(_) => bail!("internal: the API still holds the service after stopping"),
        };
        let m = running.metrics.clone();
        running.shutdown(grace).await;
        eprintln!("skyfence serve: stopped; everything accepted was tracked and written");
        tracing::debug!(metrics = %m.encode(), "final metrics");
        Ok(())
    })
}
