//! Scenario files (TOML, `docs/scenarios.md`): the site, the border, zones, weather,
//! targets and sensors of one simulated run. Deserialised with serde; [`Scenario::problems`]
//! then reports every semantic problem at once.
use geodesy::Lla;
use serde::{Deserialize, Serialize};

/// A whole scenario.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name (the library lists it).
    pub name: String,
    /// One line on what it shows.
    #[serde(default)]
    pub description: String,
    /// Master seed: every random stream derives from it.
    pub seed: u64,
    /// Length of the run, seconds.
    pub duration_s: f64,
    /// Simulation tick, seconds: sensor periods are rounded to whole ticks.
    #[serde(default = "default_tick")]
    pub tick_s: f64,
    /// Site origin: the local frame of the truth's and detections' `x_m`, `y_m`, `z_m`.
    pub site: Site,
    /// The border.
    pub border: BorderSpec,
    /// Protected zones.
    #[serde(default, rename = "zone", skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<Zone>,
    /// Weather.
    #[serde(default)]
    pub weather: Weather,
    /// Targets.
    #[serde(default, rename = "target", skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<TargetSpec>,
    /// Sensors.
    #[serde(default, rename = "sensor", skip_serializing_if = "Vec::is_empty")]
    pub sensors: Vec<SensorSpec>,
}

fn default_tick() -> f64 {
    0.1
}

/// A geodetic point as scenario files write it.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Height above the WGS-84 ellipsoid, metres.
    #[serde(default)]
    pub alt_m: f64,
}

impl Site {
    /// As a checked geodetic position.
    pub fn lla(&self) -> Result<Lla, geodesy::GeodesyError> {
        Lla::try_from_degrees(self.lat_deg, self.lon_deg, self.alt_m)
    }
}

/// Which side of the border is ours, walking its points in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// To the left.
    Left,
    /// To the right.
    Right,
}

/// The border as a polyline of `[lat_deg, lon_deg]` points.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BorderSpec {
    /// Vertices, `[lat_deg, lon_deg]`.
    pub points: Vec<[f64; 2]>,
    /// Our side, looking along the points: `own_side`, the one convention of every
    /// border skyfence reads (zone files, the planner's border file); `ours` is the
    /// older name and still read.
    #[serde(alias = "ours")]
    pub own_side: Side,
}

impl BorderSpec {
    /// Whether our side is the left one.
    pub fn ours_left(&self) -> bool {
        self.own_side == Side::Left
    }
}

/// A protected zone: a polygon or a circle, with an altitude band.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    /// Name.
    pub name: String,
    /// Polygon vertices `[lat_deg, lon_deg]` (three or more).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polygon: Option<Vec<[f64; 2]>>,
    /// Circle centre `[lat_deg, lon_deg]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub center: Option<[f64; 2]>,
    /// Circle radius, metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius_m: Option<f64>,
    /// Lowest protected height above the site, metres.
    #[serde(default)]
    pub min_alt_m: f64,
    /// Highest protected height above the site, metres.
    #[serde(default = "default_zone_top")]
    pub max_alt_m: f64,
}

fn default_zone_top() -> f64 {
    10_000.0
}

/// Wind, which carries balloons and birds and degrades acoustic sensors.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Weather {
    /// Direction the wind blows from, degrees clockwise from north.
    #[serde(default)]
    pub wind_from_deg: f64,
    /// Wind speed, m/s.
    #[serde(default)]
    pub wind_speed_mps: f64,
}

impl Weather {
    /// Wind velocity (east, north), m/s: it blows towards `wind_from_deg + 180`.
    pub fn wind_en_mps(&self) -> [f64; 2] {
        let to = (self.wind_from_deg + 180.0).to_radians();
        [
            self.wind_speed_mps * to.sin(),
            self.wind_speed_mps * to.cos(),
        ]
    }
}

/// What a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// Small quadcopter (5-27 m/s, low, RF link, maybe Remote ID).
    Quadcopter,
    /// Fibre-optic FPV drone: fast, low, RF-silent.
    FpvFibre,
    /// Shahed-class one-way attack drone.
    Shahed,
    /// Gerbera-class decoy.
    Gerbera,
    /// A bird (or a flock with `count` > 1).
    Bird,
    /// A balloon drifting with the wind.
    Balloon,
    /// A manned aircraft (cooperative with `transponder = true`).
    Aircraft,
}

impl TargetKind {
    /// Class name in truth lines (skyfence's class names).
    pub fn class(self) -> &'static str {
        match self {
            Self::Quadcopter | Self::FpvFibre => "drone_rotary",
            Self::Shahed | Self::Gerbera => "drone_fixed_wing",
            Self::Bird => "bird",
            Self::Balloon => "balloon",
            Self::Aircraft => "aircraft",
        }
    }

    /// Name as scenario files write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Quadcopter => "quadcopter",
            Self::FpvFibre => "fpv_fibre",
            Self::Shahed => "shahed",
            Self::Gerbera => "gerbera",
            Self::Bird => "bird",
            Self::Balloon => "balloon",
            Self::Aircraft => "aircraft",
        }
    }
}

/// How a target moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MotionKind {
    /// Through `waypoints` in order at `speed_mps`.
    Waypoints,
    /// Straight from `from` to `to`.
    Crossing,
    /// Wander around `center` within `radius_m`.
    Loiter,
    /// Circle `center` at `radius_m`.
    Orbit,
    /// Through `waypoints`, stopping to hover for `hover_s` at each.
    StopAndGo,
    /// Carried by the wind from `from`.
    Drift,
    /// A recorded trajectory (`recording`, `recording_id`), moved so that it starts at
    /// `from` when given.
    Recorded,
}

/// One point of a recorded trajectory: time (s), latitude, longitude (degrees),
/// height above the ellipsoid (m).
pub type RecordedPoint = [f64; 4];

/// One target (or a group: a swarm in formation, a flock).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// Name (members of a group get `name-1`, `name-2`, ...).
    pub name: String,
    /// What it is.
    pub kind: TargetKind,
    /// How it moves.
    pub motion: MotionKind,
    /// When it appears, seconds.
    #[serde(default)]
    pub start_s: f64,
    /// Ground speed (or airspeed for birds), m/s; default by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_mps: Option<f64>,
    /// Height above the site, metres; default by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_m: Option<f64>,
    /// Path points `[lat_deg, lon_deg]` for `waypoints` and `stop_and_go`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waypoints: Vec<[f64; 2]>,
    /// Start `[lat_deg, lon_deg]` for `crossing` and `drift`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<[f64; 2]>,
    /// End `[lat_deg, lon_deg]` for `crossing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<[f64; 2]>,
    /// Centre `[lat_deg, lon_deg]` for `loiter` and `orbit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub center: Option<[f64; 2]>,
    /// Radius for `loiter` and `orbit`, metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius_m: Option<f64>,
    /// Hover time at each waypoint for `stop_and_go`, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hover_s: Option<f64>,
    /// Members of the group (swarm or flock).
    #[serde(default = "one")]
    pub count: usize,
    /// Spacing between group members, metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spacing_m: Option<f64>,
    /// Radar cross-section, m^2; default by kind (birds draw from a range).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rcs_m2: Option<f64>,
    /// Sound level at 1 m, dB, for acoustic sensors; default by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sound_db: Option<f64>,
    /// Emits an RF link a passive direction finder can hear; default by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rf: Option<bool>,
    /// Broadcasts Remote ID with this serial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_id: Option<String>,
    /// Transponder on, with this ICAO address (aircraft).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icao: Option<String>,
    /// ADS-B callsign (with `icao`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callsign: Option<String>,
    /// A false cooperative report: nothing flies there, only ADS-B or Remote ID
    /// receivers hear it (a spoofer's broadcast). Not in the truth.
    #[serde(default)]
    pub spoofed: bool,
    /// How long the target flies before it disappears (lands, is lost), seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_s: Option<f64>,
    /// For `recorded`: JSON Lines of `t`, `id`, `lat`, `lon`, `alt_m` (the format of
    /// ../shared/realdata), relative to the scenario file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording: Option<String>,
    /// For `recorded`: which `id` of the recording to fly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_id: Option<String>,
    /// For `recorded`: the points, loaded by whoever reads the scenario file (the
    /// simulator does no IO).
    #[serde(skip)]
    pub recorded_points: Vec<RecordedPoint>,
}

fn one() -> usize {
    1
}

/// What a sensor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SensorKindSpec {
    /// Surveillance radar.
    Radar,
    /// Passive RF direction finder.
    Rf,
    /// Acoustic node.
    Acoustic,
    /// EO/IR camera.
    Eoir,
    /// ADS-B receiver.
    Adsb,
    /// Remote ID receiver.
    RemoteId,
}

impl SensorKindSpec {
    /// Kind name in the sensors file.
    pub fn name(self) -> &'static str {
        match self {
            Self::Radar => "radar",
            Self::Rf => "passive_rf",
            Self::Acoustic => "acoustic",
            Self::Eoir => "eoir",
            Self::Adsb => "adsb",
            Self::RemoteId => "remoteid",
        }
    }
}

/// One sensor. Fields a kind does not use are refused by validation.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SensorSpec {
    /// Name, as detections will carry it.
    pub name: String,
    /// What it is.
    pub kind: SensorKindSpec,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Antenna or microphone height above the site, metres.
    #[serde(default = "default_mast")]
    pub mast_m: f64,
    /// Update period, seconds; default by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_s: Option<f64>,
    /// Instrumented range, metres; default by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_range_m: Option<f64>,
    /// Azimuth sectors covered `[from_deg, to_deg]`, clockwise; default all round.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sectors: Vec<[f64; 2]>,
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
    /// Position noise, metres (ADS-B, Remote ID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma_m: Option<f64>,
    /// Radar: detection probability of `reference_rcs_m2` at `reference_range_m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_pd: Option<f64>,
    /// Radar: reference range, metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_range_m: Option<f64>,
    /// Radar: reference RCS, m^2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_rcs_m2: Option<f64>,
    /// Radar: false alarm probability per resolution cell, setting the threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pfa: Option<f64>,
    /// Radar: mean clutter plots per scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clutter_per_scan: Option<f64>,
    /// Radar: report radial velocity.
    #[serde(default)]
    pub radial_velocity: bool,
    /// Radar: classify each plot by its micro-Doppler signature (rotor lines,
    /// wingbeat, propeller, none), more reliably the stronger the echo.
    #[serde(default)]
    pub micro_doppler: bool,
    /// Passive RF: receiver sensitivity, dBm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity_dbm: Option<f64>,
    /// EO/IR: camera boresight azimuth, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boresight_deg: Option<f64>,
    /// EO/IR: horizontal field of view, degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fov_deg: Option<f64>,
    /// EO/IR: horizontal pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pixels: Option<u32>,
    /// Scripted outages `[from_s, to_s]`: no detections in between.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outages: Vec<[f64; 2]>,
}

fn default_mast() -> f64 {
    10.0
}

/// Most target-seconds a scenario may ask for (members times flying time).
const MAX_TARGET_SECONDS: f64 = 5_000_000.0;

fn latlon_ok(p: &[f64; 2]) -> bool {
    p[0].is_finite() && p[1].is_finite() && (-90.0..=90.0).contains(&p[0])
}

impl Scenario {
    /// Every semantic problem at once (an empty list means the scenario is usable).
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let mut need = |ok: bool, what: String| {
            if !ok {
                p.push(what);
            }
        };
        need(
            self.duration_s.is_finite() && self.duration_s > 0.0,
            format!("duration_s must be positive, got {}", self.duration_s),
        );
        need(
            self.tick_s.is_finite() && self.tick_s >= 0.001 && self.tick_s <= 10.0,
            format!("tick_s must be between 0.001 and 10 s, got {}", self.tick_s),
        );
        need(
            self.site.lla().is_ok(),
            "site: latitude must be within -90..90 and all values finite".into(),
        );
        need(
            self.border.points.len() >= 2,
            "border.points needs at least two points".into(),
        );
        for (i, pt) in self.border.points.iter().enumerate() {
            need(
                latlon_ok(pt),
                format!("border.points[{i}] is not a valid [lat, lon]"),
            );
        }
        for z in &self.zones {
            match (&z.polygon, z.center, z.radius_m) {
                (Some(poly), None, None) => {
                    need(
                        poly.len() >= 3,
                        format!("zone `{}`: a polygon needs three or more points", z.name),
                    );
                    for pt in poly {
                        need(
                            latlon_ok(pt),
                            format!("zone `{}`: {pt:?} is not a valid [lat, lon]", z.name),
                        );
                    }
                }
                (None, Some(c), Some(r)) => {
                    need(
                        latlon_ok(&c),
                        format!("zone `{}`: center is not a valid [lat, lon]", z.name),
                    );
                    need(
                        r > 0.0 && r.is_finite(),
                        format!("zone `{}`: radius_m must be positive", z.name),
                    );
                }
                _ => need(
                    false,
                    format!(
                        "zone `{}`: give either `polygon`, or `center` and `radius_m`",
                        z.name
                    ),
                ),
            }
            need(
                z.max_alt_m > z.min_alt_m,
                format!("zone `{}`: max_alt_m must exceed min_alt_m", z.name),
            );
        }
        need(
            self.weather.wind_speed_mps.is_finite() && self.weather.wind_speed_mps >= 0.0,
            "weather.wind_speed_mps must be zero or positive".into(),
        );
        let mut names = std::collections::BTreeSet::new();
        for t in &self.targets {
            let n = &t.name;
            need(
                names.insert(n.clone()),
                format!("target `{n}` is named twice"),
            );
            need(
                t.start_s.is_finite() && t.start_s >= 0.0,
                format!("target `{n}`: start_s must be zero or positive"),
            );
            need(
                t.count >= 1 && t.count <= 10_000,
                format!("target `{n}`: count must be 1 to 10000"),
            );
            if let Some(v) = t.speed_mps {
                need(v.is_finite() && v > 0.0 && v < 400.0, format!("target `{n}`: speed_mps must be in (0, 400), got {v}; it is metres per second"));
            }
            if let Some(a) = t.alt_m {
                need(
                    (0.0..20_000.0).contains(&a),
                    format!("target `{n}`: alt_m must be 0 to 20000 m above the site, got {a}"),
                );
            }
            if let Some(r) = t.rcs_m2 {
                need(r.is_finite() && r > 0.0 && r < 1000.0, format!("target `{n}`: rcs_m2 must be in (0, 1000) m^2, got {r}; it is square metres, not dBsm"));
            }
            if let Some(db) = t.sound_db {
                need(
                    db.is_finite() && (0.0..200.0).contains(&db),
                    format!("target `{n}`: sound_db must be 0 to 200 dB at 1 m, got {db}"),
                );
            }
            let pts_ok = t.waypoints.iter().all(latlon_ok);
            need(
                pts_ok,
                format!("target `{n}`: a waypoint is not a valid [lat, lon]"),
            );
            match t.motion {
                MotionKind::Waypoints | MotionKind::StopAndGo => need(
                    t.waypoints.len() >= 2,
                    format!(
                        "target `{n}`: motion {:?} needs two or more waypoints",
                        t.motion
                    ),
                ),
                MotionKind::Crossing => need(
                    t.from.is_some_and(|f| latlon_ok(&f)) && t.to.is_some_and(|f| latlon_ok(&f)),
                    format!("target `{n}`: motion crossing needs `from` and `to`"),
                ),
                MotionKind::Drift => need(
                    t.from.is_some_and(|f| latlon_ok(&f)),
                    format!("target `{n}`: motion drift needs `from`"),
                ),
                MotionKind::Recorded => {
                    need(
                        t.recording.is_some() && t.recording_id.is_some(),
                        format!(
                            "target `{n}`: motion recorded needs `recording` and `recording_id`"
                        ),
                    );
                    need(
                        t.recorded_points.len() >= 2,
                        format!("target `{n}`: the recording has fewer than two points for its id"),
                    );
                }
                MotionKind::Loiter | MotionKind::Orbit => need(
                    t.center.is_some_and(|f| latlon_ok(&f))
                        && t.radius_m.is_some_and(|r| r > 0.0 && r.is_finite()),
                    format!(
                        "target `{n}`: motion {:?} needs `center` and a positive `radius_m`",
                        t.motion
                    ),
                ),
            }
            if t.kind == TargetKind::Aircraft {
                need(
                    t.remote_id.is_none(),
                    format!("target `{n}`: aircraft do not broadcast Remote ID; use icao"),
                );
            } else {
                need(
                    t.icao.is_none(),
                    format!("target `{n}`: only aircraft have an ICAO address"),
                );
            }
            need(
                t.callsign.is_none() || t.icao.is_some(),
                format!("target `{n}`: a callsign needs an icao address"),
            );
            need(
                !t.spoofed || t.icao.is_some() || t.remote_id.is_some(),
                format!("target `{n}`: a spoofed target is a false ADS-B or Remote ID broadcast; give icao or remote_id"),
            );
            if let Some(icao) = &t.icao {
                need(
                    icao.len() == 6 && icao.chars().all(|c| c.is_ascii_hexdigit()),
                    format!("target `{n}`: icao must be six hex digits, got `{icao}`"),
                );
            }
            if let Some(l) = t.lifetime_s {
                need(
                    l.is_finite() && l > 0.0,
                    format!("target `{n}`: lifetime_s must be positive"),
                );
            }
        }
        let mut snames = std::collections::BTreeSet::new();
        for s in &self.sensors {
            let n = &s.name;
            need(
                snames.insert(n.clone()),
                format!("sensor `{n}` is named twice"),
            );
            need(
                latlon_ok(&[s.lat_deg, s.lon_deg]) && s.lon_deg.is_finite(),
                format!("sensor `{n}`: not a valid position"),
            );
            need(
                s.mast_m.is_finite() && s.mast_m >= 0.0,
                format!("sensor `{n}`: mast_m must be zero or positive"),
            );
            for (field, v) in [
                ("period_s", s.period_s),
                ("max_range_m", s.max_range_m),
                ("sigma_range_m", s.sigma_range_m),
                ("sigma_azimuth_deg", s.sigma_azimuth_deg),
                ("sigma_elevation_deg", s.sigma_elevation_deg),
                ("sigma_m", s.sigma_m),
                ("reference_range_m", s.reference_range_m),
                ("reference_rcs_m2", s.reference_rcs_m2),
                ("fov_deg", s.fov_deg),
            ] {
                if let Some(v) = v {
                    need(
                        v.is_finite() && v > 0.0,
                        format!("sensor `{n}`: {field} must be positive, got {v}"),
                    );
                }
            }
            if let Some(sd) = s.sigma_azimuth_deg {
                need(sd < 45.0, format!("sensor `{n}`: sigma_azimuth_deg {sd} is implausible; it is degrees, not radians or mils"));
            }
            for (field, v) in [("reference_pd", s.reference_pd), ("pfa", s.pfa)] {
                if let Some(v) = v {
                    need(
                        v > 0.0 && v < 1.0,
                        format!("sensor `{n}`: {field} must be strictly between 0 and 1"),
                    );
                }
            }
            if let Some(c) = s.clutter_per_scan {
                need(
                    c.is_finite() && c >= 0.0,
                    format!("sensor `{n}`: clutter_per_scan must be zero or positive"),
                );
            }
            for o in &s.outages {
                need(
                    o[0].is_finite() && o[1] > o[0],
                    format!("sensor `{n}`: outage {o:?} must be [from_s, to_s] with to after from"),
                );
            }
            let radar_only = s.reference_pd.is_some()
                || s.reference_range_m.is_some()
                || s.reference_rcs_m2.is_some()
                || s.pfa.is_some()
                || s.clutter_per_scan.is_some()
                || s.sigma_range_m.is_some()
                || s.radial_velocity
                || s.micro_doppler;
            need(
                !radar_only || s.kind == SensorKindSpec::Radar,
                format!(
                    "sensor `{n}`: radar settings given on a {} sensor",
                    s.kind.name()
                ),
            );
            let eo_only = s.boresight_deg.is_some() || s.fov_deg.is_some() || s.pixels.is_some();
            need(
                !eo_only || s.kind == SensorKindSpec::Eoir,
                format!(
                    "sensor `{n}`: camera settings given on a {} sensor",
                    s.kind.name()
                ),
            );
            need(
                s.sensitivity_dbm.is_none() || s.kind == SensorKindSpec::Rf,
                format!("sensor `{n}`: sensitivity_dbm is for passive RF sensors"),
            );
        }
        need(
            !self.sensors.is_empty(),
            "a scenario needs at least one [[sensor]]".into(),
        );
        // Paths are stored point by point (two a second per target): bound the memory.
        let target_seconds: f64 = self
            .targets
            .iter()
            .map(|t| {
                let life = t
                    .lifetime_s
                    .unwrap_or(f64::INFINITY)
                    .min(self.duration_s - t.start_s)
                    .max(0.0);
                t.count as f64 * if life.is_finite() { life } else { 0.0 }
            })
            .sum();
        need(
            target_seconds <= MAX_TARGET_SECONDS,
            format!("{target_seconds:.0} target-seconds is more than the simulator holds ({MAX_TARGET_SECONDS:.0}, about 320 MB of paths); shorten duration_s, lifetime_s or count"),
        );
        p
    }
}
