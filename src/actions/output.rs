//! What the actions emit: the component's own output types, keys always as strings. They are
//! kept apart from the client's wire models so that the manifest's schemas describe exactly what
//! a flow builder receives.

use crate::schema_types;
use serde::Serialize;
use serde_json::{Map, Value};

schema_types! {
    /// A start and end time.
    #[derive(Serialize)]
    TimeRangeOut {
        start_time: Option<String> = "Start (ISO 8601, UTC).",
        end_time: Option<String> = "End (ISO 8601, UTC).",
    }

    /// A webinar.
    #[derive(Serialize)]
    WebinarOut {
        webinar_key: String = "The webinar's key.",
        webinar_id: Option<String> = "The webinar's ID as shown to attendees.",
        subject: Option<String> = "Title.",
        description: Option<String> = "Description.",
        organizer_key: Option<String> = "The organizer's key.",
        organizer_name: Option<String> = "The organizer's name.",
        organizer_email: Option<String> = "The organizer's email.",
        account_key: Option<String> = "The GoTo account's key.",
        times: Vec<TimeRangeOut> = "Sessions' start and end times.",
        time_zone: Option<String> = "IANA time zone, e.g. `Europe/Berlin`.",
        locale: Option<String> = "Language of the registration pages.",
        #[serde(rename = "type")]
        #[schemars(title = "Webinar type")]
        webinar_type: Option<String> = "`single_session`, `series` or `sequence`.",
        experience_type: Option<String> = "`CLASSIC`, `BROADCAST` or `SIMULIVE`.",
        registration_url: Option<String> = "The public registration page.",
        is_password_protected: Option<bool> = "Whether attendees need a password.",
        in_session: Option<bool> = "Whether the webinar is running now.",
        number_of_registrants: Option<u64> = "Number of people registered.",
        registration_limit: Option<u64> = "The most people who may register.",
        recurrence_key: Option<String> = "The recurrence key of a series or sequence.",
    }

    /// A person's name and email address, as registrants and webhook events carry them.
    #[derive(Default, Serialize)]
    PersonOut {
        first_name: Option<String> = "First name.",
        last_name: Option<String> = "Last name.",
        email: Option<String> = "Email address.",
    }

    /// A registrant of a webinar.
    ///
    /// Serialized with its keys sorted, named fields and `details` merged, as a `Value` of it
    /// would be: a list writes each registrant straight into its event line, the same text as
    /// before.
    #[derive(Default)]
    RegistrantOut {
        registrant_key: String = "The registrant's key.",
        webinar_key: Option<String> = "The webinar's key.",
        #[serde(flatten)]
        person: PersonOut = "The registrant's name and email address.",
        status: Option<String> = "`APPROVED`, `DENIED` or `WAITING`.",
        registration_date: Option<String> = "When they registered (ISO 8601).",
        join_url: Option<String> = "Their personal link to join.",
        time_zone: Option<String> = "Their time zone.",
        #[serde(flatten)]
        #[schemars(skip)]
        details: Map<String, Value> = "Further fields GoTo returns (address, organization, answers, …).",
    }

    /// A registration that was just made (or found, when the person was already registered).
    #[derive(Serialize)]
    CreatedRegistrantOut {
        registrant_key: String = "The registrant's key.",
        join_url: Option<String> = "Their personal link to join.",
        status: Option<String> = "`APPROVED`, `DENIED` or `WAITING`, when GoTo says.",
        email: String = "The email address registered.",
        already_registered: bool = "True when the person was registered before this step ran.",
    }

    /// The key of a webinar just created.
    #[derive(Serialize)]
    WebinarKeyOut {
        webinar_key: String = "The new webinar's key.",
    }

    /// The outcome of a change or deletion.
    #[derive(Serialize)]
    DoneOut {
        success: bool = "True when GoTo accepted the change.",
        webinar_key: Option<String> = "The key of the webinar concerned.",
        key: Option<String> = "The key of the registrant, panelist or co-organizer concerned.",
    }
}

impl Serialize for RegistrantOut {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // The named fields by their JSON names, in sorted order.
        let named: [(&str, Option<&str>); 9] = [
            ("email", self.person.email.as_deref()),
            ("firstName", self.person.first_name.as_deref()),
            ("joinUrl", self.join_url.as_deref()),
            ("lastName", self.person.last_name.as_deref()),
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

schema_types! {
    /// A standard registration field of a webinar.
    #[derive(Serialize)]
    RegistrationFieldOut {
        field: String = "The field's name, e.g. `organization`.",
        required: bool = "Whether registrants must fill it.",
        max_size: Option<u32> = "The longest accepted value.",
        answers: Option<Vec<String>> = "The accepted values of a multiple-choice field.",
    }

    /// One answer of a multiple-choice question.
    #[derive(Serialize)]
    AnswerOut {
        answer_key: String = "The answer's key (give it as `answerKey` in `responses`).",
        answer: Option<String> = "The answer's text.",
    }

    /// A custom registration question of a webinar.
    #[derive(Serialize)]
    QuestionOut {
        question_key: String = "The question's key (give it as `questionKey` in `responses`).",
        question: Option<String> = "The question's text.",
        required: bool = "Whether registrants must answer.",
        #[serde(rename = "type")]
        #[schemars(title = "Question type")]
        question_type: Option<String> = "`shortAnswer` or `multipleChoice`.",
        max_size: Option<u32> = "The longest accepted answer.",
        answers: Vec<AnswerOut> = "The choices of a multiple-choice question.",
    }

    /// The registration form of a webinar.
    #[derive(Serialize)]
    RegistrationFieldsOut {
        webinar_key: String = "The webinar's key.",
        fields: Vec<RegistrationFieldOut> = "The standard fields.",
        questions: Vec<QuestionOut> = "The custom questions.",
    }
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
            person: PersonOut {
                first_name: Some("Ada".into()),
                last_name: None,
                email: Some("ada@example.com".into()),
            },
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
