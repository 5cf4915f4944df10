//! `skyfence decode`: sensor protocols (recordings or streams) into detection lines, or
//! every decoded message with its fields.

use anyhow::{Context, Result};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Drone Remote ID (ASTM F3411): pcap/pcapng of Wi-Fi or Bluetooth, or JSON Lines
    /// of hex payloads.
    Remoteid,
    /// Mode S / ADS-B: Beast binary, AVR text (`*...;`, `@...;`) or JSON Lines
    /// `{"time_s": T, "hex": "..."}`, recognised from the first byte.
    Adsb,
    /// ASTERIX CAT048 plots and CAT034 service messages: raw data blocks, or pcap/pcapng
    /// of UDP datagrams.
    Asterix,
    /// SAPIENT (BSI Flex 335 v2.0): a recording of a TCP stream (each message a 4-byte
    /// little-endian length and a SapientMessage).
    Sapient,
}

#[derive(clap::Args)]
pub struct DecodeArgs {
    /// The protocol.
    #[arg(value_enum)]
    pub format: Format,
    /// The recording or stream to read; `-` for standard input.
    #[arg(default_value = "-")]
    pub input: String,
    /// Where to write; `-` for standard output.
    #[arg(short, long, default_value = "-")]
    pub output: String,
    /// Write every decoded message with its fields instead of detections.
    #[arg(long)]
    pub messages: bool,
    /// The sensor name detections carry (default: the format's name).
    #[arg(long)]
    pub sensor: Option<String>,
    /// ADS-B: the receiver's position `LAT,LON` (degrees), for surface positions and
    /// single-frame (local) CPR decoding.
    #[arg(long, value_parser = parse_lat_lon)]
    pub reference: Option<(f64, f64)>,
    /// ASTERIX: the sensors file naming each radar by `sac` and `sic` (and giving its
    /// position and accuracy).
    #[arg(long)]
    pub sensors: Option<std::path::PathBuf>,
    /// ASTERIX raw recordings: the UTC date `YYYY-MM-DD` of their times of day
    /// (captures date them from the capture clock).
    #[arg(long, value_parser = parse_date)]
    pub date: Option<f64>,
    /// ASTERIX captures: only UDP datagrams to this port.
    #[arg(long)]
    pub port: Option<u16>,
    /// No summary on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Rejections are logged one by one up to this many, then only counted.
const LOGGED_REJECTIONS: u64 = 20;

fn open_input(input: &str) -> Result<Box<dyn Read + Send>> {
    Ok(if input == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(File::open(input).with_context(|| format!("opening {input}"))?)
    })
}

fn open_output(output: &str) -> Result<Box<dyn Write>> {
    Ok(if output == "-" {
        Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
    } else {
        Box::new(std::io::BufWriter::new(
            File::create(output).with_context(|| format!("creating {output}"))?,
        ))
    })
}

/// pcap (either byte order, micro or nanoseconds) or pcapng.
fn is_capture(head: &[u8]) -> bool {
    matches!(
        head.get(..4),
        Some([0xd4, 0xc3, 0xb2, 0xa1])
            | Some([0xa1, 0xb2, 0xc3, 0xd4])
            | Some([0x4d, 0x3c, 0xb2, 0xa1])
            | Some([0xa1, 0xb2, 0x3c, 0x4d])
            | Some([0x0a, 0x0d, 0x0d, 0x0a])
    )
}

pub fn run(a: DecodeArgs) -> Result<()> {
    match a.format {
        Format::Remoteid => remoteid(&a),
        Format::Adsb => adsb(&a),
        Format::Asterix => asterix(&a),
        Format::Sapient => sapient_file(&a),
    }
}

fn sapient_file(a: &DecodeArgs) -> Result<()> {
    use sapient::proto::sapient_message::Content;
    let mut input = open_input(&a.input)?;
    let mut out = open_output(&a.output)?;
    let mut reader = sapient::FrameReader::new(sapient::DEFAULT_MAX_FRAME_BYTES);
    let mut buf = vec![0u8; 1 << 16];
    let mut text: Vec<u8> = Vec::with_capacity(1 << 16);
    let (mut messages, mut refused, mut detections) = (0u64, 0u64, 0u64);
    let mut fatal = None;
    loop {
        let n = input
            .read(&mut buf)
            .with_context(|| format!("reading {}", a.input))?;
        if n == 0 {
            break;
        }
        let res = reader.push(&buf[..n], |m, _| {
            messages += 1;
            let m = match m {
                Ok(m) => m,
                Err(e) => {
                    refused += 1;
                    if refused <= LOGGED_REJECTIONS {
                        tracing::warn!("message {messages}: {e}");
                    }
                    return;
                }
            };
            let t = m.timestamp.as_ref().map(sapient::unix_s);
            if a.messages {
                #[derive(serde::Serialize)]
                struct Line<'m> {
                    time_s: Option<f64>,
                    kind: &'static str,
                    #[serde(flatten)]
                    message: &'m sapient::SapientMessage,
                }
                let line = Line {
                    time_s: t,
                    kind: sapient::kind(&m),
                    message: &m,
                };
                if serde_json::to_writer(&mut text, &line).is_ok() {
                    text.push(b'\n');
                }
            } else if let Some(Content::DetectionReport(dr)) = &m.content {
                let node = m.node_id.as_deref().unwrap_or("");
                match (
                    t,
                    sapient::convert::detection(node, t.unwrap_or(f64::NAN), dr),
                ) {
                    (Some(_), Ok(d)) => {
                        detections += 1;
                        d.write(&mut text);
                    }
                    (None, _) => {
                        refused += 1;
                        tracing::warn!(
                            "message {messages}: a detection report without a timestamp"
                        );
                    }
                    (_, Err(e)) => {
                        refused += 1;
                        if refused <= LOGGED_REJECTIONS {
                            tracing::warn!("message {messages}: {e}");
                        }
                    }
                }
            }
        });
        if text.len() > 1 << 15 {
            out.write_all(&text).context("writing the output")?;
            text.clear();
        }
        if let Err(e) = res {
            fatal = Some(e);
            break;
        }
    }
    out.write_all(&text).context("writing the output")?;
    out.flush().context("writing the output")?;
    let left = reader.pending();
    if !a.quiet {
        eprintln!(
            "SAPIENT: {messages} messages, {detections} detections, {refused} refused{}",
            if left > 0 {
                format!(", {left} bytes of an unfinished frame at the end")
            } else {
                String::new()
            }
        );
    }
    if let Some(e) = fatal {
        anyhow::bail!("{e}: the rest of {} cannot be framed", a.input);
    }
    Ok(())
}

/// Noon UTC of a date, as UNIX seconds: the reference that puts every time of day on
/// that date.
fn parse_date(s: &str) -> Result<f64, String> {
    let t = humantime::parse_rfc3339(&format!("{s}T12:00:00Z"))
        .map_err(|e| format!("expected YYYY-MM-DD: {e}"))?;
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .map_err(|_| "dates before 1970 are not supported".to_string())
}

fn asterix(a: &DecodeArgs) -> Result<()> {
    let mut cfg = asterix::ReceiverConfig::default();
    if let Some(path) = &a.sensors {
        cfg = asterix::ReceiverConfig::from_sensors(&crate::track::load_sensors(Some(path))?);
        if cfg.radars.is_empty() {
            anyhow::bail!(
                "{} names no radar by ASTERIX source: give radars \"sac\" and \"sic\"",
                path.display()
            );
        }
    }
    let mut rx = asterix::Receiver::new(cfg);
    let mut input = Vec::new();
    open_input(&a.input)?
        .read_to_end(&mut input)
        .with_context(|| format!("reading {}", a.input))?;
    let mut out = open_output(&a.output)?;
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    let messages = a.messages;
    let mut errors = 0u64;
    let mut datagrams = 0u64;
    let mut handle =
        |rx: &mut asterix::Receiver, bytes: &[u8], t: Option<f64>, buf: &mut Vec<u8>| {
            let errs = rx.read(bytes, t.or(a.date), |rec, det| {
                if messages {
                    #[derive(serde::Serialize)]
                    struct Line<'r> {
                        #[serde(skip_serializing_if = "Option::is_none")]
                        capture_time_s: Option<f64>,
                        #[serde(flatten)]
                        record: &'r asterix::Record,
                    }
                    if serde_json::to_writer(
                        &mut *buf,
                        &Line {
                            capture_time_s: t,
                            record: rec,
                        },
                    )
                    .is_ok()
                    {
                        buf.push(b'\n');
                    }
                } else if let Some(d) = det {
                    d.write(buf);
                }
            });
            for e in errs {
                errors += 1;
                if errors <= LOGGED_REJECTIONS {
                    tracing::warn!("refused ASTERIX data: {e}");
                }
            }
        };
    if is_capture(&input) {
        let res = capture::for_each_packet(&input[..], |p| {
            if let Some(d) = capture::udp_datagram(p.linktype, p.data) {
                if a.port.is_none_or(|port| port == d.dst_port) {
                    datagrams += 1;
                    let t = p.time_s.is_finite().then_some(p.time_s);
                    handle(&mut rx, d.payload, t, &mut buf);
                }
            }
        });
        match res {
            Ok(_) => {}
            Err(e @ capture::CaptureError::Damaged { .. }) => {
                tracing::warn!("{e}; the packets before it were decoded");
                errors += 1;
            }
            Err(e) => return Err(e).context(format!("reading {}", a.input)),
        }
    } else {
        handle(&mut rx, &input, None, &mut buf);
    }
    out.write_all(&buf).context("writing the output")?;
    out.flush().context("writing the output")?;
    let s = rx.stats();
    if !a.quiet {
        eprintln!(
            "ASTERIX: {datagrams} UDP datagrams, {} blocks ({} of other categories), {} records, \
             {} service messages, {} plots without a position, {} simulated or test plots, \
             {} detections, {errors} refused blocks or records",
            s.blocks,
            s.unsupported_blocks,
            s.records,
            s.service_messages,
            s.no_position,
            s.simulated,
            s.detections
        );
    }
    Ok(())
}

fn parse_lat_lon(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s.split_once(',').ok_or("expected LAT,LON in degrees")?;
    let lat: f64 = a.trim().parse().map_err(|e| format!("latitude: {e}"))?;
    let lon: f64 = b.trim().parse().map_err(|e| format!("longitude: {e}"))?;
    if !(lat.abs() <= 90.0 && lon.abs() <= 180.0) {
        return Err("latitude must be within ±90 and longitude within ±180 degrees".into());
    }
    Ok((lat, lon))
}

/// Seconds on the receiver's 12 MHz clock.
const MLAT_HZ: f64 = 12e6;

fn unix_now_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Writes what one frame gave; counts and logs a refusal.
struct AdsbSink {
    rx: adsb::Receiver,
    messages: bool,
    buf: Vec<u8>,
    refused: u64,
}

impl AdsbSink {
    fn frame(&mut self, time_s: f64, frame: &[u8], out: &mut dyn Write) -> std::io::Result<()> {
        let res = if self.messages {
            self.rx.hear(time_s, frame).map(|h| {
                let line = adsb::MessageLine {
                    time_s,
                    hex: hex::encode(frame),
                    message: &h.message,
                };
                if serde_json::to_writer(&mut self.buf, &line).is_ok() {
                    self.buf.push(b'\n');
                }
            })
        } else {
            // Detections only: the fast path gives the full decoder's detections.
            self.rx.hear_fast(time_s, frame).map(|d| {
                if let Some(d) = d {
                    d.write(&self.rx.config().sensor, &mut self.buf);
                }
            })
        };
        match res {
            Ok(()) => {}
            Err(e) => {
                self.refused += 1;
                if self.refused <= LOGGED_REJECTIONS {
                    tracing::warn!("refused frame {}: {e}", hex::encode(frame));
                }
            }
        }
        if self.buf.len() > 1 << 16 {
            out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }
}

fn adsb(a: &DecodeArgs) -> Result<()> {
    let rx = adsb::Receiver::new(adsb::ReceiverConfig {
        sensor: a.sensor.clone().unwrap_or_else(|| "adsb".into()),
        reference: a.reference,
        ..Default::default()
    });
    let mut sink = AdsbSink {
        rx,
        messages: a.messages,
        buf: Vec::with_capacity(1 << 17),
        refused: 0,
    };
    let mut reader = BufReader::with_capacity(1 << 16, open_input(&a.input)?);
    let mut out = open_output(&a.output)?;
    let first = reader
        .fill_buf()
        .context("reading the input")?
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace());
    let mut bad_lines = 0u64;
    let mut framing = None;
    match first {
        Some(0x1a) => {
            let mut framer = adsb::framing::BeastFramer::new();
            let mut frames = Vec::new();
            loop {
                let chunk = reader.fill_buf().context("reading the Beast stream")?;
                if chunk.is_empty() {
                    break;
                }
                framer.push(chunk, |f| frames.push(f));
                let n = chunk.len();
                reader.consume(n);
                for f in frames.drain(..) {
                    sink.frame(f.mlat_ticks as f64 / MLAT_HZ, &f.data, &mut *out)
                        .context("writing the output")?;
                }
            }
            framing = Some(framer.stats());
        }
        Some(b'{') | Some(b'*') | Some(b'@') => {
            let json = first == Some(b'{');
            let mut line = String::new();
            let mut line_no = 0u64;
            loop {
                line.clear();
                if reader
                    .read_line(&mut line)
                    .with_context(|| format!("reading {} after line {line_no}", a.input))?
                    == 0
                {
                    break;
                }
                line_no += 1;
                let parsed = if json {
                    adsb::parse_hex_line(&line, line_no).map_err(|e| e.to_string())
                } else if line.trim().is_empty() {
                    Ok(None)
                } else {
                    adsb::framing::parse_avr(&line)
                        .map(|(ticks, data)| {
                            Some((ticks.map(|t| t as f64 / MLAT_HZ).unwrap_or_else(unix_now_s), data))
                        })
                        .map_err(|e| format!("line {line_no}: {e}"))
                };
                match parsed {
                    Ok(Some((t, data))) => sink.frame(t, &data, &mut *out).context("writing the output")?,
                    Ok(None) => {}
                    Err(e) => {
                        bad_lines += 1;
                        if bad_lines <= LOGGED_REJECTIONS {
                            tracing::warn!("rejected: {e}");
                        }
                    }
                }
            }
        }
        None => {}
        Some(b) => anyhow::bail!(
            "{} is not Beast (starts 0x1A), AVR (*...; or @...;) or JSON Lines (starts {{):              its first byte is 0x{b:02X}",
            a.input
        ),
    }
    out.write_all(&sink.buf).context("writing the output")?;
    out.flush().context("writing the output")?;
    let s = sink.rx.stats();
    if !a.quiet {
        let framing = framing
            .map(|f| {
                format!(
                    ", Beast: {} bytes skipped, {} bad frame types, {} Mode A/C or status frames",
                    f.skipped_bytes, f.bad_type, f.not_mode_s
                )
            })
            .unwrap_or_default();
        eprintln!(
            "ADS-B: {} frames, {} decoded, {} refused, {} airborne positions ({} not yet resolvable), \
             {} detections, {} bad lines{framing}",
            s.frames, s.decoded, s.rejected, s.positions, s.unresolved_positions, s.detections, bad_lines
        );
    }
    Ok(())
}

fn remoteid(a: &DecodeArgs) -> Result<()> {
    let mut rx = remoteid::Receiver::new(remoteid::ReceiverConfig {
        sensor: a.sensor.clone().unwrap_or_else(|| "remoteid".into()),
        ..Default::default()
    });
    let mut reader = BufReader::with_capacity(1 << 16, open_input(&a.input)?);
    let mut out = open_output(&a.output)?;
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    let mut write_err: Option<std::io::Error> = None;
    let mut rejected_lines: u64 = 0;
    let sensor = rx.config().sensor.clone();
    let messages = a.messages;
    let mut emit = |heard: remoteid::Heard, out: &mut dyn Write, buf: &mut Vec<u8>| {
        for e in &heard.errors {
            tracing::debug!("refused Remote ID message: {e}");
        }
        if messages {
            for m in &heard.messages {
                if serde_json::to_writer(&mut *buf, m).is_ok() {
                    buf.push(b'\n');
                }
            }
        } else {
            for d in &heard.detections {
                d.write(&sensor, buf);
            }
        }
        if buf.len() > 1 << 15 {
            if let Err(e) = out.write_all(buf) {
                write_err.get_or_insert(e);
            }
            buf.clear();
        }
    };
    let head = reader.fill_buf().context("reading the input")?;
    if is_capture(head) {
        let mut packets_with_rid = 0u64;
        let res = capture::for_each_packet(reader, |p| {
            let found = remoteid::transport::from_packet(p.linktype, p.data);
            if !found.is_empty() {
                packets_with_rid += 1;
            }
            for payload in found {
                let heard = rx.hear(p.time_s, &payload, None);
                emit(heard, &mut *out, &mut buf);
            }
        });
        match res {
            Ok(stats) => {
                if !a.quiet {
                    eprintln!(
                        "{} packets, {} with Remote ID",
                        stats.packets, packets_with_rid
                    );
                }
            }
            // What came before the damage is kept; the damage is reported.
            Err(e @ capture::CaptureError::Damaged { .. }) => {
                tracing::warn!("{e}; the packets before it were decoded");
                rejected_lines += 1;
            }
            Err(e) => return Err(e).context(format!("reading {}", a.input)),
        }
    } else {
        let mut line = String::new();
        let mut line_no = 0u64;
        loop {
            line.clear();
            let n = reader
                .read_line(&mut line)
                .with_context(|| format!("reading {} after line {line_no}", a.input))?;
            if n == 0 {
                break;
            }
            line_no += 1;
            match remoteid::parse_hex_line(&line, line_no) {
                Ok(Some(h)) => {
                    let p = remoteid::Payload {
                        transport: remoteid::Transport::Hex,
                        tx_mac: None,
                        counter: None,
                        body: &h.bytes,
                    };
                    let heard = rx.hear(h.time_s, &p, h.tx.as_deref());
                    emit(heard, &mut *out, &mut buf);
                }
                Ok(None) => {}
                Err(e) => {
                    rejected_lines += 1;
                    if rejected_lines <= LOGGED_REJECTIONS {
                        tracing::warn!("rejected: {e}");
                    }
                }
            }
        }
    }
    out.write_all(&buf).context("writing the output")?;
    out.flush().context("writing the output")?;
    if let Some(e) = write_err {
        return Err(e).context("writing the output");
    }
    let s = rx.stats();
    if !a.quiet {
        eprintln!(
            "Remote ID: {} payloads, {} messages, {} rejected, {} locations without a position, \
             {} detections ({} before the transmitter's Basic ID was heard), {} bad lines or blocks",
            s.payloads,
            s.messages,
            s.rejected,
            s.no_position,
            s.detections,
            s.detections_without_id,
            rejected_lines
        );
    }
    Ok(())
}
