//! Attendee actions: list (a session's or a whole webinar's), get, and an attendee's poll
//! answers, questions and survey answers.

use futures::FutureExt;
use gotowebinar::keys::{RegistrantKey, SessionKey, WebinarKey};
use serde::Deserialize;

use crate::actions::list::{self, emit_behavior_field, Paged, Paging};
use crate::function_spec::{session_field, webinar_field};
use crate::output::AttendeeOut;
use crate::{action, keys_input, reports, schema_types};

schema_types! {
    /// Input of `listAttendees`.
    #[derive(Deserialize)]
    ListAttendeesIn {
        #[schemars(with = "String")]
        webinar_key: WebinarKey = "The webinar's key.",
        #[schemars(with = "Option<String>")]
        session_key: Option<SessionKey> = "Only this session's attendees; leave empty for every session of the webinar.",
        #[serde(flatten)]
        #[allow(missing_docs)]
        paging: Paging,
    }
}

action! {
    /// `listAttendees`.
    ListAttendees(list "listAttendees", "List attendees",
            "Lists who attended one session, or every session of a webinar, every page", webinar_field(),
            session_field().note("Leave empty to list the attendees of every session of the webinar"),
            emit_behavior_field())
    |call, input: ListAttendeesIn| -> AttendeeOut {
        let (goto, webinar) = (call.goto().await?, input.webinar_key);
        match input.session_key {
            Some(session) => {
                let what = format!("the attendees of session {session} of webinar {webinar}");
                let attendees = goto.attendees(&webinar);
                let out = |a| AttendeeOut::new(a, &webinar, Some(&session));
                list::emit_whole(call, &input.paging, &what, attendees.of(&session), out).await
            }
            None => {
                let what = format!("the attendees of webinar {webinar}");
                let pages = Paged {
                    with: (goto, webinar),
                    read: |(goto, webinar), number, size| {
                        async move { goto.attendees(webinar).list_page(number, size).await }.boxed()
                    },
                    out: |(_, webinar), attendee| AttendeeOut::new(attendee, webinar, None),
                };
                list::emit(call, &input.paging, &what, pages).await
            }
        }
    }
}

keys_input! {
    /// Input naming one attendee of a session.
    AttendeeKeyIn {
        /// The webinar's key.
        webinar_key: WebinarKey,
        /// The session's key.
        session_key: SessionKey,
        /// The attendee's registrant key.
        registrant_key: RegistrantKey,
    }
}

action! {
    /// `getAttendee`.
    GetAttendee("getAttendee", "Get attendee", "Reads one attendee of a session: when they joined and left",
            webinar_field(), session_field())
    emit |goto, input: AttendeeKeyIn| -> AttendeeOut {
        goto.attendees(&input.webinar_key).get(&input.session_key, &input.registrant_key)
            => |found| AttendeeOut::new(found, &input.webinar_key, Some(&input.session_key));
        "reading attendee {} of session {} of webinar {}", input.registrant_key, input.session_key, input.webinar_key
    }
}

reports! {
    [
        of "one attendee",
        keys AttendeeKeyIn {
            webinar_key: "The webinar's key.",
            session_key: "The session's key.",
            registrant_key: "The attendee's registrant key."
        },
        read |goto, keys| goto.attendees(&keys.webinar_key), args (&keys.session_key, &keys.registrant_key),
        doing " of attendee {} in session {} of webinar {}", keys.registrant_key, keys.session_key, keys.webinar_key
    ]
    GetAttendeePolls(AttendeePollsOut, "getAttendeePolls", "Get attendee poll answers",
        "Reads how one attendee answered the polls of a session") polls "poll answers";
    GetAttendeeQuestions(AttendeeQuestionsOut, "getAttendeeQuestions", "Get attendee questions",
        "Reads the questions one attendee asked in a session, with the answers given") questions "questions";
    GetAttendeeSurveys(AttendeeSurveysOut, "getAttendeeSurveys", "Get attendee survey answers",
        "Reads how one attendee answered the surveys of a session") surveys "survey answers";
}
