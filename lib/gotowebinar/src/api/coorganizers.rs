//! Co-organizers of a webinar.

use reqwest::Method;

use crate::client::{GoToWebinar, Request};
use crate::error::Result;
use crate::keys::{CoorganizerKey, OrganizerKey, WebinarKey};
use crate::models::{Coorganizer, NewCoorganizer};
use crate::retry::RequestKind;

impl GoToWebinar {
    /// The co-organizers of one webinar.
    pub fn coorganizers(&self, organizer: &OrganizerKey, webinar: &WebinarKey) -> Coorganizers<'_> {
        Coorganizers {
            client: self,
            base: format!("/organizers/{organizer}/webinars/{webinar}/coorganizers"),
        }
    }
}

/// Operations on a webinar's co-organizers (`/organizers/{o}/webinars/{w}/coorganizers`).
#[derive(Debug, Clone)]
pub struct Coorganizers<'c> {
    client: &'c GoToWebinar,
    base: String,
}

impl Coorganizers<'_> {
    /// Lists the co-organizers. `GET …/coorganizers`.
    pub async fn list(&self) -> Result<Vec<Coorganizer>> {
        self.client.send(&Request::get(self.base.clone())).await?.list("coorganizers")
    }

    /// Adds co-organizers and returns them with their keys and join links. Not repeatable.
    /// `POST …/coorganizers` with an array body.
    pub async fn create(&self, coorganizers: &[NewCoorganizer]) -> Result<Vec<Coorganizer>> {
        let request =
            Request::new(Method::POST, self.base.clone(), RequestKind::NonRepeatable).json(coorganizers)?;
        self.client.send(&request).await?.list("coorganizers")
    }

    /// Removes a co-organizer; `external` says whether they are outside the organization.
    /// `DELETE …/coorganizers/{c}?external=`.
    pub async fn delete(&self, coorganizer: &CoorganizerKey, external: bool) -> Result<()> {
        let request =
            Request::new(Method::DELETE, format!("{}/{coorganizer}", self.base), RequestKind::Repeatable)
                .query("external", external);
        self.client.send_empty(&request).await
    }

    /// Sends a co-organizer's invitation again. Retried like a read: a second email does no harm.
    /// `POST …/coorganizers/{c}/resendInvitation?external=`.
    pub async fn resend_invitation(&self, coorganizer: &CoorganizerKey, external: bool) -> Result<()> {
        let path = format!("{}/{coorganizer}/resendInvitation", self.base);
        let request = Request::new(Method::POST, path, RequestKind::Repeatable).query("external", external);
        self.client.send_empty(&request).await
    }
}
