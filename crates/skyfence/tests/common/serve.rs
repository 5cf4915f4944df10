//! Running `skyfence serve` in tests: free ports, a bare HTTP/1.1 client, waiting
//! for the API, stopping with SIGTERM.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const TOKEN: &str = "test-token-0123456789";

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request with `Connection: close`; the status and body.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).unwrap();
    let text = String::from_utf8_lossy(&resp).into_owned();
    let status: u16 = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text}"));
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    (status, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// A running `skyfence serve`.
pub struct Serve {
    pub child: Child,
    pub api: u16,
}

impl Serve {
    /// Starts `skyfence serve --config CONFIG` with `extra` options and waits until the
    /// API answers.
    pub fn start(config: &Path, api: u16, extra: &[&str]) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_skyfence"))
            .args(["serve", "--config"])
            .arg(config)
            .args(extra)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut s = Self { child, api };
        let t0 = Instant::now();
        loop {
            if TcpStream::connect(("127.0.0.1", api)).is_ok() {
                break;
            }
            if let Some(st) = s.child.try_wait().unwrap() {
                let mut err = String::new();
                s.child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                panic!("serve exited early ({st}): {err}");
            }
            assert!(t0.elapsed() < Duration::from_secs(30), "API never came up");
            std::thread::sleep(Duration::from_millis(50));
        }
        s
    }

    /// Runs `skyfence serve --config CONFIG --until-inputs-end` with `extra` options to
    /// its end; success and standard error.
    pub fn run_to_end(config: &Path, extra: &[&str]) -> (bool, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_skyfence"))
            .args(["serve", "--until-inputs-end", "--config"])
            .arg(config)
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// SIGTERM, then the exit status and standard error.
    pub fn stop(self) -> (bool, String) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        self.wait()
    }

    /// Waits for exit; success and standard error.
    pub fn wait(mut self) -> (bool, String) {
        let status = self.child.wait().unwrap();
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        (status.success(), err)
    }

    /// Polls `f` on the API every 100 ms until it returns `Some`, for at most `secs`.
    pub fn until<T>(&self, secs: u64, mut f: impl FnMut(u16) -> Option<T>) -> T {
        let t0 = Instant::now();
        loop {
            if let Some(v) = f(self.api) {
                return v;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(secs),
                "condition not met in {secs} s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Serve {
    /// A failed test must not leave the service running.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Writes `serve.toml` in `dir`: the API section on `api` with the test token, then
/// `body`.
pub fn config(dir: &Path, api: u16, body: &str) -> std::path::PathBuf {
    let p = dir.join("serve.toml");
    std::fs::write(
        &p,
        format!("[api]\nlisten = \"127.0.0.1:{api}\"\ntoken = \"{TOKEN}\"\n\n{body}"),
    )
    .unwrap();
    p
}
