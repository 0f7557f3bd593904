//! Webhooks (instant events), their signing key, and user subscriptions.

use reqwest::Method;

use crate::client::{GoToWebinar, Request};
use crate::error::Result;
use crate::keys::{UserSubscriptionKey, WebhookKey};
use crate::models::{
    NewUserSubscription, NewWebhook, UserSubscription, Webhook, WebhookSecretKey, WebhookStateChange,
};
use crate::retry::RequestKind;

impl GoToWebinar {
    /// The developer account's webhooks.
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks { client: self }
    }

    /// The token user's subscriptions to webhooks.
    pub fn user_subscriptions(&self) -> UserSubscriptions<'_> {
        UserSubscriptions { client: self }
    }
}

/// Operations on webhooks (`/webhooks`).
#[derive(Debug, Clone)]
pub struct Webhooks<'c> {
    client: &'c GoToWebinar,
}

impl Webhooks<'_> {
    /// Creates a new signing key for the application, active from now. It replaces the key every
    /// other flow of the same application verifies with: GoTo keeps one active key per
    /// application. Not repeatable. `POST /webhooks/secretkey` with `{}` (the body is required).
    pub async fn create_secret_key(&self) -> Result<WebhookSecretKey> {
        let request = Request::new(Method::POST, "/webhooks/secretkey", RequestKind::NonRepeatable)
            .json(&serde_json::json!({}))?;
        self.client.send_json(&request).await
    }

    /// Registers webhooks (GoTo first checks each callback with a GET that must answer 200); they
    /// start `INACTIVE`. Not repeatable. `POST /webhooks`.
    pub async fn create(&self, webhooks: &[NewWebhook]) -> Result<Vec<Webhook>> {
        let request = Request::new(Method::POST, "/webhooks", RequestKind::NonRepeatable).json(webhooks)?;
        self.client.send(&request).await?.list("webhooks")
    }

    /// Lists the webhooks of a product (`g2w`). `GET /webhooks?product=`.
    pub async fn list(&self, product: &str) -> Result<Vec<Webhook>> {
        let request = Request::get("/webhooks").query("product", product);
        self.client.send(&request).await?.list("webhooks")
    }

    /// Sets webhooks' states. `PUT /webhooks`.
    pub async fn set_state(&self, changes: &[WebhookStateChange]) -> Result<()> {
        let request = Request::new(Method::PUT, "/webhooks", RequestKind::Repeatable).json(changes)?;
        self.client.send_empty(&request).await
    }

    /// Activates webhooks. `PUT /webhooks` with `state: ACTIVE`.
    pub async fn activate(&self, webhooks: &[WebhookKey]) -> Result<()> {
        let changes: Vec<WebhookStateChange> = webhooks
            .iter()
            .map(|key| WebhookStateChange { webhook_key: key.clone(), state: "ACTIVE".into() })
            .collect();
        self.set_state(&changes).await
    }

    /// Deletes webhooks. `DELETE /webhooks` with an array of keys.
    pub async fn delete(&self, webhooks: &[WebhookKey]) -> Result<()> {
        let request = Request::new(Method::DELETE, "/webhooks", RequestKind::Repeatable).json(webhooks)?;
        self.client.send_empty(&request).await
    }
}

/// Operations on user subscriptions (`/userSubscriptions`); they act for the token's user.
#[derive(Debug, Clone)]
pub struct UserSubscriptions<'c> {
    client: &'c GoToWebinar,
}

impl UserSubscriptions<'_> {
    /// Subscribes the token's user to webhooks. Not repeatable. `POST /userSubscriptions`.
    pub async fn create(&self, subscriptions: &[NewUserSubscription]) -> Result<Vec<UserSubscription>> {
        let request = Request::new(Method::POST, "/userSubscriptions", RequestKind::NonRepeatable)
            .json(subscriptions)?;
        self.client.send(&request).await?.list("userSubscriptions")
    }

    /// Lists the token user's subscriptions of a product (`g2w`; GoTo requires it).
    /// `GET /userSubscriptions?product=`.
    pub async fn list(&self, product: &str) -> Result<Vec<UserSubscription>> {
        let request = Request::get("/userSubscriptions").query("product", product);
        self.client.send(&request).await?.list("userSubscriptions")
    }

    /// Deletes subscriptions. `DELETE /userSubscriptions` with an array of keys.
    pub async fn delete(&self, subscriptions: &[UserSubscriptionKey]) -> Result<()> {
        let request = Request::new(Method::DELETE, "/userSubscriptions", RequestKind::Repeatable)
            .json(subscriptions)?;
        self.client.send_empty(&request).await
    }
}
