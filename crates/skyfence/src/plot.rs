//! Evaluation plots (SVG): truth and tracks on a map, and GOSPA over time.
use anyhow::{anyhow, Result};
use evaluation::{RunReport, TrackSample, TruthSample};
use plotters::prelude::*;
use std::{collections::BTreeMap, path::Path};

fn bounds(pts: impl Iterator<Item = (f64, f64)>) -> ((f64, f64), (f64, f64)) {
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for (x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if !x0.is_finite() {
        return ((-1.0, 1.0), (-1.0, 1.0));
    }
    // Equal scales on both axes, with a margin.
    let span = (x1 - x0).max(y1 - y0).max(10.0) * 1.05;
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    (
        (cx - span / 2.0, cx + span / 2.0),
        (cy - span / 2.0, cy + span / 2.0),
    )
}

/// Writes the map (left) and GOSPA over time (right) to one SVG.
pub fn write_eval_plot(
    path: &Path,
    truth: &[TruthSample],
    tracks: &[TrackSample],
    report: &RunReport,
    names: &[String],
) -> Result<()> {
    let root = SVGBackend::new(path, (1400, 650)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
    let (left, right) = root.split_horizontally(700);
    let km = |v: f64| v / 1000.0;
    let ((x0, x1), (y0, y1)) = bounds(
        truth
            .iter()
            .map(|s| (km(s.position_m[0]), km(s.position_m[1])))
            .chain(
                tracks
                    .iter()
                    .map(|s| (km(s.position_m[0]), km(s.position_m[1]))),
            ),
    );
    let mut map = ChartBuilder::on(&left)
        .caption("tracks (colour) and truth (thin black)", ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(45)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(|e| anyhow!("{e}"))?;
    map.configure_mesh()
        .x_desc("east, km")
        .y_desc("north, km")
        .draw()
        .map_err(|e| anyhow!("{e}"))?;
    let mut by_track: BTreeMap<u64, Vec<(f64, f64, f64)>> = BTreeMap::new();
    for s in tracks {
        by_track.entry(s.track).or_default().push((
            s.time_s,
            km(s.position_m[0]),
            km(s.position_m[1]),
        ));
    }
    for (k, (_, pts)) in by_track.iter_mut().enumerate() {
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let colour = Palette99::pick(k).stroke_width(3);
        map.draw_series(LineSeries::new(pts.iter().map(|p| (p.1, p.2)), colour))
            .map_err(|e| anyhow!("{e}"))?;
    }
    let mut by_target: BTreeMap<usize, Vec<(f64, f64, f64)>> = BTreeMap::new();
    for s in truth {
        by_target.entry(s.target).or_default().push((
            s.time_s,
            km(s.position_m[0]),
            km(s.position_m[1]),
        ));
    }
    for pts in by_target.values_mut() {
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        map.draw_series(LineSeries::new(
            pts.iter().map(|p| (p.1, p.2)),
            BLACK.mix(0.6).stroke_width(1),
        ))
        .map_err(|e| anyhow!("{e}"))?;
    }
    let t0 = report.steps.first().map_or(0.0, |s| s.time_s);
    let t1 = report.steps.last().map_or(1.0, |s| s.time_s).max(t0 + 1e-3);
    let gmax = report.steps.iter().map(|s| s.gospa).fold(1.0, f64::max) * 1.05;
    let mut g = ChartBuilder::on(&right)
        .caption(
            format!(
                "GOSPA per step (mean {:.1}; {} targets)",
                report.mean_gospa,
                names.len()
            ),
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(45)
        .build_cartesian_2d(t0..t1, 0.0..gmax)
        .map_err(|e| anyhow!("{e}"))?;
    g.configure_mesh()
        .x_desc("time, s")
        .y_desc("GOSPA, m")
        .draw()
        .map_err(|e| anyhow!("{e}"))?;
    g.draw_series(LineSeries::new(
        report.steps.iter().map(|s| (s.time_s, s.gospa)),
        BLUE.stroke_width(1),
    ))
    .map_err(|e| anyhow!("{e}"))?;
    root.present().map_err(|e| anyhow!("{e}"))?;
    Ok(())
}
