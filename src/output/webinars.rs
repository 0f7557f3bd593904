//! Webinars: the webinar itself, its times, audio, performance, start link and new keys.

use gotowebinar::keys::WebinarKey;
use gotowebinar::models::{Webinar, WebinarTime};
use serde::Serialize;
use serde_json::Value;

use super::time_text;
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

    /// The key of a webinar just created.
    #[derive(Serialize)]
    WebinarKeyOut {
        webinar_key: String = "The new webinar's key.",
    }
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

schema_types! {
    /// The session times of a webinar.
    #[derive(Serialize)]
    MeetingTimesOut {
        webinar_key: String = "The webinar's key.",
        times: Vec<TimeRangeOut> = "Every session's start and end.",
    }
}

schema_types! {
    /// A webinar's audio settings.
    #[derive(Serialize)]
    AudioOut {
        webinar_key: String = "The webinar's key.",
        #[serde(rename = "type")]
        #[schemars(title = "Audio type")]
        audio_type: Option<String> = "`VOIP`, `PSTN`, `Hybrid` or `Private`.",
        pstn_info: Option<Value> = "Dial-in numbers by country, as GoTo sends them.",
        private_info: Option<Value> = "The private conference line, as GoTo sends it.",
    }
}

schema_types! {
    /// The figures of one session of a webinar.
    #[derive(Serialize)]
    SessionPerformanceOut {
        session_key: String = "The session's key.",
        attendance: Option<Value> = "Registrant count, attendance percentage, average interest and attendance time, …",
        polls_and_surveys: Option<Value> = "Poll and survey counts and response rates.",
    }

    /// The attendance and engagement of every held session of a webinar.
    #[derive(Serialize)]
    WebinarPerformanceOut {
        webinar_key: String = "The webinar's key.",
        sessions: Vec<SessionPerformanceOut> = "One entry per held session.",
    }
}

impl WebinarPerformanceOut {
    /// The output for GoTo's performance answer, which is keyed by session key.
    pub(crate) fn new(figures: Value, webinar: &WebinarKey) -> Self {
        // GoTo keys the answer by session key; a list is easier to map and loop over.
        let sessions = match figures {
            Value::Object(by_session) => by_session
                .into_iter()
                .map(|(session_key, mut figures)| SessionPerformanceOut {
                    session_key,
                    attendance: figures.get_mut("attendance").map(Value::take),
                    polls_and_surveys: figures.get_mut("pollsAndSurveys").map(Value::take),
                })
                .collect(),
            _ => Vec::new(),
        };
        WebinarPerformanceOut { webinar_key: webinar.to_string(), sessions }
    }
}

schema_types! {
    /// The organizer's start link of a webinar.
    #[derive(Serialize)]
    StartUrlOut {
        webinar_key: String = "The webinar's key.",
        start_url: Option<String> = "Opens the webinar as its organizer; do not share it.",
    }
}
