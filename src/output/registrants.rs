//! Registrants: listed, found by email and just registered.

use gotowebinar::keys::WebinarKey;
use gotowebinar::models::Registrant;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{time_text, PersonOut};
use crate::schema_types;

schema_types! {
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

schema_types! {
    /// A registration that was just made (or found, when the person was already registered).
    #[derive(Serialize)]
    CreatedRegistrantOut {
        registrant_key: String = "The registrant's key.",
        join_url: Option<String> = "Their personal link to join.",
        status: Option<String> = "`APPROVED`, `DENIED` or `WAITING`, when GoTo says.",
        email: String = "The email address registered.",
        already_registered: bool = "True when the person was registered before this step ran.",
    }

    /// A registration found by email (`found` is false, and the registrant fields absent, when
    /// nobody is registered and `ifAbsent` is `emitNotFound`).
    #[derive(Serialize)]
    FoundRegistrantOut {
        found: bool = "True when a registration was found.",
        #[serde(flatten)]
        registrant: RegistrantOut = "The registrant.",
    }
}

impl CreatedRegistrantOut {
    /// The output for a registration that already existed, found by its email address.
    pub(crate) fn existing(registrant: Registrant, email: &str, already_registered: bool) -> Self {
        CreatedRegistrantOut {
            registrant_key: registrant.registrant_key.into_string(),
            join_url: registrant.join_url,
            status: registrant.status,
            email: registrant.email.unwrap_or_else(|| email.to_string()),
            already_registered,
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
