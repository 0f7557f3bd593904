//! The stored token response ([`OAuthKeys`]): a JSON object kept whole, with typed accessors,
//! expiry arithmetic and a redacting `Debug`.

use std::fmt;

use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::secret::{AccessToken, RefreshToken};

/// Field of the stored keys holding the access token's expiry (RFC 3339, UTC).
pub const EXPIRES_AT: &str = "expires_at";
/// Field of the stored keys holding the time of the last refresh (RFC 3339, UTC).
pub const REFRESHED_AT: &str = "refreshed_at";

/// The stored token response, as the platform keeps it (`cfg.oauth`): a JSON object kept whole,
/// with typed accessors for the fields this crate uses. Unknown fields are kept as they are.
///
/// `Debug` prints every field name but redacts secrets (`access_token`, `refresh_token`,
/// `id_token`, any `*_token`, anything containing `secret` or `password`).
///
/// Integers above `u64::MAX` (GoTo keys can be that large) survive only when the keys are read
/// from JSON text with [`OAuthKeys::from_json_str`], which stores such a number as a decimal
/// string. A `serde_json::Value` has already turned it into a float; [`OAuthKeys::get_key`]
/// then answers `None` rather than a wrong key.
#[derive(Clone, Default, PartialEq)]
pub struct OAuthKeys(Map<String, Value>);

impl OAuthKeys {
    /// Empty keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Wraps a JSON object.
    pub fn from_map(map: Map<String, Value>) -> Self {
        Self(map)
    }

    /// Reads keys from a JSON value, which must be an object.
    pub fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Object(map) => Ok(Self(map)),
            other => Err(Error::Config(format!(
                "the stored OAuth keys must be a JSON object (the token response with access_token and \
                 refresh_token), got {}",
                jsonkit::kind(&other)
            ))),
        }
    }

    /// Reads keys from JSON text, keeping integers of any size exact (those above the 64-bit
    /// range become decimal strings).
    pub fn from_json_str(text: &str) -> Result<Self> {
        match parse_preserving(text) {
            Ok(value) => Self::from_value(value),
            Err(e) => Err(Error::Config(format!("the stored OAuth keys are not valid JSON: {e}"))),
        }
    }

    /// The keys as a JSON value (secrets included: for storage only).
    pub fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }

    /// The underlying JSON object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The underlying JSON object, owned.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    /// A field as stored.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Sets a field (for example a discovered `organizer_key`).
    pub fn insert(&mut self, name: impl Into<String>, value: Value) {
        self.0.insert(name.into(), value);
    }

    /// Removes a field and returns it.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.0.remove(name)
    }

    /// The access token, when present and not empty.
    pub fn access_token(&self) -> Option<AccessToken> {
        self.non_empty_str("access_token").map(AccessToken::new)
    }

    /// The refresh token, when present and not empty.
    pub fn refresh_token(&self) -> Option<RefreshToken> {
        self.non_empty_str("refresh_token").map(RefreshToken::new)
    }

    /// When the access token expires: the stored `expires_at`, else the access token's JWT `exp`
    /// claim, else `None` (unknown).
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.non_empty_str(EXPIRES_AT).and_then(jsonkit::time::parse_rfc3339).or_else(|| self.jwt_expiry())
    }

    /// The `exp` claim of the access token when it is a JWT (read without verifying it).
    pub fn jwt_expiry(&self) -> Option<DateTime<Utc>> {
        jwt_exp(self.non_empty_str("access_token")?)
    }

    /// When the token was last refreshed (stored `refreshed_at`).
    pub fn refreshed_at(&self) -> Option<DateTime<Utc>> {
        self.non_empty_str(REFRESHED_AT).and_then(jsonkit::time::parse_rfc3339)
    }

    /// `expires_in` in seconds: a number or a numeric string; `None` when null, absent or not a
    /// non-negative number.
    pub fn expires_in(&self) -> Option<u64> {
        self.0.get("expires_in").and_then(seconds)
    }

    /// How long the current access token lives: `expires_at - refreshed_at` when both are
    /// known, else `expires_in`. Never negative.
    pub fn lifetime(&self) -> Option<TimeDelta> {
        let lifetime = match (self.expires_at(), self.refreshed_at()) {
            (Some(expires), Some(refreshed)) => expires - refreshed,
            _ => seconds_delta(self.expires_in()?)?,
        };
        Some(lifetime.max(TimeDelta::zero()))
    }

    /// A key such as `organizer_key` or `account_key` as a decimal string, from a JSON integer
    /// or a string. A number stored as a float (its exact value was lost) gives `None`.
    pub fn get_key(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            _ => None,
        }
    }

    /// Merges a token endpoint response into these keys; never replaces them.
    ///
    /// Every field of the response overwrites the stored one, except an absent or empty
    /// `refresh_token`, which keeps the stored one. Other stored fields (`organizer_key`,
    /// `account_key`, …) stay. `expires_at` becomes `now + expires_in`, else the new access
    /// token's JWT `exp`, else it is removed (unknown); `refreshed_at` becomes `now`.
    pub fn merge_refresh(&mut self, response: Map<String, Value>, now: DateTime<Utc>) {
        let now = chrono::Timelike::with_nanosecond(&now, 0).unwrap_or(now);
        let expires_in = response.get("expires_in").and_then(seconds);
        for (name, value) in response {
            if name == "refresh_token" && !matches!(&value, Value::String(s) if !s.is_empty()) {
                continue;
            }
            self.0.insert(name, value);
        }
        let expires_at = match expires_in {
            // An absurd lifetime (beyond what a date can hold) counts as unknown.
            Some(secs) => seconds_delta(secs).and_then(|d| now.checked_add_signed(d)),
            None => self.jwt_expiry(),
        };
        match expires_at {
            Some(at) => {
                self.0.insert(EXPIRES_AT.into(), Value::String(format_time(at)));
            }
            None => {
                self.0.remove(EXPIRES_AT);
            }
        }
        self.0.insert(REFRESHED_AT.into(), Value::String(format_time(now)));
    }

    fn non_empty_str(&self, name: &str) -> Option<&str> {
        match self.0.get(name)? {
            Value::String(s) if !s.is_empty() => Some(s),
            _ => None,
        }
    }
}

/// `secs` as a duration, `None` when it does not fit one.
fn seconds_delta(secs: u64) -> Option<TimeDelta> {
    TimeDelta::try_seconds(i64::try_from(secs).ok()?)
}

impl fmt::Debug for OAuthKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in &self.0 {
            if is_secret_name(name) {
                map.entry(&name, &format_args!("[redacted]"));
            } else {
                map.entry(&name, &format_args!("{}", redacted(value)));
            }
        }
        map.finish()
    }
}

impl Serialize for OAuthKeys {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for OAuthKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        Map::deserialize(deserializer).map(Self)
    }
}

/// True for field names whose values are secrets.
pub fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "token"
        || name.ends_with("_token")
        || name.ends_with("token_secret")
        || name.contains("secret")
        || name.contains("password")
}

/// A copy of `value` with secret-named fields replaced by `[redacted]`, at any depth.
fn redacted(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_secret_name(k) { Value::String("[redacted]".into()) } else { redacted(v) };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
        other => other.clone(),
    }
}

/// Seconds from a JSON number or numeric string; `None` for null, negative or non-numeric.
pub(crate) fn seconds(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| float_seconds(n.as_f64()?)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<u64>().ok().or_else(|| float_seconds(s.parse::<f64>().ok()?))
        }
        _ => None,
    }
}

fn float_seconds(value: f64) -> Option<u64> {
    // Truncation is intended: a fraction of a second of lifetime does not matter.
    (value.is_finite() && value >= 0.0 && value < u64::MAX as f64).then_some(value as u64)
}

/// Formats a time as stored: RFC 3339, UTC, seconds precision, `Z` suffix.
pub use crate::time::rfc3339 as format_time;

/// The `exp` claim of a JWT, decoding its payload without verifying the signature.
fn jwt_exp(token: &str) -> Option<DateTime<Utc>> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?;
    let secs = match exp {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))?,
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        _ => return None,
    };
    DateTime::from_timestamp(secs, 0)
}

/// Parses JSON text into a `Value`, keeping integers outside the 64-bit range exact by storing
/// them as decimal strings instead of letting them turn into floats.
pub use jsonkit::parse as parse_preserving;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn jwt(claims: Value) -> String {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.sig",
            engine.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
            engine.encode(claims.to_string())
        )
    }

    #[test]
    fn expires_in_as_number_string_or_null() {
        let keys = |v: Value| OAuthKeys::from_value(json!({ "expires_in": v })).unwrap();
        assert_eq!(keys(json!(3600)).expires_in(), Some(3600));
        assert_eq!(keys(json!("30758399")).expires_in(), Some(30758399));
        assert_eq!(keys(json!(" 60 ")).expires_in(), Some(60));
        assert_eq!(keys(json!(59.9)).expires_in(), Some(59));
        assert_eq!(keys(json!(null)).expires_in(), None);
        assert_eq!(keys(json!("soon")).expires_in(), None);
        assert_eq!(keys(json!(-5)).expires_in(), None);
        assert_eq!(OAuthKeys::new().expires_in(), None);
    }

    #[test]
    fn expires_at_is_stored_time_else_jwt_exp_else_unknown() {
        let token = jwt(json!({"sub": "u", "exp": 1_773_396_000}));
        let stored =
            OAuthKeys::from_value(json!({"access_token": token, "expires_at": "2026-01-01T00:00:00Z"}))
                .unwrap();
        assert_eq!(stored.expires_at(), Some(at("2026-01-01T00:00:00Z")));
        let from_jwt = OAuthKeys::from_value(json!({ "access_token": token })).unwrap();
        assert_eq!(from_jwt.expires_at(), DateTime::from_timestamp(1_773_396_000, 0));
        let opaque = OAuthKeys::from_value(json!({"access_token": "opaque-token"})).unwrap();
        assert_eq!(opaque.expires_at(), None);
        let no_exp = OAuthKeys::from_value(json!({ "access_token": jwt(json!({"sub": "u"})) })).unwrap();
        assert_eq!(no_exp.expires_at(), None);
        let garbage = OAuthKeys::from_value(json!({"access_token": "a.%%%.c"})).unwrap();
        assert_eq!(garbage.expires_at(), None);
    }

    #[test]
    fn lifetime_prefers_stored_times_then_expires_in() {
        let both = OAuthKeys::from_value(json!({
            "expires_at": "2026-03-13T10:00:04Z", "refreshed_at": "2026-03-13T10:00:00Z", "expires_in": 3600
        }))
        .unwrap();
        assert_eq!(both.lifetime(), Some(TimeDelta::seconds(4)));
        let only_in = OAuthKeys::from_value(json!({"expires_in": "3600"})).unwrap();
        assert_eq!(only_in.lifetime(), Some(TimeDelta::seconds(3600)));
        assert_eq!(OAuthKeys::new().lifetime(), None);
    }

    #[test]
    fn keys_read_as_numbers_or_strings_without_floats() {
        let keys = OAuthKeys::from_json_str(
            r#"{"organizer_key": 24576065432313123456, "account_key": "123", "small": 42, "neg": -7,
                "float": 1.5, "empty": ""}"#,
        )
        .unwrap();
        assert_eq!(keys.get_key("organizer_key").as_deref(), Some("24576065432313123456"));
        assert_eq!(keys.get_key("account_key").as_deref(), Some("123"));
        assert_eq!(keys.get_key("small").as_deref(), Some("42"));
        assert_eq!(keys.get_key("neg").as_deref(), Some("-7"));
        assert_eq!(keys.get_key("float"), None);
        assert_eq!(keys.get_key("empty"), None);
        assert_eq!(keys.get_key("missing"), None);
        // Through a serde_json::Value the big key is already a float: refused, not garbled.
        let lossy = OAuthKeys::from_value(
            serde_json::from_str(r#"{"organizer_key": 24576065432313123456}"#).unwrap(),
        )
        .unwrap();
        assert_eq!(lossy.get_key("organizer_key"), None);
    }

    #[test]
    fn preserving_parser_keeps_everything_else_as_serde_does() {
        let text = r#"{"a":[1,-2,3.5,1e3,"x",null,true,{"b":184467440737095516160}],"c":{"d":-99999999999999999999}}"#;
        let value = parse_preserving(text).unwrap();
        assert_eq!(
            value,
            json!({"a": [1, -2, 3.5, 1000.0, "x", null, true, {"b": "184467440737095516160"}],
                   "c": {"d": "-99999999999999999999"}})
        );
        assert!(parse_preserving("{").is_err());
    }

    #[test]
    fn deeply_nested_keys_are_refused_instead_of_overflowing_the_stack() {
        let deep = format!(r#"{{"access_token": {}{}}}"#, "[".repeat(200_000), "]".repeat(200_000));
        let err = OAuthKeys::from_json_str(&deep).unwrap_err().to_string();
        assert!(err.contains("not valid JSON") && err.contains("nested deeper"), "{err}");
    }

    #[test]
    fn from_value_refuses_non_objects_clearly() {
        let err = OAuthKeys::from_value(json!("token")).unwrap_err().to_string();
        assert!(err.contains("must be a JSON object") && err.contains("a string"), "{err}");
        let err = OAuthKeys::from_json_str("not json").unwrap_err().to_string();
        assert!(err.contains("not valid JSON"), "{err}");
    }

    #[test]
    fn merge_keeps_refresh_token_and_other_fields() {
        let mut keys = OAuthKeys::from_json_str(
            r#"{"access_token":"old-at","refresh_token":"old-rt","organizer_key":24576065432313123456,
                "account_key":7,"expires_at":"2020-01-01T00:00:00Z","custom":"kept"}"#,
        )
        .unwrap();
        let now = at("2026-03-13T10:00:00.750Z");
        let response =
            json!({"access_token":"new-at","expires_in":"3600","scope":"collab:","refresh_token":""});
        keys.merge_refresh(response.as_object().unwrap().clone(), now);
        assert_eq!(keys.access_token().unwrap().expose(), "new-at");
        assert_eq!(keys.refresh_token().unwrap().expose(), "old-rt");
        assert_eq!(keys.get_key("organizer_key").as_deref(), Some("24576065432313123456"));
        assert_eq!(keys.get_key("account_key").as_deref(), Some("7"));
        assert_eq!(keys.get("custom"), Some(&json!("kept")));
        assert_eq!(keys.get("scope"), Some(&json!("collab:")));
        assert_eq!(keys.get(EXPIRES_AT), Some(&json!("2026-03-13T11:00:00Z")));
        assert_eq!(keys.get(REFRESHED_AT), Some(&json!("2026-03-13T10:00:00Z")));
        assert_eq!(keys.lifetime(), Some(TimeDelta::seconds(3600)));

        keys.merge_refresh(
            json!({"access_token":"newer-at","refresh_token":"new-rt"}).as_object().unwrap().clone(),
            now,
        );
        assert_eq!(keys.refresh_token().unwrap().expose(), "new-rt");
        assert_eq!(keys.get(EXPIRES_AT), None, "a stale expires_at must not survive");
    }

    #[test]
    fn merge_without_expires_in_uses_the_jwt_exp() {
        let mut keys = OAuthKeys::from_value(json!({"refresh_token":"rt"})).unwrap();
        let token = jwt(json!({"exp": 1_773_396_000}));
        keys.merge_refresh(
            json!({ "access_token": token, "expires_in": null }).as_object().unwrap().clone(),
            at("2026-01-01T00:00:00Z"),
        );
        assert_eq!(keys.expires_at(), DateTime::from_timestamp(1_773_396_000, 0));
        assert_eq!(
            keys.get(EXPIRES_AT),
            Some(&json!(format_time(DateTime::from_timestamp(1_773_396_000, 0).unwrap())))
        );
    }

    #[test]
    fn absurd_lifetimes_count_as_unknown_instead_of_panicking() {
        let huge =
            OAuthKeys::from_value(json!({"access_token": "a", "expires_in": 1_000_000_000_000_000_000u64}))
                .unwrap();
        assert_eq!(huge.lifetime(), None);
        let mut keys = OAuthKeys::from_value(json!({"refresh_token": "r"})).unwrap();
        let response = json!({"access_token": "a", "expires_in": u64::MAX});
        keys.merge_refresh(response.as_object().unwrap().clone(), at("2026-01-01T00:00:00Z"));
        assert_eq!(keys.expires_at(), None);
        let response = json!({"access_token": "a", "expires_in": 300_000_000_000u64});
        keys.merge_refresh(response.as_object().unwrap().clone(), at("2026-01-01T00:00:00Z"));
        assert_eq!(keys.expires_at(), None, "a year beyond 9999 is not a stored time");
    }

    #[test]
    fn debug_redacts_secrets_at_any_depth() {
        let keys = OAuthKeys::from_value(json!({
            "access_token": "AT-SECRET-1", "refresh_token": "RT-SECRET-2", "id_token": "ID-SECRET-3",
            "client_secret": "CS-SECRET-4", "nested": {"session_token": "ST-SECRET-5", "n": 1},
            "organizer_key": 42, "token_type": "Bearer"
        }))
        .unwrap();
        let debug = format!("{keys:?}");
        for secret in ["AT-SECRET-1", "RT-SECRET-2", "ID-SECRET-3", "CS-SECRET-4", "ST-SECRET-5"] {
            assert!(!debug.contains(secret), "{secret} leaked in {debug}");
        }
        for visible in ["access_token", "refresh_token", "organizer_key", "42", "Bearer"] {
            assert!(debug.contains(visible), "{visible} missing in {debug}");
        }
    }
}
