//! The handle a function uses to emit events and reach the runtime.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::event::{ErrorInfo, Event, HttpReply};
use crate::message::{JsonMessage, Message};
use serde::Serialize;

/// Why an event could not be emitted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The message this context belongs to is already finished; nothing more can be emitted for it.
    #[error("the message is already finished; events emitted after the function returned are dropped")]
    Closed,
    /// The event is not valid (e.g. `updateKeys` with something other than an object).
    #[error("invalid event: {0}")]
    Invalid(String),
    /// Writing or publishing the event failed.
    #[error("could not emit the event: {0}")]
    Failed(String),
    /// An I/O error while emitting.
    #[error("could not emit the event: {0}")]
    Io(#[from] std::io::Error),
}

/// Where a mode sends emitted events (stdout lines locally, AMQP on the platform, …).
#[async_trait]
pub trait Emitter: Send + Sync {
    /// Delivers one event; returns once it is written or published.
    async fn emit(&self, event: Event) -> Result<(), EmitError>;
}

/// Re-reads the credential keys stored for the step's account.
///
/// On the platform this is `GET /v1/accounts/{_account}` (its `keys`); locally it re-reads the cfg file.
#[async_trait]
pub trait CredentialSource: Send + Sync {
    /// The stored keys as a JSON object, or `None` when nothing is stored.
    async fn reload(&self) -> Result<Option<Value>, EmitError>;
}

/// Identifies the flow step a function runs for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepInfo {
    /// The function name (action or trigger) being run.
    pub function: String,
    /// Flow (task) id.
    pub flow_id: Option<String>,
    /// Step id within the flow.
    pub step_id: Option<String>,
    /// Execution id.
    pub exec_id: Option<String>,
    /// Workspace id.
    pub workspace_id: Option<String>,
    /// Container id.
    pub container_id: Option<String>,
    /// User id.
    pub user_id: Option<String>,
    /// Component id.
    pub comp_id: Option<String>,
    /// The flow's public webhook URL (`ELASTICIO_FLOW_WEBHOOK_URI`), for webhook triggers.
    pub flow_webhook_uri: Option<String>,
}

impl StepInfo {
    /// Step info for `function`, with ids taken from the `ELASTICIO_*` environment where set.
    pub fn from_env(function: impl Into<String>) -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        StepInfo {
            function: function.into(),
            flow_id: var("ELASTICIO_FLOW_ID"),
            step_id: var("ELASTICIO_STEP_ID"),
            exec_id: var("ELASTICIO_EXEC_ID"),
            workspace_id: var("ELASTICIO_WORKSPACE_ID"),
            container_id: var("ELASTICIO_CONTAINER_ID"),
            user_id: var("ELASTICIO_USER_ID"),
            comp_id: var("ELASTICIO_COMP_ID"),
            flow_webhook_uri: var("ELASTICIO_FLOW_WEBHOOK_URI"),
        }
    }
}

struct Inner {
    emitter: Arc<dyn Emitter>,
    credentials: Option<Arc<dyn CredentialSource>>,
    step: StepInfo,
    local_cfg: Option<PathBuf>,
    keys_kept: bool,
}

/// What a function gets to emit events and reach the runtime; cheap to clone.
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("step", &self.inner.step)
            .field("credentials", &self.inner.credentials.is_some())
            .finish_non_exhaustive()
    }
}

impl Context {
    /// A context that sends events to `emitter`, for the given step.
    pub fn new(emitter: Arc<dyn Emitter>, step: StepInfo) -> Self {
        Context {
            inner: Arc::new(Inner { emitter, credentials: None, step, local_cfg: None, keys_kept: true }),
        }
    }

    /// The same context, able to re-read stored credentials from `source`.
    pub fn with_credentials(self, source: Arc<dyn CredentialSource>) -> Self {
        let inner = Inner {
            emitter: self.inner.emitter.clone(),
            credentials: Some(source),
            step: self.inner.step.clone(),
            local_cfg: self.inner.local_cfg.clone(),
            keys_kept: self.inner.keys_kept,
        };
        Context { inner: Arc::new(inner) }
    }

    /// The same context, run by the local runner with the step configuration from `path`.
    pub fn with_local_cfg(self, path: impl Into<PathBuf>) -> Self {
        let inner = Inner {
            emitter: self.inner.emitter.clone(),
            credentials: self.inner.credentials.clone(),
            step: self.inner.step.clone(),
            keys_kept: self.inner.keys_kept,
            local_cfg: Some(path.into()),
        };
        Context { inner: Arc::new(inner) }
    }

    /// The same context, saying whether keys emitted with `updateKeys` are kept (see
    /// [`Context::keys_kept`]).
    pub fn with_keys_kept(self, kept: bool) -> Self {
        let inner = Inner {
            emitter: self.inner.emitter.clone(),
            credentials: self.inner.credentials.clone(),
            step: self.inner.step.clone(),
            local_cfg: self.inner.local_cfg.clone(),
            keys_kept: kept,
        };
        Context { inner: Arc::new(inner) }
    }

    /// The cfg file when the local runner (`exec --cfg FILE`) runs the function; `None` on the
    /// platform. Advice differs: locally a person fixes the file, on the platform the credential.
    pub fn local_cfg(&self) -> Option<&Path> {
        self.inner.local_cfg.as_deref()
    }

    /// Whether keys emitted with `updateKeys` reach a store that keeps them (the platform account,
    /// the cfg file, stdout). When `false`, a function must not refresh a token: a rotated
    /// refresh token would exist only in this process and be lost.
    pub fn keys_kept(&self) -> bool {
        self.inner.keys_kept
    }

    /// Emits any event.
    pub async fn emit(&self, e: Event) -> Result<(), EmitError> {
        self.inner.emitter.emit(e).await
    }

    /// Emits a data message with a new id and the given body.
    pub async fn data(&self, body: Value) -> Result<(), EmitError> {
        self.emit(Event::Data(Message::new(body))).await
    }

    /// Emits a data message with a new id whose body is `body` serialized straight to JSON text,
    /// without building a `Value` first (for long lists, one message per item).
    pub async fn data_from<T: Serialize + ?Sized>(&self, body: &T) -> Result<(), EmitError> {
        let msg =
            JsonMessage::new(body).map_err(|e| EmitError::Invalid(format!("cannot encode the body: {e}")))?;
        self.emit(Event::DataJson(msg)).await
    }

    /// Emits an error for the current message.
    pub async fn error(&self, e: impl Into<ErrorInfo>) -> Result<(), EmitError> {
        self.emit(Event::Error(e.into())).await
    }

    /// Replaces the step's snapshot.
    pub async fn snapshot(&self, s: Value) -> Result<(), EmitError> {
        self.emit(Event::Snapshot(s)).await
    }

    /// Shallow-merges `s` into the step's snapshot.
    pub async fn update_snapshot(&self, s: Value) -> Result<(), EmitError> {
        self.emit(Event::UpdateSnapshot(s)).await
    }

    /// Persists new credential keys (a JSON object) for the step's account.
    pub async fn update_keys(&self, keys: Value) -> Result<(), EmitError> {
        self.emit(Event::UpdateKeys(keys)).await
    }

    /// Asks the platform to deliver the current message again later.
    pub async fn rebound(&self, reason: impl Into<String>) -> Result<(), EmitError> {
        self.emit(Event::Rebound { reason: reason.into() }).await
    }

    /// Answers the HTTP request that delivered the current message.
    pub async fn http_reply(&self, r: HttpReply) -> Result<(), EmitError> {
        self.emit(Event::HttpReply(r)).await
    }

    /// Re-reads the stored credential keys; `Ok(None)` when this runtime has no credential source.
    pub async fn reload_credentials(&self) -> Result<Option<Value>, EmitError> {
        match &self.inner.credentials {
            Some(source) => source.reload().await,
            None => Ok(None),
        }
    }

    /// The step this context runs for.
    pub fn step(&self) -> &StepInfo {
        &self.inner.step
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<Event>>);

    #[async_trait]
    impl Emitter for Recorder {
        async fn emit(&self, event: Event) -> Result<(), EmitError> {
            self.0.lock().map_err(|_| EmitError::Failed("poisoned".into()))?.push(event);
            Ok(())
        }
    }

    struct FixedKeys(Value);

    #[async_trait]
    impl CredentialSource for FixedKeys {
        async fn reload(&self) -> Result<Option<Value>, EmitError> {
            Ok(Some(self.0.clone()))
        }
    }

    #[tokio::test]
    async fn helpers_emit_matching_events() {
        let rec = Arc::new(Recorder::default());
        let ctx = Context::new(rec.clone(), StepInfo { function: "f".into(), ..Default::default() });
        ctx.data(json!({"a": 1})).await.unwrap();
        ctx.error(ErrorInfo::new("E", "m")).await.unwrap();
        ctx.snapshot(json!({"s": 1})).await.unwrap();
        ctx.update_snapshot(json!({"s": 2})).await.unwrap();
        ctx.update_keys(json!({"k": 1})).await.unwrap();
        ctx.rebound("later").await.unwrap();
        ctx.http_reply(HttpReply::status(200)).await.unwrap();
        let events = rec.0.lock().unwrap().clone();
        let names: Vec<_> = events.iter().map(Event::name).collect();
        assert_eq!(
            names,
            ["data", "error", "snapshot", "updateSnapshot", "updateKeys", "rebound", "httpReply"]
        );
        match &events[0] {
            Event::Data(m) => assert_eq!(m.body, json!({"a": 1})),
            other => panic!("expected data, got {other:?}"),
        }
        assert_eq!(events[5], Event::Rebound { reason: "later".into() });
        assert_eq!(ctx.step().function, "f");
    }

    #[tokio::test]
    async fn reload_without_source_is_none_and_with_source_reads_it() {
        let rec: Arc<dyn Emitter> = Arc::new(Recorder::default());
        let ctx = Context::new(rec, StepInfo::default());
        assert!(ctx.reload_credentials().await.unwrap().is_none());
        let clone = ctx.clone().with_credentials(Arc::new(FixedKeys(json!({"oauth": {}}))));
        assert_eq!(clone.reload_credentials().await.unwrap(), Some(json!({"oauth": {}})));
        // The original context is unchanged.
        assert!(ctx.reload_credentials().await.unwrap().is_none());
    }
}
