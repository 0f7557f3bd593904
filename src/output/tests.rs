//! Tests of the output types.

mod registrants {
    use crate::output::*;
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

mod sessions {
    use crate::output::*;
    use serde_json::json;

    #[test]
    fn get_session_says_which_shape_gotos_answer_had() {
        let webinar = WebinarKey::new("24576065432313123456").unwrap();
        let session = SessionKey::new("77").unwrap();
        let object: Session = serde_json::from_str(
            r#"{"sessionKey":77,"startTime":"2026-03-13T10:00:00Z","endTime":"2026-03-13T11:00:00Z","registrantsAttended":4}"#,
        )
        .unwrap();
        let out =
            serde_json::to_value(SessionDetailOut::new(SessionDetail::Session(object), &webinar, &session))
                .unwrap();
        assert_eq!(out["answer"], "session");
        assert_eq!(out["sessionKey"], "77");
        assert_eq!(out["webinarKey"], "24576065432313123456");
        assert_eq!(out["registrantsAttended"], 4);
        assert!(out.get("attendees").is_none(), "{out}");

        // The documented answer: an array of Attendee.
        let attendees: Vec<gotowebinar::models::Attendee> = serde_json::from_str(
            r#"[{"registrantKey":18446744073709551617,"firstName":"Ada","lastName":"L","email":"a@x.io",
                 "attendanceTimeInSeconds":60,"sessionKey":77,
                 "attendance":[{"joinTime":"2026-03-13T10:00:00Z","leaveTime":"2026-03-13T10:01:00Z"}]}]"#,
        )
        .unwrap();
        let out = serde_json::to_value(SessionDetailOut::new(
            SessionDetail::Attendees(attendees),
            &webinar,
            &session,
        ))
        .unwrap();
        assert_eq!(out["answer"], "attendees");
        assert_eq!(out["sessionKey"], "77");
        assert_eq!(out["registrantsAttended"], 1);
        assert_eq!(out["startTime"], json!(null));
        assert_eq!(out["attendees"][0]["registrantKey"], "18446744073709551617");
        assert_eq!(out["attendees"][0]["attendanceTimeInSeconds"], 60);
    }
}
