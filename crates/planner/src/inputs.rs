//! What a plan starts from: the sensor catalogue and the threat profiles (TOML, with
//! defaults built in), each checked with every problem reported at once.
use serde::{Deserialize, Serialize};
use simulator::scenario::{SensorKindSpec, SensorSpec, TargetKind};

/// The built-in catalogue (`defaults/catalogue.toml`).
pub const DEFAULT_CATALOGUE: &str = include_str!("../defaults/catalogue.toml");
/// The built-in threat profiles (`defaults/threats.toml`).
pub const DEFAULT_THREATS: &str = include_str!("../defaults/threats.toml");

/// What a sensor needs where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// Mains or solar power: the site's power installation cost is added.
    Power,
    /// A clear line of sight to the target: terrain masks it.
    LineOfSight,
}

/// A sensor catalogue.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Cost of bringing power to a site (grid connection or solar and batteries), euros,
    /// added to every sensor that needs power.
    #[serde(default)]
    pub power_install_eur: f64,
    /// The sensors on offer.
    #[serde(rename = "sensor")]
    pub items: Vec<CatalogueItem>,
}

/// One sensor model on offer. Detection parameters have the simulator's names and
/// meanings (`docs/scenarios.md`); those left out take the simulator's defaults.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueItem {
    /// Name (plans list it).
    pub name: String,
    /// What it is.
    pub kind: SensorKindSpec,
    /// One line on what it is.
    #[serde(default)]
    pub description: String,
    /// Price of one installed unit, euros.
    pub unit_cost_eur: f64,
    /// Running cost of one unit per year, euros.
    #[serde(default)]
    pub yearly_cost_eur: f64,
    /// What it needs where it stands.
    #[serde(default)]
    pub needs: Vec<Need>,
    /// Antenna or microphone height, metres.
    #[serde(default = "default_mast")]
    pub mast_m: f64,
    /// Update period, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_s: Option<f64>,
    /// Instrumented range, metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_range_m: Option<f64>,
    /// Elevation limits, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_elevation_deg: Option<f64>,
    /// Elevation limits, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_elevation_deg: Option<f64>,
    /// Range noise, metres (radar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma_range_m: Option<f64>,
    /// Azimuth noise, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma_azimuth_deg: Option<f64>,
    /// Elevation noise, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma_elevation_deg: Option<f64>,
    /// Radar: detection probability of `reference_rcs_m2` at `reference_range_m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_pd: Option<f64>,
    /// Radar: reference range, metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_range_m: Option<f64>,
    /// Radar: reference RCS, m^2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_rcs_m2: Option<f64>,
    /// Radar: false-alarm probability per cell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pfa: Option<f64>,
    /// Radar: clutter plots per scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clutter_per_scan: Option<f64>,
    /// Radar: reports radial velocity.
    #[serde(default)]
    pub radial_velocity: bool,
    /// Radar: micro-Doppler class hints.
    #[serde(default)]
    pub micro_doppler: bool,
    /// Passive RF: sensitivity, dBm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity_dbm: Option<f64>,
    /// EO/IR: horizontal field of view, degrees (the planner points it across the
    /// border).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fov_deg: Option<f64>,
    /// EO/IR: horizontal pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pixels: Option<u32>,
}

fn default_mast() -> f64 {
    10.0
}

impl CatalogueItem {
    /// Price of one unit at a site, with its power installation.
    pub fn capital_eur(&self, cat: &Catalogue) -> f64 {
        self.unit_cost_eur
            + if self.needs.contains(&Need::Power) {
                cat.power_install_eur
            } else {
                0.0
            }
    }

    /// Whether terrain can hide a target from it.
    pub fn needs_line_of_sight(&self) -> bool {
        self.needs.contains(&Need::LineOfSight)
    }

    /// The simulator's sensor for a unit of this item named `name` at `lat_deg`,
    /// `lon_deg`; a camera looks along `boresight_deg`.
    pub fn spec(&self, name: String, lat_deg: f64, lon_deg: f64, boresight_deg: f64) -> SensorSpec {
        SensorSpec {
            name,
            kind: self.kind,
            lat_deg,
            lon_deg,
            mast_m: self.mast_m,
            period_s: self.period_s,
            max_range_m: self.max_range_m,
            sectors: Vec::new(),
            min_elevation_deg: self.min_elevation_deg,
            max_elevation_deg: self.max_elevation_deg,
            sigma_range_m: self.sigma_range_m,
            sigma_azimuth_deg: self.sigma_azimuth_deg,
            sigma_elevation_deg: self.sigma_elevation_deg,
            sigma_m: None,
            reference_pd: self.reference_pd,
            reference_range_m: self.reference_range_m,
            reference_rcs_m2: self.reference_rcs_m2,
            pfa: self.pfa,
            clutter_per_scan: self.clutter_per_scan,
            radial_velocity: self.radial_velocity,
            micro_doppler: self.micro_doppler,
            sensitivity_dbm: self.sensitivity_dbm,
            boresight_deg: (self.kind == SensorKindSpec::Eoir).then_some(boresight_deg),
            fov_deg: self.fov_deg,
            pixels: self.pixels,
            outages: Vec::new(),
        }
    }
}

/// Threat profiles.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Threats {
    /// The threats.
    #[serde(rename = "threat")]
    pub items: Vec<ThreatProfile>,
}

/// One kind of threat and how it crosses.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ThreatProfile {
    /// Name (reports and scenario targets carry it).
    pub name: String,
    /// What the simulator flies for it.
    pub kind: TargetKind,
    /// Ground speed range, m/s: each sampled crossing draws one.
    pub speed_mps: [f64; 2],
    /// Height range above ground, metres.
    pub alt_m: [f64; 2],
    /// Mean radar cross-section, m^2 (default: the simulator's for the kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rcs_m2: Option<f64>,
    /// Emits a radio link a passive RF sensor can hear (default: by kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rf: Option<bool>,
    /// Sound level at 1 m, dB (default: by kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sound_db: Option<f64>,
    /// Crossings come within this angle of straight across the border, degrees.
    #[serde(default = "default_spread")]
    pub approach_spread_deg: f64,
    /// Directions they come from, `[from_deg, to_deg]` clockwise from north (compass
    /// bearings of where they come from); default: anywhere across the border.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_deg: Option<[f64; 2]>,
    /// Weight in the objective (relative importance).
    #[serde(default = "one")]
    pub weight: f64,
}

fn default_spread() -> f64 {
    30.0
}

fn one() -> f64 {
    1.0
}

fn positive(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

impl Catalogue {
    /// Every problem at once (empty: usable).
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.items.is_empty() {
            p.push("the catalogue has no [[sensor]]".into());
        }
        if !(self.power_install_eur.is_finite() && self.power_install_eur >= 0.0) {
            p.push("power_install_eur must be zero or positive".into());
        }
        let mut names = std::collections::BTreeSet::new();
        for it in &self.items {
            let n = &it.name;
            if !names.insert(n.clone()) {
                p.push(format!("sensor `{n}` is listed twice"));
            }
            if !positive(it.unit_cost_eur) {
                p.push(format!(
                    "sensor `{n}`: unit_cost_eur must be positive, got {}",
                    it.unit_cost_eur
                ));
            }
            if !(it.yearly_cost_eur.is_finite() && it.yearly_cost_eur >= 0.0) {
                p.push(format!(
                    "sensor `{n}`: yearly_cost_eur must be zero or positive"
                ));
            }
            if matches!(it.kind, SensorKindSpec::Adsb) {
                p.push(format!(
                    "sensor `{n}`: ADS-B receivers see only cooperative aircraft, not threats; leave them out of a plan"
                ));
            }
            // The simulator's own checks on the detection parameters, on a unit at a
            // valid place.
            let spec = it.spec(n.clone(), 0.0, 0.0, 0.0);
            let probe = simulator::Scenario {
                name: "catalogue".into(),
                description: String::new(),
                seed: 0,
                duration_s: 1.0,
                tick_s: 0.1,
                site: simulator::scenario::Site {
                    lat_deg: 0.0,
                    lon_deg: 0.0,
                    alt_m: 0.0,
                },
                border: simulator::scenario::BorderSpec {
                    points: vec![[0.0, 0.0], [0.0, 0.1]],
                    own_side: simulator::scenario::Side::Left,
                },
                zones: Vec::new(),
                weather: Default::default(),
                targets: Vec::new(),
                sensors: vec![spec],
            };
            for q in probe.problems() {
                p.push(q.replace("sensor `", "catalogue sensor `"));
            }
        }
        p
    }
}

impl Threats {
    /// Every problem at once (empty: usable).
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.items.is_empty() {
            p.push("no [[threat]] given".into());
        }
        let mut names = std::collections::BTreeSet::new();
        for t in &self.items {
            let n = &t.name;
            if !names.insert(n.clone()) {
                p.push(format!("threat `{n}` is listed twice"));
            }
            if !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || n.is_empty() {
                p.push(format!(
                    "threat `{n}`: names are letters, digits and `_` (they name simulated targets)"
                ));
            }
            let [v0, v1] = t.speed_mps;
            if !(positive(v0) && v1 >= v0 && v1 < 400.0) {
                p.push(format!(
                    "threat `{n}`: speed_mps must be [low, high] m/s with 0 < low <= high < 400, got {:?}",
                    t.speed_mps
                ));
            }
            let [a0, a1] = t.alt_m;
            if !(a0.is_finite() && a0 >= 0.0 && a1 >= a0 && a1 < 20_000.0) {
                p.push(format!(
                    "threat `{n}`: alt_m must be [low, high] metres with 0 <= low <= high < 20000, got {:?}",
                    t.alt_m
                ));
            }
            if let Some(r) = t.rcs_m2 {
                if !(positive(r) && r < 1000.0) {
                    p.push(format!(
                        "threat `{n}`: rcs_m2 must be in (0, 1000) m^2, got {r}; it is square metres, not dBsm"
                    ));
                }
            }
            if let Some(s) = t.sound_db {
                if !(s.is_finite() && (0.0..200.0).contains(&s)) {
                    p.push(format!("threat `{n}`: sound_db must be 0 to 200 dB at 1 m"));
                }
            }
            if !(t.approach_spread_deg.is_finite() && (0.0..=75.0).contains(&t.approach_spread_deg))
            {
                p.push(format!(
                    "threat `{n}`: approach_spread_deg must be 0 to 75 degrees"
                ));
            }
            if let Some(f) = t.from_deg {
                if !(f[0].is_finite() && f[1].is_finite()) {
                    p.push(format!(
                        "threat `{n}`: from_deg must be two finite bearings"
                    ));
                }
            }
            if !positive(t.weight) {
                p.push(format!("threat `{n}`: weight must be positive"));
            }
            if matches!(t.kind, TargetKind::Bird | TargetKind::Aircraft) {
                p.push(format!(
                    "threat `{n}`: kind {} is not a threat the planner covers (use quadcopter, fpv_fibre, shahed, gerbera or balloon)",
                    t.kind.name()
                ));
            }
        }
        p
    }
}

/// Reads a catalogue from TOML, with every problem at once.
pub fn parse_catalogue(text: &str) -> Result<Catalogue, Vec<String>> {
    let c: Catalogue = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
    let p = c.problems();
    if p.is_empty() {
        Ok(c)
    } else {
        Err(p)
    }
}

/// Reads threat profiles from TOML, with every problem at once.
pub fn parse_threats(text: &str) -> Result<Threats, Vec<String>> {
    let t: Threats = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
    let p = t.problems();
    if p.is_empty() {
        Ok(t)
    } else {
        Err(p)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn defaults_parse() {
        let c = parse_catalogue(DEFAULT_CATALOGUE).unwrap();
        assert!(c.items.iter().any(|i| i.kind == SensorKindSpec::Radar));
        let t = parse_threats(DEFAULT_THREATS).unwrap();
        assert_eq!(t.items.len(), 5);
    }

    #[test]
    fn every_problem_at_once() {
        let text = r#"
[[sensor]]
name = "r"
kind = "radar"
unit_cost_eur = -1
reference_pd = 1.5
[[sensor]]
name = "r"
kind = "acoustic"
unit_cost_eur = 10
pfa = 0.1
"#;
        let p = parse_catalogue(text).unwrap_err();
        assert!(p.iter().any(|m| m.contains("unit_cost_eur")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("reference_pd")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("listed twice")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("radar settings")), "{p:?}");
        let text = r#"
[[threat]]
name = "x y"
kind = "bird"
speed_mps = [10, 5]
alt_m = [0, 100]
rcs_m2 = -20
"#;
        let p = parse_threats(text).unwrap_err();
        assert_eq!(p.len(), 4, "{p:?}");
    }
}
