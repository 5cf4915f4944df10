use crate::{
    chi2,
    config::{AssociationMethod, MotionKind, TrackerConfig},
    existence,
    initiation::{cross_bearings, two_point, BearingSeed, Seed, TwoPoint},
    seeds::{SeedPoint, SeedStore},
    track::{Brief, ReachBox, Track},
    TrackerError,
};
use association::{Associator, Gated, Method, SpatialGrid};
use classify::{ClassState, CooperativeReport, IdentityState, MotionSample};
use estimation::{
    Gaussian, ImmConfig, ImmState, MeasurementModel, NearlyConstantVelocity, SensorGeometry,
};
use geodesy::{Lla, LocalFrame};
use model::{
    Attributes, Detection, IdentitySource, Measurement, SensorIndex, SensorKind, SensorTable,
    TrackFlags, TrackReport, TrackStatus,
};
use nalgebra::Vector3;
use std::{
    cmp::Ordering,
    collections::{BinaryHeap, VecDeque},
};

/// Why a detection was not used. Rejections are counted in [`TrackerStats`]; nothing
/// already accepted is affected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The detection came after its time was processed: it is no later than the last
    /// time processed (which a detection at the same time also misses).
    #[error("detection at {time_s} s came after time {processed_s} s was processed, too late to use; a reorder window longer than {window_s} s would wait for it")]
    TooOld {
        /// Its time.
        time_s: f64,
        /// Time already reported.
        processed_s: f64,
        /// The configured window.
        window_s: f64,
    },
    /// A polar or bearing measurement from a sensor whose position is unknown.
    #[error("sensor has no position; polar and bearing measurements need one in the sensors file")]
    NoSensorPosition,
    /// A time or value that is not a finite number.
    #[error("{0} is not a finite number")]
    NotFinite(&'static str),
}

/// Counters for a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrackerStats {
    /// Detections accepted into the reorder buffer.
    pub accepted: u64,
    /// Detections rejected as too old.
    pub rejected_too_old: u64,
    /// Detections rejected for other reasons.
    pub rejected_other: u64,
    /// Detections that updated a track (GNN) or contributed with probability > 0.5 (JPDA).
    pub associated: u64,
    /// Tracks confirmed so far.
    pub tracks_confirmed: u64,
    /// Confirmed tracks deleted so far.
    pub tracks_deleted: u64,
    /// Tentative tracks started so far.
    pub tracks_started: u64,
    /// Batches (one sensor, one time) processed.
    pub batches: u64,
    /// Filter updates that failed numerically and were skipped.
    pub numeric_failures: u64,
}

#[derive(Debug, Clone)]
struct Pending {
    time_s: f64,
    seq: u64,
    det: Detection,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    // Reversed so the BinaryHeap pops the earliest (time, arrival) first.
    fn cmp(&self, o: &Self) -> Ordering {
        o.time_s
            .total_cmp(&self.time_s)
            .then_with(|| o.seq.cmp(&self.seq))
    }
}

#[derive(Debug, Clone, Copy)]
struct SensorContext {
    kind: SensorKind,
    position: Option<Lla>,
    geometry: Option<SensorGeometry>,
    pd: f64,
    max_range_m: Option<f64>,
}

/// The tracker. See the crate documentation.
#[derive(Debug, Clone)]
pub struct Tracker {
    cfg: TrackerConfig,
    imm: ImmConfig,
    frame: Option<LocalFrame>,
    sensors: Vec<SensorContext>,
    /// Boxed: deleting from the middle shifts pointers, not kilobyte-sized tracks.
    #[allow(clippy::vec_box)]
    tracks: Vec<Box<Track>>,
    /// Boxes of deleted tracks, for new ones: a clutter field starts and deletes
    /// thousands of tracks a scan, and a fresh kilobyte-sized allocation took the
    /// allocator's slow path and memory long out of the cache.
    #[allow(clippy::vec_box)]
    spare_tracks: Vec<Box<Track>>,
    /// One per track, same order.
    briefs: Vec<Brief>,
    /// Each brief's [`ReachBox`], same order ([`ReachBox::GONE`] for a deleted track).
    reach: Vec<ReachBox>,
    /// Whether each track is reported (confirmed or coasting), same order: a byte a
    /// track, so each moment's report reads a few kilobytes, not every brief.
    reportable: Vec<bool>,
    /// Deleted tracks still in `tracks` (their briefs say `Deleted`), removed together
    /// once they are many: removing each batch's few in place and in order moved every
    /// track after them, and with a hundred radars' batches a second that was the
    /// largest memory traffic of a sector's tracking.
    deleted_held: usize,
    /// Whether deleted tracks are held at all (a test turns it off, to show that
    /// holding them changes no output).
    hold_deleted: bool,
    /// Tracks from this index on were started after the last management pass.
    fresh_from: usize,
    seeds: SeedStore,
    bearing_seeds: Vec<BearingSeed>,
    /// Detections that arrived in time order (the common case): a FIFO, cheap to push.
    in_order: VecDeque<Pending>,
    /// Detections that arrived out of order, earliest first.
    pending: BinaryHeap<Pending>,
    seq: u64,
    newest_s: f64,
    processed_s: Option<f64>,
    next_id: u64,
    stats: TrackerStats,
    gate: [f64; 4],
    q_max_h: f64,
    associator: Associator,
    grid: SpatialGrid,
    /// Per-batch buffers kept between batches: a scan's items and predictions run to
    /// tens of megabytes, and fresh pages cost more than the work done in them.
    /// Kept empty between batches (a batch's items borrow its sensor's geometry).
    items_buf: Vec<BatchItem<'static>>,
    /// A slot per visited track, valid where `Scratch::predicted` says so: the slots are
    /// kilobyte-sized, and marking each empty touched every one of them.
    predicted_buf: Vec<ImmState>,
    scratch: Scratch,
    batch_buf: Vec<Pending>,
    /// Per sensor, the mean gate radius of its last batch: the next batch's grid cell.
    /// (Known only once every track's gate is worked out, which is done in the same
    /// pass as the gating itself, so that each track is read from memory once.)
    gate_cell_m: Vec<f64>,
    company_grid: SpatialGrid,
    last_company_s: Option<f64>,
    reports: Vec<TrackReport>,
}

/// Buffers one batch fills and the next reuses: at scale each is megabytes, and growing
/// them afresh every scan (copying as they double) cost a tenth of the scan.
#[derive(Debug, Clone, Default)]
struct Scratch {
    /// Indices of the tracks this batch visits, ascending.
    active: Vec<u32>,
    /// Tracks it does not visit that have aged out.
    stale: Vec<u32>,
    gated: Vec<Gated>,
    lrs: Vec<f64>,
    bearings: Vec<usize>,
    lr_sum: Vec<f64>,
    /// Whether each visited track's prediction slot holds its prediction.
    predicted: Vec<bool>,
    gated_start: Vec<u32>,
    free: Vec<usize>,
    initiation: InitiationScratch,
}

/// The buffers of [`Tracker::initiate`].
#[derive(Debug, Clone, Default)]
struct InitiationScratch {
    plots: Vec<FreePlot>,
    /// Indices into `plots`, in the seed store's chunk order.
    order: Vec<u32>,
    queries: Vec<Query>,
    /// Every plot's candidate seeds, one run each, newest first.
    near: Vec<SeedPoint>,
    /// Each plot's run in `near`.
    ranges: Vec<(u32, u32)>,
}

/// A position detection no track claimed: a second point for a seed, or a new seed.
/// Only what the queries and the pairing read of it in bulk: its covariance is worked
/// out again from its item when it pairs or becomes a seed (a plot of a large scan
/// costs a cache miss per line it takes).
#[derive(Debug, Clone)]
struct FreePlot {
    /// Its index in the batch.
    item: u32,
    has_height: bool,
    position_m: Vector3<f64>,
    sigma_m: f64,
    coop_id: u64,
}

/// How long after a brief's time its [`ReachBox`] holds: a radar's next scan.
const REACH_HORIZON_S: f64 = 2.0;

/// What the compact arrays beside the briefs hold for a brief: its [`ReachBox`] over
/// [`REACH_HORIZON_S`], ending a millisecond before the track can go stale (so a track
/// the box passes over is not stale either), or [`ReachBox::GONE`] once deleted; and
/// whether it is reported.
fn derived(b: &Brief, gate_h: f64, q_max_h: f64, max_coast_s: f64) -> (ReachBox, bool) {
    let reach = if b.status == TrackStatus::Deleted {
        ReachBox::GONE
    } else {
        b.reach_box(
            REACH_HORIZON_S,
            gate_h,
            q_max_h,
            b.last_update_s + max_coast_s - 1e-3,
        )
    };
    let reported = matches!(b.status, TrackStatus::Confirmed | TrackStatus::Coasting);
    (reach, reported)
}

/// Boxes of deleted tracks kept for new ones at most (a few scans of clutter's).
const MAX_SPARE_TRACKS: usize = 8_192;

/// The shortest time between two plots that start a track. The differenced velocity's
/// covariance scales as 1/dt^2 against the position's, so its condition number is
/// about 4/dt^2 (dt in seconds): plots a picosecond apart (two sensors stamping one
/// object) made it 10^24, and rounding in the first prediction left the covariance
/// with negative eigenvalues and the track with negative variances. At 10 ms it is
/// 4e4, and a velocity from so short a baseline is worth nothing anyway: such a plot
/// waits as a seed for a later one.
const MIN_PAIR_DT_S: f64 = 0.01;

/// What a free plot's query for seeds reads.
#[derive(Debug, Clone, Copy)]
struct Query {
    plot: u32,
    x_m: f64,
    y_m: f64,
    sigma_m: f64,
    coop_id: u64,
}

/// How far from a seed `dt_s` old a plot of horizontal spread `sigma_m` may lie and
/// still pair with it: a target's reach at `vmax_mps`, or at `coop_vmax_mps` when the
/// plot and the seed carry one cooperative id (one object, which may be an aircraft),
/// plus three standard deviations of the two points' difference.
fn pair_reach_m(
    vmax_mps: f64,
    coop_vmax_mps: f64,
    coop_ids: (u64, u64),
    dt_s: f64,
    sigma_m: f64,
) -> f64 {
    let v = if coop_ids.0 != 0 && coop_ids.0 == coop_ids.1 {
        coop_vmax_mps
    } else {
        vmax_mps
    };
    v * dt_s + 3.0 * std::f64::consts::SQRT_2 * sigma_m
}

/// Everything known about one detection in a batch.
#[derive(Debug, Clone)]
struct BatchItem<'g> {
    model: MeasurementModel<'g>,
    position: Option<Vector3<f64>>,
    lambda: f64,
    /// Index of the detection in the batch (for its attributes).
    det: u32,
    /// Its cooperative id's hash (0 for none), taken while the detection is at hand:
    /// initiation would otherwise read every free plot's detection again.
    coop_id: u64,
}

/// A batch's emptied items as a buffer for the next batch: collecting an empty vector
/// into one of the same layout reuses its allocation. (A `filter` could not change the
/// item type's lifetime.)
#[allow(clippy::unnecessary_filter_map)]
fn release(mut items: Vec<BatchItem<'_>>) -> Vec<BatchItem<'static>> {
    items.clear();
    items.into_iter().filter_map(|_| None).collect()
}

/// The claim a cooperative sensor's detection makes, if it names an identity.
fn claim_of(kind: SensorKind, a: Option<&Attributes>) -> Option<CooperativeReport<'_>> {
    let source = match kind {
        SensorKind::Adsb => IdentitySource::Adsb,
        SensorKind::RemoteId => IdentitySource::RemoteId,
        _ => return None,
    };
    let a = a?;
    Some(CooperativeReport {
        source,
        id: a.id.as_deref()?,
        callsign: a.callsign.as_deref(),
        operator_deg: a.operator_deg,
    })
}

/// How much a matching cooperative address favours a report's own track in
/// association (and a different one disfavours it): a likelihood ratio of 100, so an
/// address outweighs a few sigmas of position but not a report far outside the gate.
const IDENTITY_MATCH_NATS: f64 = 4.6;

/// Effective Earth radius for radio propagation (4/3 Earth), metres.
const RADIO_EARTH_RADIUS_M: f64 = 4.0 / 3.0 * 6_371_000.0;

impl Tracker {
    /// A tracker with the given configuration, optional site origin and sensors.
    ///
    /// Without an origin, the first geodetic detection or positioned sensor sets it.
    pub fn new(
        cfg: TrackerConfig,
        origin: Option<Lla>,
        sensors: &SensorTable,
    ) -> Result<Self, TrackerError> {
        let problems = cfg.problems();
        if !problems.is_empty() {
            return Err(TrackerError::Config(problems));
        }
        let quiet = NearlyConstantVelocity {
            q_horizontal_m2ps3: cfg.motion.q_horizontal_m2ps3,
            q_vertical_m2ps3: cfg.motion.q_vertical_m2ps3,
        };
        let imm = match cfg.motion.model {
            MotionKind::Cv => ImmConfig::single(quiet),
            MotionKind::Imm => ImmConfig {
                models: [
                    quiet,
                    NearlyConstantVelocity {
                        q_horizontal_m2ps3: cfg.motion.manoeuvre_q_horizontal_m2ps3,
                        q_vertical_m2ps3: cfg.motion.manoeuvre_q_vertical_m2ps3,
                    },
                ],
                mean_sojourn_s: [cfg.motion.quiet_sojourn_s, cfg.motion.manoeuvre_sojourn_s],
                n_modes: 2,
                initial_probs: [0.8, 0.2],
            },
        };
        let q_max_h = match cfg.motion.model {
            MotionKind::Cv => cfg.motion.q_horizontal_m2ps3,
            MotionKind::Imm => cfg
                .motion
                .q_horizontal_m2ps3
                .max(cfg.motion.manoeuvre_q_horizontal_m2ps3),
        };
        let gp = cfg.association.gate_probability;
        let gate = [
            0.0,
            chi2::quantile(1, gp),
            chi2::quantile(2, gp),
            chi2::quantile(3, gp),
        ];
        let mut t = Self {
            imm,
            frame: origin.map(LocalFrame::new),
            sensors: Vec::new(),
            tracks: Vec::new(),
            spare_tracks: Vec::new(),
            briefs: Vec::new(),
            reach: Vec::new(),
            reportable: Vec::new(),
            deleted_held: 0,
            hold_deleted: true,
            fresh_from: 0,
            // Cells at most four times the farthest a new target can go in the pairing
            // window: a query's disc (that reach plus the plots' spread) then spans one
            // or two cells a side, and where plots are sparse a cell's chain is short.
            // (Twice as far was no faster on the scale benchmark.) Where they are dense
            // the store makes its cells smaller.
            seeds: SeedStore::new(4.0 * cfg.initiation.max_speed_mps * cfg.initiation.window_s),
            bearing_seeds: Vec::new(),
            in_order: VecDeque::new(),
            pending: BinaryHeap::new(),
            seq: 0,
            newest_s: f64::NEG_INFINITY,
            processed_s: None,
            next_id: 1,
            stats: TrackerStats::default(),
            gate,
            q_max_h,
            associator: Associator::new(),
            grid: SpatialGrid::new(),
            items_buf: Vec::new(),
            predicted_buf: Vec::new(),
            scratch: Scratch::default(),
            batch_buf: Vec::new(),
            gate_cell_m: Vec::new(),
            company_grid: SpatialGrid::new(),
            last_company_s: None,
            reports: Vec::new(),
            cfg,
        };
        for (_, s) in sensors.iter() {
            t.add_sensor(s);
        }
        if t.frame.is_none() {
            if let Some(p) = t.sensors.iter().find_map(|s| s.position) {
                t.set_origin(p);
            }
        }
        Ok(t)
    }

    /// Registers the next sensor (sensors are indexed in the order added, matching the
    /// [`SensorTable`] the detections were parsed with).
    pub fn add_sensor(&mut self, s: &model::Sensor) {
        self.sensors.push(SensorContext {
            kind: s.kind,
            position: s.position,
            geometry: None,
            pd: s.pd.unwrap_or(self.cfg.management.pd),
            max_range_m: s.max_range_m,
        });
        self.refresh_geometry();
    }

    fn set_origin(&mut self, origin: Lla) {
        self.frame = Some(LocalFrame::new(origin));
        self.refresh_geometry();
    }

    fn refresh_geometry(&mut self) {
        if let Some(frame) = self.frame {
            for s in &mut self.sensors {
                if let Some(p) = s.position {
                    s.geometry = Some(SensorGeometry::new(
                        LocalFrame::new(p).transform_from(&frame),
                    ));
                }
            }
        }
    }

    /// Number of sensors registered.
    pub fn sensor_count(&self) -> usize {
        self.sensors.len()
    }

    /// The site frame, once known.
    pub fn frame(&self) -> Option<&LocalFrame> {
        self.frame.as_ref()
    }

    /// Counters so far.
    pub fn stats(&self) -> &TrackerStats {
        &self.stats
    }

    /// Number of tracks held (tentative and confirmed).
    pub fn live_tracks(&self) -> usize {
        self.tracks.len() - self.deleted_held
    }

    fn sensor(&self, i: SensorIndex) -> SensorContext {
        self.sensors
            .get(i.0 as usize)
            .copied()
            .unwrap_or(SensorContext {
                kind: SensorKind::Other,
                position: None,
                geometry: None,
                pd: self.cfg.management.pd,
                max_range_m: None,
            })
    }

    /// Pushes one detection. Every time the input moves past a time, `emit` receives
    /// that time and the confirmed tracks at it.
    pub fn push(
        &mut self,
        det: Detection,
        emit: &mut dyn FnMut(f64, &[TrackReport]),
    ) -> Result<(), Rejection> {
        if !det.time_s.is_finite() {
            self.stats.rejected_other += 1;
            return Err(Rejection::NotFinite("time_s"));
        }
        if let Some(p) = self.processed_s {
            if det.time_s <= p {
                self.stats.rejected_too_old += 1;
                return Err(Rejection::TooOld {
                    time_s: det.time_s,
                    processed_s: p,
                    window_s: self.cfg.timing.reorder_window_s,
                });
            }
        }
        let ctx = self.sensor(det.sensor);
        match det.measurement {
            Measurement::Polar { .. } | Measurement::Bearing { .. } => {
                let Some(pos) = ctx.position else {
                    self.stats.rejected_other += 1;
                    return Err(Rejection::NoSensorPosition);
                };
                if self.frame.is_none() {
                    self.set_origin(pos);
                }
            }
            Measurement::Geodetic { lla, .. } => {
                if self.frame.is_none() {
                    self.set_origin(Lla { alt_m: 0.0, ..lla });
                }
            }
            Measurement::Cartesian { .. } => {}
        }
        self.stats.accepted += 1;
        self.newest_s = self.newest_s.max(det.time_s);
        self.seq += 1;
        let p = Pending {
            time_s: det.time_s,
            seq: self.seq,
            det,
        };
        match self.in_order.back() {
            Some(b) if p.time_s < b.time_s => self.pending.push(p),
            _ => self.in_order.push_back(p),
        }
        let ready_before = self.newest_s - self.cfg.timing.reorder_window_s;
        self.drain(|t| t < ready_before, emit);
        Ok(())
    }

    /// Tells the tracker that time has reached `now_s` with no newer detection: what
    /// is older than the reorder window before it is processed. A live service calls
    /// this on a clock tick, so a quiet input still yields its last moments promptly;
    /// a later detection older than what this processed is rejected as too old, as it
    /// would be after a newer detection.
    pub fn advance(&mut self, now_s: f64, emit: &mut dyn FnMut(f64, &[TrackReport])) {
        if !now_s.is_finite() || now_s <= self.newest_s {
            return;
        }
        self.newest_s = now_s;
        let ready_before = now_s - self.cfg.timing.reorder_window_s;
        self.drain(|t| t < ready_before, emit);
    }

    /// Processes everything still buffered (end of input).
    pub fn finish(&mut self, emit: &mut dyn FnMut(f64, &[TrackReport])) {
        self.drain(|_| true, emit);
    }

    fn drain(&mut self, ready: impl Fn(f64) -> bool, emit: &mut dyn FnMut(f64, &[TrackReport])) {
        let mut batch = std::mem::take(&mut self.batch_buf);
        loop {
            let t = match self.peek_time() {
                Some(t) if ready(t) => t,
                _ => break,
            };
            let same_time = |p: &Pending| p.time_s.total_cmp(&t) == Ordering::Equal;
            // Usually every detection of this time is at the front of the in-order
            // queue and from one sensor: it is processed where it lies, since copying
            // a scan of 100,000 detections out first cost a cache miss for each.
            let first = self.in_order.front().map(|p| p.det.sensor);
            let (mut n, mut one_sensor) = (0, true);
            for p in self.in_order.iter().take_while(|p| same_time(p)) {
                one_sensor &= Some(p.det.sensor) == first;
                n += 1;
            }
            if one_sensor && n > 0 && !self.pending.peek().is_some_and(same_time) {
                let mut queue = std::mem::take(&mut self.in_order);
                let run = &queue.make_contiguous()[..n];
                if let Some(first) = run.first() {
                    self.process_batch(t, first.det.sensor, run);
                }
                queue.drain(..n);
                self.in_order = queue;
            } else {
                batch.clear();
                while self
                    .peek_time()
                    .is_some_and(|p| p.total_cmp(&t) == Ordering::Equal)
                {
                    if let Some(p) = self.pop_earliest() {
                        batch.push(p);
                    }
                }
                // One batch per sensor, sensors in order of first arrival:
                // deterministic. A stable sort by that order makes each sensor's
                // detections one slice.
                if batch.iter().any(|d| d.det.sensor != batch[0].det.sensor) {
                    let mut order: Vec<SensorIndex> = Vec::new();
                    for d in &batch {
                        if !order.contains(&d.det.sensor) {
                            order.push(d.det.sensor);
                        }
                    }
                    batch.sort_by_key(|d| order.iter().position(|&s| s == d.det.sensor));
                }
                let mut start = 0;
                while start < batch.len() {
                    let s = batch[start].det.sensor;
                    let end = start
                        + batch[start..]
                            .iter()
                            .position(|d| d.det.sensor != s)
                            .unwrap_or(batch.len() - start);
                    self.process_batch(t, s, &batch[start..end]);
                    start = end;
                }
            }
            self.processed_s = Some(t);
            self.observe_company(t);
            self.fill_reports(t);
            emit(t, &self.reports);
        }
        batch.clear();
        self.batch_buf = batch;
    }

    fn peek_time(&self) -> Option<f64> {
        match (self.in_order.front(), self.pending.peek()) {
            (Some(a), Some(b)) => Some(if b > a { b.time_s } else { a.time_s }),
            (Some(a), None) => Some(a.time_s),
            (None, Some(b)) => Some(b.time_s),
            (None, None) => None,
        }
    }

    /// The earliest buffered detection by (time, arrival); `Pending`'s order is
    /// reversed for the heap, so "greater" means earlier.
    fn pop_earliest(&mut self) -> Option<Pending> {
        match (self.in_order.front(), self.pending.peek()) {
            (Some(a), Some(b)) if b > a => self.pending.pop(),
            (Some(_), _) => self.in_order.pop_front(),
            (None, _) => self.pending.pop(),
        }
    }

    fn to_model<'c>(
        &self,
        ctx: &'c SensorContext,
        m: &Measurement,
    ) -> Option<MeasurementModel<'c>> {
        Some(match *m {
            Measurement::Cartesian {
                x_m,
                y_m,
                z_m,
                sigma_m,
            } => match z_m {
                Some(z) => MeasurementModel::Position3 {
                    z_m: [x_m, y_m, z],
                    sigma_m,
                },
                None => MeasurementModel::Position2 {
                    z_m: [x_m, y_m],
                    sigma_m,
                },
            },
            Measurement::Geodetic {
                lla,
                has_alt,
                sigma_m,
            } => {
                let frame = self.frame?;
                let p = frame
                    .lla_to_enu(if has_alt {
                        lla
                    } else {
                        Lla { alt_m: 0.0, ..lla }
                    })
                    .0;
                if has_alt {
                    MeasurementModel::Position3 {
                        z_m: [p.x, p.y, p.z],
                        sigma_m,
                    }
                } else {
                    MeasurementModel::Position2 {
                        z_m: [p.x, p.y],
                        sigma_m,
                    }
                }
            }
            Measurement::Polar {
                range_m,
                azimuth_rad,
                elevation_rad,
                sigma_range_m,
                sigma_azimuth_rad,
                sigma_elevation_rad,
            } => MeasurementModel::Polar {
                sensor: ctx.geometry.as_ref()?,
                range_m,
                azimuth_rad,
                elevation_rad,
                sigma_range_m,
                sigma_azimuth_rad,
                sigma_elevation_rad: sigma_elevation_rad.unwrap_or(1.0),
            },
            Measurement::Bearing {
                azimuth_rad,
                elevation_rad,
                sigma_azimuth_rad,
                sigma_elevation_rad,
            } => MeasurementModel::Bearing {
                sensor: ctx.geometry.as_ref()?,
                azimuth_rad,
                elevation_rad,
                sigma_azimuth_rad,
                sigma_elevation_rad: sigma_elevation_rad.unwrap_or(1.0),
            },
        })
    }

    /// Clutter density in the measurement's own space, derived from the horizontal
    /// density by the Jacobian of the map from measurement space to ENU.
    fn lambda(&self, m: &MeasurementModel<'_>) -> f64 {
        let mg = &self.cfg.management;
        let b2 = mg.clutter_density_per_m2;
        let b3 = b2 / mg.clutter_height_m;
        match *m {
            MeasurementModel::Position2 { .. } => b2,
            MeasurementModel::Position3 { .. } => b3,
            MeasurementModel::Polar {
                range_m,
                elevation_rad,
                ..
            } => match elevation_rad {
                Some(e) => b3 * range_m * range_m * e.cos().abs().max(1e-3),
                None => b2 * range_m.max(1.0),
            },
            MeasurementModel::Bearing { elevation_rad, .. } => {
                let per_rad = mg.bearing_clutter_density_per_rad;
                if elevation_rad.is_some() {
                    per_rad / std::f64::consts::FRAC_PI_2
                } else {
                    per_rad
                }
            }
        }
    }

    fn process_batch(&mut self, t: f64, sensor: SensorIndex, dets: &[Pending]) {
        self.stats.batches += 1;
        let ctx = self.sensor(sensor);
        // An empty `Vec<BatchItem<'static>>` is one of any shorter lifetime.
        let mut items: Vec<BatchItem<'_>> = std::mem::take(&mut self.items_buf);
        let mut scratch = std::mem::take(&mut self.scratch);
        let Scratch {
            active,
            stale,
            gated,
            lrs,
            bearings,
            lr_sum,
            predicted: has_prediction,
            gated_start,
            free,
            initiation,
        } = &mut scratch;
        // What the later passes need of the batch as a whole (the widest plot, the
        // positions' bounding box, which are bearings) is
        // gathered as the items are made: the items of a scan of 100,000 plots are
        // many times the cache, and each extra pass over them was a miss per plot.
        items.clear();
        bearings.clear();
        let mut max_sigma: f64 = 0.0;
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for (i, d) in dets.iter().enumerate() {
            let Some(model) = self.to_model(&ctx, &d.det.measurement) else {
                continue;
            };
            let lambda = self.lambda(&model);
            let position = model.position_site_m();
            if let Some(sigma) = model.horizontal_sigma_m() {
                max_sigma = max_sigma.max(sigma);
            }
            match position {
                Some(p) => {
                    if p.x.is_finite() && p.y.is_finite() {
                        (x0, x1, y0, y1) = (x0.min(p.x), x1.max(p.x), y0.min(p.y), y1.max(p.y));
                    }
                }
                // Bearings have no position to index; they are gated against every
                // track.
                None => bearings.push(items.len()),
            }
            items.push(BatchItem {
                position,
                model,
                lambda,
                det: i as u32,
                coop_id: crate::initiation::coop_id_hash(
                    d.det.attributes.as_deref().and_then(|a| a.id.as_deref()),
                ),
            });
        }
        let any_position = bearings.len() < items.len();
        let attributes_of =
            |item: &BatchItem<'_>| dets[item.det as usize].det.attributes.as_deref();
        let life = self.cfg.management.mean_target_life_s;
        let gate_h = self.gate[2];

        // The tracks this batch can touch: those whose gate may reach one of its
        // positions (the bound is checked against the positions' bounding box) and
        // those in its coverage, which a miss lowers. A bearing gates against every
        // track, and a sensor without a known reach covers every track. The others are
        // exactly as untouched as they would be if visited.
        let bearing_batch = !bearings.is_empty();
        let covers_all = ctx.kind.reports_misses()
            && !matches!((ctx.max_range_m, ctx.geometry), (Some(_), Some(_)));
        active.clear();
        stale.clear();
        if bearing_batch || covers_all {
            active.extend(
                (0..self.tracks.len() as u32)
                    .filter(|&i| self.briefs[i as usize].status != TrackStatus::Deleted),
            );
        } else {
            let coverage = match (ctx.max_range_m, ctx.geometry) {
                (Some(max), Some(g)) if ctx.kind.reports_misses() => {
                    Some((g.position_site_m.x, g.position_site_m.y, max))
                }
                _ => None,
            };
            let pad_m = 1.05 * gate_h.sqrt() * max_sigma * (1.0 + 1e-6) + 0.01;
            let plots_box = [x0, x1, y0, y1];
            // Empty without a coverage: missed by every box.
            let coverage_box = coverage.map_or(
                [
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                ],
                |(sx, sy, max)| [sx - max, sx + max, sy - max, sy + max],
            );
            for (ti, (b, reach)) in self.briefs.iter().zip(&self.reach).enumerate() {
                // Far from the batch and its sensor's coverage for sure: neither
                // visited nor stale (the box ends before the track can be).
                if reach.misses(t, pad_m, plots_box) && reach.misses(t, 0.0, coverage_box) {
                    continue;
                }
                let (cx, cy) = b.centre_at(t);
                let covered = coverage.is_some_and(|(sx, sy, max)| {
                    let (dx, dy) = (cx - sx, cy - sy);
                    // Not `<=`: a non-finite centre must be visited, as before.
                    !(dx * dx + dy * dy > max * max)
                });
                let reaches = x0 <= x1 && {
                    let dx = (x0 - cx).max(cx - x1).max(0.0);
                    let dy = (y0 - cy).max(cy - y1).max(0.0);
                    let r = b.reach_bound_m(t, gate_h, self.q_max_h, max_sigma);
                    !(dx * dx + dy * dy > r * r)
                };
                if covered || reaches {
                    active.push(ti as u32);
                } else if ti < self.fresh_from
                    && t - b.last_update_s > self.cfg.management.max_coast_s
                {
                    stale.push(ti as u32);
                }
            }
        }
        let n_active = active.len();

        // Gating: cheap predicted horizontal positions and variances, a grid over the
        // batch's positions, then exact innovation statistics for surviving pairs.
        let mut predicted = std::mem::take(&mut self.predicted_buf);
        if predicted.len() < n_active {
            let filler = ImmState::new(
                Gaussian {
                    mean: nalgebra::Vector6::zeros(),
                    cov: nalgebra::Matrix6::identity(),
                },
                &self.imm,
            );
            predicted.resize(n_active, filler);
        }
        has_prediction.clear();
        has_prediction.resize(n_active, false);
        gated.clear();
        lrs.clear();
        // Each track's gate as a disc about its combined predicted position, wide enough
        // for every mode's gate (a mode's own gate is centred on its own mean); the 5%
        // margin covers the cheap variance bound.
        let disc = |tr: &Track, dt: f64| {
            let c = &tr.combined;
            let (cx, cy) = (c.mean[0] + c.mean[3] * dt, c.mean[1] + c.mean[4] * dt);
            let mut r: f64 = 0.0;
            for g in &tr.state.modes[..tr.state.n_modes] {
                let var = |i: usize| {
                    g.cov[(i, i)] + 2.0 * dt * g.cov[(i, i + 3)] + dt * dt * g.cov[(i + 3, i + 3)]
                };
                let var_h = var(0).max(var(1)) + self.q_max_h * dt * dt * dt / 3.0;
                let off = (g.mean[0] + g.mean[3] * dt - cx).hypot(g.mean[1] + g.mean[4] * dt - cy);
                r = r.max(off + (gate_h * (var_h + max_sigma * max_sigma)).sqrt() * 1.05);
            }
            (cx, cy, r)
        };
        let sensor_slot = sensor.0 as usize;
        if any_position {
            // Cells about the size of a typical gate (as this sensor's last batch found
            // them): a query then touches ~3 rows. The cell changes only how fast the
            // grid answers, never what: a query finds exactly the points in its disc.
            let mean_r = self.gate_cell_m.get(sensor_slot).copied().unwrap_or(0.0);
            self.grid.rebuild(
                items
                    .iter()
                    .map(|i| i.position.map_or((f64::NAN, f64::NAN), |p| (p.x, p.y))),
                // Not `clamp`, which panicked when a plot's sigma (up to 100 km is
                // accepted) put the floor above the ceiling.
                mean_r.max((4.0 * max_sigma).max(25.0)).min(50_000.0),
            );
        }
        let mut r_sum = 0.0;
        let mut candidates: Vec<usize> = Vec::new();
        let ccfg = &self.cfg.classification;
        // `li` indexes this batch's tracks (`active`), which the association sees.
        for (li, &ti) in active.iter().enumerate() {
            let tr = &self.tracks[ti as usize];
            let dt = t - tr.time_s;
            let (px, py, r) = disc(tr, dt);
            if r.is_finite() {
                r_sum += r;
            }
            // A cooperative report is likelier its own identity's track than another's:
            // the address weighs in the association, as a likelihood ratio, without
            // being able to pin a report to a track that has swapped objects.
            let established = tr.identity.established(ccfg, t);
            candidates.clear();
            if any_position {
                self.grid.for_each_within(px, py, r, |d| candidates.push(d));
            }
            candidates.extend_from_slice(bearings);
            if candidates.is_empty() {
                continue;
            }
            candidates.sort_unstable();
            // The IMM state is large: predict in place, then work by reference.
            if tr
                .state
                .predict_into(&self.imm, dt, &mut predicted[li])
                .is_err()
            {
                continue;
            }
            has_prediction[li] = true;
            let pred = &predicted[li];
            for &di in &candidates {
                let item = &items[di];
                let claim =
                    established.and_then(|e| Some((e, claim_of(ctx.kind, attributes_of(item))?)));
                let identity_score = match claim {
                    Some(((src, id), c)) if src == c.source => {
                        if id.eq_ignore_ascii_case(c.id.trim()) {
                            IDENTITY_MATCH_NATS
                        } else {
                            -IDENTITY_MATCH_NATS
                        }
                    }
                    _ => 0.0,
                };
                let Ok(Some(inn)) = pred.gate(&item.model, &self.gate) else {
                    continue;
                };
                let lr = (inn.log_likelihood - item.lambda.ln()).exp();
                gated.push(Gated {
                    track: li as u32,
                    detection: di as u32,
                    score: (ctx.pd * lr).max(1e-300).ln() + identity_score,
                });
                lrs.push(lr);
            }
        }

        if n_active > 0 {
            if self.gate_cell_m.len() <= sensor_slot {
                self.gate_cell_m.resize(sensor_slot + 1, 0.0);
            }
            self.gate_cell_m[sensor_slot] = r_sum / n_active as f64;
        }
        let miss_log = vec![(1.0 - ctx.pd).ln(); n_active];
        let method = match self.cfg.association.method {
            AssociationMethod::Gnn => Method::Gnn,
            AssociationMethod::Jpda => Method::Jpda {
                max_exact_hypotheses: self.cfg.association.max_exact_hypotheses,
            },
        };
        let solution =
            match self
                .associator
                .associate(n_active, items.len(), &miss_log, gated, method)
            {
                Ok(s) => s,
                Err(_) => {
                    self.stats.numeric_failures += 1;
                    association::Solution {
                        track_miss: vec![1.0; n_active],
                        pairs: Vec::new(),
                        detection_used: vec![0.0; items.len()],
                        ..Default::default()
                    }
                }
            };
        // Likelihood ratio per gated pair, for existence updates. `gated` was built in
        // (track, detection) order, so a binary search finds a pair.
        let lr_of = |li: u32, di: u32| -> f64 {
            gated
                .binary_search_by(|g| (g.track, g.detection).cmp(&(li, di)))
                .map_or(0.0, |k| lrs[k])
        };
        // Per detection, the sum of its detected-likelihood ratios over every track it
        // gated with: the probability that it is a given track's (against the others
        // and clutter) weighs its class evidence.
        lr_sum.clear();
        lr_sum.resize(items.len(), 0.0);
        for (g, lr) in gated.iter().zip(lrs.iter()) {
            lr_sum[g.detection as usize] += ctx.pd * lr;
        }
        // Where each track's gated pairs start (`gated` is in track order).
        gated_start.clear();
        gated_start.resize(n_active + 1, 0);
        for g in gated.iter() {
            gated_start[g.track as usize + 1] += 1;
        }
        for i in 1..gated_start.len() {
            gated_start[i] += gated_start[i - 1];
        }
        let gated_range = |li: usize| gated_start[li] as usize..gated_start[li + 1] as usize;

        // Updates.
        let held_height = HeldHeight {
            z_m: self.cfg.initiation.assumed_height_m,
            var_m2: self.cfg.initiation.unmeasured_height_sigma_m.powi(2),
        };
        let mut k = 0;
        let pairs = &solution.pairs;
        for (li, &ti) in active.iter().enumerate() {
            let ti = ti as usize;
            let start = k;
            while k < pairs.len() && pairs[k].0 as usize == li {
                k += 1;
            }
            let mine = &pairs[start..k];
            // Several position plots in one scan's gate: the track is extended (a flock).
            if gated[gated_range(li)]
                .iter()
                .filter(|g| items[g.detection as usize].position.is_some())
                .count()
                >= 2
            {
                self.tracks[ti].several_returns = true;
            }
            let in_coverage =
                ctx.kind.reports_misses() && self.in_coverage(&ctx, &self.tracks[ti], t);
            let tr = &mut self.tracks[ti];
            let ccfg = &self.cfg.classification;
            if mine.is_empty() {
                if in_coverage {
                    if tr.identity.is_claimed(ccfg, t) {
                        // A cooperative claim keeps the track alive while independent
                        // sensors fail to confirm it: the claim is what is in doubt, and
                        // it must stay visible to be flagged.
                        tr.identity.independent_miss();
                    } else {
                        tr.log_odds = existence::missed(
                            existence::survive(tr.log_odds, t - tr.existence_time_s, life),
                            ctx.pd,
                        );
                        tr.existence_time_s = t;
                    }
                    tr.misses_in_a_row += 1;
                }
                continue;
            }
            if !has_prediction[li] {
                continue;
            }
            let pred = &predicted[li];
            // Written straight into the track (untouched on an error).
            let result = match method {
                Method::Gnn => {
                    let (_, di, _) = mine[0];
                    let item = &items[di as usize];
                    pred.update_into(&item.model, &mut tr.state).map(|_| {
                        (
                            existence_hit(ctx.pd, lr_of(li as u32, di)),
                            item.model.measures_height(),
                        )
                    })
                }
                Method::Jpda { .. } => {
                    let hyps: Vec<(f64, MeasurementModel<'_>)> = mine
                        .iter()
                        .map(|&(_, di, b)| (b, items[di as usize].model))
                        .collect();
                    // Linear-multitarget IPDA (Musicki and La Scala 2008): a detection
                    // counts for this track as far as other tracks do not claim it.
                    let sum: f64 = mine
                        .iter()
                        .map(|&(_, di, b)| {
                            (1.0 - (solution.detection_used[di as usize] - b)).clamp(0.0, 1.0)
                                * lr_of(li as u32, di)
                        })
                        .sum();
                    let height = mine
                        .iter()
                        .any(|&(_, di, b)| b > 0.5 && items[di as usize].model.measures_height());
                    pred.update_pda(solution.track_miss[li], &hyps).map(|s| {
                        tr.state = s;
                        (existence_hit(ctx.pd, sum), height)
                    })
                }
            };
            match result {
                Ok((factor, height)) => {
                    if !(tr.height_measured || height) {
                        hold_unmeasured_height(&mut tr.state, held_height);
                    }
                    tr.log_odds =
                        existence::survive(tr.log_odds, t - tr.existence_time_s, life) + factor;
                    tr.existence_time_s = t;
                    tr.combined = tr.state.combined();
                    tr.time_s = t;
                    let best = mine.iter().map(|p| p.2).fold(0.0, f64::max);
                    if best > 0.5 || matches!(method, Method::Gnn) {
                        tr.updates += 1;
                        tr.last_update_s = t;
                        tr.misses_in_a_row = 0;
                        tr.height_measured |= height;
                        self.stats.associated += 1;
                    }
                    // A sample costs a geodetic conversion: build it only when taken.
                    if tr.class.wants_motion(ccfg, t) {
                        tr.class.observe_motion(
                            ccfg,
                            &motion_sample(
                                &tr.combined,
                                t,
                                tr.height_measured,
                                self.frame.as_ref(),
                            ),
                        );
                    }
                }
                Err(_) => self.stats.numeric_failures += 1,
            }
        }

        // Class and identity evidence: every detection that gated with a track counts
        // for it in proportion to the probability that it was its (its likelihood
        // share among the tracks it gated with and clutter), not only for the track the
        // assignment picked: a bearing between a drone and a bird tells each of them
        // only as much as it could be theirs.
        let ccfg = &self.cfg.classification;
        for (li, &ti) in active.iter().enumerate() {
            let tr = &mut self.tracks[ti as usize];
            for gi in gated_range(li) {
                let d = gated[gi].detection as usize;
                let w = ctx.pd * lrs[gi] / (1.0 + lr_sum[d]);
                let attributes = attributes_of(&items[d]);
                tr.class.observe_detection(ccfg, t, ctx.kind, attributes, w);
                if w >= 0.5 {
                    tr.seen_by.record(sensor, t);
                }
                match claim_of(ctx.kind, attributes) {
                    Some(c) => tr.identity.observe_cooperative(t, c, w),
                    None if w >= 0.5 => tr.identity.observe_independent(t),
                    None => {}
                }
            }
        }

        self.manage(t, active, stale);

        // Initiation from what no track claimed.
        free.clear();
        free.extend((0..items.len()).filter(|&d| solution.detection_used[d] < 0.5));
        self.initiate(t, sensor, &items, dets, free, initiation);
        self.items_buf = release(items);
        self.predicted_buf = predicted;
        self.scratch = scratch;
    }

    fn in_coverage(&self, ctx: &SensorContext, tr: &Track, t: f64) -> bool {
        match (ctx.max_range_m, ctx.geometry) {
            (Some(max), Some(g)) => {
                let c = &tr.combined;
                let dt = t - tr.time_s;
                let (x, y) = (c.mean[0] + c.mean[3] * dt, c.mean[1] + c.mean[4] * dt);
                let dx = x - g.position_site_m.x;
                let dy = y - g.position_site_m.y;
                let ground2 = dx * dx + dy * dy;
                if ground2 > max * max {
                    return false;
                }
                // Heights above the Earth under each (the site frame's up axis leaves the
                // surface with distance from the origin), then the 4/3-Earth radio
                // horizon: a target below it cannot be seen, so its silence says nothing.
                let curvature = |px: f64, py: f64| (px * px + py * py) / (2.0 * 6_371_000.0);
                let h_t = (c.mean[2] + curvature(x, y)).max(0.0);
                let p = g.position_site_m;
                let h_s = (p.z + curvature(p.x, p.y)).max(0.0);
                // The instrumented range is a slant range: an airliner at 10 km above an
                // 8 km radar is out of its reach, and its silence says nothing. Only for
                // a measured height: an assumed one must not put a track out of reach,
                // where no miss could ever delete it.
                if tr.height_measured && ground2 + (h_t - h_s).powi(2) > max * max {
                    return false;
                }
                let horizon = (2.0 * RADIO_EARTH_RADIUS_M * h_t).sqrt()
                    + (2.0 * RADIO_EARTH_RADIUS_M * h_s).sqrt();
                ground2 <= horizon * horizon
            }
            _ => true,
        }
    }

    /// Deletes, confirms and demotes. Only the tracks the batch visited (`active`) and
    /// those started since the last pass can have changed in anything but age, so only
    /// they are judged in full; of the others, `stale` lists those that aged out.
    fn manage(&mut self, t: f64, active: &[u32], stale: &[u32]) {
        let mg = &self.cfg.management;
        let confirm = existence::log_odds(mg.confirm_existence);
        let hold = existence::log_odds(mg.hold_existence);
        let del_tent = existence::log_odds(mg.delete_tentative_existence);
        let del_conf = existence::log_odds(mg.delete_confirmed_existence);
        let (gate_h, q_max_h, coast_s) = (self.gate[2], self.q_max_h, mg.max_coast_s);
        let derive = |b: &Brief| derived(b, gate_h, q_max_h, coast_s);
        let (fresh, n) = (self.fresh_from as u32, self.tracks.len() as u32);
        let judged = active
            .iter()
            .copied()
            .filter(|&i| i < fresh)
            .chain(fresh..n);
        let mut deleted = 0;
        for ti in judged {
            let tr = &mut self.tracks[ti as usize];
            let was_confirmed = tr.id != 0;
            // Updates that would make the state non-finite are refused upstream, so only
            // the coasting time and the existence decide here.
            let stale = t - tr.last_update_s > mg.max_coast_s;
            let c = &tr.combined.cov;
            let lost = c[(0, 0)].max(c[(1, 1)]).max(c[(2, 2)])
                > mg.max_position_sigma_m * mg.max_position_sigma_m;
            // At low existence a miss costs about ln(1 - pd), 2.3 nats at pd 0.9: one
            // nat under the start means the track has been missed, not merely aged.
            let floor = if was_confirmed {
                del_conf
            } else {
                del_tent.min(tr.start_log_odds - 1.0)
            };
            if stale || lost || tr.log_odds < floor {
                if was_confirmed {
                    self.stats.tracks_deleted += 1;
                }
                tr.status = TrackStatus::Deleted;
                deleted += 1;
            } else {
                match tr.status {
                    TrackStatus::Tentative => {
                        if tr.log_odds >= confirm {
                            tr.status = TrackStatus::Confirmed;
                            if !was_confirmed {
                                tr.id = self.next_id;
                                self.next_id += 1;
                                self.stats.tracks_confirmed += 1;
                            }
                        }
                    }
                    TrackStatus::Confirmed | TrackStatus::Coasting => {
                        tr.status = if tr.log_odds < hold {
                            TrackStatus::Tentative
                        } else if tr.misses_in_a_row > 0 {
                            TrackStatus::Coasting
                        } else {
                            TrackStatus::Confirmed
                        };
                    }
                    TrackStatus::Deleted => {}
                }
            }
            // Only an update (which stamps the track with this time) or a change of
            // status or id changes what the brief holds.
            let b = &mut self.briefs[ti as usize];
            if tr.time_s == t || b.status != tr.status || b.has_id != (tr.id != 0) {
                *b = Brief::of(tr);
                (self.reach[ti as usize], self.reportable[ti as usize]) = derive(b);
            }
        }
        for &ti in stale {
            let b = &mut self.briefs[ti as usize];
            if b.has_id {
                self.stats.tracks_deleted += 1;
            }
            b.status = TrackStatus::Deleted;
            (self.reach[ti as usize], self.reportable[ti as usize]) = derive(b);
            deleted += 1;
        }
        self.deleted_held += deleted;
        // Every pass skips a deleted track (the scan by its box, the others by its
        // brief), so holding some changes nothing but memory, bounded here.
        if self.deleted_held > 0
            && (!self.hold_deleted || self.deleted_held >= (self.tracks.len() / 8).max(256))
        {
            // In place and in order: the order is the tie-break everywhere else. From
            // the first deleted track only, and the briefs copied rather than swapped.
            let first = self
                .briefs
                .iter()
                .position(|b| b.status == TrackStatus::Deleted)
                .unwrap_or(self.briefs.len());
            let mut w = first;
            for r in first..self.tracks.len() {
                if self.briefs[r].status != TrackStatus::Deleted {
                    // The deleted tracks' boxes gather at the end, for the spares.
                    self.tracks.swap(w, r);
                    self.briefs[w] = self.briefs[r];
                    self.reach[w] = self.reach[r];
                    self.reportable[w] = self.reportable[r];
                    w += 1;
                }
            }
            let room = MAX_SPARE_TRACKS.saturating_sub(self.spare_tracks.len());
            // The drain removes them all, keeping `room` of them.
            self.spare_tracks.extend(self.tracks.drain(w..).take(room));
            self.briefs.truncate(w);
            self.reach.truncate(w);
            self.reportable.truncate(w);
            self.deleted_held = 0;
        }
        self.fresh_from = self.tracks.len();
    }

    fn initiate(
        &mut self,
        t: f64,
        sensor: SensorIndex,
        items: &[BatchItem<'_>],
        dets: &[Pending],
        free: &[usize],
        buffers: &mut InitiationScratch,
    ) {
        let InitiationScratch {
            plots,
            order,
            queries,
            near,
            ranges,
        } = buffers;
        let ic = &self.cfg.initiation;
        let (vmax, window_s) = (ic.max_speed_mps, ic.window_s);
        let coop_vmax = vmax.max(ic.max_cooperative_speed_mps);
        let (min_crossing_rad, assumed_height_m) = (
            ic.bearing_min_crossing_deg.to_radians(),
            ic.assumed_height_m,
        );
        let bearing_log_odds = self.cfg.management.bearing_initial_log_odds;
        self.seeds.sweep(t, window_s);
        self.bearing_seeds
            .retain(|s| !s.used && t - s.time_s <= ic.bearing_window_s);
        let hvar = ic.unmeasured_height_sigma_m * ic.unmeasured_height_sigma_m;
        let tp = TwoPoint {
            unmeasured_height_var_m2: hvar,
            assumed_height_m: ic.assumed_height_m,
        };
        let b_ft = self.cfg.management.clutter_density_per_m2;
        let first_point = (self.cfg.management.new_target_density_per_m2 / b_ft).ln();
        let ctx = self.sensor(sensor);

        // First every position plot's candidate seeds, asked in the store's chunk order
        // so that each chunk is read about once (see `seeds`), each plot placed as a
        // seed as soon as it has asked, while its chunk is at hand; then the pairing,
        // in the batch's own order, skipping seeds an earlier plot of the batch took,
        // each plot kept as a seed, taken already if it paired. A plot is given exactly
        // the candidates it would find if it asked in turn, less those taken (a seed of
        // the batch's own time cannot pair with it), so the order of asking changes
        // nothing, and a plot numbered by its place in the batch is numbered as if
        // only those that did not pair were kept.
        plots.clear();
        plots.extend(free.iter().filter_map(|&di| {
            let item = &items[di];
            // Every position comes with a covariance (only bearings have neither).
            let p = item.position?;
            let sigma = item.model.horizontal_sigma_m().unwrap_or(0.0);
            Some(FreePlot {
                item: di as u32,
                has_height: item.model.measures_height(),
                position_m: p,
                sigma_m: sigma,
                coop_id: item.coop_id,
            })
        }));
        self.seeds.locality_order(
            plots.iter().map(|p| (p.position_m.x, p.position_m.y)),
            order,
        );
        // Gathered in a loop of its own, whose reads can all be in flight at once.
        queries.clear();
        queries.extend(order.iter().filter_map(|&k| {
            let plot = plots.get(k as usize)?;
            Some(Query {
                plot: k,
                x_m: plot.position_m.x,
                y_m: plot.position_m.y,
                sigma_m: plot.sigma_m,
                coop_id: plot.coop_id,
            })
        }));
        near.clear();
        ranges.clear();
        ranges.resize(plots.len(), (0, 0));
        let first_seq = self.seeds.next_seq();
        for q in queries.iter() {
            let (x, y, sigma, coop_id) = (q.x_m, q.y_m, q.sigma_m, q.coop_id);
            let query_vmax = if coop_id != 0 { coop_vmax } else { vmax };
            let start = near.len();
            self.seeds
                .near(x, y, query_vmax * window_s + 4.0 * sigma, t, window_s, near);
            // Only seeds a target could have come from.
            let mut kept = start;
            for i in start..near.len() {
                let p = near[i];
                let dt = t - p.time_s;
                let reach = pair_reach_m(vmax, coop_vmax, (coop_id, p.coop_id), dt, sigma);
                if dt >= MIN_PAIR_DT_S && (x - p.x_m).powi(2) + (y - p.y_m).powi(2) <= reach * reach
                {
                    near[kept] = near[i];
                    kept += 1;
                }
            }
            near.truncate(kept);
            // Newest first, then in creation order.
            near[start..]
                .sort_unstable_by(|a, b| (b.time_s.total_cmp(&a.time_s)).then(a.seq.cmp(&b.seq)));
            if let Some(r) = ranges.get_mut(q.plot as usize) {
                *r = (start as u32, kept as u32);
            }
            self.seeds.place(first_seq + u64::from(q.plot), x, y, t);
        }

        let mut next_plot = 0;
        for &di in free {
            let item = &items[di];
            if let Some(plot) = plots.get(next_plot).filter(|p| p.item as usize == di) {
                let (lo, hi) = ranges.get(next_plot).copied().unwrap_or((0, 0));
                next_plot += 1;
                let p = plot.position_m;
                let mut seed = Seed {
                    time_s: t,
                    position_m: p,
                    cov_m2: nalgebra::Matrix3::zeros(),
                    has_height: plot.has_height,
                    used: true,
                    seq: 0,
                    coop_id: plot.coop_id,
                };
                // Always there: every position comes with a covariance. (Kept as taken
                // without one: each plot is numbered by its place.)
                let Some(cov) = item.model.position_covariance_site_m2(hvar) else {
                    self.seeds.add(seed);
                    continue;
                };
                // Pair with the closest-in-time seeds that a target could have come
                // from; at most a few, so a dense clutter patch cannot explode.
                let mut started = 0;
                for r in near.get(lo as usize..hi as usize).unwrap_or_default() {
                    let Some(&s) = self.seeds.get(r.seq) else {
                        continue;
                    };
                    if s.used {
                        continue;
                    }
                    let dt = t - s.time_s;
                    let reach =
                        pair_reach_m(vmax, coop_vmax, (plot.coop_id, s.coop_id), dt, plot.sigma_m);
                    let g = two_point(&s, &p, &cov, plot.has_height, dt, &tp);
                    // Second point's evidence: it fell inside the disc a target from
                    // the seed could reach, against clutter spread uniformly.
                    let area = std::f64::consts::PI * reach * reach;
                    let lo = first_point + (ctx.pd / (area * b_ft)).ln();
                    self.start_track(
                        t,
                        g,
                        lo,
                        plot.has_height || s.has_height,
                        Some((
                            sensor,
                            ctx.kind,
                            dets[item.det as usize].det.attributes.as_deref(),
                        )),
                    );
                    self.seeds.mark_used(r.seq);
                    started += 1;
                    if started >= 2 {
                        break;
                    }
                }
                seed.cov_m2 = cov;
                seed.used = started > 0;
                self.seeds.add(seed);
                continue;
            }
            // Every position was a plot above: what is left is a bearing.
            let Some(b) = BearingSeed::from_model(t, sensor, &item.model) else {
                continue;
            };
            let mut started = false;
            // Each sensor's own instrumented range, when it states one.
            let reach = |tr: &Self, i: SensorIndex| {
                tr.sensor(i)
                    .max_range_m
                    .unwrap_or(f64::INFINITY)
                    .min(tr.cfg.initiation.bearing_max_range_m)
            };
            let reach_b = reach(self, sensor);
            for k in 0..self.bearing_seeds.len() {
                let other = self.bearing_seeds[k];
                if other.used || other.sensor == sensor {
                    continue;
                }
                if let Some(g) = cross_bearings(
                    &b,
                    &other,
                    [reach_b, reach(self, other.sensor)],
                    min_crossing_rad,
                    assumed_height_m,
                    hvar,
                    vmax,
                ) {
                    self.start_track(
                        t,
                        g,
                        bearing_log_odds,
                        b.elevation_rad.is_some() || other.elevation_rad.is_some(),
                        Some((
                            sensor,
                            ctx.kind,
                            dets[item.det as usize].det.attributes.as_deref(),
                        )),
                    );
                    self.bearing_seeds[k].used = true;
                    started = true;
                    break;
                }
            }
            if !started {
                self.bearing_seeds.push(b);
            }
        }
    }

    /// Starts a tentative track; `last` is the detection that completed it, whose
    /// attributes are its first class and identity evidence.
    fn start_track(
        &mut self,
        t: f64,
        g: Gaussian,
        log_odds: f64,
        height: bool,
        last: Option<(SensorIndex, SensorKind, Option<&Attributes>)>,
    ) {
        self.stats.tracks_started += 1;
        let state = ImmState::new(g, &self.imm);
        let mut class = ClassState::new();
        let mut identity = IdentityState::new();
        let mut seen_by = model::SeenBy::default();
        if let Some((sensor, kind, attributes)) = last {
            seen_by.record(sensor, t);
            class.observe_detection(&self.cfg.classification, t, kind, attributes, 1.0);
            match claim_of(kind, attributes) {
                Some(c) => identity.observe_cooperative(t, c, 1.0),
                None => identity.observe_independent(t),
            }
        }
        let track = Track {
            id: 0,
            status: TrackStatus::Tentative,
            time_s: t,
            combined: state.combined(),
            state,
            log_odds,
            existence_time_s: t,
            start_log_odds: log_odds,
            updates: 2,
            last_update_s: t,
            misses_in_a_row: 0,
            height_measured: height,
            class,
            identity,
            several_returns: false,
            seen_by,
        };
        let track = match self.spare_tracks.pop() {
            Some(mut b) => {
                *b = track;
                b
            }
            None => Box::new(track),
        };
        let brief = Brief::of(&track);
        let (reach, reported) = derived(
            &brief,
            self.gate[2],
            self.q_max_h,
            self.cfg.management.max_coast_s,
        );
        self.reach.push(reach);
        self.reportable.push(reported);
        self.briefs.push(brief);
        self.tracks.push(track);
    }

    /// Tells each track's classifier whether it flies with company, once per sample
    /// interval: a grid over every track's position now, then a radius query each.
    fn observe_company(&mut self, t: f64) {
        let ccfg = &self.cfg.classification;
        if self
            .last_company_s
            .is_some_and(|l| t - l < ccfg.company_interval_s)
            || self.live_tracks() == 0
        {
            return;
        }
        self.last_company_s = Some(t);
        // The live tracks, in order (deleted ones may still be held).
        let live: Vec<usize> = (0..self.tracks.len())
            .filter(|&i| self.briefs[i].status != TrackStatus::Deleted)
            .collect();
        let now: Vec<[f64; 6]> = live
            .iter()
            .map(|&i| {
                let tr = &self.tracks[i];
                let m = &tr.combined.mean;
                let dt = t - tr.time_s;
                [
                    m[0] + m[3] * dt,
                    m[1] + m[4] * dt,
                    m[2] + m[5] * dt,
                    m[3],
                    m[4],
                    m[5],
                ]
            })
            .collect();
        let r = ccfg.company_radius_m;
        self.company_grid
            .rebuild(now.iter().map(|p| (p[0], p[1])), r);
        for (i, &ti) in live.iter().enumerate() {
            let tr = &mut self.tracks[ti];
            let p = now[i];
            let mut found = false;
            self.company_grid.for_each_within(p[0], p[1], r, |j| {
                if found || j == i {
                    return;
                }
                let q = now[j];
                let dv = (p[3] - q[3]).hypot(p[4] - q[4]);
                let dz_ok = !tr.height_measured || (p[2] - q[2]).abs() <= ccfg.company_height_m;
                if dv <= ccfg.company_speed_mps && dz_ok {
                    found = true;
                }
            });
            tr.class
                .observe_company(ccfg, t, found || tr.several_returns);
            tr.several_returns = false;
        }
    }

    fn fill_reports(&mut self, t: f64) {
        self.reports.clear();
        let ccfg = &self.cfg.classification;
        for (tr, _) in self
            .tracks
            .iter_mut()
            .zip(&self.reportable)
            .filter(|(_, &r)| r)
        {
            let g = if t == tr.time_s {
                tr.combined
            } else {
                match tr.state.predict(&self.imm, t - tr.time_s) {
                    Ok(s) => s.combined(),
                    Err(_) => tr.combined,
                }
            };
            let position_m = [g.mean[0], g.mean[1], g.mean[2]];
            let c = &g.cov;
            let classification = tr.class.classify(ccfg);
            let identity = tr.identity.identity(ccfg, t);
            let flags = tr.identity.flags(ccfg, t, classification.class);
            self.reports.push(TrackReport {
                time_s: t,
                track: tr.id,
                status: tr.status,
                position_m,
                velocity_mps: [g.mean[3], g.mean[4], g.mean[5]],
                position_cov_m2: [
                    c[(0, 0)],
                    c[(0, 1)],
                    c[(0, 2)],
                    c[(1, 1)],
                    c[(1, 2)],
                    c[(2, 2)],
                ],
                horizontal_cov: {
                    const H: [usize; 4] = [0, 1, 3, 4];
                    H.map(|i| H.map(|j| c[(i, j)]))
                },
                lla: self.frame.map(|f| {
                    f.enu_to_lla(geodesy::Enu(Vector3::new(
                        position_m[0],
                        position_m[1],
                        position_m[2],
                    )))
                }),
                existence: existence::probability(tr.log_odds),
                updates: tr.updates,
                last_update_s: tr.last_update_s,
                classification,
                identity,
                flags,
                seen_by: tr.seen_by,
            });
        }
        flag_identity_conflicts(&mut self.reports, |r| {
            self.tracks
                .iter()
                .find(|tr| tr.id == r.track)
                .is_some_and(|tr| tr.identity.independently_seen())
        });
    }
}

/// Two live tracks that carry the same cooperative identity: both are flagged, and the
/// one no independent sensor has seen is possibly spoofed (the real object is where the
/// independent sensors see it).
fn flag_identity_conflicts(
    reports: &mut [TrackReport],
    independent: impl Fn(&TrackReport) -> bool,
) {
    let mut with_id: Vec<usize> = (0..reports.len())
        .filter(|&i| reports[i].identity.is_some())
        .collect();
    if with_id.len() < 2 {
        return;
    }
    let key = |r: &TrackReport| {
        r.identity
            .as_ref()
            .map(|i| (i.source.as_str(), i.id.to_ascii_uppercase()))
    };
    with_id.sort_by_key(|&i| key(&reports[i]));
    let mut start = 0;
    while start < with_id.len() {
        let k = key(&reports[with_id[start]]);
        let mut end = start + 1;
        while end < with_id.len() && key(&reports[with_id[end]]) == k {
            end += 1;
        }
        if end - start > 1 {
            let group = &with_id[start..end];
            let any_independent = group.iter().any(|&i| independent(&reports[i]));
            for &i in group {
                let seen = independent(&reports[i]);
                let f = &mut reports[i].flags;
                f.insert(TrackFlags::IDENTITY_CONFLICT);
                if any_independent && !seen {
                    f.insert(TrackFlags::POSSIBLY_SPOOFED);
                }
            }
        }
        start = end;
    }
}

/// A track's filtered state as a motion sample for the classifier.
///
/// Height is above the site origin's ellipsoid height, along the local vertical under
/// the track: the site frame's up axis leaves the Earth with distance (an aircraft 100
/// km out is almost 800 m "below" the site's horizontal plane), so its z is no height.
fn motion_sample(
    g: &Gaussian,
    t: f64,
    height_measured: bool,
    frame: Option<&LocalFrame>,
) -> MotionSample {
    let c = &g.cov;
    let height_m = frame.map_or(g.mean[2], |f| {
        f.enu_to_lla(geodesy::Enu(Vector3::new(g.mean[0], g.mean[1], g.mean[2])))
            .alt_m
            - f.origin().alt_m
    });
    MotionSample {
        time_s: t,
        position_m: [g.mean[0], g.mean[1]],
        sigma_position_m: c[(0, 0)].max(c[(1, 1)]).max(0.0).sqrt(),
        velocity_mps: [g.mean[3], g.mean[4], g.mean[5]],
        height_m,
        sigma_velocity_mps: c[(3, 3)].max(c[(4, 4)]).max(0.0).sqrt(),
        sigma_vertical_velocity_mps: c[(5, 5)].max(0.0).sqrt(),
        sigma_height_m: c[(2, 2)].max(0.0).sqrt(),
        height_measured,
    }
}

/// Where a track that has never had its height measured is held.
#[derive(Debug, Clone, Copy)]
struct HeldHeight {
    z_m: f64,
    var_m2: f64,
}

/// Vertical speed variance of a track whose height is held, (m/s)^2: small, so the
/// prediction does not carry the height away between updates.
const HELD_VZ_VAR: f64 = 4.0;

/// Keeps the height of a track no sensor has measured at its prior: height and
/// vertical speed reset, and decoupled from the horizontal state. Without this, nothing
/// observes them, yet a vertical speed from two clutter plots or the weak curvature
/// coupling of bearings carried such tracks to -14 km.
fn hold_unmeasured_height(state: &mut ImmState, h: HeldHeight) {
    for g in state.modes.iter_mut().take(state.n_modes) {
        for &i in &[2usize, 5] {
            for k in 0..6 {
                if k != i {
                    g.cov[(i, k)] = 0.0;
                    g.cov[(k, i)] = 0.0;
                }
            }
        }
        g.mean[2] = h.z_m;
        g.mean[5] = 0.0;
        g.cov[(2, 2)] = h.var_m2;
        g.cov[(5, 5)] = HELD_VZ_VAR;
    }
}

/// Existence factor for a detected track with summed likelihood ratio `lr`.
fn existence_hit(pd: f64, lr: f64) -> f64 {
    existence::detected(0.0, pd, lr)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Four radars with stated ranges (so batches pick their tracks by box and brief),
    /// each scanning at its own phase, with clutter that starts and deletes tracks in
    /// every batch: a tracker that holds deleted tracks reports exactly what one that
    /// removes them at once reports, at every moment, and holds the same live tracks.
    #[test]
    fn holding_deleted_tracks_changes_no_report() {
        let site = Lla::try_from_degrees(52.0, 23.0, 0.0).unwrap();
        let frame = LocalFrame::new(site);
        let mut sensors = SensorTable::new();
        let centres = [
            (-15_000.0, -15_000.0),
            (15_000.0, -15_000.0),
            (-15_000.0, 15_000.0),
            (15_000.0, 15_000.0),
        ];
        for (j, &(x, y)) in centres.iter().enumerate() {
            sensors.insert(model::Sensor {
                name: format!("r{j}"),
                kind: SensorKind::Radar,
                position: Some(frame.enu_to_lla(geodesy::Enu(Vector3::new(x, y, 0.0)))),
                sigma_m: Some(15.0),
                sigma_range_m: None,
                sigma_azimuth_rad: None,
                sigma_elevation_rad: None,
                pd: Some(0.9),
                max_range_m: Some(12_000.0),
                sac_sic: None,
            });
        }
        let mut cfg = TrackerConfig::default();
        cfg.management.clutter_density_per_m2 = 2e-7;
        cfg.timing.reorder_window_s = 0.0;
        let mut trackers = [true, false].map(|hold| {
            let mut t = Tracker::new(cfg.clone(), Some(site), &sensors).unwrap();
            t.hold_deleted = hold;
            t
        });
        let mut outs: [Vec<(u64, Vec<TrackReport>)>; 2] = Default::default();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut max_held = 0;
        for k in 0..40 {
            for (j, &(cx, cy)) in centres.iter().enumerate() {
                let t = f64::from(k) + 0.25 * j as f64;
                let mut plots: Vec<(f64, f64)> = (0..150)
                    .map(|_| {
                        let (r, a) = (
                            12_000.0 * rng.gen::<f64>().sqrt(),
                            rng.gen_range(0.0..std::f64::consts::TAU),
                        );
                        (cx + r * a.cos(), cy + r * a.sin())
                    })
                    .collect();
                // Two targets per radar, flying straight.
                for m in 0..2 {
                    let v = 20.0 + 10.0 * f64::from(m);
                    plots.push((cx - 5_000.0 + v * t, cy + 3_000.0 * f64::from(m) - 1_500.0));
                }
                for (x, y) in plots {
                    let det = Detection {
                        time_s: t,
                        sensor: SensorIndex(j as u32),
                        measurement: Measurement::Cartesian {
                            x_m: x,
                            y_m: y,
                            z_m: Some(300.0),
                            sigma_m: 15.0,
                        },
                        attributes: None,
                    };
                    for (tr, out) in trackers.iter_mut().zip(outs.iter_mut()) {
                        let mut emit =
                            |t: f64, r: &[TrackReport]| out.push((t.to_bits(), r.to_vec()));
                        tr.push(det.clone(), &mut emit).unwrap();
                    }
                }
                max_held = max_held.max(trackers[0].deleted_held);
                assert_eq!(trackers[1].deleted_held, 0);
                assert_eq!(trackers[0].live_tracks(), trackers[1].live_tracks());
            }
        }
        for (tr, out) in trackers.iter_mut().zip(outs.iter_mut()) {
            tr.finish(&mut |t: f64, r: &[TrackReport]| out.push((t.to_bits(), r.to_vec())));
        }
        assert!(
            max_held > 50,
            "the clutter should leave deleted tracks held: {max_held}"
        );
        assert!(
            outs[0].iter().any(|(_, r)| r.len() >= 6),
            "targets should be reported"
        );
        assert_eq!(outs[0], outs[1]);
    }

    /// A plot as uncertain as the input contract allows (20 km here; up to 100 km is
    /// accepted) must be tracked like any other, not panic while sizing the batch grid.
    #[test]
    fn very_uncertain_plots_do_not_panic() {
        let mut tr = Tracker::new(TrackerConfig::default(), None, &SensorTable::new()).unwrap();
        let mut moments = 0;
        for (t, x) in [(0.0, 0.0), (1.0, 10.0), (2.0, 20.0)] {
            let det = Detection {
                time_s: t,
                sensor: SensorIndex(0),
                measurement: Measurement::Cartesian {
                    x_m: x,
                    y_m: 0.0,
                    z_m: None,
                    sigma_m: 20_000.0,
                },
                attributes: None,
            };
            tr.push(det, &mut |_, _| moments += 1).unwrap();
        }
        tr.finish(&mut |_, _| moments += 1);
        assert_eq!(moments, 3);
    }

    /// The items buffer survives the change of lifetime between batches: a scan's
    /// 100,000 items are not allocated again for each batch.
    #[test]
    fn released_items_keep_their_allocation() {
        let geometry = SensorGeometry::new(geodesy::FrameTransform {
            rotation: nalgebra::Matrix3::identity(),
            translation: Vector3::zeros(),
        });
        let mut items: Vec<BatchItem<'_>> = Vec::with_capacity(1000);
        items.push(BatchItem {
            model: MeasurementModel::Bearing {
                sensor: &geometry,
                azimuth_rad: 0.0,
                elevation_rad: None,
                sigma_azimuth_rad: 0.01,
                sigma_elevation_rad: 0.0,
            },
            position: None,
            lambda: 1.0,
            det: 0,
            coop_id: 0,
        });
        let ptr = items.as_ptr() as usize;
        let kept = release(items);
        assert!(kept.is_empty());
        assert!(kept.capacity() >= 1000);
        assert_eq!(kept.as_ptr() as usize, ptr);
    }
}
