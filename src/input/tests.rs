//! Reading inputs: fallback, coercion, shapes, errors and warnings.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

use super::shape::leaf;
use super::*;

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Sample {
    webinar_key: String,
    email: Option<String>,
    page: Option<u32>,
    resend_confirmation: Option<bool>,
    emit_behavior: Option<Behavior>,
    from_time: Option<Timestamp>,
    tags: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
enum Behavior {
    EmitIndividually,
    FetchAll,
}

#[test]
fn body_wins_and_cfg_fills_the_gaps() {
    let body = json!({"email": "a@b.c", "webinarKey": ""});
    let cfg = json!({"webinarKey": "123", "email": "cfg@b.c", "oauth": {"access_token": "x"}});
    let sample: Sample = parse_input(&body, &cfg, &["webinarKey"]).unwrap();
    assert_eq!(sample.webinar_key, "123");
    assert_eq!(sample.email.as_deref(), Some("a@b.c"));
}

#[test]
fn platform_forms_are_coerced() {
    let body = json!({
        "webinarKey": 24576065432313123u64, "page": "3", "resendConfirmation": "on",
        "emitBehavior": "FETCHALL", "fromTime": "2026-03-13", "tags": ["a"]
    });
    let sample: Sample = parse_input(&body, &json!({}), &[]).unwrap();
    assert_eq!(sample.webinar_key, "24576065432313123");
    assert_eq!(sample.page, Some(3));
    assert_eq!(sample.resend_confirmation, Some(true));
    assert_eq!(sample.emit_behavior, Some(Behavior::FetchAll));
    assert_eq!(sample.from_time.unwrap().0.to_rfc3339(), "2026-03-13T00:00:00+00:00");
}

#[test]
fn errors_name_the_field_and_say_what_is_wrong() {
    let missing = parse_input::<Sample>(&json!({}), &json!({}), &[]).unwrap_err().to_string();
    assert!(missing.contains("`webinarKey` is required"), "{missing}");
    let bad_enum =
        parse_input::<Sample>(&json!({"webinarKey":"1","emitBehavior":"sometimes"}), &json!({}), &[])
            .unwrap_err();
    assert!(bad_enum.0.contains("`emitBehavior` must be one of emitIndividually, fetchAll"), "{bad_enum}");
    let bad_date = parse_input::<Sample>(&json!({"webinarKey":"1","fromTime":"yesterday"}), &json!({}), &[])
        .unwrap_err();
    assert!(bad_date.0.contains("fromTime") && bad_date.0.contains("ISO 8601"), "{bad_date}");
    let bad_number =
        parse_input::<Sample>(&json!({"webinarKey":"1","page":"x"}), &json!({}), &[]).unwrap_err();
    assert!(bad_number.0.contains("`page` must be a number"), "{bad_number}");
    let negative = parse_input::<Sample>(&json!({"webinarKey":"1","page":-1}), &json!({}), &[]).unwrap_err();
    assert!(negative.0.contains("page"), "{negative}");
    let not_object = parse_input::<Sample>(&json!([1]), &json!({}), &[]).unwrap_err();
    assert!(not_object.0.contains("JSON object"), "{not_object}");
}

#[test]
fn long_values_are_cut_in_errors_and_the_advice_is_kept() {
    let huge = "é".repeat(100_000);
    let error =
        parse_input::<Sample>(&json!({"webinarKey": "1", "fromTime": huge}), &json!({}), &[]).unwrap_err();
    assert!(error.0.chars().count() < 300, "{} characters", error.0.chars().count());
    assert!(error.0.starts_with("`fromTime` is 100000 characters long; GoTo takes at most 2048"), "{error}");
    let error =
        parse_input::<Sample>(&json!({"webinarKey": "1", "fromTime": "é".repeat(1000)}), &json!({}), &[])
            .unwrap_err();
    assert!(error.0.starts_with("`fromTime`") && error.0.ends_with("2026-03-13T10:00:00Z"), "{error}");
    assert_eq!(shorten("abcdef", 6), "abcdef");
    assert_eq!(shorten("abcdefghij", 6), "abc…ij");
}

#[test]
fn keys_and_text_are_checked_by_shape_with_the_value_quoted_briefly() {
    let key = "1".repeat(5 * 1024 * 1024 / 8);
    let error = parse_input::<Sample>(&json!({"webinarKey": key}), &json!({}), &[]).unwrap_err();
    assert!(error.0.starts_with("`webinarKey` must be a GoTo key of at most 32 digits"), "{error}");
    assert!(error.0.len() < 300, "{} bytes", error.0.len());
    let thirty_three = "9".repeat(33);
    assert!(parse_input::<Sample>(&json!({"webinarKey": thirty_three}), &json!({}), &[]).is_err());
    let ok: Sample = parse_input(&json!({"webinarKey": "9".repeat(32)}), &json!({}), &[]).unwrap();
    assert_eq!(ok.webinar_key.len(), 32);
    let error = parse_input::<Sample>(&json!({"webinarKey": "12a"}), &json!({}), &[]).unwrap_err();
    assert!(error.0.contains("digits only"), "{error}");
    let error = parse_input::<Sample>(&json!({"webinarKey": 1.5}), &json!({}), &[]).unwrap_err();
    assert!(error.0.starts_with("`webinarKey`"), "{error}");
    let error = parse_input::<Sample>(&json!({"webinarKey": "1", "email": "a".repeat(129)}), &json!({}), &[])
        .unwrap_err();
    assert!(error.0.starts_with("`email` is 129 characters long; GoTo takes at most 128"), "{error}");
    // One table: the limits the messages state are the table's.
    assert_eq!(shape_of("subject"), Shape::Text(128));
    assert_eq!(shape_of("description"), Shape::Text(2048));
    assert_eq!(shape_of("anything"), Shape::Text(DEFAULT_TEXT_CHARS));
    assert_eq!(leaf("coorganizers[0].organizerKey"), "organizerKey");
    assert_eq!(leaf("tags[3]"), "tags");
}

#[test]
fn a_body_larger_than_the_limit_is_refused_before_reading_fields() {
    let body = json!({"webinarKey": "1", "tags": vec!["x".repeat(1000); 1100]});
    let error = parse_input::<Sample>(&body, &json!({}), &[]).unwrap_err();
    assert!(error.0.starts_with("the message body is larger than 1048576 bytes"), "{error}");
}

#[test]
fn wrong_json_types_are_errors_not_coerced() {
    let error =
        parse_input::<Sample>(&json!({"webinarKey": "1", "email": true}), &json!({}), &[]).unwrap_err();
    assert_eq!(error.0, "`email` must be text, got a boolean");
    let error = parse_input::<Sample>(&json!({"webinarKey": "1", "email": 42}), &json!({}), &[]).unwrap_err();
    assert_eq!(error.0, "`email` must be text, got a number");
    let error = parse_input::<Sample>(&json!({"webinarKey": "1", "resendConfirmation": 1}), &json!({}), &[])
        .unwrap_err();
    assert_eq!(error.0, "`resendConfirmation` must be true or false, got a number");
    // The platform's forms stay accepted.
    let sample: Sample =
        parse_input(&json!({"webinarKey": 7, "resendConfirmation": "on", "page": "2"}), &json!({}), &[])
            .unwrap();
    assert_eq!(
        (sample.webinar_key.as_str(), sample.resend_confirmation, sample.page),
        ("7", Some(true), Some(2))
    );
}

#[test]
fn only_declared_step_fields_fall_back_and_credential_fields_never_do() {
    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    struct Coorganizer {
        organizer_key: Option<String>,
        email: Option<String>,
        webinar_key: Option<String>,
    }
    let cfg =
        json!({"oauth": {"access_token": "x"}, "organizerKey": "111", "email": "cfg@b.c", "webinarKey": "5"});
    let read: Coorganizer = parse_input(&json!({}), &cfg, &["webinarKey"]).unwrap();
    assert_eq!(read.webinar_key.as_deref(), Some("5"), "a declared step field falls back");
    assert_eq!(read.email, None, "an undeclared field does not");
    assert_eq!(read.organizer_key, None, "the credential's organizer key is not an input");
    let read: Coorganizer = parse_input(&json!({}), &cfg, &["organizerKey"]).unwrap();
    assert_eq!(read.organizer_key, None, "not even when a function names it");
    let read: Coorganizer = parse_step_config(&cfg).unwrap();
    assert_eq!((read.organizer_key, read.email.as_deref()), (None, Some("cfg@b.c")));
}

#[test]
fn a_wrong_json_type_names_the_field_also_when_flattened() {
    let error = parse_input::<Sample>(&json!({"webinarKey": "1", "tags": "a"}), &json!({}), &[]).unwrap_err();
    assert_eq!(error.0, "`tags` must be a list, got a string");
    let error = parse_input::<Sample>(&json!({"webinarKey": ["1"]}), &json!({}), &[]).unwrap_err();
    assert_eq!(error.0, "`webinarKey` must be text, got an array");
    #[derive(Debug, Deserialize, JsonSchema)]
    struct Outer {
        #[serde(flatten)]
        _inner: Flat,
    }
    #[derive(Debug, Deserialize, JsonSchema)]
    struct Flat {
        _size: Option<u8>,
    }
    let error = deserialize::<Outer>(json!({"_size": 300})).unwrap_err();
    assert!(error.0.starts_with("`_size` is invalid"), "{error}");
}

fn hints(side: FieldSide) -> FieldHints<'static> {
    FieldHints {
        function: "listRegistrants",
        side,
        candidates: vec!["webinarKey", "emitBehavior", "page", "size"],
        reads: vec!["webinarKey", "emitBehavior", "page", "size"],
        other_side: vec!["scope"],
    }
}

#[test]
fn unknown_fields_are_the_top_level_names_not_known() {
    let body = json!({"webinarKey": "1", "webinarkey": "2", "nested": {"deeper": 1}, "page": 1});
    let known = |name: &str| ["webinarKey", "page"].contains(&name);
    let mut unknown = unknown_fields(&body, known);
    unknown.sort_unstable();
    assert_eq!(unknown, ["nested", "webinarkey"], "only the top level, letter case counts");
    assert!(unknown_fields(&json!({"webinarKey": "1"}), known).is_empty());
    assert!(unknown_fields(&json!([{"x": 1}]), known).is_empty(), "not an object: nothing to name");
    assert!(unknown_fields(&Value::Null, known).is_empty());
}

#[test]
fn a_mistyped_field_gets_the_closest_known_name() {
    let warning = hints(FieldSide::Input).warning(&["webinarkey"]).unwrap();
    assert_eq!(warning, r#"unknown input field "webinarkey"; did you mean "webinarKey"?"#);
    let warning = hints(FieldSide::Config).warning(&["emitBehaviour"]).unwrap();
    assert_eq!(warning, r#"unknown config field "emitBehaviour"; did you mean "emitBehavior"?"#);
    assert_eq!(hints(FieldSide::Input).warning(&[]), None);
}

#[test]
fn a_field_nothing_is_close_to_lists_what_the_function_reads() {
    let warning = hints(FieldSide::Input).warning(&["colour"]).unwrap();
    assert_eq!(
        warning,
        r#"unknown input field "colour"; listRegistrants reads: webinarKey, emitBehavior, page, size"#
    );
    let none = FieldHints { reads: vec![], candidates: vec![], ..hints(FieldSide::Config) };
    assert_eq!(
        none.warning(&["colour"]).unwrap(),
        r#"unknown config field "colour"; listRegistrants reads no config fields"#
    );
    let many: Vec<&str> = (0..15).map(|n| ["a", "b", "c", "d", "e"][n % 5]).collect();
    let long = FieldHints { reads: many, ..hints(FieldSide::Input) };
    let warning = long.warning(&["colour"]).unwrap();
    assert!(warning.ends_with("reads: a, b, c, d, e, a, b, c, d, e, …"), "{warning}");
}

#[test]
fn a_field_read_from_the_other_side_says_where_it_belongs() {
    let warning = hints(FieldSide::Input).warning(&["scope"]).unwrap();
    assert_eq!(
        warning,
        r#"unknown input field "scope"; listRegistrants reads it from the step configuration only"#
    );
    let warning = hints(FieldSide::Config).warning(&["scope"]).unwrap();
    assert!(warning.ends_with("reads it from the incoming message only"), "{warning}");
}

#[test]
fn several_fields_are_listed_at_most_ten_with_their_hints() {
    let warning = hints(FieldSide::Input).warning(&["webinarkey", "colour"]).unwrap();
    assert_eq!(
        warning,
        r#"unknown input fields "webinarkey" (did you mean "webinarKey"?), "colour"; listRegistrants reads: webinarKey, emitBehavior, page, size"#
    );
    let warning = hints(FieldSide::Input).warning(&["webinarkey", "Page"]).unwrap();
    assert_eq!(
        warning,
        r#"unknown input fields "webinarkey" (did you mean "webinarKey"?), "Page" (did you mean "page"?)"#
    );
    let names: Vec<String> = (0..25).map(|n| format!("field{n:02}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let warning = hints(FieldSide::Input).warning(&names).unwrap();
    assert!(warning.contains(r#""field09""#) && !warning.contains("field10"), "{warning}");
    assert!(warning.contains(" and 15 more"), "{warning}");
}

#[test]
fn odd_field_names_are_quoted_escaped_and_cut() {
    let long = format!("x{}", "y".repeat(10_000));
    let warning = hints(FieldSide::Input).warning(&[&long, "a\nb\u{1b}[31m"]).unwrap();
    assert!(warning.chars().count() < 300, "{warning}");
    assert!(!warning.contains('\n') && !warning.contains('\u{1b}'), "{warning:?}");
}

#[test]
fn the_platform_and_credential_config_fields_are_expected() {
    for name in ["oauth", "organizerKey", "accountKey", "_account", "_anything", "provider", "access_token"] {
        assert!(is_platform_config_field(name), "{name}");
    }
    for name in ["webinarKey", "emitBehavior", "Oauth", "account"] {
        assert!(!is_platform_config_field(name), "{name}");
    }
}

#[test]
fn timestamps_accept_common_forms() {
    assert!(Timestamp::parse("2026-03-13T10:00:00+02:00").is_ok());
    assert_eq!(Timestamp::parse("1773396000000").unwrap().0.to_rfc3339(), "2026-03-13T10:00:00+00:00");
    assert!(Timestamp::parse("13/03/2026").is_err());
}
