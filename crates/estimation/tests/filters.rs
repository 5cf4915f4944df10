//! Known-answer and property tests of the filters.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
use approx::assert_abs_diff_eq;
use estimation::*;
use geodesy::{Lla, LocalFrame};
use nalgebra::{Matrix6, Vector6};
use proptest::prelude::*;

fn diag(v: [f64; 6]) -> Matrix6<f64> {
    Matrix6::from_diagonal(&Vector6::from_row_slice(&v))
}

/// A two-mode IMM: `quiet` and a manoeuvring mode of the given noise densities
/// (horizontal, vertical), sojourns of 30 s and 5 s.
fn two_modes(quiet: NearlyConstantVelocity, manoeuvre: (f64, f64), initial: [f64; 2]) -> ImmConfig {
    ImmConfig {
        models: [
            quiet,
            NearlyConstantVelocity {
                q_horizontal_m2ps3: manoeuvre.0,
                q_vertical_m2ps3: manoeuvre.1,
            },
        ],
        mean_sojourn_s: [30.0, 5.0],
        n_modes: 2,
        initial_probs: initial,
    }
}

/// One predict and one update on the east axis, worked by hand:
/// prior x = 0, vx = 10, P = diag(100, 25) (x, vx), q = 0, dt = 1:
///   predicted x = 10, P = [[125, 25], [25, 25]];
///   z = 40, sigma = 5 -> S = 125 + 25 = 150, K = [125/150, 25/150];
///   innovation 30 -> x = 10 + 25 = 35, vx = 10 + 5 = 15;
///   P = [[125 - 125*125/150, 25 - 125*25/150], [., 25 - 25*25/150]]
///     = [[20.8333, 4.1667], [4.1667, 20.8333]].
#[test]
fn hand_computed_kalman_step() {
    let cv = NearlyConstantVelocity {
        q_horizontal_m2ps3: 0.0,
        q_vertical_m2ps3: 0.0,
    };
    let g = Gaussian {
        mean: Vector6::new(0.0, 0.0, 0.0, 10.0, 0.0, 0.0),
        cov: diag([100.0, 100.0, 100.0, 25.0, 25.0, 25.0]),
    };
    let p = cv.predict(&g, 1.0).unwrap();
    assert_abs_diff_eq!(p.mean[0], 10.0);
    assert_abs_diff_eq!(p.cov[(0, 0)], 125.0);
    assert_abs_diff_eq!(p.cov[(0, 3)], 25.0);
    let m = MeasurementModel::Position2 {
        z_m: [40.0, 0.0],
        sigma_m: 5.0,
    };
    let u = update(&p, &linearize(&m, &p.mean)).unwrap();
    assert_abs_diff_eq!(u.posterior.mean[0], 35.0, epsilon = 1e-9);
    assert_abs_diff_eq!(u.posterior.mean[3], 15.0, epsilon = 1e-9);
    assert_abs_diff_eq!(
        u.posterior.cov[(0, 0)],
        125.0 - 125.0 * 125.0 / 150.0,
        epsilon = 1e-9
    );
    assert_abs_diff_eq!(
        u.posterior.cov[(0, 3)],
        25.0 - 125.0 * 25.0 / 150.0,
        epsilon = 1e-9
    );
    assert_abs_diff_eq!(
        u.posterior.cov[(3, 3)],
        25.0 - 25.0 * 25.0 / 150.0,
        epsilon = 1e-9
    );
    // Innovation statistics: east innovation 30 with S = 150, north 0 with S = 125 + 25.
    assert_abs_diff_eq!(u.innovation.mahalanobis2, 900.0 / 150.0, epsilon = 1e-9);
    let ll =
        -0.5 * (900.0 / 150.0 + (150.0f64 * 150.0).ln() + 2.0 * (2.0 * std::f64::consts::PI).ln());
    assert_abs_diff_eq!(u.innovation.log_likelihood, ll, epsilon = 1e-9);
    // The untouched up axis keeps its prior.
    assert_abs_diff_eq!(u.posterior.cov[(2, 2)], 125.0, epsilon = 1e-9);
}

/// Process noise of the continuous white-noise acceleration model for dt = 2, q = 3:
/// [[q dt^3/3, q dt^2/2], [q dt^2/2, q dt]] = [[8, 6], [6, 6]].
#[test]
fn hand_computed_process_noise() {
    let cv = NearlyConstantVelocity {
        q_horizontal_m2ps3: 3.0,
        q_vertical_m2ps3: 1.0,
    };
    let q = cv.noise(2.0);
    assert_abs_diff_eq!(q[(0, 0)], 8.0);
    assert_abs_diff_eq!(q[(0, 3)], 6.0);
    assert_abs_diff_eq!(q[(3, 3)], 6.0);
    assert_abs_diff_eq!(q[(2, 2)], 8.0 / 3.0);
    assert!(cv
        .predict(
            &Gaussian {
                mean: Vector6::zeros(),
                cov: Matrix6::identity()
            },
            -1.0
        )
        .is_err());
}

fn geometry(lat: f64, lon: f64) -> (LocalFrame, SensorGeometry) {
    let site = LocalFrame::new(Lla::try_from_degrees(52.0, 23.0, 100.0).unwrap());
    let sensor = LocalFrame::new(Lla::try_from_degrees(lat, lon, 150.0).unwrap());
    (site, SensorGeometry::new(sensor.transform_from(&site)))
}

/// The polar Jacobian against central finite differences of the exact measurement
/// function, for a sensor 120 km from the site origin (curvature matters there).
#[test]
fn polar_jacobian_matches_finite_differences() {
    let (_, geom) = geometry(53.0, 24.0);
    let x = Vector6::new(90_000.0, 100_000.0, 3_000.0, 0.0, 0.0, 0.0);
    let meas = |x: &Vector6<f64>| {
        let v = geom
            .site_to_sensor
            .point(&nalgebra::Vector3::new(x[0], x[1], x[2]));
        geodesy::enu_to_rae(&v)
    };
    let (r0, a0, e0) = meas(&x);
    let m = MeasurementModel::Polar {
        sensor: &geom,
        range_m: r0,
        azimuth_rad: a0,
        elevation_rad: Some(e0),
        sigma_range_m: 10.0,
        sigma_azimuth_rad: 0.01,
        sigma_elevation_rad: 0.01,
    };
    let lin = linearize(&m, &x);
    assert_abs_diff_eq!(lin.innovation.norm(), 0.0, epsilon = 1e-9);
    for c in 0..3 {
        let mut xp = x;
        let mut xm = x;
        xp[c] += 1.0;
        xm[c] -= 1.0;
        let (rp, ap, ep) = meas(&xp);
        let (rm, am, em) = meas(&xm);
        assert_abs_diff_eq!(lin.h[(0, c)], (rp - rm) / 2.0, epsilon = 1e-6);
        assert_abs_diff_eq!(
            lin.h[(1, c)],
            geodesy::wrap_pi(ap - am) / 2.0,
            epsilon = 1e-9
        );
        assert_abs_diff_eq!(lin.h[(2, c)], (ep - em) / 2.0, epsilon = 1e-9);
    }
}

/// An EKF fed noiseless polar measurements of a target 100+ km from the sensor converges
/// to the true position: a flat-earth model would be off by the curvature drop
/// (about 790 m at 100 km).
#[test]
fn polar_ekf_converges_at_long_range_with_curvature() {
    let (site, geom) = geometry(52.9, 23.9);
    let truth_lla = Lla::try_from_degrees(52.05, 23.1, 2000.0).unwrap();
    let truth = site.lla_to_enu(truth_lla).0;
    let v_sensor = geom.site_to_sensor.point(&truth);
    let (r, a, e) = geodesy::enu_to_rae(&v_sensor);
    assert!(r > 100_000.0);
    let mut g = Gaussian {
        mean: Vector6::new(truth.x + 800.0, truth.y - 600.0, 0.0, 0.0, 0.0, 0.0),
        cov: diag([1e6, 1e6, 1e6, 100.0, 100.0, 100.0]),
    };
    let m = MeasurementModel::Polar {
        sensor: &geom,
        range_m: r,
        azimuth_rad: a,
        elevation_rad: Some(e),
        sigma_range_m: 5.0,
        sigma_azimuth_rad: 1e-4,
        sigma_elevation_rad: 1e-4,
    };
    for _ in 0..5 {
        g = update(&g, &linearize(&m, &g.mean)).unwrap().posterior;
    }
    let err = (nalgebra::Vector3::new(g.mean[0], g.mean[1], g.mean[2]) - truth).norm();
    assert!(err < 20.0, "error {err} m");
    assert!((g.mean[2] - truth.z).abs() < 20.0);
}

/// A bearing update pulls the estimate onto the bearing line and shrinks only the
/// cross-bearing variance.
#[test]
fn bearing_update_moves_across_the_line_of_sight() {
    let (_, geom) = geometry(52.0, 23.0);
    // Sensor at the origin (plus 50 m height); target due north 10 km, estimate 500 m east.
    let g = Gaussian {
        mean: Vector6::new(500.0, 10_000.0, 0.0, 0.0, 0.0, 0.0),
        cov: diag([250_000.0, 250_000.0, 1e4, 1.0, 1.0, 1.0]),
    };
    let m = MeasurementModel::Bearing {
        sensor: &geom,
        azimuth_rad: 0.0,
        elevation_rad: None,
        sigma_azimuth_rad: 0.001,
        sigma_elevation_rad: 0.0,
    };
    let u = update(&g, &linearize(&m, &g.mean)).unwrap();
    assert!(
        u.posterior.mean[0].abs() < 30.0,
        "east {}",
        u.posterior.mean[0]
    );
    // The linear update moves perpendicular to the predicted line of sight (0.05 rad
    // east of north), so north shifts by about 500 * 0.05 = 25 m.
    assert!(
        (u.posterior.mean[1] - 10_025.0).abs() < 5.0,
        "north {}",
        u.posterior.mean[1]
    );
    assert!(u.posterior.cov[(0, 0)] < 1000.0);
    assert!(u.posterior.cov[(1, 1)] > 200_000.0);
    assert_eq!(u.innovation.dim, 1);
}

/// When the target manoeuvres, the IMM moves probability to the manoeuvring mode; while
/// it flies straight, back to the quiet one.
#[test]
fn imm_detects_a_manoeuvre() {
    let quiet = NearlyConstantVelocity {
        q_horizontal_m2ps3: 0.05,
        q_vertical_m2ps3: 0.05,
    };
    let cfg = two_modes(quiet, (50.0, 5.0), [0.5, 0.5]);
    let mut s = ImmState::new(
        Gaussian {
            mean: Vector6::new(0.0, 0.0, 0.0, 20.0, 0.0, 0.0),
            cov: diag([25.0, 25.0, 25.0, 4.0, 4.0, 4.0]),
        },
        &cfg,
    );
    let (mut x, mut y, mut vx, mut vy) = (0.0, 0.0, 20.0, 0.0);
    for k in 0..40 {
        if k >= 20 {
            // Hard turn: velocity rotates to due north over a few seconds.
            vx = (vx - 8.0f64).max(0.0);
            vy = (vy + 8.0f64).min(20.0);
        }
        x += vx;
        y += vy;
        s = s.predict(&cfg, 1.0).unwrap();
        s = s
            .update(&MeasurementModel::Position2 {
                z_m: [x, y],
                sigma_m: 2.0,
            })
            .unwrap()
            .0;
        if k == 19 {
            assert!(s.probs[0] > 0.8, "quiet mode {:?}", s.probs);
        }
        if k == 22 {
            assert!(s.probs[1] > 0.5, "manoeuvre mode {:?}", s.probs);
        }
    }
    let c = s.combined();
    assert!((c.mean[4] - 20.0).abs() < 2.0);
}

/// Predicting and updating into an existing state gives the by-value results in the
/// modes in use (one mode or two), and a failed step leaves the target state alone.
#[test]
fn in_place_steps_match_the_by_value_ones() {
    let quiet = NearlyConstantVelocity {
        q_horizontal_m2ps3: 0.5,
        q_vertical_m2ps3: 0.2,
    };
    let two = two_modes(quiet, (40.0, 4.0), [0.7, 0.3]);
    let start = Gaussian {
        mean: Vector6::new(100.0, -50.0, 30.0, 12.0, 3.0, 0.0),
        cov: diag([400.0, 400.0, 900.0, 25.0, 25.0, 4.0]),
    };
    let plot = MeasurementModel::Position3 {
        z_m: [125.0, -44.0, 33.0],
        sigma_m: 15.0,
    };
    for cfg in [ImmConfig::single(quiet), two] {
        let s = ImmState::new(start, &cfg);
        let n = cfg.n_modes;
        // A target whose every slot differs from the answer: only `n` modes are written.
        let stale = ImmState::new(
            Gaussian {
                mean: Vector6::repeat(-7.0),
                cov: diag([9.0; 6]),
            },
            &two,
        );
        let want = s.predict(&cfg, 2.0).unwrap();
        let mut got = stale;
        s.predict_into(&cfg, 2.0, &mut got).unwrap();
        assert_eq!(got.modes[..n], want.modes[..n]);
        assert_eq!(got.probs[..n], want.probs[..n]);
        assert_eq!(got.n_modes, n);
        assert_eq!(got.combined(), want.combined());

        let (want_u, want_l) = want.update(&plot).unwrap();
        let mut got_u = stale;
        let got_l = want.update_into(&plot, &mut got_u).unwrap();
        assert_eq!(got_l, want_l);
        assert_eq!(got_u.modes[..n], want_u.modes[..n]);
        assert_eq!(got_u.probs[..n], want_u.probs[..n]);
        assert_eq!(got_u.combined(), want_u.combined());

        // Errors: a negative step, and a measurement whose innovation is singular.
        let mut untouched = stale;
        assert!(s.predict_into(&cfg, -1.0, &mut untouched).is_err());
        let singular = MeasurementModel::Position2 {
            z_m: [f64::NAN, 0.0],
            sigma_m: f64::NAN,
        };
        assert!(want.update_into(&singular, &mut untouched).is_err());
        assert_eq!(untouched, stale);
    }
}

/// Gating by mode: a plot 150 m off a track whose quiet mode (100 m^2, probability
/// 0.9) rules it out but whose manoeuvre mode (10,000 m^2, 0.1) holds it. The combined
/// estimate (1,090 m^2) would have refused it: S = 1,190 m^2, d^2 = 18.9 > 9.21.
/// By hand, with R = 100 m^2 per axis:
///   quiet:     S = 200,    d^2 = 22500 / 200 = 112.5,     ln N = -63.38619443
///   manoeuvre: S = 10,100, d^2 = 22500 / 10100 = 2.227723, ln N = -12.17202916
///   mixture:   ln(0.9 e^-63.386 + 0.1 e^-12.172) = -14.47461425
#[test]
fn imm_gate_by_mode_by_hand() {
    let at = |var: f64| Gaussian {
        mean: Vector6::zeros(),
        cov: diag([var, var, var, 1.0, 1.0, 1.0]),
    };
    let s = ImmState {
        modes: [at(100.0), at(10_000.0)],
        probs: [0.9, 0.1],
        n_modes: 2,
    };
    let m = MeasurementModel::Position2 {
        z_m: [0.0, 150.0],
        sigma_m: 10.0,
    };
    let gate = [0.0, 6.63, 9.21, 11.34];
    let g = s
        .gate(&m, &gate)
        .unwrap()
        .expect("inside the manoeuvre mode's gate");
    assert_eq!(g.dim, 2);
    assert_abs_diff_eq!(g.mahalanobis2, 2.227_722_772, epsilon = 1e-8);
    assert_abs_diff_eq!(g.log_likelihood, -14.474_614_248, epsilon = 1e-8);
    // The combined estimate alone would have gated it out.
    let c = s.combined();
    let lin = linearize(&m, &c.mean);
    assert!(Innovation::new(&c, &lin).unwrap().mahalanobis2 > 9.21);
    // Outside every mode's gate: refused.
    let far = MeasurementModel::Position2 {
        z_m: [0.0, 400.0],
        sigma_m: 10.0,
    };
    assert_eq!(s.gate(&far, &gate).unwrap(), None);
}

proptest! {
    /// Whatever sequence of predictions and position, polar and bearing updates, the
    /// covariance stays symmetric positive definite.
    #[test]
    fn covariance_stays_spd(steps in proptest::collection::vec((0.01f64..5.0, -5000.0f64..5000.0, -5000.0f64..5000.0, 0u8..3), 1..30)) {
        let (_, geom) = geometry(52.02, 23.03);
        let cv = NearlyConstantVelocity { q_horizontal_m2ps3: 1.0, q_vertical_m2ps3: 0.5 };
        let mut g = Gaussian { mean: Vector6::new(1000.0, 1000.0, 200.0, 0.0, 0.0, 0.0), cov: diag([1e4, 1e4, 1e4, 100.0, 100.0, 100.0]) };
        for (dt, zx, zy, kind) in steps {
            g = cv.predict(&g, dt).unwrap();
            let m = match kind {
                0 => MeasurementModel::Position3 { z_m: [zx, zy, 100.0], sigma_m: 10.0 },
                1 => {
                    let v = geom.site_to_sensor.point(&nalgebra::Vector3::new(zx, zy, 300.0));
                    let (r, a, e) = geodesy::enu_to_rae(&v);
                    MeasurementModel::Polar { sensor: &geom, range_m: r, azimuth_rad: a, elevation_rad: Some(e), sigma_range_m: 20.0, sigma_azimuth_rad: 0.01, sigma_elevation_rad: 0.02 }
                }
                _ => MeasurementModel::Bearing { sensor: &geom, azimuth_rad: (zx / 1000.0).rem_euclid(std::f64::consts::TAU), elevation_rad: None, sigma_azimuth_rad: 0.02, sigma_elevation_rad: 0.0 },
            };
            if let Ok(u) = update(&g, &linearize(&m, &g.mean)) {
                g = u.posterior;
            }
            prop_assert!((g.cov - g.cov.transpose()).abs().max() < 1e-9 * g.cov.abs().max().max(1.0));
            prop_assert!(nalgebra::Cholesky::new(g.cov).is_some(), "not SPD: {}", g.cov);
        }
    }
    /// The written-out prediction is the textbook `F x`, `F P Fᵀ + Q` (symmetrised) to
    /// the bit, for any covariance (symmetric or not) and step.
    #[test]
    fn prediction_equals_the_general_products(
        mean in proptest::array::uniform6(-1e5f64..1e5),
        cov in proptest::array::uniform32(-1e4f64..1e4),
        extra in proptest::array::uniform4(-1e4f64..1e4),
        dt in 0.001f64..100.0,
    ) {
        let cv = NearlyConstantVelocity { q_horizontal_m2ps3: 3.0, q_vertical_m2ps3: 0.7 };
        let values: Vec<f64> = cov.iter().chain(extra.iter()).copied().collect();
        let g = Gaussian { mean: Vector6::from_row_slice(&mean), cov: Matrix6::from_row_slice(&values) };
        let f = NearlyConstantVelocity::transition(dt);
        let mut want = f * g.cov * f.transpose() + cv.noise(dt);
        for i in 0..6 {
            for j in (i + 1)..6 {
                let a = 0.5 * (want[(i, j)] + want[(j, i)]);
                want[(i, j)] = a;
                want[(j, i)] = a;
            }
        }
        let got = cv.predict(&g, dt).unwrap();
        prop_assert_eq!(got.mean, f * g.mean);
        prop_assert_eq!(got.cov, want);
    }
    /// The position-block Kalman update is the general Joseph-form update to the bit,
    /// for any Jacobian that reads position only, at every measurement dimension.
    #[test]
    fn update_equals_the_general_products(
        mean in proptest::array::uniform6(-1e4f64..1e4),
        root in proptest::array::uniform32(-30.0f64..30.0),
        root_rest in proptest::array::uniform4(-30.0f64..30.0),
        h in proptest::array::uniform9(-2.0f64..2.0),
        z in proptest::array::uniform3(-50.0f64..50.0),
        r in proptest::array::uniform3(0.5f64..400.0),
        dim in 1usize..=3,
    ) {
        let values: Vec<f64> = root.iter().chain(root_rest.iter()).copied().collect();
        let l = Matrix6::from_row_slice(&values);
        let g = Gaussian { mean: Vector6::from_row_slice(&mean), cov: l * l.transpose() + Matrix6::identity() };
        let mut lin = Linearized { dim, innovation: nalgebra::Vector3::zeros(), h: nalgebra::Matrix3x6::zeros(), r: nalgebra::Matrix3::identity() };
        for i in 0..dim {
            lin.innovation[i] = z[i];
            lin.r[(i, i)] = r[i];
            for j in 0..3 {
                lin.h[(i, j)] = h[3 * i + j];
            }
        }
        // The textbook forms.
        let s = lin.h * g.cov * lin.h.transpose() + lin.r;
        let Some(chol) = nalgebra::Cholesky::new(s) else { return Ok(()) };
        let s_inv = chol.inverse();
        let k = g.cov * lin.h.transpose() * s_inv;
        let ikh = Matrix6::identity() - k * lin.h;
        let mut want = ikh * g.cov * ikh.transpose() + k * lin.r * k.transpose();
        for i in 0..6 {
            for j in (i + 1)..6 {
                let a = 0.5 * (want[(i, j)] + want[(j, i)]);
                want[(i, j)] = a;
                want[(j, i)] = a;
            }
        }
        let Ok(got) = update(&g, &lin) else { return Ok(()) };
        prop_assert_eq!(got.posterior.mean, g.mean + k * lin.innovation);
        prop_assert_eq!(got.posterior.cov, want);
        let d2 = (lin.innovation.transpose() * s_inv * lin.innovation)[(0, 0)];
        prop_assert_eq!(got.innovation.mahalanobis2, d2);
    }
}
