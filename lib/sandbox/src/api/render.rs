//! Response bodies in GoTo's shapes.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::app::App;
use crate::json::{fmt_time, num};
use crate::model::{Attendee, Registrant, Session, State, Webinar};

pub fn times(w: &Webinar) -> Value {
    Value::Array(
        w.times
            .iter()
            .map(|t| json!({"startTime": fmt_time(t.start_time), "endTime": fmt_time(t.end_time)}))
            .collect(),
    )
}

/// A webinar as lists and create answers carry it: `webinarKey` is a string.
pub fn webinar_item(app: &App, w: &Webinar, now: DateTime<Utc>) -> Value {
    let mut v = json!({
        "webinarKey": w.key,
        "webinarID": w.webinar_id,
        "subject": w.subject,
        "description": w.description,
        // The document's `Webinar` has these two keys as strings.
        "organizerKey": w.organizer_key,
        "accountKey": w.account_key,
        "times": times(w),
        "timeZone": w.time_zone,
        "locale": w.locale,
        "approvalType": "AUTOMATIC",
        "registrationUrl": format!("{}/register/{}", app.base(), w.key),
        "impromptu": false,
        "isPasswordProtected": w.is_password_protected,
        "recurrenceType": w.kind,
        "type": w.kind,
        "experienceType": w.experience_type,
        "isOndemand": w.is_ondemand,
        "inSession": w.in_session(now),
    });
    if let Some(asset) = &w.recording_asset_key {
        v["recordingAssetKey"] = num(asset);
    }
    v
}

/// A webinar as `GET …/webinars/{w}` answers: `webinarKey` is a number, plus organizer and counts.
pub fn webinar_by_key(app: &App, state: &State, w: &Webinar, now: DateTime<Utc>) -> Value {
    let mut v = webinar_item(app, w, now);
    v["webinarKey"] = num(&w.key);
    v["organizerKey"] = num(&w.organizer_key);
    v["recurrencePeriod"] = json!(w.kind);
    let organizer = state.organizer(&w.organizer_key);
    v["organizerEmail"] = json!(organizer.map(|o| o.email.clone()).unwrap_or_default());
    v["organizerName"] =
        json!(organizer.map(|o| format!("{} {}", o.first_name, o.last_name)).unwrap_or_default());
    v["numberOfRegistrants"] = json!(w.registrants.len());
    v["registrationLimit"] = json!(w.registration_limit);
    v["registrationLimitReached"] = json!(w.registrants.len() >= w.registration_limit as usize);
    v["emailSettings"] = w.email_settings.clone();
    if !w.recurrence.is_null() {
        v["recurrence"] = w.recurrence.clone();
    }
    v
}

pub fn registrant_item(app: &App, w: &Webinar, r: &Registrant) -> Value {
    json!({
        "registrantKey": num(&r.key),
        "firstName": r.first_name,
        "lastName": r.last_name,
        "email": r.email,
        "status": r.status,
        "registrationDate": fmt_time(r.registration_date),
        "joinUrl": app.join_url(&w.key, &r.key),
        "timeZone": r.time_zone,
    })
}

pub fn registrant_detail(app: &App, w: &Webinar, r: &Registrant) -> Value {
    let mut v = registrant_item(app, w, r);
    for (k, val) in &r.details {
        v[k.as_str()] = json!(val);
    }
    v["responses"] = Value::Array(
        r.responses
            .iter()
            .map(|x| json!({"questionKey": num(&x.question_key), "question": x.question, "answer": x.answer}))
            .collect(),
    );
    v
}

/// A session as the session lists answer it (`ReportingSession`: keys as strings).
pub fn reporting_session(state: &State, w: &Webinar, s: &Session) -> Value {
    let organizer = state
        .organizer(&w.organizer_key)
        .map(|o| format!("{} {}", o.first_name, o.last_name))
        .unwrap_or_default();
    json!({
        "sessionKey": s.key,
        "webinarKey": w.key,
        "webinarID": w.webinar_id,
        "webinarName": w.subject,
        "startTime": fmt_time(s.start_time),
        "endTime": fmt_time(s.end_time),
        "registrantsAttended": s.attendees.len(),
        "registrantCount": w.registrants.len(),
        "accountKey": w.account_key,
        "creatingOrganizerKey": w.organizer_key,
        "creatingOrganizerName": organizer,
        "startingOrganizerKey": w.organizer_key,
        "startingOrganizerName": organizer,
        "totalPollCount": s.polls.len(),
        "timeZone": w.time_zone,
        "experienceType": w.experience_type,
    })
}

/// One session as `GET …/sessions/{s}` answers it (GoTo's `Session`: keys as numbers).
pub fn session_item(w: &Webinar, s: &Session) -> Value {
    json!({
        "sessionKey": num(&s.key),
        "webinarKey": num(&w.key),
        "webinarID": w.webinar_id,
        "webinarName": w.subject,
        "organizerKey": num(&w.organizer_key),
        "startTime": fmt_time(s.start_time),
        "endTime": fmt_time(s.end_time),
        "registrantsAttended": s.attendees.len(),
    })
}

pub fn attendee_item(w: &Webinar, s: &Session, a: &Attendee) -> Value {
    let secs = (a.leave_time - a.join_time).num_seconds().max(0);
    json!({
        "registrantKey": num(&a.registrant_key),
        "sessionKey": num(&s.key),
        "webinarKey": num(&w.key),
        "firstName": a.first_name,
        "lastName": a.last_name,
        "email": a.email,
        "attendanceTimeInSeconds": secs,
        "attendance": [{"joinTime": fmt_time(a.join_time), "leaveTime": fmt_time(a.leave_time)}],
    })
}

pub fn performance(w: &Webinar, s: &Session) -> Value {
    let attended = s.attendees.len();
    let registered = w.registrants.len();
    let pct = |n: usize, d: usize| if d == 0 { 0.0 } else { (n as f64) * 100.0 / (d as f64) };
    let avg_secs = if attended == 0 {
        0
    } else {
        s.attendees.iter().map(|a| (a.leave_time - a.join_time).num_seconds().max(0)).sum::<i64>()
            / attended as i64
    };
    let avg_interest = if attended == 0 {
        0.0
    } else {
        s.attendees.iter().map(|a| f64::from(a.interest_rating)).sum::<f64>() / attended as f64
    };
    let answered_polls = s.attendees.iter().filter(|a| !a.poll_answers.is_empty()).count();
    let answered_surveys = s.attendees.iter().filter(|a| !a.survey_answers.is_empty()).count();
    json!({
        "sessionInfo": {
            "webinarName": w.subject,
            "webinarId": w.webinar_id,
            "sessionKey": s.key,
            "timeZone": w.time_zone,
            "experienceType": w.experience_type,
            "recurrencePeriod": w.kind,
            "startTime": fmt_time(s.start_time),
            "endTime": fmt_time(s.end_time),
            "registrationEmailOpenedCount": "0",
            "registrationLinkClickedCount": "0",
        },
        "attendance": {
            "registrantCount": registered,
            "percentageAttendance": pct(attended, registered),
            "averageInterestRating": avg_interest,
            "averageAttentiveness": 0.0,
            "averageAttendanceTimeSeconds": avg_secs,
        },
        "pollsAndSurveys": {
            "pollCount": s.polls.len(),
            "surveyCount": s.surveys.len(),
            "questionsAsked": s.questions.len(),
            "percentagePollsCompleted": pct(answered_polls, attended),
            "percentageSurveysCompleted": pct(answered_surveys, attended),
        }
    })
}

pub fn poll(p: &crate::model::Poll) -> Value {
    let total: u32 = p.responses.iter().map(|c| c.count).sum();
    json!({
        "question": p.question,
        "type": p.kind,
        "numberOfResponses": total,
        "responses": p.responses.iter().map(|c| json!({
            "text": c.text,
            "numberOfResponses": c.count,
            "percentage": if total == 0 { 0.0 } else { f64::from(c.count) * 100.0 / f64::from(total) },
        })).collect::<Vec<_>>(),
    })
}
