//! More webinar actions: meeting times, audio, performance, webinars in session, copy and the
//! organizer's start link.

use chrono::{DateTime, Duration, Utc};
use gotowebinar::keys::WebinarKey;
use gotowebinar::models::{Audio, UpdateWebinar};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::actions::common::wire_name;
use crate::actions::list::{self, emit_behavior_field, Paging};
use crate::actions::webinars::{times_to_wire, TimeIn, WebinarKeyIn};
use crate::errors::ComponentError;
use crate::function_spec::{webinar_field, Field};
use crate::input::Timestamp;
use crate::output::{
    AudioOut, DoneOut, MeetingTimesOut, StartUrlOut, TimeRangeOut, WebinarKeyOut, WebinarOut,
    WebinarPerformanceOut,
};
use crate::{action, schema_types};

action! {
    /// `getWebinarMeetingTimes`.
    GetWebinarMeetingTimes("getWebinarMeetingTimes", "Get webinar meeting times",
            "Reads the start and end time of every session of a webinar (useful for series and sequences)", webinar_field())
    emit |goto, input: WebinarKeyIn| -> MeetingTimesOut {
        goto.webinars().meeting_times(&input.webinar_key) => |times: Vec<_>| MeetingTimesOut {
            webinar_key: input.webinar_key.to_string(),
            times: times.into_iter().map(TimeRangeOut::from).collect(),
        };
        "reading the meeting times of webinar {}", input.webinar_key
    }
}

action! {
    /// `getWebinarAudio`.
    GetWebinarAudio("getWebinarAudio", "Get webinar audio",
            "Reads how attendees hear a webinar: computer audio, phone dial-in numbers or a private line", webinar_field())
    emit |goto, input: WebinarKeyIn| -> AudioOut {
        goto.webinars().audio(&input.webinar_key) => |audio: Audio| AudioOut {
            webinar_key: input.webinar_key.to_string(),
            audio_type: audio.audio_type,
            pstn_info: audio.pstn_info,
            private_info: audio.private_info,
        };
        "reading the audio settings of webinar {}", input.webinar_key
    }
}

/// How attendees hear the webinar.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
pub enum AudioTypeIn {
    /// Computer audio only.
    #[serde(rename = "VOIP")]
    Voip,
    /// Phone dial-in only.
    #[serde(rename = "PSTN")]
    Pstn,
    /// Computer audio and phone dial-in.
    Hybrid,
    /// The organizer's own conference line.
    Private,
}

schema_types! {
    /// Input of `updateWebinarAudio`.
    #[derive(Deserialize)]
    UpdateAudioIn {
        #[schemars(with = "String")]
        webinar_key: WebinarKey = "The webinar's key.",
        #[serde(rename = "type")]
        #[schemars(title = "Audio type")]
        audio_type: AudioTypeIn = "`VOIP` (computer audio), `PSTN` (phone), `Hybrid` (both) or `Private` (your own line).",
        pstn_info: Option<Value> = "For `PSTN` and `Hybrid`: dial-in settings as GoTo expects them, e.g. `{\"US\": {\"tollFree\": true}}`.",
        private_info: Option<Value> = "For `Private`: the line, e.g. `{\"organizerCode\": \"…\", \"panelistCode\": \"…\", \"attendeeCode\": \"…\"}`.",
    }
}

action! {
/// `updateWebinarAudio`.
    UpdateWebinarAudio("updateWebinarAudio", "Update webinar audio",
            "Sets how attendees hear a future webinar: computer audio, phone, both, or a private line", webinar_field(),
            Field::select(
                "type",
                "Audio",
                vec![
                    ("VOIP", "Computer audio"),
                    ("PSTN", "Phone dial-in"),
                    ("Hybrid", "Computer audio and phone"),
                    ("Private", "Private conference line"),
                ],
            ))
    |call, input: UpdateAudioIn| -> DoneOut {
        let webinar = input.webinar_key.clone();
        for (name, value) in [("pstnInfo", &input.pstn_info), ("privateInfo", &input.private_info)] {
            if value.as_ref().is_some_and(|v| !v.is_object()) {
                return Err(ComponentError::input(format!("`{name}` must be a JSON object")));
            }
        }
        if matches!(input.audio_type, AudioTypeIn::Private) && input.private_info.is_none() {
            return Err(ComponentError::input(
                "`privateInfo` is required for a `Private` line: give the conference line's details",
            ));
        }
        let audio = Audio {
            audio_type: Some(wire_name(&input.audio_type)),
            pstn_info: input.pstn_info.clone(),
            private_info: input.private_info.clone(),
            ..Audio::default()
        };
        let goto = call.goto().await?;
        let webinars = goto.webinars();
        let request = webinars.update_audio(&webinar, &audio);
        call.emit_answer(request, format!("updating the audio settings of webinar {webinar}"), |()| {
            DoneOut::webinar(webinar.to_string())
        })
        .await
    }
}

action! {
    /// `getWebinarPerformance`.
    GetWebinarPerformance("getWebinarPerformance", "Get webinar performance",
            "Reads attendance and engagement figures of every held session of a webinar", webinar_field())
    emit |goto, input: WebinarKeyIn| -> WebinarPerformanceOut {
        goto.webinars().performance(&input.webinar_key) => |figures| WebinarPerformanceOut::new(figures, &input.webinar_key);
        "reading the performance of webinar {}", input.webinar_key
    }
}

schema_types! {
    /// Input of `listInSessionWebinars`.
    #[derive(Deserialize)]
    ListInSessionIn {
        #[schemars(title = "From")]
        from_time: Option<Timestamp> = "Start of the range GoTo looks in (ISO 8601; default: 24 hours before now).",
        #[schemars(title = "To")]
        to_time: Option<Timestamp> = "End of the range (ISO 8601; default: 24 hours after `fromTime`, or after now when\n`fromTime` is empty).",
        #[serde(flatten)]
        #[allow(missing_docs)]
        paging: Paging,
    }
}

/// The range `listInSessionWebinars` sends: what was given, else a day either side of now (a
/// running webinar started before now).
fn in_session_range(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let from = from.unwrap_or(now - Duration::hours(24));
    let to = to.unwrap_or_else(|| from.max(now) + Duration::hours(24));
    (from, to)
}

action! {
    /// `listInSessionWebinars`.
    ListInSessionWebinars(list "listInSessionWebinars", "List webinars in session",
            "Lists the organizer's webinars that are running right now", emit_behavior_field())
    |call, input: ListInSessionIn| -> WebinarOut {
        let (from, to) =
            in_session_range(input.from_time.map(|t| t.0), input.to_time.map(|t| t.0), Utc::now());
        if to <= from {
            return Err(ComponentError::input("`toTime` must be after `fromTime`"));
        }
        let goto = call.goto().await?;
        let webinars = goto.webinars();
        let request = webinars.in_session(from..to);
        list::emit_whole(call, &input.paging, "the webinars in session", request, WebinarOut::from).await
    }
}

schema_types! {
    /// Input of `copyWebinar`.
    #[derive(Deserialize)]
    CopyWebinarIn {
        #[schemars(with = "String")]
        webinar_key: WebinarKey = "The key of the webinar to copy.",
        subject: Option<String> = "The copy's title (default: the original's).",
        description: Option<String> = "The copy's description (default: the original's).",
        times: Option<Vec<TimeIn>> = "The copy's sessions; required when the original's times are past.",
        time_zone: Option<String> = "The copy's IANA time zone (default: the original's).",
    }
}

action! {
/// `copyWebinar`.
    CopyWebinar("copyWebinar", "Copy webinar",
            "Creates a new webinar from an existing one (settings and questions, not registrants), optionally with new title, description or times", webinar_field())
    |call, input: CopyWebinarIn| -> WebinarKeyOut {
        let webinar = input.webinar_key.clone();
        if input.subject.as_deref().is_some_and(|s| s.trim().is_empty() || s.chars().count() > 128) {
            return Err(ComponentError::input("`subject` must be 1 to 128 characters"));
        }
        let times = match &input.times {
            Some(times) if times.is_empty() => {
                return Err(ComponentError::input("`times` must hold at least one session when given"))
            }
            Some(times) => Some(times_to_wire(times)?),
            None => None,
        };
        let changes = UpdateWebinar {
            subject: input.subject.as_deref().map(|s| s.trim().to_string()),
            description: input.description.clone(),
            times,
            time_zone: input.time_zone.clone(),
            ..UpdateWebinar::default()
        };
        let changes = (changes != UpdateWebinar::default()).then_some(changes);
        let goto = call.goto().await?;
        let webinars = goto.webinars();
        let request = webinars.copy(&webinar, changes.as_ref());
        call.emit_answer(request, format!("copying webinar {webinar}"), |key| WebinarKeyOut { webinar_key: key.into_string() })
            .await
    }
}

action! {
    /// `getWebinarStartUrl`.
    GetWebinarStartUrl("getWebinarStartUrl", "Get webinar start link",
            "Reads the link that starts a webinar as its organizer", webinar_field())
    emit |goto, input: WebinarKeyIn| -> StartUrlOut {
        goto.webinars().start_url(&input.webinar_key) => |found| StartUrlOut {
            webinar_key: input.webinar_key.to_string(),
            // GoTo's reference says `startUrl`; the service has also answered `hostURL`.
            start_url: found.start_url.clone().or_else(|| link_in(&found.extra)),
        };
        "reading the start link of webinar {}", input.webinar_key
    }
}

fn link_in(extra: &Map<String, Value>) -> Option<String> {
    ["hostURL", "hostUrl", "startURL"].iter().find_map(|name| extra.get(*name)?.as_str().map(String::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn webinars_in_session_are_looked_for_in_a_range_around_now() {
        let now = at("2026-03-13T10:00:00Z");
        assert_eq!(
            in_session_range(None, None, now),
            (at("2026-03-12T10:00:00Z"), at("2026-03-14T10:00:00Z"))
        );
        let from = at("2026-03-13T08:00:00Z");
        assert_eq!(in_session_range(Some(from), None, now), (from, at("2026-03-14T10:00:00Z")));
        let to = at("2026-03-13T12:00:00Z");
        assert_eq!(in_session_range(None, Some(to), now), (at("2026-03-12T10:00:00Z"), to));
    }
}
