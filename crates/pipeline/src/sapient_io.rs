//! SAPIENT on the service: the fusion-node listener (sensors register, report status
//! and detections; alerts go back to them), and the client of an upstream fusion node
//! (skyfence registers and reports its tracks and alerts).

use crate::bus::Lane;
use crate::engine::Event;
use crate::{Msg, PipelineError, SapientListen};
use sapient::proto::{
    registration, sapient_message::Content, status_report, Error as SapientError, Registration,
    RegistrationAck, SapientMessage, TaskAck,
};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};

type Counter = prometheus_client::metrics::counter::Counter;

use crate::outputs::now_unix_s;

fn frame(msg: &SapientMessage) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    sapient::encode_frame(msg, &mut out);
    out
}

fn envelope(node_id: &str, to: Option<&str>, content: Content) -> SapientMessage {
    SapientMessage {
        timestamp: Some(sapient::timestamp(now_unix_s())),
        node_id: Some(node_id.to_string()),
        destination_id: to.map(str::to_string),
        content: Some(content),
        additional_information: None,
    }
}

/// The sensor kind a registration declares.
fn kind_of(r: &Registration) -> model::SensorKind {
    use registration::NodeType as T;
    match r.node_definition.first().map(|d| d.node_type()) {
        Some(T::Radar) => model::SensorKind::Radar,
        Some(T::Acoustic) => model::SensorKind::Acoustic,
        Some(T::PassiveRf) => model::SensorKind::PassiveRf,
        Some(T::Camera) => model::SensorKind::EoIr,
        _ => model::SensorKind::Other,
    }
}

/// The position a status report gives, when it is a WGS-84 ellipsoid lat/lon.
fn status_position(s: &sapient::proto::StatusReport) -> Option<geodesy::Lla> {
    use sapient::proto::{LocationCoordinateSystem as C, LocationDatum as D};
    let l = s.node_location.as_ref()?;
    let k = match l.coordinate_system() {
        C::LatLngDegM => 1.0,
        C::LatLngRadM => 1.0f64.to_degrees(),
        _ => return None,
    };
    let alt = if l.datum() == D::Wgs84E {
        l.z.unwrap_or(0.0)
    } else {
        0.0
    };
    geodesy::Lla::try_from_degrees(l.y? * k, l.x? * k, alt).ok()
}

/// The fault a status report declares, if any.
fn status_fault(s: &sapient::proto::StatusReport) -> Option<String> {
    use status_report::{StatusLevel, System};
    let mut what: Vec<String> = Vec::new();
    match s.system() {
        System::Error => what.push("system error".into()),
        System::Goodbye => what.push("signed off (goodbye)".into()),
        _ => {}
    }
    for st in &s.status {
        if st.status_level() == StatusLevel::ErrorStatus {
            what.push(format!(
                "{}: {}",
                st.status_type().as_str_name(),
                st.status_value.as_deref().unwrap_or("")
            ));
        }
    }
    (!what.is_empty()).then(|| what.join("; "))
}

/// Counters of one SAPIENT listener.
#[derive(Clone)]
pub(crate) struct SapientCounts {
    pub messages: Counter,
    pub rejected: Counter,
}

pub(crate) async fn listen(
    cfg: SapientListen,
    index: usize,
    tx: mpsc::Sender<Msg>,
    stop: watch::Receiver<bool>,
    counts: SapientCounts,
) -> Result<JoinHandle<()>, PipelineError> {
    let listener = TcpListener::bind(cfg.listen)
        .await
        .map_err(|source| PipelineError::Bind {
            addr: cfg.listen.to_string(),
            source,
        })?;
    tracing::info!(listen = %cfg.listen, node = %cfg.node_id, "SAPIENT fusion node");
    Ok(tokio::spawn(accept(listener, cfg, index, tx, stop, counts)))
}

async fn accept(
    listener: TcpListener,
    cfg: SapientListen,
    index: usize,
    tx: mpsc::Sender<Msg>,
    mut stop: watch::Receiver<bool>,
    counts: SapientCounts,
) {
    let mut conns = JoinSet::new();
    let cfg = Arc::new(cfg);
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    tracing::info!(%peer, "SAPIENT node connected");
                    conns.spawn(conn(stream, peer, cfg.clone(), index, tx.clone(), stop.clone(), counts.clone()));
                }
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    while conns.join_next().await.is_some() {}
}

/// One node's connection: registration, then reports; alerts go back out.
async fn conn(
    mut stream: TcpStream,
    peer: SocketAddr,
    cfg: Arc<SapientListen>,
    index: usize,
    tx: mpsc::Sender<Msg>,
    mut stop: watch::Receiver<bool>,
    counts: SapientCounts,
) {
    let mut reader = sapient::FrameReader::new(cfg.max_frame_bytes);
    let mut registered: HashMap<String, model::SensorKind> = HashMap::new();
    let mut alerts = cfg.alerts.subscribe();
    let mut buf = vec![0u8; 64 * 1024];
    let mut lines: Vec<u8> = Vec::with_capacity(64 * 1024);
    loop {
        let n = tokio::select! {
            _ = stop.changed() => 0,
            a = alerts.recv() => {
                match a {
                    Ok(f) if !registered.is_empty() => {
                        if stream.write_all(&f).await.is_err() {
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(k)) => {
                        tracing::warn!(%peer, "SAPIENT node too slow: {k} alerts not sent to it");
                    }
                    Err(broadcast::error::RecvError::Closed) => {}
                }
                continue;
            }
            r = stream.read(&mut buf) => r.unwrap_or(0),
        };
        if n == 0 {
            break;
        }
        let arrived = Instant::now();
        let mut replies: Vec<Vec<u8>> = Vec::new();
        let mut statuses: Vec<Msg> = Vec::new();
        let res = reader.push(&buf[..n], |m, body| {
            counts.messages.inc();
            let m = match m {
                Ok(m) => m,
                Err(e) => {
                    counts.rejected.inc();
                    tracing::warn!(%peer, "refused SAPIENT frame: {e}");
                    replies.push(frame(&envelope(
                        &cfg.node_id,
                        None,
                        Content::Error(SapientError {
                            packet: Some(body.iter().take(1024).copied().collect()),
                            error_message: vec![e.to_string()],
                        }),
                    )));
                    return;
                }
            };
            let from = m.node_id.clone().unwrap_or_default();
            let t = m.timestamp.as_ref().map(sapient::unix_s).unwrap_or_else(now_unix_s);
            match m.content {
                Some(Content::Registration(r)) => {
                    if from.is_empty() {
                        counts.rejected.inc();
                        replies.push(frame(&envelope(
                            &cfg.node_id,
                            None,
                            Content::RegistrationAck(RegistrationAck {
                                acceptance: Some(false),
                                ack_response_reason: vec!["a registration needs a node_id".into()],
                            }),
                        )));
                        return;
                    }
                    tracing::info!(%peer, node = %from, name = r.name.as_deref().unwrap_or(""), "SAPIENT node registered");
                    registered.insert(from.clone(), kind_of(&r));
                    replies.push(frame(&envelope(
                        &cfg.node_id,
                        Some(&from),
                        Content::RegistrationAck(RegistrationAck {
                            acceptance: Some(true),
                            ack_response_reason: Vec::new(),
                        }),
                    )));
                }
                _ if !registered.contains_key(&from) => {
                    counts.rejected.inc();
                    replies.push(frame(&envelope(
                        &cfg.node_id,
                        (!from.is_empty()).then_some(from.as_str()),
                        Content::Error(SapientError {
                            packet: Some(body.iter().take(1024).copied().collect()),
                            error_message: vec![format!(
                                "node {from:?} is not registered: send a Registration first"
                            )],
                        }),
                    )));
                }
                Some(Content::DetectionReport(dr)) => match sapient::convert::detection(&from, t, &dr) {
                    Ok(d) => d.write(&mut lines),
                    Err(e) => {
                        counts.rejected.inc();
                        tracing::warn!(%peer, node = %from, "refused detection report: {e}");
                    }
                },
                Some(Content::StatusReport(s)) => statuses.push(Msg::SensorStatus {
                    sensor: from.clone(),
                    kind: registered.get(&from).copied().unwrap_or(model::SensorKind::Other),
                    time_s: t,
                    position: status_position(&s),
                    fault: status_fault(&s),
                }),
                Some(Content::Task(task)) => {
                    // skyfence is a fusion node that commands nothing.
                    replies.push(frame(&envelope(
                        &cfg.node_id,
                        Some(&from),
                        Content::TaskAck(TaskAck {
                            task_id: task.task_id,
                            task_status: Some(sapient::proto::task_ack::TaskStatus::Rejected as i32),
                            reason: vec!["skyfence accepts no tasks".into()],
                        }),
                    )));
                }
                _ => {}
            }
        });
        for st in statuses {
            if tx.send(st).await.is_err() {
                return;
            }
        }
        if !lines.is_empty() {
            let data = std::mem::replace(&mut lines, Vec::with_capacity(64 * 1024));
            if tx
                .send(Msg::Lines {
                    input: index,
                    data,
                    arrived,
                })
                .await
                .is_err()
            {
                return;
            }
        }
        for r in replies {
            if stream.write_all(&r).await.is_err() {
                return;
            }
        }
        if let Err(e) = res {
            // An over-long frame cannot be skipped safely: the stream is lost.
            counts.rejected.inc();
            tracing::warn!(%peer, "closing the SAPIENT connection: {e}");
            break;
        }
    }
    tracing::info!(%peer, "SAPIENT node disconnected");
}

/// Sends alerts as SAPIENT Alert frames to every connection of a listener.
pub(crate) async fn alerts_task(
    lane: Arc<Lane<Event>>,
    alerts: broadcast::Sender<Arc<Vec<u8>>>,
    node_id: String,
    mut c: crate::outputs::Counts,
) {
    while let Some(events) = lane.take_all().await {
        for e in &events {
            if let Event::Alert(a) = e {
                let f = Arc::new(frame(&sapient::convert::alert_message(&node_id, a)));
                // No registered node listening is not a failure: nobody asked.
                if alerts.send(f).is_ok() {
                    c.sent.inc();
                }
            }
        }
        c.sync_dropped(&lane);
    }
}

/// What the upstream task needs besides its lane.
pub(crate) struct Upstream {
    pub address: SocketAddr,
    pub node_id: String,
    pub name: String,
    pub track_interval_s: f64,
    pub birds: bool,
    pub max_frame_bytes: usize,
}

fn registration(u: &Upstream) -> SapientMessage {
    use registration::{
        Capability, ConfigurationData, DetectionDefinition, Duration as D, LocationType,
        ModeDefinition, ModeType, NodeDefinition, NodeType, StatusDefinition, TimeUnits,
        TrackingType,
    };
    let latlon = LocationType {
        coordinates_oneof: Some(
            registration::location_type::CoordinatesOneof::LocationUnits(
                sapient::proto::LocationCoordinateSystem::LatLngDegM as i32,
            ),
        ),
        datum_oneof: Some(registration::location_type::DatumOneof::LocationDatum(
            sapient::proto::LocationDatum::Wgs84E as i32,
        )),
        zone: None,
    };
    let secs = |v: f32| D {
        units: Some(TimeUnits::Seconds as i32),
        value: Some(v),
    };
    envelope(
        &u.node_id,
        None,
        Content::Registration(Registration {
            node_definition: vec![NodeDefinition {
                node_type: Some(NodeType::FusionNode as i32),
                node_sub_type: vec!["skyfence".into()],
            }],
            icd_version: Some(sapient::ICD_VERSION.into()),
            name: Some(u.name.clone()),
            short_name: Some("skyfence".into()),
            capabilities: vec![Capability {
                category: Some("Fusion".into()),
                r#type: Some("Multi-sensor air tracks".into()),
                value: None,
                units: None,
            }],
            status_definition: Some(StatusDefinition {
                status_interval: Some(secs(10.0)),
                location_definition: Some(latlon.clone()),
            }),
            mode_definition: vec![ModeDefinition {
                mode_name: Some("default".into()),
                mode_type: Some(ModeType::Permanent as i32),
                mode_description: Some("fused air picture".into()),
                settle_time: Some(secs(0.0)),
                maximum_latency: Some(secs(1.0)),
                scan_type: Some(registration::ScanType::Fixed as i32),
                tracking_type: Some(TrackingType::Track as i32),
                detection_definition: vec![DetectionDefinition {
                    location_type: Some(latlon),
                }],
            }],
            dependent_nodes: Vec::new(),
            config_data: vec![ConfigurationData {
                manufacturer: "skyfence".into(),
                model: "skyfence".into(),
                serial_number: None,
                hardware_version: None,
                software_version: Some(env!("CARGO_PKG_VERSION").into()),
            }],
        }),
    )
}

/// Connects, registers, waits for the acknowledgement, then streams tracks and
/// alerts; reconnects (and registers again) when the connection drops.
pub(crate) async fn upstream_task(
    lane: Arc<Lane<Event>>,
    u: Upstream,
    mut c: crate::outputs::Counts,
) {
    let mut stream: Option<TcpStream> = None;
    let mut retry_at = tokio::time::Instant::now();
    let mut pacer = crate::outputs::TrackPacer::new(u.track_interval_s, u.birds);
    let mut warned: HashSet<&'static str> = HashSet::new();
    while let Some(events) = lane.take_all().await {
        if stream.is_none() && tokio::time::Instant::now() >= retry_at {
            match connect_and_register(&u).await {
                Ok(s) => {
                    tracing::info!(address = %u.address, "registered with the upstream SAPIENT node");
                    warned.clear();
                    stream = Some(s);
                }
                Err(e) => {
                    if warned.insert("connect") {
                        tracing::warn!(address = %u.address, "upstream SAPIENT node: {e}");
                    }
                    retry_at = tokio::time::Instant::now() + Duration::from_secs(2);
                }
            }
        }
        c.sync_dropped(&lane);
        let Some(s) = stream.as_mut() else {
            c.failed.inc();
            continue;
        };
        let mut out: Vec<u8> = Vec::new();
        let mut n = 0u64;
        for e in &events {
            match e {
                Event::Alert(a) => {
                    sapient::encode_frame(
                        &sapient::convert::alert_message(&u.node_id, a),
                        &mut out,
                    );
                    n += 1;
                }
                Event::Tracks(reports) => {
                    for r in reports.iter() {
                        if pacer.due(r).is_none() {
                            continue;
                        }
                        if let Some(m) = sapient::convert::track_report(&u.node_id, r) {
                            pacer.sent(r);
                            sapient::encode_frame(&m, &mut out);
                            n += 1;
                        }
                    }
                    pacer.forget_old(reports);
                }
            }
        }
        if out.is_empty() {
            continue;
        }
        if s.write_all(&out).await.is_ok() {
            c.sent.inc_by(n);
        } else {
            c.failed.inc_by(n);
            tracing::warn!(address = %u.address, "upstream SAPIENT connection lost; reconnecting");
            stream = None;
        }
    }
}

async fn connect_and_register(u: &Upstream) -> Result<TcpStream, String> {
    let mut s = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(u.address))
        .await
        .map_err(|_| "connect timed out".to_string())?
        .map_err(|e| format!("connect failed: {e}"))?;
    s.write_all(&frame(&registration(u)))
        .await
        .map_err(|e| format!("sending the registration: {e}"))?;
    let mut reader = sapient::FrameReader::new(u.max_frame_bytes);
    let mut buf = vec![0u8; 8192];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let n = tokio::time::timeout_at(deadline, s.read(&mut buf))
            .await
            .map_err(|_| "no registration acknowledgement within 10 s".to_string())?
            .map_err(|e| format!("reading: {e}"))?;
        if n == 0 {
            return Err("the upstream node closed the connection".into());
        }
        let mut verdict: Option<Result<(), String>> = None;
        reader
            .push(&buf[..n], |m, _| {
                if let Ok(SapientMessage {
                    content: Some(Content::RegistrationAck(ack)),
                    ..
                }) = m
                {
                    verdict = Some(if ack.acceptance == Some(true) {
                        Ok(())
                    } else {
                        Err(format!(
                            "registration refused: {}",
                            ack.ack_response_reason.join("; ")
                        ))
                    });
                }
            })
            .map_err(|e| e.to_string())?;
        if let Some(v) = verdict {
            return v.map(|()| s);
        }
    }
}
