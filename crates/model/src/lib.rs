//! The vocabulary every skyfence stage shares: detections as sensors report them,
//! sensors and where they stand, and tracks as the tracker reports them.
//!
//! These are plain data types with invariants documented on each field. They carry
//! units in their names and say which frame every position is in. Parsing and
//! validation of wire formats live in `formats`; estimation lives in `estimation`.
#![deny(missing_docs)]

use geodesy::Lla;

/// Index of a sensor in a [`SensorTable`]; cheap to copy and compare on the hot path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SensorIndex(pub u32);

/// The sensors whose detections updated a track, each with the time of its latest
/// such detection, most recent first; at most [`SeenBy::CAPACITY`], the longest
/// silent dropped. Fixed size, so a track report carries it without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SeenBy {
    entries: [(SensorIndex, f64); SeenBy::CAPACITY],
    len: u8,
}

impl SeenBy {
    /// Sensors remembered at most.
    pub const CAPACITY: usize = 6;

    /// Records a detection of `sensor` at `time_s`.
    pub fn record(&mut self, sensor: SensorIndex, time_s: f64) {
        let n = self.len as usize;
        let at = self.entries[..n]
            .iter()
            .position(|(s, _)| *s == sensor)
            .unwrap_or(n.min(Self::CAPACITY - 1));
        // Shift the newer ones down by one and put this one first.
        self.entries.copy_within(0..at, 1);
        self.entries[0] = (sensor, time_s);
        if at == n && n < Self::CAPACITY {
            self.len += 1;
        }
    }

    /// The sensors with their latest time, most recent first.
    pub fn iter(&self) -> impl Iterator<Item = (SensorIndex, f64)> + '_ {
        self.entries[..self.len as usize].iter().copied()
    }
}

/// What kind of sensor produced a detection. Decides how a scan's silence is read
/// (see [`SensorKind::reports_misses`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SensorKind {
    /// Active surveillance radar: plots of everything in coverage.
    Radar,
    /// Passive RF direction finder: bearings to emitters only.
    PassiveRf,
    /// Acoustic array: bearings to loud targets.
    Acoustic,
    /// Electro-optical / infrared camera: bearing and elevation.
    EoIr,
    /// ADS-B receiver: cooperative aircraft positions.
    Adsb,
    /// Drone Remote ID receiver: cooperative drone positions.
    RemoteId,
    /// A sensor the input did not describe; treated as a scanning position sensor.
    Other,
}

impl SensorKind {
    /// Parses the sensors file's `kind` string.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "radar" => Self::Radar,
            "rf" | "passive_rf" => Self::PassiveRf,
            "acoustic" => Self::Acoustic,
            "eoir" | "eo_ir" | "camera" => Self::EoIr,
            "adsb" | "ads-b" => Self::Adsb,
            "remoteid" | "remote_id" => Self::RemoteId,
            "other" => Self::Other,
            _ => return None,
        })
    }

    /// The name used in files.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Radar => "radar",
            Self::PassiveRf => "passive_rf",
            Self::Acoustic => "acoustic",
            Self::EoIr => "eoir",
            Self::Adsb => "adsb",
            Self::RemoteId => "remoteid",
            Self::Other => "other",
        }
    }

    /// Whether a scan from this sensor that does not contain a track is evidence
    /// against the track. True for sensors that see every target in coverage (radar,
    /// unknown scanning sensors); false for sensors that only see some targets
    /// (emitters, loud targets, cooperative transponders) or that look where cued.
    pub fn reports_misses(&self) -> bool {
        matches!(self, Self::Radar | Self::Other)
    }
}

/// A sensor's description: identity, kind, position and accuracy defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensor {
    /// Name as it appears in detections' `sensor` field.
    pub name: String,
    /// Kind.
    pub kind: SensorKind,
    /// Geodetic position; required for polar and bearing measurements.
    pub position: Option<Lla>,
    /// Default position standard deviation per axis, metres.
    pub sigma_m: Option<f64>,
    /// Default range standard deviation, metres.
    pub sigma_range_m: Option<f64>,
    /// Default azimuth standard deviation, radians.
    pub sigma_azimuth_rad: Option<f64>,
    /// Default elevation standard deviation, radians.
    pub sigma_elevation_rad: Option<f64>,
    /// Probability of detecting a target in coverage per scan, if known.
    pub pd: Option<f64>,
    /// Instrumented range, metres; beyond it a silent scan says nothing.
    pub max_range_m: Option<f64>,
    /// ASTERIX System Area Code and System Identification Code, for a radar whose
    /// plots arrive as ASTERIX.
    pub sac_sic: Option<(u8, u8)>,
}

impl Sensor {
    /// A sensor known only by name (no position, no defaults).
    pub fn unnamed_kind(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            kind: SensorKind::Other,
            position: None,
            sigma_m: None,
            sigma_range_m: None,
            sigma_azimuth_rad: None,
            sigma_elevation_rad: None,
            pd: None,
            max_range_m: None,
            sac_sic: None,
        }
    }
}

/// All sensors known to a run, addressed by [`SensorIndex`].
#[derive(Debug, Clone, Default)]
pub struct SensorTable {
    sensors: Vec<Sensor>,
    by_name: std::collections::HashMap<String, SensorIndex>,
    origin: Option<geodesy::Lla>,
}

impl SensorTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a sensor, or replaces the one of the same name; returns its index.
    pub fn insert(&mut self, sensor: Sensor) -> SensorIndex {
        if let Some(&i) = self.by_name.get(&sensor.name) {
            self.sensors[i.0 as usize] = sensor;
            return i;
        }
        let i = SensorIndex(self.sensors.len() as u32);
        self.by_name.insert(sensor.name.clone(), i);
        self.sensors.push(sensor);
        i
    }

    /// The site origin the sensors file names, if any: the local frame's origin for
    /// Cartesian detections and track output.
    pub fn origin(&self) -> Option<geodesy::Lla> {
        self.origin
    }

    /// Sets the site origin.
    pub fn set_origin(&mut self, origin: geodesy::Lla) {
        self.origin = Some(origin);
    }

    /// Looks a sensor up by name.
    pub fn find(&self, name: &str) -> Option<SensorIndex> {
        self.by_name.get(name).copied()
    }

    /// The sensor at an index.
    pub fn get(&self, i: SensorIndex) -> Option<&Sensor> {
        self.sensors.get(i.0 as usize)
    }

    /// Number of sensors.
    pub fn len(&self) -> usize {
        self.sensors.len()
    }

    /// True when no sensor is known.
    pub fn is_empty(&self) -> bool {
        self.sensors.is_empty()
    }

    /// All sensors with their indices.
    pub fn iter(&self) -> impl Iterator<Item = (SensorIndex, &Sensor)> {
        self.sensors
            .iter()
            .enumerate()
            .map(|(i, s)| (SensorIndex(i as u32), s))
    }
}

/// The measured quantity of a detection, in exactly one of the contract's forms.
///
/// All standard deviations are strictly positive and finite once a value of this
/// type exists (the parser enforces it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measurement {
    /// East/north(/up) metres in the site's local frame.
    Cartesian {
        /// East, metres.
        x_m: f64,
        /// North, metres.
        y_m: f64,
        /// Up, metres; `None` for a 2D measurement.
        z_m: Option<f64>,
        /// Standard deviation per axis, metres.
        sigma_m: f64,
    },
    /// A geodetic position.
    Geodetic {
        /// Latitude and longitude (height is ignored when `has_alt` is false).
        lla: Lla,
        /// Whether the height was measured.
        has_alt: bool,
        /// Standard deviation per axis, metres.
        sigma_m: f64,
    },
    /// Range and angles from the sensor's position, in the sensor's own ENU frame.
    Polar {
        /// Slant range, metres.
        range_m: f64,
        /// Azimuth clockwise from true north, radians.
        azimuth_rad: f64,
        /// Elevation above the sensor's horizontal plane, radians.
        elevation_rad: Option<f64>,
        /// Range standard deviation, metres.
        sigma_range_m: f64,
        /// Azimuth standard deviation, radians.
        sigma_azimuth_rad: f64,
        /// Elevation standard deviation, radians (present with elevation).
        sigma_elevation_rad: Option<f64>,
    },
    /// Angles only from the sensor's position (passive RF, acoustic, EO/IR).
    Bearing {
        /// Azimuth clockwise from true north, radians.
        azimuth_rad: f64,
        /// Elevation, radians.
        elevation_rad: Option<f64>,
        /// Azimuth standard deviation, radians.
        sigma_azimuth_rad: f64,
        /// Elevation standard deviation, radians (present with elevation).
        sigma_elevation_rad: Option<f64>,
    },
}

impl Measurement {
    /// Whether this measurement needs the sensor's position to be interpreted.
    pub fn needs_sensor_position(&self) -> bool {
        matches!(self, Self::Polar { .. } | Self::Bearing { .. })
    }
}

/// Optional attributes the later stages (classification, identity) use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attributes {
    /// Cooperative identity (ICAO address, Remote ID serial).
    pub id: Option<String>,
    /// The sensor's own class hint.
    pub class_hint: Option<String>,
    /// Radar cross-section, dBsm.
    pub rcs_dbsm: Option<f64>,
    /// Radial velocity, metres per second, positive away from the sensor.
    pub radial_velocity_mps: Option<f64>,
    /// Signal-to-noise ratio, dB.
    pub snr_db: Option<f64>,
    /// ADS-B: the flight's callsign.
    pub callsign: Option<String>,
    /// Remote ID: the operator's reported position (latitude, longitude), degrees.
    pub operator_deg: Option<[f64; 2]>,
}

/// One detection: a sensor's report of one object at one time.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Time, seconds on the input's single time base.
    pub time_s: f64,
    /// Which sensor.
    pub sensor: SensorIndex,
    /// What it measured.
    pub measurement: Measurement,
    /// Optional attributes; boxed so the common case stays small.
    pub attributes: Option<Box<Attributes>>,
}

/// Life-cycle state of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackStatus {
    /// Not yet believed; never reported as a confirmed track.
    Tentative,
    /// Believed, and updated at its last opportunity.
    Confirmed,
    /// Believed, but missed at its last opportunity(ies); still reported.
    Coasting,
    /// Ended.
    Deleted,
}

impl TrackStatus {
    /// The name used in files.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Tentative => "tentative",
            Self::Confirmed => "confirmed",
            Self::Coasting => "coasting",
            Self::Deleted => "deleted",
        }
    }
}

/// A track's state as reported at one time, in the site's local ENU frame.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackReport {
    /// Report time, seconds.
    pub time_s: f64,
    /// Track identifier, stable for the track's life.
    pub track: u64,
    /// Status.
    pub status: TrackStatus,
    /// East, north, up position, metres.
    pub position_m: [f64; 3],
    /// East, north, up velocity, metres per second.
    pub velocity_mps: [f64; 3],
    /// Position covariance, upper triangle row by row: xx, xy, xz, yy, yz, zz (m^2).
    pub position_cov_m2: [f64; 6],
    /// Covariance of the horizontal state `[x, y, vx, vy]` (m², m²/s, m²/s²): what a
    /// prediction of where the track will be needs (the alert rules' crossing
    /// probability).
    pub horizontal_cov: [[f64; 4]; 4],
    /// Geodetic position, when the run has an origin.
    pub lla: Option<Lla>,
    /// Probability that the track is a real object (integrated-PDA existence).
    pub existence: f64,
    /// Number of detections that updated the track.
    pub updates: u32,
    /// Time of the last update, seconds.
    pub last_update_s: f64,
    /// What the track is and why (see [`Classification`]).
    pub classification: Classification,
    /// Who vouches for the track, if a cooperative report does.
    pub identity: Option<Identity>,
    /// Warnings about the track's identity.
    pub flags: TrackFlags,
    /// The sensors that contributed to it lately.
    pub seen_by: SeenBy,
}

/// What an object in the air is. The names are the same in every output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// Multirotor drone (quadcopter, FPV).
    DroneRotary,
    /// Fixed-wing drone (Shahed-class one-way attack drones and their decoys).
    DroneFixedWing,
    /// Bird or flock.
    Bird,
    /// Manned aircraft.
    Aircraft,
    /// Balloon (meteorological, smuggling).
    Balloon,
    /// Clutter, or not yet known.
    Unknown,
}

impl Class {
    /// Number of classes.
    pub const COUNT: usize = 6;
    /// Every class, in index order.
    pub const ALL: [Class; Class::COUNT] = [
        Class::DroneRotary,
        Class::DroneFixedWing,
        Class::Bird,
        Class::Aircraft,
        Class::Balloon,
        Class::Unknown,
    ];

    /// The name used in files.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::DroneRotary => "drone_rotary",
            Self::DroneFixedWing => "drone_fixed_wing",
            Self::Bird => "bird",
            Self::Aircraft => "aircraft",
            Self::Balloon => "balloon",
            Self::Unknown => "unknown",
        }
    }

    /// Parses a file name of a class.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Position in [`Class::ALL`] and in probability arrays.
    pub fn index(&self) -> usize {
        *self as usize
    }

    /// Either kind of drone.
    pub fn is_drone(&self) -> bool {
        matches!(self, Self::DroneRotary | Self::DroneFixedWing)
    }
}

/// A piece of evidence the classifier weighs; its name says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Evidence {
    /// Horizontal speed through the air (ground speed less the wind, when known).
    Speed,
    /// Height above the site.
    Altitude,
    /// Climb or descent rate.
    ClimbRate,
    /// Sustained turning (circling).
    Turning,
    /// How straight the path is over the last two minutes.
    Straightness,
    /// Hovering or stop-and-go.
    Hovering,
    /// Flying with others at the same velocity (a flock), or alone.
    Flocking,
    /// Mean radar cross-section.
    Rcs,
    /// Class hints from sensors (micro-Doppler radars, cameras, RF classifiers).
    SensorHint,
    /// Seen by a passive RF sensor: a radio link.
    RfEmission,
    /// Heard by an acoustic sensor.
    Sound,
    /// ADS-B reports (a transponder).
    Adsb,
    /// Remote ID broadcasts.
    RemoteId,
}

impl Evidence {
    /// Number of kinds of evidence.
    pub const COUNT: usize = 13;
    /// Every kind, in index order.
    pub const ALL: [Evidence; Evidence::COUNT] = [
        Evidence::Speed,
        Evidence::Altitude,
        Evidence::ClimbRate,
        Evidence::Turning,
        Evidence::Straightness,
        Evidence::Hovering,
        Evidence::Flocking,
        Evidence::Rcs,
        Evidence::SensorHint,
        Evidence::RfEmission,
        Evidence::Sound,
        Evidence::Adsb,
        Evidence::RemoteId,
    ];

    /// The name used in files.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Speed => "speed",
            Self::Altitude => "altitude",
            Self::ClimbRate => "climb_rate",
            Self::Turning => "turning",
            Self::Straightness => "straightness",
            Self::Hovering => "hovering",
            Self::Flocking => "flocking",
            Self::Rcs => "rcs",
            Self::SensorHint => "sensor_hint",
            Self::RfEmission => "rf_emission",
            Self::Sound => "sound",
            Self::Adsb => "adsb",
            Self::RemoteId => "remote_id",
        }
    }

    /// Parses a file name of a kind of evidence.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A track's class: probabilities over [`Class::ALL`], the decision, and the evidence
/// that moved it most.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Classification {
    /// The most probable class when its probability reaches the decision threshold,
    /// else [`Class::Unknown`].
    pub class: Class,
    /// Probability of each class, indexed by [`Class::index`]; sums to one.
    pub probabilities: [f64; Class::COUNT],
    /// Up to three pieces of evidence that most favour `class` over the runner-up,
    /// each with its weight: the log-likelihood ratio it contributes, in nats.
    pub evidence: [Option<(Evidence, f64)>; 3],
}

impl Default for Classification {
    fn default() -> Self {
        let mut probabilities = [0.0; Class::COUNT];
        probabilities[Class::Unknown.index()] = 1.0;
        Self {
            class: Class::Unknown,
            probabilities,
            evidence: [None; 3],
        }
    }
}

/// Which cooperative system an identity comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentitySource {
    /// ADS-B (Mode S extended squitter): the ICAO 24-bit address.
    Adsb,
    /// Drone Remote ID (ASTM F3411 / EN 4709-002): the UAS serial number.
    RemoteId,
}

impl IdentitySource {
    /// The name used in files.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Adsb => "adsb",
            Self::RemoteId => "remote_id",
        }
    }

    /// Parses a file name of a source.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "adsb" => Some(Self::Adsb),
            "remote_id" => Some(Self::RemoteId),
            _ => None,
        }
    }
}

/// A cooperative identity attached to a track.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// ICAO address or Remote ID serial, as reported.
    pub id: String,
    /// Where it comes from.
    pub source: IdentitySource,
    /// ADS-B callsign, when reported.
    pub callsign: Option<String>,
    /// Remote ID operator position (latitude, longitude), degrees, when reported.
    pub operator_deg: Option<[f64; 2]>,
}

/// Warnings about a track's identity, as a set of bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TrackFlags(pub u8);

impl TrackFlags {
    /// A cooperative report that independent sensors covering its position do not see,
    /// or that disagrees with the independent track carrying the same identity.
    pub const POSSIBLY_SPOOFED: TrackFlags = TrackFlags(1);
    /// A manned aircraft with no cooperative report.
    pub const NON_COOPERATIVE: TrackFlags = TrackFlags(2);
    /// The same cooperative identity is on another live track too.
    pub const IDENTITY_CONFLICT: TrackFlags = TrackFlags(4);
    /// The track had a cooperative identity and its reports stopped.
    pub const COOPERATIVE_LOST: TrackFlags = TrackFlags(8);
    /// Only cooperative reports, and no independent sensor covers the position.
    pub const COOPERATIVE_ONLY: TrackFlags = TrackFlags(16);

    const NAMES: [(TrackFlags, &'static str); 5] = [
        (Self::POSSIBLY_SPOOFED, "possibly_spoofed"),
        (Self::NON_COOPERATIVE, "non_cooperative"),
        (Self::IDENTITY_CONFLICT, "identity_conflict"),
        (Self::COOPERATIVE_LOST, "cooperative_lost"),
        (Self::COOPERATIVE_ONLY, "cooperative_only"),
    ];

    /// No flag set.
    pub const NONE: TrackFlags = TrackFlags(0);

    /// Whether every flag of `other` is set.
    pub fn contains(&self, other: TrackFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Sets the flags of `other`.
    pub fn insert(&mut self, other: TrackFlags) {
        self.0 |= other.0;
    }

    /// Whether no flag is set.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The names of the set flags, in a fixed order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        Self::NAMES
            .iter()
            .filter(|(f, _)| self.contains(*f))
            .map(|(_, n)| *n)
    }

    /// Parses one flag's name.
    pub fn parse(s: &str) -> Option<TrackFlags> {
        Self::NAMES.iter().find(|(_, n)| *n == s).map(|(f, _)| *f)
    }
}

/// What an alert is about. The names are the same in every output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertKind {
    /// A track on their side whose path will cross into ours within the horizon.
    BorderCrossingPredicted,
    /// A track crossed into our side.
    BorderCrossed,
    /// A track entered a protected area.
    ProtectedEntry,
    /// A manned aircraft without a cooperative identity crossed, or is about to cross,
    /// into our side.
    AirspaceViolation,
    /// Several drone tracks close together moving the same way.
    Swarm,
    /// A track has stayed near a protected area.
    Loitering,
    /// A cooperative report no independent sensor confirms.
    PossiblySpoofed,
    /// A sensor fell silent or its detection rate changed sharply: a gap in coverage.
    SensorHealth,
}

impl AlertKind {
    /// The name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::BorderCrossingPredicted => "border_crossing_predicted",
            AlertKind::BorderCrossed => "border_crossed",
            AlertKind::ProtectedEntry => "protected_entry",
            AlertKind::AirspaceViolation => "airspace_violation",
            AlertKind::Swarm => "swarm",
            AlertKind::Loitering => "loitering",
            AlertKind::PossiblySpoofed => "possibly_spoofed",
            AlertKind::SensorHealth => "sensor_health",
        }
    }
}

/// Where an alert is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertState {
    /// Just raised.
    New,
    /// Raised earlier and changed since (more tracks, higher priority).
    Updated,
    /// An operator has seen it.
    Acknowledged,
    /// Its cause has been gone long enough.
    Closed,
}

impl AlertState {
    /// The name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::New => "new",
            AlertState::Updated => "updated",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Closed => "closed",
        }
    }
}

/// One alert as it is now: what changed it is reported with this.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertReport {
    /// Time of this report, seconds.
    pub time_s: f64,
    /// Alert identifier, stable for the alert's life.
    pub alert: u64,
    /// What it is about.
    pub kind: AlertKind,
    /// Where it is in its life.
    pub state: AlertState,
    /// 1 (act now) to 4 (for information).
    pub priority: u8,
    /// Every track it has concerned, ascending.
    pub tracks: Vec<u64>,
    /// The area it concerns, by name, if any.
    pub area: Option<String>,
    /// The sensor it concerns, by name, if any (health alerts).
    pub sensor: Option<String>,
    /// Where, east/north/up metres in the site frame.
    pub position_m: [f64; 3],
    /// Where, geodetic, when the run has an origin.
    pub lla: Option<Lla>,
    /// Why it fired, for a person.
    pub reason: String,
    /// Who acknowledged it and when (data time, seconds), once someone has.
    pub acknowledged: Option<(String, f64)>,
}
