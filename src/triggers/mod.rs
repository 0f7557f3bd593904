//! The component's triggers: polling triggers that keep their state in the platform's snapshot,
//! and instant triggers fed by GoTo webhooks.

pub mod cursor;
pub mod instant;
pub mod new_attendees;
pub mod new_registrants;
pub mod new_webinars;
pub mod secret;
pub mod sketch;
pub mod subject;
pub mod test_event;
pub mod webhook;
pub mod webinar_ended;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::call::{Call, Handler};
use crate::errors::{names, ComponentError};
use crate::function_spec::{Field, FunctionSpec, Kind};
use crate::registry::Registry;
use crate::triggers::instant::WebhookTrigger;

/// Registers every trigger.
pub fn register(registry: &mut Registry) {
    registry.add::<NewRegistrants>();
    registry.add::<NewWebinars>();
    registry.add::<NewAttendees>();
    registry.add::<WebinarEnded>();
    registry.add::<WebhookTrigger<instant::RegistrantAdded>>();
    registry.add::<WebhookTrigger<instant::RegistrantJoined>>();
    registry.add::<WebhookTrigger<instant::WebinarCreated>>();
    registry.add::<WebhookTrigger<instant::WebinarChanged>>();
}

/// Declares the polling triggers, one entry each: the type, its module (which holds `NAME`, the
/// `poll` and any step fields before the poll fields), what it emits, its title and description.
/// Every poll's failure goes through [`poll_failure`].
macro_rules! polling_triggers {
    ($($trigger:ident($module:ident, $fields:expr, $output:ty, $title:literal, $description:literal);)*) => {$(
        #[doc = concat!("The polling trigger \"", $title, "\" (see [`", stringify!($module), "`]).")]
        #[derive(Default)]
        pub struct $trigger;

        #[async_trait]
        impl Handler for $trigger {
            type Input = NoInput;
            type Output = $output;

            fn describe() -> FunctionSpec {
                let mut spec = FunctionSpec::new($module::NAME, Kind::PollingTrigger, $title, $description);
                spec.fields = $fields.into_iter().chain(poll_fields()).collect();
                spec
            }

            async fn run(&self, call: &Call, _input: NoInput) -> Result<(), ComponentError> {
                $module::poll(call).await.map_err(poll_failure)
            }
        }
    )*};
}

polling_triggers! {
    NewRegistrants(new_registrants, new_registrants::step_fields(), new_registrants::NewRegistrantOut, "New registrants",
        "Emits each person who registered since the last poll, for one webinar or for every upcoming webinar of the organizer");
    NewWebinars(new_webinars, new_webinars::step_fields(), new_webinars::WebinarChangeOut, "New webinars",
        "Emits each webinar scheduled since the last poll and, optionally, each webinar that changed");
    NewAttendees(new_attendees, Vec::new(), new_attendees::NewAttendeeOut, "New attendees",
        "Emits each person who attended a webinar session that ended since the last poll");
    WebinarEnded(webinar_ended, Vec::new(), webinar_ended::SessionEndedOut, "Webinar ended",
        "Emits each webinar session that ended since the last poll, with its performance summary");
}

/// Triggers read their options from the step configuration, not from a message.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct NoInput {}

/// The step fields every polling trigger offers.
pub fn poll_fields() -> Vec<Field> {
    vec![
        Field::text("startFrom", "Start from")
            .placeholder("now")
            .note("First run only: `now` (default) emits what appears from now on; a date-time such as 2026-03-13T10:00:00Z emits everything from then"),
        Field::text("maxItemsPerPoll", "Max items per poll")
            .placeholder("1000")
            .note("The most messages one poll emits (1 to 10000); the rest follow on the next polls, in order"),
        Field::text("lookBackMinutes", "Look-back window (minutes)")
            .placeholder("5")
            .note("Items that show up this late (by their GoTo time) are still emitted; 0 to 1440"),
    ]
}

/// A polling trigger's failure as an error: the scheduler polls again anyway, so a throttled or
/// unavailable GoTo is reported rather than rebounded.
pub fn poll_failure(error: ComponentError) -> ComponentError {
    error.without_rebound("the next poll tries again")
}

/// Emits a poll's results: every body first, then the snapshot that records them. A crash between
/// the two re-emits this batch on the next poll (at-least-once); nothing is ever skipped. Bodies
/// are encoded before anything is emitted so an encoding problem emits nothing.
pub async fn emit_poll<T: Serialize>(
    call: &Call,
    bodies: &[T],
    snapshot: Value,
) -> Result<(), ComponentError> {
    let values =
        bodies.iter().map(serde_json::to_value).collect::<Result<Vec<Value>, _>>().map_err(|error| {
            ComponentError::named(names::API, format!("could not encode a result: {error}"))
        })?;
    for value in values {
        call.emit_value(value).await?;
    }
    call.emit_snapshot(snapshot).await
}

/// Keys as strings, recursively: every number under a name ending in `Key` (GoTo sends keys as
/// numbers) becomes its digits.
pub fn keys_as_strings(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (name, field) in object.iter_mut() {
                if name.ends_with("Key") {
                    if let Value::Number(number) = field {
                        *field = Value::String(number.to_string());
                        continue;
                    }
                }
                keys_as_strings(field);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(keys_as_strings),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_become_strings_at_any_depth() {
        let mut value =
            json!({"webinarKey": 12, "n": 3, "inner": [{"sessionKey": 4, "count": 5}], "eventKey": "u"});
        keys_as_strings(&mut value);
        assert_eq!(
            value,
            json!({"webinarKey": "12", "n": 3, "inner": [{"sessionKey": "4", "count": 5}], "eventKey": "u"})
        );
    }
}
