//! What the API client needs from whoever manages tokens.

use async_trait::async_trait;

use crate::{AccessToken, Result};

/// A source of access tokens for API calls. [`crate::token::TokenManager`] is the real one;
/// tests may use [`StaticToken`].
#[async_trait]
pub trait AccessTokenSource: Send + Sync {
    /// A token that is valid now (refreshed first when it is about to expire).
    async fn access_token(&self) -> Result<AccessToken>;

    /// GoTo rejected `rejected` as invalid (403 `InvalidToken` or 401): obtain a new token.
    /// When another caller has already replaced `rejected`, that newer token is returned
    /// without a second refresh.
    async fn refresh_rejected(&self, rejected: &AccessToken) -> Result<AccessToken>;
}

/// A fixed token that is never refreshed.
#[derive(Debug, Clone)]
pub struct StaticToken(pub AccessToken);

#[async_trait]
impl AccessTokenSource for StaticToken {
    async fn access_token(&self) -> Result<AccessToken> {
        Ok(self.0.clone())
    }

    async fn refresh_rejected(&self, _rejected: &AccessToken) -> Result<AccessToken> {
        Err(crate::Error::TokenUnavailable {
            message: "the access token was rejected and this token source cannot refresh it".into(),
        })
    }
}
