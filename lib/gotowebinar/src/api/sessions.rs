//! Sessions (held occurrences of webinars) and their attendees, polls, questions and surveys.

use serde_json::Value;

use super::{between, TimeRange};
use crate::client::{GoToWebinar, PageStream, Request};
use crate::error::Result;
use crate::keys::{OrganizerKey, RegistrantKey, SessionKey, WebinarKey};
use crate::models::{Attendee, Performance, Session, SessionDetail};
use crate::pagination::Page;

/// The list name under `_embedded` in session lists.
const SESSIONS: &str = "sessionInfoResources";
/// The list name under `_embedded` in webinar-wide attendee lists.
const ATTENDEES: &str = "attendeeParticipationResponses";

impl GoToWebinar {
    /// The sessions of an organizer's webinars.
    pub fn sessions(&self, organizer: &OrganizerKey) -> Sessions<'_> {
        Sessions { client: self, organizer: organizer.clone() }
    }

    /// The attendees of one webinar's sessions.
    pub fn attendees(&self, organizer: &OrganizerKey, webinar: &WebinarKey) -> Attendees<'_> {
        Attendees { client: self, base: format!("/organizers/{organizer}/webinars/{webinar}") }
    }
}

/// Operations on sessions (`/organizers/{o}/sessions`, `/organizers/{o}/webinars/{w}/sessions`).
#[derive(Debug, Clone)]
pub struct Sessions<'c> {
    client: &'c GoToWebinar,
    organizer: OrganizerKey,
}

impl Sessions<'_> {
    fn by_range(&self, times: &TimeRange) -> Request {
        between(Request::get(format!("/organizers/{}/sessions", self.organizer)), times)
    }

    fn of_webinar(&self, webinar: &WebinarKey) -> String {
        format!("/organizers/{}/webinars/{webinar}/sessions", self.organizer)
    }

    fn one(&self, webinar: &WebinarKey, session: &SessionKey) -> String {
        format!("{}/{session}", self.of_webinar(webinar))
    }

    /// Lists the organizer's sessions held within `times` (`from..to`), page by page.
    /// `GET /organizers/{o}/sessions?fromTime&toTime&page&size`.
    pub fn list(&self, times: TimeRange, size: u32) -> PageStream<Session> {
        self.client.pages(self.by_range(&times), SESSIONS, "size", size)
    }

    /// One page (0-based) of the organizer's sessions held within `times`.
    pub async fn list_page(&self, times: TimeRange, page: u32, size: u32) -> Result<Page<Session>> {
        self.client.fetch_page(&self.by_range(&times), SESSIONS, "size", page, size).await
    }

    /// Lists one webinar's sessions, page by page. `GET /organizers/{o}/webinars/{w}/sessions`.
    pub fn for_webinar(&self, webinar: &WebinarKey, size: u32) -> PageStream<Session> {
        self.client.pages(Request::get(self.of_webinar(webinar)), SESSIONS, "size", size)
    }

    /// One page (0-based) of one webinar's sessions.
    pub async fn for_webinar_page(
        &self,
        webinar: &WebinarKey,
        page: u32,
        size: u32,
    ) -> Result<Page<Session>> {
        self.client.fetch_page(&Request::get(self.of_webinar(webinar)), SESSIONS, "size", page, size).await
    }

    /// One held session. GoTo's document says this answers the session's attendees (an array of
    /// `Attendee`); the API has also answered a session object. Both are read, and the answer says
    /// which it was. `GET …/webinars/{w}/sessions/{s}`.
    pub async fn get(&self, webinar: &WebinarKey, session: &SessionKey) -> Result<SessionDetail> {
        let response = self.client.send(&Request::get(self.one(webinar, session))).await?;
        match response.body.iter().find(|byte| !byte.is_ascii_whitespace()) {
            Some(b'[') => Ok(SessionDetail::Attendees(response.json()?)),
            _ => Ok(SessionDetail::Session(response.json()?)),
        }
    }

    /// Attendance and engagement figures of a session. `GET …/sessions/{s}/performance`.
    pub async fn performance(&self, webinar: &WebinarKey, session: &SessionKey) -> Result<Performance> {
        self.client.send_json(&Request::get(format!("{}/performance", self.one(webinar, session)))).await
    }

    /// The polls of a session with their answers, as GoTo sends them. `GET …/sessions/{s}/polls`.
    pub async fn polls(&self, webinar: &WebinarKey, session: &SessionKey) -> Result<Value> {
        self.client.send_json(&Request::get(format!("{}/polls", self.one(webinar, session)))).await
    }

    /// The questions asked in a session, as GoTo sends them. `GET …/sessions/{s}/questions`.
    pub async fn questions(&self, webinar: &WebinarKey, session: &SessionKey) -> Result<Value> {
        self.client.send_json(&Request::get(format!("{}/questions", self.one(webinar, session)))).await
    }

    /// The surveys of a session with their answers, as GoTo sends them. `GET …/sessions/{s}/surveys`.
    pub async fn surveys(&self, webinar: &WebinarKey, session: &SessionKey) -> Result<Value> {
        self.client.send_json(&Request::get(format!("{}/surveys", self.one(webinar, session)))).await
    }
}

/// Operations on a webinar's attendees (`/organizers/{o}/webinars/{w}/…attendees`).
#[derive(Debug, Clone)]
pub struct Attendees<'c> {
    client: &'c GoToWebinar,
    base: String,
}

impl Attendees<'_> {
    fn of_session(&self, session: &SessionKey) -> String {
        format!("{}/sessions/{session}/attendees", self.base)
    }

    fn one(&self, session: &SessionKey, registrant: &RegistrantKey) -> String {
        format!("{}/{registrant}", self.of_session(session))
    }

    /// Lists the attendees of every session of the webinar, page by page.
    /// `GET /organizers/{o}/webinars/{w}/attendees?page&size`.
    pub fn list(&self, size: u32) -> PageStream<Attendee> {
        self.client.pages(Request::get(format!("{}/attendees", self.base)), ATTENDEES, "size", size)
    }

    /// One page (0-based) of the webinar's attendees.
    pub async fn list_page(&self, page: u32, size: u32) -> Result<Page<Attendee>> {
        let request = Request::get(format!("{}/attendees", self.base));
        self.client.fetch_page(&request, ATTENDEES, "size", page, size).await
    }

    /// The attendees of one session (one answer). `GET …/sessions/{s}/attendees`.
    pub async fn of(&self, session: &SessionKey) -> Result<Vec<Attendee>> {
        self.client.send(&Request::get(self.of_session(session))).await?.list(ATTENDEES)
    }

    /// One attendee of a session. `GET …/sessions/{s}/attendees/{r}`.
    pub async fn get(&self, session: &SessionKey, registrant: &RegistrantKey) -> Result<Attendee> {
        self.client.send_json(&Request::get(self.one(session, registrant))).await
    }

    /// An attendee's poll answers, as GoTo sends them. `GET …/attendees/{r}/polls`.
    pub async fn polls(&self, session: &SessionKey, registrant: &RegistrantKey) -> Result<Value> {
        self.client.send_json(&Request::get(format!("{}/polls", self.one(session, registrant)))).await
    }

    /// An attendee's questions, as GoTo sends them. `GET …/attendees/{r}/questions`.
    pub async fn questions(&self, session: &SessionKey, registrant: &RegistrantKey) -> Result<Value> {
        self.client.send_json(&Request::get(format!("{}/questions", self.one(session, registrant)))).await
    }

    /// An attendee's survey answers, as GoTo sends them. `GET …/attendees/{r}/surveys`.
    pub async fn surveys(&self, session: &SessionKey, registrant: &RegistrantKey) -> Result<Value> {
        self.client.send_json(&Request::get(format!("{}/surveys", self.one(session, registrant)))).await
    }
}
