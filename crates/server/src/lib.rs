//! The HTTP side of `skyfence serve` (docs/serve.md): the machine API (live tracks as
//! GeoJSON, alerts and their acknowledgement, sensor health and Prometheus metrics,
//! each behind a bearer token) and the map page (docs/map.md: its files, logins with
//! roles, and a WebSocket feed of what changed).
//!
//! API boundary: handlers only read the live picture and send acknowledgements to the
//! tracking thread; nothing here changes tracks.
#![deny(missing_docs)]

pub mod auth;
mod feed;
mod web;

pub use web::WebSettings;

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pipeline::{AckFailure, Running};
use std::sync::Arc;

/// What the handlers share.
#[derive(Clone)]
pub(crate) struct AppState {
    running: Arc<Running>,
    token: Arc<str>,
    web: Option<Arc<WebState>>,
}

/// The map page's users, sessions and settings.
pub(crate) struct WebState {
    settings: WebSettings,
    sessions: auth::Sessions,
    /// Checked against when a login names no user, so both cases take as long.
    dummy_hash: String,
    /// The zones the page draws, parsed once from `settings.zones_geojson`.
    zones: Option<serde_json::Value>,
    /// The plan layer, parsed once from `settings.plan_geojson`.
    plan: Option<serde_json::Value>,
    /// Password checks running at once: each costs 19 MiB and tens of milliseconds, so
    /// a flood of logins must queue rather than exhaust the machine.
    checks: tokio::sync::Semaphore,
}

/// Compares in time independent of where the strings differ, so response timing does
/// not reveal how much of a guessed token is right. Hand-written: five lines do not
/// warrant a dependency.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn require_token(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        Some(t) if same_secret(t.trim().as_bytes(), st.token.as_bytes()) => next.run(req).await,
        _ => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer realm=\"skyfence\"")],
            "a valid `Authorization: Bearer TOKEN` header is required\n",
        )
            .into_response(),
    }
}

pub(crate) fn json(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn tracks(State(st): State<AppState>) -> Response {
    let tracks = match st.running.live.read() {
        Ok(l) => l.tracks.clone(),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    (
        [(header::CONTENT_TYPE, "application/geo+json")],
        formats::tracks_geojson(&tracks),
    )
        .into_response()
}

async fn alerts(State(st): State<AppState>) -> Response {
    let mut list = match st.running.live.read() {
        Ok(l) => l.alerts.clone(),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    // Most urgent first, then newest.
    list.sort_by(|a, b| a.priority.cmp(&b.priority).then(b.alert.cmp(&a.alert)));
    json(formats::alerts_json(&list))
}

async fn sensors(State(st): State<AppState>) -> Response {
    let Ok(live) = st.running.live.read() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    json(formats::sensors_json(&sensor_rows(
        &live.sensors,
        live.time_s,
    )))
}

/// Sensors as the API and the page show them, at picture time `time_s`.
pub(crate) fn sensor_rows(
    sensors: &[pipeline::SensorStatus],
    time_s: f64,
) -> Vec<formats::SensorStatusLine<'_>> {
    sensors
        .iter()
        .map(|s| formats::SensorStatusLine {
            sensor: &s.name,
            kind: s.kind,
            lat_deg: s.position.map(|p| p.lat_deg()),
            lon_deg: s.position.map(|p| p.lon_deg()),
            max_range_m: s.max_range_m,
            detections: s.detections,
            last_report_s: s.last_report_s,
            age_s: s.last_report_s.map(|l| (time_s - l).max(0.0)),
            rate_per_s: s.rate_per_s,
            health: s.health,
        })
        .collect()
}

/// Body of an acknowledgement: who acknowledges.
#[derive(serde::Deserialize, Default)]
struct AckBody {
    by: Option<String>,
}

async fn ack(
    State(st): State<AppState>,
    Path(id): Path<String>,
    body: Option<Json<AckBody>>,
) -> Response {
    let by = body
        .and_then(|Json(b)| b.by)
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| "api".to_owned());
    acknowledge(&st, &id, &by).await
}

/// Acknowledges alert `id` (text from the path) in `by`'s name.
pub(crate) async fn acknowledge(st: &AppState, id: &str, by: &str) -> Response {
    let Ok(id) = id.parse::<u64>() else {
        return (StatusCode::BAD_REQUEST, "the alert id must be a number\n").into_response();
    };
    match st.running.acknowledge(id, by).await {
        Ok(a) => {
            tracing::info!(alert = id, by, "alert acknowledged");
            json(formats::alert_json(&a))
        }
        Err(AckFailure::Refused(e)) => (StatusCode::NOT_FOUND, format!("{e}\n")).into_response(),
        Err(e @ AckFailure::Unavailable) => {
            (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")).into_response()
        }
    }
}

async fn metrics(State(st): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        st.running.metrics.encode(),
    )
        .into_response()
}

async fn healthz(_: HeaderMap) -> &'static str {
    "ok\n"
}

/// The routes over a running pipeline: the machine API, where every route but
/// `/healthz` needs `Authorization: Bearer TOKEN`, and with `web` the map page at `/`,
/// whose own API (`/ui/...`) needs a login.
pub fn router(
    running: Arc<Running>,
    token: &str,
    web: Option<WebSettings>,
) -> Result<Router, auth::AuthError> {
    let web = match web {
        Some(settings) => Some(Arc::new(WebState {
            zones: settings
                .zones_geojson
                .as_deref()
                .and_then(|z| serde_json::from_str(z).ok()),
            plan: settings
                .plan_geojson
                .as_deref()
                .and_then(|z| serde_json::from_str(z).ok()),
            settings,
            sessions: auth::Sessions::default(),
            dummy_hash: auth::hash_password(&auth::random_hex(16)?)?,
            checks: tokio::sync::Semaphore::new(2),
        })),
        None => None,
    };
    let st = AppState {
        running,
        token: Arc::from(token),
        web,
    };
    let api = Router::new()
        .route("/api/tracks", get(tracks))
        .route("/api/alerts", get(alerts))
        .route("/api/alerts/{id}/ack", post(ack))
        .route("/api/sensors", get(sensors))
        .route("/metrics", get(metrics))
        .route_layer(middleware::from_fn_with_state(st.clone(), require_token));
    let mut app = Router::new().merge(api).route("/healthz", get(healthz));
    if st.web.is_some() {
        let page_api = Router::new()
            .route("/ui/me", get(web::me))
            .route("/ui/setup", get(web::setup))
            .route("/ui/alerts/{id}/ack", post(web::ack))
            .route("/ui/feed", get(feed::socket))
            .route_layer(middleware::from_fn_with_state(
                st.clone(),
                web::require_session,
            ));
        app = app
            .merge(page_api)
            .route("/", get(web::index))
            .route("/app.js", get(web::app_js))
            .route("/style.css", get(web::style_css))
            .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
            .route("/vendor/{name}", get(web::vendor))
            .route("/ui/login", post(web::login))
            .route("/ui/logout", post(web::logout));
    }
    Ok(app.with_state(st))
}
