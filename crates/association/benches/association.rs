//! Hot paths of association: grid build and radius queries at border-sector density,
//! and GNN / JPDA on many small clusters.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // benches fail loudly; criterion's macros generate undocumented items
use association::*;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use rand::{Rng, SeedableRng};

fn bench(c: &mut Criterion) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let pts: Vec<(f64, f64)> = (0..110_000)
        .map(|_| (rng.gen_range(0.0..200_000.0), rng.gen_range(0.0..200_000.0)))
        .collect();
    let mut grid = SpatialGrid::new();
    c.bench_function("grid_build_110k", |b| {
        b.iter(|| grid.rebuild(black_box(pts.iter().copied()), 200.0))
    });
    grid.rebuild(pts.iter().copied(), 200.0);
    let queries: Vec<(f64, f64)> = pts.iter().step_by(11).copied().collect();
    c.bench_function("grid_query_10k_r100", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for q in &queries {
                grid.for_each_within(q.0, q.1, 100.0, |_| n += 1);
            }
            n
        })
    });
    // 2,000 clusters of 3 tracks x 3 detections.
    let mut gated = Vec::new();
    for k in 0..2000u32 {
        for t in 0..3 {
            for d in 0..3 {
                gated.push(Gated {
                    track: k * 3 + t,
                    detection: k * 3 + d,
                    score: if t == d {
                        4.0
                    } else {
                        rng.gen_range(-2.0..3.0)
                    },
                });
            }
        }
    }
    let miss = vec![-2.3; 6000];
    let mut a = Associator::new();
    c.bench_function("gnn_2000_clusters_3x3", |b| {
        b.iter(|| a.associate(6000, 6000, &miss, black_box(&gated), Method::Gnn))
    });
    c.bench_function("jpda_2000_clusters_3x3", |b| {
        b.iter(|| {
            a.associate(
                6000,
                6000,
                &miss,
                black_box(&gated),
                Method::Jpda {
                    max_exact_hypotheses: 4096,
                },
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
