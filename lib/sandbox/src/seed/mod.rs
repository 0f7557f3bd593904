//! Seed data: the format of `--seed FILE` (here), the built-in realistic seed (`realistic`), and
//! turning a seed into state (`build`).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::config::SandboxError;
use crate::json::parse_time;

mod build;
mod realistic;

/// A question an attendee asked, as the seed and the state hold it.
pub use crate::model::AskedQuestion as SeedAskedQuestion;
/// A poll's choice, as the seed and the state hold it.
pub use crate::model::PollChoice as SeedPollChoice;
pub(crate) use build::{
    add_registrant, add_session, add_webinar, attendee, build_state, default_audio, default_email_settings,
};

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
        let readme = include_str!("../../README.md");
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
