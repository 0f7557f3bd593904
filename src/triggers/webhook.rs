//! What the instant (webhook) triggers share: registering GoTo's webhook for the flow's URL when
//! the flow starts, removing it when the flow stops, and turning each delivered request into one
//! message: GoTo's validation GET is answered and emits nothing, the signature is verified, and a
//! redelivered event (same `eventKey`) is emitted once.
//!
//! The secret key that signs deliveries belongs to the GoTo application (one active key per
//! application; creating one replaces it), so it is application configuration, read from
//! `CITRIX_WEBHOOK_SECRET`, never created or read by a flow. Without it, checking fails closed.
//!
//! Signature convention (GoTo publishes no algorithm or example; see docs/triggers.md):
//! `X-Webhook-Signature` is base64(HMAC-SHA256(the secret key `value`, raw request body)).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use gotowebinar::client::GoToWebinar;
use gotowebinar::keys::{UserSubscriptionKey, WebhookKey};
use gotowebinar::models::{NewUserSubscription, NewWebhook, UserSubscription, Webhook};
use hmac::{Hmac, Mac};
use sailor::HttpReply;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::Sha256;
use tracing::{info, warn};

use crate::call::{emit_failed, Call};
use crate::errors::{names, ComponentError, Doing};
use crate::function_spec::{Field, FunctionSpec, Kind};
use crate::input::parse_step_config;
use crate::output::PersonOut;
use crate::triggers::{cursor, keys_as_strings};

/// The environment variable holding the flow's public webhook URL.
pub const FLOW_WEBHOOK_URI_ENV: &str = "ELASTICIO_FLOW_WEBHOOK_URI";
/// The header GoTo signs deliveries with.
pub const SIGNATURE_HEADER: &str = "x-webhook-signature";
/// The component's environment variable holding the application's webhook secret key (the
/// `value` GoTo answered `POST /webhooks/secretkey` with); during a key change it may hold the new
/// and the old value separated by a comma.
pub const WEBHOOK_SECRET_ENV: &str = "CITRIX_WEBHOOK_SECRET";
/// GoTo's product name for GoToWebinar webhooks.
const PRODUCT: &str = "g2w";
/// Event keys one process remembers in memory for de-duplication.
const REMEMBERED_IN_MEMORY: usize = 1000;
/// The platform's limit of a step's snapshot, in bytes of compact JSON.
pub const SNAPSHOT_LIMIT: usize = 5120;
/// Longer event keys are emitted but not remembered (they would crowd out the others).
const LONGEST_REMEMBERED_KEY: usize = 200;

/// What one process remembers between deliveries: recent events.
#[derive(Debug, Default)]
pub struct HookState {
    recent: Mutex<VecDeque<String>>,
}

/// The configured webhook secret keys (`CITRIX_WEBHOOK_SECRET`, comma-separated), if any.
fn configured_secrets() -> Vec<String> {
    std::env::var(WEBHOOK_SECRET_ENV)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .map(str::to_string)
        .collect()
}

fn missing_secret_message() -> String {
    format!(
        "no webhook secret key is configured, so GoTo's deliveries cannot be verified: create the \
         application's key once with `gotowebinar webhooks create-secret --cfg <credential file>` and \
         set its value as the component's environment variable {WEBHOOK_SECRET_ENV} (or tick \
         \"Do not verify signatures\" to accept unverified deliveries)"
    )
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
        "Accept deliveries without checking their X-Webhook-Signature against the application's webhook secret key (CITRIX_WEBHOOK_SECRET); anyone who knows the flow's URL can then start it",
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
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub person: PersonOut,
    /// The registrant's key.
    pub registrant_key: Option<String>,
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

impl From<Webhook> for HookItem {
    fn from(webhook: Webhook) -> Self {
        Self {
            key: webhook.webhook_key.as_str().to_string(),
            callback_url: webhook.callback_url,
            event_name: webhook.event_name,
            state: webhook.state,
        }
    }
}

/// A user subscription as GoTo lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SubscriptionItem {
    key: String,
    webhook_key: Option<String>,
    state: Option<String>,
}

/// The subscriptions GoTo answered that carry a key (one without a key cannot be removed).
fn subscription_items(subscriptions: Vec<UserSubscription>) -> Vec<SubscriptionItem> {
    subscriptions
        .into_iter()
        .filter_map(|s| {
            Some(SubscriptionItem {
                key: s.user_subscription_key?.as_str().to_string(),
                webhook_key: s.webhook_key.map(|k| k.as_str().to_string()),
                state: s.user_subscription_state,
            })
        })
        .collect()
}

/// The webhook and subscription calls a flow makes, through the typed client, with keys as the
/// strings the step's startup data keeps.
struct Hooks<'c>(&'c GoToWebinar);

impl Hooks<'_> {
    async fn list(&self) -> gotowebinar::Result<Vec<HookItem>> {
        Ok(self.0.webhooks().list(PRODUCT).await?.into_iter().map(HookItem::from).collect())
    }

    async fn create(&self, url: &str, event: &str) -> gotowebinar::Result<Vec<HookItem>> {
        let made = self.0.webhooks().create(&[NewWebhook::g2w(url, event)]).await?;
        Ok(made.into_iter().map(HookItem::from).collect())
    }

    async fn activate(&self, key: &str) -> gotowebinar::Result<()> {
        self.0.webhooks().activate(&[WebhookKey::new(key)?]).await
    }

    async fn delete(&self, key: &str) -> gotowebinar::Result<()> {
        self.0.webhooks().delete(&[WebhookKey::new(key)?]).await
    }

    async fn subscriptions(&self) -> gotowebinar::Result<Vec<SubscriptionItem>> {
        Ok(subscription_items(self.0.user_subscriptions().list(PRODUCT).await?))
    }

    async fn subscribe(&self, webhook: &str) -> gotowebinar::Result<Vec<SubscriptionItem>> {
        let subscription = NewUserSubscription {
            webhook_key: WebhookKey::new(webhook)?,
            user_subscription_state: "ACTIVE".into(),
        };
        Ok(subscription_items(self.0.user_subscriptions().create(&[subscription]).await?))
    }

    async fn unsubscribe(&self, key: &str) -> gotowebinar::Result<()> {
        self.0.user_subscriptions().delete(&[UserSubscriptionKey::new(key)?]).await
    }
}

/// Registers the webhook for `event` at the flow's URL; idempotent (reuses what an earlier
/// startup of the same flow left). A failure removes what this call created.
pub async fn startup(call: &Call, event: &str) -> Result<Value, ComponentError> {
    let options: HookOptionsIn = parse_step_config(&call.cfg)?;
    if !options.skip_signature_check.unwrap_or(false) && configured_secrets().is_empty() {
        return Err(ComponentError::named(names::CONFIGURATION, missing_secret_message()));
    }
    let url = flow_url(call)?;
    let connection = call.connection().await?;
    let client = connection.client();
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

/// The events a step remembers in its snapshot for de-duplication: exact event keys, newest
/// last, as many as fit the platform's snapshot limit. Forgetting the oldest can only let a late
/// redelivery through again (same `id`), never hide a new event.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Remembered {
    /// Event keys emitted, oldest first.
    #[serde(default)]
    recent: Vec<String>,
    /// The earlier format (event key → when it was emitted); read and migrated, written empty
    /// so that an earlier version reading this snapshot does not stop on it.
    #[serde(default)]
    events: BTreeMap<String, DateTime<Utc>>,
}

impl Remembered {
    /// The keys of either format, oldest first.
    fn migrate(mut self) -> Self {
        if !self.events.is_empty() {
            let mut legacy: Vec<(String, DateTime<Utc>)> =
                std::mem::take(&mut self.events).into_iter().collect();
            legacy.sort_by(|(a_key, a_at), (b_key, b_at)| a_at.cmp(b_at).then_with(|| a_key.cmp(b_key)));
            let mut recent: Vec<String> =
                legacy.into_iter().map(|(key, _)| key).filter(|key| !self.recent.contains(key)).collect();
            recent.append(&mut self.recent);
            self.recent = recent;
        }
        self
    }

    fn contains(&self, key: &str) -> bool {
        self.recent.iter().any(|known| known == key)
    }

    /// Adds `key` and drops the oldest keys until the snapshot fits [`SNAPSHOT_LIMIT`].
    fn remember(&mut self, key: &str, trigger: &str) {
        if key.len() <= LONGEST_REMEMBERED_KEY {
            self.recent.retain(|known| known != key);
            self.recent.push(key.to_string());
        }
        let empty = Remembered::default();
        let base = compact_len(&cursor::store(trigger, "events", &empty));
        // Each key costs its JSON string plus a comma.
        let cost = |key: &String| serde_json::to_string(key).map(|text| text.len()).unwrap_or(usize::MAX) + 1;
        let mut total = base + self.recent.iter().map(cost).sum::<usize>();
        let mut drop = 0;
        while total > SNAPSHOT_LIMIT && drop < self.recent.len() {
            total -= cost(&self.recent[drop]);
            drop += 1;
        }
        self.recent.drain(..drop);
    }
}

fn compact_len(value: &Value) -> usize {
    serde_json::to_string(value).map(|text| text.len()).unwrap_or(usize::MAX)
}

/// Whether the request came with someone waiting for an answer (the platform's `reply_to`).
fn expects_reply(call: &Call) -> bool {
    call.msg.headers.iter().any(|(name, value)| {
        name.eq_ignore_ascii_case("reply_to") && value.as_str().is_some_and(|to| !to.trim().is_empty())
    })
}

/// Answers `200` when someone waits for an answer; without `reply_to` there is nobody to answer.
async fn reply_ok(call: &Call) -> Result<(), ComponentError> {
    if !expects_reply(call) {
        return Ok(());
    }
    call.ctx.http_reply(HttpReply::status(200)).await.map_err(emit_failed)
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
    // A check comes before the body is read: nothing about an unverified body is trusted.
    let has_event = raw.is_some() || body.get("eventKey").is_some();
    if !has_event {
        // GoTo checks the URL with a GET that carries no event: answer 200 if asked, emit nothing.
        info!("a request without an event (GoTo's URL check): nothing to emit");
        return reply_ok(call).await;
    }
    if !options.skip_signature_check.unwrap_or(false) {
        verify(call, raw)?;
    }
    let mut payload = match raw {
        Some(text) => sailor::parse_json_lossless(text.as_bytes()).map_err(|error| {
            ComponentError::input(format!("the webhook request's body is not JSON: {error}"))
        })?,
        None => body.clone(),
    };
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
            return reply_ok(call).await;
        }
    }

    let remembered: Remembered =
        cursor::load::<Remembered>(&call.snapshot, trigger, "events")?.unwrap_or_default().migrate();
    let seen_here = lock(&state.recent).contains(&event_key);
    if seen_here || remembered.contains(&event_key) {
        info!(event_key = %event_key, "a redelivered event was already emitted; ignored");
        return reply_ok(call).await;
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
        while recent.len() > REMEMBERED_IN_MEMORY {
            recent.pop_front();
        }
    }
    let mut next = remembered;
    next.remember(&event_key, trigger);
    call.emit_snapshot(cursor::store(trigger, "events", &next)).await?;
    reply_ok(call).await
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

/// Checks the delivery against the configured key(s). Fails closed: no key, no raw body or no
/// signature is a rejection, never a pass.
fn verify(call: &Call, raw: Option<&str>) -> Result<(), ComponentError> {
    let rejected = |why: &str| {
        ComponentError::named(
            names::AUTH,
            format!("rejected a webhook delivery: {why}; it may not come from GoTo (tick \"Do not verify signatures\" only to accept unverified deliveries)"),
        )
    };
    let secrets = configured_secrets();
    if secrets.is_empty() {
        return Err(rejected(&missing_secret_message()));
    }
    let Some(raw) = raw else {
        return Err(rejected(
            "the raw body (rawData) is missing, so its X-Webhook-Signature cannot be checked (the component must consume raw data)",
        ));
    };
    let Some(signature) = signature_header(call) else {
        return Err(rejected("it has no X-Webhook-Signature header"));
    };
    if secrets.iter().any(|secret| signature_matches(secret, raw.as_bytes(), &signature)) {
        return Ok(());
    }
    Err(rejected(&format!(
        "its X-Webhook-Signature does not match the body for the key in {WEBHOOK_SECRET_ENV}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;

    use async_trait::async_trait;
    use sailor::{Context, EmitError, Emitter, Event, Input, Message, StepInfo};

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

    #[derive(Default)]
    struct Recorder(Mutex<Vec<Event>>);

    #[async_trait]
    impl Emitter for Recorder {
        async fn emit(&self, event: Event) -> Result<(), EmitError> {
            lock(&self.0).push(event);
            Ok(())
        }
    }

    /// Runs one request through `process` as the platform would; returns what it emitted.
    async fn deliver(
        state: &HookState,
        snapshot: &Value,
        body: Value,
        headers: Value,
    ) -> (Result<(), ComponentError>, Vec<Event>) {
        let recorder = Arc::new(Recorder::default());
        let ctx = Context::new(recorder.clone(), StepInfo::default());
        let mut msg = Message::new(body);
        if let Value::Object(headers) = headers {
            msg.headers = headers;
        }
        let cfg = json!({"skipSignatureCheck": true});
        let call = Call::new(ctx, Input { msg, cfg, snapshot: snapshot.clone() });
        let result = process(&call, state, "registrant.added", "registrantAdded").await;
        let events = std::mem::take(&mut *lock(&recorder.0));
        (result, events)
    }

    fn event_body(key: &str) -> Value {
        let raw = json!({"eventKey": key, "eventName": "registrant.added", "registrantKey": 1}).to_string();
        json!({ "rawData": raw })
    }

    #[tokio::test]
    async fn two_thousand_deliveries_keep_the_snapshot_small_and_never_skip_an_event() {
        let mut snapshot = json!({});
        let mut emitted = std::collections::HashSet::new();
        for n in 0..2000 {
            // A fresh process state each time: only the snapshot carries the memory.
            let key = format!("{:08x}-1f2e-4d3c-8b7a-{:012x}", n, n * 7919);
            let (result, events) =
                deliver(&HookState::default(), &snapshot, event_body(&key), json!({})).await;
            result.unwrap();
            let mut data = 0;
            for event in events {
                match event {
                    Event::Data(message) => {
                        assert_eq!(message.body["id"], json!(key));
                        data += 1;
                    }
                    Event::Snapshot(next) => snapshot = next,
                    other => panic!("unexpected {other:?}"),
                }
            }
            assert_eq!(data, 1, "every new event is emitted (delivery {n})");
            assert!(emitted.insert(key));
            let size = serde_json::to_string(&snapshot).unwrap().len();
            assert!(size <= SNAPSHOT_LIMIT, "snapshot of {size} bytes after {n} deliveries");
        }
        // The newest event's redelivery is still recognised.
        let newest = format!("{:08x}-1f2e-4d3c-8b7a-{:012x}", 1999, 1999 * 7919);
        let (result, events) =
            deliver(&HookState::default(), &snapshot, event_body(&newest), json!({})).await;
        result.unwrap();
        assert!(events.iter().all(|e| !matches!(e, Event::Data(_))), "a redelivery is emitted once");
    }

    #[tokio::test]
    async fn a_snapshot_of_the_earlier_format_is_migrated() {
        let earlier = json!({"version": 1, "trigger": "registrantAdded", "scope": "events",
                             "events": {"old-a": "2026-01-01T00:00:00Z", "old-b": "2026-01-02T00:00:00Z"}});
        let (result, events) = deliver(&HookState::default(), &earlier, event_body("old-b"), json!({})).await;
        result.unwrap();
        assert!(events.is_empty(), "an event the earlier version emitted is not emitted again: {events:?}");
        let (result, events) = deliver(&HookState::default(), &earlier, event_body("new-c"), json!({})).await;
        result.unwrap();
        let snapshot = events
            .iter()
            .find_map(|e| if let Event::Snapshot(s) = e { Some(s.clone()) } else { None })
            .expect("a snapshot");
        assert_eq!(snapshot["recent"], json!(["old-a", "old-b", "new-c"]));
        assert_eq!(snapshot["events"], json!({}));
    }

    #[tokio::test]
    async fn a_url_check_without_reply_to_emits_nothing_and_with_it_answers_200() {
        for body in [json!({}), json!({"rawData": ""})] {
            let (result, events) = deliver(&HookState::default(), &json!({}), body.clone(), json!({})).await;
            result.unwrap();
            assert!(events.is_empty(), "nobody to answer, nothing to emit: {events:?}");
            let (result, events) = deliver(
                &HookState::default(),
                &json!({}),
                body,
                json!({"reply_to": "amq.rabbitmq.reply-to.x"}),
            )
            .await;
            result.unwrap();
            assert_eq!(events.len(), 1, "{events:?}");
            assert!(matches!(&events[0], Event::HttpReply(reply) if reply.status_code == 200), "{events:?}");
        }
    }
}
