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

const SERIES: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// Display projection of the plan map (km east and north of the border's middle):
/// for drawing only, never for computing.
fn plan_xy(req: &planner::PlanRequest) -> impl Fn(f64, f64) -> (f64, f64) {
    let mid = req.border.station(req.border.length_m() / 2.0).at;
    let (lat0, lon0) = (mid.lat_deg(), mid.lon_deg());
    let kx = 111.32 * lat0.to_radians().cos();
    move |lat, lon| ((lon - lon0) * kx, (lat - lat0) * 110.57)
}

/// The layout: border coloured by the worst threat's detection probability, sensors
/// by catalogue item.
pub fn plan_map_svg(req: &planner::PlanRequest, plan: &planner::Plan) -> Result<String> {
    let xy = plan_xy(req);
    let mut pts: Vec<(f64, f64)> = req
        .border
        .points()
        .iter()
        .map(|p| xy(p.lat_deg(), p.lon_deg()))
        .collect();
    pts.extend(
        plan.placed
            .iter()
            .map(|p| xy(p.site.at.lat_deg(), p.site.at.lon_deg())),
    );
    let ((x0, x1), (y0, y1)) = bounds(pts.into_iter());
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (1000, 700)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
        let mut ch = ChartBuilder::on(&root)
            .caption(
                "layout: border coloured by detection before it (worst threat: red 0%, green 100%)",
                ("sans-serif", 16),
            )
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(50)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| anyhow!("{e}"))?;
        ch.configure_mesh()
            .x_desc("km east")
            .y_desc("km north")
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        let n = 40usize;
        for row in &plan.per_km {
            let worst = row
                .threats
                .iter()
                .flatten()
                .map(|v| v.0)
                .fold(f64::INFINITY, f64::min);
            let c = if worst.is_finite() {
                RGBColor((255.0 * (1.0 - worst)) as u8, (200.0 * worst) as u8, 40)
            } else {
                RGBColor(160, 160, 160)
            };
            let a = row.km as f64 * 1000.0;
            let line: Vec<(f64, f64)> = (0..=n / 10)
                .map(|i| {
                    let st = req.border.station(a + 1000.0 * i as f64 / (n / 10) as f64);
                    xy(st.at.lat_deg(), st.at.lon_deg())
                })
                .collect();
            ch.draw_series(std::iter::once(PathElement::new(line, c.stroke_width(4))))
                .map_err(|e| anyhow!("{e}"))?;
        }
        for (ii, item) in req.catalogue.items.iter().enumerate() {
            let col = SERIES[ii % SERIES.len()];
            let pts: Vec<(f64, f64)> = plan
                .placed
                .iter()
                .filter(|p| p.item == ii)
                .map(|p| xy(p.site.at.lat_deg(), p.site.at.lon_deg()))
                .collect();
            if pts.is_empty() {
                continue;
            }
            let label = format!("{} ({})", item.name, pts.len());
            ch.draw_series(pts.into_iter().map(|p| Circle::new(p, 3, col.filled())))
                .map_err(|e| anyhow!("{e}"))?
                .label(label)
                .legend(move |(x, y)| Circle::new((x, y), 4, col.filled()));
        }
        ch.configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        root.present().map_err(|e| anyhow!("{e}"))?;
    }
    Ok(s)
}

/// A line chart of named series, one colour each, with a legend, as SVG text.
fn line_chart_svg(
    caption: &str,
    size: (u32, u32),
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    desc: (&str, &str),
    series: Vec<(String, Vec<(f64, f64)>)>,
) -> Result<String> {
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
        let mut ch = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(50)
            .build_cartesian_2d(x, y)
            .map_err(|e| anyhow!("{e}"))?;
        ch.configure_mesh()
            .x_desc(desc.0)
            .y_desc(desc.1)
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        for (t, (name, pts)) in series.into_iter().enumerate() {
            let col = SERIES[t % SERIES.len()];
            ch.draw_series(LineSeries::new(pts, col.stroke_width(2)))
                .map_err(|e| anyhow!("{e}"))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 15, y)], col.stroke_width(2))
                });
        }
        ch.configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        root.present().map_err(|e| anyhow!("{e}"))?;
    }
    Ok(s)
}

/// Detection probability before the border along it, per threat.
pub fn plan_per_km_svg(req: &planner::PlanRequest, plan: &planner::Plan) -> Result<String> {
    let series = req
        .threats
        .items
        .iter()
        .enumerate()
        .map(|(t, th)| {
            let pts = plan
                .per_km
                .iter()
                .filter_map(|r| r.threats[t].map(|v| (r.km as f64 + 0.5, v.0)))
                .collect();
            (th.name.clone(), pts)
        })
        .collect();
    line_chart_svg(
        "detection before the border, per kilometre",
        (1000, 420),
        0.0..plan.per_km.len().max(1) as f64,
        0.0..1.05,
        ("km along the border", "probability"),
        series,
    )
}

/// Mean warning against capital, per threat, each planned for that threat alone.
pub fn plan_pareto_svg(plan: &planner::Plan) -> Result<String> {
    let series: Vec<(String, Vec<(f64, f64)>)> = plan
        .pareto
        .iter()
        .enumerate()
        .map(|(t, (name, curve))| {
            let pts = std::iter::once((0.0, 0.0))
                .chain(
                    curve
                        .iter()
                        .filter_map(|p| p.threats.get(t).map(|v| (p.capital_eur / 1e6, v.1))),
                )
                .collect();
            (name.clone(), pts)
        })
        .collect();
    let xmax = series
        .iter()
        .flat_map(|s| s.1.iter().map(|p| p.0))
        .fold(0.1, f64::max);
    let ymax = series
        .iter()
        .flat_map(|s| s.1.iter().map(|p| p.1))
        .fold(10.0, f64::max);
    line_chart_svg(
        "mean warning against capital (each threat planned alone)",
        (1000, 450),
        0.0..xmax * 1.02,
        0.0..ymax * 1.05,
        ("capital, million euros", "mean warning, s"),
        series,
    )
}
