//! Strings that must never be shown: access tokens, refresh tokens, client secrets.
//!
//! One [`Secret`] type with a kind parameter, so the type says which secret a value is (as
//! oauth2's `AccessToken`, `RefreshToken` and `ClientSecret` do) and passing a refresh token
//! where an access token belongs does not compile. `Secret::new(…)` takes its kind from where
//! the value goes.

use std::fmt;
use std::marker::PhantomData;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The kinds of secret, as type parameters of [`Secret`].
pub mod kind {
    /// A secret of no more specific kind (a webhook signing key, a password).
    #[derive(Debug)]
    pub enum Plain {}
    /// An OAuth 2.0 access token, sent as the bearer token of API calls.
    #[derive(Debug)]
    pub enum Access {}
    /// An OAuth 2.0 refresh token, sent only to the token endpoint.
    #[derive(Debug)]
    pub enum Refresh {}
    /// An OAuth 2.0 client secret, sent only to the token endpoint.
    #[derive(Debug)]
    pub enum Client {}
}

/// An OAuth 2.0 access token.
pub type AccessToken = Secret<kind::Access>;
/// An OAuth 2.0 refresh token.
pub type RefreshToken = Secret<kind::Refresh>;
/// An OAuth 2.0 client secret.
pub type ClientSecret = Secret<kind::Client>;

/// A secret string of kind `K`. `Debug` and `Display` print `[redacted]`; the value is reachable
/// only through [`Secret::expose`], so every place that reveals it is easy to find.
///
/// Serializing writes the real value: secrets are serialized only into the stored credential
/// keys (`updateKeys`, credential files) and into requests to GoTo.
pub struct Secret<K = kind::Plain>(SecretString, PhantomData<fn() -> K>);

impl<K> Clone for Secret<K> {
    fn clone(&self) -> Self {
        Self(self.0.clone(), PhantomData)
    }
}

impl<K> Secret<K> {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()), PhantomData)
    }

    /// The real value. Call it only where the value leaves for GoTo or for storage.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// True when the value is the empty string.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl<K> PartialEq for Secret<K> {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl<K> Eq for Secret<K> {}

impl<K> fmt::Debug for Secret<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<K> fmt::Display for Secret<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<K> From<String> for Secret<K> {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl<K> From<&str> for Secret<K> {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl<K> Serialize for Secret<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de, K> Deserialize<'de> for Secret<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret: Secret = Secret::new("s3cr3t-value");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{:?}", AccessToken::new("at-value")), "[redacted]");
        assert_eq!(format!("{}", RefreshToken::new("rt-value")), "[redacted]");
        assert_eq!(format!("{:?}", Some(ClientSecret::new("cs-value"))), "Some([redacted])");
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(secret.clone())), "Some([redacted])");
        assert_eq!(secret.expose(), "s3cr3t-value");
    }

    #[test]
    fn serializes_to_the_real_value_for_storage() {
        let secret = RefreshToken::new("abc");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"abc\"");
        let back: RefreshToken = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(back, secret);
    }
}
