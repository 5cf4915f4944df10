//! `skyfence serve` end to end: the real binary with real sockets, files and HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
mod common;
#[path = "common/serve.rs"]
mod serve_common;
use common::{bin, run_ok, Run};
use serve_common::{config, free_port, http, Serve, TOKEN};
use std::io::Write;
use std::path::Path;

/// A scenario simulated into files, with its zones and the batch alerts and tracks.
fn batch(dir: &Path, scenario: &str) -> Run {
    let run = Run::new(dir, "b");
    let zones = dir.join("zones.geojson");
    run.sim(scenario, &["--geojson", zones.to_str().unwrap()]);
    run.track_with(&[
        "--zones",
        zones.to_str().unwrap(),
        "--alerts",
        dir.join("batch-alerts.jsonl").to_str().unwrap(),
    ]);
    run
}

/// The site and replay input of a batch run, for a service config.
fn replay_of(run: &Run) -> String {
    format!(
        "[site]\nsensors = \"{}\"\nzones = \"zones.geojson\"\n\n[[input]]\nkind = \"replay\"\npath = \"{}\"\n\n",
        run.sensors.display(),
        run.det.display()
    )
}

#[test]
fn a_replay_through_serve_gives_the_batch_alerts_and_tracks_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = batch(d, "quad-night-crossing");
    let api = free_port();
    let cfg = config(
        d,
        api,
        &format!(
            r#"{}[[output]]
kind = "alerts"
path = "serve-alerts.jsonl"

[[output]]
kind = "tracks"
path = "serve-tracks.jsonl"
"#,
            replay_of(&run)
        ),
    );
    let (ok, err) = Serve::run_to_end(&cfg, &[]);
    assert!(ok, "{err}");
    let batch_alerts = std::fs::read_to_string(d.join("batch-alerts.jsonl")).unwrap();
    assert!(batch_alerts.contains("border_crossed"), "{batch_alerts}");
    assert_eq!(
        std::fs::read_to_string(d.join("serve-alerts.jsonl")).unwrap(),
        batch_alerts
    );
    assert_eq!(
        std::fs::read(d.join("serve-tracks.jsonl")).unwrap(),
        std::fs::read(&run.tracks).unwrap()
    );
}

#[test]
fn the_api_needs_the_token_serves_the_picture_and_takes_acknowledgements() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let api = free_port();
    let tcp = free_port();
    let cfg = config(
        d,
        api,
        &format!(
            r#"[[input]]
kind = "sim"
scenario = "quad-night-crossing"
speed = 40

[[input]]
kind = "tcp"
listen = "127.0.0.1:{tcp}"

[[output]]
kind = "alerts"
path = "alerts.jsonl"
"#
        ),
    );
    let s = Serve::start(&cfg, api, &[]);
    // Without a token, or with a wrong one: 401 on every API route.
    for path in ["/api/tracks", "/api/alerts", "/api/sensors", "/metrics"] {
        assert_eq!(http(api, "GET", path, None, None).0, 401, "{path}");
        assert_eq!(
            http(api, "GET", path, Some("test-token-0123456788"), None).0,
            401,
            "{path}"
        );
    }
    assert_eq!(http(api, "POST", "/api/alerts/1/ack", None, None).0, 401);
    assert_eq!(http(api, "GET", "/healthz", None, None).0, 200);

    // Live tracks as GeoJSON, in lon, lat order near the scenario's site (54.3 N, 25.6 E).
    let feature = s.until(30, |api| {
        let (st, body) = http(api, "GET", "/api/tracks", Some(TOKEN), None);
        assert_eq!(st, 200);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["type"], "FeatureCollection");
        v["features"].as_array().unwrap().first().cloned()
    });
    let c = &feature["geometry"]["coordinates"];
    assert!((c[0].as_f64().unwrap() - 25.6).abs() < 0.5, "{feature}");
    assert!((c[1].as_f64().unwrap() - 54.3).abs() < 0.5, "{feature}");
    assert!(feature["properties"]["class"].is_string());

    let (st, body) = http(api, "GET", "/api/sensors", Some(TOKEN), None);
    assert_eq!(st, 200);
    let sensors: serde_json::Value = serde_json::from_str(&body).unwrap();
    let radar = sensors
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["sensor"] == "radar-post")
        .expect("the scenario's radar is listed");
    assert_eq!(radar["kind"], "radar");
    assert!(radar["detections"].as_u64().unwrap() > 0, "{radar}");

    // Lines over TCP are taken; bad ones (malformed, or older than what was tracked)
    // are counted, not fatal.
    let mut conn = std::net::TcpStream::connect(("127.0.0.1", tcp)).unwrap();
    conn.write_all(
        b"{\"time_s\":0,\"sensor\":\"radar-post\",\"x_m\":1,\"y_m\":2,\"sigma_m\":5}\nnot json\n",
    )
    .unwrap();
    drop(conn);
    s.until(10, |api| {
        let m = http(api, "GET", "/metrics", Some(TOKEN), None).1;
        (m.contains(&format!(
            "skyfence_input_lines_total{{input=\"tcp:127.0.0.1:{tcp}\"}} 2"
        )) && m.contains("skyfence_detections_rejected_total 2"))
        .then_some(())
    });

    // The crossing raises alerts; acknowledge the first.
    let first = s.until(60, |api| {
        let body = http(api, "GET", "/api/alerts", Some(TOKEN), None).1;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v.as_array().unwrap().first().cloned()
    });
    let id = first["alert"].as_u64().unwrap();
    let (st, body) = http(
        api,
        "POST",
        &format!("/api/alerts/{id}/ack"),
        Some(TOKEN),
        Some(r#"{"by":"operator-7"}"#),
    );
    assert_eq!(st, 200, "{body}");
    let acked: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(acked["state"], "acknowledged");
    assert_eq!(
        http(api, "POST", "/api/alerts/99999/ack", Some(TOKEN), None).0,
        404
    );
    let body = http(api, "GET", "/api/alerts", Some(TOKEN), None).1;
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    let now = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["alert"] == id)
        .unwrap();
    assert!(
        now["state"] == "acknowledged" || now["state"] == "closed",
        "{now}"
    );

    let (ok, err) = s.stop();
    assert!(ok, "{err}");
    // The acknowledgement is in the alert file, which was flushed at shutdown.
    let lines = std::fs::read_to_string(d.join("alerts.jsonl")).unwrap();
    assert!(
        lines
            .lines()
            .any(|l| l.contains(&format!("\"alert\":{id},")) && l.contains("acknowledged")),
        "{lines}"
    );
}

#[test]
fn a_bad_config_is_refused_with_every_problem_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.toml");
    std::fs::write(
        &p,
        r#"[api]
listen = "localhost"

[alerts]
crossing_probability = 2.0
undecided_horizon_s = -1.0

[[input]]
kind = "replay"
path = "missing.jsonl"

[[input]]
kind = "udp"
listen = "127.0.0.1"

[[output]]
kind = "webhook"
url = "ftp://example"
on_full = "sometimes"

[[output]]
kind = "cot"
transport = "udp"
address = "127.0.0.1:6969"
multicast_interface = "eth0"
"#,
    )
    .unwrap();
    let out = bin()
        .args(["serve", "--check", "--config"])
        .arg(&p)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "api.listen",
        "bearer token is required",
        "crossing_probability",
        "undecided_horizon_s",
        "missing.jsonl",
        "input 2 (udp).listen",
        "ftp://example",
        "sometimes",
        "webhook sends alerts, which need zones",
        "need transport `udp` and a multicast group address",
        "`eth0` is not an IPv4 address",
    ] {
        assert!(err.contains(needle), "`{needle}` not reported in:\n{err}");
    }
    // A good config passes the check.
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        format!(
            "[api]\nlisten = \"127.0.0.1:0\"\ntoken = \"{TOKEN}\"\n[[input]]\nkind = \"tcp\"\nlisten = \"127.0.0.1:0\"\n"
        ),
    )
    .unwrap();
    run_ok(bin().args(["serve", "--check", "--config"]).arg(&good));
}

/// The quadcopter crossing at 60 times real time, its CoT sent over `transport` to
/// `address`, with `extra` settings of the CoT output.
fn cot_config(
    dir: &Path,
    api: u16,
    transport: &str,
    address: &str,
    extra: &str,
) -> std::path::PathBuf {
    config(
        dir,
        api,
        &format!(
            r#"[[input]]
kind = "sim"
scenario = "quad-night-crossing"
speed = 60

[[output]]
kind = "cot"
transport = "{transport}"
address = "{address}"
stale_s = 20
{extra}
"#
        ),
    )
}

/// Datagrams from `rx` (its read timeout set), one event each, until `done` says so or
/// a minute has passed.
fn receive_until(rx: &std::net::UdpSocket, done: impl Fn(&[String]) -> bool) -> Vec<String> {
    let t0 = std::time::Instant::now();
    let mut buf = vec![0u8; 65536];
    let mut events = Vec::new();
    while !done(&events) && t0.elapsed() < std::time::Duration::from_secs(60) {
        if let Ok(n) = rx.recv(&mut buf) {
            events.push(String::from_utf8(buf[..n].to_vec()).unwrap());
        }
    }
    events
}

/// CoT to a multicast group, as ATAK clients on a LAN listen for it: a receiver that
/// joined the group on the loopback interface (where the output is told to send) gets
/// the events.
#[test]
fn cot_events_reach_a_multicast_group() {
    let dir = tempfile::tempdir().unwrap();
    let api = free_port();
    let group = std::net::Ipv4Addr::new(239, 255, 77, 31);
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let rx = std::net::UdpSocket::bind((group, port)).unwrap();
    rx.join_multicast_v4(&group, &std::net::Ipv4Addr::LOCALHOST)
        .unwrap();
    rx.set_read_timeout(Some(std::time::Duration::from_millis(500)))
        .unwrap();
    let cfg = cot_config(
        dir.path(),
        api,
        "udp",
        &format!("{group}:{port}"),
        "multicast_ttl = 1\nmulticast_interface = \"127.0.0.1\"",
    );
    let s = Serve::start(&cfg, api, &[]);
    let events = receive_until(&rx, |events| !events.is_empty());
    let (ok, err) = s.stop();
    assert!(ok, "{err}");
    let e = events.first().expect("no CoT event reached the group");
    assert!(e.starts_with("<?xml") || e.starts_with("<event"), "{e}");
    assert!(e.contains("uid=\"skyfence."), "{e}");
}

#[test]
fn cot_events_over_udp_parse_in_an_independent_implementation() {
    let python = common::peer_python("the CoT peer test (takproto)");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let api = free_port();
    let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_read_timeout(Some(std::time::Duration::from_millis(500)))
        .unwrap();
    let cot = rx.local_addr().unwrap();
    let cfg = cot_config(d, api, "udp", &cot.to_string(), "");
    let s = Serve::start(&cfg, api, &[]);
    // Until both a drone track and an alert have come.
    let events = receive_until(&rx, |events| {
        events
            .iter()
            .any(|e| e.contains("type=\"a-") && e.contains("-A-M-H-Q"))
            && events.iter().any(|e| e.contains("type=\"b-a"))
    });
    let (ok, err) = s.stop();
    assert!(ok, "{err}");
    assert!(!events.is_empty(), "no CoT event arrived");
    for e in &events {
        assert!(
            !e.contains('\n'),
            "one event per datagram, no newlines: {e}"
        );
    }
    let v = takproto_check(&python, d, &events);
    let types = v["types"].as_object().unwrap();
    // The quadcopter as a rotary-wing drone; an alert as an alarm.
    assert!(types.keys().any(|t| t.ends_with("-A-M-H-Q")), "{v}");
    assert!(types.keys().any(|t| t.starts_with("b-a")), "{v}");
    let first = &v["first"];
    assert!((first["lat"].as_f64().unwrap() - 54.3).abs() < 0.5, "{v}");
    assert!(
        first["uid"].as_str().unwrap().starts_with("skyfence."),
        "{v}"
    );
}

/// Runs every event through takproto (tests/peers/cot_check.py) and returns its
/// summary, having checked that it parsed them all without a problem.
fn takproto_check(python: &Path, dir: &Path, events: &[String]) -> serde_json::Value {
    let file = dir.join("cot.txt");
    std::fs::write(&file, events.join("\n")).unwrap();
    let out = std::process::Command::new(python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/cot_check.py"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "takproto refused an event: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["problems"], serde_json::json!([]), "{v}");
    assert_eq!(v["events"].as_u64().unwrap() as usize, events.len());
    v
}

/// Over TCP (a TAK server's streaming input) events follow one another on one
/// connection; the receiver splits them at each `</event>` and takproto parses each.
/// The receiver starts late: skyfence retries the connection meanwhile.
#[test]
fn cot_events_over_tcp_parse_in_an_independent_implementation() {
    use std::io::Read;
    let python = common::peer_python("the CoT peer test (takproto)");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let api = free_port();
    let cot_port = free_port();
    let cfg = cot_config(d, api, "tcp", &format!("127.0.0.1:{cot_port}"), "");
    let s = Serve::start(&cfg, api, &[]);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let listener = std::net::TcpListener::bind(("127.0.0.1", cot_port)).unwrap();
    let (mut conn, _) = listener.accept().unwrap();
    conn.set_read_timeout(Some(std::time::Duration::from_millis(500)))
        .unwrap();
    let mut stream = String::new();
    let mut buf = vec![0u8; 65536];
    let t0 = std::time::Instant::now();
    while t0.elapsed() < std::time::Duration::from_secs(60)
        && !(stream.contains("-A-M-H-Q") && stream.contains("type=\"b-a"))
    {
        if let Ok(n) = conn.read(&mut buf) {
            stream.push_str(std::str::from_utf8(&buf[..n]).unwrap());
        }
    }
    let (ok, err) = s.stop();
    assert!(ok, "{err}");
    let events: Vec<String> = stream
        .split_inclusive("</event>")
        .filter(|e| e.ends_with("</event>"))
        .map(|e| e.trim().to_owned())
        .collect();
    assert!(events.len() >= 2, "too few CoT events over TCP: {stream}");
    let v = takproto_check(&python, d, &events);
    let types = v["types"].as_object().unwrap();
    assert!(types.keys().any(|t| t.ends_with("-A-M-H-Q")), "{v}");
    assert!(types.keys().any(|t| t.starts_with("b-a")), "{v}");
}

/// A webhook receiver on its own thread: answers 200 to the first `serve` requests and
/// records their bodies, then dies (closes its socket), or with `hang` accepts and
/// never answers.
fn receiver(serve: usize, hang: bool) -> (u16, std::thread::JoinHandle<Vec<String>>) {
    use std::io::{BufRead, BufReader, Read};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let mut bodies = Vec::new();
        let mut held = Vec::new();
        for conn in l.incoming() {
            let Ok(conn) = conn else { break };
            if hang {
                held.push(conn);
                if held.len() >= 3 {
                    // Keep them open a while, unanswered, then die.
                    std::thread::sleep(std::time::Duration::from_secs(5));
                    break;
                }
                continue;
            }
            let mut r = BufReader::new(conn.try_clone().unwrap());
            // One connection may carry several requests (keep-alive).
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
                        len = v.trim().parse().unwrap();
                    }
                }
                if !saw {
                    break;
                }
                let mut body = vec![0u8; len];
                r.read_exact(&mut body).unwrap();
                bodies.push(String::from_utf8(body).unwrap());
                let mut w = &conn;
                w.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                    .unwrap();
                if bodies.len() >= serve {
                    return bodies;
                }
            }
        }
        bodies
    });
    (port, h)
}

fn webhook_run(d: &Path, run: &Run, hook: u16, name: &str) -> (std::time::Duration, String) {
    let api = free_port();
    let cfg = config(
        d,
        api,
        &format!(
            r#"{}[[output]]
kind = "alerts"
path = "{name}-alerts.jsonl"

[[output]]
kind = "webhook"
url = "http://127.0.0.1:{hook}/alerts"
initial_backoff_ms = 20
max_backoff_ms = 100
timeout_ms = 30000
"#,
            replay_of(run)
        ),
    );
    let t0 = std::time::Instant::now();
    let (ok, err) = Serve::run_to_end(&cfg, &["--grace-s", "1"]);
    assert!(ok, "{err}");
    (
        t0.elapsed(),
        std::fs::read_to_string(d.join(format!("{name}-alerts.jsonl"))).unwrap(),
    )
}

#[test]
fn a_dead_or_stuck_webhook_loses_no_alert_line_and_does_not_hold_up_tracking() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = batch(d, "quad-night-crossing");
    let batch_alerts = std::fs::read_to_string(d.join("batch-alerts.jsonl")).unwrap();
    let n = batch_alerts.lines().count();
    assert!(
        n >= 3,
        "the scenario should raise several alert lines: {batch_alerts}"
    );

    // A receiver that takes two alerts and dies.
    let (port, h) = receiver(2, false);
    let (dead_time, dead_alerts) = webhook_run(d, &run, port, "dead");
    assert_eq!(dead_alerts, batch_alerts);
    let got = h.join().unwrap();
    assert_eq!(got.len(), 2);
    for (body, line) in got.iter().zip(batch_alerts.lines()) {
        let a: serde_json::Value = serde_json::from_str(body).unwrap();
        let b: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(a, b, "the webhook gets the alert line as JSON");
    }

    // A receiver that accepts and never answers (a slow client).
    let (port, h) = receiver(0, true);
    let (stuck_time, stuck_alerts) = webhook_run(d, &run, port, "stuck");
    assert_eq!(stuck_alerts, batch_alerts);
    drop(h);

    // No webhook at all, for the time it takes.
    let api = free_port();
    let cfg = config(
        d,
        api,
        &format!(
            "{}[[output]]\nkind = \"alerts\"\npath = \"plain-alerts.jsonl\"\n",
            replay_of(&run)
        ),
    );
    let t0 = std::time::Instant::now();
    let (ok, err) = Serve::run_to_end(&cfg, &[]);
    assert!(ok, "{err}");
    let plain = t0.elapsed();
    // Tracking finished as it does without a webhook: the only extra is the one-second
    // grace the stuck outputs get at shutdown (and start-up noise).
    for (what, t) in [("dead", dead_time), ("stuck", stuck_time)] {
        assert!(
            t < plain + std::time::Duration::from_secs(6),
            "{what} webhook run took {t:?} against {plain:?} without"
        );
    }
}
