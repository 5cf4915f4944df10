//! Cooperative identity on tracks: ADS-B reports attach to the right aircraft when two
//! cross or fly side by side, a report no radar confirms is flagged, and a manned
//! aircraft without one is flagged non-cooperative.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
use geodesy::{Enu, Lla, LocalFrame};
use model::{
    Attributes, Class, Detection, Measurement, Sensor, SensorIndex, SensorKind, SensorTable,
    TrackFlags, TrackReport,
};
use nalgebra::Vector3;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use tracker::{Tracker, TrackerConfig};

const RADAR_SIGMA_M: f64 = 60.0;
const ADSB_SIGMA_M: f64 = 15.0;
/// A track within this of an object is on it (tracks fused with ADS-B are good to tens
/// of metres).
const REACH_M: f64 = 100.0;

fn origin() -> Lla {
    Lla::try_from_degrees(52.2, 23.1, 150.0).unwrap()
}

fn sensors() -> SensorTable {
    let mut t = SensorTable::new();
    let mut radar = Sensor::unnamed_kind("radar");
    radar.kind = SensorKind::Radar;
    radar.position = Some(origin());
    radar.max_range_m = Some(60_000.0);
    t.insert(radar);
    let mut adsb = Sensor::unnamed_kind("adsb");
    adsb.kind = SensorKind::Adsb;
    adsb.position = Some(origin());
    t.insert(adsb);
    t
}

/// An object: where it is at `t` (site ENU), and its ICAO address if it squawks.
struct Object {
    at: Box<dyn Fn(f64) -> [f64; 3]>,
    icao: Option<&'static str>,
    /// Seen by the radar (false for a spoofed broadcast).
    physical: bool,
    rcs_dbsm: f64,
}

/// Runs `seconds` of 1 s radar scans and ADS-B reports; returns every report.
fn run(objects: &[Object], seconds: usize, seed: u64) -> Vec<TrackReport> {
    run_with(objects, seconds, seed, ADSB_SIGMA_M)
}

fn run_with(objects: &[Object], seconds: usize, seed: u64, adsb_sigma_m: f64) -> Vec<TrackReport> {
    let frame = LocalFrame::new(origin());
    let mut tracker = Tracker::new(TrackerConfig::default(), Some(origin()), &sensors()).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let radar_noise = Normal::new(0.0, RADAR_SIGMA_M).unwrap();
    let adsb_noise = Normal::new(0.0, adsb_sigma_m).unwrap();
    let mut out = Vec::new();
    for k in 0..seconds {
        let t = k as f64;
        let mut dets = Vec::new();
        for o in objects {
            let p = (o.at)(t);
            if o.physical {
                dets.push(Detection {
                    time_s: t,
                    sensor: SensorIndex(0),
                    measurement: Measurement::Cartesian {
                        x_m: p[0] + radar_noise.sample(&mut rng),
                        y_m: p[1] + radar_noise.sample(&mut rng),
                        z_m: Some(p[2] + radar_noise.sample(&mut rng)),
                        sigma_m: RADAR_SIGMA_M,
                    },
                    attributes: Some(Box::new(Attributes {
                        rcs_dbsm: Some(o.rcs_dbsm),
                        ..Default::default()
                    })),
                });
            }
            if let Some(icao) = o.icao {
                let e = Vector3::new(
                    p[0] + adsb_noise.sample(&mut rng),
                    p[1] + adsb_noise.sample(&mut rng),
                    p[2] + adsb_noise.sample(&mut rng),
                );
                dets.push(Detection {
                    time_s: t + 0.5,
                    sensor: SensorIndex(1),
                    measurement: Measurement::Geodetic {
                        lla: frame.enu_to_lla(Enu(e)),
                        has_alt: true,
                        sigma_m: adsb_sigma_m,
                    },
                    attributes: Some(Box::new(Attributes {
                        id: Some(icao.into()),
                        callsign: Some(format!("CS{icao}")),
                        ..Default::default()
                    })),
                });
            }
        }
        dets.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
        for d in dets {
            tracker
                .push(d, &mut |_, r: &[TrackReport]| out.extend_from_slice(r))
                .unwrap();
        }
    }
    tracker.finish(&mut |_, r: &[TrackReport]| out.extend_from_slice(r));
    out
}

/// The report nearest `p` at its time, if within `within_m`.
fn nearest<'a>(
    reports: &'a [&'a TrackReport],
    p: [f64; 3],
    within_m: f64,
) -> Option<&'a TrackReport> {
    reports
        .iter()
        .copied()
        .map(|r| {
            let d = (0..3)
                .map(|i| (r.position_m[i] - p[i]).powi(2))
                .sum::<f64>()
                .sqrt();
            (d, r)
        })
        .filter(|(d, _)| *d <= within_m)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, r)| r)
}

/// For every report time after `settle_s`, the track on each squawking object carries
/// that object's identity and never another's (the moments two objects are within
/// twice the check's reach of each other aside).
fn assert_identities_follow(
    objects: &[Object],
    reports: &[TrackReport],
    settle_s: f64,
    reach_m: f64,
) {
    let mut times: Vec<f64> = reports.iter().map(|r| r.time_s).collect();
    times.dedup();
    let mut checked = 0;
    for t in times.into_iter().filter(|t| *t >= settle_s) {
        let now: Vec<&TrackReport> = reports.iter().filter(|r| r.time_s == t).collect();
        for (i, o) in objects.iter().enumerate().filter(|(_, o)| o.physical) {
            let Some(icao) = o.icao else { continue };
            // While two objects are closer than the check's own reach, "the track on
            // this object" is not defined; what matters is who is who afterwards.
            let p = (o.at)(t);
            let crowded = objects.iter().enumerate().any(|(j, q)| {
                let d: f64 = (0..3).map(|k| (q.at)(t)[k] - p[k]).map(|d| d * d).sum();
                j != i && q.physical && d.sqrt() < 2.0 * reach_m
            });
            if crowded {
                continue;
            }
            let r =
                nearest(&now, p, reach_m).unwrap_or_else(|| panic!("no track on {icao} at {t} s"));
            let id = r.identity.as_ref().map(|i| i.id.as_str());
            assert_eq!(id, Some(icao), "track {} on {icao} at {t} s", r.track);
            assert_eq!(
                r.identity.as_ref().and_then(|i| i.callsign.clone()),
                Some(format!("CS{icao}"))
            );
            assert!(r.flags.is_empty(), "{icao} flagged {:?} at {t} s", r.flags);
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} checks");
}

fn line(start: [f64; 3], v: [f64; 3]) -> Box<dyn Fn(f64) -> [f64; 3]> {
    Box::new(move |t| {
        [
            start[0] + v[0] * t,
            start[1] + v[1] * t,
            start[2] + v[2] * t,
        ]
    })
}

#[test]
fn identities_stay_on_crossing_aircraft() {
    // Two aircraft at the same height cross at a shallow angle (about 23 degrees) at the
    // origin after 100 s, both at 100 m/s: for several seconds they are within the
    // radar's noise of each other.
    let objects = [
        Object {
            at: line([-10_000.0, -2_000.0, 1000.0], [98.0, 20.0, 0.0]),
            icao: Some("48AD12"),
            physical: true,
            rcs_dbsm: 10.0,
        },
        Object {
            at: line([-10_000.0, 2_000.0, 1000.0], [98.0, -20.0, 0.0]),
            icao: Some("4B1A2C"),
            physical: true,
            rcs_dbsm: 10.0,
        },
    ];
    for seed in 1..=3 {
        let reports = run(&objects, 200, seed);
        assert_identities_follow(&objects, &reports, 10.0, REACH_M);
    }
}

#[test]
fn identities_stay_on_crossing_aircraft_with_poor_adsb_positions() {
    // ADS-B positions of 150 m quality (a degraded navigation source) crossing at about
    // 11 degrees: near the crossing a report of one aircraft fits the other's track as
    // well as its own, and only the address keeps them apart.
    let objects = [
        Object {
            at: line([-10_000.0, -1_000.0, 1000.0], [99.5, 10.0, 0.0]),
            icao: Some("48AD12"),
            physical: true,
            rcs_dbsm: 10.0,
        },
        Object {
            at: line([-10_000.0, 1_000.0, 1000.0], [99.5, -10.0, 0.0]),
            icao: Some("4B1A2C"),
            physical: true,
            rcs_dbsm: 10.0,
        },
    ];
    for seed in 1..=5 {
        let reports = run_with(&objects, 200, seed, 150.0);
        assert_identities_follow(&objects, &reports, 10.0, 400.0);
    }
}

#[test]
fn identities_stay_on_aircraft_flying_side_by_side() {
    let objects = [
        Object {
            at: line([-10_000.0, 0.0, 1500.0], [80.0, 0.0, 0.0]),
            icao: Some("3C6586"),
            physical: true,
            rcs_dbsm: 8.0,
        },
        Object {
            at: line([-10_000.0, 250.0, 1500.0], [80.0, 0.0, 0.0]),
            icao: Some("3C4B26"),
            physical: true,
            rcs_dbsm: 8.0,
        },
    ];
    for seed in 1..=3 {
        let reports = run(&objects, 200, seed);
        assert_identities_follow(&objects, &reports, 10.0, REACH_M);
    }
}

#[test]
fn a_report_no_radar_sees_is_flagged_and_the_real_aircraft_is_not() {
    // A real aircraft squawks 48AD12; a spoofer broadcasts another address 10 km away,
    // and the real aircraft's own address 6 km from it, where the radar sees nothing.
    let objects = [
        Object {
            at: line([-10_000.0, 0.0, 1200.0], [90.0, 0.0, 0.0]),
            icao: Some("48AD12"),
            physical: true,
            rcs_dbsm: 10.0,
        },
        Object {
            at: line([-10_000.0, 10_000.0, 2000.0], [0.0, -60.0, 0.0]),
            icao: Some("C0FFEE"),
            physical: false,
            rcs_dbsm: 0.0,
        },
        Object {
            at: line([-10_000.0, -6_000.0, 1200.0], [90.0, 0.0, 0.0]),
            icao: Some("48AD12"),
            physical: false,
            rcs_dbsm: 0.0,
        },
    ];
    let reports = run(&objects, 120, 7);
    let after = |t: f64| reports.iter().filter(move |r| r.time_s >= t);
    // The ghost with its own address: reported, carrying it, flagged after a few scans.
    let ghost = after(30.0)
        .filter(|r| r.identity.as_ref().is_some_and(|i| i.id == "C0FFEE"))
        .collect::<Vec<_>>();
    assert!(
        !ghost.is_empty(),
        "the spoofed broadcast was never reported"
    );
    assert!(ghost
        .iter()
        .all(|r| r.flags.contains(TrackFlags::POSSIBLY_SPOOFED)));
    // The copy of 48AD12's address: flagged, and the conflict marked.
    let copy: Vec<&TrackReport> = after(30.0)
        .filter(|r| (r.position_m[1] + 6_000.0).abs() < 500.0)
        .collect();
    assert!(!copy.is_empty(), "the copied address was never reported");
    assert!(copy
        .iter()
        .all(|r| r.flags.contains(TrackFlags::POSSIBLY_SPOOFED)));
    assert!(copy
        .iter()
        .all(|r| r.flags.contains(TrackFlags::IDENTITY_CONFLICT)));
    // The real aircraft keeps its identity and is not suspected.
    let real: Vec<&TrackReport> = after(30.0)
        .filter(|r| r.position_m[1].abs() < 500.0)
        .collect();
    assert!(!real.is_empty());
    assert!(real
        .iter()
        .all(|r| r.identity.as_ref().is_some_and(|i| i.id == "48AD12")
            && !r.flags.contains(TrackFlags::POSSIBLY_SPOOFED)));
}

#[test]
fn a_manned_aircraft_without_transponder_is_non_cooperative() {
    // 60 m/s at 1,000 m with a light aircraft's radar cross-section, no ADS-B.
    let objects = [Object {
        at: line([-8_000.0, 3_000.0, 1000.0], [60.0, 0.0, 0.0]),
        icao: None,
        physical: true,
        rcs_dbsm: 6.0,
    }];
    let reports = run(&objects, 150, 3);
    let late: Vec<&TrackReport> = reports.iter().filter(|r| r.time_s >= 60.0).collect();
    assert!(!late.is_empty());
    assert!(late
        .iter()
        .all(|r| r.classification.class == Class::Aircraft && r.identity.is_none()));
    assert!(late
        .iter()
        .all(|r| r.flags.contains(TrackFlags::NON_COOPERATIVE)));
}

/// Regression: an airliner at 230 m/s heard only on ADS-B got no track, since two-point
/// initiation bounded every pair by `max_speed_mps` (80 m/s), and once tracked above a
/// radar whose 60 km reach is a slant range it was flagged as spoofed. Reports with one
/// address now pair at an aircraft's speed; a radar is silent about what lies beyond
/// its slant range.
#[test]
fn a_fast_airliner_heard_only_on_adsb_is_tracked_and_not_suspected() {
    // A light aircraft the radar sees, so it scans every second.
    let seen = || Object {
        at: line([-20_000.0, 0.0, 1_000.0], [50.0, 0.0, 0.0]),
        icao: None,
        physical: true,
        rcs_dbsm: 5.0,
    };
    // 11 km up, circling the radar 59.5 km out at 230 m/s: inside its 60 km ground
    // range, beyond its slant range (60.5 km).
    let circle = |t: f64| {
        let a = t * 230.0 / 59_500.0;
        [59_500.0 * a.cos(), 59_500.0 * a.sin(), 11_000.0]
    };
    let objects = [
        Object {
            at: Box::new(circle),
            icao: Some("4B1805"),
            physical: false,
            rcs_dbsm: 0.0,
        },
        seen(),
    ];
    let reports = run(&objects, 120, 3);
    let tracked: Vec<&TrackReport> = reports
        .iter()
        .filter(|r| r.identity.as_ref().is_some_and(|i| i.id == "4B1805"))
        .collect();
    assert!(
        tracked.first().is_some_and(|r| r.time_s <= 5.0),
        "no track within 5 s (first at {:?})",
        tracked.first().map(|r| r.time_s)
    );
    assert!(tracked.len() >= 110, "{} reports", tracked.len());
    assert!(
        tracked
            .iter()
            .all(|r| !r.flags.contains(TrackFlags::POSSIBLY_SPOOFED)),
        "flagged as spoofed though no radar could see it"
    );
    // The same broadcast 2 km up, well inside the radar's reach, is suspected.
    let low = [
        Object {
            at: line([20_000.0, -30_000.0, 2_000.0], [0.0, 230.0, 0.0]),
            icao: Some("4B1805"),
            physical: false,
            rcs_dbsm: 0.0,
        },
        seen(),
    ];
    let reports = run(&low, 120, 3);
    let late: Vec<(f64, Vec<&str>)> = reports
        .iter()
        .filter(|r| r.time_s >= 60.0 && r.identity.is_some())
        .map(|r| (r.time_s, r.flags.names().collect()))
        .collect();
    assert!(!late.is_empty());
    assert!(
        late.iter().all(|(_, f)| f.contains(&"possibly_spoofed")),
        "{late:?}"
    );
}
