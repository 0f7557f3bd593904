//! The service mode: one call of `verifyCredentials`, `getMetaModel` or `selectModel` outside a
//! flow, answered by POSTing `{status, data}` to the platform.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{json, Value};

use crate::component::{Component, FunctionError};
use crate::context::{Context, EmitError, Emitter, StepInfo};
use crate::event::Event;
use crate::json::parse_json_lossless;
use crate::message::json_type;
use crate::platform_api::{account_id, AccountCredentials, PlatformApi};
use crate::sail::SailError;
use crate::update_keys;

/// What a service call reads from its environment.
#[derive(Clone)]
pub struct ServiceEnv {
    /// `ELASTICIO_CFG`, parsed (integers longer than 15 digits arrive as strings).
    pub cfg: Value,
    /// `ELASTICIO_ACTION_OR_TRIGGER`: the function whose metadata or model is asked for.
    pub action_or_trigger: Option<String>,
    /// `ELASTICIO_GET_MODEL_METHOD`: the select model's method name.
    pub get_model_method: Option<String>,
    /// `ELASTICIO_POST_RESULT_URL`: where the answer goes.
    pub post_result_url: String,
    /// The platform API, when `ELASTICIO_API_URI`, `_API_USERNAME` and `_API_KEY` are set.
    pub api: Option<PlatformApi>,
    /// Retries of the result POST (`ELASTICIO_API_REQUEST_RETRY_ATTEMPTS`, default 3).
    pub retries: u32,
    /// Delay between retries (`ELASTICIO_API_REQUEST_RETRY_DELAY`, default 100 ms).
    pub retry_delay: Duration,
}

impl std::fmt::Debug for ServiceEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceEnv")
            .field("action_or_trigger", &self.action_or_trigger)
            .field("get_model_method", &self.get_model_method)
            .field("post_result_url", &self.post_result_url)
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

impl ServiceEnv {
    /// Reads the service environment from the process environment.
    pub fn from_env() -> Result<Self, SailError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the service environment through `lookup` (full variable name → value).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SailError> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let post_result_url = var("ELASTICIO_POST_RESULT_URL").ok_or_else(|| {
            SailError::Service(
                "the environment variable ELASTICIO_POST_RESULT_URL is required but not set".into(),
            )
        })?;
        let cfg_text = var("ELASTICIO_CFG").ok_or_else(|| {
            SailError::Service("the environment variable ELASTICIO_CFG is required but not set".into())
        })?;
        let cfg = parse_json_lossless(cfg_text.as_bytes())
            .map_err(|e| SailError::Service(format!("ELASTICIO_CFG is not valid JSON: {e}")))?;
        if !cfg.is_object() {
            return Err(SailError::Service(format!(
                "ELASTICIO_CFG must be a JSON object, got {}",
                json_type(&cfg)
            )));
        }
        let number = |name: &str, default: u64| -> Result<u64, SailError> {
            match var(name) {
                None => Ok(default),
                Some(v) => v.trim().parse().map_err(|_| {
                    SailError::Service(format!(
                        "the environment variable {name} must be a whole number, got {v:?}"
                    ))
                }),
            }
        };
        let retries = u32::try_from(number("ELASTICIO_API_REQUEST_RETRY_ATTEMPTS", 3)?).unwrap_or(u32::MAX);
        let retry_delay = Duration::from_millis(number("ELASTICIO_API_REQUEST_RETRY_DELAY", 100)?);
        let api = match (var("ELASTICIO_API_URI"), var("ELASTICIO_API_USERNAME"), var("ELASTICIO_API_KEY")) {
            (Some(uri), Some(user), Some(key)) => {
                Some(PlatformApi::new(uri, user, key, retries, retry_delay))
            }
            _ => None,
        };
        Ok(ServiceEnv {
            cfg,
            action_or_trigger: var("ELASTICIO_ACTION_OR_TRIGGER"),
            get_model_method: var("ELASTICIO_GET_MODEL_METHOD"),
            post_result_url,
            api,
            retries,
            retry_delay,
        })
    }
}

/// Runs one service method from the environment and POSTs the answer (the platform's `serve` command).
///
/// Sets up JSON logging on stdout unless a logger is already installed.
pub async fn run_service(component: &Component, method: &str) -> Result<(), SailError> {
    crate::logging::init_platform_logging();
    let env = ServiceEnv::from_env()?;
    run_service_with(component, method, env).await.map(|_| ())
}

/// Runs one service method with `env` and POSTs `{status: "success", data}` or
/// `{status: "error", data: {message}}` to its result URL. `Err` only when nothing could be posted
/// (unknown method, the result URL unreachable).
pub async fn run_service_with(
    component: &Component,
    method: &str,
    env: ServiceEnv,
) -> Result<Value, SailError> {
    crate::logging::register_secrets_in(&env.cfg);
    let outcome = call(component, method, &env).await?;
    let body = match outcome {
        Ok(data) => json!({"status": "success", "data": data}),
        Err(e) => {
            tracing::warn!(method, error = %e, "service call failed");
            json!({"status": "error", "data": {"message": e.message}})
        }
    };
    post_result(&env, &body).await?;
    tracing::info!(method, status = %body["status"], "service result posted");
    Ok(body)
}

/// Calls the method; the outer `Err` is a usage error nothing can be posted for.
async fn call(
    component: &Component,
    method: &str,
    env: &ServiceEnv,
) -> Result<Result<Value, FunctionError>, SailError> {
    const METHODS: [&str; 3] = ["verifyCredentials", "getMetaModel", "selectModel"];
    if !METHODS.contains(&method) {
        return Err(SailError::Service(format!(
            "unknown service method {method:?} (use one of: {})",
            METHODS.join(", ")
        )));
    }
    let Some(services) = component.get_services() else {
        return Ok(Err(FunctionError::new("ServiceError", "this component has no service functions")));
    };
    let cfg = Arc::new(RwLock::new(env.cfg.clone()));
    // Keys renewed during verifyCredentials are not kept: the platform honours updateKeys only in
    // getMetaModel/selectModel, and it stores the credential as it was submitted after the check.
    let unsaved = if method == "verifyCredentials" {
        Some("keys renewed during verifyCredentials are not stored by the platform".to_string())
    } else if env.api.is_none() {
        Some("the platform API is not configured (ELASTICIO_API_URI, ELASTICIO_API_USERNAME, ELASTICIO_API_KEY)".into())
    } else if account_id(&env.cfg).is_none() {
        Some("ELASTICIO_CFG has no _account, so there is no account to store them in".into())
    } else {
        None
    };
    let api = if unsaved.is_none() { env.api.clone() } else { None };
    let function = env.action_or_trigger.clone().unwrap_or_default();
    let mut ctx = Context::new(
        Arc::new(ServiceEmitter { api, cfg, unsaved: unsaved.clone() }),
        StepInfo::from_env(function.clone()),
    )
    .with_keys_kept(unsaved.is_none());
    if let Some(api) = &env.api {
        ctx = ctx.with_credentials(AccountCredentials::for_cfg(api.clone(), &env.cfg));
    }
    let cfg = env.cfg.clone();
    Ok(match method {
        "verifyCredentials" => match services.verify_credentials(ctx, cfg).await {
            Ok(v) => Ok(v),
            Err(e) => Ok(json!({"verified": false, "reason": e.message})),
        },
        "getMetaModel" => {
            if function.is_empty() {
                Err(FunctionError::new("ServiceError", "ELASTICIO_ACTION_OR_TRIGGER is not provided"))
            } else {
                services.get_meta_model(ctx, &function, cfg).await
            }
        }
        _ => match env.get_model_method.as_deref() {
            None => Err(FunctionError::new("ServiceError", "ELASTICIO_GET_MODEL_METHOD is not provided")),
            Some(model) => services.select_model(ctx, model, cfg).await,
        },
    })
}

async fn post_result(env: &ServiceEnv, body: &Value) -> Result<(), SailError> {
    let client = tlsroots::client_builder()
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| SailError::Service(format!("cannot build an HTTP client: {e}")))?;
    let mut attempt = 0;
    loop {
        let result = client.post(&env.post_result_url).json(body).send().await;
        let failure = match result {
            Ok(resp) if resp.status().is_success() => return Ok(()),
            Ok(resp) => format!("HTTP {}", resp.status().as_u16()),
            Err(e) => {
                format!("request failed ({})", if e.is_connect() { "could not connect" } else { "no answer" })
            }
        };
        if attempt >= env.retries {
            return Err(SailError::Service(format!(
                "could not POST the result to ELASTICIO_POST_RESULT_URL: {failure}"
            )));
        }
        attempt += 1;
        tracing::warn!(attempt, reason = %failure, "posting the service result failed; retrying");
        tokio::time::sleep(env.retry_delay).await;
    }
}

/// Service calls may only emit `updateKeys` (saved to the account when the API is configured).
struct ServiceEmitter {
    api: Option<PlatformApi>,
    cfg: Arc<RwLock<Value>>,
    /// Why emitted keys cannot be stored (then `api` is `None`).
    unsaved: Option<String>,
}

#[async_trait]
impl Emitter for ServiceEmitter {
    async fn emit(&self, event: Event) -> Result<(), EmitError> {
        match event {
            Event::UpdateKeys(keys) => {
                let account = update_keys::merge(&self.cfg, &keys)?;
                match (&self.api, account) {
                    (Some(api), Some(account)) => {
                        update_keys::save(api, &account, &keys).await.map_err(|e| {
                            tracing::error!(error = %e, "could not save the account keys");
                            EmitError::from(e)
                        })?;
                        tracing::info!("account keys updated");
                        Ok(())
                    }
                    _ => {
                        let why = self.unsaved.as_deref().unwrap_or("the cfg has no _account");
                        tracing::warn!("updateKeys not saved: {why}");
                        Ok(())
                    }
                }
            }
            Event::End => Ok(()),
            other => {
                tracing::warn!(event = other.name(), "service calls cannot emit this event; dropped");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn reads_the_service_environment() {
        let env = ServiceEnv::from_lookup(lookup(&[
            ("ELASTICIO_POST_RESULT_URL", "http://127.0.0.1:9/result"),
            ("ELASTICIO_CFG", r#"{"_account":"a1","organizerKey":24576065432313123456}"#),
            ("ELASTICIO_ACTION_OR_TRIGGER", "listWebinars"),
            ("ELASTICIO_GET_MODEL_METHOD", "webinars"),
            ("ELASTICIO_API_URI", "http://127.0.0.1:9"),
            ("ELASTICIO_API_USERNAME", "u"),
            ("ELASTICIO_API_KEY", "k"),
        ]))
        .unwrap();
        assert_eq!(env.cfg["organizerKey"], json!("24576065432313123456"));
        assert_eq!(env.action_or_trigger.as_deref(), Some("listWebinars"));
        assert_eq!(env.get_model_method.as_deref(), Some("webinars"));
        assert!(env.api.is_some());
        assert_eq!(env.retries, 3);
    }

    #[test]
    fn missing_or_bad_variables_are_named() {
        let err = ServiceEnv::from_lookup(lookup(&[("ELASTICIO_CFG", "{}")])).unwrap_err();
        assert!(err.to_string().contains("ELASTICIO_POST_RESULT_URL"), "{err}");
        let err = ServiceEnv::from_lookup(lookup(&[("ELASTICIO_POST_RESULT_URL", "http://127.0.0.1:9")]))
            .unwrap_err();
        assert!(err.to_string().contains("ELASTICIO_CFG"), "{err}");
        let err = ServiceEnv::from_lookup(lookup(&[
            ("ELASTICIO_POST_RESULT_URL", "http://127.0.0.1:9"),
            ("ELASTICIO_CFG", "[1]"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("JSON object"), "{err}");
        let env = ServiceEnv::from_lookup(lookup(&[
            ("ELASTICIO_POST_RESULT_URL", "http://127.0.0.1:9"),
            ("ELASTICIO_CFG", "{}"),
        ]))
        .unwrap();
        assert!(env.api.is_none());
    }
}
