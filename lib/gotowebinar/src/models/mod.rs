//! Wire models: the JSON GoToWebinar sends and accepts, as typed Rust values.
//!
//! Response models are tolerant: every field GoTo may omit is an `Option` (lists default to
//! empty), unknown fields are kept in `extra`, and nothing is refused for carrying more than
//! documented. Keys are [`crate::keys`] newtypes; times are `DateTime<Utc>` (read leniently, see
//! [`time`]). Request bodies serialize only the fields that are set.
//!
//! These are wire types: actions convert them to their own input/output types.

use serde_json::{Map, Value};

mod identity;
mod people;
mod recordings;
mod registrants;
mod sessions;
pub mod time;
mod webhooks;
mod webinars;

pub use identity::*;
pub use people::*;
pub use recordings::*;
pub use registrants::*;
pub use sessions::*;
pub use webhooks::*;
pub use webinars::*;

/// Unknown fields of a response, kept so nothing GoTo sends is lost.
pub type Extra = Map<String, Value>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{AnswerKey, QuestionKey};
    use chrono::NaiveDate;
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
    fn registrant_profile_fields_stay_flat_both_ways() {
        let profile = json!({
            "source": "web", "address": "1 Main St", "city": "Springfield", "state": "IL",
            "zipCode": "12345", "country": "US", "phone": "555-0100", "organization": "ACME",
            "jobTitle": "Eng", "questionsAndComments": "None", "industry": "Software",
            "numberOfEmployees": "10-50", "purchasingTimeFrame": "1-3 months",
            "purchasingRole": "Decision Maker"
        });
        let mut wire = json!({
            "registrantKey": BIG, "firstName": "Ada", "responses": [{"questionKey": 7}],
            "somethingNew": {"x": 1}
        });
        wire.as_object_mut().unwrap().extend(profile.as_object().unwrap().clone());
        let registrant: Registrant = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(registrant.profile.zip_code.as_deref(), Some("12345"));
        assert_eq!(registrant.profile.purchasing_role.as_deref(), Some("Decision Maker"));
        // The profile takes its keys first: `extra` keeps only what nothing else models.
        assert_eq!(registrant.extra.keys().collect::<Vec<_>>(), ["somethingNew"]);
        assert_eq!(serde_json::to_value(&registrant).unwrap(), wire);
        // Absent stays absent.
        let bare: Registrant = serde_json::from_value(json!({"registrantKey": "1"})).unwrap();
        assert_eq!(serde_json::to_value(&bare).unwrap(), json!({"registrantKey": "1"}));

        let body = CreateRegistrant {
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            email: "ada@example.com".into(),
            profile: registrant.profile.clone(),
            ..Default::default()
        };
        let mut expected = json!({"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"});
        expected.as_object_mut().unwrap().extend(profile.as_object().unwrap().clone());
        assert_eq!(serde_json::to_value(&body).unwrap(), expected);
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
