//! Decoding speed of the protocol adapters on one core: Mode S frames per second
//! (real frames through the Beast framer and the receiver, positions resolved).

use anyhow::{Context, Result};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Frames (or records) to decode per protocol.
    #[arg(long, default_value_t = 3_000_000)]
    pub count: usize,
}

pub fn run(a: Args) -> Result<()> {
    asterix_speed(a.count);
    adsb_speed(a.count)?;
    sapient_speed(a.count / 3)?;
    Ok(())
}

/// A Mode S plot as an en-route SSR sends it (the item set of the real recordings
/// that `crates/skyfence/tests/asterix_cli.rs` checks): I048/010, 140, 020, 040, 070,
/// 090, 130 (three subfields), 220, 240, 250 (one register), 161, 042, 200, 170, 230.
fn cat048_plot(i: u32) -> Vec<u8> {
    let mut r = vec![0b1111_1111, 0b1111_1111, 0b0000_0010];
    r.extend_from_slice(&[25, 201]);
    r.extend_from_slice(&(i * 16).to_be_bytes()[1..]);
    r.push(5 << 5);
    r.extend_from_slice(&((i % 60_000) as u16 + 1000).to_be_bytes());
    r.extend_from_slice(&((i * 7) as u16).to_be_bytes());
    r.extend_from_slice(&0o1000u16.to_be_bytes());
    r.extend_from_slice(&1320u16.to_be_bytes());
    r.extend_from_slice(&[0xe0, 40, 11, 0xb8]);
    r.extend_from_slice(&[0x3c, 0x66, 0x0c]);
    r.extend_from_slice(&[0x10, 0x43, 0x20, 0xd8, 0x20, 0x00]);
    r.push(1);
    r.extend_from_slice(&[0xc0, 0x78, 0x00, 0x31, 0xbc, 0x00, 0x00, 0x40]);
    r.extend_from_slice(&((i % 4096) as u16).to_be_bytes());
    r.extend_from_slice(&[0x4b, 0xf0, 0xc3, 0x20]);
    r.extend_from_slice(&[0x07, 0xb9, 0x58, 0x2e]);
    r.push(0x40);
    r.extend_from_slice(&[0x20, 0xf5]);
    r
}

fn asterix_speed(count: usize) {
    // Data blocks of up to 1,400 bytes, as radars send them in datagrams.
    let mut datagrams: Vec<Vec<u8>> = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut records = 0usize;
    let distinct = count.min(200_000);
    for i in 0..distinct {
        let rec = cat048_plot(i as u32);
        if cur.len() + rec.len() > 1400 - 3 {
            datagrams.push(std::mem::take(&mut cur));
        }
        cur.extend_from_slice(&rec);
        records += 1;
    }
    if !cur.is_empty() {
        datagrams.push(cur);
    }
    let datagrams: Vec<Vec<u8>> = datagrams
        .into_iter()
        .map(|body| {
            let mut b = vec![48u8];
            b.extend_from_slice(&((body.len() + 3) as u16).to_be_bytes());
            b.extend_from_slice(&body);
            b
        })
        .collect();
    let mut rx = asterix::Receiver::new(asterix::ReceiverConfig::default());
    let passes = count.div_ceil(records);
    let mut dets = 0u64;
    let start = Instant::now();
    for _ in 0..passes {
        for d in &datagrams {
            rx.read(d, Some(1.8e9), |_, det| dets += u64::from(det.is_some()));
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let s = rx.stats();
    println!(
        "ASTERIX CAT048 (decode + detections), one core: {} records in {secs:.3} s = {:.0} records/s ({} refused, {dets} detections)",
        s.records,
        s.records as f64 / secs,
        s.rejected
    );
}

fn adsb_speed(count: usize) -> Result<()> {
    let path = crate::shared_dir()?.join("realdata/modes_frames_traffic_full_flight_head.jsonl");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut frames: Vec<(f64, Vec<u8>)> = Vec::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        let hex = v["hex"].as_str().context("a frame without hex")?;
        let bytes = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()?;
        frames.push((v["t"].as_f64().unwrap_or(0.0), bytes));
    }
    let span_s = frames.last().map(|f| f.0).unwrap_or(0.0) - frames[0].0 + 1.0;
    // A Beast stream of the frames, repeated, as a receiver's port would send them.
    let mut stream = Vec::new();
    let passes = count.div_ceil(frames.len());
    for p in 0..passes {
        for (t, f) in &frames {
            let ticks = (((t - frames[0].0) + p as f64 * span_s) * 12e6) as u64;
            stream.push(0x1a);
            stream.push(if f.len() == 7 { b'2' } else { b'3' });
            let mut body = ticks.to_be_bytes()[2..].to_vec();
            body.push(100);
            body.extend_from_slice(f);
            for b in body {
                stream.push(b);
                if b == 0x1a {
                    stream.push(0x1a);
                }
            }
        }
    }
    let mut rx = adsb::Receiver::new(adsb::ReceiverConfig {
        reference: Some((49.0097, 2.5479)),
        ..Default::default()
    });
    let mut framer = adsb::framing::BeastFramer::new();
    let mut n = 0u64;
    let mut dets = 0u64;
    let start = Instant::now();
    for chunk in stream.chunks(64 * 1024) {
        framer.push(chunk, |f| {
            n += 1;
            if let Ok(d) = rx.hear_fast(f.mlat_ticks as f64 / 12e6, &f.data) {
                dets += u64::from(d.is_some());
            }
        });
    }
    let secs = start.elapsed().as_secs_f64();
    let s = rx.stats();
    println!(
        "Mode S to detections (Beast framing, direct read, rs1090 CPR), one core: {n} frames in {secs:.3} s = {:.0} frames/s ({} decoded, {} refused, {dets} detections)",
        n as f64 / secs,
        s.decoded,
        s.rejected
    );
    // rs1090's full decode of every frame (what `skyfence decode adsb --messages`
    // does), on a tenth as many frames.
    let mut rx = adsb::Receiver::new(adsb::ReceiverConfig {
        reference: Some((49.0097, 2.5479)),
        ..Default::default()
    });
    let tenth = (count / 10).max(1);
    let start = Instant::now();
    let mut m = 0usize;
    'outer: for p in 0..passes {
        for (t, f) in &frames {
            if m == tenth {
                break 'outer;
            }
            let _ = rx.hear(t + p as f64 * span_s, f);
            m += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "Mode S full decode of every frame (rs1090), one core: {m} frames in {secs:.3} s = {:.0} frames/s",
        m as f64 / secs
    );
    Ok(())
}

/// SAPIENT detection reports over a loopback TCP connection: a sender thread writes
/// pre-encoded range-bearing reports as fast as the socket takes them; the receiver
/// (one core) frames, decodes and converts each into a detection line, as the
/// service's fusion-node input does.
fn sapient_speed(count: usize) -> Result<()> {
    use sapient::proto::{
        detection_report, sapient_message::Content, DetectionReport, RangeBearing,
    };
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let mut frames = Vec::new();
    for k in 0..1000u32 {
        let m = sapient::SapientMessage {
            timestamp: Some(sapient::timestamp(1.78e9 + f64::from(k))),
            node_id: Some("6f1c2a9e-5b4d-4c3e-9a8f-1e2d3c4b5a60".into()),
            content: Some(Content::DetectionReport(DetectionReport {
                report_id: Some(sapient::convert::ulid(u64::from(k), b"r")),
                object_id: Some(sapient::convert::ulid(0, b"o")),
                location_oneof: Some(detection_report::LocationOneof::RangeBearing(
                    RangeBearing {
                        range: Some(3000.0 + f64::from(k)),
                        azimuth: Some(f64::from(k % 360)),
                        elevation: Some(2.0),
                        range_error: Some(10.0),
                        azimuth_error: Some(0.3),
                        elevation_error: Some(0.5),
                        coordinate_system: Some(
                            sapient::proto::RangeBearingCoordinateSystem::DegreesM as i32,
                        ),
                        datum: Some(sapient::proto::RangeBearingDatum::True as i32),
                    },
                )),
                detection_confidence: Some(0.9),
                ..Default::default()
            })),
            ..Default::default()
        };
        sapient::encode_frame(&m, &mut frames);
    }
    let passes = count.div_ceil(1000);
    let sender = std::thread::spawn(move || -> std::io::Result<()> {
        let mut s = std::net::TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        for _ in 0..passes {
            s.write_all(&frames)?;
        }
        Ok(())
    });
    let (mut conn, _) = listener.accept()?;
    let mut reader = sapient::FrameReader::new(sapient::DEFAULT_MAX_FRAME_BYTES);
    let mut buf = vec![0u8; 1 << 16];
    let mut lines: Vec<u8> = Vec::with_capacity(1 << 20);
    let (mut n, mut dets, mut bad) = (0u64, 0u64, 0u64);
    let start = Instant::now();
    loop {
        let k = conn.read(&mut buf)?;
        if k == 0 {
            break;
        }
        reader
            .push(&buf[..k], |m, _| {
                n += 1;
                match m
                    .ok()
                    .and_then(|m| match (m.timestamp, m.node_id, m.content) {
                        (Some(t), Some(node), Some(Content::DetectionReport(dr))) => {
                            sapient::convert::detection(&node, sapient::unix_s(&t), &dr).ok()
                        }
                        _ => None,
                    }) {
                    Some(d) => {
                        d.write(&mut lines);
                        dets += 1;
                    }
                    None => bad += 1,
                }
                if lines.len() > 1 << 20 {
                    lines.clear();
                }
            })
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let secs = start.elapsed().as_secs_f64();
    sender
        .join()
        .map_err(|_| anyhow::anyhow!("the sender panicked"))??;
    println!(
        "SAPIENT DetectionReports over loopback TCP (frame, decode, detection line), receiver on one core: {n} in {secs:.3} s = {:.0} reports/s ({dets} detections, {bad} refused)",
        n as f64 / secs
    );
    Ok(())
}
