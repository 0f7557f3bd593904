//! Sessions (ended ones only, as GoTo reports them), attendees, performance, polls, questions, surveys.

use crate::json::fmt_time;
use axum::extract::Query;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::render::{
    attendee_item, performance as perf, poll, registrant_item, reporting_session, session_item,
};
use super::{find_webinar, hal_page, key, overlaps, page_size, window, Call, Keys, Params};
use crate::app::App;
use crate::errors::{ApiError, ApiResult};
use crate::json::respond;
use crate::model::{AskedQuestion, Attendee, Session, State as Data, Webinar};
use crate::oauth::Caller;

fn ended(s: &Session, now: DateTime<Utc>) -> bool {
    s.end_time <= now
}

fn session_not_found() -> ApiError {
    ApiError::not_found("Session with the specified key does not exist")
}

/// The webinar and ended session named in the path.
fn find_session<'s>(
    state: &'s Data,
    caller: &Caller,
    keys: &Keys,
    now: DateTime<Utc>,
) -> Result<(&'s Webinar, &'s Session), ApiError> {
    let w = find_webinar(state, caller, keys)?;
    let sk = key(&keys.s, "Session")?;
    let s = w.sessions.iter().find(|s| s.key == sk && ended(s, now)).ok_or_else(session_not_found)?;
    Ok((w, s))
}

fn find_attendee<'s>(
    state: &'s Data,
    caller: &Caller,
    keys: &Keys,
    now: DateTime<Utc>,
) -> Result<(&'s Webinar, &'s Session, &'s Attendee), ApiError> {
    let (w, s) = find_session(state, caller, keys, now)?;
    let rk = key(&keys.r, "Attendee")?;
    let a = s
        .attendees
        .iter()
        .find(|a| a.registrant_key == rk)
        .ok_or_else(|| ApiError::not_found("Attendee with the specified key does not exist"))?;
    Ok((w, s, a))
}

fn sessions_page(
    app: &App,
    q: &Params,
    pick: impl Fn(&Data, DateTime<Utc>) -> Result<Vec<(Webinar, Session)>, ApiError>,
) -> ApiResult {
    let (page, size) = page_size(q)?;
    let now = app.now();
    let mut list = app.read(|s| pick(s, now))?;
    list.sort_by(|a, b| a.1.start_time.cmp(&b.1.start_time).then_with(|| a.1.key.cmp(&b.1.key)));
    let items = app.read(|state| list.iter().map(|(w, s)| reporting_session(state, w, s)).collect());
    Ok(respond(StatusCode::OK, &hal_page(items, page, size, "sessionInfoResources")))
}

/// `GET /organizers/{o}/sessions?fromTime&toTime&page&size`.
pub(crate) async fn list_organizer(call: Call, Query(q): Query<Params>) -> ApiResult {
    call.check_organizer()?;
    let (from, to) = window(&q)?;
    sessions_page(&call.app, &q, |state, now| {
        Ok(state
            .webinars
            .iter()
            .filter(|w| !w.cancelled && w.organizer_key == call.caller.organizer_key)
            .flat_map(|w| w.sessions.iter().map(move |s| (w, s)))
            .filter(|(_, s)| ended(s, now) && overlaps(s.start_time, s.end_time, from, to))
            .map(|(w, s)| (w.clone(), s.clone()))
            .collect())
    })
}

/// `GET …/webinars/{w}/sessions?page&size`.
pub(crate) async fn list_webinar(call: Call, Query(q): Query<Params>) -> ApiResult {
    sessions_page(&call.app, &q, |state, now| {
        let w = find_webinar(state, &call.caller, &call.keys)?;
        Ok(w.sessions.iter().filter(|s| ended(s, now)).map(|s| (w.clone(), s.clone())).collect())
    })
}

/// `GET …/sessions/{s}`.
pub(crate) async fn get_one(call: Call) -> ApiResult {
    with_session(&call, session_item)
}

/// Answers `f` of the webinar and ended session named in the path.
fn with_session(call: &Call, f: impl FnOnce(&Webinar, &Session) -> Value) -> ApiResult {
    let now = call.app.now();
    call.app.read(|st| {
        let (w, s) = find_session(st, &call.caller, &call.keys, now)?;
        Ok(respond(StatusCode::OK, &f(w, s)))
    })
}

/// `GET …/sessions/{s}/performance`.
pub(crate) async fn performance(call: Call) -> ApiResult {
    with_session(&call, perf)
}

/// `GET …/sessions/{s}/polls`.
pub(crate) async fn polls(call: Call) -> ApiResult {
    with_session(&call, |_, s| Value::Array(s.polls.iter().map(poll).collect()))
}

/// `GET …/sessions/{s}/surveys`.
pub(crate) async fn surveys(call: Call) -> ApiResult {
    with_session(&call, |_, s| Value::Array(s.surveys.iter().map(poll).collect()))
}

/// An attendee's question (`AttendeeQuestion`) with its answer, if any.
fn asked(w: &Webinar, s: &Session, q: &AskedQuestion) -> Value {
    let answers = match (&q.answer, &q.answered_by) {
        (Some(a), by) => vec![json!({
            "answer": a,
            "answeredBy": w.organizer_key,
            "answererRole": "ORGANIZER",
            "answerTime": fmt_time(s.end_time),
            "answererEmail": by.clone().unwrap_or_default(),
        })],
        _ => Vec::new(),
    };
    let asker =
        w.registrants.iter().find(|r| r.email.eq_ignore_ascii_case(&q.asked_by)).map(|r| r.key.clone());
    json!({"question": q.question, "askedBy": q.asked_by, "askerKey": asker.unwrap_or_default(),
           "dateAsked": fmt_time(s.start_time), "answers": answers})
}

/// `GET …/sessions/{s}/questions`.
pub(crate) async fn questions(call: Call) -> ApiResult {
    with_session(&call, |w, s| Value::Array(s.questions.iter().map(|q| asked(w, s, q)).collect()))
}

/// `GET …/sessions/{s}/attendees`: a bare array.
pub(crate) async fn attendees(call: Call) -> ApiResult {
    with_session(&call, |w, s| Value::Array(s.attendees.iter().map(|a| attendee_item(w, s, a)).collect()))
}

/// Answers `f` of the attendee named in the path.
fn with_attendee(call: &Call, f: impl FnOnce(&Webinar, &Session, &Attendee) -> Value) -> ApiResult {
    let now = call.app.now();
    call.app.read(|st| {
        let (w, s, a) = find_attendee(st, &call.caller, &call.keys, now)?;
        Ok(respond(StatusCode::OK, &f(w, s, a)))
    })
}

/// `GET …/sessions/{s}/attendees/{r}`.
pub(crate) async fn attendee(call: Call) -> ApiResult {
    with_attendee(&call, |w, s, a| {
        // The document answers a `Registrant` here: the attendance plus the registration.
        let mut v = attendee_item(w, s, a);
        if let Some(r) = w.registrants.iter().find(|r| r.key == a.registrant_key) {
            if let (Some(out), Value::Object(reg)) = (v.as_object_mut(), registrant_item(&call.app, w, r)) {
                for (k, val) in reg {
                    out.entry(k).or_insert(val);
                }
            }
        }
        v
    })
}

/// Poll or survey answers (`PollAnswer`): the chosen answer, also as the list `answers`.
fn answers(list: &[(String, String)]) -> Value {
    Value::Array(list.iter().map(|(q, a)| json!({"question": q, "answer": a, "answers": [a]})).collect())
}

/// `GET …/attendees/{r}/polls`.
pub(crate) async fn attendee_polls(call: Call) -> ApiResult {
    with_attendee(&call, |_, _, a| answers(&a.poll_answers))
}

/// `GET …/attendees/{r}/surveys`.
pub(crate) async fn attendee_surveys(call: Call) -> ApiResult {
    with_attendee(&call, |_, _, a| answers(&a.survey_answers))
}

/// `GET …/attendees/{r}/questions`: the questions this attendee asked.
pub(crate) async fn attendee_questions(call: Call) -> ApiResult {
    with_attendee(&call, |w, s, a| {
        Value::Array(
            s.questions
                .iter()
                .filter(|q| q.asked_by.eq_ignore_ascii_case(&a.email))
                .map(|q| asked(w, s, q))
                .collect(),
        )
    })
}

/// `GET …/webinars/{w}/attendees?page&size`.
pub(crate) async fn webinar_attendees(call: Call, Query(q): Query<Params>) -> ApiResult {
    let (page, size) = page_size(&q)?;
    let now = call.app.now();
    let items = call.webinar(|_, w| {
        let mut sessions: Vec<&Session> = w.sessions.iter().filter(|s| ended(s, now)).collect();
        sessions.sort_by_key(|s| s.start_time);
        Ok::<_, ApiError>(
            sessions
                .into_iter()
                .flat_map(|s| s.attendees.iter().map(move |a| attendee_item(w, s, a)))
                .collect::<Vec<_>>(),
        )
    })?;
    Ok(respond(StatusCode::OK, &hal_page(items, page, size, "attendeeParticipationResponses")))
}

/// `GET …/webinars/{w}/performance`: performance per ended session, keyed by session key.
pub(crate) async fn webinar_performance(call: Call) -> ApiResult {
    let now = call.app.now();
    call.webinar(|_, w| {
        let mut out = Map::new();
        for s in w.sessions.iter().filter(|s| ended(s, now)) {
            out.insert(s.key.clone(), perf(w, s));
        }
        Ok(respond(StatusCode::OK, &Value::Object(out)))
    })
}
