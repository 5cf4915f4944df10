//! Prometheus metrics of a running service. Fixed names, labelled only by input,
//! output or reason (never by track), so the series count stays small.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// Label of a per-input series.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct InputLabel {
    /// The input's name (`tcp:127.0.0.1:4001`, `replay:file.jsonl`, ...).
    pub input: String,
}

/// Label of a per-output series.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutputLabel {
    /// The output's name.
    pub output: String,
}

/// Every metric the service exports.
pub struct Metrics {
    registry: Registry,
    /// Lines received per input.
    pub lines: Family<InputLabel, Counter>,
    /// Lines or datagrams dropped at an input (a full queue for UDP, an over-long line).
    pub input_dropped: Family<InputLabel, Counter>,
    /// Detections accepted by the tracker.
    pub accepted: Counter,
    /// Lines rejected (malformed, too old, unknown sensor position).
    pub rejected: Counter,
    /// Items handed to each output.
    pub output_sent: Family<OutputLabel, Counter>,
    /// Items an output dropped because its queue was full.
    pub output_dropped: Family<OutputLabel, Counter>,
    /// Items an output failed to deliver for good.
    pub output_failed: Family<OutputLabel, Counter>,
    /// Confirmed tracks at the latest moment.
    pub tracks: Gauge,
    /// Open alerts.
    pub alerts_open: Gauge,
    /// Alert lines produced (every state change).
    pub alert_changes: Counter,
    /// Seconds from the arrival of a moment's first detection to its reports.
    pub moment_latency: Histogram,
    /// Seconds from the arrival of a moment's first detection to a new alert it raised.
    pub alert_latency: Histogram,
    /// Bytes sent to map pages over their WebSocket feeds.
    pub feed_bytes: Counter,
    /// Messages sent to map pages.
    pub feed_messages: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// All metrics at zero, registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("skyfence");
        let lines = Family::<InputLabel, Counter>::default();
        let input_dropped = Family::<InputLabel, Counter>::default();
        let accepted = Counter::default();
        let rejected = Counter::default();
        let output_sent = Family::<OutputLabel, Counter>::default();
        let output_dropped = Family::<OutputLabel, Counter>::default();
        let output_failed = Family::<OutputLabel, Counter>::default();
        let tracks = Gauge::default();
        let alerts_open = Gauge::default();
        let alert_changes = Counter::default();
        let feed_bytes = Counter::default();
        let feed_messages = Counter::default();
        // 0.5 ms to about 4 s.
        let moment_latency = Histogram::new(exponential_buckets(0.0005, 1.5, 23));
        let alert_latency = Histogram::new(exponential_buckets(0.0005, 1.5, 23));
        registry.register("input_lines", "Lines received per input", lines.clone());
        registry.register(
            "input_dropped",
            "Lines or datagrams dropped at an input",
            input_dropped.clone(),
        );
        registry.register(
            "detections_accepted",
            "Detections accepted by the tracker",
            accepted.clone(),
        );
        registry.register(
            "detections_rejected",
            "Lines rejected: malformed, too old, or from a sensor without a position",
            rejected.clone(),
        );
        registry.register(
            "output_sent",
            "Items queued to each output",
            output_sent.clone(),
        );
        registry.register(
            "output_dropped",
            "Items an output dropped because its queue was full",
            output_dropped.clone(),
        );
        registry.register(
            "output_failed",
            "Items an output gave up delivering",
            output_failed.clone(),
        );
        registry.register("tracks_confirmed", "Confirmed tracks", tracks.clone());
        registry.register("alerts_open", "Open alerts", alerts_open.clone());
        registry.register(
            "alert_changes",
            "Alert state changes (alert lines)",
            alert_changes.clone(),
        );
        registry.register(
            "moment_latency_seconds",
            "From the arrival of a moment's first detection to its track reports",
            moment_latency.clone(),
        );
        registry.register(
            "alert_latency_seconds",
            "From the arrival of a moment's first detection to a new alert it raised",
            alert_latency.clone(),
        );
        registry.register(
            "feed_bytes",
            "Bytes sent to map pages over the WebSocket feed",
            feed_bytes.clone(),
        );
        registry.register(
            "feed_messages",
            "Messages sent to map pages over the WebSocket feed",
            feed_messages.clone(),
        );
        Self {
            registry,
            lines,
            input_dropped,
            accepted,
            rejected,
            output_sent,
            output_dropped,
            output_failed,
            tracks,
            alerts_open,
            alert_changes,
            moment_latency,
            alert_latency,
            feed_bytes,
            feed_messages,
        }
    }

    /// Counts one feed message of `bytes` bytes.
    pub fn feed_sent(&self, bytes: usize) {
        self.feed_bytes.inc_by(bytes as u64);
        self.feed_messages.inc();
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// The series of one input.
    pub fn input(&self, name: &str) -> (Counter, Counter) {
        let l = InputLabel {
            input: name.to_owned(),
        };
        (
            self.lines.get_or_create(&l).clone(),
            self.input_dropped.get_or_create(&l).clone(),
        )
    }

    /// The series of one output.
    pub fn output(&self, name: &str) -> (Counter, Counter, Counter) {
        let l = OutputLabel {
            output: name.to_owned(),
        };
        (
            self.output_sent.get_or_create(&l).clone(),
            self.output_dropped.get_or_create(&l).clone(),
            self.output_failed.get_or_create(&l).clone(),
        )
    }
}
