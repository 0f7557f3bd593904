//! The instant triggers: one GoTo webhook event each, delivered to the flow's URL. What they share
//! (subscribing at startup, checking and de-duplicating deliveries, unsubscribing at shutdown)
//! lives in [`webhook`]; an event type here only names its event and describes it.

use std::marker::PhantomData;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde_json::Value;

use crate::call::{Call, Handler};
use crate::errors::ComponentError;
use crate::function_spec::FunctionSpec;
use crate::triggers::webhook::{self, HookState, RegistrantEventOut, WebinarEventOut};
use crate::triggers::NoInput;

/// What tells one instant trigger from another.
pub trait HookEvent: Send + Sync + 'static {
    /// The trigger's name.
    const NAME: &'static str;
    /// The GoTo event it receives.
    const EVENT: &'static str;
    /// The trigger's title in the flow designer.
    const TITLE: &'static str;
    /// What it emits.
    const DESCRIPTION: &'static str;
    /// The body of each emitted message.
    type Output: JsonSchema;
}

/// The instant trigger for GoTo's webhook event `E::EVENT`.
pub struct WebhookTrigger<E>(HookState, PhantomData<fn() -> E>);

impl<E> Default for WebhookTrigger<E> {
    fn default() -> Self {
        WebhookTrigger(HookState::default(), PhantomData)
    }
}

#[async_trait]
impl<E: HookEvent> Handler for WebhookTrigger<E> {
    type Input = NoInput;
    type Output = E::Output;

    fn describe() -> FunctionSpec {
        webhook::spec(E::NAME, E::TITLE, E::DESCRIPTION)
    }

    async fn run(&self, call: &Call, _input: NoInput) -> Result<(), ComponentError> {
        webhook::process(call, &self.0, E::EVENT, E::NAME).await
    }

    async fn startup(&self, call: &Call) -> Result<Value, ComponentError> {
        webhook::startup(call, E::EVENT).await
    }

    async fn shutdown(&self, call: &Call, data: Value) -> Result<(), ComponentError> {
        webhook::shutdown(call, E::EVENT, data).await
    }
}

/// `registrantAdded`: GoTo's `registrant.added` event.
pub struct RegistrantAdded;

impl HookEvent for RegistrantAdded {
    const NAME: &'static str = "registrantAdded";
    const EVENT: &'static str = "registrant.added";
    const TITLE: &'static str = "Registrant added (instant)";
    const DESCRIPTION: &'static str = "Emits each registration as GoTo reports it, moments after it happens";
    type Output = RegistrantEventOut;
}

/// `registrantJoined`: GoTo's `registrant.joined` event.
pub struct RegistrantJoined;

impl HookEvent for RegistrantJoined {
    const NAME: &'static str = "registrantJoined";
    const EVENT: &'static str = "registrant.joined";
    const TITLE: &'static str = "Registrant joined (instant)";
    const DESCRIPTION: &'static str = "Emits each registrant who joins a webinar session, as GoTo reports it";
    type Output = RegistrantEventOut;
}

/// `webinarCreated`: GoTo's `webinar.created` event.
pub struct WebinarCreated;

impl HookEvent for WebinarCreated {
    const NAME: &'static str = "webinarCreated";
    const EVENT: &'static str = "webinar.created";
    const TITLE: &'static str = "Webinar created (instant)";
    const DESCRIPTION: &'static str = "Emits each webinar scheduled on the account, as GoTo reports it";
    type Output = WebinarEventOut;
}

/// `webinarChanged`: GoTo's `webinar.changed` event.
pub struct WebinarChanged;

impl HookEvent for WebinarChanged {
    const NAME: &'static str = "webinarChanged";
    const EVENT: &'static str = "webinar.changed";
    const TITLE: &'static str = "Webinar changed (instant)";
    const DESCRIPTION: &'static str =
        "Emits each change of a webinar (subject, description, times), as GoTo reports it";
    type Output = WebinarEventOut;
}
