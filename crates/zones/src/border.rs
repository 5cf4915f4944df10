//! The border: an open polyline in the site frame with our side known.

use crate::ZoneError;
use rstar::{primitives::Rectangle, PointDistance, RTree, RTreeObject, AABB};

/// Which side of a line is ours, looking along the line's direction (the order of its
/// points). One convention everywhere skyfence reads a border: scenario files, zone
/// files, the planner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// To the left.
    Left,
    /// To the right.
    Right,
}

/// Which way a path crossed the border.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From their side to ours.
    Inbound,
    /// From our side to theirs.
    Outbound,
}

/// Where and how a path crossed the border.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crossing {
    /// Fraction of the path (0 at its start, 1 at its end) where it crosses.
    pub fraction: f64,
    /// The crossing point, east/north metres.
    pub point_m: [f64; 2],
    /// Which way.
    pub direction: Direction,
    /// Index of the border segment crossed (between vertices `segment` and
    /// `segment + 1`).
    pub segment: usize,
}

/// A predicted inbound crossing of a track moving at constant velocity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PredictedCrossing {
    /// Seconds from now until the mean path crosses.
    pub in_s: f64,
    /// Where the mean path crosses, east/north metres.
    pub point_m: [f64; 2],
    /// Probability that the track is on our side at the end of the horizon, from its
    /// position and velocity uncertainty (linearised about the crossed segment's line).
    pub probability: f64,
}

/// Horizontal position and velocity of a track with their joint covariance, in the
/// site frame: `[x_m, y_m, vx_mps, vy_mps]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Motion2 {
    /// East and north position, metres.
    pub position_m: [f64; 2],
    /// East and north velocity, m/s.
    pub velocity_mps: [f64; 2],
    /// Covariance of `[x, y, vx, vy]` (m², m²/s, m²/s²), row-major.
    pub cov: [[f64; 4]; 4],
}

#[derive(Debug, Clone, PartialEq)]
struct Segment {
    index: usize,
    a: [f64; 2],
    b: [f64; 2],
}

impl RTreeObject for Segment {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        Rectangle::from_corners(self.a, self.b).envelope()
    }
}

impl PointDistance for Segment {
    fn distance_2(&self, p: &[f64; 2]) -> f64 {
        let ab = sub(self.b, self.a);
        let t = (dot(sub(*p, self.a), ab) / dot(ab, ab)).clamp(0.0, 1.0);
        let d = sub(*p, [self.a[0] + t * ab[0], self.a[1] + t * ab[1]]);
        dot(d, d)
    }
}

fn sub(a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    [a[0] - b[0], a[1] - b[1]]
}

fn cross(a: [f64; 2], b: [f64; 2]) -> f64 {
    a[0] * b[1] - a[1] * b[0]
}

fn dot(a: [f64; 2], b: [f64; 2]) -> f64 {
    a[0] * b[0] + a[1] * b[1]
}

/// Standard normal cumulative distribution.
pub(crate) fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// The border as an open polyline of east/north vertices (metres in the site frame),
/// indexed by segment so that a 3,000 km border of many thousand vertices answers a
/// query in logarithmic time.
#[derive(Debug, Clone)]
pub struct Border {
    vertices: Vec<[f64; 2]>,
    ours: Side,
    index: RTree<Segment>,
}

impl Border {
    /// A border through `vertices_m` (east/north metres, at least two, finite, no two
    /// consecutive equal) with `ours` on the given side looking along it.
    pub fn new(vertices_m: Vec<[f64; 2]>, ours: Side) -> Result<Self, ZoneError> {
        if vertices_m.len() < 2 {
            return Err(ZoneError::Border(format!(
                "needs at least two points, got {}",
                vertices_m.len()
            )));
        }
        for (i, v) in vertices_m.iter().enumerate() {
            if !(v[0].is_finite() && v[1].is_finite()) {
                return Err(ZoneError::Border(format!("point {i} is not finite")));
            }
        }
        for (i, w) in vertices_m.windows(2).enumerate() {
            if w[0] == w[1] {
                return Err(ZoneError::Border(format!(
                    "points {i} and {} are the same",
                    i + 1
                )));
            }
        }
        let segments = vertices_m
            .windows(2)
            .enumerate()
            .map(|(index, w)| Segment {
                index,
                a: w[0],
                b: w[1],
            })
            .collect();
        Ok(Self {
            vertices: vertices_m,
            ours,
            index: RTree::bulk_load(segments),
        })
    }

    /// The vertices, east/north metres.
    pub fn vertices(&self) -> &[[f64; 2]] {
        &self.vertices
    }

    /// Our side.
    pub fn ours(&self) -> Side {
        self.ours
    }

    fn segment(&self, i: usize) -> ([f64; 2], [f64; 2]) {
        (self.vertices[i], self.vertices[i + 1])
    }

    /// The nearest point of segment `i` to `p`, its parameter along the segment and the
    /// squared distance.
    fn nearest_on(&self, i: usize, p: [f64; 2]) -> (f64, [f64; 2], f64) {
        let (a, b) = self.segment(i);
        let ab = sub(b, a);
        let t = (dot(sub(p, a), ab) / dot(ab, ab)).clamp(0.0, 1.0);
        let q = [a[0] + t * ab[0], a[1] + t * ab[1]];
        let d = sub(p, q);
        (t, q, dot(d, d))
    }

    /// The border segment nearest to `p` (ties to the lower index).
    fn nearest_segment(&self, p: [f64; 2]) -> usize {
        let mut best = (f64::INFINITY, 0usize);
        for (s, d2) in self.index.nearest_neighbor_iter_with_distance_2(&p) {
            if d2 > best.0 {
                break;
            }
            if d2 < best.0 || s.index < best.1 {
                best = (d2, s.index);
            }
        }
        best.1
    }

    /// Whether `p` lies to the left of the polyline, judged near the vertex or segment
    /// nearest to it (beyond the ends, by the end segment's line).
    fn left_of(&self, p: [f64; 2]) -> bool {
        let i = self.nearest_segment(p);
        let (t, _, _) = self.nearest_on(i, p);
        let (a, b) = self.segment(i);
        let left_of_segment = |a: [f64; 2], b: [f64; 2]| cross(sub(b, a), sub(p, a)) > 0.0;
        // At a shared vertex the two segments' lines can disagree: after a left turn the
        // left side is the corner's inside (left of both lines), after a right turn its
        // outside (left of either).
        let corner = if t <= 0.0 && i > 0 {
            Some((self.vertices[i - 1], a, b))
        } else if t >= 1.0 && i + 2 < self.vertices.len() {
            Some((a, b, self.vertices[i + 2]))
        } else {
            None
        };
        match corner {
            Some((u, v, w)) => {
                let (l1, l2) = (left_of_segment(u, v), left_of_segment(v, w));
                if cross(sub(v, u), sub(w, v)) > 0.0 {
                    l1 && l2
                } else {
                    l1 || l2
                }
            }
            None => left_of_segment(a, b),
        }
    }

    /// Distance from `p` to the border, metres: positive on our side, negative on
    /// theirs.
    pub fn signed_distance_m(&self, p: [f64; 2]) -> f64 {
        let i = self.nearest_segment(p);
        let d = self.nearest_on(i, p).2.sqrt();
        if self.left_of(p) == (self.ours == Side::Left) {
            d
        } else {
            -d
        }
    }

    /// Whether `p` is on our side.
    pub fn is_ours(&self, p: [f64; 2]) -> bool {
        self.left_of(p) == (self.ours == Side::Left)
    }

    /// The first crossing of the straight path `from` → `to`, if any. A path that only
    /// touches the border without changing side is not a crossing.
    pub fn first_crossing(&self, from: [f64; 2], to: [f64; 2]) -> Option<Crossing> {
        let d = sub(to, from);
        let envelope = AABB::from_corners(
            [from[0].min(to[0]), from[1].min(to[1])],
            [from[0].max(to[0]), from[1].max(to[1])],
        );
        let mut best: Option<(f64, usize)> = None;
        for s in self.index.locate_in_envelope_intersecting(&envelope) {
            let e = sub(s.b, s.a);
            let denom = cross(d, e);
            // Parallel (or degenerate) paths do not cross a segment transversally.
            if denom == 0.0 {
                continue;
            }
            let w = sub(s.a, from);
            let u = cross(w, e) / denom; // along the path
            let v = cross(w, d) / denom; // along the segment
            if (0.0..=1.0).contains(&u) && (0.0..=1.0).contains(&v) {
                let better = match best {
                    None => true,
                    Some((bu, bi)) => u < bu || (u == bu && s.index < bi),
                };
                if better {
                    best = Some((u, s.index));
                }
            }
        }
        let (u, segment) = best?;
        let (was, now) = (self.is_ours(from), self.is_ours(to));
        let direction = match (was, now) {
            (false, true) => Direction::Inbound,
            (true, false) => Direction::Outbound,
            // The path ends on the side it started (it crossed back, or only touched):
            // the first crossing's way is the side it left.
            (true, true) => Direction::Outbound,
            (false, false) => Direction::Inbound,
        };
        if was == now {
            // Touching is not crossing: require an actual change of side just after
            // the crossing point.
            let eps = 1e-9_f64.max(1e-6 / d[0].hypot(d[1]).max(1e-9));
            let after = (u + eps).min(1.0);
            let q = [from[0] + after * d[0], from[1] + after * d[1]];
            if self.is_ours(q) == was {
                return None;
            }
        }
        Some(Crossing {
            fraction: u,
            point_m: [from[0] + u * d[0], from[1] + u * d[1]],
            direction,
            segment,
        })
    }

    /// Whether a track now on their side will cross into ours within `horizon_s` at
    /// constant velocity: the mean path's first inbound crossing, and the probability
    /// that the track is on our side at the horizon's end, from the position and
    /// velocity covariance projected on the crossed segment's normal. `None` when the
    /// track is already on our side or its mean path does not cross in time.
    pub fn predict_crossing(&self, m: &Motion2, horizon_s: f64) -> Option<PredictedCrossing> {
        if !(horizon_s > 0.0) || self.is_ours(m.position_m) {
            return None;
        }
        let p = m.position_m;
        let v = m.velocity_mps;
        let end = [p[0] + v[0] * horizon_s, p[1] + v[1] * horizon_s];
        let c = self.first_crossing(p, end)?;
        if c.direction != Direction::Inbound {
            return None;
        }
        let (a, b) = self.segment(c.segment);
        let e = sub(b, a);
        let len = e[0].hypot(e[1]);
        // Unit normal towards our side.
        let left = [-e[1] / len, e[0] / len];
        let n = if self.ours == Side::Left {
            left
        } else {
            [-left[0], -left[1]]
        };
        let t = horizon_s;
        // d(T) = n·(p + v T - a): mean and variance through [x, y, vx, vy].
        let g = [n[0], n[1], n[0] * t, n[1] * t];
        let mean = dot(n, sub(end, a));
        let mut var = 0.0;
        for i in 0..4 {
            for j in 0..4 {
                var += g[i] * m.cov[i][j] * g[j];
            }
        }
        let probability = if var > 0.0 && var.is_finite() {
            normal_cdf(mean / var.sqrt())
        } else if mean > 0.0 {
            1.0
        } else {
            0.0
        };
        Some(PredictedCrossing {
            in_s: c.fraction * horizon_s,
            point_m: c.point_m,
            probability,
        })
    }
}
