//! Sample webhook deliveries on request, and a local receiver for callback URLs.
//!
//! `POST /_sandbox/test-event {"eventName", "url"}` sends one delivery of that event to `url`,
//! built from the sandbox's own data (a real webinar, registrant or attendee, so follow-up calls
//! find them) and signed as every delivery is. `/receiver/{name}` answers any GET or POST with 200
//! and records it, so a webhook can be created on the sandbox without a server of one's own;
//! `GET /_sandbox/receiver` lists what arrived, each with the message the platform would pass on.

use std::collections::VecDeque;

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::api::{callback_problem, deliver_event, registrant_added_payload, stamp, webinar_event, EVENTS};
use crate::app::{redact_headers, App, WebhookDelivery};
use crate::config::SandboxError;
use crate::json::{fmt_time, num, respond, to_text};
use crate::model::Webinar;
use crate::server::Sandbox;

/// Where the receiver listens: `{sandbox}/receiver/{name}`.
pub const RECEIVER_PREFIX: &str = "/receiver";
/// Requests the receiver keeps; the oldest go first.
const RECEIVED_CAP: usize = 1000;
/// Bytes of a body the receiver keeps.
const BODY_CAP: usize = 64 * 1024;

/// One request the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedRequest {
    /// `GET` (e.g. GoTo's check of a callback URL) or `POST` (a delivery).
    pub method: String,
    /// The path, e.g. `/receiver/hook`.
    pub path: String,
    /// Server time of arrival.
    pub at: DateTime<Utc>,
    /// Headers, names in lower case; credentials redacted.
    pub headers: Map<String, Value>,
    /// The raw body (UTF-8, lossy), cut at 64 KiB.
    pub body: String,
    /// The body was longer than what is kept (its signature then no longer matches).
    pub truncated: bool,
}

impl ReceivedRequest {
    /// The request as the platform passes a webhook request to a step:
    /// `{"body": {"rawData": …}, "headers": {…}}`.
    pub fn message(&self) -> Value {
        json!({"body": {"rawData": self.body}, "headers": self.headers})
    }

    fn to_json(&self) -> Value {
        let mut value = json!(self);
        value["message"] = self.message();
        value
    }
}

pub(crate) fn routes() -> Router<App> {
    Router::new().route(&format!("{RECEIVER_PREFIX}/{{*name}}"), get(receive).post(receive))
}

/// Behind the admin gate with the other control endpoints.
pub(crate) fn control_routes() -> Router<App> {
    Router::new()
        .route("/_sandbox/test-event", post(test_event))
        .route("/_sandbox/receiver", get(received).delete(clear_received))
        .route("/_sandbox/receiver/{*name}", get(received))
}

async fn receive(
    State(app): State<App>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let truncated = bytes.len() > BODY_CAP;
    let kept = &bytes[..bytes.len().min(BODY_CAP)];
    let mut header_map = Map::new();
    for (name, value) in redact_headers(&headers) {
        header_map.insert(name, Value::String(value));
    }
    let request = ReceivedRequest {
        method: method.to_string(),
        path: uri.path().to_string(),
        at: app.now(),
        headers: header_map,
        body: String::from_utf8_lossy(kept).into_owned(),
        truncated,
    };
    let mut rt = app.rt();
    if rt.received.len() >= RECEIVED_CAP {
        rt.received.pop_front();
    }
    rt.received.push_back(request);
    (StatusCode::OK, "received").into_response()
}

async fn received(State(app): State<App>, OriginalUri(uri): OriginalUri) -> Response {
    let wanted = uri.path().strip_prefix("/_sandbox").filter(|path| path.len() > RECEIVER_PREFIX.len());
    let list: Vec<Value> = app
        .rt()
        .received
        .iter()
        .filter(|r| wanted.is_none_or(|path| r.path == path))
        .map(ReceivedRequest::to_json)
        .collect();
    respond(StatusCode::OK, &Value::Array(list))
}

async fn clear_received(State(app): State<App>) -> Response {
    app.rt().received.clear();
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TestEventIn {
    event_name: Option<String>,
    url: Option<String>,
}

async fn test_event(State(app): State<App>, bytes: Bytes) -> Response {
    let error = |status: StatusCode, message: String| respond(status, &json!({ "error": message }));
    let input: TestEventIn = match serde_json::from_slice(&bytes) {
        Ok(input) => input,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("invalid body: {e}; send {{\"eventName\": \"registrant.added\", \"url\": \"http://127.0.0.1:PORT/…\"}}"),
            )
        }
    };
    let (Some(event_name), Some(url)) = (input.event_name, input.url) else {
        return error(StatusCode::BAD_REQUEST, "eventName and url are required".into());
    };
    match app.send_test_event(&event_name, &url).await {
        Ok(delivery) => respond(StatusCode::OK, &json!(delivery)),
        Err(SandboxError::NotFound(what)) => error(StatusCode::CONFLICT, what),
        Err(e) => error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

impl App {
    /// Sends one sample delivery of `event_name` to `url` and waits for the answer.
    pub(crate) async fn send_test_event(
        &self,
        event_name: &str,
        url: &str,
    ) -> Result<WebhookDelivery, SandboxError> {
        if !EVENTS.contains(&event_name) {
            return Err(SandboxError::Invalid(format!(
                "eventName `{event_name}` is not a GoTo webinar event; use one of {}",
                EVENTS.join(", ")
            )));
        }
        if let Some(problem) = callback_problem(url) {
            return Err(SandboxError::Invalid(problem.replace("callbackUrl", "url")));
        }
        let mut payload = self.sample_payload(event_name)?;
        let event_key = stamp(self, event_name, &mut payload);
        deliver_event(self, event_key.clone(), event_name.to_string(), url.to_string(), to_text(&payload))
            .await;
        self.rt()
            .deliveries
            .iter()
            .rev()
            .find(|d| d.event_key == event_key)
            .cloned()
            .ok_or_else(|| SandboxError::Invalid("the delivery was not logged".into()))
    }

    /// The event's fields for data the sandbox holds: the first webinar still to come (else any
    /// not cancelled) that has what the event needs.
    fn sample_payload(&self, event_name: &str) -> Result<Value, SandboxError> {
        let now = self.now();
        let mut webinars: Vec<Webinar> =
            self.read(|s| s.webinars.iter().filter(|w| !w.cancelled).cloned().collect());
        webinars.sort_by_key(|w| (!w.is_future(now), w.first_start()));
        let account = self.read(|s| s.account.key.clone());
        let missing = |what: &str| {
            SandboxError::NotFound(format!(
                "the sandbox holds no {what} to base a {event_name} sample on; add one first (POST /_sandbox/webinars …)"
            ))
        };
        match event_name {
            "registrant.added" => webinars
                .iter()
                .find_map(|w| w.registrants.first().map(|r| (w, r)))
                .map(|(w, r)| registrant_added_payload(self, &w.key, &w.organizer_key, &account, r))
                .ok_or_else(|| missing("webinar with a registrant")),
            "registrant.joined" => webinars
                .iter()
                .find_map(|w| w.sessions.iter().find_map(|s| s.attendees.first().map(|a| (w, s, a))))
                .map(|(w, s, a)| {
                    json!({
                        "registrantKey": num(&a.registrant_key),
                        "webinarKey": num(&w.key),
                        "sessionKey": num(&s.key),
                        "webinarCreatorKey": num(&w.organizer_key),
                        "accountKey": num(&account),
                        "firstName": a.first_name,
                        "lastName": a.last_name,
                        "email": a.email,
                        "joinTime": fmt_time(a.join_time),
                    })
                })
                .ok_or_else(|| missing("session with an attendee")),
            _ => webinars.first().map(webinar_event).ok_or_else(|| missing("webinar")),
        }
    }
}

impl Sandbox {
    /// Sends one sample delivery of `event_name` (`registrant.added`, `registrant.joined`,
    /// `webinar.created`, `webinar.changed`) to the loopback `url`, built from the sandbox's data and
    /// signed with [`Sandbox::webhook_secret`]; returns the logged delivery once `url` answered.
    pub async fn send_test_event(
        &self,
        event_name: &str,
        url: &str,
    ) -> Result<WebhookDelivery, SandboxError> {
        self.app.send_test_event(event_name, url).await
    }

    /// The receiver's URL for `name`: answers GET and POST with 200 and records them.
    pub fn receiver_url(&self, name: &str) -> String {
        format!("{}{RECEIVER_PREFIX}/{}", self.url(), name.trim_start_matches('/'))
    }

    /// Every request the receiver recorded, oldest first (at most the last 1000).
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.app.rt().received.iter().cloned().collect()
    }
}

/// The receiver's requests kept in the runtime state.
pub(crate) type Received = VecDeque<ReceivedRequest>;
