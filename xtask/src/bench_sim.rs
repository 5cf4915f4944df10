//! Simulator throughput: `skyfence sim` on two large generated scenarios, as a whole
//! process writing its files. One is detection-heavy (a 200 km border watched by 20
//! radars with 100 clutter plots per scan, 40 targets, an hour), one truth-heavy (1,000
//! birds and drones before two radars, 15 minutes).
use crate::{build_skyfence, root};
use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Runs per scenario; the fastest is reported.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
}

fn header(name: &str, duration_s: u32) -> String {
    format!(
        "name = \"{name}\"\nseed = 99\nduration_s = {duration_s}\n[site]\nlat_deg = 54.0\nlon_deg = 25.0\nalt_m = 150\n[border]\npoints = [[55.0, 25.3], [53.0, 25.3]]\nown_side = \"right\"\n"
    )
}

fn detection_heavy() -> String {
    let mut s = header("bench-detections", 3600);
    for i in 0..40 {
        let lat = 53.1 + 0.045 * i as f64;
        let _ = write!(
            s,
            "[[target]]\nname = \"t{i}\"\nkind = \"quadcopter\"\nmotion = \"crossing\"\nstart_s = {}\nfrom = [{lat:.3}, 25.45]\nto = [{:.3}, 25.10]\n",
            i * 60,
            lat + 0.01
        );
    }
    for i in 0..20 {
        let _ = write!(
            s,
            "[[sensor]]\nname = \"r{i}\"\nkind = \"radar\"\nlat_deg = {:.3}\nlon_deg = 25.25\nclutter_per_scan = 100\nradial_velocity = true\n",
            53.1 + 0.09 * i as f64
        );
    }
    s
}

fn truth_heavy() -> String {
    let mut s = header("bench-truth", 900);
    for i in 0..40 {
        let lat = 53.95 + 0.0025 * i as f64;
        let _ = write!(
            s,
            "[[target]]\nname = \"flock{i}\"\nkind = \"bird\"\nmotion = \"crossing\"\ncount = 25\nfrom = [{lat:.4}, 25.40]\nto = [{lat:.4}, 25.10]\n"
        );
    }
    for (i, lon) in [25.2, 25.3].iter().enumerate() {
        let _ = write!(
            s,
            "[[sensor]]\nname = \"r{i}\"\nkind = \"radar\"\nlat_deg = 54.0\nlon_deg = {lon}\nmax_range_m = 10000\nclutter_per_scan = 20\n"
        );
    }
    s
}

pub fn run(a: Args) -> Result<()> {
    let bin = build_skyfence()?;
    let out = root().join("target/bench-sim");
    std::fs::create_dir_all(&out)?;
    println!("| scenario | detections | truth lines | best wall s | detections/s | lines/s |\n|---|---|---|---|---|---|");
    for (name, text) in [
        ("detection-heavy", detection_heavy()),
        ("truth-heavy", truth_heavy()),
    ] {
        let scen = out.join(format!("{name}.toml"));
        std::fs::write(&scen, text)?;
        let p = |f: &str| out.join(format!("{name}.{f}"));
        let mut best = f64::INFINITY;
        for _ in 0..a.repeats.max(1) {
            let t0 = Instant::now();
            let st = Command::new(&bin)
                .args(["sim", "--quiet"])
                .arg(&scen)
                .arg("-o")
                .arg(p("detections.jsonl"))
                .arg("--truth")
                .arg(p("truth.jsonl"))
                .arg("--sensors")
                .arg(p("sensors.jsonl"))
                .status()
                .context("running skyfence sim")?;
            if !st.success() {
                bail!("skyfence sim failed on {}", scen.display());
            }
            best = best.min(t0.elapsed().as_secs_f64());
        }
        let count = |f: &str| -> Result<usize> {
            let data = std::fs::read(p(f))?;
            Ok(data.iter().filter(|&&b| b == b'\n').count())
        };
        let (d, t) = (count("detections.jsonl")?, count("truth.jsonl")?);
        // Gigabytes of output are of no further use.
        for f in ["detections.jsonl", "truth.jsonl"] {
            let _ = std::fs::remove_file(p(f));
        }
        println!(
            "| {name} | {d} | {t} | {best:.3} | {:.0} | {:.0} |",
            d as f64 / best,
            (d + t) as f64 / best
        );
    }
    Ok(())
}
