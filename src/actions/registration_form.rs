//! `createRegistrant` shaped by the chosen webinar's registration form: the dynamic input schema
//! (a `question_<questionKey>` property per custom question, required standard fields marked
//! required) and the mapping of those properties back to GoTo's `responses`.

use gotowebinar::keys::WebinarKey;
use gotowebinar::models::{RegistrationFields, RegistrationQuestion};
use serde_json::{json, Map, Value};

use crate::actions::registrants::ResponseIn;
use crate::errors::ComponentError;

/// The prefix of the input properties that answer custom questions.
pub const QUESTION_PREFIX: &str = "question_";

/// The input schema of `createRegistrant` for a webinar whose form is `fields`: `base` (the
/// static schema) plus one property per custom question; the webinar's required standard fields
/// are required, and `webinarKey` is not (the step names the webinar).
pub fn input_schema(base: &Value, fields: &RegistrationFields) -> Value {
    let mut schema = base.clone();
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return schema;
    };
    if let Some(webinar) = properties.get_mut("webinarKey").and_then(Value::as_object_mut) {
        webinar.remove("required");
    }
    for field in &fields.fields {
        let Some(property) = properties.get_mut(&field.field).and_then(Value::as_object_mut) else {
            continue;
        };
        if field.required.unwrap_or(false) {
            property.insert("required".into(), json!(true));
        }
        if let Some(answers) = field.answers.as_ref().filter(|a| !a.is_empty()) {
            property.insert("enum".into(), json!(answers));
        }
        if let Some(max) = field.max_size {
            property.insert("maxLength".into(), json!(max));
        }
    }
    for question in &fields.questions {
        properties.insert(format!("{QUESTION_PREFIX}{}", question.question_key), question_property(question));
    }
    schema
}

fn question_property(question: &RegistrationQuestion) -> Value {
    let mut property = Map::new();
    property.insert("type".into(), json!("string"));
    let title = question.question.clone().unwrap_or_else(|| format!("Question {}", question.question_key));
    property.insert("title".into(), json!(title));
    let choices: Vec<&str> = question.answers.iter().filter_map(|a| a.answer.as_deref()).collect();
    if is_multiple_choice(question) {
        property.insert("enum".into(), json!(choices));
        property.insert("description".into(), json!("Multiple choice: give one of the listed answers"));
    } else {
        property.insert("description".into(), json!("Short answer"));
        if let Some(max) = question.max_size {
            property.insert("maxLength".into(), json!(max));
        }
    }
    if question.required.unwrap_or(false) {
        property.insert("required".into(), json!(true));
    }
    Value::Object(property)
}

fn is_multiple_choice(question: &RegistrationQuestion) -> bool {
    question.question_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("multipleChoice"))
        || (question.question_type.is_none() && !question.answers.is_empty())
}

/// The `question_<key>` properties of a message body (and of the step configuration, for
/// properties the body does not carry), with their values as text. Empty values are left out.
pub fn question_answers(body: &Value, cfg: &Value) -> Result<Vec<(String, String)>, ComponentError> {
    let mut found: Vec<(String, String)> = Vec::new();
    for source in [body, cfg] {
        let Some(map) = source.as_object() else { continue };
        for (name, value) in map {
            let Some(key) = name.strip_prefix(QUESTION_PREFIX) else { continue };
            if found.iter().any(|(k, _)| k == key) {
                continue;
            }
            let text = match value {
                Value::Null => continue,
                Value::String(text) if text.trim().is_empty() => continue,
                Value::String(text) => text.trim().to_string(),
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                _ => {
                    return Err(ComponentError::input(format!(
                        "`{name}` must be text (the answer, or for multiple choice one of its answers)"
                    )))
                }
            };
            found.push((key.to_string(), text));
        }
    }
    Ok(found)
}

/// Turns `question_<key>` answers into GoTo responses: short answers as `responseText`,
/// multiple-choice answers (by text, any letter case, or by answer key) as `answerKey`.
pub fn responses(
    answers: &[(String, String)],
    fields: &RegistrationFields,
    webinar: &WebinarKey,
) -> Result<Vec<ResponseIn>, ComponentError> {
    let mut out = Vec::new();
    for (key, text) in answers {
        let name = format!("{QUESTION_PREFIX}{key}");
        let question = fields.questions.iter().find(|q| q.question_key.as_str() == key).ok_or_else(|| {
            let known: Vec<String> =
                fields.questions.iter().map(|q| format!("{QUESTION_PREFIX}{}", q.question_key)).collect();
            ComponentError::input(format!(
                "`{name}` is not a question of webinar {webinar}; its questions are: {}",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            ))
        })?;
        if is_multiple_choice(question) {
            let chosen = question
                .answers
                .iter()
                .find(|a| a.answer.as_deref().is_some_and(|answer| answer.trim().eq_ignore_ascii_case(text)))
                .or_else(|| question.answers.iter().find(|a| a.answer_key.as_str() == text));
            let Some(chosen) = chosen else {
                let choices: Vec<&str> =
                    question.answers.iter().filter_map(|a| a.answer.as_deref()).collect();
                return Err(ComponentError::input(format!(
                    "`{name}` must be one of {}, got {text:?}",
                    choices.join(", ")
                )));
            };
            out.push(ResponseIn {
                question_key: question.question_key.clone(),
                response_text: None,
                answer_key: Some(chosen.answer_key.clone()),
            });
        } else {
            if let Some(max) = question.max_size {
                if text.chars().count() > max as usize {
                    return Err(ComponentError::input(format!("`{name}` must be at most {max} characters")));
                }
            }
            out.push(ResponseIn {
                question_key: question.question_key.clone(),
                response_text: Some(text.clone()),
                answer_key: None,
            });
        }
    }
    Ok(out)
}
