//! Every type the actions emit (and the triggers share), in one place and by resource: webinars,
//! registrants, panelists and co-organizers, attendees, sessions, recordings, registration forms and
//! raw answers. Keys are always strings. The types are kept apart from the client's wire models so
//! that the manifest's schemas describe exactly what a flow builder receives.

use gotowebinar::keys::{SessionKey, WebinarKey};
use gotowebinar::models::{
    Attendee, Coorganizer, Panelist, RecordingAsset, Registrant, RegistrationFields, Session, SessionDetail,
    Webinar, WebinarTime,
};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::schema_types;

#[cfg(test)]
mod tests;

/// Formats a time as the outputs carry it: ISO 8601, UTC, whole seconds.
pub fn time_text(time: chrono::DateTime<chrono::Utc>) -> String {
    gotowebinar::rfc3339(time)
}

schema_types! {
    /// The outcome of a change or deletion.
    #[derive(Serialize)]
    DoneOut {
        success: bool = "True when GoTo accepted the change.",
        webinar_key: Option<String> = "The key of the webinar concerned.",
        key: Option<String> = "The key of the registrant, panelist or co-organizer concerned.",
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

// ---------------------------------------------------------------------------------------------
// Webinars: the webinar itself, its times, audio, performance, start link and new keys.

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

// ---------------------------------------------------------------------------------------------
// Registrants: listed, found by email and just registered.

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

// ---------------------------------------------------------------------------------------------
// People around a webinar: a person's name and email, panelists and co-organizers.

schema_types! {
    /// A person's name and email address, as registrants, attendees and webhook events carry them.
    #[derive(Default, Serialize)]
    PersonOut {
        first_name: Option<String> = "First name.",
        last_name: Option<String> = "Last name.",
        email: Option<String> = "Email address.",
    }
}

schema_types! {
    /// A panelist of a webinar.
    #[derive(Serialize)]
    PanelistOut {
        panelist_key: Option<String> = "The panelist's key.",
        webinar_key: String = "The webinar's key.",
        name: Option<String> = "Name.",
        email: Option<String> = "Email address.",
        join_link: Option<String> = "The panelist's personal link to join.",
    }
}

impl PanelistOut {
    /// The output for a panelist of `webinar`.
    pub(crate) fn new(panelist: Panelist, webinar: &WebinarKey) -> Self {
        PanelistOut {
            panelist_key: panelist.key().map(ToString::to_string),
            webinar_key: webinar.to_string(),
            name: panelist.name,
            email: panelist.email,
            join_link: panelist.join_link,
        }
    }
}

schema_types! {
    /// The panelists just invited.
    #[derive(Serialize)]
    CreatedPanelistsOut {
        webinar_key: String = "The webinar's key.",
        panelists: Vec<PanelistOut> = "Each invited panelist with their key and join link.",
    }
}

schema_types! {
    /// A co-organizer of a webinar.
    #[derive(Serialize)]
    CoorganizerOut {
        coorganizer_key: Option<String> = "The co-organizer's key.",
        webinar_key: String = "The webinar's key.",
        given_name: Option<String> = "Given name.",
        surname: Option<String> = "Surname.",
        email: Option<String> = "Email address.",
        external: Option<bool> = "True for a person without a GoTo account in this organization.",
        join_link: Option<String> = "The co-organizer's personal link to join.",
    }
}

impl CoorganizerOut {
    /// The output for a co-organizer of `webinar`.
    pub(crate) fn new(coorganizer: Coorganizer, webinar: &WebinarKey) -> Self {
        CoorganizerOut {
            coorganizer_key: coorganizer.key().map(ToString::to_string),
            webinar_key: webinar.to_string(),
            given_name: coorganizer.given_name,
            surname: coorganizer.surname,
            email: coorganizer.email,
            external: coorganizer.external,
            join_link: coorganizer.join_link,
        }
    }
}

schema_types! {
    /// The co-organizers just added.
    #[derive(Serialize)]
    CreatedCoorganizersOut {
        webinar_key: String = "The webinar's key.",
        coorganizers: Vec<CoorganizerOut> = "Each co-organizer added, with their key and join link.",
    }
}

// ---------------------------------------------------------------------------------------------
// Attendees of held sessions.

schema_types! {
    /// When an attendee joined and left.
    #[derive(Serialize)]
    IntervalOut {
        join_time: Option<String> = "When they joined (ISO 8601, UTC).",
        leave_time: Option<String> = "When they left (ISO 8601, UTC).",
    }

    /// A registrant who attended a session.
    #[derive(Serialize)]
    AttendeeOut {
        registrant_key: Option<String> = "The attendee's registrant key.",
        session_key: Option<String> = "The session attended.",
        webinar_key: Option<String> = "The webinar attended.",
        #[serde(flatten)]
        #[allow(missing_docs)]
        person: PersonOut,
        attendance_time_in_seconds: Option<u64> = "Total time attended, in seconds.",
        attendance: Vec<IntervalOut> = "Each time they joined and left.",
    }
}

impl AttendeeOut {
    pub(crate) fn new(attendee: Attendee, webinar: &WebinarKey, session: Option<&SessionKey>) -> Self {
        AttendeeOut {
            registrant_key: attendee.registrant_key.map(|k| k.into_string()),
            session_key: attendee
                .session_key
                .map(|k| k.into_string())
                .or_else(|| session.map(|s| s.to_string())),
            webinar_key: attendee.webinar_key.map(|k| k.into_string()).or_else(|| Some(webinar.to_string())),
            person: PersonOut {
                first_name: attendee.first_name,
                last_name: attendee.last_name,
                email: attendee.email,
            },
            attendance_time_in_seconds: attendee.attendance_time_in_seconds,
            attendance: attendee
                .attendance
                .unwrap_or_default()
                .into_iter()
                .map(|i| IntervalOut {
                    join_time: i.join_time.map(time_text),
                    leave_time: i.leave_time.map(time_text),
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Held sessions: listed, read and their performance.

schema_types! {
    /// A held session of a webinar.
    #[derive(Default, Serialize)]
    SessionOut {
        session_key: String = "The session's key.",
        webinar_key: Option<String> = "The webinar's key.",
        webinar_id: Option<String> = "The webinar's ID as shown to attendees.",
        webinar_name: Option<String> = "The webinar's title.",
        start_time: Option<String> = "When the session started (ISO 8601, UTC).",
        end_time: Option<String> = "When the session ended (ISO 8601, UTC).",
        registrants_attended: Option<u64> = "How many registrants attended.",
    }
}

impl SessionOut {
    /// The output for a session of `webinar` (when GoTo leaves the webinar key out).
    pub(crate) fn new(session: Session, webinar: Option<&WebinarKey>) -> Self {
        SessionOut {
            session_key: session.session_key.into_string(),
            webinar_key: session
                .webinar_key
                .map(|k| k.into_string())
                .or_else(|| webinar.map(|w| w.to_string())),
            webinar_id: session.webinar_id,
            webinar_name: session.webinar_name,
            start_time: session.start_time.map(time_text),
            end_time: session.end_time.map(time_text),
            registrants_attended: session.registrants_attended,
        }
    }
}

schema_types! {
    /// What `getSession` emits. GoTo's document says the call answers the session's attendees; the
    /// API has also answered a session object. `answer` says which came: `session` (the session
    /// fields are filled, `attendees` is absent) or `attendees` (`attendees` lists them and
    /// `registrantsAttended` is their number; the times and webinar name are absent).
    #[derive(Serialize)]
    SessionDetailOut {
        answer: SessionAnswer = "`session` or `attendees`: the shape of GoTo's answer.",
        #[serde(flatten)]
        #[allow(missing_docs)]
        session: SessionOut,
        #[serde(skip_serializing_if = "Option::is_none")]
        attendees: Option<Vec<AttendeeOut>> = "The session's attendees (only when `answer` is `attendees`).",
    }
}

/// The shape of GoTo's answer to `getSession`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum SessionAnswer {
    /// A session object.
    Session,
    /// The documented array of attendees.
    Attendees,
}

impl SessionDetailOut {
    /// The output for GoTo's answer about session `session` of `webinar`.
    pub(crate) fn new(found: SessionDetail, webinar: &WebinarKey, session: &SessionKey) -> Self {
        match found {
            SessionDetail::Session(found) => SessionDetailOut {
                answer: SessionAnswer::Session,
                session: SessionOut::new(found, Some(webinar)),
                attendees: None,
            },
            SessionDetail::Attendees(attendees) => {
                let attendees: Vec<AttendeeOut> =
                    attendees.into_iter().map(|a| AttendeeOut::new(a, webinar, Some(session))).collect();
                SessionDetailOut {
                    answer: SessionAnswer::Attendees,
                    session: SessionOut {
                        session_key: session.to_string(),
                        webinar_key: Some(webinar.to_string()),
                        registrants_attended: Some(attendees.len() as u64),
                        ..SessionOut::default()
                    },
                    attendees: Some(attendees),
                }
            }
        }
    }
}

schema_types! {
    /// A session's attendance and engagement.
    #[derive(Serialize)]
    SessionFiguresOut {
        webinar_key: String = "The webinar's key.",
        session_key: String = "The session's key.",
        attendance: Option<Value> = "Registrant count, attendance percentage, average interest and attendance time, …",
        polls_and_surveys: Option<Value> = "Poll and survey counts and response rates.",
    }
}

// ---------------------------------------------------------------------------------------------
// Recordings of webinars.

schema_types! {
    /// A stored webinar recording.
    #[derive(Serialize)]
    RecordingOut {
        recording_asset_key: Option<String> = "The recording's key (give it as `recordingAssetKey` to create a simulive webinar).",
        name: Option<String> = "Name.",
        description: Option<String> = "Description.",
        create_time: Option<String> = "When it was created (ISO 8601, UTC).",
        account_key: Option<String> = "The account it belongs to.",
        webinar_key: Option<String> = "The webinar that was recorded.",
    }
}

impl From<RecordingAsset> for RecordingOut {
    fn from(asset: RecordingAsset) -> Self {
        RecordingOut {
            recording_asset_key: asset.recording_asset_key.map(|k| k.into_string()),
            name: asset.name,
            description: asset.description,
            create_time: asset.create_time.map(time_text),
            account_key: asset.account_key.map(|k| k.into_string()),
            webinar_key: asset.webinar_key.map(|k| k.into_string()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Registration forms: standard fields and custom questions.

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

impl RegistrationFieldsOut {
    /// The output for the registration form of `webinar`.
    pub(crate) fn new(fields: RegistrationFields, webinar: &WebinarKey) -> Self {
        RegistrationFieldsOut {
            webinar_key: webinar.to_string(),
            fields: fields
                .fields
                .into_iter()
                .map(|f| RegistrationFieldOut {
                    field: f.field,
                    required: f.required.unwrap_or(false),
                    max_size: f.max_size,
                    answers: f.answers,
                })
                .collect(),
            questions: fields
                .questions
                .into_iter()
                .map(|q| QuestionOut {
                    question_key: q.question_key.into_string(),
                    question: q.question,
                    required: q.required.unwrap_or(false),
                    question_type: q.question_type,
                    max_size: q.max_size,
                    answers: q
                        .answers
                        .into_iter()
                        .map(|a| AnswerOut { answer_key: a.answer_key.into_string(), answer: a.answer })
                        .collect(),
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Answers to raw requests.

schema_types! {
    /// GoTo's answer to a raw request.
    #[derive(Serialize)]
    RawResponseOut {
        status: u16 = "The HTTP status, e.g. 200.",
        body: Option<Value> = "The JSON answer (long keys as strings); absent when GoTo sent no body.",
    }
}
