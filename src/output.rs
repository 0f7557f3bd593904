//! What both actions and triggers emit: webinars, people and registrants, keys always as
//! strings. They are kept apart from the client's wire models so that the manifest's schemas
//! describe exactly what a flow builder receives.

use gotowebinar::keys::WebinarKey;
use gotowebinar::models::{Registrant, Webinar, WebinarTime};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::schema_types;

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

    /// A person's name and email address, as registrants, attendees and webhook events carry them.
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
}

/// Formats a time as the outputs carry it: ISO 8601, UTC, whole seconds.
pub fn time_text(time: chrono::DateTime<chrono::Utc>) -> String {
    gotowebinar::rfc3339(time)
}

impl From<Webinar> for WebinarOut {
    fn from(w: Webinar) -> Self {
        WebinarOut {
            webinar_key: w.webinar_key.into_string(),
            webinar_id: w.webinar_id,
            subject: w.subject,
            description: w.description,
            organizer_key: w.organizer_key.map(|k| k.into_string()),
            organizer_name: w.organizer_name,
            organizer_email: w.organizer_email,
            account_key: w.account_key.map(|k| k.into_string()),
            times: w.times.into_iter().map(TimeRangeOut::from).collect(),
            time_zone: w.time_zone,
            locale: w.locale,
            webinar_type: w.webinar_type,
            experience_type: w.experience_type,
            registration_url: w.registration_url,
            is_password_protected: w.is_password_protected,
            in_session: w.in_session,
            number_of_registrants: w.number_of_registrants,
            registration_limit: w.registration_limit,
            recurrence_key: w.recurrence_key.map(|k| k.into_string()),
        }
    }
}

impl From<WebinarTime> for TimeRangeOut {
    fn from(t: WebinarTime) -> Self {
        TimeRangeOut { start_time: Some(time_text(t.start_time)), end_time: Some(time_text(t.end_time)) }
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

/// Fields the output names itself; everything else GoTo sends goes along as it came.
const NAMED_FIELDS: [&str; 9] = [
    "registrantKey",
    "webinarKey",
    "firstName",
    "lastName",
    "email",
    "status",
    "registrationDate",
    "joinUrl",
    "timeZone",
];

impl RegistrantOut {
    /// The output for a registrant of `webinar`.
    pub fn new(mut registrant: Registrant, webinar: &WebinarKey) -> Self {
        // The named fields are taken out first so they are not copied into `details` only to be
        // removed again (this runs once per registrant of a list).
        let first_name = registrant.first_name.take();
        let last_name = registrant.last_name.take();
        let email = registrant.email.take();
        let status = registrant.status.take();
        let registration_date = registrant.registration_date.take();
        let join_url = registrant.join_url.take();
        let time_zone = registrant.time_zone.take();
        let mut details = match serde_json::to_value(&registrant) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        for name in NAMED_FIELDS {
            details.remove(name);
        }
        details.retain(|_, value| !value.is_null());
        RegistrantOut {
            registrant_key: registrant.registrant_key.into_string(),
            webinar_key: Some(webinar.to_string()),
            person: PersonOut { first_name, last_name, email },
            status,
            registration_date: registration_date.map(time_text),
            join_url,
            time_zone,
            details,
        }
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
