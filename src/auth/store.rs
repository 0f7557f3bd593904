//! The credential file: the `cfg` shape `gotowebinar exec --cfg` reads (`oauth` plus
//! `organizerKey`/`accountKey`), written atomically with mode 0600, and its secret-free summary.

use std::path::{Path, PathBuf};

use chrono::Utc;
use connect::{AuthError, Provider};
use gotowebinar::oauth::{is_secret_name, parse_preserving, OAuthKeys};
use serde_json::{json, Map, Value};

use super::builtin;

/// A credential file's content.
#[derive(Debug, Clone)]
pub struct CredentialFile {
    /// The whole object (other fields are kept as they are).
    pub cfg: Map<String, Value>,
}

impl CredentialFile {
    /// A new credential from a token response, with the keys found for it.
    pub fn new(
        provider: &Provider,
        oauth: &OAuthKeys,
        organizer_key: Option<&str>,
        account_key: Option<&str>,
    ) -> Self {
        let mut cfg = Map::new();
        if let Some(definition) = provider.definition() {
            // The definition travels with the credential so `auth refresh` needs nothing else.
            cfg.insert("provider".into(), definition);
        }
        cfg.insert("oauth".into(), oauth.to_value());
        if let Some(key) = organizer_key {
            cfg.insert("organizerKey".into(), json!(key));
        }
        if let Some(key) = account_key {
            cfg.insert("accountKey".into(), json!(key));
        }
        Self { cfg }
    }

    /// Reads a credential file (integers of any size kept exact).
    pub fn read(path: &Path) -> Result<Self, AuthError> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            AuthError::usage(format!("cannot read the credential file {}: {error}", path.display()))
        })?;
        match parse_preserving(&text) {
            Ok(Value::Object(cfg)) if cfg.get("oauth").is_some_and(Value::is_object) => Ok(Self { cfg }),
            Ok(_) => Err(AuthError::usage(format!(
                "{} is not a credential file: it needs an `oauth` object (write one with `gotowebinar auth login`)",
                path.display()
            ))),
            Err(error) => Err(AuthError::usage(format!("{} is not valid JSON: {error}", path.display()))),
        }
    }

    /// The provider the credential belongs to: the stored definition, else GoToWebinar.
    pub fn provider(&self) -> Result<Provider, AuthError> {
        match self.cfg.get("provider") {
            None | Some(Value::Null) => Ok(Provider::Builtin(builtin())),
            Some(Value::String(name)) => Provider::resolve(Some(name), &builtin()),
            Some(value) => {
                Provider::from_value(value.clone(), "the credential's `provider`", builtin().commands())
            }
        }
    }

    /// The stored token response.
    pub fn oauth(&self) -> OAuthKeys {
        self.cfg.get("oauth").cloned().and_then(|v| OAuthKeys::from_value(v).ok()).unwrap_or_default()
    }

    /// Replaces the stored token response.
    pub fn set_oauth(&mut self, oauth: &OAuthKeys) {
        self.cfg.insert("oauth".into(), oauth.to_value());
    }

    fn text_field(&self, name: &str) -> Option<String> {
        match self.cfg.get(name)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// `organizerKey`, else the token response's `organizer_key`.
    pub fn organizer_key(&self) -> Option<String> {
        self.text_field("organizerKey").or_else(|| self.oauth().get_key("organizer_key"))
    }

    /// `accountKey`, else the token response's `account_key`.
    pub fn account_key(&self) -> Option<String> {
        self.text_field("accountKey").or_else(|| self.oauth().get_key("account_key"))
    }

    /// Sets a top-level field.
    pub fn set(&mut self, name: &str, value: Value) {
        self.cfg.insert(name.into(), value);
    }

    /// Writes the file atomically and durably (a 0600 temporary file in the target's directory,
    /// synced, renamed over the target, the directory synced; through a symlink, to its target),
    /// so a reader never sees half a credential and no temporary file is left.
    pub fn write(&self, path: &Path) -> Result<(), AuthError> {
        sailor::keyfile::write_json(path, &Value::Object(self.cfg.clone())).map_err(|error| {
            AuthError::failed(
                "write_failed",
                format!("cannot write the credential file {}: {error}", path.display()),
            )
        })
    }

    /// What a person wants to know about the credential; no secret in it.
    pub fn summary(&self, path: Option<&Path>) -> Value {
        let oauth = self.oauth();
        let provider = self.provider().map(|p| p.name().to_string()).unwrap_or_else(|_| "unknown".into());
        let who = ["principal", "email", "user_name", "username", "screen_name", "user_id"]
            .iter()
            .find_map(|name| match oauth.get(name) {
                Some(Value::String(s)) if !s.is_empty() => Some(Value::String(s.clone())),
                Some(Value::Number(n)) => Some(Value::String(n.to_string())),
                _ => None,
            })
            .unwrap_or(Value::Null);
        let expires_at = oauth.expires_at();
        let fields: Vec<String> = oauth.as_map().keys().cloned().collect();
        let redacted: Vec<&String> = fields.iter().filter(|name| is_secret_name(name)).collect();
        let mut summary = json!({
            "provider": provider,
            "who": who,
            "organizerKey": self.organizer_key(),
            "accountKey": self.account_key(),
            "scope": oauth.get("scope").cloned().unwrap_or(Value::Null),
            "expiresAt": expires_at.map(gotowebinar::oauth::format_time),
            "expired": expires_at.map(|at| at <= Utc::now()),
            "refreshedAt": oauth.refreshed_at().map(gotowebinar::oauth::format_time),
            "hasRefreshToken": oauth.refresh_token().is_some(),
            "secretsStored": redacted,
        });
        if let Some(path) = path {
            summary["file"] = json!(absolute(path).display().to_string());
        }
        summary
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Checks before a flow starts that the credential can be written where asked.
pub fn check_out(path: &Path) -> Result<(), AuthError> {
    let dir = parent_dir(path);
    if !dir.is_dir() {
        return Err(AuthError::usage(format!(
            "--out {}: the directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    if path.is_dir() {
        return Err(AuthError::usage(format!("--out {} is a directory: name a file", path.display())));
    }
    sailor::keyfile::check_writable(path).map_err(|error| AuthError::usage(format!("--out: {error}")))
}
