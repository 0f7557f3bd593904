//! What the actions emit: the component's own output types, keys always as strings. They are
//! kept apart from the client's wire models so that the manifest's schemas describe exactly what
//! a flow builder receives.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

/// A start and end time.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimeRangeOut {
    /// Start (ISO 8601, UTC).
    pub start_time: Option<String>,
    /// End (ISO 8601, UTC).
    pub end_time: Option<String>,
}

/// A webinar.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebinarOut {
    /// The webinar's key.
    pub webinar_key: String,
    /// The webinar's ID as shown to attendees.
    pub webinar_id: Option<String>,
    /// Title.
    pub subject: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// The organizer's key.
    pub organizer_key: Option<String>,
    /// The organizer's name.
    pub organizer_name: Option<String>,
    /// The organizer's email.
    pub organizer_email: Option<String>,
    /// The GoTo account's key.
    pub account_key: Option<String>,
    /// Sessions' start and end times.
    pub times: Vec<TimeRangeOut>,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: Option<String>,
    /// Language of the registration pages.
    pub locale: Option<String>,
    /// `single_session`, `series` or `sequence`.
    #[serde(rename = "type")]
    #[schemars(title = "Webinar type")]
    pub webinar_type: Option<String>,
    /// `CLASSIC`, `BROADCAST` or `SIMULIVE`.
    pub experience_type: Option<String>,
    /// The public registration page.
    pub registration_url: Option<String>,
    /// Whether attendees need a password.
    pub is_password_protected: Option<bool>,
    /// Whether the webinar is running now.
    pub in_session: Option<bool>,
    /// Number of people registered.
    pub number_of_registrants: Option<u64>,
    /// The most people who may register.
    pub registration_limit: Option<u64>,
    /// The recurrence key of a series or sequence.
    pub recurrence_key: Option<String>,
}

/// A registrant of a webinar.
///
/// Serialized with its keys sorted, named fields and `details` merged, as a `Value` of it would
/// be: a list writes each registrant straight into its event line, the same text as before.
#[derive(Debug, Clone, Default, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegistrantOut {
    /// The registrant's key.
    pub registrant_key: String,
    /// The webinar's key.
    pub webinar_key: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// `APPROVED`, `DENIED` or `WAITING`.
    pub status: Option<String>,
    /// When they registered (ISO 8601).
    pub registration_date: Option<String>,
    /// Their personal link to join.
    pub join_url: Option<String>,
    /// Their time zone.
    pub time_zone: Option<String>,
    /// Further fields GoTo returns (address, organization, answers, …).
    #[serde(flatten)]
    #[schemars(skip)]
    pub details: Map<String, Value>,
}

impl Serialize for RegistrantOut {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // The named fields by their JSON names, in sorted order.
        let named: [(&str, Option<&str>); 9] = [
            ("email", self.email.as_deref()),
            ("firstName", self.first_name.as_deref()),
            ("joinUrl", self.join_url.as_deref()),
            ("lastName", self.last_name.as_deref()),
            ("registrantKey", Some(self.registrant_key.as_str())),
            ("registrationDate", self.registration_date.as_deref()),
            ("status", self.status.as_deref()),
            ("timeZone", self.time_zone.as_deref()),
            ("webinarKey", self.webinar_key.as_deref()),
        ];
        let mut map = serializer.serialize_map(None)?;
        let mut details = self.details.iter().peekable();
        for (name, value) in named {
            while let Some((key, detail)) = details.next_if(|(key, _)| key.as_str() < name) {
                map.serialize_entry(key, detail)?;
            }
            // A detail of the same name would have replaced the named field.
            match details.next_if(|(key, _)| key.as_str() == name) {
                Some((key, detail)) => map.serialize_entry(key, detail)?,
                None => map.serialize_entry(name, &value)?,
            }
        }
        for (key, detail) in details {
            map.serialize_entry(key, detail)?;
        }
        map.end()
    }
}

/// A registration that was just made (or found, when the person was already registered).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedRegistrantOut {
    /// The registrant's key.
    pub registrant_key: String,
    /// Their personal link to join.
    pub join_url: Option<String>,
    /// `APPROVED`, `DENIED` or `WAITING`, when GoTo says.
    pub status: Option<String>,
    /// The email address registered.
    pub email: String,
    /// True when the person was registered before this step ran.
    pub already_registered: bool,
}

/// The key of a webinar just created.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebinarKeyOut {
    /// The new webinar's key.
    pub webinar_key: String,
}

/// The outcome of a change or deletion.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DoneOut {
    /// True when GoTo accepted the change.
    pub success: bool,
    /// The key of the webinar concerned.
    pub webinar_key: Option<String>,
    /// The key of the registrant, panelist or co-organizer concerned.
    pub key: Option<String>,
}

impl DoneOut {
    /// A change GoTo accepted for a webinar.
    pub fn webinar(webinar: String) -> Self {
        DoneOut { success: true, webinar_key: Some(webinar), key: None }
    }

    /// A change GoTo accepted for one registrant, panelist or co-organizer of a webinar.
    pub fn item(webinar: String, key: String) -> Self {
        DoneOut { success: true, webinar_key: Some(webinar), key: Some(key) }
    }
}

/// A standard registration field of a webinar.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationFieldOut {
    /// The field's name, e.g. `organization`.
    pub field: String,
    /// Whether registrants must fill it.
    pub required: bool,
    /// The longest accepted value.
    pub max_size: Option<u32>,
    /// The accepted values of a multiple-choice field.
    pub answers: Option<Vec<String>>,
}

/// One answer of a multiple-choice question.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnswerOut {
    /// The answer's key (give it as `answerKey` in `responses`).
    pub answer_key: String,
    /// The answer's text.
    pub answer: Option<String>,
}

/// A custom registration question of a webinar.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionOut {
    /// The question's key (give it as `questionKey` in `responses`).
    pub question_key: String,
    /// The question's text.
    pub question: Option<String>,
    /// Whether registrants must answer.
    pub required: bool,
    /// `shortAnswer` or `multipleChoice`.
    #[serde(rename = "type")]
    #[schemars(title = "Question type")]
    pub question_type: Option<String>,
    /// The longest accepted answer.
    pub max_size: Option<u32>,
    /// The choices of a multiple-choice question.
    pub answers: Vec<AnswerOut>,
}

/// The registration form of a webinar.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationFieldsOut {
    /// The webinar's key.
    pub webinar_key: String,
    /// The standard fields.
    pub fields: Vec<RegistrationFieldOut>,
    /// The custom questions.
    pub questions: Vec<QuestionOut>,
}

#[cfg(test)]
mod registrant_text_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_registrant_is_written_with_the_text_of_its_value() {
        let mut details = Map::new();
        for (key, value) in [
            ("address", json!("1 Main St")),
            ("organization", json!("ACME")),
            ("phone", json!(null)),
            ("responses", json!([{"questionKey": 7, "answer": "yes"}])),
            ("zipCode", json!("12345")),
            ("joinUrlExtra", json!(1.5)),
        ] {
            details.insert(key.into(), value);
        }
        let full = RegistrantOut {
            registrant_key: "42".into(),
            webinar_key: Some("7".into()),
            first_name: Some("Ada".into()),
            last_name: None,
            email: Some("ada@example.com".into()),
            status: Some("APPROVED".into()),
            registration_date: Some("2026-01-01T00:00:00Z".into()),
            join_url: Some("https://example.com/j".into()),
            time_zone: None,
            details,
        };
        for registrant in [full, RegistrantOut::default()] {
            let text = serde_json::to_string(&registrant).unwrap();
            assert_eq!(text, serde_json::to_value(&registrant).unwrap().to_string());
            let value: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(value["registrantKey"], json!(registrant.registrant_key));
            assert_eq!(value["lastName"], Value::Null, "absent named fields are null, as before");
        }
    }
}
