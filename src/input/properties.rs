//! Generated inputs: reading never panics, and what passes is within bounds.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::read::merge_fields;
use super::*;
use crate::actions::registrants::{CreateRegistrantIn, ListRegistrantsIn, RegistrantKeyIn};
use crate::actions::webinars::{
    CancelWebinarIn, CreateWebinarIn, ListWebinarsIn, UpdateWebinarIn, WebinarKeyIn,
};
use proptest::prelude::*;

/// Field names the actions read, so generated bodies reach the coercion of real fields.
const NAMES: [&str; 24] = [
    "webinarKey",
    "registrantKey",
    "email",
    "firstName",
    "lastName",
    "emitBehavior",
    "page",
    "size",
    "fromTime",
    "toTime",
    "scope",
    "times",
    "startTime",
    "endTime",
    "responses",
    "questionKey",
    "answerKey",
    "responseText",
    "resendConfirmation",
    "onDuplicate",
    "subject",
    "recurrence",
    "emailSettings",
    "sendCancellationEmails",
];

fn odd_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00-\\x1f\"\\\\\u{200b}-\u{200f}\u{202a}-\u{202e}\u{301}\u{fe0f}\u{1f600}-\u{1f64f}a-zA-Z0-9 @.:+-]{0,40}",
        prop_oneof![
            Just("on"),
            Just("42"),
            Just("-1"),
            Just("1e400"),
            Just("NaN"),
            Just("2026-03-13"),
            Just("2026-03-13T10:00:00Z"),
            Just("99999999999999999999999"),
            Just("fetchAll"),
            Just("ada@example.com"),
        ]
        .prop_map(String::from),
        (1usize..4).prop_map(|n| "x\u{1f600}é".repeat(40_000 * n)),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        odd_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 32, 5, |inner| {
        let name = prop_oneof![prop::sample::select(NAMES.to_vec()).prop_map(String::from), odd_text()];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(name, inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A body: mostly an object of the actions' field names, sometimes any JSON at all.
fn body() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => prop::collection::btree_map(prop::sample::select(NAMES.to_vec()), json_value(), 0..8)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        1 => json_value(),
    ]
}

/// A value around the limits: digit strings and text of any length up to 100 000, numbers, flags.
fn sized_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0usize..40).prop_map(|n| Value::String("7".repeat(n))),
        (0usize..100_000).prop_map(|n| Value::String("9".repeat(n))),
        (100usize..3000).prop_map(|n| Value::String("é".repeat(n))),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        any::<bool>().prop_map(Value::Bool),
        odd_text().prop_map(Value::String),
    ]
}

/// An input schema with one text property per field of [`FIELD_SHAPES`].
fn json_schema_of_all_shapes() -> Value {
    let properties: Map<String, Value> = FIELD_SHAPES
        .iter()
        .map(|(name, _)| (name.to_string(), serde_json::json!({"type": "string"})))
        .collect();
    serde_json::json!({"type": "object", "properties": properties})
}

/// Parsing never panics; an error names a field (or says the body is not an object) and
/// stays short, however long the input was.
fn check<T: DeserializeOwned + JsonSchema + 'static>(body: &Value, cfg: &Value) -> Result<(), TestCaseError> {
    let Err(error) = parse_input::<T>(body, cfg, &["webinarKey", "emitBehavior"]) else { return Ok(()) };
    let message = error.0;
    let names_a_field = message.contains('`') || message.starts_with("the message body");
    prop_assert!(names_a_field, "the error names no field: {}", shorten(&message, 300));
    prop_assert!(message.chars().count() <= 600, "the error is {} characters long", message.chars().count());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn action_inputs_never_panic_and_errors_name_the_field(body in body(), cfg in body()) {
        check::<ListWebinarsIn>(&body, &cfg)?;
        check::<WebinarKeyIn>(&body, &cfg)?;
        check::<CreateWebinarIn>(&body, &cfg)?;
        check::<UpdateWebinarIn>(&body, &cfg)?;
        check::<CancelWebinarIn>(&body, &cfg)?;
        check::<ListRegistrantsIn>(&body, &cfg)?;
        check::<RegistrantKeyIn>(&body, &cfg)?;
        check::<CreateRegistrantIn>(&body, &cfg)?;
    }

    #[test]
    fn what_passes_is_within_bounds_and_errors_stay_short(
        fields in prop::collection::btree_map(
            prop::sample::select(FIELD_SHAPES.iter().map(|(name, _)| *name).collect::<Vec<_>>()),
            sized_value(),
            0..6,
        ),
        cfg_fields in prop::collection::btree_map(
            prop::sample::select(FIELD_SHAPES.iter().map(|(name, _)| *name).collect::<Vec<_>>()),
            sized_value(),
            0..6,
        ),
    ) {
        let body = Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
        let cfg = Value::Object(cfg_fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
        let schema = json_schema_of_all_shapes();
        let step_fields: Vec<&str> = FIELD_SHAPES.iter().map(|(name, _)| *name).collect();
        let fallback = |name: &str| step_fields.contains(&name) && !CREDENTIAL_FIELDS.contains(&name);
        match merge_fields(&schema, &body, &cfg, &fallback) {
            Ok(Value::Object(merged)) => {
                for (name, value) in &merged {
                    prop_assert!(!CREDENTIAL_FIELDS.contains(&name.as_str()) || body.get(name).is_some(),
                        "{name} came from the credential");
                    let text = value.as_str().unwrap_or_default();
                    prop_assert!(check_shape(name, text).is_ok(), "{name} passed out of bounds");
                }
            }
            Ok(other) => prop_assert!(false, "not an object: {other}"),
            Err(error) => prop_assert!(error.0.chars().count() <= 400, "{} characters", error.0.chars().count()),
        }
    }

    #[test]
    fn timestamps_never_panic(text in odd_text(), millis in any::<i64>()) {
        let _ = Timestamp::parse(&text);
        let _ = deserialize::<Timestamp>(Value::from(millis));
    }
}
