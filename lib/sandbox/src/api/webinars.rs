//! Webinars: lists, create, get, update, cancel, times, audio, in-session, start URL, copy.

use axum::body::Bytes;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::render::{self, webinar_by_key, webinar_item};
use super::{body, hal_page, overlaps, page_size, window, Call};
use super::{webhooks::emit, Params};
use crate::app::App;
use crate::errors::{ApiError, ApiResult};
use crate::json::{fmt_time, num, parse_time, respond, KeyText};
use crate::model::{self, Times, Webinar};
use crate::seed::{default_audio, default_email_settings};

const MAX_TIMES: usize = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TimesIn {
    start_time: Option<String>,
    end_time: Option<String>,
}

/// A webinar's create or update body: the fields the document declares, and the sequence fields
/// GoTo takes although the document lacks them (a listed erratum). Anything else is a 400.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WebinarIn {
    subject: Option<String>,
    description: Option<String>,
    times: Option<Vec<TimesIn>>,
    time_zone: Option<String>,
    locale: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    is_password_protected: Option<bool>,
    experience_type: Option<String>,
    recording_asset_key: Option<KeyText>,
    is_ondemand: Option<bool>,
    #[allow(dead_code)]
    is_breakout: Option<bool>,
    email_settings: Option<Value>,
    recurrence_start: Option<TimesIn>,
    recurrence_pattern: Option<String>,
    recurrence_end: Option<String>,
}

fn parse_range(t: &TimesIn, now: DateTime<Utc>, what: &str) -> Result<Times, ApiError> {
    let read = |v: &Option<String>, name: &str| -> Result<DateTime<Utc>, ApiError> {
        let text = v.as_deref().ok_or_else(|| ApiError::bad_request(format!("{what}.{name} is required")))?;
        parse_time(text).ok_or_else(|| {
            ApiError::bad_request(format!("{what}.{name} must be an ISO-8601 time, got `{text}`"))
        })
    };
    let (start_time, end_time) = (read(&t.start_time, "startTime")?, read(&t.end_time, "endTime")?);
    if end_time <= start_time {
        return Err(ApiError::bad_request(format!("{what}.endTime must be after startTime")));
    }
    if start_time < now {
        return Err(ApiError::bad_request(format!("{what}.startTime must not be in the past")));
    }
    Ok(Times { start_time, end_time })
}

fn parse_times(list: &[TimesIn], now: DateTime<Utc>) -> Result<Vec<Times>, ApiError> {
    if list.is_empty() {
        return Err(ApiError::bad_request("times must hold at least one time range"));
    }
    if list.len() > MAX_TIMES {
        return Err(ApiError::bad_request(format!("times holds more than {MAX_TIMES} time ranges")));
    }
    let mut out = list
        .iter()
        .enumerate()
        .map(|(i, t)| parse_range(t, now, &format!("times[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    out.sort_by_key(|t| t.start_time);
    Ok(out)
}

fn parse_end_date(text: &str) -> Option<DateTime<Utc>> {
    parse_time(text).or_else(|| {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(23, 59, 59))
            .map(|t| t.and_utc())
    })
}

/// The occurrences of a `sequence` webinar.
fn sequence_times(input: &WebinarIn, now: DateTime<Utc>) -> Result<(Vec<Times>, Value), ApiError> {
    let start = input
        .recurrence_start
        .as_ref()
        .ok_or_else(|| ApiError::bad_request("recurrenceStart is required for a sequence"))?;
    let first = parse_range(start, now, "recurrenceStart")?;
    let pattern = input.recurrence_pattern.as_deref().unwrap_or_default();
    if !["daily", "weekly", "monthly"].contains(&pattern) {
        return Err(ApiError::bad_request("recurrencePattern must be daily, weekly or monthly"));
    }
    let end_text =
        input.recurrence_end.as_deref().ok_or_else(|| ApiError::bad_request("recurrenceEnd is required"))?;
    let end = parse_end_date(end_text).ok_or_else(|| {
        ApiError::bad_request("recurrenceEnd must be a date (YYYY-MM-DD) or an ISO-8601 time")
    })?;
    if end < first.start_time {
        return Err(ApiError::bad_request("recurrenceEnd must not be before recurrenceStart"));
    }
    let length = first.end_time - first.start_time;
    let mut times = Vec::new();
    let mut i: u32 = 0;
    loop {
        let start_time = match pattern {
            "daily" => Some(first.start_time + chrono::Duration::days(i.into())),
            "weekly" => Some(first.start_time + chrono::Duration::weeks(i.into())),
            _ => first.start_time.checked_add_months(Months::new(i)),
        };
        let Some(start_time) = start_time.filter(|t| *t <= end) else { break };
        if times.len() == MAX_TIMES {
            return Err(ApiError::bad_request(format!("a sequence holds at most {MAX_TIMES} occurrences")));
        }
        times.push(Times { start_time, end_time: start_time + length });
        i += 1;
    }
    let recurrence = json!({
        "recurrenceStart": {"startTime": fmt_time(first.start_time), "endTime": fmt_time(first.end_time)},
        "recurrencePattern": pattern,
        "recurrenceEnd": end_text,
    });
    Ok((times, recurrence))
}

fn check_text(value: &Option<String>, name: &str, max: usize) -> Result<(), ApiError> {
    if let Some(v) = value {
        if v.chars().count() > max {
            return Err(ApiError::bad_request(format!("{name} must be at most {max} characters")));
        }
    }
    Ok(())
}

fn check_common(input: &WebinarIn) -> Result<(), ApiError> {
    check_text(&input.subject, "subject", 128)?;
    check_text(&input.description, "description", 2048)?;
    if let Some(s) = &input.subject {
        if s.trim().is_empty() {
            return Err(ApiError::bad_request("subject must not be blank"));
        }
    }
    if let Some(tz) = &input.time_zone {
        if tz.trim().is_empty() || tz.len() > 64 || tz.contains(char::is_whitespace) {
            return Err(ApiError::bad_request("timeZone must be an IANA time zone id such as Europe/Berlin"));
        }
    }
    if let Some(es) = &input.email_settings {
        if !es.is_object() {
            return Err(ApiError::bad_request("emailSettings must be an object"));
        }
    }
    Ok(())
}

/// The `webinar.created` / `webinar.changed` event body.
pub(crate) fn webinar_event(w: &Webinar) -> Value {
    json!({
        "webinarKey": num(&w.key),
        "webinarCreatorKey": num(&w.organizer_key),
        "organizerKey": num(&w.organizer_key),
        "accountKey": num(&w.account_key),
        "subject": w.subject,
        "description": w.description,
        "times": render::times(w),
        "timeZone": w.time_zone,
        "recurrenceType": w.kind,
        "experienceType": w.experience_type,
    })
}

/// Stores a new webinar and announces it.
pub(crate) fn insert_webinar(app: &App, mut w: Webinar) -> String {
    let key = app.write(|s| {
        let key = s.new_key();
        w.webinar_id = model::webinar_id(&key);
        w.key = key.clone();
        s.webinars.push(w.clone());
        key
    });
    w.key = key.clone();
    emit(app, &w.organizer_key, "webinar.created", webinar_event(&w));
    key
}

/// `POST /organizers/{o}/webinars`.
pub(crate) async fn create(call: Call, bytes: Bytes) -> ApiResult {
    call.check_organizer()?;
    let (app, caller) = (&call.app, &call.caller);
    let input: WebinarIn = body(&bytes)?;
    check_common(&input)?;
    let now = app.now();
    let subject = input.subject.clone().ok_or_else(|| ApiError::bad_request("subject is required"))?;
    let kind = input.kind.clone();
    if let Some(k) = &kind {
        if !["single_session", "series", "sequence"].contains(&k.as_str()) {
            return Err(ApiError::bad_request("type must be single_session, series or sequence"));
        }
    }
    let (times, recurrence) = if kind.as_deref() == Some("sequence") {
        sequence_times(&input, now)?
    } else {
        let list = input.times.as_ref().ok_or_else(|| ApiError::bad_request("times is required"))?;
        (parse_times(list, now)?, Value::Null)
    };
    if kind.as_deref() == Some("single_session") && times.len() > 1 {
        return Err(ApiError::bad_request("a single_session webinar has exactly one time range"));
    }
    let kind = kind.unwrap_or_else(|| if times.len() > 1 { "series" } else { "single_session" }.into());
    let experience = input.experience_type.clone().unwrap_or_else(|| "CLASSIC".into());
    if !["CLASSIC", "BROADCAST", "SIMULIVE"].contains(&experience.as_str()) {
        return Err(ApiError::bad_request("experienceType must be CLASSIC, BROADCAST or SIMULIVE"));
    }
    let asset = input.recording_asset_key.as_ref().map(|k| k.0.clone());
    if let Some(a) = &asset {
        if !app.read(|s| s.recording_assets.iter().any(|r| &r.key == a)) {
            return Err(ApiError::bad_request("recordingAssetKey does not name a recording asset"));
        }
    } else if experience == "SIMULIVE" {
        return Err(ApiError::bad_request("a SIMULIVE webinar needs a recordingAssetKey"));
    }
    let organizer = app
        .read(|s| s.organizer(&caller.organizer_key).cloned())
        .ok_or_else(|| ApiError::not_found("Organizer not found"))?;
    let webinar = Webinar {
        key: String::new(),
        webinar_id: String::new(),
        organizer_key: organizer.key.clone(),
        account_key: caller.account_key.clone(),
        subject,
        description: input.description.clone().unwrap_or_default(),
        time_zone: input.time_zone.clone().unwrap_or(organizer.time_zone),
        locale: input.locale.clone().unwrap_or(organizer.locale),
        kind,
        times,
        is_password_protected: input.is_password_protected.unwrap_or(false),
        experience_type: experience,
        recording_asset_key: asset,
        is_ondemand: input.is_ondemand.unwrap_or(false),
        email_settings: input.email_settings.clone().unwrap_or_else(default_email_settings),
        recurrence,
        registration_limit: 1000,
        cancelled: false,
        audio: default_audio(),
        questions: Vec::new(),
        required_fields: Vec::new(),
        registrants: Vec::new(),
        sessions: Vec::new(),
        panelists: Vec::new(),
        coorganizers: Vec::new(),
    };
    let key = insert_webinar(app, webinar);
    Ok(respond(StatusCode::CREATED, &json!({ "webinarKey": key })))
}

fn list(app: &App, q: &Params, keep: impl Fn(&Webinar) -> bool) -> ApiResult {
    let (from, to) = window(q)?;
    let (page, size) = page_size(q)?;
    let now = app.now();
    let items = app.read(|s| {
        let mut ws: Vec<&Webinar> = s
            .webinars
            .iter()
            .filter(|w| !w.cancelled && keep(w))
            .filter(|w| w.times.iter().any(|t| overlaps(t.start_time, t.end_time, from, to)))
            .collect();
        ws.sort_by(|a, b| a.first_start().cmp(&b.first_start()).then_with(|| a.key.cmp(&b.key)));
        ws.into_iter().map(|w| webinar_item(app, w, now)).collect::<Vec<_>>()
    });
    Ok(respond(StatusCode::OK, &hal_page(items, page, size, "webinars")))
}

/// `GET /organizers/{o}/webinars?fromTime&toTime&page&size`.
pub(crate) async fn list_organizer(call: Call, Query(q): Query<Params>) -> ApiResult {
    call.check_organizer()?;
    list(&call.app, &q, |w| w.organizer_key == call.caller.organizer_key)
}

/// `GET /accounts/{a}/webinars?fromTime&toTime&page&size`.
pub(crate) async fn list_account(call: Call, Query(q): Query<Params>) -> ApiResult {
    if call.keys.a.as_deref() != Some(call.caller.account_key.as_str()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "The account key does not match the authenticated user",
        ));
    }
    list(&call.app, &q, |w| w.account_key == call.caller.account_key)
}

/// `GET /organizers/{o}/webinars/{w}`.
pub(crate) async fn get_one(call: Call) -> ApiResult {
    let now = call.app.now();
    call.webinar(|s, w| Ok(respond(StatusCode::OK, &webinar_by_key(&call.app, s, w, now))))
}

/// `PUT /organizers/{o}/webinars/{w}` → 202.
pub(crate) async fn update(call: Call, bytes: Bytes) -> ApiResult {
    let input: WebinarIn = body(&bytes)?;
    check_common(&input)?;
    let now = call.app.now();
    let times = match &input.times {
        Some(list) => Some(parse_times(list, now)?),
        None => None,
    };
    let changed = call.webinar_mut(|w| {
        if w.in_session(now) {
            return Err(ApiError::bad_request("The webinar is in progress and cannot be changed"));
        }
        if w.is_over(now) {
            return Err(ApiError::bad_request("The webinar is over and cannot be changed"));
        }
        if let Some(times) = times {
            if w.kind == "single_session" && times.len() > 1 {
                w.kind = "series".into();
            }
            w.times = times;
        }
        if let Some(v) = &input.subject {
            w.subject = v.clone();
        }
        if let Some(v) = &input.description {
            w.description = v.clone();
        }
        if let Some(v) = &input.time_zone {
            w.time_zone = v.clone();
        }
        if let Some(v) = &input.locale {
            w.locale = v.clone();
        }
        if let Some(v) = input.is_password_protected {
            w.is_password_protected = v;
        }
        if let Some(v) = &input.email_settings {
            w.email_settings = v.clone();
        }
        Ok(w.clone())
    })?;
    emit(&call.app, &changed.organizer_key, "webinar.changed", webinar_event(&changed));
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `DELETE /organizers/{o}/webinars/{w}` → 204; 404 unknown or cancelled, 409 in session, 405 over.
pub(crate) async fn cancel(call: Call) -> ApiResult {
    let now = call.app.now();
    call.webinar_mut(|w| {
        if w.in_session(now) {
            return Err(ApiError::new(StatusCode::CONFLICT, "Conflict", "The webinar is in session"));
        }
        if w.is_over(now) {
            return Err(ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                "A past webinar cannot be cancelled",
            ));
        }
        w.cancelled = true;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}

/// `GET …/webinars/{w}/meetingtimes`.
pub(crate) async fn meeting_times(call: Call) -> ApiResult {
    call.webinar(|_, w| Ok(respond(StatusCode::OK, &render::times(w))))
}

/// `GET …/webinars/{w}/audio`.
pub(crate) async fn audio(call: Call) -> ApiResult {
    call.webinar(|_, w| Ok(respond(StatusCode::OK, &w.audio)))
}

/// `POST …/webinars/{w}/audio` → 204.
pub(crate) async fn set_audio(call: Call, bytes: Bytes) -> ApiResult {
    let input: Value = body(&bytes)?;
    // The document's `AudioUpdate` declares these three fields and no others.
    if let Some(unknown) = input
        .as_object()
        .and_then(|o| o.keys().find(|k| !["type", "pstnInfo", "privateInfo"].contains(&k.as_str())))
    {
        return Err(ApiError::bad_request(format!("Unrecognized field `{unknown}`")));
    }
    let kind = input.get("type").and_then(Value::as_str).unwrap_or_default();
    if !["VOIP", "PSTN", "Hybrid", "Private"].contains(&kind) {
        return Err(ApiError::bad_request("type must be VOIP, PSTN, Hybrid or Private"));
    }
    let now = call.app.now();
    call.webinar_mut(|w| {
        if w.is_over(now) {
            return Err(ApiError::bad_request("The webinar is over"));
        }
        w.audio = input;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}

/// `GET /organizers/{o}/insessionWebinars`: a bare array.
pub(crate) async fn in_session(call: Call) -> ApiResult {
    call.check_organizer()?;
    let (app, caller) = (&call.app, &call.caller);
    let now = app.now();
    let items = app.read(|s| {
        s.webinars
            .iter()
            .filter(|w| !w.cancelled && w.organizer_key == caller.organizer_key && w.in_session(now))
            .map(|w| {
                // `BrokerWebinar`: the webinar by key plus its co-organizers.
                let mut v = webinar_by_key(app, s, w, now);
                v["coorganizers"] = Value::Array(
                    w.coorganizers.iter().map(|c| json!({"memberKey": c.key, "email": c.email})).collect(),
                );
                v
            })
            .collect::<Vec<_>>()
    });
    Ok(respond(StatusCode::OK, &Value::Array(items)))
}

/// `GET …/webinars/{w}/startUrl`.
pub(crate) async fn start_url(call: Call) -> ApiResult {
    let key = call.webinar(|_, w| Ok(w.key.clone()))?;
    Ok(respond(StatusCode::OK, &json!({"startUrl": format!("{}/start/{key}", call.app.base())})))
}

/// A copy's changes: the fields the document declares (those the copy does not keep are accepted
/// and left as the original has them). Anything else is a 400.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct CopyIn {
    times: Option<Vec<TimesIn>>,
    subject: Option<String>,
    description: Option<String>,
    time_zone: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    recording_asset_key: Option<KeyText>,
    is_ondemand: Option<bool>,
    locale: Option<String>,
    email_settings: Option<Value>,
}

/// `PUT /webinars/{w}/copy` → 201 with the new webinar's key. Not safe to repeat.
pub(crate) async fn copy(call: Call, bytes: Bytes) -> ApiResult {
    // The document requires a body; `{}` copies without changes.
    let input: CopyIn = body(&bytes)?;
    check_text(&input.subject, "subject", 128)?;
    check_text(&input.description, "description", 2048)?;
    let app = &call.app;
    let now = app.now();
    let mut w = call.webinar(|_, w| Ok(w.clone()))?;
    match &input.times {
        Some(list) => w.times = parse_times(list, now)?,
        None if w.times.iter().any(|t| t.start_time < now) => {
            return Err(ApiError::bad_request("times is required: the original webinar's times are past"))
        }
        None => {}
    }
    if let Some(v) = input.subject {
        w.subject = v;
    }
    if let Some(v) = input.description {
        w.description = v;
    }
    if let Some(v) = input.time_zone {
        w.time_zone = v;
    }
    w.kind = if w.times.len() > 1 { "series".into() } else { "single_session".into() };
    w.recurrence = Value::Null;
    w.registrants.clear();
    w.sessions.clear();
    w.panelists.clear();
    w.coorganizers.clear();
    // Question and answer keys are reissued for the copy.
    let mut questions = w.questions.clone();
    app.read(|s| {
        for q in &mut questions {
            q.question_key = s.new_key();
            for a in &mut q.answers {
                a.answer_key = s.new_key();
            }
        }
    });
    w.questions = questions;
    let key = insert_webinar(app, w);
    Ok(respond(StatusCode::CREATED, &json!({ "webinarKey": key })))
}
