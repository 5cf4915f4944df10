//! Known points computed independently with PROJ 9.5.1 (pyproj 3.7.2):
//! `Transformer.from_crs("EPSG:4979", "EPSG:4978")` for ECEF and the pipeline
//! `+proj=cart +ellps=WGS84 | +proj=topocentric` for ENU.
use super::*;
use approx::assert_abs_diff_eq;
use proptest::prelude::*;

const ECEF_POINTS: &[(f64, f64, f64, [f64; 3])] = &[
    (0.0, 0.0, 0.0, [6378137.0, 0.0, 0.0]),
    (90.0, 0.0, 0.0, [0.0, 0.0, 6356752.3142]),
    (
        52.2297,
        21.0122,
        110.0,
        [3654534.0184, 1403737.0712, 5018585.3361],
    ),
    (
        59.437,
        24.7536,
        30.0,
        [2952545.9250, 1361367.2622, 5468875.3937],
    ),
    (
        -33.8688,
        151.2093,
        58.0,
        [-4646093.4773, 2553229.5358, -3534404.7109],
    ),
    (
        56.9496,
        24.1052,
        7000.0,
        [3186130.2585, 1425571.9786, 5328708.5733],
    ),
];

#[test]
fn lla_to_ecef_matches_proj() {
    for &(lat, lon, h, xyz) in ECEF_POINTS {
        let e = Lla::try_from_degrees(lat, lon, h).unwrap().to_ecef();
        for i in 0..3 {
            assert_abs_diff_eq!(e.0[i], xyz[i], epsilon = 1e-3);
        }
    }
}

#[test]
fn ecef_to_lla_matches_proj() {
    for &(lat, lon, h, xyz) in ECEF_POINTS {
        let l = Ecef(Vector3::new(xyz[0], xyz[1], xyz[2])).to_lla();
        assert_abs_diff_eq!(l.lat_deg(), lat, epsilon = 1e-9);
        if lat.abs() < 90.0 {
            assert_abs_diff_eq!(l.lon_deg(), lon, epsilon = 1e-9);
        }
        assert_abs_diff_eq!(l.alt_m, h, epsilon = 1e-3);
    }
}

#[test]
fn enu_matches_proj_topocentric() {
    let frame = LocalFrame::new(Lla::try_from_degrees(52.2297, 21.0122, 110.0).unwrap());
    let p = frame.lla_to_enu(Lla::try_from_degrees(52.5, 21.5, 1500.0).unwrap());
    assert_abs_diff_eq!(p.0.x, 33133.98581586437, epsilon = 1e-3);
    assert_abs_diff_eq!(p.0.y, 30195.89536504007, epsilon = 1e-3);
    // The up coordinate shows the Earth's curvature: 1390 m above the origin's height,
    // but only 1233 m above its tangent plane at 45 km.
    assert_abs_diff_eq!(p.0.z, 1232.6446225374566, epsilon = 1e-3);
}

#[test]
fn bad_coordinates_are_rejected() {
    assert!(Lla::try_from_degrees(91.0, 0.0, 0.0).is_err());
    assert!(Lla::try_from_degrees(f64::NAN, 0.0, 0.0).is_err());
    assert!(Lla::try_from_degrees(0.0, 400.0, 0.0).is_err());
    assert!(Lla::try_from_degrees(0.0, 0.0, f64::INFINITY).is_err());
}

#[test]
fn rae_round_trip_and_convention() {
    // Due east, level: azimuth 90 degrees clockwise from north.
    let (r, az, el) = enu_to_rae(&Vector3::new(1000.0, 0.0, 0.0));
    assert_abs_diff_eq!(r, 1000.0, epsilon = 1e-9);
    assert_abs_diff_eq!(az, std::f64::consts::FRAC_PI_2, epsilon = 1e-12);
    assert_abs_diff_eq!(el, 0.0, epsilon = 1e-12);
    // Due west is 270 degrees, not -90.
    let (_, az, _) = enu_to_rae(&Vector3::new(-5.0, 0.0, 0.0));
    assert_abs_diff_eq!(az, 1.5 * std::f64::consts::PI, epsilon = 1e-12);
}

#[test]
fn frame_transform_is_exact_through_ecef() {
    let site = LocalFrame::new(Lla::try_from_degrees(52.0, 23.0, 150.0).unwrap());
    let radar = LocalFrame::new(Lla::try_from_degrees(52.9, 23.8, 200.0).unwrap());
    let t = site.transform_from(&radar);
    let target = Lla::try_from_degrees(53.1, 24.4, 3000.0).unwrap();
    let in_radar = radar.lla_to_enu(target).0;
    let in_site = site.lla_to_enu(target).0;
    let mapped = t.point(&in_radar);
    assert_abs_diff_eq!((mapped - in_site).norm(), 0.0, epsilon = 1e-6);
    let back = t.inverse().point(&in_site);
    assert_abs_diff_eq!((back - in_radar).norm(), 0.0, epsilon = 1e-6);
}

proptest! {
    #[test]
    fn lla_ecef_round_trip(lat in -89.999f64..89.999, lon in -180.0f64..180.0, h in -500.0f64..40_000.0) {
        let l = Lla::try_from_degrees(lat, lon, h).unwrap();
        let back = l.to_ecef().to_lla();
        prop_assert!((back.lat_deg() - lat).abs() < 1e-9);
        prop_assert!(geodesy_lon_diff(back.lon_deg(), lon) < 1e-9);
        prop_assert!((back.alt_m - h).abs() < 1e-4);
    }

    #[test]
    fn wrap_pi_is_in_range_and_equivalent(a in -1e4f64..1e4) {
        let w = wrap_pi(a);
        prop_assert!(w > -std::f64::consts::PI - 1e-12 && w <= std::f64::consts::PI);
        prop_assert!(((a - w) / std::f64::consts::TAU - ((a - w) / std::f64::consts::TAU).round()).abs() < 1e-9);
        let w2 = wrap_two_pi(a);
        prop_assert!((0.0..std::f64::consts::TAU).contains(&w2));
    }

    #[test]
    fn enu_round_trip(e in -200e3f64..200e3, n in -200e3f64..200e3, u in -1e3f64..20e3) {
        let frame = LocalFrame::new(Lla::try_from_degrees(54.0, 25.0, 100.0).unwrap());
        let p = Enu(Vector3::new(e, n, u));
        let back = frame.lla_to_enu(frame.enu_to_lla(p));
        prop_assert!((back.0 - p.0).norm() < 1e-4);
    }
}

fn geodesy_lon_diff(a: f64, b: f64) -> f64 {
    wrap_pi((a - b).to_radians()).abs().to_degrees()
}
