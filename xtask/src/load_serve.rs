//! `cargo xtask load-serve`: `skyfence serve` under a sustained stream of detections
//! over TCP, with drones crossing a border among the clutter. Prints the rate held,
//! the memory over time, and the latency from a detection's arrival to the alert it
//! raised, measured outside the service (send instant to webhook arrival) and inside
//! it (its own histogram).

use crate::{build_skyfence, root};
use anyhow::{bail, Context, Result};
use clap::Args as ClapArgs;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[derive(ClapArgs)]
pub struct Args {
    /// Detections per second to send.
    #[arg(long, default_value_t = 100_000)]
    rate: u64,
    /// How long to run, seconds.
    #[arg(long, default_value_t = 600)]
    seconds: u64,
    /// Drones in the air at once (each crosses the border and is replaced).
    #[arg(long, default_value_t = 100)]
    drones: usize,
    /// Also write serve's track lines to target/load-serve/tracks.jsonl (for looking
    /// into a run; adds the file's cost).
    #[arg(long)]
    tracks: bool,
    /// Seed of the clutter and the drones' paths.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Write the detections (and the sensors and zones files beside them) instead of
    /// sending them, for running the tracker alone on the same stream
    /// (`skyfence track --sensors ...`).
    #[arg(long, value_name = "FILE")]
    dump: Option<std::path::PathBuf>,
}

/// Sends per 10 ms tick; times are ms-quantised so the tester can find a moment's
/// send instant from an alert's `time_s`.
const TICK_MS: u64 = 10;
const HALF_WIDTH_M: f64 = 100_000.0;
const DRONE_SPEED_MPS: f64 = 25.0;
const START_X_M: f64 = -4_000.0;
const END_X_M: f64 = 3_000.0;
const RADARS: usize = 100;
const CELL_M: f64 = 20_000.0;
const CELL_M_HALF: f64 = 10_000.0;
/// Clutter plots' heights are uniform up to this.
const CLUTTER_HEIGHT_M: f64 = 2_000.0;

/// Centre of radar `r`'s cell, east and north metres.
fn radar_centre(r: usize) -> [f64; 2] {
    let (col, row) = ((r % 10) as f64, (r / 10) as f64);
    [
        -HALF_WIDTH_M + CELL_M * (col + 0.5),
        -HALF_WIDTH_M + CELL_M * (row + 0.5),
    ]
}

/// The radar whose cell holds a point.
fn radar_of(x: f64, y: f64) -> usize {
    let c = (((x + HALF_WIDTH_M) / CELL_M).floor() as isize).clamp(0, 9) as usize;
    let r = (((y + HALF_WIDTH_M) / CELL_M).floor() as isize).clamp(0, 9) as usize;
    r * 10 + c
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn rss_mib(pid: u32) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The webhook receiver: every alert line that arrives, with its arrival instant.
fn receiver(l: TcpListener, tx: mpsc::Sender<(Instant, serde_json::Value)>) {
    for conn in l.incoming() {
        let Ok(conn) = conn else { return };
        let tx = tx.clone();
        std::thread::spawn(move || {
            let Ok(clone) = conn.try_clone() else { return };
            let mut r = BufReader::new(clone);
            let mut w = conn;
            loop {
                let mut len = 0usize;
                let mut line = String::new();
                let mut saw = false;
                loop {
                    line.clear();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    saw = true;
                    if line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                }
                if !saw {
                    return;
                }
                let mut body = vec![0u8; len];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let at = Instant::now();
                if let Ok(v) = serde_json::from_slice(&body) {
                    let _ = tx.send((at, v));
                }
                if w.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                    .is_err()
                {
                    return;
                }
            }
        });
    }
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The detections: drones crossing the border among each radar's clutter.
struct Stream {
    rng: ChaCha8Rng,
    /// Each drone's lane (north metres) and start time.
    drones: Vec<(f64, f64)>,
    life_s: f64,
    line: String,
}

impl Stream {
    fn new(a: &Args) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(a.seed);
        let life_s = (END_X_M - START_X_M) / DRONE_SPEED_MPS;
        // Staggered so they arrive steadily.
        let drones = (0..a.drones)
            .map(|i| {
                (
                    rng.gen_range(-HALF_WIDTH_M + 1.0..HALF_WIDTH_M - 1.0),
                    -(i as f64) * life_s / a.drones as f64,
                )
            })
            .collect();
        Self {
            rng,
            drones,
            life_s,
            line: String::with_capacity(128),
        }
    }

    /// Appends tick `k`'s `per_tick` detection lines to `buf`; returns how many.
    fn tick(&mut self, k: u64, per_tick: u64, buf: &mut Vec<u8>) -> u64 {
        use std::fmt::Write as _;
        let (rng, line, life_s) = (&mut self.rng, &mut self.line, self.life_s);
        let ms = k * TICK_MS;
        let t = ms as f64 / 1000.0;
        let mut n = 0u64;
        // The radar whose scan falls in this tick: 100 ticks a second, one radar each.
        let radar = ((ms / TICK_MS) % RADARS as u64) as usize;
        let [cx, cy] = radar_centre(radar);
        for d in self.drones.iter_mut() {
            let age = t - d.1;
            if age > life_s {
                *d = (rng.gen_range(-HALF_WIDTH_M + 1.0..HALF_WIDTH_M - 1.0), t);
                continue;
            }
            if age < 0.0 {
                continue;
            }
            let x = START_X_M + DRONE_SPEED_MPS * age + rng.gen_range(-20.0..20.0);
            let y = d.0 + rng.gen_range(-20.0..20.0);
            if radar_of(x, y) != radar || (x - cx).hypot(y - cy) > CELL_M_HALF {
                continue;
            }
            line.clear();
            let _ = writeln!(
                line,
                r#"{{"time_s":{t:.3},"sensor":"radar-{radar:02}","x_m":{x:.1},"y_m":{y:.1},"z_m":120,"sigma_m":15,"rcs_dbsm":-18}}"#
            );
            buf.extend_from_slice(line.as_bytes());
            n += 1;
        }
        while n < per_tick {
            // Clutter anywhere in the radar's circle.
            let rr = CELL_M_HALF * rng.gen_range(0.0f64..1.0).sqrt();
            let az = rng.gen_range(0.0..std::f64::consts::TAU);
            let (x, y) = (cx + rr * az.cos(), cy + rr * az.sin());
            line.clear();
            let _ = writeln!(
                line,
                r#"{{"time_s":{t:.3},"sensor":"radar-{radar:02}","x_m":{x:.1},"y_m":{y:.1},"z_m":{:.0},"sigma_m":15,"rcs_dbsm":{:.1}}}"#,
                rng.gen_range(0.0..CLUTTER_HEIGHT_M),
                rng.gen_range(-30.0..10.0)
            );
            buf.extend_from_slice(line.as_bytes());
            n += 1;
        }
        n
    }
}

pub fn run(a: Args) -> Result<()> {
    let bin = build_skyfence()?;
    let dir = root().join("target/load-serve");
    std::fs::create_dir_all(&dir)?;
    let (api, tcp) = (free_port()?, free_port()?);
    let hook = TcpListener::bind("127.0.0.1:0")?;
    let hook_port = hook.local_addr()?.port();
    let (alert_tx, alert_rx) = mpsc::channel();
    std::thread::spawn(move || receiver(hook, alert_tx));
    // A north-south border through the origin; our side is east (left of a line drawn
    // southwards).
    std::fs::write(
        dir.join("zones.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kind":"border","own_side":"left"},"geometry":{"type":"LineString","coordinates":[[23.0,53.5],[23.0,51.5]]}}]}"#,
    )?;
    // A 10 x 10 grid of radars, one per 20 km cell, each seeing its cell's inscribed
    // circle and scanning once a second at its own phase: 100 scans a second of about
    // a thousand plots each, the shape of a sector's radar network.
    let origin = geodesy::Lla::try_from_degrees(52.5, 23.0, 150.0)?;
    let frame = geodesy::LocalFrame::new(origin);
    let mut sensors =
        String::from("{\"origin\":{\"lat_deg\":52.5,\"lon_deg\":23.0,\"alt_m\":150.0}}\n");
    for r in 0..RADARS {
        let [x, y] = radar_centre(r);
        let p = frame.enu_to_lla(geodesy::Enu(nalgebra::Vector3::new(x, y, 20.0)));
        sensors.push_str(&format!(
            "{{\"sensor\":\"radar-{r:02}\",\"kind\":\"radar\",\"lat_deg\":{:.7},\"lon_deg\":{:.7},\"alt_m\":{:.1},\"max_range_m\":{CELL_M_HALF},\"pd\":0.9}}\n",
            p.lat_deg(),
            p.lon_deg(),
            p.alt_m
        ));
    }
    std::fs::write(dir.join("sensors.jsonl"), sensors)?;
    // The tracker is told the clutter it faces, as an operator would set it for the
    // radars: a scan's plots over the radar's circle, spread over 2 km of height.
    let plots_per_scan = (a.rate / RADARS as u64).max(1) as f64;
    std::fs::write(
        dir.join("tracker.toml"),
        format!(
            "[management]\nclutter_density_per_m2 = {:e}\nclutter_height_m = {CLUTTER_HEIGHT_M}\n",
            plots_per_scan / (std::f64::consts::PI * CELL_M_HALF * CELL_M_HALF)
        ),
    )?;
    let per_tick = a.rate * TICK_MS / 1000;
    if let Some(path) = &a.dump {
        let mut out = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        );
        let mut stream = Stream::new(&a);
        let mut buf = Vec::new();
        for k in 1..=a.seconds * 1000 / TICK_MS {
            buf.clear();
            stream.tick(k, per_tick, &mut buf);
            out.write_all(&buf)?;
        }
        out.flush()?;
        eprintln!(
            "wrote {}; its sensors, zones and tracker settings are in target/load-serve (sensors.jsonl, zones.geojson, tracker.toml)",
            path.display()
        );
        return Ok(());
    }
    let token = "load-test-token-0123456789";
    std::fs::write(
        dir.join("serve.toml"),
        format!(
            r#"[api]
listen = "127.0.0.1:{api}"
token = "{token}"

[site]
sensors = "sensors.jsonl"
zones = "zones.geojson"
tracker = "tracker.toml"
# Live sensors on a LAN: a short reorder window keeps alerts prompt.
reorder_window_s = 0.02

[[input]]
kind = "tcp"
listen = "127.0.0.1:{tcp}"

[[output]]
kind = "alerts"
path = "alerts.jsonl"

[[output]]
kind = "webhook"
url = "http://127.0.0.1:{hook_port}/alerts"
{}"#,
            if a.tracks {
                "\n[[output]]\nkind = \"tracks\"\npath = \"tracks.jsonl\"\n"
            } else {
                ""
            }
        ),
    )?;
    let _ = std::fs::remove_file(dir.join("tracks.jsonl"));
    let _ = std::fs::remove_file(dir.join("alerts.jsonl"));
    let mut child = std::process::Command::new(&bin)
        .args(["serve", "--config"])
        .arg(dir.join("serve.toml"))
        .stderr(std::fs::File::create(dir.join("serve.log"))?)
        .spawn()
        .context("starting skyfence serve")?;
    let pid = child.id();
    let t_up = Instant::now();
    let mut conn = loop {
        if let Ok(c) = TcpStream::connect(("127.0.0.1", tcp)) {
            break c;
        }
        if t_up.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            bail!("skyfence serve did not open its TCP input; see target/load-serve/serve.log");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    conn.set_nodelay(true)?;

    let mut stream = Stream::new(&a);
    let mut sent_at: HashMap<u64, Instant> = HashMap::new();
    let start = Instant::now();
    let mut buf: Vec<u8> = Vec::with_capacity(per_tick as usize * 100);
    let mut sent: u64 = 0;
    let mut rss: Vec<(f64, f64)> = Vec::new();
    let mut next_rss = 0.0;
    let ticks = a.seconds * 1000 / TICK_MS;
    let mut behind_ticks = 0u64;
    eprintln!(
        "load-serve: {} detections/s for {} s, {} drones crossing, into skyfence serve (pid {pid})",
        a.rate, a.seconds, a.drones
    );
    for k in 1..=ticks {
        let due = Duration::from_millis(k * TICK_MS);
        match due.checked_sub(start.elapsed()) {
            Some(wait) => std::thread::sleep(wait),
            None => behind_ticks += 1,
        }
        let ms = k * TICK_MS;
        buf.clear();
        let n = stream.tick(k, per_tick, &mut buf);
        sent_at.insert(ms, Instant::now());
        conn.write_all(&buf).context("sending to skyfence serve")?;
        sent += n;
        let el = start.elapsed().as_secs_f64();
        if el >= next_rss {
            if let Some(m) = rss_mib(pid) {
                rss.push((el, m));
            }
            next_rss += 10.0;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    drop(conn);
    std::thread::sleep(Duration::from_secs(2));
    let metrics = http_get(api, "/metrics", token).unwrap_or_default();
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let status = child.wait()?;

    // Latencies: each new alert against the send instant of its moment.
    let mut lat: Vec<f64> = Vec::new();
    let mut news = 0;
    while let Ok((at, v)) = alert_rx.try_recv() {
        if v["state"] != "new" {
            continue;
        }
        news += 1;
        let Some(t) = v["time_s"].as_f64() else {
            continue;
        };
        let ms = (t * 1000.0).round() as u64;
        if let Some(s) = sent_at.get(&ms) {
            lat.push(at.duration_since(*s).as_secs_f64() * 1000.0);
        }
    }
    lat.sort_by(f64::total_cmp);
    let accepted = metric(&metrics, "skyfence_detections_accepted_total");
    let rejected = metric(&metrics, "skyfence_detections_rejected_total");
    println!("## skyfence serve under load ({} s)", a.seconds);
    println!();
    println!(
        "- sent {sent} detections in {elapsed:.1} s: {:.0} per second ({behind_ticks} of {ticks} ticks late)",
        sent as f64 / elapsed
    );
    println!("- accepted {accepted:.0}, rejected {rejected:.0} (serve's own counters)");
    println!(
        "- new alerts {news}; latency from send to webhook arrival: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} measured)",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(f64::NAN),
        lat.len()
    );
    let internal = histogram_quantile(&metrics, "skyfence_alert_latency_seconds", 0.99);
    println!(
        "- serve's own alert latency histogram: p99 below {:.1} ms",
        internal * 1000.0
    );
    let q = |p| histogram_quantile(&metrics, "skyfence_moment_latency_seconds", p) * 1000.0;
    println!(
        "- every moment, arrival to tracked (serve's histogram): p50 below {:.1} ms, p99 below {:.1} ms, p99.9 below {:.1} ms",
        q(0.5),
        q(0.99),
        q(0.999)
    );
    let lat_rows: Vec<String> = lat.iter().map(|l| format!("{l:.2}")).collect();
    std::fs::write(dir.join("alert-latency-ms.txt"), lat_rows.join("\n"))?;
    if let (Some(first), Some(last)) =
        (rss.iter().find(|r| r.0 >= 60.0).or(rss.first()), rss.last())
    {
        let max = rss.iter().map(|r| r.1).fold(0.0, f64::max);
        println!(
            "- RSS: {:.0} MiB at {:.0} s, {:.0} MiB at {:.0} s, max {max:.0} MiB",
            first.1, first.0, last.1, last.0
        );
    }
    println!("- serve exited with {status}");
    let rows: Vec<String> = rss.iter().map(|(t, m)| format!("{t:.0} {m:.1}")).collect();
    std::fs::write(dir.join("rss.txt"), rows.join("\n"))?;
    Ok(())
}

fn http_get(port: u16, path: &str, token: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

/// The upper bound of the bucket that holds quantile `q` of a Prometheus histogram.
fn histogram_quantile(text: &str, name: &str, q: f64) -> f64 {
    let mut buckets: Vec<(f64, f64)> = text
        .lines()
        .filter(|l| l.starts_with(&format!("{name}_bucket")))
        .filter_map(|l| {
            let le = l.split("le=\"").nth(1)?.split('"').next()?;
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().ok()?
            };
            Some((le, l.split_whitespace().last()?.parse().ok()?))
        })
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total = buckets.last().map_or(0.0, |b| b.1);
    buckets
        .iter()
        .find(|b| b.1 >= q * total)
        .map_or(f64::NAN, |b| b.0)
}
