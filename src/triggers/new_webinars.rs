//! `newWebinars`: webinars scheduled since the last poll, and optionally webinars that changed.
//!
//! GoTo webinars carry no creation or change time, so this trigger compares keys and content:
//! a key not seen before is new, a changed content hash is a change. Its snapshot keeps 8 bytes
//! per listed webinar (a hash of key and content, and a hash of the key) for the [`MAX_KNOWN`]
//! starting first, and a count and digest of the rest, so it stays under the platform's 5 KB.
//!
//! With `subjectContains`, the snapshot still follows every listed webinar and only the emitting
//! is filtered: a webinar outside the filter is recorded as seen without being emitted or counted
//! against `maxItemsPerPoll`. So a changed filter applies from the next poll on without emitting
//! webinars scheduled before it, and one renamed into the filter is a change (`includeChanged`).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use gotowebinar::models::Webinar;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing::warn;

use crate::call::Call;
use crate::errors::{ComponentError, Doing};
use crate::function_spec::Field;
use crate::input::parse_step_config;
use crate::output::WebinarOut;
use crate::triggers::cursor::{self, PollOptions, PollState, StartFrom};
use crate::triggers::emit_poll;
use crate::triggers::sketch::item_hash;
use crate::triggers::subject::{self, SubjectFilter};

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
    /// Emit only webinars whose subject contains this text, in any letter case.
    subject_contains: Option<String>,
}

/// Webinars held one by one in the snapshot; past this, the ones starting last are summed up.
pub const MAX_KNOWN: usize = 420;

/// What the snapshot keeps of one webinar: the top 40 bits hash its key and content, the low 24
/// bits its key alone (to tell a change from a creation).
pub type Entry = u64;

/// How a webinar's entry is made; tests substitute one that collides on purpose.
pub type EntryFn = fn(&str, &str) -> Entry;

/// The entry of webinar `key` with content hash `content`.
pub fn entry(key: &str, content: &str) -> Entry {
    let both = item_hash(&format!("{key}\n{content}")).key;
    let alone = item_hash(key).key;
    (both & !0xff_ffff) | (alone & 0xff_ffff)
}

fn key_tag(entry: Entry) -> u64 {
    entry & 0xff_ffff
}

/// The webinars after the first [`MAX_KNOWN`] (by start, then key), summed up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Beyond {
    /// The start of the first of them.
    pub start: DateTime<Utc>,
    /// Its key.
    pub key: String,
    /// How many there are.
    pub count: u64,
    /// The wrapping sum of their 64-bit hashes of key and content, in hex.
    pub digest: String,
}

/// The snapshot state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebinarState {
    /// The entries of the known webinars, sorted, as base64 of 8 bytes each.
    #[serde(with = "entries")]
    pub known: Vec<Entry>,
    /// The known webinars past the first [`MAX_KNOWN`], when there are more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beyond: Option<Beyond>,
}

/// Format 1: every webinar by key with its content hash and end.
#[derive(Deserialize)]
struct WebinarStateV1 {
    #[serde(default)]
    known: BTreeMap<String, KnownV1>,
}

#[derive(Deserialize)]
struct KnownV1 {
    hash: String,
}

impl PollState for WebinarState {
    fn from_v1(snapshot: Value) -> Result<Self, String> {
        let old: WebinarStateV1 = crate::input::deserialize(snapshot).map_err(|error| error.0)?;
        let mut known: Vec<Entry> = old.known.iter().map(|(key, k)| entry(key, &k.hash)).collect();
        known.sort_unstable();
        Ok(Self { known, beyond: None })
    }
}

mod entries {
    use base64::engine::general_purpose::STANDARD_NO_PAD;
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Entry;

    pub fn serialize<S: Serializer>(entries: &[Entry], serializer: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = entries.iter().flat_map(|e| e.to_be_bytes()).collect();
        serializer.serialize_str(&STANDARD_NO_PAD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Entry>, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = STANDARD_NO_PAD.decode(text).map_err(serde::de::Error::custom)?;
        if bytes.len() % 8 != 0 {
            return Err(serde::de::Error::custom("the known webinars are not whole 8-byte entries"));
        }
        Ok(bytes
            .chunks_exact(8)
            .map(|c| Entry::from_be_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect())
    }
}

fn digest_of<'a>(items: impl Iterator<Item = &'a Listed>) -> (u64, u64) {
    items.fold((0, 0), |(count, sum), l| {
        (count + 1, sum.wrapping_add(item_hash(&format!("{}\n{}", l.key, l.hash)).key))
    })
}

#[derive(Clone)]
struct Listed {
    key: String,
    hash: String,
    until: DateTime<Utc>,
    start: Option<DateTime<Utc>>,
    /// Whether the step's subject filter lets it through; the others are followed silently.
    matching: bool,
    webinar: Webinar,
}

/// The step fields before the poll fields: whether changes count, and a subject filter.
pub(super) fn step_fields() -> Vec<Field> {
    let changed = Field::checkbox("includeChanged", "Also emit changed webinars")
        .note("Emit a webinar again when its subject, description, times or settings change");
    let filter = subject::field(
        "Emit only webinars whose subject contains this text, in any letter case; empty: every webinar",
    );
    vec![changed, filter]
}

/// One poll: emits the webinars scheduled (or changed) since the last one, then the snapshot.
pub(super) async fn poll(call: &Call) -> Result<(), ComponentError> {
    let options = PollOptions::from_cfg(&call.cfg)?;
    let changes: ChangesIn = parse_step_config(&call.cfg)?;
    let include_changed = changes.include_changed.unwrap_or(false);
    let filter = SubjectFilter::new(changes.subject_contains.as_deref())?;
    let scope = "organizer";
    let previous: Option<WebinarState> = cursor::load_state(&call.snapshot, NAME, scope)?;

    let (connection, organizer) = call.organizer().await?;
    let now = Utc::now();
    let (from, to) = (now - Duration::days(WINDOW_BEFORE_DAYS), now + Duration::days(WINDOW_AFTER_DAYS));
    let mut pages = connection.client().webinars(&organizer).list(from..to, 200);
    let mut listed: Vec<Listed> = Vec::new();
    while let Some(page) = pages.next().await {
        for webinar in page.doing("listing the organizer's webinars")?.items {
            let key = webinar.webinar_key.to_string();
            if listed.iter().any(|l| l.key == key) {
                continue;
            }
            let until = webinar.times.iter().map(|t| t.end_time).max().unwrap_or(to);
            let start = webinar.times.iter().map(|t| t.start_time).min();
            let matching = subject::passes(filter.as_ref(), webinar.subject.as_deref());
            listed.push(Listed { key, hash: content_hash(&webinar), until, start, matching, webinar });
        }
    }

    let state = match previous {
        Some(state) => state,
        None => match options.start_from {
            StartFrom::Now => WebinarState::holding(listed.iter().collect(), Vec::new(), entry),
            // No creation time to compare with: everything scheduled counts as new.
            StartFrom::Time(_) => WebinarState::default(),
        },
    };
    let (bodies, next) = select(&state, listed, include_changed, options.max_items, entry);
    emit_poll(call, &bodies, cursor::store_state(NAME, scope, &next)).await
}

impl WebinarState {
    /// The state that knows `webinars` and, besides, the `kept` entries.
    fn holding(mut webinars: Vec<&Listed>, kept: Vec<Entry>, entry: EntryFn) -> Self {
        webinars.sort_by(|a, b| a.order().cmp(&b.order()));
        let room = MAX_KNOWN.saturating_sub(kept.len());
        let mut known = kept;
        known.extend(webinars.iter().take(room).map(|l| entry(&l.key, &l.hash)));
        known.sort_unstable();
        let beyond = webinars.get(room).map(|first| {
            let (count, sum) = digest_of(webinars[room..].iter().copied());
            Beyond { start: first.order().0, key: first.key.clone(), count, digest: format!("{sum:016x}") }
        });
        Self { known, beyond }
    }

    fn is_beyond(&self, listed: &Listed) -> bool {
        self.beyond.as_ref().is_some_and(|b| listed.order() >= (b.start, b.key.as_str()))
    }
}

impl Listed {
    fn order(&self) -> (DateTime<Utc>, &str) {
        (self.start.unwrap_or(self.until), self.key.as_str())
    }
}

/// What a poll makes of a listed webinar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Known,
    New(Change),
    /// Among the summed-up webinars after a change there: created, changed or neither.
    Unsure,
}

fn select(
    state: &WebinarState,
    mut listed: Vec<Listed>,
    include_changed: bool,
    max_items: usize,
    entry: EntryFn,
) -> (Vec<WebinarChangeOut>, WebinarState) {
    listed.sort_by(|a, b| a.order().cmp(&b.order()));
    let entries: Vec<Entry> = listed.iter().map(|l| entry(&l.key, &l.hash)).collect();
    let beyond: Vec<bool> = listed.iter().map(|l| state.is_beyond(l)).collect();

    let mut stored: HashMap<Entry, usize> = HashMap::new();
    for e in &state.known {
        *stored.entry(*e).or_default() += 1;
    }
    let mut present: HashMap<Entry, usize> = HashMap::new();
    for (e, _) in entries.iter().zip(&beyond).filter(|(_, b)| !**b) {
        *present.entry(*e).or_default() += 1;
    }
    // Entries no listed webinar accounts for: changed (old content), ended or deleted webinars.
    let gone: Vec<Entry> =
        stored.iter().filter(|(e, n)| present.get(*e).copied().unwrap_or(0) < **n).map(|(e, _)| *e).collect();
    let gone_keys: HashSet<u64> = gone.iter().map(|e| key_tag(*e)).collect();
    let beyond_unchanged = state.beyond.as_ref().is_none_or(|b| {
        let (count, sum) = digest_of(listed.iter().zip(&beyond).filter(|(_, b)| **b).map(|(l, _)| l));
        count == b.count && format!("{sum:016x}") == b.digest
    });
    if !beyond_unchanged {
        warn!("the webinars past the first {MAX_KNOWN} changed; each of them is emitted again");
    }

    let seen: Vec<Seen> = entries
        .iter()
        .zip(&beyond)
        .map(|(e, is_beyond)| {
            if *is_beyond {
                return if beyond_unchanged { Seen::Known } else { Seen::Unsure };
            }
            // More listed than stored with one entry: each is new, so a collision repeats, never hides.
            if present[e] <= stored.get(e).copied().unwrap_or(0) {
                Seen::Known
            } else if gone_keys.contains(&key_tag(*e)) {
                Seen::New(Change::Changed)
            } else {
                Seen::New(Change::Created)
            }
        })
        .collect();

    let mut bodies = Vec::new();
    let mut known: Vec<&Listed> = Vec::new();
    let mut waiting_changes: HashSet<u64> = HashSet::new();
    for ((item, seen), e) in listed.iter().zip(&seen).zip(&entries) {
        match seen {
            Seen::Known => known.push(item),
            // Outside the subject filter: recorded as seen, never emitted, never counted.
            _ if !item.matching => known.push(item),
            // Without change tracking, follow the content silently.
            Seen::New(Change::Changed) if !include_changed => known.push(item),
            Seen::Unsure if bodies.len() >= max_items => {}
            Seen::Unsure => {
                // Emitted again under both ids it may have: a repeat at worst, never a loss.
                bodies.push(body(item, Change::Created));
                if include_changed {
                    bodies.push(body(item, Change::Changed));
                }
                known.push(item);
            }
            Seen::New(change) if bodies.len() >= max_items => {
                // Next poll, in order; a change keeps its old entry so it is still seen as one.
                if *change == Change::Changed {
                    waiting_changes.insert(key_tag(*e));
                }
            }
            Seen::New(change) => {
                bodies.push(body(item, *change));
                known.push(item);
            }
        }
    }
    let kept = gone.into_iter().filter(|e| waiting_changes.contains(&key_tag(*e))).collect();
    let next = WebinarState::holding(known, kept, entry);
    (bodies, next)
}

fn body(item: &Listed, change: Change) -> WebinarChangeOut {
    let id = match change {
        Change::Created => item.key.clone(),
        Change::Changed => format!("{}:{}", item.key, item.hash),
    };
    WebinarChangeOut {
        id,
        change,
        content_hash: item.hash.clone(),
        webinar: WebinarOut::from(item.webinar.clone()),
    }
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
            matching: true,
            webinar: w,
        }
    }

    fn select(
        state: &WebinarState,
        listed: Vec<Listed>,
        include_changed: bool,
        max_items: usize,
    ) -> (Vec<WebinarChangeOut>, WebinarState) {
        super::select(state, listed, include_changed, max_items, entry)
    }

    fn ids(bodies: &[WebinarChangeOut]) -> Vec<&str> {
        bodies.iter().map(|b| b.id.as_str()).collect()
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
        let (first, state) = select(&state, list(), true, 2);
        assert_eq!(ids(&first), ["1", "2"]);
        let (second, state) = select(&state, list(), true, 2);
        assert_eq!(ids(&second), ["3"]);
        let mut changed = list();
        changed[0] = listed(webinar("2", "Two, renamed", "2026-05-02T10:00:00Z"));
        let (third, state) = select(&state, changed.clone(), true, 2);
        assert_eq!(third.len(), 1);
        assert_eq!(third[0].change, Change::Changed);
        assert!(third[0].id.starts_with("2:"));
        let (none, state) = select(&state, changed, true, 2);
        assert!(none.is_empty());
        let (_, pruned) =
            select(&state, vec![listed(webinar("3", "Three", "2026-05-03T10:00:00Z"))], true, 2);
        assert_eq!(pruned.known.len(), 1, "webinars no longer listed leave the snapshot");
    }

    #[test]
    fn a_change_held_back_by_the_cap_is_still_a_change_next_time() {
        let list = |subject: &str| {
            vec![
                listed(webinar("1", subject, "2026-05-01T10:00:00Z")),
                listed(webinar("2", subject, "2026-05-02T10:00:00Z")),
            ]
        };
        let (_, state) = select(&WebinarState::default(), list("A"), true, 10);
        let (first, state) = select(&state, list("B"), true, 1);
        assert_eq!(first.len(), 1);
        let (second, state) = select(&state, list("B"), true, 1);
        assert_eq!(second.len(), 1);
        assert_eq!(second[0].change, Change::Changed, "{:?}", second[0].id);
        assert!(second[0].id.starts_with("2:"));
        assert!(select(&state, list("B"), true, 1).0.is_empty());
    }

    #[test]
    fn without_change_tracking_changes_are_followed_silently() {
        let state = WebinarState::default();
        let (_, state) = select(&state, vec![listed(webinar("1", "One", "2026-05-01T10:00:00Z"))], false, 10);
        let renamed = vec![listed(webinar("1", "Uno", "2026-05-01T10:00:00Z"))];
        let (none, state) = select(&state, renamed, false, 10);
        assert!(none.is_empty());
        let again = vec![listed(webinar("1", "Uno", "2026-05-01T10:00:00Z"))];
        let (still_none, _) = select(&state, again, true, 10);
        assert!(still_none.is_empty(), "switching tracking on does not report an old change");
    }

    fn many(n: usize, subject: &str) -> Vec<Listed> {
        (0..n)
            .map(|i| {
                let start = format!("2026-{:02}-{:02}T10:00:00Z", 1 + i / 28 % 12, 1 + i % 28);
                listed(webinar(&format!("{}", 1000 + i), subject, &start))
            })
            .collect()
    }

    #[test]
    fn hundreds_of_webinars_fit_in_the_snapshot_and_each_is_emitted_once() {
        let (first, state) = select(&WebinarState::default(), many(300, "S"), true, 1000);
        assert_eq!(first.len(), 300);
        let size = cursor::store_state(NAME, "organizer", &state).to_string().len();
        assert!(size <= cursor::SNAPSHOT_LIMIT, "{size} bytes");
        assert!(select(&state, many(300, "S"), true, 1000).0.is_empty());
        let mut with_one_more = many(301, "S");
        with_one_more.swap(0, 300);
        let (more, _) = select(&state, with_one_more, true, 1000);
        assert_eq!(ids(&more), ["1300"]);
    }

    #[test]
    fn past_the_limit_the_rest_is_summed_up_and_only_ever_repeated() {
        let n = MAX_KNOWN + 200;
        let (first, state) = select(&WebinarState::default(), many(n, "S"), true, 10_000);
        assert_eq!(first.len(), n);
        let size = cursor::store_state(NAME, "organizer", &state).to_string().len();
        assert!(size <= cursor::SNAPSHOT_LIMIT, "{size} bytes");
        assert!(state.beyond.is_some());
        let (none, state) = select(&state, many(n, "S"), true, 10_000);
        assert!(none.is_empty(), "nothing changed: {:?}", ids(&none));
        // A change among the summed-up ones: every one of them is emitted again, the change included.
        let mut changed = many(n, "S");
        changed.sort_by(|a, b| a.order().cmp(&b.order()));
        let last = changed.len() - 1;
        changed[last] = listed(webinar(&changed[last].key.clone(), "T", &fmt(changed[last].start.unwrap())));
        let (again, state) = select(&state, changed.clone(), true, 10_000);
        assert_eq!(again.len(), 400, "the summed-up ones, as created and as changed");
        let key = &changed[last].key;
        assert!(again
            .iter()
            .any(|b| b.id == format!("{key}:{}", changed[last].hash) && b.change == Change::Changed));
        assert!(again.iter().any(|b| b.id == *key && b.change == Change::Created), "same id as its creation");
        assert!(select(&state, changed, true, 10_000).0.is_empty());
    }

    fn fmt(time: DateTime<Utc>) -> String {
        gotowebinar::rfc3339(time)
    }

    fn filtered(w: Webinar, filter: &str) -> Listed {
        let filter = SubjectFilter::new(Some(filter)).unwrap();
        Listed { matching: subject::passes(filter.as_ref(), w.subject.as_deref()), ..listed(w) }
    }

    #[test]
    fn webinars_outside_the_subject_filter_are_followed_but_never_emitted_or_counted() {
        let list = |filter: &str, go: &str| {
            vec![
                filtered(webinar("1", "Rust, part 1", "2026-05-01T10:00:00Z"), filter),
                filtered(webinar("2", go, "2026-05-02T10:00:00Z"), filter),
                filtered(webinar("3", "rust, PART 2", "2026-05-03T10:00:00Z"), filter),
                filtered(webinar("4", "Go, part 2", "2026-05-04T10:00:00Z"), filter),
            ]
        };
        let (first, state) = select(&WebinarState::default(), list("RUST", "Go, part 1"), true, 1);
        assert_eq!(ids(&first), ["1"], "the first matching one; the others do not take the cap");
        let (second, state) = select(&state, list("RUST", "Go, part 1"), true, 1);
        assert_eq!(ids(&second), ["3"]);
        assert_eq!(state.known.len(), 4, "every webinar is followed");
        assert!(select(&state, list("RUST", "Go, part 1"), true, 1).0.is_empty());
        // A new filter applies from now on: nothing scheduled before is emitted.
        assert!(select(&state, list("go", "Go, part 1"), true, 10).0.is_empty());
        // Renamed into the filter: a change, emitted with change tracking only.
        let (renamed, _) = select(&state, list("rust", "Rust, part 1½"), true, 10);
        assert_eq!(renamed.len(), 1);
        assert_eq!(renamed[0].change, Change::Changed);
        assert!(renamed[0].id.starts_with("2:"), "{}", renamed[0].id);
        assert!(select(&state, list("rust", "Rust, part 1½"), false, 10).0.is_empty());
        // Renamed out of the filter: not emitted.
        let mut away = list("rust", "Go, part 1");
        away[0] = filtered(webinar("1", "Elixir", "2026-05-01T10:00:00Z"), "rust");
        assert!(select(&state, away, true, 10).0.is_empty());
    }

    fn colliding(_: &str, _: &str) -> Entry {
        7
    }

    #[test]
    fn an_entry_collision_repeats_rather_than_hides() {
        let one = vec![listed(webinar("1", "One", "2026-05-01T10:00:00Z"))];
        let (_, state) = super::select(&WebinarState::default(), one, true, 10, colliding);
        let two = vec![
            listed(webinar("1", "One", "2026-05-01T10:00:00Z")),
            listed(webinar("2", "Two", "2026-05-02T10:00:00Z")),
        ];
        let (emitted, state) = super::select(&state, two.clone(), true, 10, colliding);
        assert!(ids(&emitted).contains(&"2"), "the new webinar is emitted: {:?}", ids(&emitted));
        assert!(super::select(&state, two, true, 10, colliding).0.is_empty());
    }

    #[test]
    fn a_format_1_snapshot_is_migrated() {
        let w = webinar("1", "One", "2026-05-01T10:00:00Z");
        let v1 = json!({"version": 1, "trigger": NAME, "scope": "organizer",
            "known": {"1": {"hash": content_hash(&w), "until": "2026-05-01T11:00:00Z"}}});
        let state: WebinarState = cursor::load_state(&v1, NAME, "organizer").unwrap().unwrap();
        let list = vec![listed(w), listed(webinar("2", "Two", "2026-05-02T10:00:00Z"))];
        assert_eq!(ids(&select(&state, list, true, 10).0), ["2"]);
    }
}
