//! Outputs: each drains its own lane. Files take alert and track lines; CoT goes to a
//! TAK server or multicast group; the webhook POSTs alerts with retry and backoff.

use crate::bus::{Lane, OnFull};
use crate::engine::{Event, Wants};
use crate::metrics::Metrics;
use crate::{CotTransport, OutputPlan, PipelineError};
use formats::Affiliation;
use model::{AlertKind, AlertState, Class};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};
use tokio::task::JoinHandle;

type Counter = prometheus_client::metrics::counter::Counter;

/// The counters of one output, with the lane's drop count carried over.
pub(crate) struct Counts {
    pub(crate) sent: Counter,
    dropped: Counter,
    pub(crate) failed: Counter,
    dropped_seen: u64,
}

impl Counts {
    pub(crate) fn sync_dropped(&mut self, lane: &Lane<Event>) {
        let (_, dropped) = lane.counts();
        if dropped > self.dropped_seen {
            self.dropped.inc_by(dropped - self.dropped_seen);
            self.dropped_seen = dropped;
        }
    }
}

async fn open_append(path: &Path) -> Result<tokio::fs::File, PipelineError> {
    tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .await
        .map_err(|source| PipelineError::File {
            path: path.to_path_buf(),
            source,
        })
}

pub(crate) async fn start(
    plan: OutputPlan,
    metrics: Arc<Metrics>,
) -> Result<((Arc<Lane<Event>>, Wants), JoinHandle<()>), PipelineError> {
    let (name, policy, wants) = match &plan {
        OutputPlan::AlertsFile { path, lane } => (
            format!("alerts:{}", path.display()),
            *lane,
            Wants {
                tracks: false,
                alerts: true,
            },
        ),
        OutputPlan::TracksFile { path, lane } => (
            format!("tracks:{}", path.display()),
            *lane,
            Wants {
                tracks: true,
                alerts: false,
            },
        ),
        OutputPlan::Cot {
            transport,
            address,
            lane,
            ..
        } => (
            format!(
                "cot:{}:{address}",
                if *transport == CotTransport::Udp {
                    "udp"
                } else {
                    "tcp"
                }
            ),
            *lane,
            Wants {
                tracks: true,
                alerts: true,
            },
        ),
        OutputPlan::Asterix { address, lane, .. } => (
            format!("asterix:udp:{address}"),
            *lane,
            Wants {
                tracks: true,
                alerts: false,
            },
        ),
        OutputPlan::SapientAlerts { lane, .. } => (
            "sapient:alerts".to_string(),
            *lane,
            Wants {
                tracks: false,
                alerts: true,
            },
        ),
        OutputPlan::SapientUpstream { address, lane, .. } => (
            format!("sapient:upstream:{address}"),
            *lane,
            Wants {
                tracks: true,
                alerts: true,
            },
        ),
        OutputPlan::Webhook { url, lane, .. } => (
            format!("webhook:{url}"),
            *lane,
            Wants {
                tracks: false,
                alerts: true,
            },
        ),
    };
    let lane = Arc::new(Lane::new(name.clone(), policy));
    let (sent, dropped, failed) = metrics.output(&name);
    let counts = Counts {
        sent,
        dropped,
        failed,
        dropped_seen: 0,
    };
    let l = lane.clone();
    let task = match plan {
        OutputPlan::AlertsFile { path, .. } | OutputPlan::TracksFile { path, .. } => {
            let file = open_append(&path).await?;
            tokio::spawn(file_task(l, file, counts, name.clone()))
        }
        OutputPlan::Cot {
            transport,
            address,
            stale_s,
            track_interval_s,
            birds,
            multicast_ttl,
            multicast_interface,
            ..
        } => {
            let sink = match transport {
                CotTransport::Udp => {
                    CotSink::Udp(udp_sender(address, multicast_ttl, multicast_interface).await?)
                }
                CotTransport::Tcp => CotSink::Tcp(None),
            };
            tokio::spawn(cot_task(
                l,
                sink,
                address,
                CotSettings {
                    stale_s,
                    track_interval_s,
                    birds,
                },
                counts,
            ))
        }
        OutputPlan::Asterix {
            address,
            source,
            track_interval_s,
            coasting_after_s,
            birds,
            multicast_ttl,
            ..
        } => {
            let sock = udp_sender(address, multicast_ttl, None).await?;
            tokio::spawn(asterix_task(
                l,
                sock,
                address,
                source,
                (track_interval_s, coasting_after_s, birds),
                counts,
            ))
        }
        OutputPlan::SapientAlerts {
            alerts, node_id, ..
        } => tokio::spawn(crate::sapient_io::alerts_task(l, alerts, node_id, counts)),
        OutputPlan::SapientUpstream {
            address,
            node_id,
            name,
            track_interval_s,
            birds,
            max_frame_bytes,
            ..
        } => tokio::spawn(crate::sapient_io::upstream_task(
            l,
            crate::sapient_io::Upstream {
                address,
                node_id,
                name,
                track_interval_s,
                birds,
                max_frame_bytes,
            },
            counts,
        )),
        OutputPlan::Webhook {
            url,
            initial_backoff,
            max_backoff,
            timeout,
            ..
        } => {
            let client = reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .map_err(|e| PipelineError::Http(e.to_string()))?;
            tokio::spawn(webhook_task(
                l,
                client,
                url,
                (initial_backoff, max_backoff),
                counts,
            ))
        }
    };
    if policy.on_full == OnFull::Block {
        tracing::info!(output = %name, capacity = policy.capacity, "output lane blocks when full");
    }
    Ok(((lane, wants), task))
}

async fn file_task(lane: Arc<Lane<Event>>, mut file: tokio::fs::File, mut c: Counts, name: String) {
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    while let Some(events) = lane.take_all().await {
        buf.clear();
        let mut n = 0u64;
        for e in &events {
            match e {
                Event::Alert(a) => {
                    formats::append_alert(&mut buf, a);
                    n += 1;
                }
                Event::Tracks(reports) => {
                    for r in reports.iter() {
                        formats::append_track(&mut buf, r);
                        n += 1;
                    }
                }
            }
        }
        // Flushed per batch: an alert must be on disk, not in a buffer, when a person
        // or a script looks.
        let written = async {
            file.write_all(&buf).await?;
            file.flush().await
        };
        match written.await {
            Ok(()) => {
                c.sent.inc_by(n);
            }
            Err(e) => {
                c.failed.inc_by(n);
                tracing::error!(output = %name, "write failed: {e}");
            }
        }
        c.sync_dropped(&lane);
    }
    if let Err(e) = file.sync_all().await {
        tracing::warn!(output = %name, "final sync failed: {e}");
    }
}

/// Sets how far datagrams to a multicast group travel and, for IPv4, which interface
/// they leave by (tokio has no call for the interface; socket2 sets it on the same
/// socket).
fn multicast(
    s: &UdpSocket,
    group: SocketAddr,
    ttl: u32,
    interface: Option<std::net::Ipv4Addr>,
) -> std::io::Result<()> {
    let sock = socket2::SockRef::from(s);
    if group.is_ipv4() {
        sock.set_multicast_ttl_v4(ttl)?;
        if let Some(i) = interface {
            sock.set_multicast_if_v4(&i)?;
        }
    } else {
        sock.set_multicast_hops_v6(ttl)?;
    }
    Ok(())
}

enum CotSink {
    Udp(UdpSocket),
    Tcp(Option<TcpStream>),
}

struct CotSettings {
    stale_s: f64,
    track_interval_s: f64,
    birds: bool,
}

pub(crate) fn now_unix_s() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The affiliation an alert suggests for its tracks: crossings and entries are
/// hostile, approaches and patterns suspect. A suggestion for the display; judging
/// stays with people.
fn alert_affiliation(kind: AlertKind) -> Option<Affiliation> {
    match kind {
        AlertKind::BorderCrossed | AlertKind::ProtectedEntry | AlertKind::AirspaceViolation => {
            Some(Affiliation::Hostile)
        }
        AlertKind::BorderCrossingPredicted
        | AlertKind::Swarm
        | AlertKind::Loitering
        | AlertKind::PossiblySpoofed => Some(Affiliation::Suspect),
        AlertKind::SensorHealth => None,
    }
}

fn rank(a: Affiliation) -> u8 {
    match a {
        Affiliation::Unknown => 0,
        Affiliation::Neutral => 1,
        Affiliation::Suspect => 2,
        Affiliation::Hostile => 3,
    }
}

/// Which track reports an output sends: at most one per track per `interval_s` of
/// track time, birds only when asked. Shared by the CoT, CAT062 and SAPIENT outputs.
pub(crate) struct TrackPacer {
    interval_s: f64,
    birds: bool,
    last_sent: HashMap<u64, f64>,
}

impl TrackPacer {
    pub(crate) fn new(interval_s: f64, birds: bool) -> Self {
        Self {
            interval_s,
            birds,
            last_sent: HashMap::new(),
        }
    }

    /// `None` when `r` is not to be sent now; else whether it would be the track's
    /// first report.
    pub(crate) fn due(&self, r: &model::TrackReport) -> Option<bool> {
        if r.classification.class == Class::Bird && !self.birds {
            return None;
        }
        match self.last_sent.get(&r.track) {
            Some(&t) if r.time_s - t < self.interval_s => None,
            prev => Some(prev.is_none()),
        }
    }

    /// `r` was sent.
    pub(crate) fn sent(&mut self, r: &model::TrackReport) {
        self.last_sent.insert(r.track, r.time_s);
    }

    /// Forgets tracks not sent for ten minutes of the picture's time (their ids never
    /// come back).
    pub(crate) fn forget_old(&mut self, reports: &[model::TrackReport]) {
        if let Some(t) = reports.first().map(|r| r.time_s) {
            self.last_sent.retain(|_, &mut l| t - l < 600.0);
        }
    }
}

/// A UDP socket to send to `address`, set up for a multicast group when it is one.
async fn udp_sender(
    address: SocketAddr,
    multicast_ttl: u32,
    multicast_interface: Option<std::net::Ipv4Addr>,
) -> Result<UdpSocket, PipelineError> {
    let local: SocketAddr = if address.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let s = UdpSocket::bind(local)
        .await
        .map_err(|source| PipelineError::Bind {
            addr: local.to_string(),
            source,
        })?;
    if address.ip().is_multicast() {
        multicast(&s, address, multicast_ttl, multicast_interface).map_err(|source| {
            PipelineError::Multicast {
                addr: address.to_string(),
                source,
            }
        })?;
    }
    Ok(s)
}

/// Sends each picture's tracks as CAT062 data blocks, at most one report per track
/// per `interval` of track time.
async fn asterix_task(
    lane: Arc<Lane<Event>>,
    sock: UdpSocket,
    address: SocketAddr,
    source: asterix::cat062::Source,
    (interval_s, coasting_after_s, birds): (f64, f64, bool),
    mut c: Counts,
) {
    let mut pacer = TrackPacer::new(interval_s, birds);
    let mut tracks = Vec::new();
    while let Some(events) = lane.take_all().await {
        tracks.clear();
        for e in &events {
            let Event::Tracks(reports) = e else { continue };
            for r in reports.iter() {
                let Some(first) = pacer.due(r) else { continue };
                if let Some(t) = asterix::cat062::from_report(r, coasting_after_s, first) {
                    pacer.sent(r);
                    tracks.push(t);
                }
            }
            pacer.forget_old(reports);
        }
        for block in asterix::cat062::encode_blocks(&source, &tracks) {
            match sock.send_to(&block, address).await {
                Ok(_) => {
                    c.sent.inc();
                }
                Err(e) => {
                    c.failed.inc();
                    tracing::debug!(%address, "ASTERIX send failed: {e}");
                }
            }
        }
        c.sync_dropped(&lane);
    }
}

async fn cot_task(
    lane: Arc<Lane<Event>>,
    mut sink: CotSink,
    address: SocketAddr,
    s: CotSettings,
    mut c: Counts,
) {
    const UID: &str = "skyfence";
    // Open alerts: id -> (affiliation, tracks).
    let mut open: BTreeMap<u64, (Affiliation, Vec<u64>)> = BTreeMap::new();
    let mut pacer = TrackPacer::new(s.track_interval_s, s.birds);
    let mut retry_at = tokio::time::Instant::now();
    while let Some(events) = lane.take_all().await {
        let now = now_unix_s();
        let mut out: Vec<String> = Vec::new();
        for e in &events {
            match e {
                Event::Alert(a) => {
                    match (a.state, alert_affiliation(a.kind)) {
                        (AlertState::Closed, _) => {
                            open.remove(&a.alert);
                        }
                        (_, Some(aff)) => {
                            open.insert(a.alert, (aff, a.tracks.clone()));
                        }
                        (_, None) => {}
                    }
                    out.extend(formats::cot_alert_event(a, UID, now, s.stale_s));
                }
                Event::Tracks(reports) => {
                    let mut by_track: HashMap<u64, Affiliation> = HashMap::new();
                    for (aff, tracks) in open.values() {
                        for t in tracks {
                            let e = by_track.entry(*t).or_insert(Affiliation::Unknown);
                            if rank(*aff) > rank(*e) {
                                *e = *aff;
                            }
                        }
                    }
                    for r in reports.iter() {
                        if pacer.due(r).is_none() {
                            continue;
                        }
                        let aff = by_track.get(&r.track).copied().unwrap_or(
                            if r.classification.class == Class::Aircraft && r.identity.is_some() {
                                Affiliation::Neutral
                            } else {
                                Affiliation::Unknown
                            },
                        );
                        if let Some(x) = formats::cot_track_event(r, aff, UID, now, s.stale_s) {
                            pacer.sent(r);
                            out.push(x);
                        }
                    }
                    pacer.forget_old(reports);
                }
            }
        }
        for x in out {
            let ok = match &mut sink {
                CotSink::Udp(sock) => sock.send_to(x.as_bytes(), address).await.is_ok(),
                CotSink::Tcp(stream) => {
                    if stream.is_none() && tokio::time::Instant::now() >= retry_at {
                        match TcpStream::connect(address).await {
                            Ok(st) => *stream = Some(st),
                            Err(e) => {
                                tracing::warn!(%address, "CoT TCP connect failed: {e}");
                                retry_at = tokio::time::Instant::now() + Duration::from_secs(2);
                            }
                        }
                    }
                    match stream {
                        Some(st) => {
                            if st.write_all(x.as_bytes()).await.is_ok() {
                                true
                            } else {
                                *stream = None;
                                false
                            }
                        }
                        None => false,
                    }
                }
            };
            if ok {
                c.sent.inc();
            } else {
                c.failed.inc();
            }
        }
        c.sync_dropped(&lane);
    }
}

async fn webhook_task(
    lane: Arc<Lane<Event>>,
    client: reqwest::Client,
    url: String,
    (initial, max): (Duration, Duration),
    mut c: Counts,
) {
    while let Some(events) = lane.take_all().await {
        for e in events {
            let Event::Alert(a) = e else { continue };
            let body = formats::alert_json(&a);
            let mut backoff = initial;
            loop {
                let result = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                match result {
                    Ok(r) if r.status().is_success() => {
                        c.sent.inc();
                        break;
                    }
                    Ok(r) => {
                        c.failed.inc();
                        tracing::warn!(%url, status = %r.status(), "webhook refused alert {}; retrying in {backoff:?}", a.alert);
                    }
                    Err(e) => {
                        c.failed.inc();
                        tracing::warn!(%url, "webhook failed for alert {}: {e}; retrying in {backoff:?}", a.alert);
                    }
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(max);
                c.sync_dropped(&lane);
            }
        }
        c.sync_dropped(&lane);
    }
}
