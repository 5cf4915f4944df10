//! Areas: protected sites and no-alert areas, as polygons or circles with an altitude
//! band, indexed by their bounding boxes.

use crate::ZoneError;
use rstar::{RTree, RTreeObject, AABB};

/// What an area is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaKind {
    /// A protected site: entering it matters.
    Protected,
    /// Where cooperative traffic is normal (an airfield's approach): rules may stay
    /// quiet for it there.
    NoAlert,
}

/// An area's outline in the site frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A simple polygon, east/north metres (closing edge implied; three or more
    /// vertices).
    Polygon(Vec<[f64; 2]>),
    /// A circle.
    Circle {
        /// Centre, east/north metres.
        center_m: [f64; 2],
        /// Radius, metres.
        radius_m: f64,
    },
}

/// A named area with its altitude band (heights in the site frame, metres).
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    /// Name, for alerts and the map.
    pub name: String,
    /// What it is for.
    pub kind: AreaKind,
    /// Outline.
    pub shape: Shape,
    /// Lowest height it covers, metres.
    pub min_alt_m: f64,
    /// Highest height it covers, metres.
    pub max_alt_m: f64,
}

impl Area {
    /// Checks the area: finite numbers, a polygon of three or more vertices enclosing an
    /// area, a positive radius, a non-empty altitude band.
    pub fn validate(&self) -> Result<(), ZoneError> {
        let bad = |why: String| Err(ZoneError::Area(self.name.clone(), why));
        match &self.shape {
            Shape::Polygon(v) => {
                if v.len() < 3 {
                    return bad(format!(
                        "a polygon needs three or more points, got {}",
                        v.len()
                    ));
                }
                if v.iter().any(|p| !(p[0].is_finite() && p[1].is_finite())) {
                    return bad("a polygon point is not finite".into());
                }
                // Shoelace area about the first vertex (far from the site, coordinates
                // are large and their products would swamp a small polygon's area).
                let o = v[0];
                let twice_area: f64 = (1..v.len())
                    .map(|i| {
                        let (a, b) = (v[i], v[(i + 1) % v.len()]);
                        (a[0] - o[0]) * (b[1] - o[1]) - (b[0] - o[0]) * (a[1] - o[1])
                    })
                    .sum();
                // A thousandth of a square metre: rounding of collinear points read as
                // degrees, and far below any real site.
                if !(twice_area.abs() >= 2e-3) {
                    return bad(format!(
                        "a polygon must enclose an area; this one's is {:.1e} m² (are its points all on one line?)",
                        twice_area.abs() / 2.0
                    ));
                }
            }
            Shape::Circle { center_m, radius_m } => {
                if !(center_m[0].is_finite() && center_m[1].is_finite()) {
                    return bad("the centre is not finite".into());
                }
                if !(*radius_m > 0.0 && radius_m.is_finite()) {
                    return bad(format!("the radius must be positive, got {radius_m}"));
                }
            }
        }
        if !(self.min_alt_m <= self.max_alt_m) {
            return bad(format!(
                "min_alt_m {} is above max_alt_m {}",
                self.min_alt_m, self.max_alt_m
            ));
        }
        Ok(())
    }

    fn bbox(&self) -> AABB<[f64; 2]> {
        match &self.shape {
            Shape::Polygon(v) => {
                let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
                for p in v {
                    for k in 0..2 {
                        lo[k] = lo[k].min(p[k]);
                        hi[k] = hi[k].max(p[k]);
                    }
                }
                AABB::from_corners(lo, hi)
            }
            Shape::Circle { center_m, radius_m } => AABB::from_corners(
                [center_m[0] - radius_m, center_m[1] - radius_m],
                [center_m[0] + radius_m, center_m[1] + radius_m],
            ),
        }
    }

    /// Whether the horizontal point `p` is inside the outline (a point on a polygon's
    /// edge may go either way).
    pub fn contains_horizontal(&self, p: [f64; 2]) -> bool {
        match &self.shape {
            // Crossing number (even-odd rule) with half-open edges, so a ray through a
            // vertex is counted once.
            Shape::Polygon(v) => {
                let mut inside = false;
                let n = v.len();
                for i in 0..n {
                    let (a, b) = (v[i], v[(i + 1) % n]);
                    if (a[1] > p[1]) != (b[1] > p[1]) {
                        let x = a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
                        if p[0] < x {
                            inside = !inside;
                        }
                    }
                }
                inside
            }
            Shape::Circle { center_m, radius_m } => {
                let (dx, dy) = (p[0] - center_m[0], p[1] - center_m[1]);
                dx * dx + dy * dy <= radius_m * radius_m
            }
        }
    }

    /// Horizontal distance from `p` to the outline, metres: zero inside.
    pub fn distance_m(&self, p: [f64; 2]) -> f64 {
        match &self.shape {
            Shape::Polygon(v) => {
                if self.contains_horizontal(p) {
                    return 0.0;
                }
                let n = v.len();
                (0..n)
                    .map(|i| segment_distance(p, v[i], v[(i + 1) % n]))
                    .fold(f64::INFINITY, f64::min)
            }
            Shape::Circle { center_m, radius_m } => {
                ((p[0] - center_m[0]).hypot(p[1] - center_m[1]) - radius_m).max(0.0)
            }
        }
    }

    /// Whether the point `p` (east, north, up metres) is inside the area and its band.
    pub fn contains(&self, p: [f64; 3]) -> bool {
        (self.min_alt_m..=self.max_alt_m).contains(&p[2]) && self.contains_horizontal([p[0], p[1]])
    }
}

/// Distance from `p` to the segment `a`–`b`.
fn segment_distance(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let ab = [b[0] - a[0], b[1] - a[1]];
    let len2 = ab[0] * ab[0] + ab[1] * ab[1];
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * ab[0] + (p[1] - a[1]) * ab[1]) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (p[0] - a[0] - t * ab[0]).hypot(p[1] - a[1] - t * ab[1])
}

#[derive(Debug, Clone, PartialEq)]
struct Boxed {
    index: usize,
    bbox: AABB<[f64; 2]>,
}

impl RTreeObject for Boxed {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.bbox
    }
}

/// Areas indexed by bounding box: a point query visits only the areas whose boxes hold
/// it.
#[derive(Debug, Clone)]
pub struct Areas {
    areas: Vec<Area>,
    index: RTree<Boxed>,
}

impl Areas {
    /// Indexes `areas` after checking each (every problem is reported, not only the
    /// first).
    pub fn new(areas: Vec<Area>) -> Result<Self, Vec<ZoneError>> {
        let problems: Vec<ZoneError> = areas.iter().filter_map(|a| a.validate().err()).collect();
        if !problems.is_empty() {
            return Err(problems);
        }
        let boxes = areas
            .iter()
            .enumerate()
            .map(|(index, a)| Boxed {
                index,
                bbox: a.bbox(),
            })
            .collect();
        Ok(Self {
            areas,
            index: RTree::bulk_load(boxes),
        })
    }

    /// All areas, in the order given.
    pub fn all(&self) -> &[Area] {
        &self.areas
    }

    /// Indices (into [`Areas::all`]) of the areas whose outline is within `radius_m`
    /// of the horizontal point `p` (at any height), ascending.
    pub fn near(&self, p: [f64; 2], radius_m: f64) -> Vec<usize> {
        let query = AABB::from_corners(
            [p[0] - radius_m, p[1] - radius_m],
            [p[0] + radius_m, p[1] + radius_m],
        );
        let mut out: Vec<usize> = self
            .index
            .locate_in_envelope_intersecting(&query)
            .map(|b| b.index)
            .filter(|&i| self.areas[i].distance_m(p) <= radius_m)
            .collect();
        out.sort_unstable();
        out
    }

    /// Indices (into [`Areas::all`]) of the areas holding `p`, ascending.
    pub fn containing(&self, p: [f64; 3]) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .index
            .locate_in_envelope_intersecting(&AABB::from_point([p[0], p[1]]))
            .map(|b| b.index)
            .filter(|&i| self.areas[i].contains(p))
            .collect();
        out.sort_unstable();
        out
    }
}
