//! A component: its named functions (actions and triggers) and its service functions.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::context::Context;
use crate::event::ErrorInfo;
use crate::message::Message;

/// What a function is called with for one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// The incoming message.
    pub msg: Message,
    /// The step configuration (credential fields merged with step fields).
    pub cfg: Value,
    /// The step's snapshot (`{}` when none).
    pub snapshot: Value,
}

/// A failure a function reports; emitted as an `error` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionError {
    /// Error class, e.g. `ValidationError`.
    pub name: String,
    /// What went wrong and, where possible, what to do about it.
    pub message: String,
}

impl FunctionError {
    /// A function error with the given class and message.
    pub fn new(name: impl Into<String>, message: impl Into<String>) -> Self {
        FunctionError { name: name.into(), message: message.into() }
    }
}

impl std::fmt::Display for FunctionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name, self.message)
    }
}

impl std::error::Error for FunctionError {}

impl From<FunctionError> for ErrorInfo {
    fn from(e: FunctionError) -> Self {
        ErrorInfo::new(e.name, e.message)
    }
}

impl From<&FunctionError> for ErrorInfo {
    fn from(e: &FunctionError) -> Self {
        ErrorInfo::new(e.name.clone(), e.message.clone())
    }
}

/// An action or trigger.
#[async_trait]
pub trait Function: Send + Sync {
    /// Handles one message; emits through `ctx`. An `Err` is emitted as an `error` event.
    async fn process(&self, ctx: Context, input: Input) -> Result<(), FunctionError>;

    /// Runs once when the flow starts (webhook registration, …); the result is stored as hook data.
    async fn startup(&self, _ctx: Context, _cfg: Value) -> Result<Value, FunctionError> {
        Ok(Value::Null)
    }

    /// Runs once when the flow stops, with what `startup` returned.
    async fn shutdown(&self, _ctx: Context, _cfg: Value, _data: Value) -> Result<(), FunctionError> {
        Ok(())
    }

    /// Runs when the step's container starts, before the first message.
    async fn init(&self, _ctx: Context, _cfg: Value) -> Result<(), FunctionError> {
        Ok(())
    }
}

/// The component's service functions (called without a message, outside flows).
#[async_trait]
pub trait Services: Send + Sync {
    /// Checks a credential; answers `{verified: bool, reason?}`.
    async fn verify_credentials(&self, ctx: Context, cfg: Value) -> Result<Value, FunctionError>;

    /// The `{in, out}` metadata of `function` for this configuration.
    async fn get_meta_model(&self, ctx: Context, function: &str, cfg: Value) -> Result<Value, FunctionError>;

    /// The options (`{value: label}`) of the select model named `method`.
    async fn select_model(&self, ctx: Context, method: &str, cfg: Value) -> Result<Value, FunctionError>;
}

/// A component: named functions plus optional service functions.
#[derive(Default)]
pub struct Component {
    functions: BTreeMap<String, Arc<dyn Function>>,
    services: Option<Arc<dyn Services>>,
}

impl std::fmt::Debug for Component {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Component")
            .field("functions", &self.functions.keys().collect::<Vec<_>>())
            .field("services", &self.services.is_some())
            .finish()
    }
}

impl Component {
    /// An empty component.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `f` under `name` (replacing any function of that name).
    pub fn function(mut self, name: &str, f: impl Function + 'static) -> Self {
        self.functions.insert(name.to_string(), Arc::new(f));
        self
    }

    /// Registers an already shared function under `name`.
    pub fn shared_function(mut self, name: &str, f: Arc<dyn Function>) -> Self {
        self.functions.insert(name.to_string(), f);
        self
    }

    /// Registers the service functions.
    pub fn services(mut self, s: impl Services + 'static) -> Self {
        self.services = Some(Arc::new(s));
        self
    }

    /// The function registered under `name`.
    pub fn get(&self, name: &str) -> Option<Arc<dyn Function>> {
        self.functions.get(name).cloned()
    }

    /// The registered function names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.functions.keys().map(String::as_str)
    }

    /// The service functions, when registered.
    pub fn get_services(&self) -> Option<Arc<dyn Services>> {
        self.services.clone()
    }
}

/// What to report when a function's task ended without an answer: the panic's message, or that it
/// was cancelled. Shared by the flow step and the local runner.
pub(crate) fn panic_text(join: tokio::task::JoinError) -> String {
    if !join.is_panic() {
        return "the function was cancelled".into();
    }
    panic_payload_text(&*join.into_panic())
}

/// The error text for a function that panicked with `payload`.
pub(crate) fn panic_payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    format!("the function panicked: {detail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Noop;

    #[async_trait]
    impl Function for Noop {
        async fn process(&self, _ctx: Context, _input: Input) -> Result<(), FunctionError> {
            Ok(())
        }
    }

    #[test]
    fn registers_and_lists_functions() {
        let c = Component::new().function("zeta", Noop).function("alpha", Noop);
        assert_eq!(c.names().collect::<Vec<_>>(), ["alpha", "zeta"]);
        assert!(c.get("alpha").is_some());
        assert!(c.get("missing").is_none());
        assert!(c.get_services().is_none());
    }

    #[test]
    fn function_error_displays_and_converts() {
        let e = FunctionError::new("ValidationError", "webinarKey is required");
        assert_eq!(e.to_string(), "ValidationError: webinarKey is required");
        let info: ErrorInfo = e.into();
        assert_eq!(info, ErrorInfo::new("ValidationError", "webinarKey is required"));
    }
}
