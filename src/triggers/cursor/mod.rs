//! The state polling triggers keep in the platform's snapshot, and the rules that decide what a
//! poll emits.
//!
//! A snapshot is `{"version": 2, "trigger": NAME, "scope": WHAT, …state}` and stays under the
//! platform's 5 KB whatever a poll sees. Time-ordered triggers keep a [`TimeCursor`]: a lower
//! bound `since` (server time), the newest item emitted (`top`, exact) and, for the items between,
//! a fixed-size sketch of the emitted ids. Each poll emits the items at or after `since` that were
//! not emitted yet, oldest first, then moves `since` to the newest emitted time minus the look-back
//! window. Items with the same time as the cursor and items that show up late (within the window)
//! are therefore not lost. Compact state errs only towards emitting again, never towards skipping.

use chrono::{DateTime, Duration, Utc};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use tracing::{info, warn};

use crate::errors::{names, ComponentError};
use crate::input::{parse_step_config, Timestamp};

mod time_cursor;

pub use time_cursor::{Candidate, Mark, TimeCursor};

/// The snapshot format of the webhook triggers, and the first format of the polling triggers.
pub const FORMAT_VERSION: u64 = 1;
/// The snapshot format polling triggers write (they read format 1 too).
pub const POLL_FORMAT_VERSION: u64 = 2;
/// The largest snapshot the platform keeps, in bytes of compact JSON.
pub const SNAPSHOT_LIMIT: usize = 5120;
/// The most second ranges a time cursor lists.
pub const MAX_SPANS: usize = 24;
/// The most newest emitted items a time cursor lists one by one (by a 24-bit fingerprint).
pub const MAX_RECENT: usize = 500;
/// The look-back window when the step does not set one.
pub const DEFAULT_LOOK_BACK_MINUTES: u32 = 5;
/// The longest look-back window accepted (one day).
pub const MAX_LOOK_BACK_MINUTES: u32 = 1440;
/// Items emitted per poll when the step does not set a cap.
pub const DEFAULT_MAX_ITEMS: u32 = 1000;
/// The largest accepted cap.
pub const MAX_ITEMS: u32 = 10_000;
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

/// A time as snapshots write it: RFC 3339 in UTC, fraction digits only as many as it has.
pub use jsonkit::time::rfc3339_exact as fmt_time;

/// Reads a format-1 state from the snapshot (the webhook triggers' format): `None` on a first run
/// (see [`envelope`] for the rules); an error for a snapshot this version cannot read.
pub fn load<S: DeserializeOwned>(
    snapshot: &Value,
    trigger: &str,
    scope: &str,
) -> Result<Option<S>, ComponentError> {
    match envelope(snapshot, trigger, scope, FORMAT_VERSION)? {
        None => Ok(None),
        Some((_, object)) => crate::input::deserialize::<S>(Value::Object(object.clone()))
            .map(Some)
            .map_err(|error| damaged(trigger, &error.0)),
    }
}

/// A polling trigger's state: written in [`POLL_FORMAT_VERSION`], read from format 1 too.
pub trait PollState: DeserializeOwned + Serialize + Sized {
    /// The state of a format-1 snapshot (its fields, envelope included), migrated.
    fn from_v1(snapshot: Value) -> Result<Self, String>;
}

/// Reads a polling trigger's state from the snapshot, migrating a format-1 one; `None` on a first
/// run (see [`envelope`]).
pub fn load_state<S: PollState>(
    snapshot: &Value,
    trigger: &str,
    scope: &str,
) -> Result<Option<S>, ComponentError> {
    let Some((version, object)) = envelope(snapshot, trigger, scope, POLL_FORMAT_VERSION)? else {
        return Ok(None);
    };
    let value = Value::Object(object.clone());
    let state = if version == 1 {
        info!(trigger, "migrating a snapshot of format 1");
        S::from_v1(value)
    } else {
        crate::input::deserialize::<S>(value).map_err(|error| error.0)
    };
    state.map(Some).map_err(|reason| damaged(trigger, &reason))
}

/// A recognised snapshot: its format version and its fields.
pub type Envelope<'a> = (u64, &'a Map<String, Value>);

/// The snapshot rules every trigger shares. `{}`, `null` or none is a first run (`None`); the
/// local runner's event line `{"event":"snapshot","snapshot":{…}}` stands for the snapshot it
/// wraps; a snapshot of another trigger or scope starts afresh with a warning. Anything else that
/// is not a snapshot of a known format is an error that names it and says how to clear it, so a
/// wrong snapshot never silently restarts a trigger.
pub fn envelope<'a>(
    snapshot: &'a Value,
    trigger: &str,
    scope: &str,
    newest: u64,
) -> Result<Option<Envelope<'a>>, ComponentError> {
    let object = match snapshot {
        Value::Null => return Ok(None),
        Value::Object(object) if object.is_empty() => return Ok(None),
        Value::Object(object)
            if object.get("event").and_then(Value::as_str) == Some("snapshot")
                && object.contains_key("snapshot") =>
        {
            match &object["snapshot"] {
                Value::Null => return Ok(None),
                Value::Object(inner) if inner.is_empty() => return Ok(None),
                Value::Object(inner) => inner,
                _ => return Err(unrecognised(trigger, snapshot, "the event line wraps no JSON object")),
            }
        }
        Value::Object(object) => object,
        _ => return Err(unrecognised(trigger, snapshot, "it is not a JSON object")),
    };
    let Some(version) = object.get("version") else {
        return Err(unrecognised(trigger, snapshot, "it has no format `version`"));
    };
    let version = match version.as_u64() {
        Some(version @ 1..) if version <= newest => version,
        Some(other) if other > newest => {
            return Err(ComponentError::named(
                names::CONFIGURATION,
                format!(
                    "the snapshot of {trigger} has format version {other}, written by a newer version of \
                     the component; run the newer version or {CLEAR}"
                ),
            ))
        }
        _ => {
            return Err(unrecognised(trigger, snapshot, &format!("its format version {version} is unknown")))
        }
    };
    let (their_trigger, their_scope) =
        (object.get("trigger").and_then(Value::as_str), object.get("scope").and_then(Value::as_str));
    if their_trigger != Some(trigger) || their_scope != Some(scope) {
        warn!(
            trigger,
            scope,
            snapshot_trigger = their_trigger.unwrap_or("?"),
            snapshot_scope = their_scope.unwrap_or("?"),
            "the snapshot belongs to another trigger or scope; starting afresh"
        );
        return Ok(None);
    }
    Ok(Some((version, object)))
}

/// How to clear a snapshot, on the platform and locally.
const CLEAR: &str = "clear the step's snapshot to start again (locally: write {} to the --snapshot file)";

fn unrecognised(trigger: &str, snapshot: &Value, reason: &str) -> ComponentError {
    let mut text = snapshot.to_string();
    if text.len() > 80 {
        let cut = (0..=77).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        text.truncate(cut);
        text.push_str("...");
    }
    ComponentError::named(
        names::CONFIGURATION,
        format!(
            "the snapshot given to {trigger} ({text}) is not a snapshot of this component: {reason}; {CLEAR}"
        ),
    )
}

fn damaged(trigger: &str, reason: &str) -> ComponentError {
    ComponentError::named(
        names::CONFIGURATION,
        format!("the snapshot of {trigger} cannot be read ({reason}); {CLEAR}"),
    )
}

/// The format-1 snapshot for `state`, with the envelope fields (the webhook triggers' format).
pub fn store<S: Serialize>(trigger: &str, scope: &str, state: &S) -> Value {
    store_version(FORMAT_VERSION, trigger, scope, state)
}

/// A polling trigger's snapshot for `state`, in [`POLL_FORMAT_VERSION`].
pub fn store_state<S: PollState>(trigger: &str, scope: &str, state: &S) -> Value {
    let snapshot = store_version(POLL_FORMAT_VERSION, trigger, scope, state);
    let size = snapshot.to_string().len();
    if size > SNAPSHOT_LIMIT {
        warn!(trigger, size, "the snapshot is larger than the platform keeps");
    }
    snapshot
}

fn store_version<S: Serialize>(version: u64, trigger: &str, scope: &str, state: &S) -> Value {
    let mut object = match serde_json::to_value(state) {
        Ok(Value::Object(object)) => object,
        _ => Map::new(),
    };
    object.insert("version".into(), json!(version));
    object.insert("trigger".into(), json!(trigger));
    object.insert("scope".into(), json!(scope));
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;

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
