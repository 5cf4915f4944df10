//! Cursor-on-Target (CoT) XML events for TAK servers and multicast groups.
//!
//! The event layout follows MITRE's CoT Event Schema 2.0 (MITRE MP 04B0000046 and the
//! CoT Developer's Guide): an `event` element with `version`, `uid`, `type`, `time`,
//! `start`, `stale` and `how`; one `point` with `lat`, `lon`, `hae` (metres above the
//! WGS-84 ellipsoid), `ce` and `le` (circular and linear error, metres, 1-sigma style);
//! and a free `detail`. The `type` of an atom is `a-<affiliation>-<dimension>-<function>`
//! with MIL-STD-2525 function codes (air dimension `A`).
//!
//! Times are wall-clock UTC passed in by the caller: this crate reads no clock.

use model::{AlertKind, AlertReport, Class, IdentitySource, TrackReport};
use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

/// Standard identity of an atom, the second field of its CoT type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Affiliation {
    /// `u`: not yet judged.
    Unknown,
    /// `n`: neutral, for example a civil aircraft that identifies itself.
    Neutral,
    /// `s`: suspect, for example a drone heading for the border.
    Suspect,
    /// `h`: hostile, for example a drone that crossed into our side.
    Hostile,
}

impl Affiliation {
    fn code(self) -> char {
        match self {
            Affiliation::Unknown => 'u',
            Affiliation::Neutral => 'n',
            Affiliation::Suspect => 's',
            Affiliation::Hostile => 'h',
        }
    }
}

/// The CoT type of a track of `class` with affiliation `aff`.
///
/// Function codes from MIL-STD-2525C air symbols: `M-F-Q` military fixed-wing drone,
/// `M-H-Q` military rotary-wing drone, `C-F` civil fixed wing, `C-L` civil lighter
/// than air; a bird or an object not yet classed is a bare air track (`A`).
pub fn cot_type(class: Class, aff: Affiliation) -> String {
    let function = match class {
        Class::DroneFixedWing => "-M-F-Q",
        Class::DroneRotary => "-M-H-Q",
        Class::Aircraft => "-C-F",
        Class::Balloon => "-C-L",
        Class::Bird | Class::Unknown => "",
    };
    format!("a-{}-A{function}", aff.code())
}

/// UTC time as CoT writes it: `YYYY-MM-DDThh:mm:ss.sssZ`.
fn cot_time(unix_s: f64) -> String {
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs_f64(unix_s.max(0.0));
    humantime::format_rfc3339_millis(t).to_string()
}

fn attr(buf: &mut String, name: &str, value: &str) {
    let _ = write!(buf, " {name}=\"{}\"", quick_xml::escape::escape(value));
}

fn num(buf: &mut String, name: &str, value: f64, decimals: usize) {
    let _ = write!(buf, " {name}=\"{value:.decimals$}\"");
}

/// The opening of an event up to its `point`, shared by tracks and alerts.
#[allow(clippy::too_many_arguments)]
fn open_event(
    buf: &mut String,
    uid: &str,
    kind: &str,
    how: &str,
    now_unix_s: f64,
    stale_s: f64,
    lat_lon_hae: [f64; 3],
    ce_le_m: [f64; 2],
) {
    buf.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><event version=\"2.0\"",
    );
    attr(buf, "uid", uid);
    attr(buf, "type", kind);
    attr(buf, "how", how);
    let now = cot_time(now_unix_s);
    attr(buf, "time", &now);
    attr(buf, "start", &now);
    attr(buf, "stale", &cot_time(now_unix_s + stale_s));
    buf.push_str("><point");
    num(buf, "lat", lat_lon_hae[0], 7);
    num(buf, "lon", lat_lon_hae[1], 7);
    num(buf, "hae", lat_lon_hae[2], 1);
    // 9999999 is CoT's "unknown" error.
    num(buf, "ce", ce_le_m[0].min(9_999_999.0), 1);
    num(buf, "le", ce_le_m[1].min(9_999_999.0), 1);
    buf.push_str("/><detail>");
}

/// One track as a CoT event, or `None` for a track without a geodetic position (a run
/// without a site origin).
///
/// `uid_prefix` keeps skyfence's uids apart from other producers' on the same server;
/// `stale_s` is how long a receiver should keep showing the track without news.
pub fn cot_track_event(
    r: &TrackReport,
    aff: Affiliation,
    uid_prefix: &str,
    now_unix_s: f64,
    stale_s: f64,
) -> Option<String> {
    let lla = r.lla?;
    let mut buf = String::with_capacity(768);
    let c = &r.position_cov_m2;
    // Circular error from the horizontal variances; linear error from the vertical.
    let ce = (0.5 * (c[0] + c[3])).max(0.0).sqrt() * 2.146;
    let le = c[5].max(0.0).sqrt() * 1.645;
    open_event(
        &mut buf,
        &format!("{uid_prefix}.track.{}", r.track),
        &cot_type(r.classification.class, aff),
        // m-f: machine, fused from several sensors.
        "m-f",
        now_unix_s,
        stale_s,
        [lla.lat_deg(), lla.lon_deg(), lla.alt_m],
        [ce, le],
    );
    let [vx, vy, _] = r.velocity_mps;
    let course = vx.atan2(vy).to_degrees().rem_euclid(360.0);
    buf.push_str("<track");
    num(&mut buf, "course", course, 1);
    num(&mut buf, "speed", vx.hypot(vy), 2);
    buf.push_str("/>");
    let class = r.classification.class.as_str();
    let source = |s: IdentitySource| match s {
        IdentitySource::Adsb => "ADS-B",
        IdentitySource::RemoteId => "Remote ID",
    };
    let callsign = match &r.identity {
        Some(id) => id
            .callsign
            .clone()
            .unwrap_or_else(|| format!("{} {}", source(id.source), id.id)),
        None => format!("SF-{} {class}", r.track),
    };
    buf.push_str("<contact");
    attr(&mut buf, "callsign", &callsign);
    buf.push_str("/><remarks>");
    let p = r.classification.probabilities[r.classification.class.index()];
    let mut remarks = format!("skyfence track {}: {class} (p {p:.2})", r.track);
    if let Some(id) = &r.identity {
        let _ = write!(remarks, ", {} {}", source(id.source), id.id);
    }
    buf.push_str(&quick_xml::escape::escape(remarks.as_str()));
    buf.push_str("</remarks></detail></event>");
    Some(buf)
}

/// One alert as a CoT event, or `None` without a geodetic position.
///
/// Type `b-a-g` (alarm, geo-fence breach) for crossings and entries, `b-a` (alarm) for
/// the rest; each track involved is a `link` with relation `p-p` (parent-child) to its
/// track event, so a TAK client can jump from the alert to the tracks.
pub fn cot_alert_event(
    a: &AlertReport,
    uid_prefix: &str,
    now_unix_s: f64,
    stale_s: f64,
) -> Option<String> {
    let lla = a.lla?;
    let kind = match a.kind {
        AlertKind::BorderCrossed | AlertKind::ProtectedEntry | AlertKind::AirspaceViolation => {
            "b-a-g"
        }
        _ => "b-a",
    };
    let mut buf = String::with_capacity(768);
    open_event(
        &mut buf,
        &format!("{uid_prefix}.alert.{}", a.alert),
        kind,
        // m-c: machine, computed.
        "m-c",
        now_unix_s,
        stale_s,
        [lla.lat_deg(), lla.lon_deg(), lla.alt_m],
        [9_999_999.0, 9_999_999.0],
    );
    for t in &a.tracks {
        buf.push_str("<link");
        attr(&mut buf, "uid", &format!("{uid_prefix}.track.{t}"));
        attr(&mut buf, "relation", "p-p");
        buf.push_str("/>");
    }
    buf.push_str("<contact");
    attr(
        &mut buf,
        "callsign",
        &format!("SF alert {} {}", a.alert, a.kind.as_str()),
    );
    buf.push_str("/><remarks>");
    let text = format!(
        "priority {} {} ({}): {}",
        a.priority,
        a.kind.as_str(),
        a.state.as_str(),
        a.reason
    );
    buf.push_str(&quick_xml::escape::escape(text.as_str()));
    buf.push_str("</remarks></detail></event>");
    Some(buf)
}
