//! The state polling triggers keep in the platform's snapshot, and the rules that decide what a
//! poll emits.
//!
//! A snapshot is `{"version": 1, "trigger": NAME, "scope": WHAT, …state}`. Time-ordered triggers
//! keep a [`TimeCursor`]: a lower bound `since` (server time) and the ids already emitted at or
//! after it. Each poll emits the items at or after `since` that were not emitted yet, oldest first,
//! then moves `since` to the newest emitted time minus the look-back window. Items with the same
//! time as the cursor and items that show up late (within the window) are therefore not lost, and
//! the seen ids are pruned as the window moves, so the snapshot stays bounded.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use tracing::info;

use crate::errors::{names, ComponentError};
use crate::input::{parse_step_config, Timestamp};

/// The snapshot format this version writes and reads.
pub const FORMAT_VERSION: u64 = 1;
/// The look-back window when the step does not set one.
pub const DEFAULT_LOOK_BACK_MINUTES: u32 = 5;
/// The longest look-back window accepted (one day).
pub const MAX_LOOK_BACK_MINUTES: u32 = 1440;
/// Items emitted per poll when the step does not set a cap.
pub const DEFAULT_MAX_ITEMS: u32 = 1000;
/// The largest accepted cap.
pub const MAX_ITEMS: u32 = 10_000;
/// The most ids a time cursor keeps; past it the window shrinks (late arrivals may then be missed,
/// but nothing is emitted twice).
pub const MAX_SEEN: usize = 10_000;
/// How far the GoTo clock may lag ours on a first run with `startFrom: now` and nothing to anchor on.
pub const SKEW_ALLOWANCE_MINUTES: i64 = 60;

/// Where a trigger starts on its first run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartFrom {
    /// Only what appears after the first poll.
    Now,
    /// Everything from this time on.
    Time(DateTime<Utc>),
}

/// The polling options every trigger reads from its step configuration.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PollOptionsIn {
    /// `now` (default) or a date-time: where the first poll starts.
    pub start_from: Option<String>,
    /// The most items one poll emits; the rest follow on the next polls, in order.
    pub max_items_per_poll: Option<u32>,
    /// How late (in minutes) an item may show up and still be emitted; default 5.
    pub look_back_minutes: Option<u32>,
}

/// Checked polling options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollOptions {
    /// Where the first poll starts.
    pub start_from: StartFrom,
    /// The most items one poll emits.
    pub max_items: usize,
    /// The look-back window.
    pub look_back: Duration,
}

impl Default for PollOptions {
    fn default() -> Self {
        Self {
            start_from: StartFrom::Now,
            max_items: DEFAULT_MAX_ITEMS as usize,
            look_back: Duration::minutes(i64::from(DEFAULT_LOOK_BACK_MINUTES)),
        }
    }
}

impl PollOptions {
    /// Reads and checks the options from the step configuration.
    pub fn from_cfg(cfg: &Value) -> Result<Self, ComponentError> {
        let raw: PollOptionsIn = parse_step_config(cfg)?;
        let start_from = match raw.start_from.as_deref().map(str::trim) {
            None | Some("") => StartFrom::Now,
            Some(text) if text.eq_ignore_ascii_case("now") => StartFrom::Now,
            Some(text) => StartFrom::Time(
                Timestamp::parse(text)
                    .map_err(|reason| {
                        ComponentError::input(format!(
                            "`startFrom` must be `now` or a date-time such as 2026-03-13T10:00:00Z: {reason}"
                        ))
                    })?
                    .0,
            ),
        };
        let max_items = match raw.max_items_per_poll {
            None => DEFAULT_MAX_ITEMS,
            Some(n) if (1..=MAX_ITEMS).contains(&n) => n,
            Some(n) => {
                return Err(ComponentError::input(format!(
                    "`maxItemsPerPoll` must be between 1 and {MAX_ITEMS}, got {n}"
                )))
            }
        };
        let minutes = match raw.look_back_minutes {
            None => DEFAULT_LOOK_BACK_MINUTES,
            Some(n) if n <= MAX_LOOK_BACK_MINUTES => n,
            Some(n) => {
                return Err(ComponentError::input(format!(
                    "`lookBackMinutes` must be between 0 and {MAX_LOOK_BACK_MINUTES}, got {n}"
                )))
            }
        };
        Ok(Self {
            start_from,
            max_items: max_items as usize,
            look_back: Duration::minutes(i64::from(minutes)),
        })
    }
}

/// A time as snapshots write it.
pub fn fmt_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Reads this trigger's state from the snapshot: `None` on a first run (empty snapshot, or one
/// written for another trigger or scope); an error for a snapshot this version cannot read, so a
/// damaged state never silently restarts the trigger.
pub fn load<S: DeserializeOwned>(
    snapshot: &Value,
    trigger: &str,
    scope: &str,
) -> Result<Option<S>, ComponentError> {
    let object = match snapshot {
        Value::Null => return Ok(None),
        Value::Object(object) if object.is_empty() => return Ok(None),
        Value::Object(object) => object,
        _ => return Err(damaged(trigger, "it is not a JSON object")),
    };
    let Some(version) = object.get("version") else {
        info!(trigger, "the snapshot has no format version; starting afresh");
        return Ok(None);
    };
    match version.as_u64() {
        Some(FORMAT_VERSION) => {}
        Some(other) if other > FORMAT_VERSION => {
            return Err(ComponentError::named(
                names::CONFIGURATION,
                format!(
                    "the snapshot of {trigger} has format version {other}, written by a newer version of \
                     the component; run the newer version or clear the step's snapshot"
                ),
            ))
        }
        _ => return Err(damaged(trigger, &format!("its format version {version} is unknown"))),
    }
    if object.get("trigger").and_then(Value::as_str) != Some(trigger)
        || object.get("scope").and_then(Value::as_str) != Some(scope)
    {
        info!(trigger, scope, "the snapshot belongs to another trigger or scope; starting afresh");
        return Ok(None);
    }
    crate::input::deserialize::<S>(snapshot.clone()).map(Some).map_err(|error| damaged(trigger, &error.0))
}

fn damaged(trigger: &str, reason: &str) -> ComponentError {
    ComponentError::named(
        names::CONFIGURATION,
        format!(
            "the snapshot of {trigger} cannot be read ({reason}); clear the step's snapshot to start again"
        ),
    )
}

/// The snapshot for `state`, with the envelope fields.
pub fn store<S: Serialize>(trigger: &str, scope: &str, state: &S) -> Value {
    let mut object = match serde_json::to_value(state) {
        Ok(Value::Object(object)) => object,
        _ => Map::new(),
    };
    object.insert("version".into(), json!(FORMAT_VERSION));
    object.insert("trigger".into(), json!(trigger));
    object.insert("scope".into(), json!(scope));
    Value::Object(object)
}

/// An item a poll found: its stable id, its (server) time and what would be emitted.
#[derive(Debug, Clone)]
pub struct Candidate<T> {
    /// The stable id (also the `id` of the emitted body).
    pub id: String,
    /// The item's time on the GoTo clock.
    pub at: DateTime<Utc>,
    /// The item.
    pub item: T,
}

/// The state of a time-ordered trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeCursor {
    /// Items before this time are never emitted.
    pub since: DateTime<Utc>,
    /// Ids already emitted (or present at the first run) at or after `since`, with their times.
    pub seen: BTreeMap<String, DateTime<Utc>>,
}

impl TimeCursor {
    /// The cursor of a first run. With `now`, what exists is recorded as seen and anchors the
    /// cursor on the GoTo clock (so a clock ahead of or behind ours loses nothing); with nothing
    /// to anchor on, our clock minus an allowance for skew is used.
    pub fn first<T>(options: &PollOptions, candidates: &[Candidate<T>], now: DateTime<Utc>) -> Self {
        match options.start_from {
            StartFrom::Time(time) => Self { since: time, seen: BTreeMap::new() },
            StartFrom::Now => {
                let anchor = candidates
                    .iter()
                    .map(|c| c.at)
                    .max()
                    .unwrap_or(now - Duration::minutes(SKEW_ALLOWANCE_MINUTES));
                let since = anchor - options.look_back;
                let seen =
                    candidates.iter().filter(|c| c.at >= since).map(|c| (c.id.clone(), c.at)).collect();
                Self { since, seen }
            }
        }
    }

    /// Picks what to emit from everything found, oldest first and at most `max_items`, and the
    /// cursor that records it.
    pub fn advance<T>(
        &self,
        candidates: Vec<Candidate<T>>,
        options: &PollOptions,
    ) -> (Vec<Candidate<T>>, Self) {
        let mut fresh: Vec<Candidate<T>> =
            candidates.into_iter().filter(|c| c.at >= self.since && !self.seen.contains_key(&c.id)).collect();
        fresh.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        // The same item may be listed twice (pages shifting under a concurrent change).
        fresh.dedup_by(|b, a| a.id == b.id);
        fresh.truncate(options.max_items);

        let mut next = self.clone();
        for candidate in &fresh {
            next.seen.insert(candidate.id.clone(), candidate.at);
        }
        if let Some(newest) = fresh.last().map(|c| c.at) {
            next.since = next.since.max(newest - options.look_back);
        }
        next.prune();
        (fresh, next)
    }

    fn prune(&mut self) {
        let since = self.since;
        self.seen.retain(|_, at| *at >= since);
        if self.seen.len() > MAX_SEEN {
            let mut times: Vec<DateTime<Utc>> = self.seen.values().copied().collect();
            times.sort();
            self.since = times[times.len() - MAX_SEEN];
            let since = self.since;
            self.seen.retain(|_, at| *at >= since);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn c(id: &str, at: i64) -> Candidate<()> {
        Candidate { id: id.into(), at: t(at), item: () }
    }

    fn ids(list: &[Candidate<()>]) -> Vec<&str> {
        list.iter().map(|c| c.id.as_str()).collect()
    }

    fn opts(max: usize) -> PollOptions {
        PollOptions { max_items: max, ..PollOptions::default() }
    }

    #[test]
    fn a_first_run_from_now_emits_nothing_and_then_only_what_is_new() {
        let existing = vec![c("a", 0), c("b", 10)];
        let cursor = TimeCursor::first(&opts(100), &existing, t(5000));
        let (emitted, cursor) = cursor.advance(existing.clone(), &opts(100));
        assert!(emitted.is_empty());
        let mut later = existing;
        later.push(c("c", 10));
        later.push(c("d", 11));
        let (emitted, _) = cursor.advance(later, &opts(100));
        assert_eq!(ids(&emitted), ["c", "d"], "same time as the newest seen, and later");
    }

    #[test]
    fn a_first_run_from_a_time_emits_everything_from_it() {
        let options = PollOptions { start_from: StartFrom::Time(t(5)), ..opts(100) };
        let cursor = TimeCursor::first(&options, &[c("a", 0)], t(100));
        let (emitted, _) = cursor.advance(vec![c("a", 0), c("b", 5), c("c", 6)], &options);
        assert_eq!(ids(&emitted), ["b", "c"]);
    }

    #[test]
    fn the_cap_carries_the_rest_over_in_order() {
        let cursor = TimeCursor { since: t(0), seen: BTreeMap::new() };
        let all = vec![c("e", 3), c("a", 1), c("c", 2), c("b", 1), c("d", 2)];
        let (first, cursor) = cursor.advance(all.clone(), &opts(2));
        assert_eq!(ids(&first), ["a", "b"]);
        let (second, cursor) = cursor.advance(all.clone(), &opts(2));
        assert_eq!(ids(&second), ["c", "d"]);
        let (third, cursor) = cursor.advance(all.clone(), &opts(2));
        assert_eq!(ids(&third), ["e"]);
        let (none, _) = cursor.advance(all, &opts(2));
        assert!(none.is_empty());
    }

    #[test]
    fn late_arrivals_inside_the_window_are_emitted_and_old_ids_are_pruned() {
        let cursor = TimeCursor { since: t(0), seen: BTreeMap::new() };
        let (_, cursor) = cursor.advance(vec![c("a", 0), c("b", 1000)], &opts(100));
        assert_eq!(cursor.since, t(1000 - 300));
        assert_eq!(cursor.seen.keys().collect::<Vec<_>>(), ["b"], "a is before the window");
        let (late, cursor) = cursor.advance(vec![c("a", 0), c("b", 1000), c("late", 800)], &opts(100));
        assert_eq!(ids(&late), ["late"]);
        assert_eq!(cursor.since, t(700), "an older item never moves the cursor back");
    }

    #[test]
    fn duplicates_in_one_listing_are_emitted_once() {
        let cursor = TimeCursor { since: t(0), seen: BTreeMap::new() };
        let (emitted, _) = cursor.advance(vec![c("a", 1), c("a", 1), c("b", 2)], &opts(100));
        assert_eq!(ids(&emitted), ["a", "b"]);
    }

    #[test]
    fn the_seen_set_is_capped() {
        let cursor = TimeCursor { since: t(0), seen: BTreeMap::new() };
        let many: Vec<_> = (0..MAX_SEEN + 50).map(|i| c(&format!("{i:06}"), i as i64 / 10)).collect();
        let (emitted, cursor) = cursor.advance(many.clone(), &opts(MAX_ITEMS as usize));
        assert_eq!(emitted.len(), MAX_ITEMS as usize);
        let (_, cursor) = cursor.advance(many.clone(), &opts(MAX_ITEMS as usize));
        assert!(cursor.seen.len() <= MAX_SEEN + 10, "{}", cursor.seen.len());
    }

    #[test]
    fn snapshots_round_trip_and_unknown_versions_are_refused() {
        let cursor = TimeCursor { since: t(0), seen: [("a".to_string(), t(1))].into() };
        let snapshot = store("newThings", "all", &cursor);
        assert_eq!(snapshot["version"], 1);
        assert_eq!(load::<TimeCursor>(&snapshot, "newThings", "all").unwrap(), Some(cursor));
        assert_eq!(load::<TimeCursor>(&snapshot, "newThings", "webinar:1").unwrap(), None);
        assert_eq!(load::<TimeCursor>(&json!({}), "newThings", "all").unwrap(), None);
        let mut newer = snapshot.clone();
        newer["version"] = json!(2);
        let error = load::<TimeCursor>(&newer, "newThings", "all").unwrap_err();
        assert!(error.to_string().contains("newer version"), "{error}");
        let mut broken = snapshot;
        broken["since"] = json!("yesterday");
        assert!(load::<TimeCursor>(&broken, "newThings", "all").is_err());
    }

    #[test]
    fn options_name_the_field_at_fault() {
        let error = PollOptions::from_cfg(&json!({"startFrom": "soon"})).unwrap_err();
        assert!(error.to_string().contains("startFrom"), "{error}");
        let error = PollOptions::from_cfg(&json!({"maxItemsPerPoll": "0"})).unwrap_err();
        assert!(error.to_string().contains("maxItemsPerPoll"), "{error}");
        let options =
            PollOptions::from_cfg(&json!({"startFrom": "2026-01-01", "maxItemsPerPoll": "7"})).unwrap();
        assert_eq!(options.start_from, StartFrom::Time("2026-01-01T00:00:00Z".parse().unwrap()));
        assert_eq!(options.max_items, 7);
        assert_eq!(PollOptions::from_cfg(&json!({})).unwrap(), PollOptions::default());
    }
}
