//! Who the token belongs to: the identity (SCIM) and admin APIs, used to discover the organizer
//! and account keys.

use crate::client::{GoToWebinar, Request};
use crate::error::Result;
use crate::models::{Me, ScimUser};

impl GoToWebinar {
    /// The token's user from the identity API; `id` is the organizer key (scope
    /// `identity:scim.me`). `GET /identity/v1/Users/me`.
    pub async fn identity_me(&self) -> Result<ScimUser> {
        self.send_json(&Request::get("/identity/v1/Users/me").on_origin()).await
    }

    /// The token's user from the admin API, with the organizer (`key`) and account keys.
    /// `GET /admin/rest/v1/me`.
    pub async fn admin_me(&self) -> Result<Me> {
        self.send_json(&Request::get("/admin/rest/v1/me").on_origin()).await
    }
}
