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

/// Declares the event types of instant triggers, one entry each: the type, the trigger's name, the
/// GoTo event, what it emits, its title and its description.
macro_rules! hook_events {
    ($($event:ident($name:literal, $goto:literal, $output:ty, $title:literal, $description:literal);)*) => {$(
        #[doc = concat!("`", $name, "`: GoTo's `", $goto, "` event.")]
        pub struct $event;

        impl HookEvent for $event {
            const NAME: &'static str = $name;
            const EVENT: &'static str = $goto;
            const TITLE: &'static str = $title;
            const DESCRIPTION: &'static str = $description;
            type Output = $output;
        }
    )*};
}

hook_events! {
    RegistrantAdded("registrantAdded", "registrant.added", RegistrantEventOut, "Registrant added (instant)",
        "Emits each registration as GoTo reports it, moments after it happens");
    RegistrantJoined("registrantJoined", "registrant.joined", RegistrantEventOut, "Registrant joined (instant)",
        "Emits each registrant who joins a webinar session, as GoTo reports it");
    WebinarCreated("webinarCreated", "webinar.created", WebinarEventOut, "Webinar created (instant)",
        "Emits each webinar scheduled on the account, as GoTo reports it");
    WebinarChanged("webinarChanged", "webinar.changed", WebinarEventOut, "Webinar changed (instant)",
        "Emits each change of a webinar (subject, description, times), as GoTo reports it");
}
