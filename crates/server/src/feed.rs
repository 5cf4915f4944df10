//! The map page's WebSocket feed: one whole picture when the page connects, then at a
//! fixed interval only what changed for that page (tracks with a newer report, their
//! class part only when it changed, tracks and alerts that are gone, sensors when
//! their health moved). Each connection keeps what it has sent, so a slow page that
//! misses ticks still converges on the picture.

use crate::AppState;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use formats::{FeedClass, FeedMessage};
use model::{AlertState, TrackReport};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

pub(crate) async fn socket(
    State(st): State<AppState>,
    headers: axum::http::HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    // Browsers send cookies with a WebSocket handshake from any page; the SameSite
    // cookie already keeps other sites out, and a foreign Origin is refused as well.
    if !same_origin(&headers) {
        return (
            axum::http::StatusCode::FORBIDDEN,
            "the feed is for this server's own page\n",
        )
            .into_response();
    }
    ws.on_upgrade(move |s| run(s, st))
}

/// Whether a request's `Origin` (when a browser sent one) names the host it was sent
/// to.
fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let get = |h: axum::http::header::HeaderName| headers.get(h).and_then(|v| v.to_str().ok());
    match (
        get(axum::http::header::ORIGIN),
        get(axum::http::header::HOST),
    ) {
        (None, _) => true,
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest.trim_end_matches('/') == host),
        (Some(_), None) => false,
    }
}

/// What one page has been sent.
#[derive(Default)]
struct Sent {
    /// Per track: report time and a hash of its class part.
    tracks: HashMap<u64, (f64, u64)>,
    /// Per alert: report time and state.
    alerts: HashMap<u64, (f64, AlertState)>,
    sensors: u64,
}

/// The ids sent before that are no longer there, ascending.
fn gone<V>(before: &HashMap<u64, V>, now: &HashMap<u64, V>) -> Vec<u64> {
    let mut ids: Vec<u64> = before
        .keys()
        .filter(|k| !now.contains_key(k))
        .copied()
        .collect();
    ids.sort_unstable();
    ids
}

fn hash_of(s: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// The next message for a page that has been sent `sent`, or `None` when nothing
/// changed.
fn next_message(st: &AppState, sent: &mut Sent, first: bool) -> Option<String> {
    let (time_s, tracks, alerts, sensors): (f64, Arc<[TrackReport]>, _, _) = {
        let live = st.running.live.read().ok()?;
        (
            live.time_s,
            live.tracks.clone(),
            live.alerts.clone(),
            live.sensors.clone(),
        )
    };
    let mut msg = FeedMessage::new(if first { "snapshot" } else { "delta" }, time_s);
    let mut seen: HashMap<u64, (f64, u64)> = HashMap::with_capacity(tracks.len());
    for r in tracks.iter() {
        let prev = sent.tracks.get(&r.track).copied();
        if let Some(p) = prev.filter(|(t, _)| *t == r.time_s) {
            seen.insert(r.track, p);
            continue;
        }
        let class = FeedClass::of(r, |i| sensors.get(i.0 as usize).map(|s| s.name.as_str()));
        let key = class.key();
        let changed = !matches!(prev, Some((_, k)) if k == key);
        msg.track(r, changed.then_some(&class));
        seen.insert(r.track, (r.time_s, key));
    }
    let removed = gone(&sent.tracks, &seen);
    sent.tracks = seen;
    msg.removed_tracks(&removed);

    let mut alerts_now: HashMap<u64, (f64, AlertState)> = HashMap::with_capacity(alerts.len());
    let mut alert_changes = 0;
    for a in &alerts {
        let now = (a.time_s, a.state);
        if sent.alerts.get(&a.alert) != Some(&now) {
            msg.alert(a);
            alert_changes += 1;
        }
        alerts_now.insert(a.alert, now);
    }
    let removed_alerts = gone(&sent.alerts, &alerts_now);
    sent.alerts = alerts_now;

    let rows = crate::sensor_rows(&sensors, time_s);
    // Sensors are sent when their health or rate moved, not for every new detection.
    let sensor_key = hash_of(
        &rows
            .iter()
            .map(|r| format!("{}:{}:{:.1}", r.sensor, r.health, r.rate_per_s))
            .collect::<Vec<_>>()
            .join(","),
    );
    let sensors_changed = first || sensor_key != sent.sensors;
    sent.sensors = sensor_key;

    let nothing = msg.track_count() == 0
        && removed.is_empty()
        && alert_changes == 0
        && removed_alerts.is_empty()
        && !sensors_changed;
    if nothing && !first {
        return None;
    }
    Some(msg.finish(&removed_alerts, sensors_changed.then_some(rows.as_slice())))
}

async fn run(mut socket: WebSocket, st: AppState) {
    let interval = st
        .web
        .as_ref()
        .map(|w| w.settings.feed_interval)
        .unwrap_or(std::time::Duration::from_secs(1));
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sent = Sent::default();
    let mut first = true;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Some(text) = next_message(&st, &mut sent, first) {
                    first = false;
                    st.running.metrics.feed_sent(text.len());
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
            }
            m = socket.recv() => match m {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                // The page sends nothing the server acts on; pings are answered by axum.
                Some(Ok(_)) => {}
            }
        }
    }
}
