//! `/_sandbox/…`: the knobs over HTTP, for tests in other processes. No token needed.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::App;
use crate::config::{FaultConfig, SandboxError};
use crate::json::respond;
use crate::oauth;
use crate::seed::{SeedAttendee, SeedRegistrant, SeedSession, SeedWebinar};

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/_sandbox/config", get(config).post(set_config))
        .route("/_sandbox/expire-tokens", post(expire_tokens))
        .route("/_sandbox/faults", get(faults).post(set_faults))
        .route("/_sandbox/rate-limit", post(set_rate_limit))
        .route("/_sandbox/clock", post(set_clock))
        .route("/_sandbox/refresh-policy", post(set_refresh_policy))
        .route("/_sandbox/deny-next-authorize", post(deny_next_authorize))
        .route("/_sandbox/requests", get(requests).delete(clear_requests))
        .route("/_sandbox/token-requests", get(token_requests))
        .route("/_sandbox/state", get(state))
        .route("/_sandbox/tokens", post(tokens))
        .route("/_sandbox/revoke-refresh-token", post(revoke_refresh_token))
        .route("/_sandbox/clients", post(add_client))
        .route("/_sandbox/webinars", post(add_webinar))
        .route("/_sandbox/webinars/{w}", put(change_webinar))
        .route("/_sandbox/webinars/{w}/registrants", post(add_registrant))
        .route("/_sandbox/webinars/{w}/sessions", post(add_session))
        .route("/_sandbox/webinars/{w}/sessions/{s}/attendees", post(add_attendee))
        .route("/_sandbox/webhook-deliveries", get(deliveries))
        .route("/_sandbox/webhook-deliveries/redeliver-last", post(redeliver_last))
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    respond(status, &json!({"error": message.into()}))
}

/// Parses a knob's JSON body (empty means `{}`); the error names the problem.
fn parse<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, String> {
    let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { bytes };
    serde_json::from_slice(text).map_err(|e| format!("invalid body: {e}"))
}

fn helper_error(e: SandboxError) -> Response {
    match e {
        SandboxError::NotFound(_) => error(StatusCode::NOT_FOUND, e.to_string()),
        _ => error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

fn done() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

async fn config(State(app): State<App>) -> Response {
    respond(StatusCode::OK, &app.config_json())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigIn {
    token_ttl_seconds: Option<u64>,
    rotate_refresh_tokens: Option<bool>,
    single_use_refresh_tokens: Option<bool>,
    revoke_on_refresh: Option<bool>,
    /// 0 or null turns the limit off.
    #[serde(default, deserialize_with = "nullable")]
    rate_limit: Option<Option<u32>>,
    faults: Option<FaultConfig>,
    clock_offset_seconds: Option<i64>,
    token_answer_delay_ms: Option<u64>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<u32>>, D::Error> {
    Ok(Some(Option::<u32>::deserialize(d)?))
}

async fn set_config(State(app): State<App>, bytes: Bytes) -> Response {
    let input: ConfigIn = match parse(&bytes) {
        Ok(v) => v,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    if let Some(s) = input.token_ttl_seconds {
        app.set_token_ttl(Duration::from_secs(s));
    }
    {
        let mut rt = app.rt();
        if let Some(v) = input.rotate_refresh_tokens {
            rt.rotate = v;
        }
        if let Some(v) = input.single_use_refresh_tokens {
            rt.single_use = v;
        }
        if let Some(v) = input.revoke_on_refresh {
            rt.revoke_on_refresh = v;
        }
    }
    if let Some(limit) = input.rate_limit {
        app.set_rate_limit(limit);
    }
    if let Some(f) = input.faults {
        app.set_faults(f);
    }
    if let Some(s) = input.clock_offset_seconds {
        app.set_clock_offset(chrono::Duration::seconds(s));
    }
    if let Some(ms) = input.token_answer_delay_ms {
        app.rt().token_answer_delay = Duration::from_millis(ms);
    }
    respond(StatusCode::OK, &app.config_json())
}

async fn expire_tokens(State(app): State<App>) -> Response {
    oauth::expire_all(&app);
    done()
}

async fn faults(State(app): State<App>) -> Response {
    let f = app.rt().faults.clone();
    respond(StatusCode::OK, &json!(f))
}

async fn set_faults(State(app): State<App>, bytes: Bytes) -> Response {
    match parse::<FaultConfig>(&bytes) {
        Ok(f) if (0.0..=1.0).contains(&f.rate) => {
            app.set_faults(f);
            done()
        }
        Ok(_) => error(StatusCode::BAD_REQUEST, "rate must be between 0 and 1"),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RateIn {
    per_second: Option<u32>,
}

async fn set_rate_limit(State(app): State<App>, bytes: Bytes) -> Response {
    match parse::<RateIn>(&bytes) {
        Ok(r) => {
            app.set_rate_limit(r.per_second);
            done()
        }
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockIn {
    offset_seconds: i64,
}

async fn set_clock(State(app): State<App>, bytes: Bytes) -> Response {
    match parse::<ClockIn>(&bytes) {
        Ok(c) => {
            app.set_clock_offset(chrono::Duration::seconds(c.offset_seconds));
            done()
        }
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PolicyIn {
    #[serde(default)]
    rotate: bool,
    #[serde(default)]
    single_use: bool,
    #[serde(default)]
    revoke_on_refresh: bool,
}

async fn set_refresh_policy(State(app): State<App>, bytes: Bytes) -> Response {
    match parse::<PolicyIn>(&bytes) {
        Ok(p) => {
            app.set_refresh_policy(p.rotate, p.single_use, p.revoke_on_refresh);
            done()
        }
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

async fn deny_next_authorize(State(app): State<App>) -> Response {
    app.rt().deny_next_authorize = true;
    done()
}

async fn requests(State(app): State<App>) -> Response {
    let log: Vec<_> = app.rt().log.iter().cloned().collect();
    respond(StatusCode::OK, &json!(log))
}

async fn clear_requests(State(app): State<App>) -> Response {
    app.rt().log.clear();
    done()
}

async fn token_requests(State(app): State<App>) -> Response {
    let count = app.0.token_requests.load(std::sync::atomic::Ordering::Relaxed);
    respond(StatusCode::OK, &json!({ "count": count }))
}

async fn state(State(app): State<App>) -> Response {
    respond(StatusCode::OK, &app.dump())
}

async fn tokens(State(app): State<App>) -> Response {
    let client = app.0.client_id.clone();
    respond(StatusCode::OK, &oauth::issue_new_grant(&app, &client, None))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RevokeIn {
    refresh_token: String,
}

async fn revoke_refresh_token(State(app): State<App>, bytes: Bytes) -> Response {
    match parse::<RevokeIn>(&bytes) {
        Ok(r) if oauth::revoke_refresh(&app, &r.refresh_token) => done(),
        Ok(_) => error(StatusCode::NOT_FOUND, "unknown refresh token"),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClientIn {
    client_id: String,
    client_secret: String,
}

async fn add_client(State(app): State<App>, bytes: Bytes) -> Response {
    match parse::<ClientIn>(&bytes) {
        Ok(c) if !c.client_id.is_empty() && !c.client_secret.is_empty() => {
            app.write(|s| s.clients.insert(c.client_id, c.client_secret));
            done()
        }
        Ok(_) => error(StatusCode::BAD_REQUEST, "clientId and clientSecret must not be empty"),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

async fn add_webinar(State(app): State<App>, bytes: Bytes) -> Response {
    let w: SeedWebinar = match parse(&bytes) {
        Ok(v) => v,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    match app.add_webinar(&w) {
        Ok(key) => respond(StatusCode::CREATED, &json!({ "webinarKey": key })),
        Err(e) => helper_error(e),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ChangeIn {
    subject: String,
}

async fn change_webinar(State(app): State<App>, Path(w): Path<String>, bytes: Bytes) -> Response {
    match parse::<ChangeIn>(&bytes) {
        Ok(c) => match app.set_webinar_subject(&w, &c.subject) {
            Ok(()) => done(),
            Err(e) => helper_error(e),
        },
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

async fn add_registrant(State(app): State<App>, Path(w): Path<String>, bytes: Bytes) -> Response {
    let r: SeedRegistrant = match parse(&bytes) {
        Ok(v) => v,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    match app.add_registrant(&w, &r) {
        Ok(key) => respond(StatusCode::CREATED, &json!({ "registrantKey": key })),
        Err(e) => helper_error(e),
    }
}

async fn add_session(State(app): State<App>, Path(w): Path<String>, bytes: Bytes) -> Response {
    let s: SeedSession = match parse(&bytes) {
        Ok(v) => v,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    match app.add_session(&w, &s) {
        Ok(key) => respond(StatusCode::CREATED, &json!({ "sessionKey": key })),
        Err(e) => helper_error(e),
    }
}

async fn add_attendee(
    State(app): State<App>,
    Path((w, s)): Path<(String, String)>,
    bytes: Bytes,
) -> Response {
    let a: SeedAttendee = match parse(&bytes) {
        Ok(v) => v,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    match app.add_attendee(&w, &s, &a) {
        Ok(()) => StatusCode::CREATED.into_response(),
        Err(e) => helper_error(e),
    }
}

async fn deliveries(State(app): State<App>) -> Response {
    let list: Value = json!(app.rt().deliveries);
    respond(StatusCode::OK, &list)
}

async fn redeliver_last(State(app): State<App>) -> Response {
    if app.redeliver_last().await {
        StatusCode::ACCEPTED.into_response()
    } else {
        error(StatusCode::NOT_FOUND, "no event was delivered yet")
    }
}
