//! The one path for an `updateKeys` event on the platform: check, merge into the step's cfg, save
//! to the account. The flow step, its hooks and service calls all go through it.

use std::sync::RwLock;

use serde_json::Value;

use crate::context::EmitError;
use crate::message::json_type;
use crate::platform_api::{account_id, PlatformApi};

/// Why emitted keys were not taken or not stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum KeysError {
    /// The event carried something other than a JSON object.
    #[error("updateKeys needs a JSON object, got {0}")]
    NotAnObject(&'static str),
    /// The step configuration names no account to store the keys in.
    #[error("cannot save the keys: the step configuration has no _account")]
    NoAccount,
    /// The platform API refused or could not be reached.
    #[error("{0}")]
    NotSaved(String),
}

impl From<KeysError> for EmitError {
    fn from(e: KeysError) -> Self {
        match e {
            KeysError::NotAnObject(_) => EmitError::Invalid(e.to_string()),
            _ => EmitError::Failed(e.to_string()),
        }
    }
}

/// Registers the keys' values as secrets (so no log line shows them) and merges them into `cfg`,
/// so later work uses them; returns the account they belong to, if the cfg names one.
///
/// Merged before saving: a refreshed token may have replaced the stored one even if saving fails.
pub(crate) fn merge(cfg: &RwLock<Value>, keys: &Value) -> Result<Option<String>, KeysError> {
    let Value::Object(new_keys) = keys else {
        return Err(KeysError::NotAnObject(json_type(keys)));
    };
    crate::logging::register_secrets_in(keys);
    let mut cfg = cfg.write().unwrap_or_else(|p| p.into_inner());
    if let Value::Object(c) = &mut *cfg {
        c.extend(new_keys.clone());
    }
    Ok(account_id(&cfg))
}

/// Stores `keys` as the account's keys (`PUT /v1/accounts/{account}`).
pub(crate) async fn save(api: &PlatformApi, account: &str, keys: &Value) -> Result<(), KeysError> {
    api.update_account_keys(account, keys).await.map_err(|e| KeysError::NotSaved(e.to_string()))
}

/// [`merge`], then [`save`] to the cfg's account; an error when the cfg names none.
pub(crate) async fn merge_and_save(
    api: &PlatformApi,
    cfg: &RwLock<Value>,
    keys: &Value,
) -> Result<(), KeysError> {
    let account = merge(cfg, keys)?.ok_or(KeysError::NoAccount)?;
    save(api, &account, keys).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_merge_into_the_cfg_and_name_its_account() {
        let cfg = RwLock::new(json!({"_account": "acc-1", "accessToken": "old", "kept": 1}));
        let account = merge(&cfg, &json!({"accessToken": "new"})).unwrap();
        assert_eq!(account.as_deref(), Some("acc-1"));
        assert_eq!(*cfg.read().unwrap(), json!({"_account": "acc-1", "accessToken": "new", "kept": 1}));
    }

    #[test]
    fn keys_that_are_not_an_object_are_refused_and_change_nothing() {
        let cfg = RwLock::new(json!({"a": 1}));
        let err = merge(&cfg, &json!(["x"])).unwrap_err();
        assert_eq!(err.to_string(), "updateKeys needs a JSON object, got an array");
        assert!(matches!(EmitError::from(err), EmitError::Invalid(_)));
        assert_eq!(*cfg.read().unwrap(), json!({"a": 1}));
    }

    #[test]
    fn a_missing_account_is_a_failed_emit() {
        let e = EmitError::from(KeysError::NoAccount);
        assert!(matches!(&e, EmitError::Failed(m) if m.contains("no _account")), "{e}");
    }
}
