//! The tracking thread: parse → track → classify → rules → lanes, plus the live
//! picture the API reads and the sensor-health watch.

use crate::bus::Lane;
use crate::metrics::Metrics;
use crate::Msg;
use formats::DetectionParser;
use geodesy::Lla;
use model::{AlertReport, AlertState, SensorIndex, SensorTable, TrackReport};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tracker::{Tracker, TrackerConfig};

/// Input chunks the tracking thread's queue holds; inputs wait (TCP, replay, sim) or
/// drop and count (UDP) when it is full.
pub(crate) const QUEUE_CHUNKS: usize = 256;
/// How often the clock ticks into the tracking thread.
pub(crate) const TICK: Duration = Duration::from_millis(10);
/// The live picture is republished at most this often (alerts at once).
const PUBLISH_EVERY: Duration = Duration::from_millis(100);
/// Closed alerts stay in the live list this long (data time), so an operator sees
/// what just ended.
const KEEP_CLOSED_S: f64 = 600.0;
/// Rejections logged one by one before only counting.
const MAX_LOGGED_REJECTIONS: u64 = 20;

/// What goes down the lanes.
#[derive(Debug, Clone)]
pub(crate) enum Event {
    /// Every confirmed track at one moment.
    Tracks(Arc<[TrackReport]>),
    /// One alert's change of state.
    Alert(Arc<AlertReport>),
}

/// One sensor as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorStatus {
    /// Name.
    pub name: String,
    /// Kind (`radar`, `rf`, ...).
    pub kind: &'static str,
    /// Position, when known.
    pub position: Option<Lla>,
    /// Instrumented range, metres, when stated: its coverage ring on the map.
    pub max_range_m: Option<f64>,
    /// Detections accepted from it.
    pub detections: u64,
    /// Time of its latest detection, seconds.
    pub last_report_s: Option<f64>,
    /// Detections per second over the latest complete window.
    pub rate_per_s: f64,
    /// `ok`, `waiting` (never heard), `silent` or `rate_changed`.
    pub health: &'static str,
}

/// The picture the HTTP API serves: refreshed by the tracking thread.
#[derive(Debug, Clone, Default)]
pub struct Live {
    /// Data time of the picture, seconds.
    pub time_s: f64,
    /// Confirmed tracks at that time.
    pub tracks: Arc<[TrackReport]>,
    /// Open alerts and those closed in the last ten minutes, by id.
    pub alerts: Vec<AlertReport>,
    /// Sensors with their health, in sensor index order (`sensors[i]` is
    /// `SensorIndex(i)`).
    pub sensors: Vec<SensorStatus>,
    /// Site origin.
    pub origin: Option<Lla>,
}

/// Maps wall time to data time: data time runs at `rate` and is never behind the most
/// advanced detection seen.
struct Clock {
    rate: Option<f64>,
    start: Instant,
    offset_s: Option<f64>,
}

impl Clock {
    fn saw(&mut self, time_s: f64, at: Instant) {
        if let Some(rate) = self.rate {
            let o = time_s - at.duration_since(self.start).as_secs_f64() * rate;
            self.offset_s = Some(self.offset_s.map_or(o, |p| p.max(o)));
        }
    }

    fn now_s(&self, at: Instant) -> Option<f64> {
        let rate = self.rate?;
        Some(self.offset_s? + at.duration_since(self.start).as_secs_f64() * rate)
    }
}

/// Everything but the tracker, so the tracker's emit callback can borrow it.
struct Rest {
    rules: Option<rules::AlertEngine>,
    health: rules::SensorHealth,
    lanes: Vec<(Arc<Lane<Event>>, Wants)>,
    live: Arc<RwLock<Live>>,
    metrics: Arc<Metrics>,
    /// Latest state of alerts shown on the API.
    alerts: BTreeMap<u64, AlertReport>,
    /// (time, arrival) of the first detection of each newer time, for latencies.
    arrivals: VecDeque<(f64, Instant)>,
    last_publish: Instant,
    pending_tracks: Option<(f64, Arc<[TrackReport]>)>,
    alerts_dirty: bool,
    /// A sensor's own status changed what the sensors view shows.
    sensors_dirty: bool,
    latest_s: f64,
}

/// Which events an output takes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Wants {
    pub tracks: bool,
    pub alerts: bool,
}

pub(crate) struct Engine {
    tracker: Tracker,
    parser: DetectionParser,
    clock: Clock,
    rest: Rest,
    input_names: Vec<String>,
    line_no: u64,
    rejected: u64,
    frame: Option<geodesy::LocalFrame>,
}

impl Engine {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        cfg: TrackerConfig,
        origin: Option<Lla>,
        sensors: SensorTable,
        rules: Option<rules::AlertEngine>,
        health: rules::HealthConfig,
        lanes: Vec<(Arc<Lane<Event>>, Wants)>,
        live: Arc<RwLock<Live>>,
        metrics: Arc<Metrics>,
        input_names: Vec<String>,
        clock_rate: Option<f64>,
    ) -> Result<Self, String> {
        let origin = origin.or(sensors.origin());
        let tracker = Tracker::new(cfg, origin, &sensors).map_err(|e| e.to_string())?;
        if let Ok(mut l) = live.write() {
            l.origin = origin;
        }
        Ok(Self {
            tracker,
            parser: DetectionParser::new(sensors),
            clock: Clock {
                rate: clock_rate,
                start: Instant::now(),
                offset_s: None,
            },
            rest: Rest {
                rules,
                health: rules::SensorHealth::new(health),
                lanes,
                live,
                metrics,
                alerts: BTreeMap::new(),
                arrivals: VecDeque::new(),
                last_publish: Instant::now(),
                pending_tracks: None,
                alerts_dirty: false,
                sensors_dirty: false,
                latest_s: f64::NEG_INFINITY,
            },
            input_names,
            line_no: 0,
            rejected: 0,
            frame: origin.map(geodesy::LocalFrame::new),
        })
    }

    /// Runs until every sender is gone, then tracks what is buffered and closes the
    /// lanes (outputs drain them and finish).
    pub(crate) fn run(mut self, mut rx: mpsc::Receiver<Msg>) {
        let mut last_health = Instant::now();
        while let Some(msg) = rx.blocking_recv() {
            match msg {
                Msg::Lines {
                    input,
                    data,
                    arrived,
                } => self.lines(input, &data, arrived),
                Msg::SensorStatus {
                    sensor,
                    kind,
                    time_s,
                    position,
                    fault,
                } => self.sensor_status(sensor, kind, time_s, position, fault),
                Msg::Ack { id, by, reply } => {
                    let _ = reply.send(self.ack(id, &by));
                }
                Msg::Tick(now) => {
                    if let Some(t) = self.clock.now_s(now) {
                        let rest = &mut self.rest;
                        self.tracker
                            .advance(t, &mut |t, reports| rest.moment(t, reports));
                        if now.duration_since(last_health) >= Duration::from_secs(1) {
                            last_health = now;
                            self.health(t);
                        }
                    }
                    self.rest.publish(false, &self.parser, &self.clock);
                }
            }
        }
        let rest = &mut self.rest;
        self.tracker
            .finish(&mut |t, reports| rest.moment(t, reports));
        self.rest.publish(true, &self.parser, &self.clock);
        for (lane, _) in &self.rest.lanes {
            lane.close();
        }
        let s = self.tracker.stats();
        tracing::info!(
            lines = self.line_no,
            accepted = s.accepted,
            rejected = self.rejected,
            confirmed = s.tracks_confirmed,
            "tracking stopped"
        );
    }

    fn lines(&mut self, input: usize, data: &[u8], arrived: Instant) {
        for line in data.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            self.line_no += 1;
            let det = match self.parser.parse_line(line, self.line_no) {
                Ok(Some(d)) => d,
                Ok(None) => continue,
                Err(e) => {
                    self.reject(input, &e.to_string());
                    continue;
                }
            };
            self.sync_sensors();
            let (time_s, sensor) = (det.time_s, det.sensor);
            let rest = &mut self.rest;
            match self
                .tracker
                .push(det, &mut |t, reports| rest.moment(t, reports))
            {
                Ok(()) => {
                    self.rest.metrics.accepted.inc();
                    self.clock.saw(time_s, arrived);
                    if self.rest.arrivals.back().is_none_or(|b| time_s > b.0) {
                        self.rest.arrivals.push_back((time_s, arrived));
                    }
                    self.rest.health.observe(sensor.0 as usize, time_s);
                }
                Err(e) => self.reject(input, &e.to_string()),
            }
        }
    }

    /// Gives the tracker the sensors the parser met since (in detections or status
    /// reports), in index order.
    fn sync_sensors(&mut self) {
        while let Some(s) = self
            .parser
            .sensors()
            .get(SensorIndex(self.tracker.sensor_count() as u32))
        {
            self.tracker.add_sensor(s);
        }
    }

    /// A status report: a sensor not in the sensors file that says where it stands
    /// joins the table (so its range-bearing detections can be used); its health
    /// watch hears that it is alive, and what fault it declares.
    fn sensor_status(
        &mut self,
        sensor: String,
        kind: model::SensorKind,
        time_s: f64,
        position: Option<Lla>,
        fault: Option<String>,
    ) {
        let i = match (self.parser.sensors().find(&sensor), position) {
            (Some(i), _) => i,
            (None, Some(p)) => {
                tracing::info!(%sensor, "a sensor announced itself with its position");
                let mut s = model::Sensor::unnamed_kind(&sensor);
                s.kind = kind;
                s.position = Some(p);
                self.parser.add_sensor(s)
            }
            (None, None) => return,
        };
        self.sync_sensors();
        self.rest.health.status(i.0 as usize, time_s, fault);
        self.rest.sensors_dirty = true;
    }

    fn reject(&mut self, input: usize, why: &str) {
        self.rejected += 1;
        self.rest.metrics.rejected.inc();
        let name = self.input_names.get(input).map_or("?", String::as_str);
        if self.rejected <= MAX_LOGGED_REJECTIONS {
            tracing::warn!(input = name, "rejected: {why}");
        } else if self.rejected == MAX_LOGGED_REJECTIONS + 1 {
            tracing::warn!(
                "further rejections are counted (skyfence_detections_rejected_total), not logged"
            );
        }
    }

    fn ack(&mut self, id: u64, by: &str) -> Result<AlertReport, rules::AckError> {
        let t = self.rest.latest_s.max(0.0);
        let engine = self
            .rest
            .rules
            .as_mut()
            .ok_or(rules::AckError::Unknown(id))?;
        let a = engine.acknowledge(id, by, t)?;
        tracing::info!(alert = id, by, "acknowledged");
        self.rest.alert_out(a.clone(), None);
        self.rest.publish(true, &self.parser, &self.clock);
        Ok(a)
    }

    fn health(&mut self, t: f64) {
        let Some(engine) = self.rest.rules.as_mut() else {
            return;
        };
        let sensors = self.parser.sensors();
        let frame = self.frame.as_ref();
        let findings = self.rest.health.check(t, |i| {
            let s = sensors.get(SensorIndex(i as u32))?;
            let position_m = match (frame, s.position) {
                (Some(f), Some(p)) => f.lla_to_enu(p).0.into(),
                _ => [0.0; 3],
            };
            Some((s.name.clone(), position_m, s.position))
        });
        for a in engine.health(t, &findings) {
            self.rest.alert_out(a, None);
        }
    }
}

impl Rest {
    /// One moment from the tracker.
    fn moment(&mut self, t: f64, reports: &[TrackReport]) {
        self.latest_s = self.latest_s.max(t);
        // The arrival of this moment's first detection.
        let mut arrived = None;
        while let Some(&(bt, at)) = self.arrivals.front() {
            if bt > t {
                break;
            }
            if bt == t {
                arrived = Some(at);
            }
            self.arrivals.pop_front();
        }
        let now = Instant::now();
        if let Some(at) = arrived {
            self.metrics
                .moment_latency
                .observe(now.duration_since(at).as_secs_f64());
        }
        let shared: Arc<[TrackReport]> = Arc::from(reports);
        self.metrics.tracks.set(reports.len() as i64);
        for (lane, wants) in &self.lanes {
            if wants.tracks {
                lane.push(Event::Tracks(shared.clone()));
            }
        }
        self.pending_tracks = Some((t, shared));
        if let Some(engine) = self.rules.as_mut() {
            let changed = engine.step(t, reports);
            for a in changed {
                self.alert_out(a, arrived);
            }
        }
    }

    fn alert_out(&mut self, a: AlertReport, arrived: Option<Instant>) {
        if a.state == AlertState::New {
            if let Some(at) = arrived {
                self.metrics
                    .alert_latency
                    .observe(at.elapsed().as_secs_f64());
            }
        }
        self.metrics.alert_changes.inc();
        let shared = Arc::new(a);
        for (lane, wants) in &self.lanes {
            if wants.alerts {
                lane.push(Event::Alert(shared.clone()));
            }
        }
        self.alerts.insert(shared.alert, (*shared).clone());
        self.alerts_dirty = true;
    }

    /// Refreshes the live picture: at most every [`PUBLISH_EVERY`] unless forced or
    /// alerts changed.
    fn publish(&mut self, force: bool, parser: &DetectionParser, clock: &Clock) {
        let due = self.last_publish.elapsed() >= PUBLISH_EVERY;
        if !(force
            || self.alerts_dirty
            || (due && (self.pending_tracks.is_some() || self.sensors_dirty)))
        {
            return;
        }
        self.sensors_dirty = false;
        self.last_publish = Instant::now();
        let latest = self.latest_s;
        self.alerts
            .retain(|_, a| a.state != AlertState::Closed || latest - a.time_s <= KEEP_CLOSED_S);
        let open = self
            .alerts
            .values()
            .filter(|a| a.state != AlertState::Closed)
            .count();
        self.metrics.alerts_open.set(open as i64);
        let now_s = clock.now_s(Instant::now()).unwrap_or(latest);
        let sensors: Vec<SensorStatus> = parser
            .sensors()
            .iter()
            .map(|(i, s)| {
                let (detections, last_report_s, rate_per_s) = self.health.counts(i.0 as usize);
                SensorStatus {
                    name: s.name.clone(),
                    kind: s.kind.as_str(),
                    position: s.position,
                    max_range_m: s.max_range_m,
                    detections,
                    last_report_s,
                    rate_per_s,
                    health: self.health.state(i.0 as usize, now_s),
                }
            })
            .collect();
        let Ok(mut live) = self.live.write() else {
            return;
        };
        if let Some((t, tracks)) = self.pending_tracks.take() {
            live.time_s = t;
            live.tracks = tracks;
        }
        if self.alerts_dirty {
            live.alerts = self.alerts.values().cloned().collect();
            self.alerts_dirty = false;
        }
        live.sensors = sensors;
    }
}
