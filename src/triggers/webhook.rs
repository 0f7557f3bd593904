//! What the instant (webhook) triggers share: registering GoTo's webhook for the flow's URL when
//! the flow starts, removing it when the flow stops, and turning each delivered request into one
//! message: GoTo's validation GET is answered and emits nothing, the signature is verified, and a
//! redelivered event (same `eventKey`) is emitted once.
//!
//! Signature convention (see the API reference): `X-Webhook-Signature` is
//! base64(HMAC-SHA256(the account's secret key `value`, raw request body)).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use gotowebinar::client::GoToWebinar;
use gotowebinar::models::NewWebhook;
use hmac::{Hmac, Mac};
use reqwest::Method;
use sailor::HttpReply;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::Sha256;
use tracing::{info, warn};

use crate::call::{emit_failed, Call};
use crate::errors::{names, ComponentError, Doing};
use crate::input::parse_step_config;
use crate::spec::{Field, FunctionSpec, Kind};
use crate::triggers::{cursor, keys_as_strings};

/// The environment variable holding the flow's public webhook URL.
pub const FLOW_WEBHOOK_URI_ENV: &str = "ELASTICIO_FLOW_WEBHOOK_URI";
/// The header GoTo signs deliveries with.
pub const SIGNATURE_HEADER: &str = "x-webhook-signature";
/// Event keys remembered for de-duplication (per step, in the snapshot).
const REMEMBERED_EVENTS: usize = 1000;
/// How long an event key is remembered.
const REMEMBER_HOURS: i64 = 72;

/// What one process remembers between deliveries: the account's signing key and recent events.
#[derive(Debug, Default)]
pub struct HookState {
    secret: Mutex<Option<String>>,
    recent: Mutex<VecDeque<String>>,
}

/// Step options of the instant triggers.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct HookOptionsIn {
    /// Accept deliveries without checking `X-Webhook-Signature`.
    skip_signature_check: Option<bool>,
}

/// What `startup` returns and `shutdown` needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartupData {
    /// The GoTo webhook registered for the flow.
    pub webhook_key: Option<String>,
    /// The user subscription to it.
    pub user_subscription_key: Option<String>,
    /// The GoTo event, e.g. `registrant.added`.
    pub event_name: Option<String>,
    /// The flow's URL the webhook calls.
    pub callback_url: Option<String>,
}

/// The description of an instant trigger.
pub fn spec(name: &'static str, title: &'static str, description: &'static str) -> FunctionSpec {
    let mut spec = FunctionSpec::new(name, Kind::WebhookTrigger, title, description);
    spec.fields = vec![Field::checkbox("skipSignatureCheck", "Do not verify signatures").note(
        "Accept deliveries without checking their X-Webhook-Signature against the account's webhook secret key",
    )];
    spec
}

/// Common fields of every GoTo event.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventFields {
    /// Stable id for de-duplication: the event's `eventKey`.
    pub id: String,
    /// GoTo's unique key of this event.
    pub event_key: String,
    /// E.g. `registrant.added`.
    pub event_name: String,
    /// `1.0.0`.
    pub event_version: Option<String>,
    /// `g2w`.
    pub product: Option<String>,
    /// When GoTo raised the event (ISO 8601).
    pub timestamp: Option<String>,
    /// The webinar's key.
    pub webinar_key: Option<String>,
    /// The organizer who created the webinar.
    pub webinar_creator_key: Option<String>,
    /// The GoTo account's key.
    pub account_key: Option<String>,
}

/// A registrant event (`registrant.added`, `registrant.joined`) as emitted: GoTo's payload with
/// keys as strings and `id`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegistrantEventOut {
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub event: EventFields,
    /// The registrant's key.
    pub registrant_key: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// `APPROVED`, `DENIED` or `WAITING` (registrant.added).
    pub status: Option<String>,
    /// When they registered (registrant.added).
    pub registration_date: Option<String>,
    /// Their personal link to join (registrant.added).
    pub join_url: Option<String>,
    /// The session joined (registrant.joined).
    pub session_key: Option<String>,
    /// When they joined (registrant.joined).
    pub join_time: Option<String>,
    /// Further fields GoTo sends.
    #[serde(flatten)]
    #[schemars(skip)]
    pub details: Map<String, Value>,
}

/// A webinar event (`webinar.created`, `webinar.changed`) as emitted: GoTo's payload with keys as
/// strings and `id`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebinarEventOut {
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub event: EventFields,
    /// The organizer's key.
    pub organizer_key: Option<String>,
    /// Title.
    pub subject: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// IANA time zone.
    pub time_zone: Option<String>,
    /// Further fields GoTo sends (times, experience type, …).
    #[serde(flatten)]
    #[schemars(skip)]
    pub details: Map<String, Value>,
}

fn flow_url(call: &Call) -> Result<String, ComponentError> {
    call.ctx
        .step()
        .flow_webhook_uri
        .clone()
        .or_else(|| std::env::var(FLOW_WEBHOOK_URI_ENV).ok())
        .filter(|url| !url.trim().is_empty())
        .ok_or_else(|| {
            ComponentError::named(
                names::CONFIGURATION,
                format!("{FLOW_WEBHOOK_URI_ENV} is not set: the flow's webhook URL is needed to register the GoTo webhook"),
            )
        })
}

fn is_missing(error: &gotowebinar::Error) -> bool {
    matches!(error.status(), Some(404 | 405))
}

/// A webhook as GoTo lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HookItem {
    key: String,
    callback_url: Option<String>,
    event_name: Option<String>,
    state: Option<String>,
}

/// A user subscription as GoTo lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SubscriptionItem {
    key: String,
    webhook_key: Option<String>,
    state: Option<String>,
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// The items of a list answer: a bare array, or `{"_embedded": {name: [...]}}` (absent when empty).
fn items(value: Option<Value>, name: &str) -> Vec<Value> {
    match value {
        Some(Value::Array(items)) => items,
        Some(Value::Object(mut object)) => match object.remove("_embedded") {
            Some(Value::Object(mut embedded)) => match embedded.remove(name) {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Webhook and subscription calls. GoTo's webhook and subscription keys are opaque ids (UUIDs),
/// not the numeric keys of the typed client, so these go through the client's raw requests (same
/// token handling, retries and error mapping).
struct Hooks<'c>(&'c GoToWebinar);

impl Hooks<'_> {
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> gotowebinar::Result<Option<Value>> {
        let query: Vec<(String, String)> =
            query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let response = self.0.raw_request(method, path, &query, body.as_ref()).await?;
        Ok(response.body.and_then(|raw| sailor::parse_json_lossless(raw.get().as_bytes()).ok()))
    }

    async fn list(&self) -> gotowebinar::Result<Vec<HookItem>> {
        let answer = self.call(Method::GET, "/webhooks", &[("product", "g2w")], None).await?;
        Ok(items(answer, "webhooks").iter().filter_map(hook_item).collect())
    }

    async fn create(&self, url: &str, event: &str) -> gotowebinar::Result<Vec<HookItem>> {
        let body = serde_json::to_value([NewWebhook::g2w(url, event)]).unwrap_or(Value::Null);
        let answer = self.call(Method::POST, "/webhooks", &[], Some(body)).await?;
        Ok(items(answer, "webhooks").iter().filter_map(hook_item).collect())
    }

    async fn activate(&self, key: &str) -> gotowebinar::Result<()> {
        let body = json!([{ "webhookKey": key, "state": "ACTIVE" }]);
        self.call(Method::PUT, "/webhooks", &[], Some(body)).await.map(|_| ())
    }

    async fn delete(&self, key: &str) -> gotowebinar::Result<()> {
        self.call(Method::DELETE, "/webhooks", &[], Some(json!([key]))).await.map(|_| ())
    }

    async fn subscriptions(&self) -> gotowebinar::Result<Vec<SubscriptionItem>> {
        let answer = self.call(Method::GET, "/userSubscriptions", &[], None).await?;
        Ok(items(answer, "userSubscriptions").iter().filter_map(subscription_item).collect())
    }

    async fn subscribe(&self, webhook: &str) -> gotowebinar::Result<Vec<SubscriptionItem>> {
        let body = json!([{ "webhookKey": webhook, "userSubscriptionState": "ACTIVE" }]);
        let answer = self.call(Method::POST, "/userSubscriptions", &[], Some(body)).await?;
        Ok(items(answer, "userSubscriptions").iter().filter_map(subscription_item).collect())
    }

    async fn unsubscribe(&self, key: &str) -> gotowebinar::Result<()> {
        self.call(Method::DELETE, "/userSubscriptions", &[], Some(json!([key]))).await.map(|_| ())
    }
}

fn hook_item(value: &Value) -> Option<HookItem> {
    Some(HookItem {
        key: text(value.get("webhookKey"))?,
        callback_url: text(value.get("callbackUrl")),
        event_name: text(value.get("eventName")),
        state: text(value.get("state")),
    })
}

fn subscription_item(value: &Value) -> Option<SubscriptionItem> {
    Some(SubscriptionItem {
        key: text(value.get("userSubscriptionKey"))?,
        webhook_key: text(value.get("webhookKey")),
        state: text(value.get("userSubscriptionState")),
    })
}

/// Registers the webhook for `event` at the flow's URL; idempotent (reuses what an earlier
/// startup of the same flow left). A failure removes what this call created.
pub async fn startup(call: &Call, event: &str) -> Result<Value, ComponentError> {
    let url = flow_url(call)?;
    let connection = call.connection().await?;
    let client = connection.client();
    ensure_secret(client).await?;
    let hooks = Hooks(client);

    let existing = hooks.list().await.doing("listing the account's webhooks")?;
    let reused = existing
        .into_iter()
        .find(|w| w.callback_url.as_deref() == Some(url.as_str()) && w.event_name.as_deref() == Some(event));
    let (webhook, created) = match reused {
        Some(webhook) => {
            info!(webhook = %webhook.key, "reusing the webhook registered for this flow");
            (webhook, false)
        }
        None => {
            let made = hooks
                .create(&url, event)
                .await
                .doing(format!("registering the {event} webhook for {url}"))?;
            let webhook = made.into_iter().next().ok_or_else(|| {
                ComponentError::named(names::API, "GoTo answered the webhook registration without a webhook")
            })?;
            (webhook, true)
        }
    };
    match subscribe(&hooks, &webhook).await {
        Ok(subscription) => Ok(serde_json::to_value(StartupData {
            webhook_key: Some(webhook.key),
            user_subscription_key: Some(subscription),
            event_name: Some(event.to_string()),
            callback_url: Some(url),
        })
        .unwrap_or(Value::Null)),
        Err(error) => {
            if created {
                if let Err(cleanup) = hooks.delete(&webhook.key).await {
                    warn!(webhook = %webhook.key, error = %cleanup, "could not remove the webhook after a failed startup");
                }
            }
            Err(error)
        }
    }
}

/// The account's signing key must exist for GoTo to sign deliveries; it belongs to the developer
/// account, so an existing one is reused and it is never deleted by a flow.
async fn ensure_secret(client: &GoToWebinar) -> Result<(), ComponentError> {
    match client.webhooks().list_secret_keys().await {
        Ok(keys) if !keys.is_empty() => return Ok(()),
        Ok(_) => {}
        Err(error) if is_missing(&error) => {}
        Err(error) => return Err(error).doing("reading the account's webhook secret keys"),
    }
    client.webhooks().create_secret_key().await.doing("creating the account's webhook secret key")?;
    Ok(())
}

async fn subscribe(hooks: &Hooks<'_>, webhook: &HookItem) -> Result<String, ComponentError> {
    let key = &webhook.key;
    if webhook.state.as_deref() != Some("ACTIVE") {
        hooks.activate(key).await.doing(format!("activating webhook {key}"))?;
    }
    let existing = hooks.subscriptions().await.doing("listing the user's webhook subscriptions")?;
    if let Some(found) = existing
        .into_iter()
        .find(|s| s.webhook_key.as_ref() == Some(key) && s.state.as_deref() == Some("ACTIVE"))
    {
        return Ok(found.key);
    }
    let made = hooks.subscribe(key).await.doing(format!("subscribing the user to webhook {key}"))?;
    made.into_iter().next().map(|s| s.key).ok_or_else(|| {
        ComponentError::named(names::API, "GoTo answered the subscription without a userSubscriptionKey")
    })
}

/// Removes the subscription and the webhook `startup` made; what is already gone is fine. Without
/// startup data, removes the webhooks for `event` at the flow's URL.
pub async fn shutdown(call: &Call, event: &str, data: Value) -> Result<(), ComponentError> {
    let data: StartupData = serde_json::from_value(data).unwrap_or_default();
    let connection = call.connection().await?;
    let hooks = Hooks(connection.client());
    let mut webhooks: Vec<String> = data.webhook_key.into_iter().collect();
    if webhooks.is_empty() {
        if let Ok(url) = flow_url(call) {
            let listed = hooks.list().await.doing("listing the account's webhooks")?;
            webhooks = listed
                .into_iter()
                .filter(|w| {
                    w.callback_url.as_deref() == Some(url.as_str()) && w.event_name.as_deref() == Some(event)
                })
                .map(|w| w.key)
                .collect();
        }
    }
    let mut subscriptions: Vec<String> = data.user_subscription_key.into_iter().collect();
    if !webhooks.is_empty() {
        let listed = hooks.subscriptions().await.doing("listing the user's webhook subscriptions")?;
        for subscription in listed {
            if subscription.webhook_key.as_ref().is_some_and(|hook| webhooks.contains(hook))
                && !subscriptions.contains(&subscription.key)
            {
                subscriptions.push(subscription.key);
            }
        }
    }
    for key in subscriptions {
        match hooks.unsubscribe(&key).await {
            Err(error) if !is_missing(&error) => {
                return Err(error).doing(format!("removing webhook subscription {key}"));
            }
            _ => {}
        }
    }
    for key in webhooks {
        match hooks.delete(&key).await {
            Err(error) if !is_missing(&error) => return Err(error).doing(format!("removing webhook {key}")),
            _ => {}
        }
    }
    Ok(())
}

/// Remembered event keys, in the snapshot.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Events {
    events: BTreeMap<String, DateTime<Utc>>,
}

/// Handles one request delivered to the flow's URL for `event`.
pub async fn process(
    call: &Call,
    state: &HookState,
    event: &str,
    trigger: &str,
) -> Result<(), ComponentError> {
    let options: HookOptionsIn = parse_step_config(&call.cfg)?;
    let body = &call.msg.body;
    let raw = match body.get("rawData") {
        Some(Value::String(text)) if !text.trim().is_empty() => Some(text.as_str()),
        _ => None,
    };
    let mut payload = match raw {
        Some(text) => sailor::parse_json_lossless(text.as_bytes()).map_err(|error| {
            ComponentError::input(format!("the webhook request's body is not JSON: {error}"))
        })?,
        None if body.get("eventKey").is_some() => body.clone(),
        None => {
            // GoTo checks the URL with a GET that carries no event: answer 200, emit nothing.
            info!("answering a request without an event (GoTo's URL check) with 200");
            return call.ctx.http_reply(HttpReply::status(200)).await.map_err(emit_failed);
        }
    };
    if !options.skip_signature_check.unwrap_or(false) {
        verify(call, state, raw).await?;
    }
    let event_key = match payload.get("eventKey") {
        Some(Value::String(key)) if !key.is_empty() => key.clone(),
        _ => return Err(ComponentError::input("the webhook event has no `eventKey`")),
    };
    if let Some(name) = payload.get("eventName").and_then(Value::as_str) {
        if name != event {
            warn!(
                received = name,
                expected = event,
                "an event of another kind reached this trigger; ignored"
            );
            return Ok(());
        }
    }

    let remembered: Events = cursor::load(&call.snapshot, trigger, "events")?.unwrap_or_default();
    let seen_here = lock(&state.recent).contains(&event_key);
    if seen_here || remembered.events.contains_key(&event_key) {
        info!(event_key = %event_key, "a redelivered event was already emitted; ignored");
        return Ok(());
    }

    keys_as_strings(&mut payload);
    if let Value::Object(object) = &mut payload {
        object.remove("rawData");
        object.insert("id".into(), Value::String(event_key.clone()));
    }
    call.emit_value(payload).await?;
    {
        let mut recent = lock(&state.recent);
        recent.push_back(event_key.clone());
        while recent.len() > REMEMBERED_EVENTS {
            recent.pop_front();
        }
    }
    let now = Utc::now();
    let mut next = remembered;
    next.events.insert(event_key, now);
    next.events.retain(|_, at| *at >= now - Duration::hours(REMEMBER_HOURS));
    while next.events.len() > REMEMBERED_EVENTS {
        let oldest = next.events.iter().min_by_key(|(_, at)| **at).map(|(key, _)| key.clone());
        match oldest {
            Some(key) => next.events.remove(&key),
            None => break,
        };
    }
    call.emit_snapshot(cursor::store(trigger, "events", &next)).await
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn signature_header(call: &Call) -> Option<String> {
    call.msg.headers.iter().find(|(name, _)| name.eq_ignore_ascii_case(SIGNATURE_HEADER)).and_then(
        |(_, value)| match value {
            Value::String(text) => Some(text.trim().to_string()),
            Value::Array(items) => items.first().and_then(Value::as_str).map(|s| s.trim().to_string()),
            _ => None,
        },
    )
}

/// Whether `signature` is base64(HMAC-SHA256(secret, body)); compared in constant time.
pub fn signature_matches(secret: &str, body: &[u8], signature: &str) -> bool {
    let Ok(expected) = STANDARD.decode(signature.trim()) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return false };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

async fn verify(call: &Call, state: &HookState, raw: Option<&str>) -> Result<(), ComponentError> {
    let Some(secret) = secret(call, state, false).await? else {
        warn!("the account has no webhook secret key; the delivery's signature cannot be checked");
        return Ok(());
    };
    let rejected = |why: &str| {
        ComponentError::named(
            names::AUTH,
            format!("rejected a webhook delivery: {why}; it may not come from GoTo (set skipSignatureCheck to accept unsigned deliveries)"),
        )
    };
    let Some(raw) = raw else {
        return Err(rejected("the raw body is missing, so its signature cannot be checked"));
    };
    let Some(signature) = signature_header(call) else {
        return Err(rejected("it has no X-Webhook-Signature header"));
    };
    if signature_matches(&secret, raw.as_bytes(), &signature) {
        return Ok(());
    }
    // The account's key may have been replaced since this process read it.
    if let Some(fresh) = secret_refreshed(call, state, &secret).await? {
        if signature_matches(&fresh, raw.as_bytes(), &signature) {
            return Ok(());
        }
    }
    Err(rejected("its X-Webhook-Signature does not match the body"))
}

async fn secret_refreshed(
    call: &Call,
    state: &HookState,
    old: &str,
) -> Result<Option<String>, ComponentError> {
    let fresh = secret(call, state, true).await?;
    Ok(fresh.filter(|fresh| fresh != old))
}

/// The account's newest signing key, cached for the process.
async fn secret(call: &Call, state: &HookState, refresh: bool) -> Result<Option<String>, ComponentError> {
    if !refresh {
        if let Some(known) = lock(&state.secret).clone() {
            return Ok(Some(known));
        }
    }
    let connection = call.connection().await?;
    let keys = match connection.client().webhooks().list_secret_keys().await {
        Ok(keys) => keys,
        Err(error) if is_missing(&error) => Vec::new(),
        Err(error) => return Err(error).doing("reading the account's webhook secret key"),
    };
    let newest = keys
        .iter()
        .enumerate()
        .max_by_key(|(index, key)| (key.valid_from, *index))
        .map(|(_, key)| key.value.expose().to_string());
    *lock(&state.secret) = newest.clone();
    Ok(newest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_convention() {
        let secret = "c2VjcmV0";
        let body = br#"{"eventKey":"e"}"#;
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        let good = STANDARD.encode(mac.finalize().into_bytes());
        assert!(signature_matches(secret, body, &good));
        assert!(!signature_matches(secret, br#"{"eventKey":"f"}"#, &good));
        assert!(!signature_matches("other", body, &good));
        assert!(!signature_matches(secret, body, "not base64!"));
    }

    #[test]
    fn startup_data_round_trips() {
        let data = StartupData {
            webhook_key: Some("w".into()),
            user_subscription_key: Some("s".into()),
            event_name: Some("registrant.added".into()),
            callback_url: Some("http://127.0.0.1/x".into()),
        };
        let value = serde_json::to_value(&data).unwrap();
        assert_eq!(value["webhookKey"], "w");
        assert_eq!(serde_json::from_value::<StartupData>(value).unwrap(), data);
    }
}
