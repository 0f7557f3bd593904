//! Webhooks: the account's secret keys, webhooks, user subscriptions, and event delivery.

use std::net::IpAddr;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::Sha256;

use super::{body, body_list, Call, Params};
use crate::app::{App, WebhookDelivery};
use crate::errors::{ApiError, ApiResult};
use crate::json::{fmt_time, num, parse_time, respond, to_text};
use crate::model::{SecretKey, State as Data, UserSubscription, Webhook};
use crate::oauth::Caller;

/// The events GoTo offers for webinars.
pub const EVENTS: [&str; 4] = ["registrant.added", "registrant.joined", "webinar.created", "webinar.changed"];

const CALLBACK_TIMEOUT: Duration = Duration::from_secs(5);

/// `X-Webhook-Signature`: base64(HMAC-SHA256(secret value, raw body)).
pub fn signature(secret: &str, body: &[u8]) -> String {
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body);
            STANDARD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

fn secret_json(k: &SecretKey) -> Value {
    json!({"id": num(&k.id), "value": k.value, "validFrom": fmt_time(k.valid_from)})
}

/// The body of `POST /webhooks/secretkey` (`SecretKeyRequest`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SecretKeyIn {
    valid_from: Option<String>,
}

/// `POST /webhooks/secretkey {validFrom?}` → 200 `{id, value, validFrom}`: a new key of the
/// application, which signs deliveries from `validFrom` on. There is no way to read keys back.
pub(crate) async fn create_secret(call: Call, bytes: Bytes) -> ApiResult {
    let Call { app, caller, .. } = call;
    let input: SecretKeyIn = body(&bytes)?;
    let valid_from = match input.valid_from {
        None => app.now(),
        Some(text) => parse_time(&text).ok_or_else(|| {
            ApiError::bad_request("validFrom must be an ISO-8601 time such as 2019-07-01T22:00:00Z")
        })?,
    };
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let key = SecretKey {
        id: (rand::thread_rng().next_u64() >> 2).to_string(),
        value: STANDARD.encode(bytes),
        valid_from,
        client_id: caller.client_id.clone(),
    };
    let out = secret_json(&key);
    app.write(|s| s.secret_keys.push(key));
    Ok(respond(StatusCode::OK, &out))
}

/// The key that signs deliveries for `client` now: its newest created key already valid, else the
/// configured application secret.
pub(crate) fn signing_secret(app: &App, client: &str) -> String {
    let now = app.now();
    app.read(|s| {
        s.secret_keys
            .iter()
            .filter(|k| k.client_id == client && k.valid_from <= now)
            .max_by_key(|k| k.valid_from)
            .map(|k| k.value.clone())
    })
    .unwrap_or_else(|| app.0.webhook_secret.clone())
}

fn webhook_json(w: &Webhook) -> Value {
    json!({
        "webhookKey": w.key,
        "callbackUrl": w.callback_url,
        "eventName": w.event_name,
        "eventVersion": w.event_version,
        "product": w.product,
        "state": w.state,
        "createTime": fmt_time(w.create_time),
    })
}

/// The document requires `_embedded` in these answers, empty list included.
fn embedded(name: &str, items: Vec<Value>) -> Value {
    json!({"_embedded": { name: items }})
}

/// Only loopback callbacks are called: the sandbox never reaches out to other hosts.
fn check_callback(url: &str) -> Result<(), ApiError> {
    callback_problem(url).map_or(Ok(()), |problem| Err(ApiError::bad_request(problem)))
}

/// Why the sandbox will not call `url`, if it will not: not an http(s) URL, or not loopback.
pub(crate) fn callback_problem(url: &str) -> Option<String> {
    let Ok(parsed) = url::Url::parse(url) else {
        return Some(format!("callbackUrl `{url}` is not a URL"));
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return Some("callbackUrl must be http or https".into());
    }
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    (!loopback).then(|| "The sandbox only calls loopback callback URLs (127.0.0.1, ::1, localhost)".into())
}

/// GoTo checks a callback with a GET that must answer 200.
async fn validate_callback(app: &App, url: &str) -> Result<(), ApiError> {
    check_callback(url)?;
    match app.0.http.get(url).timeout(CALLBACK_TIMEOUT).send().await {
        Ok(r) if r.status() == reqwest::StatusCode::OK => Ok(()),
        Ok(r) => Err(ApiError::bad_request(format!(
            "Callback URL validation failed: the GET answered {} instead of 200",
            r.status().as_u16()
        ))),
        Err(_) => Err(ApiError::bad_request("Callback URL validation failed: the GET got no answer")),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WebhookIn {
    callback_url: Option<String>,
    event_name: Option<String>,
    event_version: Option<String>,
    product: Option<String>,
}

/// `POST /webhooks` with an array body → 200; webhooks start INACTIVE.
pub(crate) async fn create(call: Call, bytes: Bytes) -> ApiResult {
    let Call { app, caller, .. } = call;
    let input: Vec<WebhookIn> = body_list(&bytes, "webhook")?;
    let mut hooks = Vec::new();
    for (i, w) in input.iter().enumerate() {
        let field = |v: &Option<String>, name: &str| {
            v.clone()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| ApiError::bad_request(format!("[{i}].{name} is required")))
        };
        let callback_url = field(&w.callback_url, "callbackUrl")?;
        let event_name = field(&w.event_name, "eventName")?;
        let event_version = field(&w.event_version, "eventVersion")?;
        let product = field(&w.product, "product")?;
        if !EVENTS.contains(&event_name.as_str()) {
            return Err(ApiError::bad_request(format!(
                "[{i}].eventName must be one of {}",
                EVENTS.join(", ")
            )));
        }
        if event_version != "1.0.0" {
            return Err(ApiError::bad_request(format!("[{i}].eventVersion must be 1.0.0")));
        }
        if product != "g2w" {
            return Err(ApiError::bad_request(format!("[{i}].product must be g2w")));
        }
        check_callback(&callback_url)?;
        hooks.push(Webhook {
            key: uuid::Uuid::new_v4().to_string(),
            client_id: caller.client_id.clone(),
            callback_url,
            event_name,
            event_version,
            product,
            state: "INACTIVE".into(),
            create_time: app.now(),
        });
    }
    let mut checked: Vec<&str> = Vec::new();
    for h in &hooks {
        if !checked.contains(&h.callback_url.as_str()) {
            validate_callback(&app, &h.callback_url).await?;
            checked.push(&h.callback_url);
        }
    }
    let out: Vec<Value> = hooks.iter().map(webhook_json).collect();
    app.write(|s| s.webhooks.extend(hooks));
    Ok(respond(StatusCode::OK, &json!({"_embedded": {"webhooks": out}})))
}

/// `GET /webhooks?product=g2w`: every webhook of the application. The document declares no other
/// parameter, and GoTo ignores unknown ones, so none narrows the list.
pub(crate) async fn list(call: Call, Query(q): Query<Params>) -> ApiResult {
    require_product(&q)?;
    let Call { app, caller, .. } = call;
    let items = app.read(|s| {
        s.webhooks.iter().filter(|w| w.client_id == caller.client_id).map(webhook_json).collect::<Vec<_>>()
    });
    Ok(respond(StatusCode::OK, &embedded("webhooks", items)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WebhookUpdate {
    webhook_key: Option<String>,
    state: Option<String>,
    callback_url: Option<String>,
}

/// `PUT /webhooks [{webhookKey, state}]` → 204.
pub(crate) async fn update(call: Call, bytes: Bytes) -> ApiResult {
    let Call { app, caller, .. } = call;
    let input: Vec<WebhookUpdate> = body(&bytes)?;
    for (i, u) in input.iter().enumerate() {
        if u.webhook_key.is_none() {
            return Err(ApiError::bad_request(format!("[{i}].webhookKey is required")));
        }
        if let Some(st) = &u.state {
            if st != "ACTIVE" && st != "INACTIVE" {
                return Err(ApiError::bad_request(format!("[{i}].state must be ACTIVE or INACTIVE")));
            }
        }
        if let Some(url) = &u.callback_url {
            validate_callback(&app, url).await?;
        }
    }
    let key = |u: &WebhookUpdate| u.webhook_key.clone().unwrap_or_default();
    app.write(|s| {
        if let Some(k) = input.iter().map(key).find(|k| !known(&s.webhooks, &caller, k)) {
            return Err(unknown("Webhook", &k));
        }
        for u in input {
            if let Some(w) = s.webhooks.iter_mut().find(|w| w.key == key(&u)) {
                if let Some(st) = u.state {
                    w.state = st;
                }
                if let Some(url) = u.callback_url {
                    w.callback_url = url;
                }
            }
        }
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}

/// `DELETE /webhooks` with an array body of keys → 202; 404 (nothing deleted) if any key is unknown.
pub(crate) async fn remove(call: Call, bytes: Bytes) -> ApiResult {
    remove_listed(&call, &bytes, "Webhook", |s| &mut s.webhooks)
}

/// A webhook or a user subscription: named by its key, owned by an application.
trait Owned {
    fn key(&self) -> &str;
    fn client_id(&self) -> &str;
}

impl Owned for Webhook {
    fn key(&self) -> &str {
        &self.key
    }
    fn client_id(&self) -> &str {
        &self.client_id
    }
}

impl Owned for UserSubscription {
    fn key(&self) -> &str {
        &self.key
    }
    fn client_id(&self) -> &str {
        &self.client_id
    }
}

/// Whether `key` names one of the caller's application's items.
fn known<T: Owned>(items: &[T], caller: &Caller, key: &str) -> bool {
    items.iter().any(|x| x.key() == key && x.client_id() == caller.client_id)
}

fn unknown(what: &str, key: &str) -> ApiError {
    ApiError::not_found(format!("{what} {key} not found"))
}

/// Deletes the items whose keys the body lists → 202; 404 (nothing deleted) if any key is unknown.
fn remove_listed<T: Owned>(
    call: &Call,
    bytes: &Bytes,
    what: &str,
    items: impl FnOnce(&mut Data) -> &mut Vec<T>,
) -> ApiResult {
    let input: Vec<String> = body(bytes)?;
    call.app.write(|s| {
        let items = items(s);
        if let Some(k) = input.iter().find(|k| !known(items, &call.caller, k)) {
            return Err(unknown(what, k));
        }
        items.retain(|x| !input.iter().any(|k| k == x.key()));
        Ok(StatusCode::ACCEPTED.into_response())
    })
}

fn subscription_json(s: &UserSubscription, event: Option<&Webhook>) -> Value {
    json!({
        "userSubscriptionKey": s.key,
        "webhookKey": s.webhook_key,
        "userSubscriptionState": s.state,
        "createTime": fmt_time(s.create_time),
        "callbackUrl": event.map(|w| w.callback_url.clone()),
        "eventName": event.map(|w| w.event_name.clone()),
        "product": "g2w",
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SubscriptionIn {
    #[allow(dead_code)]
    callback_url: Option<String>,
    webhook_key: Option<String>,
    user_subscription_key: Option<String>,
    user_subscription_state: Option<String>,
}

fn check_state(i: usize, st: &Option<String>) -> Result<(), ApiError> {
    match st.as_deref() {
        None | Some("ACTIVE") | Some("INACTIVE") => Ok(()),
        Some(_) => {
            Err(ApiError::bad_request(format!("[{i}].userSubscriptionState must be ACTIVE or INACTIVE")))
        }
    }
}

/// `POST /userSubscriptions [{webhookKey, userSubscriptionState}]` → 200.
pub(crate) async fn subscribe(call: Call, bytes: Bytes) -> ApiResult {
    let Call { app, caller, .. } = call;
    let input: Vec<SubscriptionIn> = body_list(&bytes, "subscription")?;
    let now = app.now();
    app.write(|s| {
        let mut created = Vec::new();
        for (i, sub) in input.iter().enumerate() {
            check_state(i, &sub.user_subscription_state)?;
            let wk = sub
                .webhook_key
                .clone()
                .ok_or_else(|| ApiError::bad_request(format!("[{i}].webhookKey is required")))?;
            if !known(&s.webhooks, &caller, &wk) {
                return Err(unknown("Webhook", &wk));
            }
            created.push(UserSubscription {
                key: uuid::Uuid::new_v4().to_string(),
                webhook_key: wk,
                organizer_key: caller.organizer_key.clone(),
                client_id: caller.client_id.clone(),
                state: sub.user_subscription_state.clone().unwrap_or_else(|| "ACTIVE".into()),
                create_time: now,
            });
        }
        let out: Vec<Value> = created
            .iter()
            .map(|c| subscription_json(c, s.webhooks.iter().find(|w| w.key == c.webhook_key)))
            .collect();
        s.user_subscriptions.extend(created);
        Ok(respond(StatusCode::OK, &json!({"_embedded": {"userSubscriptions": out}})))
    })
}

/// The lists of webhooks and subscriptions require `product=g2w`.
fn require_product(q: &Params) -> Result<(), ApiError> {
    match q.get("product").map(String::as_str) {
        Some("g2w") => Ok(()),
        Some(_) => Err(ApiError::bad_request("product must be g2w")),
        None => Err(ApiError::bad_request("product is required (product=g2w)")),
    }
}

/// `GET /userSubscriptions?product=g2w`: the caller's subscriptions.
pub(crate) async fn subscriptions(call: Call, Query(q): Query<Params>) -> ApiResult {
    require_product(&q)?;
    let Call { app, caller, .. } = call;
    let items = app.read(|s| {
        s.user_subscriptions
            .iter()
            .filter(|u| u.client_id == caller.client_id && u.organizer_key == caller.organizer_key)
            .map(|u| subscription_json(u, s.webhooks.iter().find(|w| w.key == u.webhook_key)))
            .collect::<Vec<_>>()
    });
    Ok(respond(StatusCode::OK, &embedded("userSubscriptions", items)))
}

/// `PUT /userSubscriptions [{userSubscriptionKey, userSubscriptionState}]` → 204.
pub(crate) async fn update_subscriptions(call: Call, bytes: Bytes) -> ApiResult {
    let input: Vec<SubscriptionIn> = body(&bytes)?;
    call.app.write(|s| {
        for (i, sub) in input.iter().enumerate() {
            check_state(i, &sub.user_subscription_state)?;
            let k = sub.user_subscription_key.clone().unwrap_or_default();
            if !known(&s.user_subscriptions, &call.caller, &k) {
                return Err(unknown("User subscription", &k));
            }
        }
        for sub in input {
            let k = sub.user_subscription_key.unwrap_or_default();
            if let (Some(u), Some(st)) =
                (s.user_subscriptions.iter_mut().find(|u| u.key == k), sub.user_subscription_state)
            {
                u.state = st;
            }
        }
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}

/// `DELETE /userSubscriptions` with an array body of keys → 202; 404 if any key is unknown.
pub(crate) async fn unsubscribe(call: Call, bytes: Bytes) -> ApiResult {
    remove_listed(&call, &bytes, "User subscription", |s| &mut s.user_subscriptions)
}

/// Sends an event of `organizer` to every ACTIVE webhook for it that has an ACTIVE subscription.
/// Delivery is best-effort and asynchronous.
pub(crate) fn emit(app: &App, organizer: &str, event_name: &str, mut payload: Value) {
    let event_key = stamp(app, event_name, &mut payload);
    let targets: Vec<String> = app.read(|s| {
        s.webhooks
            .iter()
            .filter(|w| w.state == "ACTIVE" && w.event_name == event_name)
            .filter(|w| {
                s.user_subscriptions
                    .iter()
                    .any(|u| u.webhook_key == w.key && u.state == "ACTIVE" && u.organizer_key == organizer)
            })
            .map(|w| w.callback_url.clone())
            .collect()
    });
    if targets.is_empty() {
        return;
    }
    let body = to_text(&payload);
    for url in targets {
        app.rt().last_event = Some((event_key.clone(), event_name.to_string(), url.clone(), body.clone()));
        let (app, event_key, event_name, body) =
            (app.clone(), event_key.clone(), event_name.to_string(), body.clone());
        app.0.runtime.clone().spawn(async move {
            deliver_event(&app, event_key, event_name, url, body).await;
        });
    }
}

/// Adds the fields every event carries (`eventKey`, `eventName`, …) to `payload`; returns the key.
pub(crate) fn stamp(app: &App, event_name: &str, payload: &mut Value) -> String {
    let event_key = uuid::Uuid::new_v4().to_string();
    payload["eventKey"] = json!(event_key);
    payload["eventName"] = json!(event_name);
    payload["eventVersion"] = json!("1.0.0");
    payload["product"] = json!("g2w");
    payload["timestamp"] = json!(fmt_time(app.now()));
    event_key
}

/// Posts one event body to one callback, signed with the newest secret key of the webhook's client.
pub(crate) async fn deliver_event(
    app: &App,
    event_key: String,
    event_name: String,
    url: String,
    body: String,
) {
    let client = app.read(|s| s.webhooks.iter().find(|w| w.callback_url == url).map(|w| w.client_id.clone()));
    let secret = signing_secret(app, client.as_deref().unwrap_or(&app.0.client_id));
    let req = app
        .0
        .http
        .post(&url)
        .timeout(CALLBACK_TIMEOUT)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Webhook-Signature", signature(&secret, body.as_bytes()))
        .body(body.clone());
    let (status, error) = match req.send().await {
        Ok(r) => (Some(r.status().as_u16()), None),
        Err(e) => {
            (None, Some(if e.is_timeout() { "timed out".to_string() } else { "no answer".to_string() }))
        }
    };
    let at = app.now();
    app.rt().deliveries.push(WebhookDelivery {
        event_key,
        event_name,
        callback_url: url,
        body,
        status,
        error,
        at,
    });
}
