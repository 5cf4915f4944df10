//! Terrain: an elevation grid in the ESRI ASCII grid format (geographic, degrees), for
//! line of sight over the ground and the Earth's curvature.
//!
//! Format (ESRI "ASCII raster" / AAIGrid): a header of `ncols`, `nrows`, `xllcorner` or
//! `xllcenter`, `yllcorner` or `yllcenter`, `cellsize` and optionally `NODATA_value`,
//! then `nrows` rows of `ncols` heights, the northernmost row first. Here x is
//! longitude and y latitude in degrees, heights in metres.
use crate::PlanError;

/// Effective Earth radius for radio propagation (4/3 of 6371 km), metres: the same
/// refraction model as the simulator's radar horizon.
const EFFECTIVE_EARTH_M: f64 = 4.0 / 3.0 * 6_371_000.0;

/// Samples along a line of sight.
const LOS_SAMPLES: usize = 32;

/// An elevation grid.
#[derive(Debug, Clone)]
pub struct Terrain {
    ncols: usize,
    nrows: usize,
    /// Longitude and latitude of the centre of the south-west cell, degrees.
    x0_deg: f64,
    y0_deg: f64,
    cell_deg: f64,
    /// Heights, row 0 the southernmost; NaN where there is no data.
    heights_m: Vec<f32>,
}

fn bad(msg: impl Into<String>) -> PlanError {
    PlanError::Input(vec![format!("terrain grid: {}", msg.into())])
}

impl Terrain {
    /// Reads an ESRI ASCII grid.
    pub fn parse_esri_ascii(text: &str) -> Result<Self, PlanError> {
        let mut words = text.split_ascii_whitespace().peekable();
        let mut header = std::collections::BTreeMap::new();
        while let Some(w) = words.peek() {
            if w.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
                let key = w.to_ascii_lowercase();
                words.next();
                let v: f64 = words
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| bad(format!("header `{key}` has no number")))?;
                header.insert(key, v);
            } else {
                break;
            }
        }
        let get = |k: &str| header.get(k).copied();
        let (Some(ncols), Some(nrows), Some(cell)) = (get("ncols"), get("nrows"), get("cellsize"))
        else {
            return Err(bad("the header needs ncols, nrows and cellsize"));
        };
        if !(ncols >= 2.0 && nrows >= 2.0 && ncols * nrows <= 1e9) {
            return Err(bad(format!(
                "ncols and nrows must be 2 or more (and at most 1e9 cells), got {ncols} x {nrows}"
            )));
        }
        if !(cell > 0.0 && cell < 10.0) {
            return Err(bad(format!(
                "cellsize must be in degrees (0 to 10), got {cell}; projected grids are not supported"
            )));
        }
        let (ncols, nrows) = (ncols as usize, nrows as usize);
        let x0 = match (get("xllcorner"), get("xllcenter")) {
            (Some(c), _) => c + cell / 2.0,
            (None, Some(c)) => c,
            _ => return Err(bad("the header needs xllcorner or xllcenter")),
        };
        let y0 = match (get("yllcorner"), get("yllcenter")) {
            (Some(c), _) => c + cell / 2.0,
            (None, Some(c)) => c,
            _ => return Err(bad("the header needs yllcorner or yllcenter")),
        };
        if !(-180.0..=360.0).contains(&x0) || !(-90.0..=90.0).contains(&y0) {
            return Err(bad("the lower-left corner is not a longitude and latitude"));
        }
        let nodata = get("nodata_value");
        let mut heights_m = vec![f32::NAN; ncols * nrows];
        let mut n = 0usize;
        for w in words {
            let v: f64 = w
                .parse()
                .map_err(|_| bad(format!("`{w}` at value {} is not a number", n + 1)))?;
            if n >= ncols * nrows {
                return Err(bad(format!(
                    "more values than ncols x nrows = {}",
                    ncols * nrows
                )));
            }
            // File rows run north to south; stored rows south to north.
            let (row, col) = (nrows - 1 - n / ncols, n % ncols);
            if nodata != Some(v) && v.is_finite() {
                heights_m[row * ncols + col] = v as f32;
            }
            n += 1;
        }
        if n != ncols * nrows {
            return Err(bad(format!(
                "{n} values for ncols x nrows = {} (truncated file?)",
                ncols * nrows
            )));
        }
        Ok(Self {
            ncols,
            nrows,
            x0_deg: x0,
            y0_deg: y0,
            cell_deg: cell,
            heights_m,
        })
    }

    /// Ground height at a point, metres (bilinear between cell centres); 0 off the grid
    /// or where it has no data.
    pub fn height_m(&self, lat_deg: f64, lon_deg: f64) -> f64 {
        let fx = (lon_deg - self.x0_deg) / self.cell_deg;
        let fy = (lat_deg - self.y0_deg) / self.cell_deg;
        if !(fx >= 0.0 && fy >= 0.0) {
            return 0.0;
        }
        if fx > (self.ncols - 1) as f64 || fy > (self.nrows - 1) as f64 {
            return 0.0;
        }
        // The last row and column are reached from the cell before them.
        let ix = (fx.floor() as usize).min(self.ncols - 2);
        let iy = (fy.floor() as usize).min(self.nrows - 2);
        let (wx, wy) = (fx - ix as f64, fy - iy as f64);
        let h = |x: usize, y: usize| {
            let v = f64::from(self.heights_m[y * self.ncols + x]);
            if v.is_finite() {
                v
            } else {
                0.0
            }
        };
        let s = h(ix, iy) * (1.0 - wx) + h(ix + 1, iy) * wx;
        let n = h(ix, iy + 1) * (1.0 - wx) + h(ix + 1, iy + 1) * wx;
        s * (1.0 - wy) + n * wy
    }

    /// Whether a straight radio ray from `a` (`[lat, lon]`, `a_above_m` over the
    /// ground) to `b` (`b_above_m` over the ground), `dist_m` apart, clears the terrain
    /// over a 4/3 Earth.
    pub fn line_of_sight(
        &self,
        a: [f64; 2],
        a_above_m: f64,
        b: [f64; 2],
        b_above_m: f64,
        dist_m: f64,
    ) -> bool {
        let ha = self.height_m(a[0], a[1]) + a_above_m;
        let hb = self.height_m(b[0], b[1]) + b_above_m;
        for k in 1..LOS_SAMPLES {
            let f = k as f64 / LOS_SAMPLES as f64;
            // The Earth bulges above the chord between the two ends by f(1-f)D^2/2kR.
            let bulge = f * (1.0 - f) * dist_m * dist_m / (2.0 * EFFECTIVE_EARTH_M);
            let lat = a[0] + f * (b[0] - a[0]);
            let lon = a[1] + f * (b[1] - a[1]);
            if self.height_m(lat, lon) + bulge > ha + f * (hb - ha) {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const GRID: &str = "ncols 3\nnrows 2\nxllcorner 24.0\nyllcorner 54.0\ncellsize 0.5\nNODATA_value -9999\n10 20 30\n0 -9999 60\n";

    #[test]
    fn reads_rows_north_first() {
        let t = Terrain::parse_esri_ascii(GRID).unwrap();
        // Cell centres: lon 24.25, 24.75, 25.25; lat 54.25 (south row), 54.75 (north).
        assert_eq!(t.height_m(54.75, 24.25), 10.0);
        assert_eq!(t.height_m(54.25, 24.25), 0.0);
        assert_eq!(t.height_m(54.25, 25.25), 60.0);
        // Halfway between 10 (north) and 0 (south) at the west column.
        assert!((t.height_m(54.5, 24.25) - 5.0).abs() < 1e-9);
        // No data reads as 0: between 20 (north) and nothing (south).
        assert!((t.height_m(54.5, 24.75) - 10.0).abs() < 1e-9);
        assert_eq!(t.height_m(10.0, 10.0), 0.0);
    }

    #[test]
    fn names_what_is_wrong() {
        let e = Terrain::parse_esri_ascii(
            "ncols 3\nnrows 2\nxllcorner 24\nyllcorner 54\ncellsize 0.5\n1 2 3 4 5\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("5 values"), "{e}");
        let e = Terrain::parse_esri_ascii(
            "ncols 3\nnrows 2\nxllcorner 24\nyllcorner 54\ncellsize 30\n1 2 3 4 5 6\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("degrees"), "{e}");
    }

    /// A 300 m ridge between a 10 m mast and a target at 100 m hides it; a target at
    /// 2000 m sees over it.
    #[test]
    fn ridge_blocks_low_targets() {
        let mut g =
            String::from("ncols 11\nnrows 3\nxllcorner 24.0\nyllcorner 54.0\ncellsize 0.01\n");
        for _ in 0..3 {
            let row: Vec<&str> = (0..11).map(|i| if i == 5 { "300" } else { "0" }).collect();
            g.push_str(&row.join(" "));
            g.push('\n');
        }
        let t = Terrain::parse_esri_ascii(&g).unwrap();
        let a = [54.015, 24.005];
        let b = [54.015, 24.105];
        let d = 6_540.0;
        assert!(!t.line_of_sight(a, 10.0, b, 100.0, d));
        assert!(t.line_of_sight(a, 10.0, b, 2_000.0, d));
        // Flat ground, a short path: clear.
        assert!(t.line_of_sight(a, 10.0, [54.015, 24.03], 20.0, 1_600.0));
    }
}
