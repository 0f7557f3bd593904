//! `webinarCreated`: GoTo's `webinar.created` webhook event, delivered to the flow's URL.

use async_trait::async_trait;
use serde_json::Value;

use crate::call::{Call, Handler};
use crate::errors::ComponentError;
use crate::spec::FunctionSpec;
use crate::triggers::webhook::{self, HookState, WebinarEventOut};
use crate::triggers::NoInput;

/// The trigger's name.
pub const NAME: &str = "webinarCreated";
/// The GoTo event it receives.
pub const EVENT: &str = "webinar.created";

/// `webinarCreated`.
#[derive(Default)]
pub struct WebinarCreated(HookState);

#[async_trait]
impl Handler for WebinarCreated {
    type Input = NoInput;
    type Output = WebinarEventOut;

    fn describe() -> FunctionSpec {
        webhook::spec(
            NAME,
            "Webinar created (instant)",
            "Emits each webinar scheduled on the account, as GoTo reports it",
        )
    }

    async fn run(&self, call: &Call, _input: NoInput) -> Result<(), ComponentError> {
        webhook::process(call, &self.0, EVENT, NAME).await
    }

    async fn startup(&self, call: &Call) -> Result<Value, ComponentError> {
        webhook::startup(call, EVENT).await
    }

    async fn shutdown(&self, call: &Call, data: Value) -> Result<(), ComponentError> {
        webhook::shutdown(call, EVENT, data).await
    }
}
