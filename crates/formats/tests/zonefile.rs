//! Zone files: GeoJSON in, site-frame zones out, every problem reported at once.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use formats::parse_zones;
use geodesy::{Lla, LocalFrame};

fn frame() -> LocalFrame {
    LocalFrame::new(Lla::try_from_degrees(52.0, 23.0, 0.0).unwrap())
}

const FILE: &str = r#"{
  "type": "FeatureCollection",
  "features": [
    {"type": "Feature", "properties": {"kind": "border", "name": "east line", "own_side": "left"},
     "geometry": {"type": "LineString", "coordinates": [[22.9, 52.0], [23.1, 52.0]]}},
    {"type": "Feature", "properties": {"kind": "protected", "name": "depot", "min_alt_m": 0, "max_alt_m": 800},
     "geometry": {"type": "Polygon", "coordinates": [[[22.99, 52.01], [23.01, 52.01], [23.01, 52.02], [22.99, 52.02], [22.99, 52.01]]]}},
    {"type": "Feature", "properties": {"kind": "no_alert", "name": "airfield", "radius_m": 3000},
     "geometry": {"type": "Point", "coordinates": [23.05, 52.03]}}
  ]
}"#;

#[test]
fn a_zone_file_reads_into_the_site_frame() {
    let z = parse_zones(FILE, &frame()).unwrap();
    let b = z.border.expect("the file has a border");
    // Walking east along 52 N, ours is on the left: north.
    assert!(b.is_ours([0.0, 500.0]));
    assert!(!b.is_ours([0.0, -500.0]));
    // Both ends lie on the origin's parallel, 6.86 km east and west; the parallel
    // curves north of the tangent plane's east axis by about x² tan(lat) / 2R, so the
    // straight segment between them passes some 4.7 m north of the origin, which is
    // then just on their side.
    let d = b.signed_distance_m([0.0, 0.0]);
    assert!((-5.5..-4.0).contains(&d), "{d}");
    let areas = z.areas.all();
    assert_eq!(areas.len(), 2);
    assert_eq!(areas[0].name, "depot");
    // 52.015 N, 23.0 E: inside the depot, about 1.67 km north of the origin.
    let inside = frame()
        .lla_to_enu(Lla::try_from_degrees(52.015, 23.0, 0.0).unwrap())
        .0;
    assert_eq!(z.areas.containing([inside.x, inside.y, 100.0]), vec![0]);
    assert!(z.areas.containing([inside.x, inside.y, 900.0]).is_empty());
    // The closing position of the ring was dropped.
    match &areas[0].shape {
        zones::Shape::Polygon(v) => assert_eq!(v.len(), 4),
        other => panic!("{other:?}"),
    }
    let field = frame()
        .lla_to_enu(Lla::try_from_degrees(52.03, 23.05, 0.0).unwrap())
        .0;
    assert_eq!(
        z.areas.containing([field.x + 2000.0, field.y, 0.0]),
        vec![1]
    );
}

#[test]
fn every_problem_is_reported() {
    let bad = r#"{"type": "FeatureCollection", "features": [
      {"type": "Feature", "properties": {"kind": "border", "own_side": "north"},
       "geometry": {"type": "LineString", "coordinates": [[22.9, 52.0], [23.1, 52.0]]}},
      {"type": "Feature", "properties": {"kind": "protected", "name": "swapped"},
       "geometry": {"type": "Polygon", "coordinates": [[[52.0, 23.0], [52.1, 23.0], [52.1, 93.1]]]}},
      {"type": "Feature", "properties": {"kind": "no_alert", "name": "no radius"},
       "geometry": {"type": "Point", "coordinates": [23.0, 52.0]}},
      {"type": "Feature", "properties": {"kind": "lake"},
       "geometry": {"type": "Point", "coordinates": [23.0, 52.0]}}
    ]}"#;
    let errors = parse_zones(bad, &frame()).unwrap_err();
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(text.len(), 4, "{text:#?}");
    assert!(text[0].contains("own_side"), "{}", text[0]);
    assert!(
        text[1].contains("swapped") && text[1].contains("[longitude, latitude]"),
        "{}",
        text[1]
    );
    assert!(text[2].contains("radius_m"), "{}", text[2]);
    assert!(text[3].contains("`kind`"), "{}", text[3]);
    assert!(parse_zones("[]", &frame()).is_err());
    assert!(parse_zones("{", &frame()).is_err());
}
