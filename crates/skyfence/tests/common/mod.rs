//! Helpers the end-to-end tests share: the real binary, the shared reference files,
//! and the sim -> track -> eval steps.
// Each test crate uses a subset.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_skyfence"))
}

/// Runs a command that must succeed; its standard output.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn shared() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    assert!(
        p.join("scenarios/scen_small.jsonl").exists(),
        "this test needs the shared reference files at {} (the folder beside the repository)",
        p.display()
    );
    p
}

/// The files of one simulation run: `<stem>-det.jsonl`, `-truth.jsonl`,
/// `-sensors.jsonl` and `-tracks.jsonl` in `dir`.
pub struct Run {
    pub det: PathBuf,
    pub truth: PathBuf,
    pub sensors: PathBuf,
    pub tracks: PathBuf,
}

impl Run {
    pub fn new(dir: &Path, stem: &str) -> Self {
        let p = |f: &str| dir.join(format!("{stem}-{f}.jsonl"));
        Self {
            det: p("det"),
            truth: p("truth"),
            sensors: p("sensors"),
            tracks: p("tracks"),
        }
    }

    /// `skyfence sim --quiet SCENARIO` into this run's files, with `extra` options.
    pub fn sim(&self, scenario: impl AsRef<OsStr>, extra: &[&str]) -> &Self {
        run_ok(
            bin()
                .args(["sim", "--quiet"])
                .args(extra)
                .arg(scenario)
                .arg("-o")
                .arg(&self.det)
                .arg("--truth")
                .arg(&self.truth)
                .arg("--sensors")
                .arg(&self.sensors),
        );
        self
    }

    /// `skyfence track --sensors` on this run's detections.
    pub fn track(&self) -> &Self {
        self.track_with(&[])
    }

    /// `skyfence track --sensors` on this run's detections, with `extra` options.
    pub fn track_with(&self, extra: &[&str]) -> &Self {
        run_ok(
            bin()
                .args(["track", "--quiet"])
                .args(extra)
                .arg("--sensors")
                .arg(&self.sensors)
                .arg(&self.det)
                .arg("-o")
                .arg(&self.tracks),
        );
        self
    }

    /// `skyfence eval --json` of this run's tracks against its truth, with `extra`.
    pub fn eval(&self, extra: &[&str]) -> serde_json::Value {
        let out = run_ok(
            bin()
                .args(["eval", "--json"])
                .args(extra)
                .arg("--truth")
                .arg(&self.truth)
                .arg("--tracks")
                .arg(&self.tracks),
        );
        serde_json::from_str(&out).unwrap()
    }

    /// The bytes of the detections, truth and sensors files.
    pub fn outputs(&self) -> [Vec<u8>; 3] {
        [&self.det, &self.truth, &self.sensors].map(|p| std::fs::read(p).unwrap())
    }
}

/// Runs the binary with `args`, `input` on its standard input: whether it succeeded,
/// its standard output and its standard error.
pub fn run_stdin(args: &[&str], input: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = bin()
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The Python with the independent peers (takproto, asterix_decoder with dpkt,
/// sapient-msg), installed by `cargo xtask test` into target/peer-venv.
pub fn peer_python(who: &str) -> PathBuf {
    let p = std::env::var_os("SKYFENCE_PEER_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/peer-venv/bin/python")
        });
    assert!(
        p.exists(),
        "{who} needs the peer Python at {}: run `cargo xtask test` (it installs it) or set SKYFENCE_PEER_PYTHON",
        p.display()
    );
    p
}

/// ast-tool-py (an ASTERIX tool on libasterix, whose Python package name collides
/// with asterix_decoder's, so it has its own venv), installed by `cargo xtask test`
/// into target/peer-venv-ast.
pub fn peer_ast_tool() -> PathBuf {
    let p = std::env::var_os("SKYFENCE_PEER_AST_TOOL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/peer-venv-ast/bin/ast-tool-py")
        });
    assert!(
        p.exists(),
        "the CAT062 peer test needs ast-tool-py at {}: run `cargo xtask test` (it installs it) or set SKYFENCE_PEER_AST_TOOL",
        p.display()
    );
    p
}
