//! The shared skeleton of every action: the [`action!`](crate::action) macro, the description
//! of an action, the input of keyed reads ([`keys_input!`](crate::keys_input)) and the reports
//! GoTo answers as lists ([`reports!`](crate::reports)).
//!
//! An action says only what differs: its name, title, description and step fields, its input
//! and output types, and what it does. A GoTo read (or write) whose answer is emitted converted
//! is the `emit` form: the request, the conversion, and what the request does for its error.
//! Adding one takes a handful of lines:
//!
//! ```ignore
//! action! {
//!     /// `getWebinar`.
//!     GetWebinar("getWebinar", "Get webinar", "Reads one webinar by its key", webinar_field())
//!     emit |goto, input: WebinarKeyIn| -> WebinarOut {
//!         goto.webinars().get(&input.webinar_key) => WebinarOut::from;
//!         "reading webinar {}", input.webinar_key
//!     }
//! }
//! ```
//!
//! and one line in [`crate::actions::register`]. A list action is the `list` form: its input
//! flattens [`Paging`](crate::actions::list::Paging), and its body hands a page descriptor
//! ([`Paged`](crate::actions::list::Paged) for a list read one GoTo call a page) to
//! [`list::emit`](crate::actions::list::emit).

/// Defines an action: a unit struct whose [`Handler`](crate::call::Handler) has this name,
/// title, description, step fields, input and output. Forms (see the [module](self)):
///
/// - `Name(…) |call, input: In| -> Out { … }`: runs the block; may be preceded by
///   `deprecated "note"` and by `dynamic_metadata |call| { … }` (dynamic metadata that needs GoTo);
/// - `Name(list …) |call, input: In| -> Out { … }`: a list (output per `emitBehavior`, the page
///   size checked before anything else);
/// - `Name(…) emit |goto, input: In| -> Out { request => convert; "doing {}", args }`: calls GoTo
///   with the organizer's client and emits the converted answer.
#[macro_export]
macro_rules! action {
    (@impl [$($doc:tt)*] $handler:ident, $in:ty, $out:ty, $spec:block, [$($extra:tt)*],
        |$call:ident, $input:ident| $body:block) => {
        $($doc)*
        #[derive(Default)]
        pub struct $handler;

        #[async_trait::async_trait]
        impl $crate::call::Handler for $handler {
            type Input = $in;
            type Output = $out;

            fn describe() -> $crate::function_spec::FunctionSpec $spec

            $($extra)*

            async fn run(
                &self,
                $call: &$crate::call::Call,
                $input: $in,
            ) -> Result<(), $crate::errors::ComponentError> $body
        }
    };
    (
        $(#[$doc:meta])*
        $handler:ident(list $name:literal, $title:literal, $description:literal $(, $field:expr)* $(,)?)
        |$call:ident, $input:ident: $in:ty| -> $out:ty $body:block
    ) => {
        $crate::action!(@impl [$(#[$doc])*] $handler, $in, $out,
            {
                let mut spec = $crate::actions::common::spec($name, $title, $description, vec![$($field),*]);
                spec.dynamic_metadata = true;
                spec
            },
            [
                fn dynamic_metadata(cfg: &serde_json::Value) -> Option<serde_json::Value> {
                    $crate::actions::list::dynamic_metadata::<$in, $out>(cfg)
                }
            ],
            |$call, $input| {
                $input.paging.size()?;
                $body
            });
    };
    (
        $(#[$doc:meta])*
        $handler:ident($name:literal, $title:literal, $description:literal $(, $field:expr)* $(,)?)
        emit |$goto:ident, $input:ident: $in:ty| -> $out:ty {
            $request:expr => $convert:expr; $($doing:tt)+
        }
    ) => {
        $crate::action! {
            $(#[$doc])*
            $handler($name, $title, $description $(, $field)*)
            |call, owned: $in| -> $out {
                let ($goto, $input) = (call.goto().await?, &owned);
                call.emit_answer($request, format!($($doing)+), $convert).await
            }
        }
    };
    (
        $(#[$doc:meta])*
        $handler:ident($name:literal, $title:literal, $description:literal $(, $field:expr)* $(,)?)
        $(deprecated $note:literal)?
        $(dynamic_metadata |$meta_call:ident| $meta_body:block)?
        |$call:ident, $input:ident: $in:ty| -> $out:ty $body:block
    ) => {
        $crate::action!(@impl [$(#[$doc])*] $handler, $in, $out,
            {
                #[allow(unused_mut)]
                let mut spec = $crate::actions::common::spec($name, $title, $description, vec![$($field),*]);
                $(spec.deprecated = Some($note);)?
                $(spec.dynamic_metadata = !stringify!($meta_call).is_empty();)?
                spec
            },
            [$(
                async fn dynamic_metadata_from_goto(
                    &self,
                    $meta_call: &$crate::call::Call,
                ) -> Result<Option<serde_json::Value>, $crate::errors::ComponentError> $meta_body
            )?],
            |$call, $input| $body);
    };
}

/// Defines actions that each emit one report GoTo answers as a list (`polls`, `questions`,
/// `surveys`) of the thing its keys name. First, in `[...]`, what the reports share: what they are
/// `of`, the `keys` input (each key with its doc), the API they `read` and the keys it takes
/// (`args`), and the end of what `doing` says in errors with its arguments. Then one line per
/// report: `Handler(Out, name, title, description) field "what"`, `field` being both the API's
/// method and the output's list.
#[macro_export]
macro_rules! reports {
    (
        @one [
            of $of:literal,
            keys $input:ident { $($key:ident: $key_doc:literal),+ $(,)? },
            read |$goto:ident, $keys:ident| $api:expr, args ($($arg:expr),+),
            doing $doing:literal $(, $doing_arg:expr)+
        ]
        $handler:ident($out:ident, $name:literal, $title:literal, $description:literal) $field:ident $what:literal
    ) => {
        #[doc = concat!("The ", $what, " of ", $of, ".")]
        #[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
        #[serde(rename_all = "camelCase")]
        pub struct $out {
            $(#[doc = $key_doc] pub $key: String,)+
            #[doc = concat!("The ", $what, " as GoTo reports them.")]
            pub $field: Vec<serde_json::Value>,
        }

        $crate::action! {
            #[doc = concat!("`", $name, "`.")]
            $handler($name, $title, $description,
                $crate::function_spec::webinar_field(), $crate::function_spec::session_field())
            emit |$goto, $keys: $input| -> $out {
                $api.$field($($arg),+) => |found| $out {
                    $($key: $keys.$key.to_string(),)+
                    $field: $crate::actions::common::as_list(found),
                };
                concat!("reading the ", $what, $doing) $(, $doing_arg)+
            }
        }
    };
    ($shared:tt $($handler:ident($($report:tt)*) $field:ident $what:literal;)+) => {
        $($crate::reports!(@one $shared $handler($($report)*) $field $what);)+
    };
}

/// GoTo's answer as a list: an array as it is, anything else as one entry, nothing as none.
pub fn as_list(value: serde_json::Value) -> Vec<serde_json::Value> {
    match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Defines an input struct naming something by its keys, each read straight into its key type
/// (and described to the platform as text).
#[macro_export]
macro_rules! keys_input {
    ($(#[$doc:meta])* $name:ident { $($(#[$field_doc:meta])* $field:ident: $key:ty),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $($(#[$field_doc])* #[schemars(with = "String")] pub $field: $key,)+
        }
    };
}

use crate::function_spec::{Field, FunctionSpec, Kind};

/// The description of an action with these step fields.
pub fn spec(
    name: &'static str,
    title: &'static str,
    description: &'static str,
    fields: Vec<Field>,
) -> FunctionSpec {
    FunctionSpec { fields, ..FunctionSpec::new(name, Kind::Action, title, description) }
}

/// The name serde gives `value` (an enum's variant), as GoTo takes it.
pub fn wire_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
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

    #[test]
    fn wire_names_are_the_names_serde_gives() {
        use crate::actions::recordings::{SortFieldIn, SortOrderIn};
        use crate::actions::webinar_extras::AudioTypeIn;
        assert_eq!(super::wire_name(&AudioTypeIn::Voip), "VOIP");
        assert_eq!(super::wire_name(&AudioTypeIn::Hybrid), "Hybrid");
        assert_eq!(super::wire_name(&SortFieldIn::Createtime), "CREATETIME");
        assert_eq!(super::wire_name(&SortOrderIn::Desc), "DESC");
    }
}
