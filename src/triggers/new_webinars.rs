//! `newWebinars`: webinars scheduled since the last poll, and optionally webinars that changed.
//!
//! GoTo webinars carry no creation or change time, so this trigger compares keys and content:
//! a key not seen before is new, a changed content hash is a change. Its snapshot keeps one entry
//! per webinar whose sessions have not all ended before the polled window, so it stays bounded.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use gotowebinar::models::Webinar;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::actions::output::WebinarOut;
use crate::call::{Call, Handler};
use crate::errors::{ComponentError, Doing};
use crate::input::parse_step_config;
use crate::spec::{Field, FunctionSpec, Kind};
use crate::triggers::cursor::{self, PollOptions, StartFrom};
use crate::triggers::{emit_poll, poll_failure, poll_fields, NoInput};

/// The trigger's name.
pub const NAME: &str = "newWebinars";
/// The polled window starts this long before now (webinars in session or just over).
const WINDOW_BEFORE_DAYS: i64 = 1;
/// The polled window ends this far ahead.
const WINDOW_AFTER_DAYS: i64 = 730;

/// What happened to the webinar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Change {
    /// Scheduled since the last poll.
    Created,
    /// Its subject, description, times or settings changed.
    Changed,
}

/// A new or changed webinar.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebinarChangeOut {
    /// Stable id for de-duplication: `<webinarKey>` when created, `<webinarKey>:<contentHash>` when changed.
    pub id: String,
    /// `created` or `changed`.
    pub change: Change,
    /// The hash of the content this message reports.
    pub content_hash: String,
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub webinar: WebinarOut,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct ChangesIn {
    /// Also emit webinars whose content changed.
    include_changed: Option<bool>,
}

/// What the snapshot remembers of one webinar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Known {
    /// The content hash last emitted (or found on the first run).
    pub hash: String,
    /// When its last session ends; the entry is dropped once that is before the polled window.
    pub until: DateTime<Utc>,
}

/// The snapshot state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebinarState {
    /// Known webinars by key.
    pub known: BTreeMap<String, Known>,
}

/// `newWebinars`.
#[derive(Default)]
pub struct NewWebinars;

#[async_trait]
impl Handler for NewWebinars {
    type Input = NoInput;
    type Output = WebinarChangeOut;

    fn describe() -> FunctionSpec {
        let mut spec = FunctionSpec::new(
            NAME,
            Kind::PollingTrigger,
            "New webinars",
            "Emits each webinar scheduled since the last poll and, optionally, each webinar that changed",
        );
        let changed = Field::checkbox("includeChanged", "Also emit changed webinars")
            .note("Emit a webinar again when its subject, description, times or settings change");
        spec.fields = std::iter::once(changed).chain(poll_fields()).collect();
        spec
    }

    async fn run(&self, call: &Call, _input: NoInput) -> Result<(), ComponentError> {
        poll(call).await.map_err(poll_failure)
    }
}

struct Listed {
    key: String,
    hash: String,
    until: DateTime<Utc>,
    start: Option<DateTime<Utc>>,
    webinar: Webinar,
}

async fn poll(call: &Call) -> Result<(), ComponentError> {
    let options = PollOptions::from_cfg(&call.cfg)?;
    let changes: ChangesIn = parse_step_config(&call.cfg)?;
    let include_changed = changes.include_changed.unwrap_or(false);
    let scope = "organizer";
    let previous: Option<WebinarState> = cursor::load(&call.snapshot, NAME, scope)?;

    let (connection, organizer) = call.organizer().await?;
    let now = Utc::now();
    let (from, to) = (now - Duration::days(WINDOW_BEFORE_DAYS), now + Duration::days(WINDOW_AFTER_DAYS));
    let mut pages = connection.client().webinars(&organizer).list(from, to, 200);
    let mut listed: Vec<Listed> = Vec::new();
    while let Some(page) = pages.next().await {
        for webinar in page.doing("listing the organizer's webinars")?.items {
            let key = webinar.webinar_key.to_string();
            if listed.iter().any(|l| l.key == key) {
                continue;
            }
            let until = webinar.times.iter().map(|t| t.end_time).max().unwrap_or(to);
            let start = webinar.times.iter().map(|t| t.start_time).min();
            listed.push(Listed { key, hash: content_hash(&webinar), until, start, webinar });
        }
    }

    let state = match previous {
        Some(state) => state,
        None => match options.start_from {
            StartFrom::Now => WebinarState {
                known: listed
                    .iter()
                    .map(|l| (l.key.clone(), Known { hash: l.hash.clone(), until: l.until }))
                    .collect(),
            },
            // No creation time to compare with: everything scheduled counts as new.
            StartFrom::Time(_) => WebinarState::default(),
        },
    };
    let (bodies, next) = select(&state, listed, include_changed, options.max_items, from);
    emit_poll(call, &bodies, cursor::store(NAME, scope, &next)).await
}

fn select(
    state: &WebinarState,
    mut listed: Vec<Listed>,
    include_changed: bool,
    max_items: usize,
    window_from: DateTime<Utc>,
) -> (Vec<WebinarChangeOut>, WebinarState) {
    listed.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.key.cmp(&b.key)));
    let mut next = state.clone();
    let mut bodies = Vec::new();
    for item in listed {
        let change = match state.known.get(&item.key) {
            None => Some(Change::Created),
            Some(known) if known.hash != item.hash && include_changed => Some(Change::Changed),
            Some(_) => None,
        };
        match change {
            Some(_) if bodies.len() >= max_items => {} // next poll, in order
            Some(change) => {
                let id = match change {
                    Change::Created => item.key.clone(),
                    Change::Changed => format!("{}:{}", item.key, item.hash),
                };
                next.known.insert(item.key.clone(), Known { hash: item.hash.clone(), until: item.until });
                bodies.push(WebinarChangeOut {
                    id,
                    change,
                    content_hash: item.hash,
                    webinar: WebinarOut::from(item.webinar),
                });
            }
            None => {
                // Known: keep its end time current; without change tracking, follow the content silently.
                next.known.insert(item.key, Known { hash: item.hash, until: item.until });
            }
        }
    }
    next.known.retain(|_, known| known.until >= window_from);
    (bodies, next)
}

/// A stable hash of what a flow builder would call the webinar's content (not its live counters).
pub fn content_hash(webinar: &Webinar) -> String {
    #[derive(Serialize)]
    struct Content<'a> {
        subject: &'a Option<String>,
        description: &'a Option<String>,
        times: Vec<(String, String)>,
        time_zone: &'a Option<String>,
        locale: &'a Option<String>,
        webinar_type: &'a Option<String>,
        experience_type: &'a Option<String>,
        approval_type: &'a Option<String>,
        is_password_protected: &'a Option<bool>,
        is_ondemand: &'a Option<bool>,
        registration_url: &'a Option<String>,
        registration_limit: &'a Option<u64>,
    }
    let content = Content {
        subject: &webinar.subject,
        description: &webinar.description,
        times: webinar
            .times
            .iter()
            .map(|t| (cursor::fmt_time(t.start_time), cursor::fmt_time(t.end_time)))
            .collect(),
        time_zone: &webinar.time_zone,
        locale: &webinar.locale,
        webinar_type: &webinar.webinar_type,
        experience_type: &webinar.experience_type,
        approval_type: &webinar.approval_type,
        is_password_protected: &webinar.is_password_protected,
        is_ondemand: &webinar.is_ondemand,
        registration_url: &webinar.registration_url,
        registration_limit: &webinar.registration_limit,
    };
    let text = serde_json::to_string(&content).unwrap_or_default();
    format!("{:016x}", fnv1a(text.as_bytes()))
}

/// FNV-1a, 64 bits: stable across processes and versions, which `std`'s hasher is not.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn webinar(key: &str, subject: &str, start: &str) -> Webinar {
        serde_json::from_value(json!({
            "webinarKey": key, "subject": subject,
            "times": [{"startTime": start, "endTime": start.replace("T10", "T11")}]
        }))
        .unwrap()
    }

    fn listed(w: Webinar) -> Listed {
        Listed {
            key: w.webinar_key.to_string(),
            hash: content_hash(&w),
            until: w.times[0].end_time,
            start: Some(w.times[0].start_time),
            webinar: w,
        }
    }

    fn window_from() -> DateTime<Utc> {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_hash_follows_content_only() {
        let a = webinar("1", "A", "2026-05-01T10:00:00Z");
        let mut counted = a.clone();
        counted.number_of_registrants = Some(5);
        assert_eq!(content_hash(&a), content_hash(&counted));
        assert_ne!(content_hash(&a), content_hash(&webinar("1", "B", "2026-05-01T10:00:00Z")));
        assert_eq!(content_hash(&a).len(), 16);
    }

    #[test]
    fn new_and_changed_webinars_are_emitted_in_order_and_capped() {
        let state = WebinarState::default();
        let list = || {
            vec![
                listed(webinar("2", "Two", "2026-05-02T10:00:00Z")),
                listed(webinar("1", "One", "2026-05-01T10:00:00Z")),
                listed(webinar("3", "Three", "2026-05-03T10:00:00Z")),
            ]
        };
        let (first, state) = select(&state, list(), true, 2, window_from());
        assert_eq!(first.iter().map(|b| b.id.as_str()).collect::<Vec<_>>(), ["1", "2"]);
        let (second, state) = select(&state, list(), true, 2, window_from());
        assert_eq!(second.iter().map(|b| b.id.as_str()).collect::<Vec<_>>(), ["3"]);
        let mut changed = list();
        changed[0] = listed(webinar("2", "Two, renamed", "2026-05-02T10:00:00Z"));
        let (third, state) = select(&state, changed, true, 2, window_from());
        assert_eq!(third.len(), 1);
        assert_eq!(third[0].change, Change::Changed);
        assert!(third[0].id.starts_with("2:"));
        let later = "2026-05-02T12:00:00Z".parse().unwrap();
        let (_, pruned) = select(&state, vec![], true, 2, later);
        assert_eq!(pruned.known.keys().collect::<Vec<_>>(), ["3"], "ended webinars leave the snapshot");
    }

    #[test]
    fn without_change_tracking_changes_are_followed_silently() {
        let state = WebinarState::default();
        let (_, state) = select(
            &state,
            vec![listed(webinar("1", "One", "2026-05-01T10:00:00Z"))],
            false,
            10,
            window_from(),
        );
        let renamed = vec![listed(webinar("1", "Uno", "2026-05-01T10:00:00Z"))];
        let (none, state) = select(&state, renamed, false, 10, window_from());
        assert!(none.is_empty());
        let again = vec![listed(webinar("1", "Uno", "2026-05-01T10:00:00Z"))];
        let (still_none, _) = select(&state, again, true, 10, window_from());
        assert!(still_none.is_empty(), "switching tracking on does not report an old change");
    }
}
