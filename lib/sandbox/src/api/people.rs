//! Panelists, co-organizers and recording asset search.

use axum::body::Bytes;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{body, body_list, find_webinar_mut, hal_page, key, page_size, Call, Params};
use crate::app::App;
use crate::errors::{ApiError, ApiResult};
use crate::json::{fmt_time, num, respond, KeyText};
use crate::model::{Coorganizer, Panelist};

fn join_link(app: &App, webinar: &str, who: &str) -> String {
    format!("{}/join/{webinar}/panel/{who}", app.base())
}

fn valid_email(e: &str) -> bool {
    e.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
}

/// `GET …/webinars/{w}/panelists`.
pub(crate) async fn panelists(call: Call) -> ApiResult {
    call.webinar(|_, w| {
        let list: Vec<Value> = w
            .panelists
            .iter()
            .map(|p| {
                json!({"panelistKey": num(&p.key), "name": p.name, "email": p.email,
                       "joinLink": join_link(&call.app, &w.key, &p.key)})
            })
            .collect();
        Ok(respond(StatusCode::OK, &Value::Array(list)))
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PanelistIn {
    name: Option<String>,
    email: Option<String>,
}

/// `POST …/webinars/{w}/panelists` with an array body → 201 array.
pub(crate) async fn add_panelists(call: Call, bytes: Bytes) -> ApiResult {
    let input: Vec<PanelistIn> = body_list(&bytes, "panelist")?;
    let mut people = Vec::new();
    for (i, p) in input.iter().enumerate() {
        let name = p.name.clone().filter(|n| !n.trim().is_empty());
        let email = p.email.clone().filter(|e| valid_email(e));
        match (name, email) {
            (Some(n), Some(e)) => people.push((n, e)),
            _ => return Err(ApiError::bad_request(format!("[{i}]: name and a valid email are required"))),
        }
    }
    let (app, now) = (&call.app, call.app.now());
    app.write(|s| {
        let mut new_keys = Vec::new();
        for _ in &people {
            let mut k = s.new_key();
            while new_keys.contains(&k) {
                k = s.new_key();
            }
            new_keys.push(k);
        }
        let w = find_webinar_mut(s, &call.caller, &call.keys)?;
        if w.is_over(now) {
            return Err(ApiError::bad_request("The webinar is over"));
        }
        let wk = w.key.clone();
        let mut out = Vec::new();
        for ((name, email), k) in people.into_iter().zip(new_keys) {
            out.push(
                json!({"panelistKey": k, "name": name, "email": email, "joinLink": join_link(app, &wk, &k)}),
            );
            w.panelists.push(Panelist { key: k, name, email });
        }
        Ok(respond(StatusCode::CREATED, &Value::Array(out)))
    })
}

/// `DELETE …/panelists/{p}` → 204.
pub(crate) async fn remove_panelist(call: Call) -> ApiResult {
    let pk = key(&call.keys.p, "Panelist")?;
    call.webinar_mut(|w| {
        let before = w.panelists.len();
        w.panelists.retain(|p| p.key != pk);
        if w.panelists.len() == before {
            return Err(ApiError::not_found("Panelist not found"));
        }
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}

/// `POST …/panelists/{p}/resendInvitation` → 204.
pub(crate) async fn resend_panelist(call: Call) -> ApiResult {
    let pk = key(&call.keys.p, "Panelist")?;
    call.webinar(|_, w| {
        if !w.panelists.iter().any(|p| p.key == pk) {
            return Err(ApiError::not_found("Panelist not found"));
        }
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}

fn coorganizer_json(app: &App, webinar: &str, c: &Coorganizer) -> Value {
    json!({"memberKey": c.key, "givenName": c.given_name, "surname": c.surname, "email": c.email,
           "external": c.external, "joinLink": join_link(app, webinar, &c.key)})
}

/// `GET …/webinars/{w}/coorganizers`.
pub(crate) async fn coorganizers(call: Call) -> ApiResult {
    call.webinar(|_, w| {
        let list = w.coorganizers.iter().map(|c| coorganizer_json(&call.app, &w.key, c)).collect();
        Ok(respond(StatusCode::OK, &Value::Array(list)))
    })
}

/// The document's `CoorganizerReqCreate`: it has no `surname` (an external co-organizer's whole
/// name goes into `givenName`), so one is refused like any undeclared field.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CoorganizerIn {
    external: Option<bool>,
    organizer_key: Option<KeyText>,
    given_name: Option<String>,
    email: Option<String>,
}

/// `POST …/webinars/{w}/coorganizers` with an array body → 201 array.
pub(crate) async fn add_coorganizers(call: Call, bytes: Bytes) -> ApiResult {
    let input: Vec<CoorganizerIn> = body_list(&bytes, "co-organizer")?;
    let (app, caller, now) = (&call.app, &call.caller, call.app.now());
    app.write(|s| {
        let mut people = Vec::new();
        for (i, c) in input.iter().enumerate() {
            let external =
                c.external.ok_or_else(|| ApiError::bad_request(format!("[{i}].external is required")))?;
            let person = if external {
                let email = c.email.clone().filter(|e| valid_email(e));
                let given = c.given_name.clone().filter(|n| !n.trim().is_empty());
                match (given, email) {
                    (Some(g), Some(e)) => (g, String::new(), e),
                    _ => {
                        return Err(ApiError::bad_request(format!(
                            "[{i}]: an external co-organizer needs givenName and a valid email"
                        )))
                    }
                }
            } else {
                let ok = c
                    .organizer_key
                    .as_ref()
                    .ok_or_else(|| ApiError::bad_request(format!("[{i}].organizerKey is required")))?;
                let o = s.organizer(&ok.0).filter(|o| o.key != caller.organizer_key).ok_or_else(|| {
                    ApiError::bad_request(format!("[{i}].organizerKey is not another organizer"))
                })?;
                (o.first_name.clone(), o.last_name.clone(), o.email.clone())
            };
            people.push((external, person, s.new_key()));
        }
        let w = find_webinar_mut(s, caller, &call.keys)?;
        if w.is_over(now) {
            return Err(ApiError::bad_request("The webinar is over"));
        }
        let wk = w.key.clone();
        let mut out = Vec::new();
        for (external, (given_name, surname, email), k) in people {
            let c = Coorganizer { key: k, given_name, surname, email, external };
            out.push(coorganizer_json(app, &wk, &c));
            w.coorganizers.push(c);
        }
        Ok(respond(StatusCode::CREATED, &Value::Array(out)))
    })
}

fn external_flag(q: &Params) -> Result<Option<bool>, ApiError> {
    match q.get("external").map(String::as_str) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::bad_request("external must be true or false")),
    }
}

/// `DELETE …/coorganizers/{c}?external=` → 204.
pub(crate) async fn remove_coorganizer(call: Call, Query(q): Query<Params>) -> ApiResult {
    let ck = key(&call.keys.c, "Co-organizer")?;
    let external = external_flag(&q)?;
    call.webinar_mut(|w| {
        let idx = w
            .coorganizers
            .iter()
            .position(|c| c.key == ck && external.is_none_or(|e| e == c.external))
            .ok_or_else(|| ApiError::not_found("Co-organizer not found"))?;
        w.coorganizers.remove(idx);
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}

/// `POST …/coorganizers/{c}/resendInvitation?external=` → 204.
pub(crate) async fn resend_coorganizer(call: Call, Query(q): Query<Params>) -> ApiResult {
    let ck = key(&call.keys.c, "Co-organizer")?;
    let external = external_flag(&q)?;
    call.webinar(|_, w| {
        if !w.coorganizers.iter().any(|c| c.key == ck && external.is_none_or(|e| e == c.external)) {
            return Err(ApiError::not_found("Co-organizer not found"));
        }
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SearchIn {
    account_key: Option<KeyText>,
    name: Option<String>,
    sort_field: Option<String>,
    sort_order: Option<String>,
}

/// `POST /recordingassets/search?page&size`.
pub(crate) async fn search_recordings(call: Call, Query(q): Query<Params>, bytes: Bytes) -> ApiResult {
    let input: SearchIn = body(&bytes)?;
    let (page, size) = page_size(&q)?;
    let (app, caller) = (&call.app, &call.caller);
    let account = input.account_key.ok_or_else(|| ApiError::bad_request("accountKey is required"))?;
    if account.0 != caller.account_key {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "accountKey is not the user's account",
        ));
    }
    let field = input.sort_field.unwrap_or_else(|| "CREATETIME".into());
    let order = input.sort_order.unwrap_or_else(|| "DESC".into());
    if !["CREATETIME", "NAME"].contains(&field.as_str()) || !["ASC", "DESC"].contains(&order.as_str()) {
        return Err(ApiError::bad_request("sortField must be CREATETIME or NAME, sortOrder ASC or DESC"));
    }
    let needle = input.name.map(|n| n.to_lowercase());
    let mut assets = app.read(|s| {
        s.recording_assets
            .iter()
            .filter(|a| a.account_key == account.0)
            .filter(|a| needle.as_ref().is_none_or(|n| a.name.to_lowercase().contains(n)))
            .cloned()
            .collect::<Vec<_>>()
    });
    assets.sort_by(
        |a, b| {
            if field == "NAME" {
                a.name.cmp(&b.name)
            } else {
                a.create_time.cmp(&b.create_time)
            }
        },
    );
    if order == "DESC" {
        assets.reverse();
    }
    let organizer = caller.organizer_key.clone();
    let items = assets
        .iter()
        .map(|a| {
            let t: DateTime<Utc> = a.create_time;
            json!({"recordingAssetKey": a.key, "name": a.name, "description": a.description,
                   "createTime": fmt_time(t), "accountKey": a.account_key, "creatorKey": organizer,
                   "productName": "G2W", "totalReferenceCount": 0,
                   "mp4DownloadUrl": format!("{}/recordings/{}.mp4", app.base(), a.key)})
        })
        .collect();
    Ok(respond(StatusCode::OK, &hal_page(items, page, size, "recordingAssets")))
}
