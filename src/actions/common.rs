//! Small pieces every action uses: the [`action!`](crate::action) macro, keys from input text,
//! and the standard step fields.

/// Defines an action: a unit struct whose [`Handler`](crate::call::Handler) has this name,
/// title, description, step fields, input and output, and runs `body` with `call` and `input`.
#[macro_export]
macro_rules! action {
    (
        $(#[$doc:meta])*
        $handler:ident($name:literal, $title:literal, $description:literal $(, $field:expr)* $(,)?)
        |$call:ident, $input:ident: $in:ty| -> $out:ty $body:block
    ) => {
        $crate::action! {
            $(#[$doc])*
            $handler = {
                let mut spec =
                    $crate::function_spec::FunctionSpec::new($name, $crate::function_spec::Kind::Action, $title, $description);
                spec.fields = vec![$($field),*];
                spec
            };
            |$call, $input: $in| -> $out $body
        }
    };
    (
        $(#[$doc:meta])*
        $handler:ident(list $name:literal, $title:literal, $description:literal $(, $field:expr)* $(,)?)
        |$call:ident, $input:ident: $in:ty| -> $out:ty $body:block
    ) => {
        $crate::action! {
            $(#[$doc])*
            $handler = {
                let mut spec =
                    $crate::function_spec::FunctionSpec::new($name, $crate::function_spec::Kind::Action, $title, $description);
                spec.fields = vec![$($field),*];
                spec.dynamic_metadata = true;
                spec
            };
            list |$call, $input: $in| -> $out $body
        }
    };
    (
        $(#[$doc:meta])*
        $handler:ident = $spec:expr;
        $(list $($list:block)?)? |$call:ident, $input:ident: $in:ty| -> $out:ty $body:block
    ) => {
        $(#[$doc])*
        #[derive(Default)]
        pub struct $handler;

        #[async_trait::async_trait]
        impl $crate::call::Handler for $handler {
            type Input = $in;
            type Output = $out;

            fn describe() -> $crate::function_spec::FunctionSpec {
                $spec
            }

            $(
                $($list)?
                fn metadata(cfg: &serde_json::Value) -> Option<serde_json::Value> {
                    // A list's output is one item or a page of them, as `emitBehavior` says.
                    $crate::actions::webinars::list_metadata::<$in, $out>(cfg)
                }
            )?

            async fn run(
                &self,
                $call: &$crate::call::Call,
                $input: $in,
            ) -> Result<(), $crate::errors::ComponentError> $body
        }
    };
}

use gotowebinar::keys::{RegistrantKey, SessionKey, WebinarKey};

use crate::errors::ComponentError;
use crate::function_spec::Field;

/// Reads a GoTo key from input text, naming the field when it is not a key.
pub fn key<K>(
    field: &str,
    text: &str,
    parse: fn(&str) -> gotowebinar::Result<K>,
) -> Result<K, ComponentError> {
    let trimmed = text.trim();
    if trimmed.len() > crate::input::MAX_KEY_DIGITS {
        return Err(ComponentError::input(format!(
            "`{field}` must be a GoTo key of at most {} digits, got {} characters ({})",
            crate::input::MAX_KEY_DIGITS,
            trimmed.chars().count(),
            crate::input::quoted(trimmed)
        )));
    }
    parse(trimmed).map_err(|_| {
        ComponentError::input(format!(
            "`{field}` must be a GoTo key (digits only, such as 8475948563), got {}",
            crate::input::quoted(text)
        ))
    })
}

/// The `webinarKey` input as a key.
pub fn webinar_key(text: &str) -> Result<WebinarKey, ComponentError> {
    key("webinarKey", text, |t| WebinarKey::new(t))
}

/// The `registrantKey` input as a key.
pub fn registrant_key(text: &str) -> Result<RegistrantKey, ComponentError> {
    key("registrantKey", text, |t| RegistrantKey::new(t))
}

/// The `sessionKey` input as a key.
pub fn session_key(text: &str) -> Result<SessionKey, ComponentError> {
    key("sessionKey", text, |t| SessionKey::new(t))
}

/// The step field that picks a webinar (the message may carry `webinarKey` instead).
pub fn webinar_field() -> Field {
    Field::select_from("webinarKey", "Webinar", "selectWebinars")
        .note("The webinar to use; a `webinarKey` in the incoming message takes precedence")
}

/// The step field that picks a session of the step's webinar (the message may carry
/// `sessionKey` instead).
pub fn session_field() -> Field {
    Field::select_from("sessionKey", "Session", "selectSessions")
        .note("A held session of the chosen webinar; a `sessionKey` in the incoming message takes precedence")
}

/// Formats a time as the outputs carry it: ISO 8601, UTC, whole seconds.
pub fn time_text(time: chrono::DateTime<chrono::Utc>) -> String {
    gotowebinar::rfc3339(time)
}

/// A key-like value of `cfg` as text: a non-empty string or a number.
pub fn key_in(cfg: &serde_json::Value, name: &str) -> Option<String> {
    match cfg.get(name)? {
        serde_json::Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::actions::sessions::SessionKeyIn;
    use crate::input::parse_input;

    #[test]
    fn keys_are_read_straight_into_the_input_and_a_bad_one_names_its_field() {
        let body = json!({"webinarKey": " 8475948563 ", "sessionKey": 12345});
        let input: SessionKeyIn = parse_input(&body, &json!({}), &[]).unwrap();
        assert_eq!((input.webinar_key.as_str(), input.session_key.as_str()), ("8475948563", "12345"));
        let body = json!({"webinarKey": "84759x", "sessionKey": "1"});
        let error = parse_input::<SessionKeyIn>(&body, &json!({}), &[]).unwrap_err();
        assert!(error.0.starts_with("`webinarKey` must be a GoTo key (digits only"), "{error}");
    }
}
