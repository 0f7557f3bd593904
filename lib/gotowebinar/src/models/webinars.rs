//! Webinars: listing, creating, updating, audio, start links and session performance.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{time, Extra};
use crate::keys::{AccountKey, OrganizerKey, RecordingAssetKey, RecurrenceKey, WebinarKey};

/// A start and end time of a webinar session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebinarTime {
    /// When the session starts.
    #[serde(deserialize_with = "time::required")]
    pub start_time: DateTime<Utc>,
    /// When the session ends.
    #[serde(deserialize_with = "time::required")]
    pub end_time: DateTime<Utc>,
}

impl WebinarTime {
    /// A time slot from its start and end.
    pub fn new(start_time: DateTime<Utc>, end_time: DateTime<Utc>) -> Self {
        Self { start_time, end_time }
    }
}

/// A webinar as listed (`GET …/webinars`) or fetched by key (`GET …/webinars/{w}`, which adds the
/// detail fields such as `organizerEmail`, `inSession` and `numberOfRegistrants`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Webinar {
    /// The webinar's key.
    pub webinar_key: WebinarKey,
    /// The webinar's public ID (dashed digits shown to people).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webinar_id: Option<String>,
    /// The title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The organizer who owns the webinar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizer_key: Option<OrganizerKey>,
    /// The account the webinar belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_key: Option<AccountKey>,
    /// The organizer's email (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizer_email: Option<String>,
    /// The organizer's name (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizer_name: Option<String>,
    /// The sessions' times.
    #[serde(default)]
    pub times: Vec<WebinarTime>,
    /// The IANA time zone the webinar is shown in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The locale of emails and pages, e.g. `en_US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// `single_session`, `series` or `sequence` (the list calls it `type`).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub webinar_type: Option<String>,
    /// How registrants are approved (e.g. `AUTOMATIC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_type: Option<String>,
    /// The registration page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_url: Option<String>,
    /// Whether the webinar is impromptu.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impromptu: Option<bool>,
    /// Whether joining needs a password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_password_protected: Option<bool>,
    /// `CLASSIC`, `BROADCAST` or `SIMULIVE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experience_type: Option<String>,
    /// Whether the webinar is available on demand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_ondemand: Option<bool>,
    /// The series or sequence this webinar belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence_key: Option<RecurrenceKey>,
    /// How a series recurs (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence_type: Option<String>,
    /// Whether a session is running now (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_session: Option<bool>,
    /// How many people registered (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_registrants: Option<u64>,
    /// The registration limit (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_limit: Option<u64>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The kind of webinar to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebinarType {
    /// One session.
    SingleSession,
    /// Several sessions; one registration covers all of them.
    Series,
    /// Recurring sessions; people register for each one.
    Sequence,
}

/// How attendees experience the webinar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExperienceType {
    /// A live webinar.
    Classic,
    /// A broadcast to a large audience.
    Broadcast,
    /// A pre-recorded webinar played as if live (needs `recordingAssetKey`).
    Simulive,
}

/// How a sequence recurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecurrencePattern {
    /// Every day.
    Daily,
    /// Every week.
    Weekly,
    /// Every month.
    Monthly,
}

/// Whether one kind of email is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailToggle {
    /// Send this email.
    pub enabled: bool,
}

/// The follow-up email sent to attendees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttendeeFollowUpEmail {
    /// Send this email.
    pub enabled: bool,
    /// Attach a certificate of attendance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_certificate: Option<bool>,
}

/// Which emails GoTo sends for a webinar.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailSettings {
    /// The confirmation sent on registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation_email: Option<EmailToggle>,
    /// The reminder sent before the webinar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder_email: Option<EmailToggle>,
    /// The follow-up sent to registrants who did not attend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absentee_follow_up_email: Option<EmailToggle>,
    /// The follow-up sent to attendees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendee_follow_up_email: Option<AttendeeFollowUpEmail>,
}

/// The body of `POST /organizers/{o}/webinars`.
///
/// A single session or series lists its `times`; a sequence gives `recurrence_start`,
/// `recurrence_pattern` and `recurrence_end` instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateWebinar {
    /// The title (at most 128 characters).
    pub subject: String,
    /// The description (at most 2048 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The sessions' times (required unless the webinar is a sequence).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub times: Vec<WebinarTime>,
    /// The IANA time zone the webinar is shown in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The kind of webinar.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub webinar_type: Option<WebinarType>,
    /// Whether joining needs a password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_password_protected: Option<bool>,
    /// The recording a simulive webinar plays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_asset_key: Option<RecordingAssetKey>,
    /// Whether the webinar is available on demand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_ondemand: Option<bool>,
    /// How attendees experience the webinar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experience_type: Option<ExperienceType>,
    /// The first session of a sequence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence_start: Option<WebinarTime>,
    /// How a sequence recurs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence_pattern: Option<RecurrencePattern>,
    /// The last day of a sequence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence_end: Option<NaiveDate>,
    /// Which emails GoTo sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_settings: Option<EmailSettings>,
}

impl CreateWebinar {
    /// A webinar with a subject and its session times; set other fields as needed.
    pub fn new(subject: impl Into<String>, times: Vec<WebinarTime>) -> Self {
        Self {
            subject: subject.into(),
            description: None,
            times,
            time_zone: None,
            webinar_type: None,
            is_password_protected: None,
            recording_asset_key: None,
            is_ondemand: None,
            experience_type: None,
            recurrence_start: None,
            recurrence_pattern: None,
            recurrence_end: None,
            email_settings: None,
        }
    }
}

/// GoTo's answer to a create: `{"webinarKey": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreatedWebinar {
    pub(crate) webinar_key: WebinarKey,
}

/// The body of `PUT /organizers/{o}/webinars/{w}`. `times`, when given, replaces all times.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateWebinar {
    /// A new title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// A new description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New session times (replace the existing ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<Vec<WebinarTime>>,
    /// A new time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// A new locale, e.g. `en_US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Whether joining needs a password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_password_protected: Option<bool>,
    /// Which emails GoTo sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_settings: Option<EmailSettings>,
}

/// A webinar's audio settings (`GET|POST …/webinars/{w}/audio`). Everything GoTo sends is kept,
/// so a fetched value can be changed and sent back.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Audio {
    /// `PSTN`, `VOIP`, `Hybrid` or `Private`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub audio_type: Option<String>,
    /// Dial-in numbers by country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pstn_info: Option<Value>,
    /// A private conference line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_info: Option<Value>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The organizer's start link for a webinar (`GET /webinars/{w}/startUrl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StartUrl {
    /// Opens the webinar as organizer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_url: Option<String>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Attendance and engagement figures of one session.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Performance {
    /// Registrant count, attendance percentage, average attentiveness, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendance: Option<Value>,
    /// Poll and survey counts and completion rates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polls_and_surveys: Option<Value>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}
