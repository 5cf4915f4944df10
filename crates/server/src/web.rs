//! The map page: its files, the login, and the page's own API (a session cookie, not
//! the bearer token, since a browser must never hold the machine token).

use crate::auth::{self, Role, Session, Sessions, User};
use crate::{json, AppState};
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::time::Duration;

/// The map page's settings.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Who may log in.
    pub users: Vec<User>,
    /// The zones (GeoJSON FeatureCollection text) drawn on the map, if any.
    pub zones_geojson: Option<String>,
    /// A sensor plan (`skyfence plan`'s placement.geojson) whose sensors and coverage
    /// the page can show as a layer.
    pub plan_geojson: Option<String>,
    /// A title for the page (the site or scenario name).
    pub title: String,
    /// Mark the session cookie `Secure`. Browsers accept secure cookies over plain
    /// HTTP only from a loopback address; elsewhere serve the page through TLS.
    pub secure_cookies: bool,
    /// How often the feed sends what changed.
    pub feed_interval: Duration,
}

const COOKIE: &str = "skyfence_session";

/// Whether a failed login waits before answering, so passwords cannot be guessed at
/// the speed of the network.
const FAILED_LOGIN_DELAY: Duration = Duration::from_millis(400);

const INDEX_HTML: &str = include_str!("../../../web/src/index.html");
const APP_JS: &str = include_str!("../../../web/src/app.js");
const STYLE_CSS: &str = include_str!("../../../web/src/style.css");
const MILSYMBOL_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/vendor/milsymbol.js"));
const TOPOJSON_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/vendor/topojson-client.js"));
const COUNTRIES_JSON: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/vendor/countries-50m.json"));

/// Content-Security-Policy of every page response: only this server's own scripts,
/// and connections back to it (the WebSocket feed).
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

fn asset(kind: &'static str, body: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

pub(crate) async fn index() -> Response {
    let mut r = asset("text/html; charset=utf-8", INDEX_HTML);
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

pub(crate) async fn app_js() -> Response {
    asset("text/javascript; charset=utf-8", APP_JS)
}

pub(crate) async fn style_css() -> Response {
    asset("text/css; charset=utf-8", STYLE_CSS)
}

pub(crate) async fn vendor(Path(name): Path<String>) -> Response {
    match name.as_str() {
        "milsymbol.js" => asset("text/javascript; charset=utf-8", MILSYMBOL_JS),
        "topojson-client.js" => asset("text/javascript; charset=utf-8", TOPOJSON_JS),
        "countries-50m.json" => asset("application/json", COUNTRIES_JSON),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The session id in a request's cookies, if any.
fn session_id(req_headers: &axum::http::HeaderMap) -> Option<String> {
    req_headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

fn sessions(st: &AppState) -> Option<&Sessions> {
    st.web.as_ref().map(|w| &w.sessions)
}

/// Lets a request through only with a live session, which handlers then find in the
/// request's extensions.
pub(crate) async fn require_session(
    State(st): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let session = session_id(req.headers()).and_then(|id| sessions(&st)?.get(&id));
    match session {
        Some(s) => {
            req.extensions_mut().insert(s);
            next.run(req).await
        }
        None => (StatusCode::UNAUTHORIZED, "log in first\n").into_response(),
    }
}

/// A login attempt.
#[derive(serde::Deserialize)]
pub(crate) struct Login {
    user: String,
    password: String,
}

fn cookie(st: &AppState, value: &str, max_age_s: u64) -> String {
    let secure = st.web.as_ref().is_some_and(|w| w.settings.secure_cookies);
    format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Who is logged in, as the page reads it.
fn who_json(user: &str, role: Role) -> Response {
    json(serde_json::json!({"user": user, "role": role.as_str()}).to_string())
}

pub(crate) async fn login(State(st): State<AppState>, Json(body): Json<Login>) -> Response {
    let Some(web) = st.web.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(permit) = web.checks.acquire().await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let user = web
        .settings
        .users
        .iter()
        .find(|u| u.name == body.user)
        .cloned();
    // Argon2 is deliberately slow: off the async workers. An unknown user is checked
    // against a hash too, so the answer's timing does not tell which names exist.
    let dummy = web.dummy_hash.clone();
    let checked = tokio::task::spawn_blocking(move || match &user {
        Some(u) => auth::verify_password(&u.password_hash, &body.password).then(|| u.clone()),
        None => {
            let _ = auth::verify_password(&dummy, &body.password);
            None
        }
    })
    .await
    .ok()
    .flatten();
    drop(permit);
    let Some(user) = checked else {
        tracing::warn!("refused a page login");
        tokio::time::sleep(FAILED_LOGIN_DELAY).await;
        return (StatusCode::UNAUTHORIZED, "wrong user name or password\n").into_response();
    };
    let id = match web.sessions.open(&user.name, user.role) {
        Ok(id) => id,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    };
    tracing::info!(user = %user.name, role = user.role.as_str(), "page login");
    let mut r = who_json(&user.name, user.role);
    if let Ok(v) = HeaderValue::from_str(&cookie(&st, &id, auth::SESSION_LIFETIME.as_secs())) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

pub(crate) async fn logout(State(st): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    if let (Some(id), Some(s)) = (session_id(&headers), sessions(&st)) {
        s.close(&id);
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie(&st, "", 0)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

pub(crate) async fn me(axum::Extension(s): axum::Extension<Session>) -> Response {
    who_json(&s.user, s.role)
}

/// What the page draws once: site origin, zones, a plan's coverage, title.
pub(crate) async fn setup(State(st): State<AppState>) -> Response {
    let origin = st.running.live.read().ok().and_then(|l| l.origin).map(
        |o| serde_json::json!({"lat_deg": o.lat_deg(), "lon_deg": o.lon_deg(), "alt_m": o.alt_m}),
    );
    let (title, zones, plan) = match &st.web {
        Some(w) => (w.settings.title.as_str(), w.zones.as_ref(), w.plan.as_ref()),
        None => ("", None, None),
    };
    json(
        serde_json::json!({"title": title, "origin": origin, "zones": zones, "plan": plan})
            .to_string(),
    )
}

/// An acknowledgement from the page: operators only, recorded under their name.
pub(crate) async fn ack(
    State(st): State<AppState>,
    axum::Extension(s): axum::Extension<Session>,
    Path(id): Path<String>,
) -> Response {
    if s.role != Role::Operator {
        tracing::warn!(user = %s.user, alert = %id, "a viewer tried to acknowledge");
        return (
            StatusCode::FORBIDDEN,
            "only an operator may acknowledge alerts\n",
        )
            .into_response();
    }
    crate::acknowledge(&st, &id, &s.user).await
}
