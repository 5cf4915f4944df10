//! Known answers for sides, distances, crossings and predicted crossings, and
//! properties that hold for any border and path.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use approx::assert_relative_eq;
use proptest::prelude::*;
use zones::{Area, AreaKind, Areas, Border, Direction, Motion2, Shape, Side, ZoneError};

/// West to east along y = 0; ours is north (left, walking east).
fn straight() -> Border {
    Border::new(vec![[-1000.0, 0.0], [1000.0, 0.0]], Side::Left).unwrap()
}

#[test]
fn side_and_distance_by_hand() {
    let b = straight();
    assert_relative_eq!(b.signed_distance_m([0.0, 50.0]), 50.0);
    assert_relative_eq!(b.signed_distance_m([0.0, -30.0]), -30.0);
    // Beyond the east end: judged by the end segment's line, distance to the end point.
    assert_relative_eq!(
        b.signed_distance_m([2000.0, 10.0]),
        (1000.0f64 * 1000.0 + 100.0).sqrt()
    );
    // The same line with ours on the right flips every sign.
    let r = Border::new(vec![[-1000.0, 0.0], [1000.0, 0.0]], Side::Right).unwrap();
    assert_relative_eq!(r.signed_distance_m([0.0, 50.0]), -50.0);
    assert!(r.is_ours([0.0, -1.0]));
}

#[test]
fn corners_take_the_side_of_the_turn() {
    // East, then a left turn north: the corner's inside (north-west) is the left.
    let b = Border::new(vec![[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]], Side::Left).unwrap();
    assert!(b.is_ours([50.0, 50.0]));
    assert!(b.is_ours([99.0, 1.0]));
    // Outside the corner (south-east), nearest to the vertex: right, theirs.
    assert!(!b.is_ours([150.0, -50.0]));
    assert_relative_eq!(
        b.signed_distance_m([150.0, -50.0]),
        -(50.0f64 * 50.0 * 2.0).sqrt()
    );
    // East, then a right turn south: the corner's outside (north-east) is the left.
    let c = Border::new(vec![[0.0, 0.0], [100.0, 0.0], [100.0, -100.0]], Side::Left).unwrap();
    assert!(c.is_ours([150.0, 50.0]));
    assert!(!c.is_ours([50.0, -50.0]));
}

#[test]
fn crossings_by_hand() {
    let b = straight();
    let c = b.first_crossing([0.0, -100.0], [0.0, 100.0]).unwrap();
    assert_relative_eq!(c.fraction, 0.5);
    assert_relative_eq!(c.point_m[1], 0.0);
    assert_eq!(c.direction, Direction::Inbound);
    assert_eq!(c.segment, 0);
    let back = b.first_crossing([10.0, 30.0], [40.0, -90.0]).unwrap();
    assert_eq!(back.direction, Direction::Outbound);
    assert_relative_eq!(back.fraction, 0.25);
    assert_relative_eq!(back.point_m[0], 17.5);
    // Alongside, or short of the line: no crossing.
    assert!(b.first_crossing([-50.0, -10.0], [50.0, -10.0]).is_none());
    assert!(b.first_crossing([0.0, -100.0], [0.0, -1.0]).is_none());
    // Past the end of the border: no crossing either.
    assert!(b
        .first_crossing([1500.0, -100.0], [1500.0, 100.0])
        .is_none());
    // Around a corner with ours on the right: from the corner's inside (theirs) south
    // across the first segment, into ours.
    let v = Border::new(vec![[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]], Side::Right).unwrap();
    let c = v.first_crossing([50.0, 50.0], [50.0, -50.0]).unwrap();
    assert_eq!(c.direction, Direction::Inbound);
    assert_relative_eq!(c.fraction, 0.5);
}

#[test]
fn predicted_crossing_by_hand() {
    let b = straight();
    let mut cov = [[0.0; 4]; 4];
    cov[0][0] = 100.0;
    cov[1][1] = 100.0;
    cov[2][2] = 1.0;
    cov[3][3] = 1.0;
    let m = Motion2 {
        position_m: [0.0, -100.0],
        velocity_mps: [0.0, 5.5],
        cov,
    };
    let p = b.predict_crossing(&m, 20.0).unwrap();
    // Crosses after 100 / 5.5 s; at 20 s the mean is 10 m inside with variance
    // 100 + 20² · 1 = 500: Φ(10 / √500) = Φ(0.447214) = 0.672639.
    assert_relative_eq!(p.in_s, 100.0 / 5.5, epsilon = 1e-9);
    assert_relative_eq!(p.point_m[0], 0.0);
    assert_relative_eq!(p.probability, 0.672639, epsilon = 1e-6);
    // A position-velocity correlation adds 2 · T · cov(y, vy): variance 700,
    // Φ(10 / √700) = Φ(0.377964) = 0.647272.
    let mut corr = m;
    corr.cov[1][3] = 5.0;
    corr.cov[3][1] = 5.0;
    let q = b.predict_crossing(&corr, 20.0).unwrap();
    assert_relative_eq!(q.probability, 0.647272, epsilon = 1e-6);
    // Too slow to reach the line within the horizon, moving away, or already ours.
    let too_slow = Motion2 {
        velocity_mps: [0.0, 4.0],
        ..m
    };
    let away = Motion2 {
        velocity_mps: [0.0, -4.0],
        ..m
    };
    let ours = Motion2 {
        position_m: [0.0, 10.0],
        ..m
    };
    for case in [too_slow, away, ours] {
        assert!(b.predict_crossing(&case, 20.0).is_none(), "{case:?}");
    }
}

#[test]
fn bad_borders_and_areas_are_refused_with_every_problem() {
    assert!(matches!(
        Border::new(vec![[0.0, 0.0]], Side::Left),
        Err(ZoneError::Border(_))
    ));
    assert!(Border::new(vec![[0.0, 0.0], [0.0, 0.0]], Side::Left).is_err());
    assert!(Border::new(vec![[0.0, 0.0], [f64::NAN, 1.0]], Side::Left).is_err());
    let area = |name: &str, shape, lo, hi| Area {
        name: name.into(),
        kind: AreaKind::Protected,
        shape,
        min_alt_m: lo,
        max_alt_m: hi,
    };
    let problems = Areas::new(vec![
        area(
            "ok",
            Shape::Polygon(vec![[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]),
            0.0,
            1.0,
        ),
        area(
            "line",
            Shape::Polygon(vec![[0.0, 0.0], [1.0, 0.0]]),
            0.0,
            1.0,
        ),
        area(
            "collinear",
            Shape::Polygon(vec![[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [0.0, 0.0]]),
            0.0,
            1.0,
        ),
        area(
            "flat",
            Shape::Circle {
                center_m: [0.0, 0.0],
                radius_m: 0.0,
            },
            0.0,
            1.0,
        ),
        area(
            "upside-down",
            Shape::Circle {
                center_m: [0.0, 0.0],
                radius_m: 5.0,
            },
            10.0,
            1.0,
        ),
    ])
    .unwrap_err();
    let names: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names[0].contains("`line`") && names[2].contains("`flat`"));
    assert!(names[1].contains("`collinear`") && names[1].contains("enclose an area"));
    assert!(names[3].contains("above max_alt_m"));
}

#[test]
fn areas_by_hand() {
    let areas = Areas::new(vec![
        Area {
            name: "depot".into(),
            kind: AreaKind::Protected,
            shape: Shape::Polygon(vec![[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]]),
            min_alt_m: 0.0,
            max_alt_m: 500.0,
        },
        Area {
            name: "airfield".into(),
            kind: AreaKind::NoAlert,
            shape: Shape::Circle {
                center_m: [100.0, 100.0],
                radius_m: 50.0,
            },
            min_alt_m: -100.0,
            max_alt_m: 3000.0,
        },
        // An L-shaped (concave) site.
        Area {
            name: "base".into(),
            kind: AreaKind::Protected,
            shape: Shape::Polygon(vec![
                [1000.0, 0.0],
                [1200.0, 0.0],
                [1200.0, 50.0],
                [1050.0, 50.0],
                [1050.0, 200.0],
                [1000.0, 200.0],
            ]),
            min_alt_m: 0.0,
            max_alt_m: 1000.0,
        },
    ])
    .unwrap();
    assert_eq!(areas.containing([50.0, 50.0, 100.0]), vec![0]);
    assert_eq!(areas.containing([90.0, 90.0, 100.0]), vec![0, 1]);
    assert_eq!(areas.containing([90.0, 90.0, 1000.0]), vec![1]);
    assert_eq!(areas.containing([130.0, 130.0, 0.0]), vec![1]);
    assert!(areas.containing([145.0, 145.0, 0.0]).is_empty());
    assert_eq!(areas.containing([1025.0, 150.0, 10.0]), vec![2]);
    assert!(
        areas.containing([1100.0, 150.0, 10.0]).is_empty(),
        "the L's notch"
    );
    assert_eq!(areas.all()[1].kind, AreaKind::NoAlert);
}

fn border_strategy() -> impl Strategy<Value = Vec<[f64; 2]>> {
    // A polyline that keeps moving east (x increasing), wandering north and south: a
    // border line as real ones are, never folding back on itself.
    proptest::collection::vec((10.0f64..500.0, -300.0f64..300.0), 1..30).prop_map(|steps| {
        let mut pts = vec![[0.0, 0.0]];
        let (mut x, mut y) = (0.0, 0.0);
        for (dx, dy) in steps {
            x += dx;
            y += dy;
            pts.push([x, y]);
        }
        pts
    })
}

proptest! {
    /// A path whose ends are on different sides (within the border's east-west span)
    /// crosses it, in the direction the sides say; the crossing point is on the border;
    /// the distance's sign agrees with the side.
    #[test]
    fn crossings_agree_with_sides(
        pts in border_strategy(),
        ours_left in any::<bool>(),
        a in (0.0f64..1.0, -2000.0f64..2000.0),
        b in (0.0f64..1.0, -2000.0f64..2000.0),
    ) {
        let span = pts.last().map_or(0.0, |p| p[0]);
        let border = Border::new(pts, if ours_left { Side::Left } else { Side::Right }).unwrap();
        let from = [a.0 * span, a.1];
        let to = [b.0 * span, b.1];
        for p in [from, to] {
            let d = border.signed_distance_m(p);
            prop_assert_eq!(d > 0.0, border.is_ours(p), "{:?} {}", p, d);
        }
        let (was, now) = (border.is_ours(from), border.is_ours(to));
        let c = border.first_crossing(from, to);
        if was != now {
            let c = c.ok_or_else(|| TestCaseError::fail("no crossing found"))?;
            let want = if now { Direction::Inbound } else { Direction::Outbound };
            prop_assert_eq!(c.direction, want);
            prop_assert!(border.signed_distance_m(c.point_m).abs() < 1e-6);
        }
    }

    /// The crossing probability grows with the horizon and stays a probability.
    #[test]
    fn crossing_probability_is_monotone(
        y0 in -2000.0f64..-10.0, vy in 1.0f64..60.0, sp in 1.0f64..200.0, sv in 0.1f64..10.0,
    ) {
        let b = straight();
        let mut cov = [[0.0; 4]; 4];
        cov[0][0] = sp * sp;
        cov[1][1] = sp * sp;
        cov[2][2] = sv * sv;
        cov[3][3] = sv * sv;
        let m = Motion2 { position_m: [0.0, y0], velocity_mps: [0.0, vy], cov };
        let t_cross = -y0 / vy;
        let mut last = 0.0;
        for k in 1..=5 {
            let h = t_cross * (1.0 + 0.5 * f64::from(k));
            let p = b.predict_crossing(&m, h)
                .ok_or_else(|| TestCaseError::fail("crossing within the horizon not found"))?;
            prop_assert!((0.0..=1.0).contains(&p.probability));
            prop_assert!(p.probability >= last - 1e-12);
            prop_assert!((p.in_s - t_cross).abs() < 1e-6 * t_cross.max(1.0));
            last = p.probability;
        }
    }
}

#[test]
fn distances_to_areas_by_hand() {
    let square = Area {
        name: "square".into(),
        kind: AreaKind::Protected,
        shape: Shape::Polygon(vec![[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]]),
        min_alt_m: 0.0,
        max_alt_m: 100.0,
    };
    let disc = Area {
        name: "disc".into(),
        kind: AreaKind::NoAlert,
        shape: Shape::Circle {
            center_m: [1000.0, 0.0],
            radius_m: 100.0,
        },
        min_alt_m: 0.0,
        max_alt_m: 100.0,
    };
    assert_relative_eq!(square.distance_m([50.0, 50.0]), 0.0);
    assert_relative_eq!(square.distance_m([50.0, -30.0]), 30.0);
    // Off a corner diagonally: to the vertex.
    assert_relative_eq!(square.distance_m([130.0, 140.0]), 50.0);
    assert_relative_eq!(disc.distance_m([1000.0, 300.0]), 200.0);
    assert_relative_eq!(disc.distance_m([1050.0, 0.0]), 0.0);
    let areas = Areas::new(vec![square, disc]).unwrap();
    assert_eq!(areas.near([130.0, 140.0], 50.0), vec![0]);
    assert!(areas.near([130.0, 140.0], 49.0).is_empty());
    assert_eq!(areas.near([550.0, 0.0], 450.0), vec![0, 1]);
}
