//! Webhooks, their signing key and user subscriptions.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{time, Extra};
use crate::keys::{UserSubscriptionKey, WebhookKey};
use crate::secret::Secret;

/// The developer account's webhook signing key (`POST /webhooks/secretkey`). `value` is secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookSecretKey {
    /// The signing key.
    pub value: Secret,
    /// From when GoTo signs with it.
    #[serde(default, deserialize_with = "time::optional", skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<DateTime<Utc>>,
    /// GoTo's id of the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
}

/// A webhook to register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewWebhook {
    /// Where GoTo posts events (it must answer GoTo's GET check with 200).
    pub callback_url: String,
    /// E.g. `registrant.added`.
    pub event_name: String,
    /// `1.0.0`.
    pub event_version: String,
    /// `g2w`.
    pub product: String,
}

impl NewWebhook {
    /// A GoToWebinar webhook for `event_name` (version `1.0.0`).
    pub fn g2w(callback_url: impl Into<String>, event_name: impl Into<String>) -> Self {
        Self {
            callback_url: callback_url.into(),
            event_name: event_name.into(),
            event_version: "1.0.0".into(),
            product: "g2w".into(),
        }
    }
}

/// A registered webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Webhook {
    /// The webhook's key.
    pub webhook_key: WebhookKey,
    /// Where GoTo posts events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// The event delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_name: Option<String>,
    /// The event's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_version: Option<String>,
    /// The product, `g2w`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// `ACTIVE` or `INACTIVE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A change of a webhook's state (`PUT /webhooks`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookStateChange {
    /// The webhook to change.
    pub webhook_key: WebhookKey,
    /// `ACTIVE` or `INACTIVE`.
    pub state: String,
}

/// A user subscription to create (`POST /userSubscriptions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewUserSubscription {
    /// The webhook to subscribe the token's user to.
    pub webhook_key: WebhookKey,
    /// `ACTIVE` or `INACTIVE`.
    pub user_subscription_state: String,
}

/// A user's subscription to a webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserSubscription {
    /// The subscription's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_subscription_key: Option<UserSubscriptionKey>,
    /// The webhook subscribed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_key: Option<WebhookKey>,
    /// `ACTIVE` or `INACTIVE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_subscription_state: Option<String>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}
