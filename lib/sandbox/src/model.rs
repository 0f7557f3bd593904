//! The sandbox's state: everything that is saved to and reloaded from a state file.
//!
//! Keys are kept as decimal strings; responses turn them into JSON numbers.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Version of the state file format.
pub const STATE_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    pub version: u32,
    pub account: Account,
    pub organizers: Vec<Organizer>,
    pub webinars: Vec<Webinar>,
    #[serde(default)]
    pub recording_assets: Vec<RecordingAsset>,
    #[serde(default)]
    pub secret_keys: Vec<SecretKey>,
    #[serde(default)]
    pub webhooks: Vec<Webhook>,
    #[serde(default)]
    pub user_subscriptions: Vec<UserSubscription>,
    #[serde(default)]
    pub oauth: OAuthState,
    /// Registered OAuth clients: id → secret.
    #[serde(default)]
    pub clients: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub key: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organizer {
    pub key: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub locale: String,
    pub time_zone: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Times {
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Webinar {
    pub key: String,
    pub webinar_id: String,
    pub organizer_key: String,
    pub account_key: String,
    pub subject: String,
    #[serde(default)]
    pub description: String,
    pub time_zone: String,
    pub locale: String,
    /// `single_session`, `series` or `sequence`.
    #[serde(rename = "type")]
    pub kind: String,
    pub times: Vec<Times>,
    #[serde(default)]
    pub is_password_protected: bool,
    pub experience_type: String,
    #[serde(default)]
    pub recording_asset_key: Option<String>,
    #[serde(default)]
    pub is_ondemand: bool,
    #[serde(default)]
    pub email_settings: Value,
    #[serde(default)]
    pub recurrence: Value,
    pub registration_limit: u32,
    #[serde(default)]
    pub cancelled: bool,
    #[serde(default)]
    pub audio: Value,
    #[serde(default)]
    pub questions: Vec<Question>,
    #[serde(default)]
    pub required_fields: Vec<String>,
    #[serde(default)]
    pub registrants: Vec<Registrant>,
    #[serde(default)]
    pub sessions: Vec<Session>,
    #[serde(default)]
    pub panelists: Vec<Panelist>,
    #[serde(default)]
    pub coorganizers: Vec<Coorganizer>,
}

impl Webinar {
    /// A time range contains `now`.
    pub fn in_session(&self, now: DateTime<Utc>) -> bool {
        self.times.iter().any(|t| t.start_time <= now && now < t.end_time)
    }

    /// Every time range has ended.
    pub fn is_over(&self, now: DateTime<Utc>) -> bool {
        self.times.iter().all(|t| t.end_time <= now)
    }

    /// Neither in session nor over.
    pub fn is_future(&self, now: DateTime<Utc>) -> bool {
        !self.in_session(now) && !self.is_over(now)
    }

    pub fn first_start(&self) -> Option<DateTime<Utc>> {
        self.times.iter().map(|t| t.start_time).min()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    pub question_key: String,
    pub question: String,
    /// `shortAnswer` or `multipleChoice`.
    #[serde(rename = "type")]
    pub kind: String,
    pub required: bool,
    pub max_size: u32,
    #[serde(default)]
    pub answers: Vec<Answer>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    pub answer_key: String,
    pub answer: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registrant {
    pub key: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub status: String,
    pub registration_date: DateTime<Utc>,
    pub time_zone: String,
    /// Optional detail fields (`source`, `address`, `organization`, …).
    #[serde(default)]
    pub details: BTreeMap<String, String>,
    #[serde(default)]
    pub responses: Vec<StoredResponse>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredResponse {
    pub question_key: String,
    pub question: String,
    pub answer: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub key: String,
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
    #[serde(default)]
    pub attendees: Vec<Attendee>,
    #[serde(default)]
    pub polls: Vec<Poll>,
    #[serde(default)]
    pub questions: Vec<AskedQuestion>,
    #[serde(default)]
    pub surveys: Vec<Poll>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attendee {
    pub registrant_key: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub join_time: DateTime<Utc>,
    pub leave_time: DateTime<Utc>,
    #[serde(default)]
    pub interest_rating: u32,
    #[serde(default)]
    pub attentiveness: f64,
    /// Poll answers: (question, answer).
    #[serde(default)]
    pub poll_answers: Vec<(String, String)>,
    /// Survey answers: (question, answer).
    #[serde(default)]
    pub survey_answers: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Poll {
    pub question: String,
    /// `single` or `multiple` choice.
    #[serde(rename = "type")]
    pub kind: String,
    pub responses: Vec<PollChoice>,
}

/// A choice of a poll (also the seed's shape, hence no unknown fields).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PollChoice {
    /// Choice text.
    pub text: String,
    /// Number of people who picked it.
    pub count: u32,
}

/// A question asked by an attendee (also the seed's shape, hence no unknown fields).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AskedQuestion {
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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Panelist {
    pub key: String,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Coorganizer {
    pub key: String,
    pub given_name: String,
    pub surname: String,
    pub email: String,
    pub external: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingAsset {
    pub key: String,
    pub name: String,
    pub description: String,
    pub create_time: DateTime<Utc>,
    pub account_key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretKey {
    pub id: String,
    pub value: String,
    pub valid_from: DateTime<Utc>,
    pub client_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    pub key: String,
    pub client_id: String,
    pub callback_url: String,
    pub event_name: String,
    pub event_version: String,
    pub product: String,
    /// `ACTIVE` or `INACTIVE`.
    pub state: String,
    pub create_time: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSubscription {
    pub key: String,
    pub webhook_key: String,
    pub organizer_key: String,
    pub client_id: String,
    /// `ACTIVE` or `INACTIVE`.
    pub state: String,
    pub create_time: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthState {
    #[serde(default)]
    pub codes: BTreeMap<String, AuthCode>,
    #[serde(default)]
    pub refresh_tokens: BTreeMap<String, RefreshToken>,
    #[serde(default)]
    pub access_tokens: BTreeMap<String, AccessToken>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub organizer_key: String,
    pub scope: String,
    pub expires_at: DateTime<Utc>,
    pub used: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshToken {
    pub grant: String,
    pub client_id: String,
    pub organizer_key: String,
    pub scope: String,
    pub expires_at: DateTime<Utc>,
    pub used: bool,
    pub revoked: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    pub grant: String,
    pub client_id: String,
    pub organizer_key: String,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
}

impl State {
    pub fn webinar(&self, key: &str) -> Option<&Webinar> {
        self.webinars.iter().find(|w| w.key == key && !w.cancelled)
    }

    pub fn webinar_mut(&mut self, key: &str) -> Option<&mut Webinar> {
        self.webinars.iter_mut().find(|w| w.key == key && !w.cancelled)
    }

    pub fn organizer(&self, key: &str) -> Option<&Organizer> {
        self.organizers.iter().find(|o| o.key == key)
    }

    /// Every key in use, to keep generated keys unique.
    fn key_in_use(&self, key: &str) -> bool {
        self.webinars.iter().any(|w| {
            w.key == key
                || w.registrants.iter().any(|r| r.key == key)
                || w.sessions.iter().any(|s| s.key == key)
                || w.questions
                    .iter()
                    .any(|q| q.question_key == key || q.answers.iter().any(|a| a.answer_key == key))
                || w.panelists.iter().any(|p| p.key == key)
                || w.coorganizers.iter().any(|c| c.key == key)
        }) || self.recording_assets.iter().any(|a| a.key == key)
            || self.organizers.iter().any(|o| o.key == key)
            || self.account.key == key
    }

    /// A new unique key: a large integer, often above 2^63 and often above `u64::MAX`.
    pub fn new_key(&self) -> String {
        let mut rng = rand::thread_rng();
        loop {
            let n: u128 = rng.gen_range(5_000_000_000_000_000_000u128..50_000_000_000_000_000_000u128);
            let key = n.to_string();
            if !self.key_in_use(&key) {
                return key;
            }
        }
    }
}

/// GoTo's display id for a webinar key: `123-456-789`.
pub fn webinar_id(key: &str) -> String {
    let digits: String = key.chars().rev().take(9).collect::<Vec<_>>().into_iter().rev().collect();
    let digits = format!("{digits:0>9}");
    format!("{}-{}-{}", &digits[0..3], &digits[3..6], &digits[6..9])
}
