//! Panelists of a webinar.

use reqwest::Method;

use crate::client::{GoToWebinar, Request};
use crate::error::Result;
use crate::keys::{OrganizerKey, PanelistKey, WebinarKey};
use crate::models::{NewPanelist, Panelist};
use crate::retry::RequestKind;

impl GoToWebinar {
    /// The panelists of one webinar.
    pub fn panelists(&self, organizer: &OrganizerKey, webinar: &WebinarKey) -> Panelists<'_> {
        Panelists { client: self, base: format!("/organizers/{organizer}/webinars/{webinar}/panelists") }
    }
}

/// Operations on a webinar's panelists (`/organizers/{o}/webinars/{w}/panelists`).
#[derive(Debug, Clone)]
pub struct Panelists<'c> {
    client: &'c GoToWebinar,
    base: String,
}

impl Panelists<'_> {
    /// Lists the panelists. `GET …/panelists`.
    pub async fn list(&self) -> Result<Vec<Panelist>> {
        self.client.send(&Request::get(self.base.clone())).await?.list("panelists")
    }

    /// Invites panelists and returns them with their keys and join links. Not repeatable.
    /// `POST …/panelists` with an array body.
    pub async fn create(&self, panelists: &[NewPanelist]) -> Result<Vec<Panelist>> {
        let request =
            Request::new(Method::POST, self.base.clone(), RequestKind::NonRepeatable).json(panelists)?;
        self.client.send(&request).await?.list("panelists")
    }

    /// Removes a panelist. `DELETE …/panelists/{p}`.
    pub async fn delete(&self, panelist: &PanelistKey) -> Result<()> {
        let request =
            Request::new(Method::DELETE, format!("{}/{panelist}", self.base), RequestKind::Repeatable);
        self.client.send_empty(&request).await
    }

    /// Sends a panelist's invitation again. Retried like a read: a second email does no harm,
    /// a lost one does. `POST …/panelists/{p}/resendInvitation`.
    pub async fn resend_invitation(&self, panelist: &PanelistKey) -> Result<()> {
        let path = format!("{}/{panelist}/resendInvitation", self.base);
        self.client.send_empty(&Request::new(Method::POST, path, RequestKind::Repeatable)).await
    }
}
