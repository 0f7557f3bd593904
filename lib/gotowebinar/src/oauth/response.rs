//! The answers of a token endpoint as `oauth2` reads them: a token ([`TokenAnswer`], every field
//! kept) and an RFC 6749 §5.2 error ([`TokenErrorAnswer`]), and the `oauth2` client type that
//! reads them ([`TokenClient`]).

use std::fmt;
use std::time::Duration;

use oauth2::basic::{BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType};
use oauth2::{EndpointNotSet, EndpointSet, Scope, StandardRevocableToken};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::credential::{seconds, OAuthKeys};

/// An `oauth2` client whose token requests answer [`TokenAnswer`] or [`TokenErrorAnswer`], with
/// the authorization and token endpoints set.
pub type TokenClient = oauth2::Client<
    TokenErrorAnswer,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// A token response as the provider sent it, with the RFC 6749 fields read out for `oauth2`.
/// `expires_in` may be a number or a numeric string. `Debug` redacts the tokens.
#[derive(Clone)]
pub struct TokenAnswer {
    keys: OAuthKeys,
    access_token: oauth2::AccessToken,
    token_type: BasicTokenType,
    expires_in: Option<u64>,
    refresh_token: Option<oauth2::RefreshToken>,
    scopes: Option<Vec<Scope>>,
}

impl TokenAnswer {
    /// Reads a token response; `access_token` must be a non-empty string.
    pub fn from_map(map: Map<String, Value>) -> Result<Self, String> {
        let text = |name: &str| map.get(name).and_then(Value::as_str).filter(|s| !s.is_empty());
        let access_token =
            oauth2::AccessToken::new(text("access_token").ok_or("no access_token")?.to_string());
        let token_type = match text("token_type") {
            None => BasicTokenType::Bearer,
            Some(t) if t.eq_ignore_ascii_case("bearer") => BasicTokenType::Bearer,
            Some(t) if t.eq_ignore_ascii_case("mac") => BasicTokenType::Mac,
            Some(t) => BasicTokenType::Extension(t.to_string()),
        };
        let expires_in = map.get("expires_in").and_then(seconds);
        let refresh_token = text("refresh_token").map(|t| oauth2::RefreshToken::new(t.to_string()));
        let scopes = text("scope").map(|s| s.split_whitespace().map(|s| Scope::new(s.to_string())).collect());
        Ok(Self {
            keys: OAuthKeys::from_map(map),
            access_token,
            token_type,
            expires_in,
            refresh_token,
            scopes,
        })
    }

    /// Every field the provider sent.
    pub fn into_map(self) -> Map<String, Value> {
        self.keys.into_map()
    }
}

impl fmt::Debug for TokenAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TokenAnswer").field(&self.keys).finish()
    }
}

impl<'de> Deserialize<'de> for TokenAnswer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::deserialize(deserializer)?;
        TokenAnswer::from_map(map).map_err(serde::de::Error::custom)
    }
}

impl Serialize for TokenAnswer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.keys.serialize(serializer)
    }
}

impl oauth2::TokenResponse for TokenAnswer {
    type TokenType = BasicTokenType;

    fn access_token(&self) -> &oauth2::AccessToken {
        &self.access_token
    }

    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }

    fn expires_in(&self) -> Option<Duration> {
        self.expires_in.map(Duration::from_secs)
    }

    fn refresh_token(&self) -> Option<&oauth2::RefreshToken> {
        self.refresh_token.as_ref()
    }

    fn scopes(&self) -> Option<&Vec<Scope>> {
        self.scopes.as_ref()
    }
}

/// An RFC 6749 §5.2 error answer: a non-empty `error` code, and `error_description` and
/// `error_uri` when they are strings (anything else in them is ignored rather than refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenErrorAnswer {
    error: String,
    description: Option<String>,
    uri: Option<String>,
}

impl TokenErrorAnswer {
    /// Reads an error answer; `error` must be a non-empty string.
    pub fn from_map(map: &Map<String, Value>) -> Option<Self> {
        let text = |name: &str| map.get(name).and_then(Value::as_str);
        let error = text("error").filter(|code| !code.is_empty())?.to_string();
        Some(Self {
            error,
            description: text("error_description").map(str::to_string),
            uri: text("error_uri").map(str::to_string),
        })
    }

    /// The error code (`invalid_grant`, `invalid_client`, …).
    pub fn error(&self) -> &str {
        &self.error
    }

    /// The `error_description`, when the provider sent one.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
}

impl fmt::Display for TokenErrorAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error)?;
        if let Some(description) = &self.description {
            write!(f, ": {description}")?;
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for TokenErrorAnswer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::deserialize(deserializer)?;
        TokenErrorAnswer::from_map(&map).ok_or_else(|| serde::de::Error::custom("no error code"))
    }
}

impl Serialize for TokenErrorAnswer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = Map::new();
        map.insert("error".into(), Value::String(self.error.clone()));
        if let Some(description) = &self.description {
            map.insert("error_description".into(), Value::String(description.clone()));
        }
        if let Some(uri) = &self.uri {
            map.insert("error_uri".into(), Value::String(uri.clone()));
        }
        map.serialize(serializer)
    }
}

impl oauth2::ErrorResponse for TokenErrorAnswer {}

#[cfg(test)]
mod tests {
    use super::*;
    use oauth2::TokenResponse as _;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn the_answer_reads_expires_in_as_a_number_or_a_string_and_keeps_every_field() {
        let fields = json!({"access_token": "a", "expires_in": "3600", "scope": "x y", "organizer_key": 7});
        let answer = TokenAnswer::from_map(map(fields.clone())).unwrap();
        assert_eq!(answer.expires_in(), Some(Duration::from_secs(3600)));
        assert_eq!(answer.token_type(), &BasicTokenType::Bearer);
        assert_eq!(answer.scopes().map(Vec::len), Some(2));
        assert_eq!(Value::Object(answer.into_map()), fields);
        let answer = TokenAnswer::from_map(map(json!({"access_token": "a", "expires_in": 60})));
        assert_eq!(answer.unwrap().expires_in(), Some(Duration::from_secs(60)));
        assert!(TokenAnswer::from_map(map(json!({"access_token": ""}))).is_err());
    }

    #[test]
    fn debug_hides_the_tokens() {
        let answer = TokenAnswer::from_map(map(
            json!({"access_token": "AT-SECRET-1", "refresh_token": "RT-SECRET-2"}),
        ))
        .unwrap();
        let debug = format!("{answer:?}");
        assert!(!debug.contains("AT-SECRET-1") && !debug.contains("RT-SECRET-2"), "{debug}");
    }

    #[test]
    fn error_answers_need_a_code_and_take_only_text_descriptions() {
        let error =
            TokenErrorAnswer::from_map(&map(json!({"error": "invalid_grant", "error_description": 5})))
                .unwrap();
        assert_eq!((error.error(), error.description()), ("invalid_grant", None));
        let error: TokenErrorAnswer =
            serde_json::from_value(json!({"error": "x", "error_description": "why"})).unwrap();
        assert_eq!(error.to_string(), "x: why");
        assert!(TokenErrorAnswer::from_map(&map(json!({"error": ""}))).is_none());
        assert!(serde_json::from_value::<TokenErrorAnswer>(json!({"access_token": "a"})).is_err());
    }
}
