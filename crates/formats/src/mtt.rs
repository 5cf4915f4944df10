//! The `mtt-bench-scenario` JSON Lines format of `../shared/scenarios` (version 1):
//! a header, then per scan a `scan` line, `truth` lines and `det` lines.
use crate::ParseError;
use serde::Deserialize;

/// Header fields skyfence uses.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MttHeader {
    /// Seed of the generator.
    pub seed: u64,
    /// Number of scans.
    pub steps: u64,
    /// Scan interval, seconds.
    pub dt: f64,
    /// Mean false detections per scan.
    pub clutter_rate: f64,
    /// Probability of detection.
    pub pd: f64,
    /// Measurement standard deviation per axis, metres.
    pub sigma: f64,
    /// Acceleration noise spectral density, m^2/s^3.
    pub q: f64,
    /// Surveillance area `[[x0, x1], [y0, y1]]`, metres.
    pub area: [[f64; 2]; 2],
    /// Range of initial speeds, m/s, when given.
    #[serde(default)]
    pub speed_range: Option<[f64; 2]>,
}

/// A true target state.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct MttTruth {
    /// Target id.
    pub target_id: u64,
    /// East, metres.
    pub x: f64,
    /// North, metres.
    pub y: f64,
    /// East velocity, m/s.
    pub vx: f64,
    /// North velocity, m/s.
    pub vy: f64,
}

/// A detection (ground-truth labels are kept for scoring only).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct MttDetection {
    /// East, metres.
    pub x: f64,
    /// North, metres.
    pub y: f64,
}

/// One scan.
#[derive(Debug, Clone, PartialEq)]
pub struct MttScan {
    /// Index.
    pub k: u64,
    /// Time, seconds.
    pub t: f64,
    /// Live targets.
    pub truth: Vec<MttTruth>,
    /// Detections.
    pub detections: Vec<MttDetection>,
}

/// A whole scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct MttScenario {
    /// Header.
    pub header: MttHeader,
    /// Scans in order.
    pub scans: Vec<MttScan>,
}

#[derive(Deserialize)]
struct Tagged {
    #[serde(rename = "type")]
    kind: String,
    k: Option<u64>,
    t: Option<f64>,
}

impl MttScenario {
    /// The scenario's detections in the skyfence detection contract, one scan per
    /// `time_s`, from one sensor named `radar` (Cartesian, 2D).
    pub fn detection_lines(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        for scan in &self.scans {
            for d in &scan.detections {
                // Writing to a String cannot fail.
                let _ = writeln!(
                    out,
                    r#"{{"time_s":{},"sensor":"radar","x_m":{},"y_m":{},"sigma_m":{}}}"#,
                    scan.t, d.x, d.y, self.header.sigma
                );
            }
        }
        out
    }

    /// The scenario's truth as evaluation reads it: `time_s`, `target`, `x_m`, `y_m`
    /// for every live target at every scan.
    pub fn truth_lines(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        for scan in &self.scans {
            for t in &scan.truth {
                // Writing to a String cannot fail.
                let _ = writeln!(
                    out,
                    r#"{{"time_s":{},"target":{},"x_m":{},"y_m":{},"vx_mps":{},"vy_mps":{}}}"#,
                    scan.t, t.target_id, t.x, t.y, t.vx, t.vy
                );
            }
        }
        out
    }

    /// The tracker configuration a deployment would write from what it knows of its
    /// sensor and targets: the declared motion model and process noise, detection
    /// probability, clutter density and top speed (1.5 times the fastest initial speed).
    /// Stone Soup's trackers in the benchmark are given the same knowledge.
    pub fn tracker_config_toml(&self) -> String {
        let h = &self.header;
        let area = (h.area[0][1] - h.area[0][0]) * (h.area[1][1] - h.area[1][0]);
        let vmax = h.speed_range.map_or(80.0, |r| r[1] * 1.5);
        format!(
            "[motion]\nmodel = \"cv\"\nq_horizontal_m2ps3 = {}\n[management]\npd = {}\nclutter_density_per_m2 = {:e}\n[initiation]\nmax_speed_mps = {}\n",
            h.q,
            h.pd,
            (h.clutter_rate / area).max(1e-12),
            vmax
        )
    }

    /// Clutter density, false detections per square metre per scan.
    pub fn clutter_density_per_m2(&self) -> f64 {
        let h = &self.header;
        h.clutter_rate / ((h.area[0][1] - h.area[0][0]) * (h.area[1][1] - h.area[1][0]))
    }

    /// Parses a whole file.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let mut header: Option<MttHeader> = None;
        let mut scans: Vec<MttScan> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let n = i as u64 + 1;
            if line.trim().is_empty() {
                continue;
            }
            let tag: Tagged = serde_json::from_str(line)
                .map_err(|e| ParseError::new(n, Some("type"), e.to_string()))?;
            let bad = |e: serde_json::Error| ParseError::new(n, None, e.to_string());
            match tag.kind.as_str() {
                "header" => header = Some(serde_json::from_str(line).map_err(bad)?),
                "scan" => scans.push(MttScan {
                    k: tag
                        .k
                        .ok_or_else(|| ParseError::new(n, Some("k"), "missing"))?,
                    t: tag
                        .t
                        .ok_or_else(|| ParseError::new(n, Some("t"), "missing"))?,
                    truth: Vec::new(),
                    detections: Vec::new(),
                }),
                "truth" | "det" => {
                    let scan = scans
                        .last_mut()
                        .ok_or_else(|| ParseError::new(n, None, "record before any scan line"))?;
                    if tag.k != Some(scan.k) {
                        return Err(ParseError::new(
                            n,
                            Some("k"),
                            "does not match the current scan",
                        ));
                    }
                    if tag.kind == "truth" {
                        scan.truth.push(serde_json::from_str(line).map_err(bad)?);
                    } else {
                        scan.detections
                            .push(serde_json::from_str(line).map_err(bad)?);
                    }
                }
                other => {
                    return Err(ParseError::new(
                        n,
                        Some("type"),
                        format!("unknown record type `{other}`"),
                    ))
                }
            }
        }
        let header = header.ok_or_else(|| ParseError::new(1, None, "no header line"))?;
        Ok(Self { header, scans })
    }
}
