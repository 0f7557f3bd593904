//! `registrantAdded`: GoTo's `registrant.added` webhook event, delivered to the flow's URL.

use async_trait::async_trait;
use serde_json::Value;

use crate::call::{Call, Handler};
use crate::errors::ComponentError;
use crate::spec::FunctionSpec;
use crate::triggers::webhook::{self, HookState, RegistrantEventOut};
use crate::triggers::NoInput;

/// The trigger's name.
pub const NAME: &str = "registrantAdded";
/// The GoTo event it receives.
pub const EVENT: &str = "registrant.added";

/// `registrantAdded`.
#[derive(Default)]
pub struct RegistrantAdded(HookState);

#[async_trait]
impl Handler for RegistrantAdded {
    type Input = NoInput;
    type Output = RegistrantEventOut;

    fn describe() -> FunctionSpec {
        webhook::spec(
            NAME,
            "Registrant added (instant)",
            "Emits each registration as GoTo reports it, moments after it happens",
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
