//! The REST API v2 under `/G2W/rest/v2`, plus identity.

mod identity;
mod people;
mod registrants;
mod render;
mod sessions;
mod webhooks;
mod webinars;

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Extension, FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::Router;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::App;
use crate::errors::ApiError;
use crate::json::{is_digits, parse_time};
use crate::model::{State, Webinar};
use crate::oauth::Caller;

pub(crate) use registrants::registrant_added_payload;
pub use webhooks::signature as webhook_signature;
pub(crate) use webhooks::signing_secret;
pub(crate) use webhooks::{callback_problem, deliver_event, emit, stamp, EVENTS};
pub(crate) use webinars::webinar_event;

/// Path parameters shared by all routes.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Keys {
    o: Option<String>,
    a: Option<String>,
    w: Option<String>,
    r: Option<String>,
    s: Option<String>,
    p: Option<String>,
    c: Option<String>,
}

pub(crate) type Params = HashMap<String, String>;

/// What every API handler starts from: the server, the caller the token gate let in, and the keys in
/// the path (all absent on routes without any).
pub(crate) struct Call {
    app: App,
    caller: Caller,
    keys: Keys,
}

impl FromRequestParts<App> for Call {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Response> {
        let Extension(caller) =
            Extension::<Caller>::from_request_parts(parts, app).await.map_err(IntoResponse::into_response)?;
        let keys = <Option<Path<Keys>>>::from_request_parts(parts, app)
            .await
            .map_err(IntoResponse::into_response)?
            .map(|Path(keys)| keys)
            .unwrap_or_default();
        Ok(Call { app: app.clone(), caller, keys })
    }
}

impl Call {
    /// Reads the state with the caller's webinar named in the path.
    fn webinar<R>(&self, f: impl FnOnce(&State, &Webinar) -> Result<R, ApiError>) -> Result<R, ApiError> {
        self.app.read(|s| f(s, find_webinar(s, &self.caller, &self.keys)?))
    }

    /// Changes the caller's webinar named in the path.
    fn webinar_mut<R>(&self, f: impl FnOnce(&mut Webinar) -> Result<R, ApiError>) -> Result<R, ApiError> {
        self.app.write(|s| f(find_webinar_mut(s, &self.caller, &self.keys)?))
    }

    /// The organizer in the path must be the caller.
    fn check_organizer(&self) -> Result<(), ApiError> {
        check_organizer(&self.caller, &self.keys)
    }
}

const V2: &str = "/G2W/rest/v2";

/// The API routes; every one goes through the token check.
pub(crate) fn routes() -> Router<App> {
    let w = format!("{V2}/organizers/{{o}}/webinars/{{w}}");
    let s = format!("{w}/sessions/{{s}}");
    Router::new()
        .route(
            &format!("{V2}/organizers/{{o}}/webinars"),
            get(webinars::list_organizer).post(webinars::create),
        )
        .route(&format!("{V2}/accounts/{{a}}/webinars"), get(webinars::list_account))
        .route(&w, get(webinars::get_one).put(webinars::update).delete(webinars::cancel))
        .route(&format!("{w}/meetingtimes"), get(webinars::meeting_times))
        .route(&format!("{w}/audio"), get(webinars::audio).post(webinars::set_audio))
        .route(&format!("{w}/performance"), get(sessions::webinar_performance))
        .route(&format!("{V2}/organizers/{{o}}/insessionWebinars"), get(webinars::in_session))
        .route(&format!("{V2}/webinars/{{w}}/startUrl"), get(webinars::start_url))
        .route(&format!("{V2}/webinars/{{w}}/copy"), put(webinars::copy))
        .route(&format!("{w}/registrants"), get(registrants::list).post(registrants::create))
        .route(&format!("{w}/registrants/fields"), get(registrants::fields))
        .route(&format!("{w}/registrants/{{r}}"), get(registrants::get_one).delete(registrants::remove))
        .route(&format!("{V2}/organizers/{{o}}/sessions"), get(sessions::list_organizer))
        .route(&format!("{w}/sessions"), get(sessions::list_webinar))
        .route(&s, get(sessions::get_one))
        .route(&format!("{s}/performance"), get(sessions::performance))
        .route(&format!("{s}/polls"), get(sessions::polls))
        .route(&format!("{s}/questions"), get(sessions::questions))
        .route(&format!("{s}/surveys"), get(sessions::surveys))
        .route(&format!("{s}/attendees"), get(sessions::attendees))
        .route(&format!("{s}/attendees/{{r}}"), get(sessions::attendee))
        .route(&format!("{s}/attendees/{{r}}/polls"), get(sessions::attendee_polls))
        .route(&format!("{s}/attendees/{{r}}/questions"), get(sessions::attendee_questions))
        .route(&format!("{s}/attendees/{{r}}/surveys"), get(sessions::attendee_surveys))
        .route(&format!("{w}/attendees"), get(sessions::webinar_attendees))
        .route(&format!("{w}/panelists"), get(people::panelists).post(people::add_panelists))
        .route(&format!("{w}/panelists/{{p}}"), delete(people::remove_panelist))
        .route(&format!("{w}/panelists/{{p}}/resendInvitation"), post(people::resend_panelist))
        .route(&format!("{w}/coorganizers"), get(people::coorganizers).post(people::add_coorganizers))
        .route(&format!("{w}/coorganizers/{{c}}"), delete(people::remove_coorganizer))
        .route(&format!("{w}/coorganizers/{{c}}/resendInvitation"), post(people::resend_coorganizer))
        .route(&format!("{V2}/recordingassets/search"), post(people::search_recordings))
        .route(&format!("{V2}/webhooks/secretkey"), post(webhooks::create_secret))
        .route(
            &format!("{V2}/webhooks"),
            post(webhooks::create).get(webhooks::list).put(webhooks::update).delete(webhooks::remove),
        )
        .route(
            &format!("{V2}/userSubscriptions"),
            post(webhooks::subscribe)
                .get(webhooks::subscriptions)
                .put(webhooks::update_subscriptions)
                .delete(webhooks::unsubscribe),
        )
        .route("/identity/v1/Users/me", get(identity::scim_me))
        .route("/admin/rest/v1/me", get(identity::admin_me))
}

/// A key from the path; 404 when it is absent or not an integer (as GoTo answers for a mangled key).
fn key(k: &Option<String>, what: &str) -> Result<String, ApiError> {
    match k {
        Some(k) if is_digits(k) => Ok(k.clone()),
        _ => Err(ApiError::not_found(format!("{what} not found"))),
    }
}

/// The organizer in the path must be the caller.
fn check_organizer(caller: &Caller, keys: &Keys) -> Result<(), ApiError> {
    match &keys.o {
        None => Ok(()),
        Some(o) if *o == caller.organizer_key => Ok(()),
        Some(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "The organizer key does not match the authenticated user",
        )),
    }
}

/// The caller's (not cancelled) webinar named in the path.
fn find_webinar<'s>(state: &'s State, caller: &Caller, keys: &Keys) -> Result<&'s Webinar, ApiError> {
    check_organizer(caller, keys)?;
    let wk = key(&keys.w, "Webinar")?;
    state
        .webinar(&wk)
        .filter(|w| w.organizer_key == caller.organizer_key)
        .ok_or_else(ApiError::webinar_not_found)
}

fn find_webinar_mut<'s>(
    state: &'s mut State,
    caller: &Caller,
    keys: &Keys,
) -> Result<&'s mut Webinar, ApiError> {
    check_organizer(caller, keys)?;
    let wk = key(&keys.w, "Webinar")?;
    state
        .webinar_mut(&wk)
        .filter(|w| w.organizer_key == caller.organizer_key)
        .ok_or_else(ApiError::webinar_not_found)
}

/// Parses a JSON body into `T`; 400 naming the problem.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("A JSON request body is required"));
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(format!("Invalid request body: {e}")))
}

/// Parses a JSON array body into `T`s; 400 when it is empty, naming what it must list.
fn body_list<T: DeserializeOwned>(bytes: &Bytes, what: &str) -> Result<Vec<T>, ApiError> {
    let list: Vec<T> = body(bytes)?;
    if list.is_empty() {
        return Err(ApiError::bad_request(format!("the body must list at least one {what}")));
    }
    Ok(list)
}

/// `fromTime`/`toTime`, both required.
fn window(q: &Params) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let read = |name: &str| -> Result<DateTime<Utc>, ApiError> {
        let text = q.get(name).ok_or_else(|| ApiError::bad_request(format!("{name} is required")))?;
        parse_time(text).ok_or_else(|| {
            ApiError::bad_request(format!("{name} must be an ISO-8601 time such as 2026-03-13T10:00:00Z"))
        })
    };
    let (from, to) = (read("fromTime")?, read("toTime")?);
    if from > to {
        return Err(ApiError::bad_request("fromTime must not be after toTime"));
    }
    Ok((from, to))
}

/// Highest page size any list accepts.
pub(crate) const MAX_PAGE_SIZE: usize = 200;

fn number(q: &Params, name: &str) -> Result<Option<usize>, ApiError> {
    match q.get(name) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<usize>()
            .map(Some)
            .map_err(|_| ApiError::bad_request(format!("{name} must be a non-negative integer"))),
    }
}

/// `page` (0-based) and `size` (default 20, capped at 200).
fn page_size(q: &Params) -> Result<(usize, usize), ApiError> {
    let page = number(q, "page")?.unwrap_or(0);
    let size = number(q, "size")?.unwrap_or(20);
    if size == 0 {
        return Err(ApiError::bad_request("size must be at least 1"));
    }
    Ok((page, size.min(MAX_PAGE_SIZE)))
}

/// GoTo's HAL page: `_embedded.<name>` (absent when the page is empty) and `page`.
fn hal_page(items: Vec<Value>, page: usize, size: usize, name: &str) -> Value {
    let total = items.len();
    let slice: Vec<Value> = items.into_iter().skip(page.saturating_mul(size)).take(size).collect();
    let mut out = json!({
        "page": {"size": size, "totalElements": total, "totalPages": total.div_ceil(size), "number": page}
    });
    if !slice.is_empty() {
        out["_embedded"] = json!({ name: slice });
    }
    out
}

fn overlaps(start: DateTime<Utc>, end: DateTime<Utc>, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    start <= to && end >= from
}
