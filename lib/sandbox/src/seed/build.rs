//! Turning a seed into state: keys checked or made, relative times resolved, references checked.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::json::is_digits;
use crate::model::{self, State};

use super::{SeedAttendee, SeedData, SeedPoll, SeedRegistrant, SeedSession, SeedWebinar};

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

/// The attendance of registrant `reg` that `a` stands for; it joins and leaves at `default` unless
/// `a` says otherwise, and never leaves before it joins.
pub(crate) fn attendee(
    a: &SeedAttendee,
    reg: &model::Registrant,
    default: (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> Result<model::Attendee, String> {
    let join_time = a.join.as_ref().map_or(Ok(default.0), |t| t.resolve(now))?;
    let leave_time = a.leave.as_ref().map_or(Ok(default.1), |t| t.resolve(now))?;
    Ok(model::Attendee {
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
    })
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
        attendees.push(attendee(a, reg, (start_time, end_time), now)?);
    }
    let polls = |list: &[SeedPoll]| {
        list.iter()
            .map(|p| model::Poll {
                question: p.question.clone(),
                kind: p.kind.clone().unwrap_or_else(|| "single".into()),
                responses: p.responses.clone(),
            })
            .collect::<Vec<_>>()
    };
    web.sessions.push(model::Session {
        key: key.clone(),
        start_time,
        end_time,
        attendees,
        polls: polls(&s.polls),
        questions: s.questions.clone(),
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
