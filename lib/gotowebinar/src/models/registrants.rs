//! Registrants and the registration form.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{time, Extra};
use crate::keys::{AnswerKey, QuestionKey, RegistrantKey};

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
    /// The standard form fields (detail: GoTo answers them for `GET` one).
    #[serde(flatten)]
    pub profile: RegistrantProfile,
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

/// GoTo's standard registration form fields, as sent in a registration and answered for a registrant.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegistrantProfile {
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
    /// The standard form fields.
    #[serde(flatten)]
    pub profile: RegistrantProfile,
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
