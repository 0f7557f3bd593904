//! Registrants of a webinar: list, read, register, remove, and the registration form.

use reqwest::Method;

use crate::client::{GoToWebinar, PageStream, Request};
use crate::error::Result;
use crate::keys::{OrganizerKey, RegistrantKey, WebinarKey};
use crate::models::{CreateRegistrant, CreatedRegistrant, Registrant, RegistrationFields};
use crate::pagination::{Page, MAX_PAGE_SIZE};
use crate::retry::RequestKind;

/// The list name in paged registrant answers (`{data, …}`), used when GoTo wraps them otherwise.
const EMBEDDED: &str = "registrants";

impl GoToWebinar {
    /// The registrants of one webinar.
    pub fn registrants(&self, organizer: &OrganizerKey, webinar: &WebinarKey) -> Registrants<'_> {
        Registrants { client: self, base: format!("/organizers/{organizer}/webinars/{webinar}/registrants") }
    }
}

/// Operations on a webinar's registrants (`/organizers/{o}/webinars/{w}/registrants`).
#[derive(Debug, Clone)]
pub struct Registrants<'c> {
    client: &'c GoToWebinar,
    base: String,
}

impl Registrants<'_> {
    /// Lists the registrants page by page (`limit` 1–200). `GET …/registrants?page&limit`.
    pub fn list(&self, size: u32) -> PageStream<Registrant> {
        self.client.pages(Request::get(self.base.clone()), EMBEDDED, "limit", size)
    }

    /// One page (0-based) of registrants.
    pub async fn list_page(&self, page: u32, size: u32) -> Result<Page<Registrant>> {
        self.client.fetch_page(&Request::get(self.base.clone()), EMBEDDED, "limit", page, size).await
    }

    /// Every registrant in one answer, without paging parameters (GoTo then sends a bare array).
    pub async fn list_unpaged(&self) -> Result<Vec<Registrant>> {
        self.client.send(&Request::get(self.base.clone())).await?.list(EMBEDDED)
    }

    /// Finds a registrant by email, ignoring case, reading pages until found.
    pub async fn find_by_email(&self, email: &str) -> Result<Option<Registrant>> {
        use futures::StreamExt;
        let wanted = email.trim().to_lowercase();
        let mut pages = self.list(MAX_PAGE_SIZE);
        while let Some(page) = pages.next().await {
            let found = page?
                .items
                .into_iter()
                .find(|r| r.email.as_deref().is_some_and(|e| e.trim().to_lowercase() == wanted));
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// Reads one registrant with the detail fields. `GET …/registrants/{r}`.
    pub async fn get(&self, registrant: &RegistrantKey) -> Result<Registrant> {
        self.client.send_json(&Request::get(format!("{}/{registrant}", self.base))).await
    }

    /// Registers a person; `resend_confirmation` re-sends the email to someone already registered.
    /// Not repeatable. A person already registered answers [`crate::Error::Api`] with status 409.
    /// `POST …/registrants?resendConfirmation=`.
    pub async fn create(
        &self,
        body: &CreateRegistrant,
        resend_confirmation: bool,
    ) -> Result<CreatedRegistrant> {
        let request = Request::new(Method::POST, self.base.clone(), RequestKind::NonRepeatable)
            .query("resendConfirmation", resend_confirmation)
            .json(body)?;
        self.client.send_json(&request).await
    }

    /// Removes a registrant (future webinars only). `DELETE …/registrants/{r}`.
    pub async fn delete(&self, registrant: &RegistrantKey) -> Result<()> {
        let request =
            Request::new(Method::DELETE, format!("{}/{registrant}", self.base), RequestKind::Repeatable);
        self.client.send_empty(&request).await
    }

    /// The registration form: standard fields and custom questions. `GET …/registrants/fields`.
    pub async fn fields(&self) -> Result<RegistrationFields> {
        self.client.send_json(&Request::get(format!("{}/fields", self.base))).await
    }
}
