//! Session actions: list (organizer-wide or one webinar's), get, and a session's performance,
//! polls, questions and surveys.

use chrono::{Duration, Utc};
use futures::FutureExt;
use gotowebinar::keys::{SessionKey, WebinarKey};
use gotowebinar::models::Performance;
use serde::Deserialize;

use crate::actions::list::{self, emit_behavior_field, Paged, Paging};
use crate::errors::ComponentError;
use crate::function_spec::{session_field, webinar_field};
use crate::input::Timestamp;
use crate::output::{SessionDetailOut, SessionFiguresOut, SessionOut};
use crate::{action, keys_input, reports, schema_types};

schema_types! {
    /// Input of `listSessions`.
    #[derive(Deserialize)]
    ListSessionsIn {
        #[schemars(with = "Option<String>")]
        webinar_key: Option<WebinarKey> = "Only this webinar's sessions; leave empty to list the organizer's sessions in a time range.",
        #[schemars(title = "From")]
        from_time: Option<Timestamp> = "Without a webinar: sessions from this time (ISO 8601; default: 90 days ago).",
        #[schemars(title = "To")]
        to_time: Option<Timestamp> = "Without a webinar: sessions until this time (ISO 8601; default: now).",
        #[serde(flatten)]
        #[allow(missing_docs)]
        paging: Paging,
    }
}

action! {
    /// `listSessions`.
    ListSessions(list "listSessions", "List sessions",
            "Lists held sessions: one webinar's, or all of the organizer's in a time range, every page", webinar_field()
                .note("Leave empty to list every session of the organizer between `fromTime` and `toTime`"),
            emit_behavior_field())
    |call, input: ListSessionsIn| -> SessionOut {
        let webinar = input.webinar_key.clone();
        let to = input.to_time.map_or_else(Utc::now, |t| t.0);
        let from = input.from_time.map_or(to - Duration::days(90), |t| t.0);
        if webinar.is_none() && to <= from {
            return Err(ComponentError::input("`toTime` must be after `fromTime`"));
        }
        let what = match &webinar {
            Some(webinar) => format!("the sessions of webinar {webinar}"),
            None => "the organizer's sessions".to_string(),
        };
        let pages = Paged {
            with: (call.goto().await?, webinar, from..to),
            read: |(goto, webinar, times), number, size| {
                async move {
                    let sessions = goto.sessions();
                    match webinar {
                        Some(webinar) => sessions.for_webinar_page(webinar, number, size).await,
                        None => sessions.list_page(times.clone(), number, size).await,
                    }
                }
                .boxed()
            },
            out: |(_, webinar, ..), session| SessionOut::new(session, webinar.as_ref()),
        };
        list::emit(call, &input.paging, &what, pages).await
    }
}

keys_input! {
    /// Input naming one session of a webinar.
    SessionKeyIn {
        /// The webinar's key.
        webinar_key: WebinarKey,
        /// The session's key.
        session_key: SessionKey,
    }
}

action! {
    /// `getSession`.
    GetSession("getSession", "Get session",
            "Reads one held session of a webinar: the session, or its attendees when GoTo answers them (see `answer`)",
            webinar_field(), session_field())
    emit |goto, input: SessionKeyIn| -> SessionDetailOut {
        goto.sessions().get(&input.webinar_key, &input.session_key)
            => |found| SessionDetailOut::new(found, &input.webinar_key, &input.session_key);
        "reading session {} of webinar {}", input.session_key, input.webinar_key
    }
}

action! {
    /// `getSessionPerformance`.
    GetSessionPerformance("getSessionPerformance", "Get session performance",
            "Reads attendance and engagement figures of one held session", webinar_field(), session_field())
    emit |goto, input: SessionKeyIn| -> SessionFiguresOut {
        goto.sessions().performance(&input.webinar_key, &input.session_key) => |figures: Performance| SessionFiguresOut {
            webinar_key: input.webinar_key.to_string(),
            session_key: input.session_key.to_string(),
            attendance: figures.attendance,
            polls_and_surveys: figures.polls_and_surveys,
        };
        "reading the performance of session {} of webinar {}", input.session_key, input.webinar_key
    }
}

reports! {
    [
        of "a session",
        keys SessionKeyIn { webinar_key: "The webinar's key.", session_key: "The session's key." },
        read |goto, keys| goto.sessions(), args (&keys.webinar_key, &keys.session_key),
        doing " of session {} of webinar {}", keys.session_key, keys.webinar_key
    ]
    GetSessionPolls(SessionPollsOut, "getSessionPolls", "Get session polls",
        "Reads the polls of a held session with how many chose each answer") polls "polls";
    GetSessionQuestions(SessionQuestionsOut, "getSessionQuestions", "Get session questions",
        "Reads the questions attendees asked in a held session, with the answers given") questions "questions";
    GetSessionSurveys(SessionSurveysOut, "getSessionSurveys", "Get session surveys",
        "Reads the surveys of a held session with how many chose each answer") surveys "surveys";
}
