//! The map page end to end: `skyfence demo` driven by a real headless Chromium
//! (web/tests/demo.mjs with playwright-core), and the demo's and the service's refusals.
//! `cargo xtask test` installs the browser and the page's test dependencies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "browser-test-token-0123456789";
const OPERATOR_PW: &str = "operator-test-password";
const VIEWER_PW: &str = "viewer-test-password";

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web")
}

/// The browser the test drives, installed by `cargo xtask test`.
fn chromium() -> PathBuf {
    let p = std::env::var_os("SKYFENCE_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        p.exists(),
        "the browser test needs Chromium at {}: run `cargo xtask test` (it installs Debian's chromium) or set SKYFENCE_CHROMIUM",
        p.display()
    );
    let driver = web_dir().join("node_modules/playwright-core");
    assert!(
        driver.exists(),
        "the browser test needs playwright-core in {}: run `cargo xtask test` (it runs npm ci there)",
        driver.display()
    );
    p
}

/// A demo on an ephemeral loopback port, and the URL it printed.
struct Demo {
    child: Child,
    url: String,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads a child's standard error until `find` picks a value out of a line (within a
/// minute), and keeps reading it afterwards so the child never blocks on a full pipe.
fn watch_for(child: &mut Child, find: impl Fn(&str) -> Option<String> + Send + 'static) -> String {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(v) = find(&line) {
                let _ = tx.send(v);
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the child printed what was waited for")
}

fn start_demo(scenario: &str, speed: &str) -> Demo {
    start_demo_with(scenario, speed, &[])
}

fn start_demo_with(scenario: &str, speed: &str, extra: &[&str]) -> Demo {
    let mut child = common::bin()
        .args(["demo", "--scenario", scenario, "--speed", speed])
        .args(extra)
        .args(["--listen", "127.0.0.1:0"])
        .env("SKYFENCE_API_TOKEN", TOKEN)
        .env("SKYFENCE_OPERATOR_PASSWORD", OPERATOR_PW)
        .env("SKYFENCE_VIEWER_PASSWORD", VIEWER_PW)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let url = watch_for(&mut child, |line| {
        line.trim()
            .strip_prefix("map:")
            .map(|u| u.trim().trim_end_matches('/').to_owned())
    });
    Demo { child, url }
}

#[test]
fn an_operator_and_a_viewer_use_the_map_in_a_real_browser() {
    let chromium = chromium();
    let demo = start_demo("shahed-raid", "20");
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-artifacts");
    let started = Instant::now();
    let out = Command::new("node")
        .arg("tests/demo.mjs")
        .current_dir(web_dir())
        .env("SKYFENCE_URL", &demo.url)
        .env("SKYFENCE_API_TOKEN", TOKEN)
        .env("SKYFENCE_OPERATOR_PASSWORD", OPERATOR_PW)
        .env("SKYFENCE_VIEWER_PASSWORD", VIEWER_PW)
        .env("SKYFENCE_ARTIFACTS", &artifacts)
        .env("SKYFENCE_CHROMIUM", &chromium)
        .output()
        .expect("running node (Node.js must be installed)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the browser test failed after {:.0} s:\n{}\n{}",
        started.elapsed().as_secs_f64(),
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let m: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or("")).unwrap();
    eprintln!("browser measurements: {m}");
    assert!(m["tracks"].as_u64().unwrap() > 0);
    assert!(artifacts.join("map.png").exists());
}

/// A plan's coverage layer on the map: `skyfence plan`, then the demo flying the
/// plan's own scenario with `--plan`, checked in a real browser (web/tests/plan.mjs).
#[test]
fn a_plans_coverage_shows_on_the_map() {
    let chromium = chromium();
    let dir = tempfile::tempdir().unwrap();
    let border = dir.path().join("border.geojson");
    std::fs::write(
        &border,
        r#"{"type":"Feature","properties":{"own_side":"right"},"geometry":{"type":"LineString","coordinates":[[26.0,54.4],[26.0,54.6]]}}"#,
    )
    .unwrap();
    let out = dir.path().join("plan");
    common::run_ok(
        common::bin()
            .args([
                "plan",
                "-q",
                "--no-pareto",
                "--budget-eur",
                "500000",
                "--border",
            ])
            .arg(&border)
            .arg("-o")
            .arg(&out),
    );
    let scenario = out.join("scenario.toml");
    let placement = out.join("placement.geojson");
    let demo = start_demo_with(
        scenario.to_str().unwrap(),
        "20",
        &["--plan", placement.to_str().unwrap()],
    );
    let out = Command::new("node")
        .arg("tests/plan.mjs")
        .current_dir(web_dir())
        .env("SKYFENCE_URL", &demo.url)
        .env("SKYFENCE_VIEWER_PASSWORD", VIEWER_PW)
        .env("SKYFENCE_CHROMIUM", &chromium)
        .env("SKYFENCE_PLAN", &placement)
        .output()
        .expect("running node (Node.js must be installed)");
    assert!(
        out.status.success(),
        "the plan layer test failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let m: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or(""),
    )
    .unwrap();
    assert_eq!(m["lines"], 23);
}

#[test]
fn the_demo_refuses_a_non_loopback_address_without_passwords() {
    let out = common::bin()
        .args(["demo", "--listen", "0.0.0.0:0"])
        .env_remove("SKYFENCE_OPERATOR_PASSWORD")
        .env_remove("SKYFENCE_VIEWER_PASSWORD")
        .env_remove("SKYFENCE_API_TOKEN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a loopback address") && err.contains("SKYFENCE_OPERATOR_PASSWORD"),
        "{err}"
    );
}

/// The page's login and roles over plain HTTP: a wrong password gets 401, the page API
/// needs a session, and a viewer's acknowledgement gets 403 while an operator's is
/// recorded under their name.
#[test]
fn page_logins_and_roles_are_enforced_by_the_server() {
    let demo = start_demo("shahed-raid", "30");
    let client = |path: &str| format!("{}{path}", demo.url);
    let login = |user: &str, pw: &str| {
        let body = serde_json::json!({"user": user, "password": pw}).to_string();
        http(
            "POST",
            &client("/ui/login"),
            &[("Content-Type", "application/json")],
            &body,
        )
    };
    let (status, _, _) = login("operator", "not-the-password");
    assert_eq!(status, 401);
    let (status, _, _) = login("nobody", OPERATOR_PW);
    assert_eq!(status, 401);
    assert_eq!(http("GET", &client("/ui/setup"), &[], "").0, 401);
    assert_eq!(http("GET", &client("/ui/feed"), &[], "").0, 401);

    let (status, headers, _) = login("viewer", VIEWER_PW);
    assert_eq!(status, 200);
    let cookie = session_cookie(&headers);
    assert!(
        headers.contains("HttpOnly")
            && headers.contains("SameSite=Strict")
            && headers.contains("Secure"),
        "{headers}"
    );
    // Wait for an alert, then try to acknowledge it as the viewer.
    let bearer = format!("Bearer {TOKEN}");
    let deadline = Instant::now() + Duration::from_secs(60);
    let id = loop {
        let (_, _, body) = http(
            "GET",
            &client("/api/alerts"),
            &[("Authorization", &bearer)],
            "",
        );
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        if let Some(a) = v.as_array().and_then(|a| a.first()) {
            break a["alert"].as_u64().unwrap();
        }
        assert!(Instant::now() < deadline, "no alert within a minute");
        std::thread::sleep(Duration::from_millis(200));
    };
    let ack = client(&format!("/ui/alerts/{id}/ack"));
    assert_eq!(http("POST", &ack, &[("Cookie", &cookie)], "").0, 403);
    // The feed opens for the page's own origin and is refused to another site's page,
    // even with the session cookie.
    let host = demo.url.trim_start_matches("http://").to_owned();
    let upgrade = |origin: &str| ws_handshake(&host, &cookie, origin);
    assert_eq!(upgrade("http://attacker.example"), 403);
    assert_eq!(upgrade(&format!("http://{host}")), 101);

    let (_, headers, _) = login("operator", OPERATOR_PW);
    let cookie = session_cookie(&headers);
    let (status, _, body) = http("POST", &ack, &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "{body}");
    let a: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(a["state"], "acknowledged");
    assert_eq!(a["acknowledged_by"], "operator");
    assert!(a["acknowledged_s"].as_f64().is_some());
    // After logging out the session is gone.
    assert_eq!(
        http("POST", &client("/ui/logout"), &[("Cookie", &cookie)], "").0,
        204
    );
    assert_eq!(
        http("GET", &client("/ui/me"), &[("Cookie", &cookie)], "").0,
        401
    );
}

/// The status of a WebSocket handshake to the feed (the answer's head only: after a
/// 101 the connection stays open).
fn ws_handshake(host: &str, cookie: &str, origin: &str) -> u16 {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let req = format!(
        "GET /ui/feed HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nOrigin: {origin}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && s.read(&mut byte).unwrap() == 1 {
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head)
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn session_cookie(headers: &str) -> String {
    headers
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .and_then(|l| l.split_once(':').map(|(_, v)| v.trim()))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

/// A minimal HTTP/1.1 client over a TcpStream: status, header block, body.
fn http(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> (u16, String, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

/// `skyfence hash-password` makes a hash the service accepts; a bad `[web]` section is
/// reported with every problem at once.
#[test]
fn web_users_are_validated_with_every_problem_at_once() {
    let (ok, out, err) = common::run_stdin(&["hash-password"], "a long enough password\n");
    assert!(ok, "{err}");
    let hash = out.trim().to_owned();
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");

    let dir = tempfile::tempdir().unwrap();
    let good = format!(
        "[api]\nlisten = \"127.0.0.1:0\"\ntoken = \"{TOKEN}\"\n[web]\n[[web.user]]\nname = \"ana\"\nrole = \"operator\"\npassword_hash = \"{hash}\"\n[[input]]\nkind = \"sim\"\nscenario = \"quad-night-crossing\"\n"
    );
    let path = dir.path().join("good.toml");
    std::fs::write(&path, good).unwrap();
    common::run_ok(
        common::bin()
            .args(["serve", "--check", "--config"])
            .arg(&path),
    );

    let bad = format!(
        "[api]\nlisten = \"127.0.0.1:0\"\ntoken = \"{TOKEN}\"\n[web]\nfeed_interval_ms = 5\n\
         [[web.user]]\nname = \"ana\"\nrole = \"admin\"\npassword_hash = \"{hash}\"\n\
         [[web.user]]\nname = \"ana\"\nrole = \"viewer\"\npassword_hash = \"plain\"\n\
         [[web.user]]\nname = \"bo\"\nrole = \"viewer\"\npassword_env = \"SKYFENCE_TEST_UNSET_PASSWORD\"\n\
         [[web.user]]\nname = \"cy\"\nrole = \"viewer\"\n\
         [[input]]\nkind = \"sim\"\nscenario = \"quad-night-crossing\"\n"
    );
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, bad).unwrap();
    let out = common::bin()
        .args(["serve", "--check", "--config"])
        .arg(&path)
        .env_remove("SKYFENCE_TEST_UNSET_PASSWORD")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for want in [
        "has 6 problem(s)",
        "web.user 1 (ana).role is `admin`",
        "web.user 2 (ana): the name is given twice",
        "web.user 2 (ana).password_hash: not an Argon2 password hash",
        "web.user 3 (bo).password_env names `SKYFENCE_TEST_UNSET_PASSWORD`, which is not set",
        "web.user 4 (cy): give exactly one of password_hash or password_env",
        "web.feed_interval_ms is 5",
    ] {
        assert!(err.contains(want), "missing `{want}` in:\n{err}");
    }
}

/// The page with 5,000 live tracks at 1 Hz: `skyfence serve` fed over TCP with one
/// scan a second of 5,000 targets flying straight across a 100 km square, and the page
/// measured in headless Chromium (web/tests/load.mjs). The figures are printed and
/// written to target/browser-artifacts/map-5000.json; the test holds the page to
/// taking every feed message and drawing well inside the second between them.
#[test]
fn the_map_keeps_up_with_5000_tracks() {
    use std::io::Write;
    const TARGETS: usize = 5000;
    let chromium = chromium();
    let dir = tempfile::tempdir().unwrap();
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let input = probe.local_addr().unwrap();
    drop(probe);
    let config = format!(
        "[api]\nlisten = \"127.0.0.1:0\"\ntoken = \"{TOKEN}\"\n\
         [web]\n[[web.user]]\nname = \"operator\"\nrole = \"operator\"\npassword_env = \"SKYFENCE_TEST_OPERATOR_PASSWORD\"\n\
         [site]\norigin = \"54.0,25.0,150\"\n\
         [[input]]\nkind = \"tcp\"\nlisten = \"{input}\"\n"
    );
    let path = dir.path().join("serve.toml");
    std::fs::write(&path, config).unwrap();
    let mut child = common::bin()
        .args(["serve", "--config"])
        .arg(&path)
        .env("SKYFENCE_TEST_OPERATOR_PASSWORD", OPERATOR_PW)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let api = watch_for(&mut child, |line| {
        line.split("API on http://")
            .nth(1)
            .map(|rest| rest.split_whitespace().next().unwrap_or("").to_owned())
    });
    let serve = Demo {
        child,
        url: format!("http://{api}"),
    };

    // Targets on a grid 1.4 km apart, each with its own straight course at 10-30 m/s.
    let targets: Vec<[f64; 4]> = (0..TARGETS)
        .map(|i| {
            let (col, row) = ((i % 71) as f64, (i / 71) as f64);
            let heading = (i as f64 * 2.399_963).rem_euclid(std::f64::consts::TAU);
            let speed = 10.0 + (i % 21) as f64;
            [
                -49_000.0 + 1_400.0 * col,
                -49_000.0 + 1_400.0 * row,
                speed * heading.sin(),
                speed * heading.cos(),
            ]
        })
        .collect();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let feeder = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut s = loop {
                match std::net::TcpStream::connect(input) {
                    Ok(s) => break s,
                    Err(_) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(100))
                    }
                    Err(e) => panic!("cannot reach serve's TCP input: {e}"),
                }
            };
            let start = Instant::now();
            let mut k = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let t = k as f64;
                let mut buf = String::with_capacity(TARGETS * 90);
                for [x, y, vx, vy] in &targets {
                    buf.push_str(&format!(
                        "{{\"time_s\":{t},\"sensor\":\"grid\",\"x_m\":{:.1},\"y_m\":{:.1},\"z_m\":300,\"sigma_m\":10}}\n",
                        x + vx * t,
                        y + vy * t
                    ));
                }
                if s.write_all(buf.as_bytes()).is_err() {
                    break;
                }
                k += 1;
                // One scan a second of wall time.
                let next = start + Duration::from_secs(k);
                if let Some(wait) = next.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
            }
        })
    };

    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-artifacts");
    let out = Command::new("node")
        .arg("tests/load.mjs")
        .current_dir(web_dir())
        .env("SKYFENCE_URL", &serve.url)
        .env("SKYFENCE_OPERATOR_PASSWORD", OPERATOR_PW)
        .env("SKYFENCE_ARTIFACTS", &artifacts)
        .env("SKYFENCE_CHROMIUM", &chromium)
        .env("SKYFENCE_MIN_TRACKS", (TARGETS * 95 / 100).to_string())
        .env("SKYFENCE_MEASURE_S", "20")
        .output()
        .expect("running node (Node.js must be installed)");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the load measurement failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout.lines().last().unwrap_or("");
    std::fs::write(artifacts.join("map-5000.json"), line).unwrap();
    eprintln!("map with {TARGETS} tracks: {line}");
    let m: serde_json::Value = serde_json::from_str(line).unwrap();
    assert!(m["tracks"].as_u64().unwrap() >= (TARGETS * 95 / 100) as u64);
    // One message a second, none lost or bunched up by a page that cannot keep up.
    let rate = m["feed_messages_per_s"].as_f64().unwrap();
    assert!(
        (0.8..=1.2).contains(&rate),
        "feed messages per second: {rate}"
    );
    assert!(m["message_gap_ms_max"].as_f64().unwrap() < 2500.0, "{m}");
    // Applying a message and drawing the picture each take well under the second.
    assert!(m["apply_ms_max"].as_f64().unwrap() < 500.0, "{m}");
    assert!(m["frame_ms_p95"].as_f64().unwrap() < 500.0, "{m}");
    drop(serve);
    let _ = feeder.join();
}
