//! `newRegistrants`: people who registered for one webinar, or for any upcoming webinar of the
//! organizer, since the last poll.
//!
//! Across webinars, `subjectContains` narrows the upcoming webinars to those whose subject
//! contains it: only their registrants are read and considered, so the snapshot holds nothing of
//! the others. The filter (letter case aside) is part of the snapshot's scope: changing it starts
//! the trigger afresh, as changing `webinarKey` does, since registrants of webinars that did not
//! match before were never followed.

use chrono::{Duration, Utc};
use futures::StreamExt;
use gotowebinar::keys::WebinarKey;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tracing::warn;

use crate::call::Call;
use crate::connection::Connection;
use crate::errors::{ComponentError, Doing};
use crate::function_spec::{webinar_field, Field};
use crate::input::{parse_step_config, webinar_key};
use crate::output::RegistrantOut;
use crate::triggers::cursor::{self, Candidate, PollOptions, TimeCursor};
use crate::triggers::emit_poll;
use crate::triggers::subject::{self, SubjectFilter};

/// The trigger's name.
pub const NAME: &str = "newRegistrants";
/// How far back "upcoming" reaches: webinars in session or just over still count.
const UPCOMING_FROM_DAYS: i64 = 1;
/// How far ahead "upcoming" reaches.
const UPCOMING_TO_DAYS: i64 = 730;

/// A new registrant.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewRegistrantOut {
    /// Stable id for de-duplication: `<webinarKey>:<registrantKey>`.
    pub id: String,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub registrant: RegistrantOut,
}

/// The step's scope.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct ScopeIn {
    /// The webinar to watch; empty: every upcoming webinar of the organizer.
    webinar_key: Option<String>,
    /// Without a webinar: watch only the upcoming webinars whose subject contains this text, in
    /// any letter case.
    subject_contains: Option<String>,
}

/// The step fields before the poll fields: the webinar to watch, or a subject filter.
pub(super) fn step_fields() -> Vec<Field> {
    let webinar = webinar_field().note("The webinar to watch; leave empty to watch every upcoming webinar");
    let filter = subject::field(
        "Without a webinar chosen: watch only the upcoming webinars whose subject contains this text, in any letter case",
    );
    vec![webinar, filter]
}

/// One poll: emits the people who registered since the last one, then the snapshot.
pub(super) async fn poll(call: &Call) -> Result<(), ComponentError> {
    let options = PollOptions::from_cfg(&call.cfg)?;
    let scope_in: ScopeIn = parse_step_config(&call.cfg)?;
    let webinar = match scope_in.webinar_key.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => Some(webinar_key(text)?),
        _ => None,
    };
    let filter = SubjectFilter::new(scope_in.subject_contains.as_deref())?;
    if webinar.is_some() && filter.is_some() {
        warn!("`subjectContains` applies only without a webinar chosen; it is ignored");
    }
    let scope = match (&webinar, &filter) {
        (Some(webinar), _) => format!("webinar:{webinar}"),
        (None, Some(filter)) => format!("upcoming:{}", filter.tag()),
        (None, None) => "upcoming".to_string(),
    };
    let previous: Option<TimeCursor> = cursor::load_state(&call.snapshot, NAME, &scope)?;

    let connection = call.connection().await?;
    let webinars = match webinar {
        Some(webinar) => vec![webinar],
        None => upcoming_webinars(connection, filter.as_ref()).await?,
    };
    let mut candidates = Vec::new();
    for webinar in &webinars {
        candidates.extend(registrants_of(connection, webinar).await?);
    }

    let start = previous.unwrap_or_else(|| TimeCursor::first(&options, &candidates, Utc::now()));
    let (chosen, next) = start.advance(candidates, &options);
    let bodies: Vec<NewRegistrantOut> = chosen.into_iter().map(|c| c.item).collect();
    emit_poll(call, &bodies, cursor::store_state(NAME, &scope, &next)).await
}

/// The organizer's webinars from a day ago to two years ahead whose subject passes `filter`.
pub async fn upcoming_webinars(
    connection: &Connection,
    filter: Option<&SubjectFilter>,
) -> Result<Vec<WebinarKey>, ComponentError> {
    let organizer = connection.organizer_key().await?;
    let now = Utc::now();
    let mut pages = connection
        .client()
        .webinars(&organizer)
        .list(now - Duration::days(UPCOMING_FROM_DAYS)..now + Duration::days(UPCOMING_TO_DAYS), 200);
    let mut keys = Vec::new();
    while let Some(page) = pages.next().await {
        for webinar in page.doing("listing the organizer's upcoming webinars")?.items {
            if subject::passes(filter, webinar.subject.as_deref()) && !keys.contains(&webinar.webinar_key) {
                keys.push(webinar.webinar_key);
            }
        }
    }
    Ok(keys)
}

async fn registrants_of(
    connection: &Connection,
    webinar: &WebinarKey,
) -> Result<Vec<Candidate<NewRegistrantOut>>, ComponentError> {
    let organizer = connection.organizer_key().await?;
    let mut pages = connection.client().registrants(&organizer, webinar).list(200);
    let mut found = Vec::new();
    while let Some(page) = pages.next().await {
        for registrant in page.doing(format!("listing the registrants of webinar {webinar}"))?.items {
            let Some(at) = registrant.registration_date else {
                warn!(registrant = %registrant.registrant_key, "a registrant without registrationDate cannot be placed in time; skipped");
                continue;
            };
            let id = format!("{webinar}:{}", registrant.registrant_key);
            let body =
                NewRegistrantOut { id: id.clone(), registrant: RegistrantOut::new(registrant, webinar) };
            found.push(Candidate { id, at, item: body });
        }
    }
    Ok(found)
}
