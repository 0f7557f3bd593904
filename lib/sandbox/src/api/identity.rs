//! Identity: SCIM `Users/me` and admin `me`.

use axum::extract::{Extension, State};
use axum::http::StatusCode;
use serde_json::json;

use crate::app::App;
use crate::errors::{ApiError, ApiResult};
use crate::json::{num, respond};
use crate::model::Organizer;
use crate::oauth::Caller;

fn me(app: &App, caller: &Caller) -> Result<(Organizer, String), ApiError> {
    app.read(|s| {
        let o = s
            .organizer(&caller.organizer_key)
            .cloned()
            .ok_or_else(|| ApiError::not_found("User not found"))?;
        Ok((o, s.account.name.clone()))
    })
}

/// `GET /identity/v1/Users/me`: `id` is the organizer key (a string, as SCIM ids are).
pub(crate) async fn scim_me(State(app): State<App>, Extension(caller): Extension<Caller>) -> ApiResult {
    let (o, _) = me(&app, &caller)?;
    let body = json!({
        "schemas": ["urn:scim:schemas:core:1.0"],
        "id": o.key,
        "userName": o.email,
        "displayName": format!("{} {}", o.first_name, o.last_name),
        "name": {"givenName": o.first_name, "familyName": o.last_name},
        "emails": [{"value": o.email, "type": "work", "primary": true}],
        "locale": o.locale,
        "timezone": o.time_zone,
    });
    Ok(respond(StatusCode::OK, &body))
}

/// `GET /admin/rest/v1/me`.
pub(crate) async fn admin_me(State(app): State<App>, Extension(caller): Extension<Caller>) -> ApiResult {
    let (o, account_name) = me(&app, &caller)?;
    let body = json!({
        "key": num(&o.key),
        "accountKey": num(&caller.account_key),
        "email": o.email,
        "firstName": o.first_name,
        "lastName": o.last_name,
        "locale": o.locale,
        "timeZone": o.time_zone,
        "accounts": [{"key": num(&caller.account_key), "name": account_name, "adminRoles": ["SUPER_USER"]}],
        "products": ["G2W", "G2M"],
    });
    Ok(respond(StatusCode::OK, &body))
}
