//! Webinars: list, read, create, update, cancel, copy, and their audio, times and performance.

use reqwest::Method;

use super::{between, TimeRange};
use crate::client::{GoToWebinar, PageStream, Request};
use crate::error::Result;
use crate::keys::{AccountKey, OrganizerKey, WebinarKey};
use crate::models::{Audio, CreateWebinar, CreatedWebinar, StartUrl, UpdateWebinar, Webinar, WebinarTime};
use crate::pagination::Page;
use crate::retry::RequestKind;

/// The list name under `_embedded` in webinar lists.
const EMBEDDED: &str = "webinars";

impl GoToWebinar {
    /// The webinars of one organizer.
    pub fn webinars(&self, organizer: &OrganizerKey) -> Webinars<'_> {
        Webinars { client: self, organizer: organizer.clone() }
    }

    /// The webinars of a whole account.
    pub fn account_webinars(&self, account: &AccountKey) -> AccountWebinars<'_> {
        AccountWebinars { client: self, account: account.clone() }
    }
}

/// Operations on an organizer's webinars (`/organizers/{organizerKey}/webinars`), from
/// [`GoToWebinar::webinars`].
///
/// ```no_run
/// use futures::TryStreamExt;
/// use gotowebinar::client::GoToWebinar;
/// use gotowebinar::keys::OrganizerKey;
///
/// # async fn run(client: GoToWebinar) -> gotowebinar::Result<()> {
/// let webinars = client.webinars(&OrganizerKey::new("200000000000012345")?);
/// let (from, to) = (chrono::Utc::now(), chrono::Utc::now() + chrono::Duration::days(30));
/// let mut pages = webinars.list(from..to, 100);
/// while let Some(page) = pages.try_next().await? {
///     for webinar in page.items {
///         println!("{:?}", webinar.subject);
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Webinars<'c> {
    client: &'c GoToWebinar,
    organizer: OrganizerKey,
}

impl Webinars<'_> {
    fn base(&self) -> String {
        format!("/organizers/{}/webinars", self.organizer)
    }

    fn one(&self, webinar: &WebinarKey) -> String {
        format!("{}/{webinar}", self.base())
    }

    fn by_range(&self, times: &TimeRange) -> Request {
        between(Request::get(self.base()), times)
    }

    /// Lists the webinars scheduled within `times` (`from..to`), page by page (`size` 1–200).
    /// `GET /organizers/{o}/webinars?fromTime&toTime&page&size`.
    pub fn list(&self, times: TimeRange, size: u32) -> PageStream<Webinar> {
        self.client.pages(self.by_range(&times), EMBEDDED, "size", size)
    }

    /// One page (0-based) of the webinars scheduled within `times`.
    pub async fn list_page(&self, times: TimeRange, page: u32, size: u32) -> Result<Page<Webinar>> {
        self.client.fetch_page(&self.by_range(&times), EMBEDDED, "size", page, size).await
    }

    /// Reads one webinar with its detail fields. `GET /organizers/{o}/webinars/{w}`.
    pub async fn get(&self, webinar: &WebinarKey) -> Result<Webinar> {
        self.client.send_json(&Request::get(self.one(webinar))).await
    }

    /// Creates a webinar and returns its key. Not repeatable. `POST /organizers/{o}/webinars`.
    pub async fn create(&self, body: &CreateWebinar) -> Result<WebinarKey> {
        let request = Request::new(Method::POST, self.base(), RequestKind::NonRepeatable).json(body)?;
        let created: CreatedWebinar = self.client.send_json(&request).await?;
        Ok(created.webinar_key)
    }

    /// Updates a webinar (`times`, when given, replaces all times); `notify_participants` emails
    /// registrants about the change. `PUT /organizers/{o}/webinars/{w}?notifyParticipants=`.
    pub async fn update(
        &self,
        webinar: &WebinarKey,
        body: &UpdateWebinar,
        notify_participants: bool,
    ) -> Result<()> {
        let request = Request::new(Method::PUT, self.one(webinar), RequestKind::Repeatable)
            .query("notifyParticipants", notify_participants)
            .json(body)?;
        self.client.send_empty(&request).await
    }

    /// Cancels a webinar; `send_cancellation_emails` tells registrants.
    /// `DELETE /organizers/{o}/webinars/{w}?sendCancellationEmails=` (404 unknown or already
    /// cancelled, 405 past, 409 in session).
    pub async fn cancel(&self, webinar: &WebinarKey, send_cancellation_emails: bool) -> Result<()> {
        let request = Request::new(Method::DELETE, self.one(webinar), RequestKind::Repeatable)
            .query("sendCancellationEmails", send_cancellation_emails);
        self.client.send_empty(&request).await
    }

    /// The times of every session of a webinar. `GET /organizers/{o}/webinars/{w}/meetingtimes`.
    pub async fn meeting_times(&self, webinar: &WebinarKey) -> Result<Vec<WebinarTime>> {
        self.client
            .send(&Request::get(format!("{}/meetingtimes", self.one(webinar))))
            .await?
            .list("meetingTimes")
    }

    /// A webinar's audio settings. `GET /organizers/{o}/webinars/{w}/audio`.
    pub async fn audio(&self, webinar: &WebinarKey) -> Result<Audio> {
        self.client.send_json(&Request::get(format!("{}/audio", self.one(webinar)))).await
    }

    /// Replaces a webinar's audio settings. `POST /organizers/{o}/webinars/{w}/audio`.
    pub async fn update_audio(&self, webinar: &WebinarKey, audio: &Audio) -> Result<()> {
        // Setting the audio twice leaves the same settings, so it may be repeated.
        let request =
            Request::new(Method::POST, format!("{}/audio", self.one(webinar)), RequestKind::Repeatable)
                .json(audio)?;
        self.client.send_empty(&request).await
    }

    /// Attendance and engagement figures of every session, as GoTo sends them (keyed by session).
    /// `GET /organizers/{o}/webinars/{w}/performance`.
    pub async fn performance(&self, webinar: &WebinarKey) -> Result<serde_json::Value> {
        self.client.send_json(&Request::get(format!("{}/performance", self.one(webinar)))).await
    }

    /// The organizer's webinars in session within `times` (both ends are sent: GoTo's document
    /// marks `toTime` required). `GET /organizers/{o}/insessionWebinars?fromTime&toTime`.
    pub async fn in_session(&self, times: TimeRange) -> Result<Vec<Webinar>> {
        let request =
            between(Request::get(format!("/organizers/{}/insessionWebinars", self.organizer)), &times);
        self.client.send(&request).await?.list(EMBEDDED)
    }

    /// The organizer's link that starts a webinar. `GET /webinars/{w}/startUrl`.
    pub async fn start_url(&self, webinar: &WebinarKey) -> Result<StartUrl> {
        self.client.send_json(&Request::get(format!("/webinars/{webinar}/startUrl"))).await
    }

    /// Copies a webinar, optionally with new subject, description or times, and returns the new
    /// webinar's key. Not repeatable: every call creates a webinar. `PUT /webinars/{w}/copy`.
    pub async fn copy(&self, webinar: &WebinarKey, changes: Option<&UpdateWebinar>) -> Result<WebinarKey> {
        let mut request =
            Request::new(Method::PUT, format!("/webinars/{webinar}/copy"), RequestKind::NonRepeatable);
        // The operation requires a body: no changes is an empty object.
        request = match changes {
            Some(changes) => request.json(changes)?,
            None => request.json(&serde_json::json!({}))?,
        };
        let created: CreatedWebinar = self.client.send_json(&request).await?;
        Ok(created.webinar_key)
    }
}

/// Operations on an account's webinars (`/accounts/{accountKey}/webinars`).
#[derive(Debug, Clone)]
pub struct AccountWebinars<'c> {
    client: &'c GoToWebinar,
    account: AccountKey,
}

impl AccountWebinars<'_> {
    fn by_range(&self, times: &TimeRange) -> Request {
        between(Request::get(format!("/accounts/{}/webinars", self.account)), times)
    }

    /// Lists the account's webinars within `times` (`from..to`), page by page.
    /// `GET /accounts/{a}/webinars?fromTime&toTime&page&size`.
    pub fn list(&self, times: TimeRange, size: u32) -> PageStream<Webinar> {
        self.client.pages(self.by_range(&times), EMBEDDED, "size", size)
    }

    /// One page (0-based) of the account's webinars within `times`.
    pub async fn list_page(&self, times: TimeRange, page: u32, size: u32) -> Result<Page<Webinar>> {
        self.client.fetch_page(&self.by_range(&times), EMBEDDED, "size", page, size).await
    }
}
