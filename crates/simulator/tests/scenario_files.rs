//! Scenario files written by skyfence (the planner writes them) read back unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use simulator::Scenario;

/// Every library scenario survives a write and a read: the serialised form holds
/// everything the file said, and nothing the reader refuses.
#[test]
fn library_scenarios_round_trip() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let s: Scenario = toml::from_str(&text).unwrap();
        let written = toml::to_string(&s).unwrap();
        let back: Scenario = toml::from_str(&written)
            .unwrap_or_else(|e| panic!("{}: {e}\n{written}", path.display()));
        assert_eq!(s, back, "{}", path.display());
        n += 1;
    }
    assert!(n >= 6, "found {n} library scenarios");
}

/// The border's side is `own_side`, as in every border file; the older `ours` still reads.
#[test]
fn border_side_reads_under_both_names() {
    let text = |key: &str| {
        format!(
            "name = \"t\"\nseed = 1\nduration_s = 10\n[site]\nlat_deg = 54.0\nlon_deg = 25.0\n[border]\npoints = [[55.0, 24.0], [55.0, 26.0]]\n{key} = \"left\"\n"
        )
    };
    let new: Scenario = toml::from_str(&text("own_side")).unwrap();
    let old: Scenario = toml::from_str(&text("ours")).unwrap();
    assert!(new.border.ours_left());
    assert_eq!(new, old);
    assert!(toml::to_string(&new)
        .unwrap()
        .contains("own_side = \"left\""));
}
