//! The border as the planner walks it: a geodetic polyline with our side, measured by
//! chainage (metres along it from its first point). Each segment is worked in the
//! local ENU frame of its first vertex, so a 3,000 km border is never flattened into
//! one plane; points beside it are placed in a frame at their foot.
use crate::PlanError;
use geodesy::{Enu, Lla, LocalFrame};
use nalgebra::Vector3;

/// One segment in its own frame.
#[derive(Debug, Clone)]
struct Segment {
    frame: LocalFrame,
    /// Direction, unit east and north.
    dir: [f64; 2],
}

/// A border with our side.
#[derive(Debug, Clone)]
pub struct BorderLine {
    points: Vec<Lla>,
    ours_left: bool,
    segs: Vec<Segment>,
    /// Chainage at each vertex.
    cum_m: Vec<f64>,
}

/// A point on the border, and which way is which there.
#[derive(Debug, Clone, Copy)]
pub struct Station {
    /// Metres along the border from its first point.
    pub chainage_m: f64,
    /// The point (on the ellipsoid).
    pub at: Lla,
    /// Compass bearing pointing into our side, radians clockwise from north.
    pub inward_az_rad: f64,
}

impl BorderLine {
    /// A border through `[lat_deg, lon_deg]` points, ours on the left looking along it
    /// when `ours_left`.
    pub fn new(points_deg: &[[f64; 2]], ours_left: bool) -> Result<Self, PlanError> {
        if points_deg.len() < 2 {
            return Err(PlanError::Input(vec![
                "the border needs two or more points".into(),
            ]));
        }
        let mut points = Vec::with_capacity(points_deg.len());
        for (i, p) in points_deg.iter().enumerate() {
            points.push(
                Lla::try_from_degrees(p[0], p[1], 0.0).map_err(|e| {
                    PlanError::Input(vec![format!("border point {i} ({p:?}): {e}")])
                })?,
            );
        }
        let mut segs = Vec::new();
        let mut cum_m = vec![0.0];
        for w in points.windows(2) {
            let frame = LocalFrame::new(w[0]);
            let b = frame.lla_to_enu(w[1]).0;
            let len_m = b.x.hypot(b.y);
            if len_m < 1.0 {
                return Err(PlanError::Input(vec![
                    "the border has two consecutive points less than a metre apart".into(),
                ]));
            }
            segs.push(Segment {
                frame,
                dir: [b.x / len_m, b.y / len_m],
            });
            let last = cum_m.last().copied().unwrap_or(0.0);
            cum_m.push(last + len_m);
        }
        Ok(Self {
            points,
            ours_left,
            segs,
            cum_m,
        })
    }

    /// Length, metres.
    pub fn length_m(&self) -> f64 {
        self.cum_m.last().copied().unwrap_or(0.0)
    }

    /// Whether our side is on the left looking along the points.
    pub fn ours_left(&self) -> bool {
        self.ours_left
    }

    /// The vertices.
    pub fn points(&self) -> &[Lla] {
        &self.points
    }

    /// The point at `chainage_m` (clamped to the border).
    pub fn station(&self, chainage_m: f64) -> Station {
        let c = chainage_m.clamp(0.0, self.length_m());
        let k = self
            .cum_m
            .partition_point(|&x| x <= c)
            .saturating_sub(1)
            .min(self.segs.len() - 1);
        let s = &self.segs[k];
        let along = c - self.cum_m[k];
        let p = Vector3::new(s.dir[0] * along, s.dir[1] * along, 0.0);
        let mut at = s.frame.enu_to_lla(Enu(p));
        at.alt_m = 0.0;
        // The inward normal: left of the direction is (-n, e).
        let inward = if self.ours_left {
            [-s.dir[1], s.dir[0]]
        } else {
            [s.dir[1], -s.dir[0]]
        };
        Station {
            chainage_m: c,
            at,
            inward_az_rad: inward[0].atan2(inward[1]),
        }
    }
}

/// The point `dist_m` from `from` along compass bearing `az_rad`, at height `alt_m`
/// above the ellipsoid (worked in the local frame at `from`).
pub fn offset(from: Lla, az_rad: f64, dist_m: f64, alt_m: f64) -> Lla {
    let frame = LocalFrame::new(Lla { alt_m: 0.0, ..from });
    let v = Vector3::new(dist_m * az_rad.sin(), dist_m * az_rad.cos(), 0.0);
    let mut p = frame.enu_to_lla(Enu(v));
    p.alt_m = alt_m;
    p
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// A border running north along a meridian: its length is the meridian arc, our
    /// side on the left is west, and the station halfway is halfway.
    #[test]
    fn meridian_border() {
        let b = BorderLine::new(&[[54.0, 24.0], [54.1, 24.0]], true).unwrap();
        // Meridian arc of 0.1 degree at 54.05 N on WGS-84: the radius of curvature
        // M = a(1-e^2)/(1-e^2 sin^2 phi)^1.5 = 6,377,370 m, times 0.001745 rad =
        // 11,130.6 m (the chord differs by micrometres).
        assert!((b.length_m() - 11_130.6).abs() < 1.0, "{}", b.length_m());
        let s = b.station(b.length_m() / 2.0);
        assert!((s.at.lat_deg() - 54.05).abs() < 1e-3);
        assert!((s.at.lon_deg() - 24.0).abs() < 1e-6);
        // West is -pi/2.
        assert!((s.inward_az_rad + std::f64::consts::FRAC_PI_2).abs() < 1e-6);
        let right = BorderLine::new(&[[54.0, 24.0], [54.1, 24.0]], false).unwrap();
        assert!((right.station(10.0).inward_az_rad - std::f64::consts::FRAC_PI_2).abs() < 1e-6);
    }

    #[test]
    fn offset_goes_the_distance() {
        let from = Lla::try_from_degrees(54.0, 24.0, 0.0).unwrap();
        let p = offset(from, std::f64::consts::FRAC_PI_2, 5_000.0, 100.0);
        let e = LocalFrame::new(from).lla_to_enu(Lla { alt_m: 0.0, ..p }).0;
        assert!((e.x.hypot(e.y) - 5_000.0).abs() < 1.0);
        assert!(e.y.abs() < 5.0 && e.x > 0.0);
        assert_eq!(p.alt_m, 100.0);
    }

    #[test]
    fn refuses_short_borders() {
        assert!(BorderLine::new(&[[54.0, 24.0]], true).is_err());
        assert!(BorderLine::new(&[[54.0, 24.0], [54.0, 24.0]], true).is_err());
        assert!(BorderLine::new(&[[154.0, 24.0], [54.0, 24.0]], true).is_err());
    }
}
