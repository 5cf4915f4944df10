//! Classes and identities through the whole chain: a library scenario simulated,
//! tracked and scored by the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
mod common;
use common::Run;

fn lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn has_flag(l: &serde_json::Value, flag: &str) -> bool {
    l["flags"]
        .as_array()
        .is_some_and(|f| f.iter().any(|x| x == flag))
}

#[test]
fn spoofed_adsb_is_flagged_and_the_dark_aircraft_is_non_cooperative() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(dir.path(), "to");
    run.sim("transponder-off", &[]).track();
    let all = lines(&run.tracks);
    let id_of = |l: &serde_json::Value| l["identity"]["id"].as_str().map(str::to_string);
    // The spoofer's broadcast: once the radar has had time to miss it, always flagged.
    let ghost: Vec<&serde_json::Value> = all
        .iter()
        .filter(|l| id_of(l).as_deref() == Some("C0FFEE"))
        .collect();
    assert!(
        ghost.len() > 100,
        "the spoofed broadcast was hardly reported"
    );
    let first = ghost[0]["time_s"].as_f64().unwrap();
    let late: Vec<_> = ghost
        .iter()
        .filter(|l| l["time_s"].as_f64().unwrap() > first + 60.0)
        .collect();
    assert!(!late.is_empty() && late.iter().all(|l| has_flag(l, "possibly_spoofed")));
    // The airliner: identified with its callsign, never suspected.
    let airliner: Vec<_> = all
        .iter()
        .filter(|l| id_of(l).as_deref() == Some("48AD12"))
        .collect();
    assert!(airliner.len() > 100);
    assert!(airliner
        .iter()
        .all(|l| l["identity"]["callsign"] == "LOT3AB" && l["identity"]["source"] == "adsb"));
    assert!(airliner.iter().all(|l| !has_flag(l, "possibly_spoofed")));
    // The aircraft with its transponder off: a manned aircraft nobody vouches for.
    let dark: Vec<_> = all
        .iter()
        .filter(|l| l["identity"].is_null() && l["class"] == "aircraft")
        .collect();
    assert!(dark.len() > 100, "the dark aircraft was hardly classed");
    assert!(dark.iter().all(|l| has_flag(l, "non_cooperative")));
    // Every line carries a distribution over the six classes.
    for l in &all {
        let p = l["class_prob"].as_object().unwrap();
        assert_eq!(p.len(), 6);
        let sum: f64 = p.values().map(|v| v.as_f64().unwrap()).sum();
        assert!((sum - 1.0).abs() < 0.01, "{l}");
    }
}

#[test]
fn drones_among_migrating_birds_are_called_drones_and_birds_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let run = Run::new(dir.path(), "bm");
    run.sim("bird-migration", &[])
        .track_with(&["--wind", "45,7"]);
    let v = run.eval(&["--scenario", "bird-migration"]);
    let c = &v["classification"];
    assert_eq!(c["drone_tracks"], 2, "{c}");
    assert_eq!(c["drones_called_in_time"], 2, "{c}");
    assert!(c["bird_tracks"].as_u64().unwrap() > 50, "{c}");
    assert!(c["bird_as_drone_rate"].as_f64().unwrap() < 0.02, "{c}");
    // The confusion names true and track classes by skyfence's class names.
    let confusion = c["track_confusion"].as_array().unwrap();
    assert!(confusion.iter().any(|e| e["truth"] == "bird"
        && e["track"] == "bird"
        && e["tracks"].as_u64().unwrap() > 50));
}
