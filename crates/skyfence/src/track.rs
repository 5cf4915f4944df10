use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use formats::DetectionParser;
use geodesy::Lla;
use indicatif::{ProgressBar, ProgressStyle};
use model::SensorTable;
use std::{
    fs::File,
    io::{BufRead, BufReader, IsTerminal, Read, Write},
    path::PathBuf,
    time::Instant,
};
use tracker::{Tracker, TrackerConfig};

#[derive(Args)]
pub struct TrackArgs {
    /// Detections, JSON Lines (`-` for standard input).
    input: String,
    /// Where to write tracks (`-` for standard output).
    #[arg(short, long, default_value = "-")]
    output: String,
    /// Sensors file (JSON Lines): positions for polar and bearing measurements.
    #[arg(long)]
    sensors: Option<PathBuf>,
    /// Site origin as LAT,LON,ALT_M (degrees, degrees, metres above the ellipsoid).
    #[arg(long, value_parser = parse_origin, allow_hyphen_values = true)]
    origin: Option<Lla>,
    /// Tracker configuration (TOML; see docs/tracker-config.md).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The wind as FROM_DEG,SPEED_MPS (where it blows from, clockwise from true north,
    /// and its speed), so speeds are judged through the air; overrides the config's.
    #[arg(long, value_parser = parse_wind)]
    wind: Option<(f64, f64)>,
    /// Zone file (GeoJSON: the border, protected and no-alert areas; see
    /// docs/zones.md); needs a site origin. With `--alerts`, the alert rules run.
    #[arg(long, requires = "alerts")]
    zones: Option<PathBuf>,
    /// Where to write alerts, JSON Lines (`-` for standard output); needs `--zones`.
    #[arg(long, requires = "zones")]
    alerts: Option<String>,
    /// What to do with a bad input line.
    #[arg(long, value_enum, default_value_t = OnError::Fail)]
    on_error: OnError,
    /// Do not print the summary on standard error.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OnError {
    /// Stop at the first bad line with an error naming the line and field.
    Fail,
    /// Count and log bad lines, and go on.
    Skip,
}

pub fn parse_origin(s: &str) -> Result<Lla, String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    if parts.len() != 3 {
        return Err("expected LAT,LON,ALT_M, for example 52.23,21.01,110".into());
    }
    let mut v = [0.0; 3];
    for (i, p) in parts.iter().enumerate() {
        v[i] = p
            .parse::<f64>()
            .map_err(|_| format!("`{p}` is not a number"))?;
    }
    Lla::try_from_degrees(v[0], v[1], v[2]).map_err(|e| e.to_string())
}

pub fn parse_wind(s: &str) -> Result<(f64, f64), String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let [from, speed] = parts[..] else {
        return Err("expected FROM_DEG,SPEED_MPS, for example 45,7".into());
    };
    let from: f64 = from
        .parse()
        .map_err(|_| format!("`{from}` is not a number of degrees"))?;
    let speed: f64 = speed
        .parse()
        .map_err(|_| format!("`{speed}` is not a speed in m/s"))?;
    if !(from.is_finite() && speed.is_finite() && (0.0..100.0).contains(&speed)) {
        return Err(format!(
            "wind {from},{speed} is not a direction in degrees and a speed in m/s (0 to 100)"
        ));
    }
    Ok((from, speed))
}

pub fn load_config(path: Option<&PathBuf>) -> Result<TrackerConfig> {
    let Some(path) = path else {
        return Ok(TrackerConfig::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading tracker config {}", path.display()))?;
    let cfg: TrackerConfig =
        toml::from_str(&text).with_context(|| format!("in tracker config {}", path.display()))?;
    let problems = cfg.problems();
    if !problems.is_empty() {
        bail!(
            "tracker config {} has {} problem(s):\n  {}",
            path.display(),
            problems.len(),
            problems.join("\n  ")
        );
    }
    Ok(cfg)
}

pub fn load_sensors(path: Option<&PathBuf>) -> Result<SensorTable> {
    let Some(path) = path else {
        return Ok(SensorTable::new());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading sensors file {}", path.display()))?;
    formats::parse_sensors(&text).map_err(|errs| {
        let list: Vec<String> = errs.iter().map(ToString::to_string).collect();
        anyhow::anyhow!(
            "sensors file {} has {} problem(s):\n  {}",
            path.display(),
            list.len(),
            list.join("\n  ")
        )
    })
}

// Rejected lines are logged individually up to this many, then only counted, so a
// wholly wrong file does not flood the terminal.
const MAX_LOGGED_REJECTIONS: u64 = 20;
/// Output is written, and input read, in pieces of about this many bytes: large enough
/// that system calls cost little, small enough that a short run does not pay for
/// touching fresh pages (a page fault costs microseconds on a virtual machine).
const OUTPUT_CHUNK: usize = 1 << 14;
const INPUT_CHUNK: usize = 1 << 14;

/// The alert rules of a run with their output: alert lines are gathered and written in
/// pieces, as track lines are.
struct Alerting {
    engine: rules::AlertEngine,
    out: Box<dyn Write>,
    pending: Vec<u8>,
    lines: u64,
}

impl Alerting {
    /// The rules over `--zones`, writing to `--alerts`; `None` without them.
    fn open(args: &TrackArgs, origin: Option<Lla>) -> Result<Option<Self>> {
        let (Some(zpath), Some(apath)) = (&args.zones, &args.alerts) else {
            return Ok(None);
        };
        if apath == "-" && args.output == "-" {
            bail!("tracks and alerts cannot both go to standard output: give -o FILE or --alerts FILE");
        }
        let Some(origin) = origin else {
            bail!("--zones needs a site origin: give --origin LAT,LON,ALT_M or a sensors file with an origin line");
        };
        let text = std::fs::read_to_string(zpath)
            .with_context(|| format!("reading zones {}", zpath.display()))?;
        let zs = formats::parse_zones(&text, &geodesy::LocalFrame::new(origin)).map_err(|es| {
            let list: Vec<String> = es.iter().map(|e| format!("  {e}")).collect();
            anyhow::anyhow!(
                "{} has {} problem(s):\n{}",
                zpath.display(),
                es.len(),
                list.join("\n")
            )
        })?;
        let out: Box<dyn Write> = if apath == "-" {
            Box::new(std::io::stdout())
        } else {
            Box::new(File::create(apath).with_context(|| format!("creating {apath}"))?)
        };
        Ok(Some(Self {
            engine: rules::AlertEngine::new(rules::RulesConfig::default(), zs.border, zs.areas),
            out,
            pending: Vec::new(),
            lines: 0,
        }))
    }

    /// Runs the rules on one moment's reports.
    fn step(&mut self, t: f64, reports: &[model::TrackReport]) -> std::io::Result<()> {
        for a in self.engine.step(t, reports) {
            formats::append_alert(&mut self.pending, &a);
            self.lines += 1;
        }
        if self.pending.len() >= OUTPUT_CHUNK {
            self.out.write_all(&self.pending)?;
            self.pending.clear();
        }
        Ok(())
    }

    /// Writes what is left; the number of alert lines.
    fn finish(mut self) -> std::io::Result<u64> {
        self.out.write_all(&self.pending)?;
        self.out.flush()?;
        Ok(self.lines)
    }
}

pub fn run(args: TrackArgs) -> Result<()> {
    let mut cfg = load_config(args.config.as_ref())?;
    if let Some((from, speed)) = args.wind {
        cfg.classification.wind_from_deg = Some(from);
        cfg.classification.wind_speed_mps = Some(speed);
    }
    let sensors = load_sensors(args.sensors.as_ref())?;
    let origin = args.origin.or(sensors.origin());
    let mut tracker = Tracker::new(cfg, origin, &sensors)?;
    // The alert rules, with their output, when zones are given.
    let mut alerting = Alerting::open(&args, origin)?;
    let mut parser = DetectionParser::new(sensors);

    let (reader, size): (Box<dyn Read>, Option<u64>) = if args.input == "-" {
        (Box::new(std::io::stdin().lock()), None)
    } else {
        let f = File::open(&args.input)
            .with_context(|| format!("opening detections {}", args.input))?;
        let size = f.metadata().ok().map(|m| m.len());
        (Box::new(f), size)
    };
    let mut reader = BufReader::with_capacity(INPUT_CHUNK, reader);
    let mut out: Box<dyn Write> = if args.output == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(File::create(&args.output).with_context(|| format!("creating {}", args.output))?)
    };
    // Track lines are formatted into this buffer and written out in large pieces.
    let mut pending: Vec<u8> = Vec::with_capacity(OUTPUT_CHUNK + 2048);

    let progress = match size {
        Some(n) if std::io::stderr().is_terminal() && !args.quiet => {
            let pb = ProgressBar::new(n);
            pb.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:40} {bytes}/{total_bytes} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            Some(pb)
        }
        _ => None,
    };

    let start = Instant::now();
    // A line that spans two reads of the buffer is assembled here; every other line is
    // parsed where it lies in the reader's buffer, without a copy.
    let mut carry: Vec<u8> = Vec::with_capacity(512);
    let mut line_no: u64 = 0;
    let mut bytes: u64 = 0;
    let mut rejected: u64 = 0;
    let mut track_lines: u64 = 0;
    let mut write_err: Option<std::io::Error> = None;
    let mut emit = |t: f64, reports: &[model::TrackReport]| {
        if write_err.is_some() {
            return;
        }
        if let Some(alerting) = &mut alerting {
            if let Err(e) = alerting.step(t, reports) {
                write_err = Some(std::io::Error::new(e.kind(), format!("alerts: {e}")));
                return;
            }
        }
        for r in reports {
            formats::append_track(&mut pending, r);
            if pending.len() >= OUTPUT_CHUNK {
                if let Err(e) = out.write_all(&pending) {
                    write_err = Some(e);
                    return;
                }
                pending.clear();
            }
        }
        track_lines += reports.len() as u64;
    };
    let mut failure: Option<anyhow::Error> = None;
    // One line (with or without its newline): parse, track, count a rejection. False
    // when the run must stop.
    let mut handle = |line: &[u8]| -> bool {
        line_no += 1;
        bytes += line.len() as u64;
        if let Some(pb) = &progress {
            if line_no.is_multiple_of(4096) {
                pb.set_position(bytes);
            }
        }
        let text = line.strip_suffix(b"\n").unwrap_or(line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let outcome = match parser.parse_line(text, line_no) {
            Ok(None) => return true,
            Ok(Some(det)) => {
                // A sensor first named in this detection: register it with the tracker
                // under the same index.
                while tracker.sensor_count() < parser.sensors().len() {
                    match parser
                        .sensors()
                        .get(model::SensorIndex(tracker.sensor_count() as u32))
                    {
                        Some(s) => tracker.add_sensor(s),
                        None => break,
                    }
                }
                tracker
                    .push(det, &mut emit)
                    .map_err(|e| anyhow::anyhow!("line {line_no}: {e}"))
            }
            Err(e) => Err(anyhow::anyhow!("{e}")),
        };
        let Err(e) = outcome else {
            return true;
        };
        rejected += 1;
        match args.on_error {
            OnError::Fail => {
                failure = Some(e.context(format!(
                    "in {} (use --on-error skip to count and skip bad lines)",
                    args.input
                )));
                false
            }
            OnError::Skip => {
                if rejected <= MAX_LOGGED_REJECTIONS {
                    tracing::warn!(line = line_no, "rejected: {e:#}");
                } else if rejected == MAX_LOGGED_REJECTIONS + 1 {
                    tracing::warn!("further rejections are counted, not logged");
                }
                true
            }
        }
    };
    // Lines handed over so far (the handler keeps its own count for its messages).
    let mut lines_read: u64 = 0;
    loop {
        let buf = reader
            .fill_buf()
            .with_context(|| format!("reading {} after line {lines_read}", args.input))?;
        if buf.is_empty() {
            // The last line may lack its newline.
            if !carry.is_empty() {
                handle(&carry);
            }
            break;
        }
        let mut used = 0;
        let mut go_on = true;
        for end in memchr::memchr_iter(b'\n', buf) {
            let piece = &buf[used..=end];
            used = end + 1;
            lines_read += 1;
            go_on = if carry.is_empty() {
                handle(piece)
            } else {
                carry.extend_from_slice(piece);
                let whole = std::mem::take(&mut carry);
                let go_on = handle(&whole);
                carry = whole;
                carry.clear();
                go_on
            };
            if !go_on {
                break;
            }
        }
        if go_on {
            carry.extend_from_slice(&buf[used..]);
            used = buf.len();
        }
        reader.consume(used);
        if !go_on {
            break;
        }
    }
    // Whatever was accepted is tracked and written, also when a bad line stopped the run.
    tracker.finish(&mut emit);
    if let Some(e) = write_err {
        return Err(e).with_context(|| format!("writing tracks to {}", args.output));
    }
    out.write_all(&pending)
        .and_then(|()| out.flush())
        .with_context(|| format!("writing tracks to {}", args.output))?;
    let alert_lines = match alerting {
        Some(a) => Some(a.finish().with_context(|| {
            format!(
                "writing alerts to {}",
                args.alerts.as_deref().unwrap_or("-")
            )
        })?),
        None => None,
    };
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    let secs = start.elapsed().as_secs_f64();
    let s = tracker.stats();
    if !args.quiet {
        eprintln!(
            "skyfence track: {} lines, {} detections accepted, {} rejected ({} too old), {} tracks confirmed, {} track lines, {:.3} s, {:.0} detections/s",
            line_no,
            s.accepted,
            rejected,
            s.rejected_too_old,
            s.tracks_confirmed,
            track_lines,
            secs,
            s.accepted as f64 / secs.max(1e-9)
        );
        if let Some(n) = alert_lines {
            eprintln!("skyfence track: {n} alert lines");
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
