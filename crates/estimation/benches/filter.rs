//! Hot paths of estimation: predict, position update, polar EKF update, IMM cycle.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // benches fail loudly; criterion's macros generate undocumented items
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use estimation::*;
use geodesy::{Lla, LocalFrame};
use nalgebra::{Matrix6, Vector6};

fn bench(c: &mut Criterion) {
    let g = Gaussian {
        mean: Vector6::new(1000.0, 2000.0, 100.0, 10.0, -5.0, 0.0),
        cov: Matrix6::identity() * 100.0,
    };
    let cv = NearlyConstantVelocity {
        q_horizontal_m2ps3: 0.5,
        q_vertical_m2ps3: 0.1,
    };
    c.bench_function("ncv_predict", |b| {
        b.iter(|| cv.predict(black_box(&g), black_box(1.0)))
    });
    let pos = MeasurementModel::Position2 {
        z_m: [1010.0, 1995.0],
        sigma_m: 10.0,
    };
    c.bench_function("kf_update_position2", |b| {
        b.iter(|| update(black_box(&g), &linearize(black_box(&pos), &g.mean)))
    });
    let site = LocalFrame::new(
        Lla::try_from_degrees(52.0, 23.0, 100.0).unwrap_or_else(|_| unreachable!()),
    );
    let radar = LocalFrame::new(
        Lla::try_from_degrees(52.1, 23.1, 120.0).unwrap_or_else(|_| unreachable!()),
    );
    let geom = SensorGeometry::new(radar.transform_from(&site));
    let polar = MeasurementModel::Polar {
        sensor: &geom,
        range_m: 12_000.0,
        azimuth_rad: 3.5,
        elevation_rad: Some(0.01),
        sigma_range_m: 20.0,
        sigma_azimuth_rad: 0.01,
        sigma_elevation_rad: 0.01,
    };
    c.bench_function("ekf_update_polar3", |b| {
        b.iter(|| update(black_box(&g), &linearize(black_box(&polar), &g.mean)))
    });
    let imm_cfg = ImmConfig {
        models: [
            cv,
            NearlyConstantVelocity {
                q_horizontal_m2ps3: 20.0,
                q_vertical_m2ps3: 5.0,
            },
        ],
        mean_sojourn_s: [30.0, 5.0],
        n_modes: 2,
        initial_probs: [0.8, 0.2],
    };
    let s = ImmState::new(g, &imm_cfg);
    c.bench_function("imm2_predict_update", |b| {
        b.iter(|| {
            let p = s.predict(&imm_cfg, 1.0).unwrap_or(s);
            p.update(black_box(&pos)).map(|(u, _)| u.combined())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
