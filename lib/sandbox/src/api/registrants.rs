//! Registrants: list (two shapes), get, create (409 on a duplicate email), delete, fields.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{json, Value};

use super::render::{registrant_detail, registrant_item};
use super::webhooks::emit;
use super::{body, key, number, Call, Params, MAX_PAGE_SIZE};
use crate::app::App;
use crate::errors::{ApiError, ApiResult};
use crate::json::{fmt_time, num, respond, KeyText};
use crate::model::{Registrant, StoredResponse, Webinar};

/// `GET …/webinars/{w}/registrants`: a bare array, or `{data,total,page,limit,pageSize}` with `page`/`limit`.
pub(crate) async fn list(call: Call, Query(q): Query<Params>) -> ApiResult {
    let page = number(&q, "page")?;
    let limit = number(&q, "limit")?;
    if limit == Some(0) {
        return Err(ApiError::bad_request("limit must be at least 1"));
    }
    let app = &call.app;
    call.webinar(|_, w| {
        let mut regs: Vec<&Registrant> = w.registrants.iter().collect();
        regs.sort_by(|a, b| a.registration_date.cmp(&b.registration_date).then_with(|| a.key.cmp(&b.key)));
        if page.is_none() && limit.is_none() {
            let items: Vec<Value> = regs.into_iter().map(|r| registrant_item(app, w, r)).collect();
            return Ok(respond(StatusCode::OK, &Value::Array(items)));
        }
        let (page, limit) = (page.unwrap_or(0), limit.unwrap_or(20).min(MAX_PAGE_SIZE));
        let total = regs.len();
        // Only the page is rendered: rendering every registrant per page made paging quadratic.
        let data: Vec<Value> = regs
            .into_iter()
            .skip(page.saturating_mul(limit))
            .take(limit)
            .map(|r| registrant_item(app, w, r))
            .collect();
        let body =
            json!({"data": data, "total": total, "page": page, "limit": limit, "pageSize": data.len()});
        Ok(respond(StatusCode::OK, &body))
    })
}

/// `GET …/registrants/{r}`.
pub(crate) async fn get_one(call: Call) -> ApiResult {
    let rk = key(&call.keys.r, "Registrant")?;
    call.webinar(|_, w| {
        let r = w.registrants.iter().find(|r| r.key == rk).ok_or_else(registrant_not_found)?;
        Ok(respond(StatusCode::OK, &registrant_detail(&call.app, w, r)))
    })
}

fn registrant_not_found() -> ApiError {
    ApiError::not_found("Registrant with the specified key does not exist")
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ResponseIn {
    question_key: Option<KeyText>,
    response_text: Option<String>,
    answer_key: Option<KeyText>,
}

/// Optional detail fields a registrant may carry.
const DETAIL_FIELDS: [&str; 14] = [
    "source",
    "address",
    "city",
    "state",
    "zipCode",
    "country",
    "phone",
    "organization",
    "jobTitle",
    "questionsAndComments",
    "industry",
    "numberOfEmployees",
    "purchasingTimeFrame",
    "purchasingRole",
];

fn text_field(v: &serde_json::Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_request(format!("{name} must be a string"))),
    }
}

fn check_responses(w: &Webinar, responses: &[ResponseIn]) -> Result<Vec<StoredResponse>, ApiError> {
    let mut out = Vec::new();
    for (i, r) in responses.iter().enumerate() {
        let qk = r
            .question_key
            .as_ref()
            .ok_or_else(|| ApiError::bad_request(format!("responses[{i}].questionKey is required")))?;
        let q = w.questions.iter().find(|q| q.question_key == qk.0).ok_or_else(|| {
            ApiError::bad_request(format!(
                "responses[{i}].questionKey {} is not a question of this webinar",
                qk.0
            ))
        })?;
        let answer = if q.kind == "multipleChoice" {
            let ak = r.answer_key.as_ref().ok_or_else(|| {
                ApiError::bad_request(format!(
                    "responses[{i}]: a multiple-choice question needs an answerKey"
                ))
            })?;
            q.answers.iter().find(|a| a.answer_key == ak.0).map(|a| a.answer.clone()).ok_or_else(|| {
                ApiError::bad_request(format!("responses[{i}].answerKey is not an answer of the question"))
            })?
        } else {
            let text = r.response_text.clone().ok_or_else(|| {
                ApiError::bad_request(format!("responses[{i}]: a short-answer question needs a responseText"))
            })?;
            if text.chars().count() > q.max_size as usize {
                return Err(ApiError::bad_request(format!(
                    "responses[{i}].responseText must be at most {} characters",
                    q.max_size
                )));
            }
            text
        };
        if out.iter().any(|x: &StoredResponse| x.question_key == q.question_key) {
            return Err(ApiError::bad_request(format!("responses[{i}] answers a question twice")));
        }
        out.push(StoredResponse {
            question_key: q.question_key.clone(),
            question: q.question.clone(),
            answer,
        });
    }
    for q in w.questions.iter().filter(|q| q.required) {
        let answered = out.iter().any(|x| x.question_key == q.question_key && !x.answer.trim().is_empty());
        if !answered {
            return Err(ApiError::bad_request(format!(
                "The required question `{}` (questionKey {}) is not answered",
                q.question, q.question_key
            )));
        }
    }
    Ok(out)
}

/// The `registrant.added` event body (without the event fields `emit` adds).
pub(crate) fn registrant_added_payload(
    app: &App,
    webinar_key: &str,
    organizer: &str,
    account: &str,
    r: &Registrant,
) -> Value {
    json!({
        "registrantKey": num(&r.key),
        "webinarKey": num(webinar_key),
        "webinarCreatorKey": num(organizer),
        "accountKey": num(account),
        "firstName": r.first_name,
        "lastName": r.last_name,
        "email": r.email,
        "status": r.status,
        "registrationDate": fmt_time(r.registration_date),
        "joinUrl": app.join_url(webinar_key, &r.key),
        "timeZone": r.time_zone,
    })
}

/// Stores a registrant and announces it; the caller has checked the input.
pub(crate) fn insert_registrant(app: &App, webinar_key: &str, mut r: Registrant) -> Result<String, ApiError> {
    let (key, organizer, account) = app.write(|s| {
        let key = s.new_key();
        let w = s.webinar_mut(webinar_key).ok_or_else(ApiError::webinar_not_found)?;
        if w.registrants.iter().any(|x| x.email.eq_ignore_ascii_case(&r.email)) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "DuplicateRegistrant",
                "The user is already registered for this webinar",
            ));
        }
        r.key = key.clone();
        r.time_zone = w.time_zone.clone();
        w.registrants.push(r.clone());
        Ok((key, w.organizer_key.clone(), w.account_key.clone()))
    })?;
    let payload = registrant_added_payload(app, webinar_key, &organizer, &account, &r);
    emit(app, &organizer, "registrant.added", payload);
    Ok(key)
}

/// `POST …/webinars/{w}/registrants` → 201 `{registrantKey, joinUrl, status}`; 409 on a duplicate email.
pub(crate) async fn create(call: Call, bytes: Bytes) -> ApiResult {
    let input: serde_json::Map<String, Value> = body(&bytes)?;
    // The document's `RegistrantCreateRequest` declares these fields and no others.
    let declared = |name: &str| {
        matches!(name, "firstName" | "lastName" | "email" | "responses") || DETAIL_FIELDS.contains(&name)
    };
    if let Some(unknown) = input.keys().find(|name| !declared(name)) {
        return Err(ApiError::bad_request(format!("Unrecognized field `{unknown}`")));
    }
    let required = |name: &str| -> Result<String, ApiError> {
        match text_field(&input, name)? {
            Some(v) if !v.trim().is_empty() => {
                if v.chars().count() > 128 {
                    return Err(ApiError::bad_request(format!("{name} must be at most 128 characters")));
                }
                Ok(v.trim().to_string())
            }
            _ => Err(ApiError::bad_request(format!("{name} is required"))),
        }
    };
    let first_name = required("firstName")?;
    let last_name = required("lastName")?;
    let email = required("email")?;
    let valid_email = email
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.contains('@'));
    if !valid_email || email.contains(char::is_whitespace) {
        return Err(ApiError::bad_request("email is not a valid email address"));
    }
    let mut details = BTreeMap::new();
    for name in DETAIL_FIELDS {
        if let Some(v) = text_field(&input, name)? {
            if v.chars().count() > 1024 {
                return Err(ApiError::bad_request(format!("{name} must be at most 1024 characters")));
            }
            if !v.trim().is_empty() {
                details.insert(name.to_string(), v);
            }
        }
    }
    let responses: Vec<ResponseIn> = match input.get("responses") {
        None | Some(Value::Null) => Vec::new(),
        // Re-parse from text so question and answer keys keep every digit.
        Some(_) => {
            #[derive(Deserialize)]
            struct Only {
                responses: Vec<ResponseIn>,
            }
            let only: Only = serde_json::from_slice(&bytes)
                .map_err(|e| ApiError::bad_request(format!("responses is not valid: {e}")))?;
            only.responses
        }
    };
    let app = &call.app;
    let now = app.now();
    let (webinar_key, stored) = call.webinar(|_, w| {
        if w.is_over(now) {
            return Err(ApiError::bad_request("Registration is closed: the webinar is over"));
        }
        for f in &w.required_fields {
            if !details.contains_key(f) {
                return Err(ApiError::bad_request(format!("{f} is required for this webinar")));
            }
        }
        Ok((w.key.clone(), check_responses(w, &responses)?))
    })?;
    let registrant = Registrant {
        key: String::new(),
        first_name,
        last_name,
        email,
        status: "APPROVED".into(),
        registration_date: now,
        time_zone: String::new(),
        details,
        responses: stored,
    };
    let key = insert_registrant(app, &webinar_key, registrant)?;
    let body = json!({"registrantKey": num(&key), "joinUrl": app.join_url(&webinar_key, &key), "status": "APPROVED"});
    Ok(respond(StatusCode::CREATED, &body))
}

/// `DELETE …/registrants/{r}` → 204; only for webinars that have not started.
pub(crate) async fn remove(call: Call) -> ApiResult {
    let rk = key(&call.keys.r, "Registrant")?;
    let now = call.app.now();
    call.webinar_mut(|w| {
        let idx = w.registrants.iter().position(|r| r.key == rk).ok_or_else(registrant_not_found)?;
        if !w.is_future(now) {
            return Err(ApiError::bad_request("Registrants can be removed from future webinars only"));
        }
        w.registrants.remove(idx);
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}

/// `GET …/registrants/fields`.
pub(crate) async fn fields(call: Call) -> ApiResult {
    call.webinar(|_, w| {
        let mut fields = vec![
            json!({"field": "firstName", "required": true, "maxSize": 128}),
            json!({"field": "lastName", "required": true, "maxSize": 128}),
            json!({"field": "email", "required": true, "maxSize": 128}),
        ];
        for f in &w.required_fields {
            fields.push(json!({"field": f, "required": true, "maxSize": 1024}));
        }
        let questions: Vec<Value> = w
            .questions
            .iter()
            .map(|q| {
                let mut v = json!({
                    "questionKey": num(&q.question_key),
                    "question": q.question,
                    "required": q.required,
                    "type": q.kind,
                    "maxSize": q.max_size,
                });
                if q.kind == "multipleChoice" {
                    v["answers"] = Value::Array(
                        q.answers
                            .iter()
                            .map(|a| json!({"answerKey": num(&a.answer_key), "answer": a.answer}))
                            .collect(),
                    );
                }
                v
            })
            .collect();
        Ok(respond(StatusCode::OK, &json!({"fields": fields, "questions": questions})))
    })
}
