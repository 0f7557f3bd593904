//! Wire models: the JSON GoToWebinar sends and accepts, as typed Rust values.
//!
//! Response models are tolerant: every field GoTo may omit is an `Option` (lists default to
//! empty), unknown fields are kept in `extra`, and nothing is refused for carrying more than
//! documented. Keys are [`crate::keys`] newtypes; times are `DateTime<Utc>` (read leniently, see
//! [`time`]). Request bodies serialize only the fields that are set.
//!
//! These are wire types: actions convert them to their own input/output types.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::keys::{
    AccountKey, AnswerKey, CoorganizerKey, OrganizerKey, PanelistKey, QuestionKey, RecordingAssetKey,
    RecurrenceKey, RegistrantKey, SessionKey, UserSubscriptionKey, WebhookKey, WebinarKey,
};
use crate::secret::Secret;

/// Unknown fields of a response, kept so nothing GoTo sends is lost.
pub type Extra = Map<String, Value>;

pub mod time {
    //! Lenient reading of GoTo's timestamps: RFC 3339 (`Z` or any offset), offsets without a colon
    //! (`+0000`), fractional seconds, and timestamps without an offset (taken as UTC).

    use chrono::{DateTime, NaiveDateTime, Utc};
    use serde::{Deserialize, Deserializer};

    /// Parses one timestamp, or says why it could not.
    pub fn parse(text: &str) -> Result<DateTime<Utc>, String> {
        let text = text.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Ok(t.with_timezone(&Utc));
        }
        for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
            if let Ok(t) = DateTime::parse_from_str(text, format) {
                return Ok(t.with_timezone(&Utc));
            }
        }
        for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
            if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
                return Ok(t.and_utc());
            }
        }
        Err(format!("{text:?} is not an ISO-8601 date-time such as 2026-03-13T10:00:00Z"))
    }

    /// `deserialize_with` for a required timestamp.
    pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).map_err(serde::de::Error::custom)
    }

    /// `deserialize_with` for an optional timestamp (`null` and `""` are absent).
    pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) if text.trim().is_empty() => Ok(None),
            Some(text) => parse(&text).map(Some).map_err(serde::de::Error::custom),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Webinars
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Registrants
// ---------------------------------------------------------------------------------------------

/// A person registered for a webinar (list fields, plus the detail fields of `GET` one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Registrant {
    /// The registrant's key.
    pub registrant_key: RegistrantKey,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// When the person registered.
    #[serde(default, deserialize_with = "time::optional", skip_serializing_if = "Option::is_none")]
    pub registration_date: Option<DateTime<Utc>>,
    /// `APPROVED`, `DENIED` or `WAITING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The registrant's personal join link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_url: Option<String>,
    /// The registrant's IANA time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Phone number (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Street address (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// City (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip_code: Option<String>,
    /// Country (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Organization (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Job title (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// Industry (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    /// Organization size (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_employees: Option<String>,
    /// Purchasing time frame (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchasing_time_frame: Option<String>,
    /// Purchasing role (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchasing_role: Option<String>,
    /// Questions and comments (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questions_and_comments: Option<String>,
    /// Where the registration came from (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Answers to custom questions (detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responses: Option<Vec<Value>>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An answer to a custom registration question: free text, or the key of a chosen answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionResponse {
    /// The question answered (sent as a JSON integer: GoTo types it int64).
    #[serde(serialize_with = "crate::keys::as_integer")]
    #[schemars(with = "u64")]
    pub question_key: QuestionKey,
    /// The answer to a short-answer question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_text: Option<String>,
    /// The chosen answer of a multiple-choice question (sent as a JSON integer).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::keys::as_optional_integer"
    )]
    #[schemars(with = "Option<u64>")]
    pub answer_key: Option<AnswerKey>,
}

/// The body of `POST …/webinars/{w}/registrants`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateRegistrant {
    /// First name (required).
    pub first_name: String,
    /// Last name (required).
    pub last_name: String,
    /// Email address (required).
    pub email: String,
    /// Where the registration came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip_code: Option<String>,
    /// Country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// Questions and comments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questions_and_comments: Option<String>,
    /// Industry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    /// Organization size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_employees: Option<String>,
    /// Purchasing time frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchasing_time_frame: Option<String>,
    /// Purchasing role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchasing_role: Option<String>,
    /// Answers to the webinar's custom questions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub responses: Vec<QuestionResponse>,
}

/// GoTo's answer to a registration: `{registrantKey, joinUrl, status?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreatedRegistrant {
    /// The new registrant's key.
    pub registrant_key: RegistrantKey,
    /// The registrant's personal join link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_url: Option<String>,
    /// `APPROVED`, `DENIED` or `WAITING`, when GoTo says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A standard registration field and whether it is required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RegistrationField {
    /// The field's name, e.g. `phone`.
    pub field: String,
    /// Whether registrants must fill it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// The longest accepted value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u32>,
    /// The allowed values, for fields with a fixed choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<Vec<String>>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One choice of a multiple-choice question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct QuestionAnswer {
    /// The choice's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// The choice's key, sent back as `answerKey`.
    pub answer_key: AnswerKey,
}

/// A custom registration question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RegistrationQuestion {
    /// The question's key.
    pub question_key: QuestionKey,
    /// The question's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// Whether registrants must answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// `shortAnswer` or `multipleChoice`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub question_type: Option<String>,
    /// The longest accepted answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u32>,
    /// The choices of a multiple-choice question.
    #[serde(default)]
    pub answers: Vec<QuestionAnswer>,
}

/// A webinar's registration form (`GET …/webinars/{w}/registrants/fields`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RegistrationFields {
    /// The standard fields.
    #[serde(default)]
    pub fields: Vec<RegistrationField>,
    /// The custom questions.
    #[serde(default)]
    pub questions: Vec<RegistrationQuestion>,
}

// ---------------------------------------------------------------------------------------------
// Sessions and attendees
// ---------------------------------------------------------------------------------------------

/// One held session of a webinar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Session {
    /// The session's key.
    pub session_key: SessionKey,
    /// The webinar the session belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webinar_key: Option<WebinarKey>,
    /// The webinar's public ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webinar_id: Option<String>,
    /// The webinar's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webinar_name: Option<String>,
    /// When the session started.
    #[serde(default, deserialize_with = "time::optional", skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<Utc>>,
    /// When the session ended.
    #[serde(default, deserialize_with = "time::optional", skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    /// How many registrants attended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registrants_attended: Option<u64>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// When an attendee joined and left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AttendanceInterval {
    /// When the attendee joined.
    #[serde(default, deserialize_with = "time::optional", skip_serializing_if = "Option::is_none")]
    pub join_time: Option<DateTime<Utc>>,
    /// When the attendee left.
    #[serde(default, deserialize_with = "time::optional", skip_serializing_if = "Option::is_none")]
    pub leave_time: Option<DateTime<Utc>>,
}

/// A registrant who attended a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Attendee {
    /// The attendee's registrant key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registrant_key: Option<RegistrantKey>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Total time attended, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendance_time_in_seconds: Option<u64>,
    /// Each join and leave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendance: Option<Vec<AttendanceInterval>>,
    /// The session attended (webinar-wide lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<SessionKey>,
    /// The webinar attended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webinar_key: Option<WebinarKey>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What `GET …/sessions/{s}` answered: the documented array of attendees, or a session object.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionDetail {
    /// A session object (`sessionKey`, times, `registrantsAttended`, …).
    Session(Session),
    /// The session's attendees, as GoTo's document describes the answer.
    Attendees(Vec<Attendee>),
}

// ---------------------------------------------------------------------------------------------
// Panelists and co-organizers
// ---------------------------------------------------------------------------------------------

/// A panelist of a webinar (listed, or just created with its join link).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Panelist {
    /// The panelist's key (create answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panelist_key: Option<PanelistKey>,
    /// The panelist's key (list answers call it `panelistId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panelist_id: Option<PanelistKey>,
    /// The panelist's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The panelist's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The panelist's join link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_link: Option<String>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Panelist {
    /// The panelist's key, whichever name GoTo used for it.
    pub fn key(&self) -> Option<&PanelistKey> {
        self.panelist_key.as_ref().or(self.panelist_id.as_ref())
    }
}

/// A panelist to invite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewPanelist {
    /// The panelist's name.
    pub name: String,
    /// The panelist's email.
    pub email: String,
}

/// A co-organizer of a webinar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Coorganizer {
    /// The co-organizer's key, as `coorganizerKey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coorganizer_key: Option<CoorganizerKey>,
    /// The co-organizer's key, as `memberKey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_key: Option<CoorganizerKey>,
    /// The co-organizer's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The co-organizer's given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// The co-organizer's surname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    /// The co-organizer's join link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_link: Option<String>,
    /// True when the co-organizer has no GoTo account in this organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<bool>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Coorganizer {
    /// The co-organizer's key, whichever name GoTo used for it.
    pub fn key(&self) -> Option<&CoorganizerKey> {
        self.coorganizer_key.as_ref().or(self.member_key.as_ref())
    }
}

/// A co-organizer to add: an organizer of the account (`organizer_key`) or an external person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewCoorganizer {
    /// True for a person without a GoTo account in this organization.
    pub external: bool,
    /// The organizer to add (internal co-organizers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizer_key: Option<OrganizerKey>,
    /// The person's given name (external co-organizers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// The person's email (external co-organizers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Recording assets
// ---------------------------------------------------------------------------------------------

/// The body of `POST /recordingassets/search`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordingAssetSearch {
    /// The account whose recordings are searched.
    pub account_key: AccountKey,
    /// Only recordings whose name contains this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `CREATETIME` or `NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_field: Option<String>,
    /// `ASC` or `DESC`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<String>,
}

/// A stored webinar recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RecordingAsset {
    /// The recording's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_asset_key: Option<RecordingAssetKey>,
    /// The recording's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The recording's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When the recording was created.
    #[serde(default, deserialize_with = "time::optional", skip_serializing_if = "Option::is_none")]
    pub create_time: Option<DateTime<Utc>>,
    /// The account the recording belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_key: Option<AccountKey>,
    /// The webinar that was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webinar_key: Option<WebinarKey>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

/// The developer account's webhook signing key (`POST /webhooks/secretkey`). `value` is secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookSecretKey {
    /// The signing key.
    pub value: Secret,
    /// From when GoTo signs with it.
    #[serde(default, deserialize_with = "time::optional", skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<DateTime<Utc>>,
    /// GoTo's id of the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
}

/// A webhook to register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewWebhook {
    /// Where GoTo posts events (it must answer GoTo's GET check with 200).
    pub callback_url: String,
    /// E.g. `registrant.added`.
    pub event_name: String,
    /// `1.0.0`.
    pub event_version: String,
    /// `g2w`.
    pub product: String,
}

impl NewWebhook {
    /// A GoToWebinar webhook for `event_name` (version `1.0.0`).
    pub fn g2w(callback_url: impl Into<String>, event_name: impl Into<String>) -> Self {
        Self {
            callback_url: callback_url.into(),
            event_name: event_name.into(),
            event_version: "1.0.0".into(),
            product: "g2w".into(),
        }
    }
}

/// A registered webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Webhook {
    /// The webhook's key.
    pub webhook_key: WebhookKey,
    /// Where GoTo posts events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// The event delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_name: Option<String>,
    /// The event's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_version: Option<String>,
    /// The product, `g2w`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// `ACTIVE` or `INACTIVE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A change of a webhook's state (`PUT /webhooks`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookStateChange {
    /// The webhook to change.
    pub webhook_key: WebhookKey,
    /// `ACTIVE` or `INACTIVE`.
    pub state: String,
}

/// A user subscription to create (`POST /userSubscriptions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewUserSubscription {
    /// The webhook to subscribe the token's user to.
    pub webhook_key: WebhookKey,
    /// `ACTIVE` or `INACTIVE`.
    pub user_subscription_state: String,
}

/// A user's subscription to a webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserSubscription {
    /// The subscription's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_subscription_key: Option<UserSubscriptionKey>,
    /// The webhook subscribed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_key: Option<WebhookKey>,
    /// `ACTIVE` or `INACTIVE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_subscription_state: Option<String>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

// ---------------------------------------------------------------------------------------------
// Identity and admin
// ---------------------------------------------------------------------------------------------

/// An account the admin user belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MeAccount {
    /// The account's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<AccountKey>,
    /// The account's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The token's user from the admin API (`GET /admin/rest/v1/me`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Me {
    /// The user's key, which is the organizer key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<OrganizerKey>,
    /// The user's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_key: Option<AccountKey>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Locale, e.g. `en_US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The accounts the user belongs to.
    #[serde(default)]
    pub accounts: Vec<MeAccount>,
    /// The products the user has.
    #[serde(default)]
    pub products: Vec<Value>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A SCIM name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScimName {
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
}

/// A SCIM email address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScimEmail {
    /// The address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Whether it is the primary address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

/// The token's user from the identity API (`GET /identity/v1/Users/me`); `id` is the organizer key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScimUser {
    /// The user's id, which is the organizer key.
    pub id: OrganizerKey,
    /// The login name (an email).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// The display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The user's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<ScimName>,
    /// The user's email addresses.
    #[serde(default)]
    pub emails: Vec<ScimEmail>,
    /// Locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// IANA time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ScimUser {
    /// The primary email, else the first, else the user name.
    pub fn primary_email(&self) -> Option<&str> {
        self.emails
            .iter()
            .find(|e| e.primary == Some(true))
            .or_else(|| self.emails.first())
            .and_then(|e| e.value.as_deref())
            .or(self.user_name.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BIG: &str = "24576065432313123456";

    #[test]
    fn webinar_detail_keeps_big_keys_and_unknown_fields() {
        let body = format!(
            r#"{{"webinarKey": {BIG}, "subject": "Launch", "organizerKey": 200000000000012345,
               "times": [{{"startTime": "2026-03-13T10:00:00Z", "endTime": "2026-03-13T11:00:00.000+0000"}}],
               "inSession": false, "numberOfRegistrants": 3, "somethingNew": {{"x": 1}}}}"#
        );
        let webinar: Webinar = serde_json::from_str(&body).unwrap();
        assert_eq!(webinar.webinar_key.as_str(), BIG);
        assert_eq!(webinar.organizer_key.as_ref().unwrap().as_str(), "200000000000012345");
        assert_eq!(webinar.times[0].end_time.to_rfc3339(), "2026-03-13T11:00:00+00:00");
        assert_eq!(webinar.extra.get("somethingNew"), Some(&json!({"x": 1})));
        let out = serde_json::to_value(&webinar).unwrap();
        assert_eq!(out["webinarKey"], json!(BIG));
        assert_eq!(out["somethingNew"], json!({"x": 1}));
    }

    #[test]
    fn times_are_read_leniently_but_not_blindly() {
        for ok in [
            "2026-03-13T10:00:00Z",
            "2026-03-13T12:00:00+02:00",
            "2026-03-13T10:00:00.5+0000",
            "2026-03-13T10:00:00",
        ] {
            let t = time::parse(ok).unwrap();
            assert_eq!(t.format("%Y-%m-%dT%H:%M").to_string(), "2026-03-13T10:00", "{ok}");
        }
        assert!(time::parse("next tuesday").unwrap_err().contains("ISO-8601"));
    }

    #[test]
    fn create_webinar_sequence_body() {
        let start = time::parse("2026-03-13T10:00:00Z").unwrap();
        let end = time::parse("2026-03-13T11:00:00Z").unwrap();
        let mut body = CreateWebinar::new("Weekly", vec![]);
        body.webinar_type = Some(WebinarType::Sequence);
        body.recurrence_start = Some(WebinarTime::new(start, end));
        body.recurrence_pattern = Some(RecurrencePattern::Weekly);
        body.recurrence_end = NaiveDate::from_ymd_opt(2026, 6, 1);
        body.experience_type = Some(ExperienceType::Classic);
        body.email_settings = Some(EmailSettings {
            attendee_follow_up_email: Some(AttendeeFollowUpEmail {
                enabled: true,
                include_certificate: Some(true),
            }),
            ..Default::default()
        });
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "subject": "Weekly", "type": "sequence", "experienceType": "CLASSIC",
                "recurrenceStart": {"startTime": "2026-03-13T10:00:00Z", "endTime": "2026-03-13T11:00:00Z"},
                "recurrencePattern": "weekly", "recurrenceEnd": "2026-06-01",
                "emailSettings": {"attendeeFollowUpEmail": {"enabled": true, "includeCertificate": true}}
            })
        );
    }

    #[test]
    fn registrant_request_and_fields() {
        let body = CreateRegistrant {
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            email: "ada@example.com".into(),
            responses: vec![QuestionResponse {
                question_key: QuestionKey::new(BIG).unwrap(),
                response_text: None,
                answer_key: Some(AnswerKey::new("7").unwrap()),
            }],
            ..Default::default()
        };
        // GoTo types both keys int64: exact JSON integers, never strings or floats.
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            format!(
                r#"{{"firstName":"Ada","lastName":"Lovelace","email":"ada@example.com","responses":[{{"questionKey":{BIG},"answerKey":7}}]}}"#
            )
        );
        let fields: RegistrationFields = serde_json::from_str(&format!(
            r#"{{"fields": [{{"field": "email", "required": true, "maxSize": 128}}],
                "questions": [{{"questionKey": {BIG}, "question": "Size?", "required": true, "type": "multipleChoice",
                                "answers": [{{"answer": "Big", "answerKey": {BIG}}}]}}]}}"#
        ))
        .unwrap();
        assert_eq!(fields.questions[0].answers[0].answer_key.as_str(), BIG);
        assert_eq!(fields.questions[0].question_type.as_deref(), Some("multipleChoice"));
    }

    #[test]
    fn secret_key_debug_is_redacted() {
        let key: WebhookSecretKey = serde_json::from_str(r#"{"value": "hmac-secret", "id": 1}"#).unwrap();
        assert!(!format!("{key:?}").contains("hmac-secret"));
        assert_eq!(key.value.expose(), "hmac-secret");
    }

    #[test]
    fn scim_user_id_is_the_organizer_key() {
        let user: ScimUser = serde_json::from_str(&format!(
            r#"{{"id": "{BIG}", "userName": "a@b.c", "emails": [{{"value": "x@y.z", "primary": true}}]}}"#
        ))
        .unwrap();
        assert_eq!(user.id.as_str(), BIG);
        assert_eq!(user.primary_email(), Some("x@y.z"));
    }
}
