//! Middleware: request log, fault injection, token checks and the rate limit.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use rand::Rng;
use tokio::sync::Notify;

use axum::body::{to_bytes, Body};

use crate::app::{redact_headers, redact_query, App, RequestRecord};
use crate::errors::{html, invalid_token, rate_limited};
use crate::oauth::authenticate;

/// Closes the request's TCP connection without an answer when notified.
#[derive(Clone)]
pub(crate) struct ConnAbort(pub Arc<Notify>);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    ServerError,
    Unavailable,
    Reset,
    Slow(Duration),
}

#[derive(Debug, Clone, Copy)]
struct Fault {
    kind: Kind,
    /// Strike after the request was processed (its effects happened) rather than before.
    after: bool,
}

/// Draws the fault (if any) for one request. The number of draws depends only on the outcome, so a
/// replay with the same seed and the same request sequence meets the same faults.
fn decide(app: &App, before_only: bool) -> Option<Fault> {
    let mut rt = app.rt();
    let faults = rt.faults.clone();
    if faults.rate <= 0.0 {
        return None;
    }
    let roll: f64 = rt.fault_rng.gen();
    if roll >= faults.rate {
        return None;
    }
    let mut kinds = Vec::new();
    if faults.server_error {
        kinds.push(Kind::ServerError);
    }
    if faults.unavailable {
        kinds.push(Kind::Unavailable);
    }
    if faults.reset {
        kinds.push(Kind::Reset);
    }
    if faults.slow {
        kinds.push(Kind::Slow(Duration::ZERO));
    }
    if kinds.is_empty() {
        return None;
    }
    let mut kind = kinds[rt.fault_rng.gen_range(0..kinds.len())];
    let after = if before_only { false } else { rt.fault_rng.gen_bool(0.5) };
    if kind == Kind::Slow(Duration::ZERO) {
        let max = u64::try_from(faults.max_delay.as_millis()).unwrap_or(u64::MAX);
        kind = Kind::Slow(Duration::from_millis(rt.fault_rng.gen_range(0..=max)));
    }
    Some(Fault { kind, after })
}

struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    at: chrono::DateTime<chrono::Utc>,
    abort: Option<ConnAbort>,
    headers: Vec<(String, String)>,
}

/// Longest body kept in the request log; longer ones are refused with 413 (no GoTo body comes close).
const MAX_LOGGED_BODY: usize = 4 * 1024 * 1024;

impl Seen {
    fn of(app: &App, req: &Request) -> Self {
        Self {
            method: req.method().to_string(),
            path: req.uri().path().to_string(),
            query: req.uri().query().map(redact_query),
            at: app.now(),
            abort: req.extensions().get::<ConnAbort>().cloned(),
            headers: redact_headers(req.headers()),
        }
    }

    fn record(&self, status: u16, body: Option<String>, response_body: Option<String>) -> RequestRecord {
        RequestRecord {
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            status,
            at: self.at,
            headers: self.headers.clone(),
            body,
            response_body,
        }
    }
}

/// Bodies are logged for the API only: token requests and answers carry secrets.
fn logs_bodies(path: &str) -> bool {
    !path.starts_with("/oauth")
}

fn text(bytes: &[u8]) -> Option<String> {
    (!bytes.is_empty()).then(|| String::from_utf8_lossy(bytes).into_owned())
}

/// A created secret key's `value` never reaches the log.
fn redact_response(path: &str, body: Option<String>) -> Option<String> {
    if !path.ends_with("/webhooks/secretkey") {
        return body;
    }
    body.map(|b| match serde_json::from_str::<serde_json::Value>(&b) {
        Ok(mut v) => {
            if let Some(value) = v.get_mut("value") {
                *value = serde_json::Value::String("<redacted>".into());
            }
            v.to_string()
        }
        Err(_) => b,
    })
}

/// Applies a failing fault. `None` for a slow answer, after the delay: the request goes on.
async fn strike(app: &App, seen: &Seen, fault: Fault) -> Option<Response> {
    match fault.kind {
        Kind::ServerError => Some(html(
            StatusCode::INTERNAL_SERVER_ERROR,
            "500 Internal Server Error",
            "Something went wrong.",
        )),
        Kind::Unavailable => {
            Some(html(StatusCode::SERVICE_UNAVAILABLE, "503 Service Unavailable", "Please try again later."))
        }
        Kind::Slow(delay) => {
            tokio::time::sleep(delay).await;
            None
        }
        Kind::Reset => match &seen.abort {
            Some(abort) => {
                app.log_request(seen.record(0, None, None));
                abort.0.notify_one();
                // The connection task drops this request together with the connection.
                std::future::pending::<()>().await;
                None
            }
            None => Some(html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "500 Internal Server Error",
                "Connection reset.",
            )),
        },
    }
}

/// Every request except `/_sandbox/…` goes into the request log.
pub(crate) async fn observe(State(app): State<App>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/_sandbox") {
        return next.run(req).await;
    }
    let seen = Seen::of(&app, &req);
    if !logs_bodies(&seen.path) {
        let resp = next.run(req).await;
        app.log_request(seen.record(resp.status().as_u16(), None, None));
        return resp;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_LOGGED_BODY).await else {
        let resp =
            html(StatusCode::PAYLOAD_TOO_LARGE, "413 Payload Too Large", "The request body is too large.");
        app.log_request(seen.record(resp.status().as_u16(), None, None));
        return resp;
    };
    let logged = text(&bytes);
    let resp = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let (parts, body) = resp.into_parts();
    let out = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let answer = redact_response(&seen.path, text(&out));
    app.log_request(seen.record(parts.status.as_u16(), logged, answer));
    Response::from_parts(parts, Body::from(out))
}

/// API requests: faults (before or after processing), then the token check, then the rate limit.
pub(crate) async fn api_gate(State(app): State<App>, mut req: Request, next: Next) -> Response {
    let seen = Seen::of(&app, &req);
    let fault = decide(&app, false);
    if let Some(f) = fault.filter(|f| !f.after) {
        if let Some(resp) = strike(&app, &seen, f).await {
            return resp;
        }
    }
    let Some(caller) = authenticate(&app, req.headers()) else {
        return invalid_token();
    };
    if !app.admit(&caller.client_id) {
        return rate_limited();
    }
    req.extensions_mut().insert(caller);
    let resp = next.run(req).await;
    if let Some(f) = fault.filter(|f| f.after) {
        if let Some(failed) = strike(&app, &seen, f).await {
            return failed;
        }
    }
    resp
}

/// `POST /oauth/token`: counted, and faults strike before processing so none consumes a token.
pub(crate) async fn token_gate(State(app): State<App>, req: Request, next: Next) -> Response {
    app.0.token_requests.fetch_add(1, Ordering::Relaxed);
    let seen = Seen::of(&app, &req);
    if let Some(f) = decide(&app, true) {
        if let Some(resp) = strike(&app, &seen, f).await {
            return resp;
        }
    }
    let resp = next.run(req).await;
    let delay = app.rt().token_answer_delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    resp
}
