//! Seed data: the format of `--seed FILE`, the built-in realistic seed, and turning a seed into state.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::config::SandboxError;
use crate::json::{is_digits, parse_time};
use crate::model::{self, State};

/// A point in time: an ISO-8601 time, or relative to the moment the seed is loaded:
/// `now`, `now+2d`, `now-1h30m`, `now+45m`, `now-10s` (units `d`, `h`, `m`, `s`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SeedTime(pub String);

impl SeedTime {
    /// An absolute time.
    pub fn at(t: DateTime<Utc>) -> Self {
        Self(crate::json::fmt_time(t))
    }

    /// A time relative to now.
    pub fn from_now(offset: Duration) -> Self {
        let secs = offset.num_seconds();
        Self(format!("now{}{}s", if secs < 0 { '-' } else { '+' }, secs.unsigned_abs()))
    }

    /// The time this stands for, given the current time.
    pub fn resolve(&self, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
        let text = self.0.trim();
        let Some(rest) = text.strip_prefix("now") else {
            return parse_time(text).ok_or_else(|| {
                format!("`{text}` is neither an ISO-8601 time with offset nor a relative time like `now+2d`")
            });
        };
        if rest.is_empty() {
            return Ok(now);
        }
        if !rest.starts_with(['+', '-']) {
            return Err(format!("`{text}`: expected `+` or `-` after `now`"));
        }
        // Terms like `-7d+1h`: a sign applies to the terms after it until the next sign.
        let (mut sign, mut total, mut rest) = (1i64, 0i64, rest);
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('+') {
                (sign, rest) = (1, r);
            } else if let Some(r) = rest.strip_prefix('-') {
                (sign, rest) = (-1, r);
            }
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let amount: i64 = rest[..digits].parse().map_err(|_| format!("`{text}`: expected a number"))?;
            let unit = rest[digits..].chars().next().ok_or_else(|| format!("`{text}`: missing unit"))?;
            let factor = match unit {
                'd' => 86_400,
                'h' => 3_600,
                'm' => 60,
                's' => 1,
                _ => return Err(format!("`{text}`: unknown unit `{unit}` (use d, h, m or s)")),
            };
            total = total.saturating_add(sign * amount.saturating_mul(factor));
            rest = &rest[digits + unit.len_utf8()..];
        }
        Ok(now + Duration::seconds(total))
    }
}

/// The whole seed: one account, its organizers, their webinars and the account's recordings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedData {
    /// The account.
    pub account: SeedAccount,
    /// Organizers; the first one is the one that signs in.
    pub organizers: Vec<SeedOrganizer>,
    /// Webinars.
    #[serde(default)]
    pub webinars: Vec<SeedWebinar>,
    /// Recording assets of the account.
    #[serde(default)]
    pub recording_assets: Vec<SeedRecordingAsset>,
}

/// The account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedAccount {
    /// Account key (decimal digits); generated when absent.
    #[serde(default)]
    pub key: Option<String>,
    /// Account name.
    pub name: String,
}

/// An organizer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedOrganizer {
    /// Organizer key (decimal digits); generated when absent.
    #[serde(default)]
    pub key: Option<String>,
    /// Email (also the user name).
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Locale, default `en_US`.
    #[serde(default)]
    pub locale: Option<String>,
    /// IANA time zone, default `America/New_York`.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// A webinar with everything that belongs to it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedWebinar {
    /// Webinar key (decimal digits); generated when absent.
    #[serde(default)]
    pub key: Option<String>,
    /// Organizer key; default the first organizer.
    #[serde(default)]
    pub organizer_key: Option<String>,
    /// Subject.
    pub subject: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// IANA time zone; default the organizer's.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// `single_session` (default for one time), `series` (default for several) or `sequence`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The time ranges.
    pub times: Vec<SeedTimes>,
    /// `CLASSIC` (default), `BROADCAST` or `SIMULIVE`.
    #[serde(default)]
    pub experience_type: Option<String>,
    /// Registration limit, default 1000.
    #[serde(default)]
    pub registration_limit: Option<u32>,
    /// Custom registration questions.
    #[serde(default)]
    pub questions: Vec<SeedQuestion>,
    /// Standard registration fields that are required besides first name, last name and email.
    #[serde(default)]
    pub required_fields: Vec<String>,
    /// Registrants.
    #[serde(default)]
    pub registrants: Vec<SeedRegistrant>,
    /// Sessions that took place (or are taking place).
    #[serde(default)]
    pub sessions: Vec<SeedSession>,
    /// Panelists.
    #[serde(default)]
    pub panelists: Vec<SeedPanelist>,
}

impl SeedWebinar {
    /// A single-session webinar of the first organizer.
    pub fn new(subject: &str, start: SeedTime, end: SeedTime) -> Self {
        Self { subject: subject.into(), times: vec![SeedTimes { start, end }], ..Self::default() }
    }
}

/// A time range.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedTimes {
    /// Start.
    pub start: SeedTime,
    /// End.
    pub end: SeedTime,
}

/// A custom registration question.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedQuestion {
    /// The question text.
    pub question: String,
    /// `shortAnswer` or `multipleChoice`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether an answer is required.
    #[serde(default)]
    pub required: bool,
    /// Longest answer (short answers), default 256.
    #[serde(default)]
    pub max_size: Option<u32>,
    /// The choices of a multiple-choice question.
    #[serde(default)]
    pub answers: Vec<String>,
}

/// A registrant.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedRegistrant {
    /// Registrant key; generated when absent.
    #[serde(default)]
    pub key: Option<String>,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: String,
    /// Registration time; default now.
    #[serde(default)]
    pub registration_date: Option<SeedTime>,
    /// `APPROVED` (default), `DENIED` or `WAITING`.
    #[serde(default)]
    pub status: Option<String>,
    /// Detail fields such as `organization`, `jobTitle`, `source`.
    #[serde(default)]
    pub details: BTreeMap<String, String>,
    /// Answers to custom questions, matched by question text.
    #[serde(default)]
    pub responses: Vec<SeedResponse>,
}

impl SeedRegistrant {
    /// A registrant with just a name and an email.
    pub fn new(first_name: &str, last_name: &str, email: &str) -> Self {
        Self {
            first_name: first_name.into(),
            last_name: last_name.into(),
            email: email.into(),
            ..Self::default()
        }
    }
}

/// An answer to a custom question.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedResponse {
    /// The question text.
    pub question: String,
    /// The answer text (for multiple choice, the choice's text).
    pub answer: String,
}

/// A session of a webinar.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedSession {
    /// Session key; generated when absent.
    #[serde(default)]
    pub key: Option<String>,
    /// Start.
    pub start: SeedTime,
    /// End.
    pub end: SeedTime,
    /// Attendees, by registrant email.
    #[serde(default)]
    pub attendees: Vec<SeedAttendee>,
    /// Polls.
    #[serde(default)]
    pub polls: Vec<SeedPoll>,
    /// Questions asked.
    #[serde(default)]
    pub questions: Vec<SeedAskedQuestion>,
    /// Surveys.
    #[serde(default)]
    pub surveys: Vec<SeedPoll>,
}

impl SeedSession {
    /// A session without attendees or reports.
    pub fn new(start: SeedTime, end: SeedTime) -> Self {
        Self {
            key: None,
            start,
            end,
            attendees: Vec::new(),
            polls: Vec::new(),
            questions: Vec::new(),
            surveys: Vec::new(),
        }
    }
}

/// An attendee: a registrant (by email) who joined.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedAttendee {
    /// Email of a registrant of the webinar.
    pub email: String,
    /// Join time; default the session start.
    #[serde(default)]
    pub join: Option<SeedTime>,
    /// Leave time; default the session end.
    #[serde(default)]
    pub leave: Option<SeedTime>,
    /// Interest rating (0–100).
    #[serde(default)]
    pub interest_rating: u32,
    /// Poll answers as (question, answer) pairs.
    #[serde(default)]
    pub poll_answers: Vec<(String, String)>,
    /// Survey answers as (question, answer) pairs.
    #[serde(default)]
    pub survey_answers: Vec<(String, String)>,
}

impl SeedAttendee {
    /// The registrant with this email joined now (or at the session start) and stays to the end.
    pub fn new(email: &str) -> Self {
        Self {
            email: email.into(),
            join: None,
            leave: None,
            interest_rating: 0,
            poll_answers: Vec::new(),
            survey_answers: Vec::new(),
        }
    }
}

/// A poll or survey question with its tally.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedPoll {
    /// The question.
    pub question: String,
    /// `single` (default) or `multiple`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Choices and how many picked them.
    pub responses: Vec<SeedPollChoice>,
}

/// A choice of a poll.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedPollChoice {
    /// Choice text.
    pub text: String,
    /// Number of people who picked it.
    pub count: u32,
}

/// A question asked by an attendee.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedAskedQuestion {
    /// The question.
    pub question: String,
    /// Email of who asked.
    pub asked_by: String,
    /// The answer, if any.
    #[serde(default)]
    pub answer: Option<String>,
    /// Who answered.
    #[serde(default)]
    pub answered_by: Option<String>,
}

/// A panelist.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedPanelist {
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
}

/// A recording asset.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedRecordingAsset {
    /// Key; generated when absent.
    #[serde(default)]
    pub key: Option<String>,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Creation time; default now.
    #[serde(default)]
    pub create_time: Option<SeedTime>,
}

impl SeedData {
    /// Reads a seed file.
    pub fn from_file(path: &Path) -> Result<Self, SandboxError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| SandboxError::SeedRead { path: path.to_path_buf(), source })?;
        serde_json::from_str(&text)
            .map_err(|e| SandboxError::SeedInvalid { path: path.to_path_buf(), message: e.to_string() })
    }

    /// The built-in seed: one account and organizer, three upcoming webinars (one with custom
    /// questions), one past webinar with sessions, attendees, polls, questions and surveys, one webinar
    /// in session, and a few registrants.
    pub fn realistic() -> Self {
        let value = json!({
            "account": {"key": "3957458926893454862", "name": "Northwind Events"},
            "organizers": [{
                "key": "10208180301458787589",
                "email": "morgan.lee@northwind.example",
                "firstName": "Morgan",
                "lastName": "Lee",
                "locale": "en_US",
                "timeZone": "America/New_York"
            }],
            "webinars": [
                {
                    "key": "24576065432313123456",
                    "subject": "Product Launch Q&A",
                    "description": "Meet the team behind the spring release and bring your questions.",
                    "times": [{"start": "now+2d", "end": "now+2d1h"}],
                    "questions": [
                        {"question": "What would you like us to cover?", "type": "shortAnswer", "maxSize": 256},
                        {"question": "How did you hear about us?", "type": "multipleChoice", "required": true,
                         "answers": ["Email", "Social media", "A colleague"]}
                    ],
                    "registrants": [
                        {"firstName": "Ada", "lastName": "Byron", "email": "ada.byron@example.com",
                         "registrationDate": "now-2d",
                         "responses": [{"question": "How did you hear about us?", "answer": "Email"}]},
                        {"firstName": "Grace", "lastName": "Hopper", "email": "grace.hopper@example.com",
                         "registrationDate": "now-1d",
                         "details": {"organization": "Navy Labs", "jobTitle": "Rear Admiral"},
                         "responses": [{"question": "How did you hear about us?", "answer": "A colleague"},
                                       {"question": "What would you like us to cover?", "answer": "Pricing"}]}
                    ]
                },
                {
                    "key": "12345678901234567890",
                    "subject": "Onboarding Series",
                    "description": "Two sessions to get new customers started.",
                    "type": "series",
                    "times": [{"start": "now+5d", "end": "now+5d1h"}, {"start": "now+12d", "end": "now+12d1h"}],
                    "registrants": [
                        {"firstName": "Alan", "lastName": "Turing", "email": "alan.turing@example.com",
                         "registrationDate": "now-3h"}
                    ]
                },
                {
                    "key": "8914733297516347393",
                    "subject": "Monthly Customer Roundtable",
                    "times": [{"start": "now+20d", "end": "now+20d1h30m"}]
                },
                {
                    "key": "31245098712345678901",
                    "subject": "Spring Release Walkthrough",
                    "description": "A tour of everything new in the spring release.",
                    "times": [{"start": "now-7d", "end": "now-7d+1h"}],
                    "registrants": [
                        {"firstName": "Katherine", "lastName": "Johnson", "email": "katherine.johnson@example.com",
                         "registrationDate": "now-10d"},
                        {"firstName": "Edsger", "lastName": "Dijkstra", "email": "edsger.dijkstra@example.com",
                         "registrationDate": "now-9d"},
                        {"firstName": "Barbara", "lastName": "Liskov", "email": "barbara.liskov@example.com",
                         "registrationDate": "now-8d"}
                    ],
                    "sessions": [{
                        "start": "now-7d", "end": "now-7d+1h",
                        "attendees": [
                            {"email": "katherine.johnson@example.com", "join": "now-7d", "leave": "now-7d+55m",
                             "interestRating": 90,
                             "pollAnswers": [["Which feature matters most to you?", "Reports"]],
                             "surveyAnswers": [["How useful was this webinar?", "Very useful"]]},
                            {"email": "edsger.dijkstra@example.com", "join": "now-7d+5m", "leave": "now-7d+40m",
                             "interestRating": 70,
                             "pollAnswers": [["Which feature matters most to you?", "Integrations"]]}
                        ],
                        "polls": [{"question": "Which feature matters most to you?", "type": "single",
                                   "responses": [{"text": "Reports", "count": 1}, {"text": "Integrations", "count": 1},
                                                 {"text": "Mobile app", "count": 0}]}],
                        "questions": [{"question": "Is the new API backwards compatible?",
                                       "askedBy": "edsger.dijkstra@example.com",
                                       "answer": "Yes, v2 keeps every v1 field.",
                                       "answeredBy": "morgan.lee@northwind.example"}],
                        "surveys": [{"question": "How useful was this webinar?", "type": "single",
                                     "responses": [{"text": "Very useful", "count": 1}, {"text": "Somewhat", "count": 0}]}]
                    }]
                },
                {
                    "key": "15966072838194123456",
                    "subject": "Live: Office Hours",
                    "times": [{"start": "now-15m", "end": "now+45m"}],
                    "registrants": [
                        {"firstName": "Linus", "lastName": "Torvalds", "email": "linus.torvalds@example.com",
                         "registrationDate": "now-1d"}
                    ],
                    "sessions": [{"start": "now-15m", "end": "now+45m",
                                  "attendees": [{"email": "linus.torvalds@example.com", "join": "now-14m"}]}]
                }
            ],
            "recordingAssets": [
                {"name": "Spring Release Walkthrough (recording)", "description": "Edited recording",
                 "createTime": "now-6d"},
                {"name": "Onboarding basics", "createTime": "now-30d"}
            ]
        });
        // The built-in seed is a constant; a failure here is a bug caught by the crate's tests.
        serde_json::from_value(value).unwrap_or_else(|e| panic!("built-in seed is invalid: {e}"))
    }
}

fn check_key(what: &str, key: &Option<String>) -> Result<(), String> {
    match key {
        Some(k) if !is_digits(k) => Err(format!("{what} key `{k}` must be decimal digits")),
        _ => Ok(()),
    }
}

/// Builds a fresh state from a seed.
pub(crate) fn build_state(seed: &SeedData, now: DateTime<Utc>) -> Result<State, String> {
    check_key("account", &seed.account.key)?;
    let mut state = State {
        version: model::STATE_VERSION,
        account: model::Account { key: String::new(), name: seed.account.name.clone() },
        organizers: Vec::new(),
        webinars: Vec::new(),
        recording_assets: Vec::new(),
        secret_keys: Vec::new(),
        webhooks: Vec::new(),
        user_subscriptions: Vec::new(),
        oauth: Default::default(),
        clients: Default::default(),
    };
    state.account.key = match &seed.account.key {
        Some(k) => k.clone(),
        None => state.new_key(),
    };
    if seed.organizers.is_empty() {
        return Err("at least one organizer is required".into());
    }
    for o in &seed.organizers {
        check_key("organizer", &o.key)?;
        let key = match &o.key {
            Some(k) => k.clone(),
            None => state.new_key(),
        };
        state.organizers.push(model::Organizer {
            key,
            email: o.email.clone(),
            first_name: o.first_name.clone(),
            last_name: o.last_name.clone(),
            locale: o.locale.clone().unwrap_or_else(|| "en_US".into()),
            time_zone: o.time_zone.clone().unwrap_or_else(|| "America/New_York".into()),
        });
    }
    for w in &seed.webinars {
        add_webinar(&mut state, w, now)?;
    }
    for a in &seed.recording_assets {
        check_key("recording asset", &a.key)?;
        let key = match &a.key {
            Some(k) => k.clone(),
            None => state.new_key(),
        };
        let create_time = match &a.create_time {
            Some(t) => t.resolve(now)?,
            None => now,
        };
        let account_key = state.account.key.clone();
        state.recording_assets.push(model::RecordingAsset {
            key,
            name: a.name.clone(),
            description: a.description.clone().unwrap_or_default(),
            create_time,
            account_key,
        });
    }
    Ok(state)
}

/// Adds a seed webinar to the state and returns its key.
pub(crate) fn add_webinar(state: &mut State, w: &SeedWebinar, now: DateTime<Utc>) -> Result<String, String> {
    check_key("webinar", &w.key)?;
    if let Some(k) = &w.key {
        if state.webinars.iter().any(|x| &x.key == k) {
            return Err(format!("webinar key {k} is used twice"));
        }
    }
    let organizer = match &w.organizer_key {
        Some(k) => {
            state.organizer(k).ok_or_else(|| format!("webinar `{}`: unknown organizer {k}", w.subject))?
        }
        None => state.organizers.first().ok_or("no organizer")?,
    }
    .clone();
    if w.subject.trim().is_empty() {
        return Err("a webinar needs a subject".into());
    }
    if w.times.is_empty() {
        return Err(format!("webinar `{}` needs at least one time range", w.subject));
    }
    let mut times = Vec::new();
    for t in &w.times {
        let (start_time, end_time) = (t.start.resolve(now)?, t.end.resolve(now)?);
        if end_time <= start_time {
            return Err(format!("webinar `{}`: a time range ends before it starts", w.subject));
        }
        times.push(model::Times { start_time, end_time });
    }
    let key = match &w.key {
        Some(k) => k.clone(),
        None => state.new_key(),
    };
    let kind =
        w.kind.clone().unwrap_or_else(|| if times.len() > 1 { "series" } else { "single_session" }.into());
    let mut questions = Vec::new();
    for q in &w.questions {
        if q.kind != "shortAnswer" && q.kind != "multipleChoice" {
            return Err(format!("question `{}`: type must be shortAnswer or multipleChoice", q.question));
        }
        let question_key = state.new_key();
        let mut answers: Vec<model::Answer> = Vec::new();
        for a in &q.answers {
            // Keys must be unique across the state, and these are not stored yet.
            let mut answer_key = state.new_key();
            while answer_key == question_key || answers.iter().any(|x| x.answer_key == answer_key) {
                answer_key = state.new_key();
            }
            answers.push(model::Answer { answer_key, answer: a.clone() });
        }
        questions.push(model::Question {
            question_key,
            question: q.question.clone(),
            kind: q.kind.clone(),
            required: q.required,
            max_size: q.max_size.unwrap_or(256),
            answers,
        });
    }
    let webinar = model::Webinar {
        webinar_id: model::webinar_id(&key),
        key: key.clone(),
        organizer_key: organizer.key.clone(),
        account_key: state.account.key.clone(),
        subject: w.subject.clone(),
        description: w.description.clone().unwrap_or_default(),
        time_zone: w.time_zone.clone().unwrap_or_else(|| organizer.time_zone.clone()),
        locale: organizer.locale.clone(),
        kind,
        times,
        is_password_protected: false,
        experience_type: w.experience_type.clone().unwrap_or_else(|| "CLASSIC".into()),
        recording_asset_key: None,
        is_ondemand: false,
        email_settings: default_email_settings(),
        recurrence: serde_json::Value::Null,
        registration_limit: w.registration_limit.unwrap_or(1000),
        cancelled: false,
        audio: default_audio(),
        questions,
        required_fields: w.required_fields.clone(),
        registrants: Vec::new(),
        sessions: Vec::new(),
        panelists: Vec::new(),
        coorganizers: Vec::new(),
    };
    state.webinars.push(webinar);
    for r in &w.registrants {
        add_registrant(state, &key, r, now)?;
    }
    for s in &w.sessions {
        add_session(state, &key, s, now)?;
    }
    for p in &w.panelists {
        let pkey = state.new_key();
        if let Some(web) = state.webinar_mut(&key) {
            web.panelists.push(model::Panelist { key: pkey, name: p.name.clone(), email: p.email.clone() });
        }
    }
    Ok(key)
}

/// Adds a seed registrant to a webinar and returns its key.
pub(crate) fn add_registrant(
    state: &mut State,
    webinar_key: &str,
    r: &SeedRegistrant,
    now: DateTime<Utc>,
) -> Result<String, String> {
    check_key("registrant", &r.key)?;
    let key = match &r.key {
        Some(k) => k.clone(),
        None => state.new_key(),
    };
    let registration_date = match &r.registration_date {
        Some(t) => t.resolve(now)?,
        None => now,
    };
    let web = state.webinar_mut(webinar_key).ok_or_else(|| format!("no webinar {webinar_key}"))?;
    if r.email.trim().is_empty() || r.first_name.trim().is_empty() || r.last_name.trim().is_empty() {
        return Err("a registrant needs firstName, lastName and email".into());
    }
    if web.registrants.iter().any(|x| x.email.eq_ignore_ascii_case(&r.email)) {
        return Err(format!("{} is already registered for webinar {webinar_key}", r.email));
    }
    let mut responses = Vec::new();
    for resp in &r.responses {
        let q = web
            .questions
            .iter()
            .find(|q| q.question == resp.question)
            .ok_or_else(|| format!("registrant {}: no question `{}`", r.email, resp.question))?;
        responses.push(model::StoredResponse {
            question_key: q.question_key.clone(),
            question: q.question.clone(),
            answer: resp.answer.clone(),
        });
    }
    let time_zone = web.time_zone.clone();
    web.registrants.push(model::Registrant {
        key: key.clone(),
        first_name: r.first_name.clone(),
        last_name: r.last_name.clone(),
        email: r.email.clone(),
        status: r.status.clone().unwrap_or_else(|| "APPROVED".into()),
        registration_date,
        time_zone,
        details: r.details.clone(),
        responses,
    });
    Ok(key)
}

/// Adds a seed session (with attendees) to a webinar and returns its key.
pub(crate) fn add_session(
    state: &mut State,
    webinar_key: &str,
    s: &SeedSession,
    now: DateTime<Utc>,
) -> Result<String, String> {
    check_key("session", &s.key)?;
    let key = match &s.key {
        Some(k) => k.clone(),
        None => state.new_key(),
    };
    let (start_time, end_time) = (s.start.resolve(now)?, s.end.resolve(now)?);
    if end_time <= start_time {
        return Err("a session ends before it starts".into());
    }
    let web = state.webinar_mut(webinar_key).ok_or_else(|| format!("no webinar {webinar_key}"))?;
    let mut attendees = Vec::new();
    for a in &s.attendees {
        let reg =
            web.registrants.iter().find(|r| r.email.eq_ignore_ascii_case(&a.email)).ok_or_else(|| {
                format!("attendee {} is not a registrant of webinar {webinar_key}", a.email)
            })?;
        let join_time = match &a.join {
            Some(t) => t.resolve(now)?,
            None => start_time,
        };
        let leave_time = match &a.leave {
            Some(t) => t.resolve(now)?,
            None => end_time,
        };
        attendees.push(model::Attendee {
            registrant_key: reg.key.clone(),
            first_name: reg.first_name.clone(),
            last_name: reg.last_name.clone(),
            email: reg.email.clone(),
            join_time,
            leave_time: leave_time.max(join_time),
            interest_rating: a.interest_rating,
            attentiveness: 0.0,
            poll_answers: a.poll_answers.clone(),
            survey_answers: a.survey_answers.clone(),
        });
    }
    let polls = |list: &[SeedPoll]| {
        list.iter()
            .map(|p| model::Poll {
                question: p.question.clone(),
                kind: p.kind.clone().unwrap_or_else(|| "single".into()),
                responses: p
                    .responses
                    .iter()
                    .map(|c| model::PollChoice { text: c.text.clone(), count: c.count })
                    .collect(),
            })
            .collect::<Vec<_>>()
    };
    web.sessions.push(model::Session {
        key: key.clone(),
        start_time,
        end_time,
        attendees,
        polls: polls(&s.polls),
        questions: s
            .questions
            .iter()
            .map(|q| model::AskedQuestion {
                question: q.question.clone(),
                asked_by: q.asked_by.clone(),
                answer: q.answer.clone(),
                answered_by: q.answered_by.clone(),
            })
            .collect(),
        surveys: polls(&s.surveys),
    });
    Ok(key)
}

pub(crate) fn default_email_settings() -> serde_json::Value {
    json!({
        "confirmationEmail": {"enabled": true},
        "reminderEmail": {"enabled": true},
        "absenteeFollowUpEmail": {"enabled": false},
        "attendeeFollowUpEmail": {"enabled": false, "includeCertificate": false}
    })
}

pub(crate) fn default_audio() -> serde_json::Value {
    json!({
        "type": "Hybrid",
        "pstnInfo": {"tollCountries": ["US"], "tollFreeCountries": []},
        "confCallNumbers": {"US": {"countryName": "United States", "toll": "+1 (555) 010-0100",
                                   "tollNumber": "+1 (555) 010-0100",
                                   "accessCodes": {"organizer": "111-111-111", "panelist": "222-222-222",
                                                   "attendee": "333-333-333"}}}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times() {
        let now = parse_time("2026-03-13T10:00:00Z").unwrap();
        let at = |s: &str| SeedTime(s.into()).resolve(now).map(crate::json::fmt_time);
        assert_eq!(at("now").unwrap(), "2026-03-13T10:00:00Z");
        assert_eq!(at("now+2d1h").unwrap(), "2026-03-15T11:00:00Z");
        assert_eq!(at("now-7d+1h").unwrap(), "2026-03-06T11:00:00Z");
        assert!(at("now+2x").unwrap_err().contains("unknown unit"));
        assert_eq!(at("now-1h30m").unwrap(), "2026-03-13T08:30:00Z");
        assert_eq!(at("2026-01-01T00:00:00+01:00").unwrap(), "2025-12-31T23:00:00Z");
        assert!(at("tomorrow").is_err());
        assert!(at("now+").is_err());
        assert!(at("now+5").is_err());
    }

    #[test]
    fn the_readme_seed_example_is_valid() {
        let readme = include_str!("../README.md");
        let section = &readme[readme.find("## Seed file format").unwrap()..];
        let start = section.find("```json").unwrap() + "```json".len();
        let end = start + section[start..].find("```").unwrap();
        let seed: SeedData = serde_json::from_str(&section[start..end]).unwrap();
        let state = build_state(&seed, Utc::now()).unwrap();
        assert_eq!(state.webinars[0].sessions[0].attendees.len(), 1);
    }

    #[test]
    fn realistic_seed_builds() {
        let state = build_state(&SeedData::realistic(), Utc::now()).unwrap();
        assert_eq!(state.webinars.len(), 5);
        let past = state.webinar("31245098712345678901").unwrap();
        assert_eq!(past.sessions[0].attendees.len(), 2);
    }
}
