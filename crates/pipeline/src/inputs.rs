//! Inputs: each turns its source into chunks of whole JSON lines for the tracking
//! thread. TCP, replay and sim wait when the thread's queue is full (TCP's own flow
//! control then slows the sender); UDP cannot wait, so it drops and counts.

use crate::metrics::Metrics;
use crate::{InputPlan, Msg, PipelineError};
use std::io::{BufRead, BufReader};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};

/// A line longer than this ends its TCP connection: a peer that never sends a newline
/// must not grow our buffer without bound.
pub(crate) const MAX_LINE_BYTES: usize = 1 << 20;
/// Chunks handed to the tracking thread are about this size.
const CHUNK_BYTES: usize = 1 << 16;

pub(crate) async fn start(
    input: InputPlan,
    index: usize,
    tx: mpsc::Sender<Msg>,
    stop: watch::Receiver<bool>,
    metrics: Arc<Metrics>,
    finished: mpsc::Sender<()>,
) -> Result<JoinHandle<()>, PipelineError> {
    let name = input.name();
    let (lines, dropped) = metrics.input(&name);
    match input {
        InputPlan::Tcp { listen } => {
            let listener =
                TcpListener::bind(listen)
                    .await
                    .map_err(|source| PipelineError::Bind {
                        addr: listen.to_string(),
                        source,
                    })?;
            tracing::info!(%listen, "JSON Lines over TCP");
            Ok(tokio::spawn(tcp_accept(
                listener, index, tx, stop, lines, dropped,
            )))
        }
        InputPlan::Udp { listen } => {
            let socket = crate::adapters::bind_udp(listen).await?;
            tracing::info!(%listen, "JSON Lines over UDP");
            Ok(tokio::spawn(udp_loop(
                socket, index, tx, stop, lines, dropped,
            )))
        }
        InputPlan::Replay { path, speed } => {
            let file = std::fs::File::open(&path).map_err(|source| PipelineError::File {
                path: path.clone(),
                source,
            })?;
            Ok(tokio::task::spawn_blocking(move || {
                if let Err(e) = replay(file, speed, index, &tx, &stop, &lines) {
                    tracing::error!(file = %path.display(), "replay stopped: {e}");
                } else {
                    tracing::info!(file = %path.display(), "replay finished");
                }
                let _ = finished.blocking_send(());
            }))
        }
        InputPlan::Asterix { listen, radars } => {
            crate::adapters::asterix_udp(listen, radars, index, tx, stop, (lines, dropped)).await
        }
        InputPlan::Beast { connect, receiver } => Ok(crate::adapters::beast_tcp(
            connect,
            receiver,
            index,
            tx,
            stop,
            (lines, dropped),
        )),
        InputPlan::RemoteId { listen, receiver } => {
            crate::adapters::remoteid_udp(listen, receiver, index, tx, stop, (lines, dropped)).await
        }
        InputPlan::Sapient(cfg) => {
            // Messages received count as the input's lines; refused ones as dropped.
            crate::sapient_io::listen(
                cfg,
                index,
                tx,
                stop,
                crate::sapient_io::SapientCounts {
                    messages: lines,
                    rejected: dropped,
                },
            )
            .await
        }
        InputPlan::Sim {
            mut sim,
            speed,
            from_s,
        } => Ok(tokio::task::spawn_blocking(move || {
            let start = Instant::now();
            let result = sim.run(|t, dets, _truth| -> Result<(), &'static str> {
                if *stop.borrow() {
                    return Err("stopped");
                }
                let paced_s = (t - from_s).max(0.0) / speed;
                if let Some(wait) = Duration::from_secs_f64(paced_s).checked_sub(start.elapsed()) {
                    std::thread::sleep(wait);
                }
                if dets.is_empty() {
                    return Ok(());
                }
                lines.inc_by(memchr::memchr_iter(b'\n', dets).count() as u64);
                tx.blocking_send(Msg::Lines {
                    input: index,
                    data: dets.to_vec(),
                    arrived: Instant::now(),
                })
                .map_err(|_| "the tracking thread stopped")
            });
            match result {
                Ok(_) => tracing::info!("simulation finished"),
                Err(e) => tracing::info!("simulation ended: {e}"),
            }
            let _ = finished.blocking_send(());
        })),
    }
}

type Counter = prometheus_client::metrics::counter::Counter;

async fn tcp_accept(
    listener: TcpListener,
    index: usize,
    tx: mpsc::Sender<Msg>,
    mut stop: watch::Receiver<bool>,
    lines: Counter,
    dropped: Counter,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    tracing::info!(%peer, "sensor connected");
                    conns.spawn(tcp_conn(stream, index, tx.clone(), stop.clone(), lines.clone(), dropped.clone()));
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

async fn tcp_conn(
    mut stream: TcpStream,
    index: usize,
    tx: mpsc::Sender<Msg>,
    mut stop: watch::Receiver<bool>,
    lines: Counter,
    dropped: Counter,
) {
    let peer = stream
        .peer_addr()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK_BYTES * 2);
    loop {
        if buf.capacity() - buf.len() < CHUNK_BYTES / 2 {
            buf.reserve(CHUNK_BYTES);
        }
        let n = tokio::select! {
            _ = stop.changed() => 0,
            r = stream.read_buf(&mut buf) => match r {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(%peer, "read failed: {e}");
                    0
                }
            },
        };
        let arrived = Instant::now();
        if n == 0 {
            // End of stream (or stopping): what is left is the last line.
            if !buf.is_empty() {
                lines.inc();
                let _ = tx
                    .send(Msg::Lines {
                        input: index,
                        data: std::mem::take(&mut buf),
                        arrived,
                    })
                    .await;
            }
            tracing::info!(%peer, "sensor disconnected");
            return;
        }
        let Some(last_nl) = memchr::memrchr(b'\n', &buf) else {
            if buf.len() > MAX_LINE_BYTES {
                dropped.inc();
                tracing::warn!(%peer, "a line longer than {MAX_LINE_BYTES} bytes: closing the connection");
                return;
            }
            continue;
        };
        let rest = buf.split_off(last_nl + 1);
        lines.inc_by(memchr::memchr_iter(b'\n', &buf).count() as u64);
        let chunk = std::mem::replace(&mut buf, rest);
        if tx
            .send(Msg::Lines {
                input: index,
                data: chunk,
                arrived,
            })
            .await
            .is_err()
        {
            return;
        }
    }
}

async fn udp_loop(
    socket: UdpSocket,
    index: usize,
    tx: mpsc::Sender<Msg>,
    mut stop: watch::Receiver<bool>,
    lines: Counter,
    dropped: Counter,
) {
    let mut buf = vec![0u8; 65_536];
    loop {
        let Some(n) = crate::adapters::recv(&socket, &mut buf, &mut stop).await else {
            return;
        };
        let data = buf[..n].to_vec();
        let count = memchr::memchr_iter(b'\n', &data).count().max(1) as u64;
        match tx.try_send(Msg::Lines {
            input: index,
            data,
            arrived: Instant::now(),
        }) {
            Ok(()) => {
                lines.inc_by(count);
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                dropped.inc_by(count);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => return,
        }
    }
}

/// The `time_s` of a line, found without parsing the whole line (pacing only; the
/// tracking thread parses it properly).
fn time_of(line: &[u8]) -> Option<f64> {
    let at = memchr::memmem::find(line, b"\"time_s\"")? + 8;
    let rest = &line[at..];
    let colon = memchr::memchr(b':', rest)?;
    let num = rest[colon + 1..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        .map(|&b| b as char)
        .collect::<String>();
    num.parse().ok()
}

fn replay(
    file: std::fs::File,
    speed: Option<f64>,
    index: usize,
    tx: &mpsc::Sender<Msg>,
    stop: &watch::Receiver<bool>,
    lines: &Counter,
) -> Result<(), String> {
    let mut reader = BufReader::with_capacity(CHUNK_BYTES, file);
    let start = Instant::now();
    let mut first: Option<f64> = None;
    let mut chunk: Vec<u8> = Vec::with_capacity(CHUNK_BYTES + 1024);
    let mut chunk_lines = 0u64;
    let mut line = Vec::with_capacity(512);
    let send = |chunk: &mut Vec<u8>, n: &mut u64| -> Result<(), String> {
        if chunk.is_empty() {
            return Ok(());
        }
        lines.inc_by(*n);
        *n = 0;
        tx.blocking_send(Msg::Lines {
            input: index,
            data: std::mem::take(chunk),
            arrived: Instant::now(),
        })
        .map_err(|_| "the tracking thread stopped".to_owned())
    };
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("read failed: {e}"))?;
        if n == 0 {
            return send(&mut chunk, &mut chunk_lines);
        }
        if let (Some(speed), Some(t)) = (speed, time_of(&line)) {
            let t0 = *first.get_or_insert(t);
            let due = Duration::from_secs_f64(((t - t0) / speed).max(0.0));
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                // Whatever is due now goes out before the wait.
                send(&mut chunk, &mut chunk_lines)?;
                std::thread::sleep(wait);
            }
        }
        chunk.extend_from_slice(&line);
        if line.last() != Some(&b'\n') {
            chunk.push(b'\n');
        }
        chunk_lines += 1;
        if chunk.len() >= CHUNK_BYTES {
            send(&mut chunk, &mut chunk_lines)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::time_of;

    #[test]
    fn time_of_finds_the_field_anywhere() {
        assert_eq!(time_of(br#"{"time_s":12.5,"sensor":"r"}"#), Some(12.5));
        assert_eq!(time_of(br#"{"sensor":"r", "time_s" : 3e1}"#), Some(30.0));
        assert_eq!(time_of(br#"{"sensor":"r"}"#), None);
        assert_eq!(time_of(br#"{"time_s":"x"}"#), None);
    }
}
