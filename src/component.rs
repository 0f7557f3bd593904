//! The component as the runtime sees it: every function, the manifest built from their
//! descriptions, and the service functions (credential check, dynamic metadata, select models).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use async_trait::async_trait;
use chrono::{Duration, Utc};
use futures::StreamExt;
use sailor::{Component, Context, FunctionError, Services};
use serde_json::{json, Value};

use crate::connection::Connection;
use crate::errors::{names, ComponentError, Doing, Failure};
use crate::function_spec::FunctionSpec;
use crate::input::webinar_key;
use crate::registry::Registry;
use crate::{actions, manifest, triggers};

/// The select-model methods the component answers.
pub const SELECT_MODELS: [&str; 2] = ["selectWebinars", "selectSessions"];

/// How many options a select model offers at most.
const MAX_OPTIONS: usize = 1000;

/// Every function of the component.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = Registry::default();
        actions::register(&mut registry);
        triggers::register(&mut registry);
        registry
    })
}

/// The descriptions of every function, in registration order.
pub fn specs() -> Vec<FunctionSpec> {
    registry().entries().iter().map(|entry| entry.spec().clone()).collect()
}

/// The component for the runtime.
pub fn component() -> Component {
    let mut component = Component::new().services(GoToServices);
    for entry in registry().entries() {
        component = component.shared_function(entry.name, entry.function.clone());
    }
    component
}

/// `component.json` as `gotowebinar manifest` writes it.
pub fn manifest_text() -> String {
    manifest::render(&manifest::build(&specs()))
}

/// The component's service functions.
pub struct GoToServices;

#[async_trait]
impl Services for GoToServices {
    async fn verify_credentials(&self, ctx: Context, cfg: Value) -> Result<Value, FunctionError> {
        let failure = match Connection::for_verification(&ctx, &cfg) {
            Ok(connection) => match verify(&connection, &cfg).await {
                Ok(()) => None,
                Err(error) => Some(error.decide(Some(connection.advice()))),
            },
            Err(error) => Some(error.into_failure()),
        };
        match failure {
            None => Ok(json!({ "verified": true })),
            Some(failure) => match failure {
                // Not the credential's fault: the platform shows the error and the person retries.
                Failure::Error(error)
                    if error.name == names::NETWORK || error.name == names::CONFIGURATION =>
                {
                    Err(error)
                }
                Failure::Error(error) => Ok(json!({ "verified": false, "reason": error.message })),
                Failure::Rebound(reason) => Err(FunctionError::new(
                    names::RATE_LIMITED,
                    format!("{reason}; GoTo is busy or unavailable, try the check again in a minute"),
                )),
            },
        }
    }

    async fn get_meta_model(&self, ctx: Context, function: &str, cfg: Value) -> Result<Value, FunctionError> {
        let entry = registry().get(function).ok_or_else(|| {
            let known = registry().entries().iter().map(|entry| entry.name);
            FunctionError::new(names::INPUT, sailor::suggest::unknown_name("function", function, known))
        })?;
        let dynamic = entry.dynamic_metadata.dynamic_metadata(ctx, cfg).await?;
        Ok(dynamic.unwrap_or_else(|| json!({ "in": entry.spec().input, "out": entry.spec().output })))
    }

    async fn select_model(&self, ctx: Context, method: &str, cfg: Value) -> Result<Value, FunctionError> {
        let connection = Connection::for_cfg(&ctx, &cfg).map_err(FunctionError::from)?;
        let options = match method {
            "selectWebinars" => select_webinars(&connection).await,
            "selectSessions" => select_sessions(&connection, &cfg).await,
            other => {
                return Err(FunctionError::new(
                    names::INPUT,
                    sailor::suggest::unknown_name("select model", other, SELECT_MODELS),
                ))
            }
        };
        connection.wait_until_keys_saved().await;
        options.map(|map| json!(map)).map_err(|error| error.into_function_error(Some(connection.advice())))
    }
}

/// Checks the credential with the identity API (`/identity/v1/Users/me`); when the token lacks
/// the identity scope, the admin API (`/admin/rest/v1/me`) answers instead. A stated organizer
/// key must be the signed-in user's.
async fn verify(connection: &Connection, cfg: &Value) -> Result<(), ComponentError> {
    let doing = "checking the credential with GoTo's identity API";
    let user = match connection.client().identity_me().await {
        Ok(user) => Some(user.id.to_string()),
        Err(error) if error.is_permission_denied() => {
            let me = connection.client().admin_me().await.doing(
                "checking the credential with GoTo (the token may not hold the identity:scim.me scope)",
            )?;
            me.key.map(|key| key.to_string())
        }
        Err(error) => return Err(ComponentError::Client { doing: doing.into(), error }),
    };
    let stated = cfg.get("organizerKey").and_then(|v| match v {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    });
    if let (Some(stated), Some(user)) = (stated, user) {
        if stated != user {
            return Err(ComponentError::named(
                names::AUTH,
                format!(
                    "the credential's Organizer key {stated} is not the signed-in GoTo user's ({user}): clear the Organizer key field, or sign in as that organizer"
                ),
            ));
        }
    }
    Ok(())
}

/// The organizer's upcoming webinars (and those of the last 30 days) as `{key: "subject (date)"}`.
async fn select_webinars(connection: &Connection) -> Result<BTreeMap<String, String>, ComponentError> {
    let organizer = connection.organizer_key().await?;
    let now = Utc::now();
    let mut pages = connection
        .client()
        .webinars(&organizer)
        .list(now - Duration::days(30)..now + Duration::days(365), 200);
    let mut options = BTreeMap::new();
    while let Some(page) = pages.next().await {
        for webinar in page.doing("listing webinars")?.items {
            let when =
                webinar.times.first().map(|t| t.start_time.format(" (%Y-%m-%d %H:%M UTC)").to_string());
            let label =
                format!("{}{}", webinar.subject.as_deref().unwrap_or("(untitled)"), when.unwrap_or_default());
            options.insert(webinar.webinar_key.into_string(), label);
            if options.len() >= MAX_OPTIONS {
                return Ok(options);
            }
        }
    }
    Ok(options)
}

/// The sessions of the step's webinar, or of the last 90 days, as `{key: "webinar (date)"}`.
async fn select_sessions(
    connection: &Connection,
    cfg: &Value,
) -> Result<BTreeMap<String, String>, ComponentError> {
    let organizer = connection.organizer_key().await?;
    let sessions = connection.client().sessions(&organizer);
    let now = Utc::now();
    let mut pages = match cfg
        .get("webinarKey")
        .and_then(|v| v.as_str().map(str::to_string).or_else(|| v.as_u64().map(|n| n.to_string())))
    {
        Some(text) if !text.trim().is_empty() => sessions.for_webinar(&webinar_key(&text)?, 200),
        _ => sessions.list(now - Duration::days(90)..now, 200),
    };
    let mut options = BTreeMap::new();
    while let Some(page) = pages.next().await {
        for session in page.doing("listing sessions")?.items {
            let when = session.start_time.map(|t| t.format(" (%Y-%m-%d %H:%M UTC)").to_string());
            let label = format!(
                "{}{}",
                session.webinar_name.as_deref().unwrap_or("Session"),
                when.unwrap_or_default()
            );
            options.insert(session.session_key.into_string(), label);
            if options.len() >= MAX_OPTIONS {
                return Ok(options);
            }
        }
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_follows_the_platform_rules() {
        let manifest = manifest::build(&specs());
        let names: Vec<&str> = registry().entries().iter().map(|e| e.name).collect();
        let problems = manifest::problems(&manifest, &names, &SELECT_MODELS);
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn every_entry_is_found_by_the_name_its_description_carries() {
        for entry in registry().entries() {
            assert_eq!(entry.name, entry.spec().name);
            assert!(registry().get(entry.spec().name).is_some_and(|found| std::ptr::eq(found, entry)));
        }
    }

    #[test]
    fn every_select_model_used_is_answered() {
        for model in manifest::used_models(&specs()) {
            assert!(SELECT_MODELS.contains(&model), "{model} is used by a field but not answered");
        }
    }

    #[test]
    fn the_committed_manifest_is_up_to_date() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/component.json");
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == manifest_text(),
            "component.json is out of date: run `cargo run -- manifest` and commit the result"
        );
    }

    #[test]
    fn every_schema_follows_the_platform_dialect() {
        for spec in specs() {
            for (side, schema) in [("in", &spec.input), ("out", &spec.output)] {
                let problems = crate::schema::dialect_problems(schema);
                assert!(problems.is_empty(), "{} {side}: {problems:#?}", spec.name);
            }
        }
    }

    #[test]
    fn every_action_has_a_title_description_and_labelled_fields() {
        for spec in specs() {
            assert!(!spec.title.is_empty() && spec.description.len() > 20, "{}", spec.name);
            assert!(spec.fields.iter().all(|f| !f.label.is_empty()), "{}", spec.name);
        }
    }

    #[test]
    fn the_manifest_version_is_the_package_version() {
        let manifest = manifest::build(&specs());
        assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
    }
}
