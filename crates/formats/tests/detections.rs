//! The detection contract: every form parses to the right measurement; every kind of
//! bad line gives an error naming the line and the field.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
use formats::{parse_sensors, DetectionParser, ParseError};
use model::Measurement;

fn sensors() -> model::SensorTable {
    parse_sensors(concat!(
        r#"{"sensor":"radar-1","kind":"radar","lat_deg":52.1,"lon_deg":23.2,"alt_m":150,"sigma_range_m":25,"sigma_azimuth_deg":0.5}"#,
        "\n",
        r#"{"sensor":"rf-1","kind":"passive_rf","lat_deg":52.2,"lon_deg":23.3,"alt_m":120}"#,
        "\n"
    ))
    .unwrap()
}

fn parse(line: &str) -> Result<Option<model::Detection>, ParseError> {
    DetectionParser::new(sensors()).parse_line(line.as_bytes(), 7)
}

fn err(line: &str) -> ParseError {
    match parse(line) {
        Err(e) => e,
        Ok(d) => panic!("expected an error for {line}, got {d:?}"),
    }
}

#[test]
fn every_measurement_form() {
    let d = parse(
        r#"{"time_s":1.5,"sensor":"x","x_m":10,"y_m":-20,"sigma_m":5,"unknown_field":[1,2]}"#,
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        d.measurement,
        Measurement::Cartesian {
            x_m: 10.0,
            y_m: -20.0,
            z_m: None,
            sigma_m: 5.0
        }
    );
    let d = parse(r#"{"time_s":1,"sensor":"x","lat_deg":52,"lon_deg":23,"alt_m":300,"sigma_m":8}"#)
        .unwrap()
        .unwrap();
    assert!(matches!(
        d.measurement,
        Measurement::Geodetic { has_alt: true, .. }
    ));
    // Polar with the sensor's default sigmas; azimuth 370 deg wraps to 10 deg.
    let d = parse(r#"{"time_s":1,"sensor":"radar-1","range_m":5000,"azimuth_deg":370}"#)
        .unwrap()
        .unwrap();
    match d.measurement {
        Measurement::Polar {
            range_m,
            azimuth_rad,
            elevation_rad,
            sigma_range_m,
            sigma_azimuth_rad,
            ..
        } => {
            assert_eq!(range_m, 5000.0);
            assert!((azimuth_rad - 10f64.to_radians()).abs() < 1e-12);
            assert_eq!(elevation_rad, None);
            assert_eq!(sigma_range_m, 25.0);
            assert!((sigma_azimuth_rad - 0.5f64.to_radians()).abs() < 1e-12);
        }
        m => panic!("{m:?}"),
    }
    let d = parse(r#"{"time_s":1,"sensor":"rf-1","azimuth_deg":45,"elevation_deg":3,"sigma_azimuth_deg":2,"sigma_elevation_deg":4,"id":"ABC","class":"drone","snr_db":12}"#)
        .unwrap()
        .unwrap();
    assert!(matches!(
        d.measurement,
        Measurement::Bearing {
            elevation_rad: Some(_),
            ..
        }
    ));
    let a = d.attributes.unwrap();
    assert_eq!(a.id.as_deref(), Some("ABC"));
    assert_eq!(a.class_hint.as_deref(), Some("drone"));
    assert_eq!(a.snr_db, Some(12.0));
    assert!(parse("   ").unwrap().is_none());
}

#[test]
fn bad_lines_name_line_and_field() {
    let cases: &[(&str, Option<&str>, &str)] = &[
        (
            r#"{"time_s":1,"sensor":"x","x_m":1,"y_m":2}"#,
            Some("sigma_m"),
            "required",
        ),
        (
            r#"{"time_s":1,"sensor":"x","x_m":"1","y_m":2,"sigma_m":1}"#,
            Some("x_m"),
            "expected a number",
        ),
        (
            r#"{"sensor":"x","x_m":1,"y_m":2,"sigma_m":1}"#,
            Some("time_s"),
            "required",
        ),
        (
            r#"{"time_s":1,"x_m":1,"y_m":2,"sigma_m":1}"#,
            Some("sensor"),
            "required",
        ),
        (
            r#"{"time_s":1,"sensor":"x","x_m":1,"sigma_m":1}"#,
            Some("y_m"),
            "required",
        ),
        (
            r#"{"time_s":1,"sensor":"x","x_m":1,"y_m":2,"sigma_m":-3}"#,
            Some("sigma_m"),
            "positive",
        ),
        (
            r#"{"time_s":1,"sensor":"x","x_m":1,"y_m":2,"sigma_m":0}"#,
            Some("sigma_m"),
            "positive",
        ),
        (
            r#"{"time_s":1,"sensor":"x","x_m":9e9,"y_m":2,"sigma_m":1}"#,
            Some("x_m"),
            "units",
        ),
        (
            r#"{"time_s":1,"sensor":"x","x_m":1,"y_m":2,"sigma_m":1,"lat_deg":5,"lon_deg":5}"#,
            None,
            "mixes",
        ),
        (r#"{"time_s":1,"sensor":"x"}"#, None, "no measurement"),
        (
            r#"{"time_s":1,"sensor":"x","range_m":100,"azimuth_deg":3,"sigma_range_m":1,"sigma_azimuth_deg":1}"#,
            Some("sensor"),
            "no position",
        ),
        (
            r#"{"time_s":1,"sensor":"radar-1","range_m":-5,"azimuth_deg":3}"#,
            Some("range_m"),
            "range",
        ),
        (
            r#"{"time_s":1,"sensor":"radar-1","range_m":5,"azimuth_deg":3,"elevation_deg":91,"sigma_elevation_deg":1}"#,
            Some("elevation_deg"),
            "outside",
        ),
        (
            r#"{"time_s":1,"sensor":"radar-1","range_m":5,"azimuth_deg":3,"elevation_deg":2}"#,
            Some("sigma_elevation_deg"),
            "required",
        ),
        (
            r#"{"time_s":1,"sensor":"x","lat_deg":95,"lon_deg":3,"sigma_m":1}"#,
            Some("lat_deg"),
            "latitude",
        ),
        (
            r#"{"time_s":1,"sensor":"x","x_m":NaN,"y_m":2,"sigma_m":1}"#,
            None,
            "JSON",
        ),
        (
            r#"{"time_s":1,"sensor":"x","x_m":1,"y_m":2,"sigma_m":1"#,
            None,
            "JSON",
        ),
        (r#"[1,2,3]"#, None, "object"),
        (
            r#"{"time_s":1,"sensor":"","x_m":1,"y_m":2,"sigma_m":1}"#,
            Some("sensor"),
            "empty",
        ),
    ];
    for (line, field, needle) in cases {
        let e = err(line);
        assert_eq!(e.line, 7, "{line}");
        assert_eq!(e.field.as_deref(), *field, "{line}: {e}");
        assert!(
            e.to_string().contains(needle),
            "{line}: `{e}` should mention `{needle}`"
        );
    }
    // The message names both.
    assert_eq!(
        err(r#"{"time_s":1,"sensor":"x","x_m":1,"y_m":2}"#)
            .to_string()
            .split(':')
            .next(),
        Some("line 7, field `sigma_m`")
    );
}

#[test]
fn sensors_file_reports_every_problem() {
    let text = concat!(
        r#"{"sensor":"a","kind":"radar","lat_deg":52,"lon_deg":23}"#,
        "\n",
        r#"{"sensor":"b","kind":"sonar"}"#,
        "\n",
        r#"{"sensor":"a","kind":"radar"}"#,
        "\n",
        r#"{"sensor":"c","kind":"radar","lat_deg":120,"lon_deg":23}"#,
        "\n",
        r#"{"sensor":"d","kind":"radar","pd":1.5,"sigma_m":-1}"#,
        "\n",
        "# comment lines are allowed\n",
        "not json\n",
    );
    let errs = parse_sensors(text).unwrap_err();
    let lines: Vec<u64> = errs.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 5, 7], "{errs:?}");
}
