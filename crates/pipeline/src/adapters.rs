//! Live inputs in the sensors' own protocols: ASTERIX CAT048 over UDP, Mode S from a
//! Beast TCP port, Remote ID hex lines over UDP. Each turns what it receives into
//! detection lines for the tracking thread, through the same adapter code as `skyfence
//! decode`; the input's metrics count messages received and refused.

use crate::{Msg, PipelineError};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

type Counter = prometheus_client::metrics::counter::Counter;

use crate::outputs::now_unix_s;

/// Hands a chunk of detection lines to the tracking thread; false when it stopped.
async fn forward(
    tx: &mpsc::Sender<Msg>,
    index: usize,
    lines: &mut Vec<u8>,
    arrived: Instant,
) -> bool {
    if lines.is_empty() {
        return true;
    }
    let data = std::mem::replace(lines, Vec::with_capacity(8192));
    tx.send(Msg::Lines {
        input: index,
        data,
        arrived,
    })
    .await
    .is_ok()
}

/// The next datagram's length, or `None` when the service stops. A failed receive
/// (an ICMP error surfacing, say) is logged and skipped.
pub(crate) async fn recv(
    socket: &UdpSocket,
    buf: &mut [u8],
    stop: &mut watch::Receiver<bool>,
) -> Option<usize> {
    loop {
        tokio::select! {
            _ = stop.changed() => return None,
            r = socket.recv_from(buf) => match r {
                Ok((n, _)) => return Some(n),
                Err(e) => tracing::warn!("UDP receive failed: {e}"),
            },
        }
    }
}

pub(crate) async fn bind_udp(listen: SocketAddr) -> Result<UdpSocket, PipelineError> {
    UdpSocket::bind(listen)
        .await
        .map_err(|source| PipelineError::Bind {
            addr: listen.to_string(),
            source,
        })
}

/// ASTERIX data blocks over UDP (unicast or, with a multicast listen address on
/// Linux, joined by the caller's network setup).
pub(crate) async fn asterix_udp(
    listen: SocketAddr,
    cfg: asterix::ReceiverConfig,
    index: usize,
    tx: mpsc::Sender<Msg>,
    mut stop: watch::Receiver<bool>,
    (received, refused): (Counter, Counter),
) -> Result<JoinHandle<()>, PipelineError> {
    let socket = bind_udp(listen).await?;
    tracing::info!(%listen, "ASTERIX over UDP");
    Ok(tokio::spawn(async move {
        let names: std::collections::HashMap<(u8, u8), String> = cfg
            .radars
            .iter()
            .map(|(k, r)| (*k, r.name.clone()))
            .collect();
        let mut rx = asterix::Receiver::new(cfg);
        let mut buf = vec![0u8; 65_536];
        let mut lines = Vec::with_capacity(8192);
        loop {
            let Some(n) = recv(&socket, &mut buf, &mut stop).await else {
                return;
            };
            let now = now_unix_s();
            let mut statuses = Vec::new();
            let before = rx.stats().records;
            let errors = rx.read(&buf[..n], Some(now), |rec, d| {
                if let Some(d) = d {
                    d.write(&mut lines);
                }
                // A radar's service messages (north markers, sector crossings) say it
                // is turning even when it sees nothing; NOGO says it is inhibited.
                if let asterix::Record::Cat034(m) = rec {
                    if let Some(name) = names.get(&(m.sac, m.sic)) {
                        statuses.push(Msg::SensorStatus {
                            sensor: name.clone(),
                            kind: model::SensorKind::Radar,
                            time_s: m
                                .time_of_day_s
                                .map_or(now, |t| asterix::time_on_day(t, now)),
                            position: None,
                            fault: (m.nogo == Some(true)).then(|| {
                                "NOGO: the radar reports itself inhibited (I034/050)".to_string()
                            }),
                        });
                    }
                }
            });
            for st in statuses {
                if tx.send(st).await.is_err() {
                    return;
                }
            }
            received.inc_by(rx.stats().records - before);
            for e in &errors {
                refused.inc();
                tracing::debug!("refused ASTERIX data: {e}");
            }
            if !forward(&tx, index, &mut lines, Instant::now()).await {
                return;
            }
        }
    }))
}

/// Mode S from a receiver's Beast port (dump1090, readsb), reconnecting when it drops.
/// Frames are timed on arrival: the Beast 12 MHz clock is the receiver's own.
pub(crate) fn beast_tcp(
    connect: SocketAddr,
    cfg: adsb::ReceiverConfig,
    index: usize,
    tx: mpsc::Sender<Msg>,
    mut stop: watch::Receiver<bool>,
    (received, refused): (Counter, Counter),
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut rx = adsb::Receiver::new(cfg);
        let sensor = rx.config().sensor.clone();
        let mut warned = false;
        loop {
            if *stop.borrow() {
                return;
            }
            let mut stream = match TcpStream::connect(connect).await {
                Ok(s) => {
                    tracing::info!(%connect, "connected to the Beast port");
                    warned = false;
                    s
                }
                Err(e) => {
                    if !warned {
                        tracing::warn!(%connect, "Beast port: {e}; retrying every 2 s");
                        warned = true;
                    }
                    tokio::select! {
                        _ = stop.changed() => return,
                        _ = tokio::time::sleep(Duration::from_secs(2)) => continue,
                    }
                }
            };
            let mut framer = adsb::framing::BeastFramer::new();
            let mut buf = vec![0u8; 65_536];
            let mut lines = Vec::with_capacity(8192);
            loop {
                let n = tokio::select! {
                    _ = stop.changed() => return,
                    r = stream.read(&mut buf) => r.unwrap_or(0),
                };
                if n == 0 {
                    tracing::warn!(%connect, "the Beast port closed; reconnecting");
                    break;
                }
                let arrived = Instant::now();
                let t = now_unix_s();
                let mut frames = Vec::new();
                framer.push(&buf[..n], |f| frames.push(f));
                received.inc_by(frames.len() as u64);
                for f in frames {
                    match rx.hear_fast(t, &f.data) {
                        Ok(Some(d)) => d.write(&sensor, &mut lines),
                        Ok(None) => {}
                        Err(e) => {
                            refused.inc();
                            tracing::debug!("refused Mode S frame: {e}");
                        }
                    }
                }
                if !forward(&tx, index, &mut lines, arrived).await {
                    return;
                }
            }
        }
    })
}

/// Remote ID over UDP: each datagram one or more JSON lines `{"time_s", "hex", "tx"}`
/// (as a Wi-Fi/Bluetooth receiver bridge sends them).
pub(crate) async fn remoteid_udp(
    listen: SocketAddr,
    cfg: remoteid::ReceiverConfig,
    index: usize,
    tx: mpsc::Sender<Msg>,
    mut stop: watch::Receiver<bool>,
    (received, refused): (Counter, Counter),
) -> Result<JoinHandle<()>, PipelineError> {
    let socket = bind_udp(listen).await?;
    tracing::info!(%listen, "Remote ID over UDP");
    Ok(tokio::spawn(async move {
        let mut rx = remoteid::Receiver::new(cfg);
        let sensor = rx.config().sensor.clone();
        let mut buf = vec![0u8; 65_536];
        let mut lines = Vec::with_capacity(8192);
        let mut line_no = 0u64;
        loop {
            let Some(n) = recv(&socket, &mut buf, &mut stop).await else {
                return;
            };
            for line in String::from_utf8_lossy(&buf[..n]).lines() {
                line_no += 1;
                match remoteid::parse_hex_line(line, line_no) {
                    Ok(Some(h)) => {
                        received.inc();
                        let p = remoteid::Payload {
                            transport: remoteid::Transport::Hex,
                            tx_mac: None,
                            counter: None,
                            body: &h.bytes,
                        };
                        let heard = rx.hear(h.time_s, &p, h.tx.as_deref());
                        refused.inc_by(heard.errors.len() as u64);
                        for d in &heard.detections {
                            d.write(&sensor, &mut lines);
                        }
                    }
                    Ok(None) => {}
                    Err(e) => {
                        refused.inc();
                        tracing::debug!("refused Remote ID line: {e}");
                    }
                }
            }
            if !forward(&tx, index, &mut lines, Instant::now()).await {
                return;
            }
        }
    }))
}
