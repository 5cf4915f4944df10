//! Generates the bundled demo scenario (`scenarios/demo-border/`): a 3D radar, two
//! passive RF direction finders and an ADS-B receiver on the Polish-Belarusian border
//! watching a quadcopter cross, a Shahed-class drone fly in, and an airliner pass.
use crate::root;
use anyhow::{Context, Result};
use geodesy::{enu_to_rae, wrap_two_pi, Enu, Lla, LocalFrame};
use nalgebra::Vector3;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use std::fmt::Write as _;

#[derive(clap::Args)]
pub struct Args {
    /// Seed.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

struct Site {
    name: &'static str,
    kind: &'static str,
    lla: Lla,
}

pub fn run(a: Args) -> Result<()> {
    let origin = Lla::try_from_degrees(52.10, 23.60, 150.0)?;
    let frame = LocalFrame::new(origin);
    let sites = [
        Site {
            name: "radar-bialowieza",
            kind: "radar",
            lla: Lla::try_from_degrees(52.10, 23.60, 165.0)?,
        },
        Site {
            name: "rf-north",
            kind: "passive_rf",
            lla: Lla::try_from_degrees(52.16, 23.64, 160.0)?,
        },
        Site {
            name: "rf-south",
            kind: "passive_rf",
            lla: Lla::try_from_degrees(52.05, 23.66, 155.0)?,
        },
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(a.seed);
    let g = |sd: f64| Normal::new(0.0, sd).map_err(anyhow::Error::from);
    let (nr, na) = (g(15.0)?, g(0.3f64.to_radians())?);
    let nb = g(2f64.to_radians())?;
    let nad = g(8.0)?;
    // Truth in the site frame, as functions of time (seconds).
    let quad = |t: f64| {
        Vector3::new(
            9_000.0 - 12.0 * t,
            2_000.0 + 3.0 * (t / 20.0).sin() * 40.0,
            80.0,
        )
    };
    let shahed = |t: f64| Vector3::new(22_000.0 - 48.0 * t, -6_000.0 + 10.0 * t, 900.0);
    let airliner = |t: f64| Vector3::new(-40_000.0 + 230.0 * t, 15_000.0, 10_500.0);
    let mut dets = String::new();
    let radar = LocalFrame::new(sites[0].lla);
    for k in 0..=300 {
        let t = k as f64;
        // Radar: one scan per second, all plots stamped with the scan time.
        for p in [quad(t), shahed(t), airliner(t)] {
            let (r, az, el) = enu_to_rae(&radar.lla_to_enu(frame.enu_to_lla(Enu(p))).0);
            if r < 60_000.0 && rng.gen::<f64>() < 0.9 {
                writeln!(
                    dets,
                    r#"{{"time_s":{t},"sensor":"radar-bialowieza","range_m":{:.1},"azimuth_deg":{:.4},"elevation_deg":{:.4}}}"#,
                    r + nr.sample(&mut rng),
                    wrap_two_pi(az + na.sample(&mut rng)).to_degrees(),
                    (el + na.sample(&mut rng)).to_degrees()
                )?;
            }
        }
        for _ in 0..rng.gen_range(0..6) {
            writeln!(
                dets,
                r#"{{"time_s":{t},"sensor":"radar-bialowieza","range_m":{:.1},"azimuth_deg":{:.4},"elevation_deg":{:.4}}}"#,
                rng.gen_range(500.0..30_000.0),
                rng.gen_range(0.0..360.0),
                rng.gen_range(0.0..3.0)
            )?;
        }
        // RF direction finders hear the quadcopter's control link, half a second later.
        for s in &sites[1..] {
            if rng.gen::<f64>() < 0.8 {
                let (_, az, _) = enu_to_rae(
                    &LocalFrame::new(s.lla)
                        .lla_to_enu(frame.enu_to_lla(Enu(quad(t + 0.5))))
                        .0,
                );
                writeln!(
                    dets,
                    r#"{{"time_s":{},"sensor":"{}","azimuth_deg":{:.3},"sigma_azimuth_deg":2.0,"class":"drone_rf_link"}}"#,
                    t + 0.5,
                    s.name,
                    wrap_two_pi(az + nb.sample(&mut rng)).to_degrees()
                )?;
            }
        }
        // ADS-B: the airliner's own reports every 2 s, with its ICAO address.
        if k % 2 == 0 {
            let p = airliner(t + 0.25);
            let lla = frame.enu_to_lla(Enu(p + Vector3::new(
                nad.sample(&mut rng),
                nad.sample(&mut rng),
                0.0,
            )));
            writeln!(
                dets,
                r#"{{"time_s":{},"sensor":"adsb-1","lat_deg":{:.6},"lon_deg":{:.6},"alt_m":{:.0},"sigma_m":10,"id":"48af01"}}"#,
                t + 0.25,
                lla.lat_deg(),
                lla.lon_deg(),
                lla.alt_m
            )?;
        }
    }
    let mut sensors = String::new();
    writeln!(
        sensors,
        r#"{{"sensor":"radar-bialowieza","kind":"radar","lat_deg":52.10,"lon_deg":23.60,"alt_m":165,"sigma_range_m":15,"sigma_azimuth_deg":0.3,"sigma_elevation_deg":0.3,"pd":0.9,"max_range_m":60000}}"#
    )?;
    for s in &sites[1..] {
        writeln!(
            sensors,
            r#"{{"sensor":"{}","kind":"{}","lat_deg":{},"lon_deg":{},"alt_m":{},"sigma_azimuth_deg":2.0}}"#,
            s.name,
            s.kind,
            s.lla.lat_deg(),
            s.lla.lon_deg(),
            s.lla.alt_m
        )?;
    }
    writeln!(
        sensors,
        r#"{{"sensor":"adsb-1","kind":"adsb","lat_deg":52.10,"lon_deg":23.60,"alt_m":160,"sigma_m":10}}"#
    )?;
    let dir = root().join("scenarios/demo-border");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("detections.jsonl"), dets).context("writing detections")?;
    std::fs::write(dir.join("sensors.jsonl"), sensors).context("writing sensors")?;
    println!("wrote {}", dir.display());
    Ok(())
}
