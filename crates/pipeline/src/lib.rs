//! The live runtime behind `skyfence serve`: inputs feed one tracking thread, whose
//! moments and alerts go out over a bus with a backpressure policy per output.
//!
//! ```text
//! tcp / udp / replay / sim ──lines──▶ tracking thread ──▶ lanes ──▶ alerts file
//!        (tokio tasks)        (bounded     (parse, track,    (one per     tracks file
//!                              channel)     classify, rules)  output)     CoT, webhook
//!                                               │
//!                                               └──▶ Live (the HTTP API reads it)
//! ```
//!
//! The tracking, classification and rules stay in their pure crates; this crate adds
//! the clock, the threads, the sockets and the files. The tracking thread is a plain
//! thread (the work is CPU-bound and must not stall the async reactor); it blocks only
//! on its input channel and on lanes whose policy is [`OnFull::Block`].
#![deny(missing_docs)]

mod adapters;
mod bus;
mod engine;
mod inputs;
mod metrics;
mod outputs;
mod sapient_io;

pub use bus::{Lane, LanePolicy, OnFull};
pub use engine::{Live, SensorStatus};
pub use metrics::Metrics;

use geodesy::Lla;
use model::{AlertReport, SensorTable};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tracker::TrackerConfig;

/// A problem that stops the service from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// A multicast setting was refused by the system.
    #[error("cannot send to multicast group {addr}: {source}")]
    Multicast {
        /// The group.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// A socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// A file could not be opened.
    #[error("cannot open {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The tracker refused its configuration.
    #[error("tracker: {0}")]
    Tracker(String),
    /// An HTTP client could not be built.
    #[error("webhook client: {0}")]
    Http(String),
}

/// One input.
pub enum InputPlan {
    /// JSON Lines over TCP: skyfence listens; each connection is a stream of lines.
    Tcp {
        /// Where to listen.
        listen: SocketAddr,
    },
    /// JSON Lines over UDP: each datagram holds one or more whole lines.
    Udp {
        /// Where to listen.
        listen: SocketAddr,
    },
    /// A detections file replayed by its `time_s`.
    Replay {
        /// The file.
        path: PathBuf,
        /// Times faster than real time; `None` for as fast as the tracker takes it.
        speed: Option<f64>,
    },
    /// The simulator, paced by simulated time.
    Sim {
        /// The prepared simulation.
        sim: Box<simulator::Simulation>,
        /// Times faster than real time.
        speed: f64,
        /// Simulated seconds run at once before pacing starts, so a demo opens on a
        /// picture already under way.
        from_s: f64,
    },
    /// ASTERIX CAT048 over UDP.
    Asterix {
        /// Where to listen.
        listen: SocketAddr,
        /// Radars by SAC/SIC.
        radars: asterix::ReceiverConfig,
    },
    /// Mode S from a Beast TCP port.
    Beast {
        /// The receiver's Beast port.
        connect: SocketAddr,
        /// Receiver settings (sensor name, reference position).
        receiver: adsb::ReceiverConfig,
    },
    /// Remote ID hex JSON lines over UDP.
    RemoteId {
        /// Where to listen.
        listen: SocketAddr,
        /// Receiver settings (sensor name).
        receiver: remoteid::ReceiverConfig,
    },
    /// SAPIENT (BSI Flex 335 v2.0) over TCP, skyfence in the fusion-node role.
    Sapient(SapientListen),
}

/// A SAPIENT fusion-node listener's settings.
#[derive(Debug, Clone)]
pub struct SapientListen {
    /// Where to listen.
    pub listen: SocketAddr,
    /// This node's id (UUID) in the messages it sends.
    pub node_id: String,
    /// The largest frame accepted.
    pub max_frame_bytes: usize,
    /// Alerts to send to every registered node, as encoded frames.
    pub alerts: tokio::sync::broadcast::Sender<std::sync::Arc<Vec<u8>>>,
}

impl InputPlan {
    /// A name for logs and metrics.
    pub fn name(&self) -> String {
        match self {
            InputPlan::Tcp { listen } => format!("tcp:{listen}"),
            InputPlan::Udp { listen } => format!("udp:{listen}"),
            InputPlan::Replay { path, .. } => format!("replay:{}", path.display()),
            InputPlan::Sim { .. } => "sim".into(),
            InputPlan::Sapient(s) => format!("sapient:{}", s.listen),
            InputPlan::Asterix { listen, .. } => format!("asterix:{listen}"),
            InputPlan::Beast { connect, .. } => format!("beast:{connect}"),
            InputPlan::RemoteId { listen, .. } => format!("remoteid:{listen}"),
        }
    }
}

/// How CoT events travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CotTransport {
    /// One event per datagram (unicast or a multicast group).
    Udp,
    /// A stream of events to a TAK server's TCP input, reconnecting when it drops.
    Tcp,
}

/// One output, with its lane's policy.
pub enum OutputPlan {
    /// Alert lines (JSON Lines) appended to a file.
    AlertsFile {
        /// The file.
        path: PathBuf,
        /// Lane policy.
        lane: LanePolicy,
    },
    /// Track lines (JSON Lines) appended to a file.
    TracksFile {
        /// The file.
        path: PathBuf,
        /// Lane policy.
        lane: LanePolicy,
    },
    /// Cursor-on-Target XML events for tracks and alerts.
    Cot {
        /// UDP or TCP.
        transport: CotTransport,
        /// Where to send.
        address: SocketAddr,
        /// How long a receiver keeps an event without news, seconds.
        stale_s: f64,
        /// Least interval between two events of one track, seconds of track time.
        track_interval_s: f64,
        /// Whether bird tracks are sent.
        birds: bool,
        /// To a multicast group: how many router hops datagrams may cross (1 keeps
        /// them on the local network).
        multicast_ttl: u32,
        /// To an IPv4 multicast group: the local interface address to send from
        /// (default: the one the routing table picks).
        multicast_interface: Option<std::net::Ipv4Addr>,
        /// Lane policy.
        lane: LanePolicy,
    },
    /// ASTERIX CAT062 system tracks, one data block per UDP datagram.
    Asterix {
        /// Where to send (unicast or a multicast group).
        address: SocketAddr,
        /// I062/010 and I062/015 of this node.
        source: asterix::cat062::Source,
        /// Least interval between two reports of one track, seconds of track time.
        track_interval_s: f64,
        /// A track without an update for longer is sent as coasting, seconds.
        coasting_after_s: f64,
        /// Whether bird tracks are sent.
        birds: bool,
        /// To a multicast group: router hops.
        multicast_ttl: u32,
        /// Lane policy.
        lane: LanePolicy,
    },
    /// Alerts as SAPIENT Alert messages to every node registered on a SAPIENT input.
    SapientAlerts {
        /// The input's broadcast of encoded frames.
        alerts: tokio::sync::broadcast::Sender<std::sync::Arc<Vec<u8>>>,
        /// This node's id.
        node_id: String,
        /// Lane policy.
        lane: LanePolicy,
    },
    /// skyfence as a SAPIENT node of an upstream fusion node: it registers, then sends
    /// its tracks as detection reports and its alerts as alerts.
    SapientUpstream {
        /// The upstream node's address.
        address: SocketAddr,
        /// This node's id.
        node_id: String,
        /// The name it registers with.
        name: String,
        /// Least interval between two reports of one track, seconds of track time.
        track_interval_s: f64,
        /// Whether bird tracks are sent.
        birds: bool,
        /// The largest frame accepted from upstream.
        max_frame_bytes: usize,
        /// Lane policy.
        lane: LanePolicy,
    },
    /// Each alert line POSTed as JSON, retried with exponential backoff.
    Webhook {
        /// The URL.
        url: String,
        /// First retry delay; doubles up to `max_backoff`.
        initial_backoff: Duration,
        /// Largest retry delay.
        max_backoff: Duration,
        /// Per-request timeout.
        timeout: Duration,
        /// Lane policy.
        lane: LanePolicy,
    },
}

/// Everything the service needs, validated.
pub struct Plan {
    /// Tracker settings.
    pub tracker: TrackerConfig,
    /// Known sensors.
    pub sensors: SensorTable,
    /// Site origin.
    pub origin: Option<Lla>,
    /// The alert rules, when zones are given.
    pub rules: Option<rules::AlertEngine>,
    /// Inputs.
    pub inputs: Vec<InputPlan>,
    /// Outputs.
    pub outputs: Vec<OutputPlan>,
    /// Sensor health thresholds.
    pub health: rules::HealthConfig,
    /// Rate of data time against wall time, for advancing the tracker when inputs go
    /// quiet; `None` when an input is unpaced (then data time has no wall-clock rate).
    pub clock_rate: Option<f64>,
}

/// A request to the tracking thread.
pub(crate) enum Msg {
    /// Lines from an input (whole lines, each ending in a newline or at the end).
    Lines {
        input: usize,
        data: Vec<u8>,
        arrived: std::time::Instant,
    },
    /// An operator's acknowledgement.
    Ack {
        id: u64,
        by: String,
        reply: oneshot::Sender<Result<AlertReport, rules::AckError>>,
    },
    /// A sensor's own status report (SAPIENT): it is alive, where it stands when it
    /// says, and the fault it declares (`None`: all well).
    SensorStatus {
        sensor: String,
        kind: model::SensorKind,
        time_s: f64,
        position: Option<Lla>,
        fault: Option<String>,
    },
    /// Time passes: the clock read when the tick was queued, so lines queued before
    /// it are judged against the time it was sent, not the time it is handled.
    Tick(std::time::Instant),
}

/// A running service.
pub struct Running {
    /// What the API shows.
    pub live: Arc<RwLock<Live>>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    to_engine: mpsc::Sender<Msg>,
    stop_inputs: tokio::sync::watch::Sender<bool>,
    inputs: Vec<JoinHandle<()>>,
    engine: Option<std::thread::JoinHandle<()>>,
    outputs: Vec<JoinHandle<()>>,
    ticker: JoinHandle<()>,
    /// Sends `true` when every replay and sim input has reached its end.
    pub inputs_done: tokio::sync::watch::Receiver<bool>,
}

/// Why an acknowledgement failed.
#[derive(Debug, thiserror::Error)]
pub enum AckFailure {
    /// The rules refused it.
    #[error(transparent)]
    Refused(#[from] rules::AckError),
    /// The service has no alert rules, or is stopping.
    #[error("the service is not taking acknowledgements (no zones, or stopping)")]
    Unavailable,
}

impl Running {
    /// Acknowledges alert `id` for operator `by`.
    pub async fn acknowledge(&self, id: u64, by: &str) -> Result<AlertReport, AckFailure> {
        let (reply, answer) = oneshot::channel();
        self.to_engine
            .send(Msg::Ack {
                id,
                by: by.to_owned(),
                reply,
            })
            .await
            .map_err(|_| AckFailure::Unavailable)?;
        Ok(answer.await.map_err(|_| AckFailure::Unavailable)??)
    }

    /// Stops taking input, tracks what was accepted to the end, and flushes every
    /// output (network outputs get `grace` to deliver what they hold).
    pub async fn shutdown(mut self, grace: Duration) {
        let _ = self.stop_inputs.send(true);
        for h in self.inputs.drain(..) {
            let _ = h.await;
        }
        self.ticker.abort();
        // Dropping the last sender ends the tracking thread's loop.
        drop(self.to_engine);
        if let Some(engine) = self.engine.take() {
            let _ = tokio::task::spawn_blocking(move || engine.join()).await;
        }
        let all = futures_join(self.outputs);
        if tokio::time::timeout(grace, all).await.is_err() {
            tracing::warn!("outputs did not finish within {grace:?}; what they held is lost");
        }
    }
}

async fn futures_join(handles: Vec<JoinHandle<()>>) {
    for h in handles {
        let _ = h.await;
    }
}

/// Starts the service: binds every input, opens every output, starts the tracking
/// thread. Must run inside a tokio runtime.
pub async fn start(plan: Plan) -> Result<Running, PipelineError> {
    let metrics = Arc::new(Metrics::new());
    let (to_engine, from_inputs) = mpsc::channel::<Msg>(engine::QUEUE_CHUNKS);
    let (stop_inputs, stop_rx) = tokio::sync::watch::channel(false);
    let (done_tx, inputs_done) = tokio::sync::watch::channel(false);
    // Outputs first: nothing may be produced before every output can take it.
    let mut lanes = Vec::new();
    let mut outputs = Vec::new();
    for o in plan.outputs {
        let (lane, task) = outputs::start(o, metrics.clone()).await?;
        lanes.push(lane);
        outputs.push(task);
    }
    let names: Vec<String> = plan.inputs.iter().map(InputPlan::name).collect();
    let mut finite = 0usize;
    let (fin_tx, mut fin_rx) = mpsc::channel::<()>(plan.inputs.len().max(1));
    let mut inputs = Vec::new();
    for (i, input) in plan.inputs.into_iter().enumerate() {
        if matches!(input, InputPlan::Replay { .. } | InputPlan::Sim { .. }) {
            finite += 1;
        }
        let h = inputs::start(
            input,
            i,
            to_engine.clone(),
            stop_rx.clone(),
            metrics.clone(),
            fin_tx.clone(),
        )
        .await?;
        inputs.push(h);
    }
    drop(fin_tx);
    if finite > 0 {
        tokio::spawn(async move {
            for _ in 0..finite {
                if fin_rx.recv().await.is_none() {
                    break;
                }
            }
            let _ = done_tx.send(true);
        });
    }
    let live = Arc::new(RwLock::new(Live::default()));
    let eng = engine::Engine::new(
        plan.tracker,
        plan.origin,
        plan.sensors,
        plan.rules,
        plan.health,
        lanes,
        live.clone(),
        metrics.clone(),
        names,
        plan.clock_rate,
    )
    .map_err(PipelineError::Tracker)?;
    let engine = std::thread::Builder::new()
        .name("skyfence-tracking".into())
        .spawn(move || eng.run(from_inputs))
        .map_err(|e| PipelineError::Tracker(format!("cannot start the tracking thread: {e}")))?;
    let tick_tx = to_engine.clone();
    let ticker = tokio::spawn(async move {
        let mut every = tokio::time::interval(engine::TICK);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            every.tick().await;
            // A full queue means the thread is busy and will see time pass anyway.
            if let Err(mpsc::error::TrySendError::Closed(_)) =
                tick_tx.try_send(Msg::Tick(std::time::Instant::now()))
            {
                break;
            }
        }
    });
    Ok(Running {
        live,
        metrics,
        to_engine,
        stop_inputs,
        inputs,
        engine: Some(engine),
        outputs,
        ticker,
        inputs_done,
    })
}
