//! The time cursor: what a time-ordered trigger remembers between polls, and how a poll advances it.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing::warn;

#[cfg(test)]
use crate::triggers::sketch::DECODABLE;
use crate::triggers::sketch::{
    decode_fingerprints, encode_fingerprints, fingerprint, item_hash, Hasher, ItemHash, Sketch,
};

use super::{PollOptions, PollState, StartFrom, MAX_RECENT, MAX_SPANS, SKEW_ALLOWANCE_MINUTES};

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

/// The newest item a time cursor emitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// Its time.
    pub at: DateTime<Utc>,
    /// Its id.
    pub id: String,
}

impl Mark {
    fn is_at_or_after<T>(&self, candidate: &Candidate<T>) -> bool {
        (candidate.at, candidate.id.as_str()) <= (self.at, self.id.as_str())
    }
}

/// The state of a time-ordered trigger. Every item after `top` (by time, then id) is new. Of the
/// items from `since` to `top`, the emitted ones are held in `emitted`, a fixed-size sketch of
/// their id hashes, and `spans` lists the seconds that hold any: an item in no span was not
/// emitted, and one in a span is compared through the sketch. The size does not depend on how
/// many items the window holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeCursor {
    /// Items before this time are never emitted.
    pub since: DateTime<Utc>,
    /// The newest item emitted (or present at the first run), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top: Option<Mark>,
    /// The seconds, as offsets `[from, to]` from the whole second of `since`, that hold items in
    /// `emitted`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spans: Vec<[u32; 2]>,
    /// The emitted items from `since` to `top`.
    #[serde(default, skip_serializing_if = "Sketch::is_empty")]
    pub emitted: Sketch,
    /// From this second (an offset like `spans`) to `top`, every emitted item's fingerprint is in
    /// `recent`: an item there without one was surely not emitted, even in a crowded second.
    #[serde(default, rename = "recentFrom", skip_serializing_if = "Option::is_none")]
    pub recent_from: Option<u32>,
    /// The fingerprints of the emitted items from `recent_from` on (base64, 3 bytes each).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub recent: String,
}

/// Format 1 of [`TimeCursor`]: every id emitted inside the window, with its time.
#[derive(Deserialize)]
struct TimeCursorV1 {
    since: DateTime<Utc>,
    #[serde(default)]
    seen: BTreeMap<String, DateTime<Utc>>,
}

impl PollState for TimeCursor {
    fn from_v1(snapshot: Value) -> Result<Self, String> {
        let old: TimeCursorV1 = crate::input::deserialize(snapshot).map_err(|error| error.0)?;
        let seen: Vec<(DateTime<Utc>, &String)> =
            old.seen.iter().filter(|(_, at)| **at >= old.since).map(|(id, at)| (*at, id)).collect();
        let top = seen.iter().max().map(|(at, id)| Mark { at: *at, id: (*id).clone() });
        Ok(Self::holding(old.since, top, seen.into_iter().map(|(at, id)| (at, id.as_str())), item_hash))
    }
}

impl TimeCursor {
    /// The cursor of a first run. With `now`, what exists is recorded as seen and anchors the
    /// cursor on the GoTo clock (so a clock ahead of or behind ours loses nothing); with nothing
    /// to anchor on, our clock minus an allowance for skew is used.
    pub fn first<T>(options: &PollOptions, candidates: &[Candidate<T>], now: DateTime<Utc>) -> Self {
        Self::first_with(options, candidates, now, item_hash)
    }

    fn first_with<T>(
        options: &PollOptions,
        candidates: &[Candidate<T>],
        now: DateTime<Utc>,
        hash: Hasher,
    ) -> Self {
        match options.start_from {
            StartFrom::Time(time) => Self::starting(time),
            StartFrom::Now => {
                let anchor = candidates
                    .iter()
                    .map(|c| c.at)
                    .max()
                    .unwrap_or(now - Duration::minutes(SKEW_ALLOWANCE_MINUTES));
                let since = anchor - options.look_back;
                let present: Vec<&Candidate<T>> = candidates.iter().filter(|c| c.at >= since).collect();
                let top =
                    present.iter().map(|c| (c.at, &c.id)).max().map(|(at, id)| Mark { at, id: id.clone() });
                Self::holding(since, top, present.into_iter().map(|c| (c.at, c.id.as_str())), hash)
            }
        }
    }

    /// A cursor that has emitted nothing and starts at `since`.
    pub fn starting(since: DateTime<Utc>) -> Self {
        Self {
            since,
            top: None,
            spans: Vec::new(),
            emitted: Sketch::default(),
            recent_from: None,
            recent: String::new(),
        }
    }

    /// A cursor whose emitted items are exactly `items` (all at or after `since`, none after `top`).
    fn holding<'a>(
        since: DateTime<Utc>,
        top: Option<Mark>,
        items: impl Iterator<Item = (DateTime<Utc>, &'a str)>,
        hash: Hasher,
    ) -> Self {
        let base = since.timestamp();
        let items: Vec<(u32, ItemHash)> = items
            .filter_map(|(at, id)| u32::try_from(at.timestamp() - base).ok().map(|second| (second, hash(id))))
            .collect();
        // The newest seconds whose items all fit in the exact list.
        let mut per_second: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for (second, item) in &items {
            per_second.entry(*second).or_default().push(fingerprint(*item));
        }
        let (mut recent_from, mut prints) = (None, Vec::new());
        for (second, list) in per_second.iter().rev() {
            if prints.len() + list.len() > MAX_RECENT {
                break;
            }
            prints.extend(list);
            recent_from = Some(*second);
        }
        prints.sort_unstable();
        Self {
            since,
            top,
            spans: spans_of(items.iter().map(|(second, _)| *second)),
            emitted: Sketch::of(items.iter().map(|(_, item)| *item)),
            recent_from,
            recent: if recent_from.is_some() { encode_fingerprints(&prints) } else { String::new() },
        }
    }

    /// Whether the stored state may hold this item (so the sketch decides whether it is new).
    fn covers<T>(&self, candidate: &Candidate<T>, item: ItemHash, recent: &HashSet<u32>) -> bool {
        let Some(top) = &self.top else { return false };
        if !top.is_at_or_after(candidate) {
            return false;
        }
        let Ok(offset) = u32::try_from(candidate.at.timestamp() - self.since.timestamp()) else {
            return false;
        };
        if self.recent_from.is_some_and(|from| offset >= from) && !recent.contains(&fingerprint(item)) {
            return false;
        }
        self.spans.iter().any(|[from, to]| (*from..=*to).contains(&offset))
    }

    /// Picks what to emit from everything found, oldest first and at most `max_items`, and the
    /// cursor that records it.
    pub fn advance<T>(
        &self,
        candidates: Vec<Candidate<T>>,
        options: &PollOptions,
    ) -> (Vec<Candidate<T>>, Self) {
        self.advance_with(candidates, options, item_hash)
    }

    fn advance_with<T>(
        &self,
        candidates: Vec<Candidate<T>>,
        options: &PollOptions,
        hash: Hasher,
    ) -> (Vec<Candidate<T>>, Self) {
        let mut listed: Vec<Candidate<T>> = candidates.into_iter().filter(|c| c.at >= self.since).collect();
        listed.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        // The same item may be listed twice (pages shifting under a concurrent change).
        let mut ids = HashSet::new();
        listed.retain(|c| ids.insert(c.id.clone()));
        let hashes: Vec<ItemHash> = listed.iter().map(|c| hash(&c.id)).collect();
        // A damaged list only makes items be emitted again, never skipped.
        let recent: HashSet<u32> =
            decode_fingerprints(&self.recent).unwrap_or_default().into_iter().collect();
        let covered: Vec<bool> =
            listed.iter().zip(&hashes).map(|(c, h)| self.covers(c, *h, &recent)).collect();

        // The covered items the sketch does not hold are new; every other listed item is new.
        let current = Sketch::of(hashes.iter().zip(&covered).filter(|(_, c)| **c).map(|(h, _)| *h));
        let (fresh, decoded): (Vec<bool>, bool) = match current.difference(&self.emitted) {
            Some(difference) => {
                // With equal hashes, every item that has one is new: a collision repeats, never hides.
                let added: HashSet<ItemHash> = difference.added.into_iter().collect();
                (covered.iter().zip(&hashes).map(|(c, h)| !c || added.contains(h)).collect(), true)
            }
            None => {
                warn!(
                    "more items were listed late than the snapshot can tell apart; the look-back window \
                     is emitted again from its start (repeats keep their ids)"
                );
                (vec![true; listed.len()], false)
            }
        };
        let mut chosen = vec![false; listed.len()];
        let mut last = None;
        for (index, _) in fresh.iter().enumerate().filter(|(_, f)| **f).take(options.max_items) {
            chosen[index] = true;
            last = Some(index);
        }
        let newest = last.map(|index| Mark { at: listed[index].at, id: listed[index].id.clone() });
        let top = if decoded {
            // Only moves forward: an older late item does not lower it.
            match (self.top.clone(), newest) {
                (Some(top), Some(newest)) => {
                    Some(if (newest.at, &newest.id) > (top.at, &top.id) { newest } else { top })
                }
                (top, newest) => top.or(newest),
            }
        } else {
            // Everything up to the newest emitted item was emitted just now; what follows is new.
            newest.or_else(|| self.top.clone())
        };
        let since = match &top {
            Some(top) => self.since.max(top.at - options.look_back),
            None => self.since,
        };
        let known = listed
            .iter()
            .enumerate()
            .filter(|(i, c)| (chosen[*i] || (decoded && !fresh[*i])) && c.at >= since)
            .map(|(_, c)| (c.at, c.id.as_str()));
        let next = Self::holding(since, top, known, hash);
        let emitted = listed.into_iter().zip(chosen).filter(|(_, c)| *c).map(|(c, _)| c).collect();
        (emitted, next)
    }
}

/// The seconds as at most [`MAX_SPANS`] ranges, joining the ranges with the smallest gaps between
/// them (a wider span only sends more items through the sketch).
fn spans_of(seconds: impl Iterator<Item = u32>) -> Vec<[u32; 2]> {
    let mut seconds: Vec<u32> = seconds.collect();
    seconds.sort_unstable();
    seconds.dedup();
    let mut runs: Vec<[u32; 2]> = Vec::new();
    for second in seconds {
        match runs.last_mut() {
            Some(run) if run[1] + 1 == second => run[1] = second,
            _ => runs.push([second, second]),
        }
    }
    if runs.len() <= MAX_SPANS {
        return runs;
    }
    // Keep the MAX_SPANS - 1 widest gaps; close the others.
    let mut gaps: Vec<(u32, usize)> =
        runs.windows(2).enumerate().map(|(i, w)| (w[1][0] - w[0][1], i)).collect();
    gaps.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut open = vec![false; runs.len() - 1];
    for (_, index) in gaps.into_iter().take(MAX_SPANS - 1) {
        open[index] = true;
    }
    let mut merged: Vec<[u32; 2]> = vec![runs[0]];
    for (index, run) in runs.into_iter().enumerate().skip(1) {
        if open[index - 1] {
            merged.push(run);
        } else if let Some(last) = merged.last_mut() {
            last[1] = run[1];
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triggers::cursor::{load_state, store_state, SNAPSHOT_LIMIT};
    use serde_json::json;

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

    fn size(cursor: &TimeCursor) -> usize {
        store_state("newRegistrants", "webinar:12345678901234567890", cursor).to_string().len()
    }

    /// Polls `all` until nothing is left; every emitted id, in order.
    fn drain(
        mut cursor: TimeCursor,
        all: &[Candidate<()>],
        options: &PollOptions,
    ) -> (Vec<String>, TimeCursor) {
        let mut emitted = Vec::new();
        for _ in 0..1000 {
            let (batch, next) = cursor.advance(all.to_vec(), options);
            assert!(size(&next) <= SNAPSHOT_LIMIT, "{} bytes", size(&next));
            cursor = next;
            if batch.is_empty() {
                return (emitted, cursor);
            }
            emitted.extend(batch.into_iter().map(|c| c.id));
        }
        panic!("the polls never ran dry");
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
        later.push(c("0", 10));
        let (emitted, _) = cursor.advance(later, &opts(100));
        assert_eq!(
            ids(&emitted),
            ["0", "c", "d"],
            "same time as the newest seen (before and after it), and later"
        );
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
        let cursor = TimeCursor::starting(t(0));
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
    fn late_arrivals_inside_the_window_are_emitted_and_the_window_moves() {
        let cursor = TimeCursor::starting(t(0));
        let (_, cursor) = cursor.advance(vec![c("a", 0), c("b", 1000)], &opts(100));
        assert_eq!(cursor.since, t(1000 - 300));
        assert_eq!(cursor.spans, [[300, 300]], "only b is inside the window");
        let (late, cursor) = cursor.advance(vec![c("a", 0), c("b", 1000), c("late", 800)], &opts(100));
        assert_eq!(ids(&late), ["late"]);
        assert_eq!(cursor.since, t(700), "an older item never moves the cursor back");
        let (late, _) =
            cursor.advance(vec![c("b", 1000), c("late", 800), c("also", 1000), c("z", 1000)], &opts(100));
        assert_eq!(ids(&late), ["also", "z"], "late at the newest second, before and after the newest id");
    }

    #[test]
    fn duplicates_in_one_listing_are_emitted_once() {
        let cursor = TimeCursor::starting(t(0));
        let (emitted, _) = cursor.advance(vec![c("a", 1), c("a", 1), c("b", 2)], &opts(100));
        assert_eq!(ids(&emitted), ["a", "b"]);
    }

    fn bursts(n: usize, per_burst: usize) -> Vec<Candidate<()>> {
        // Bursts a minute apart; inside one, several registrations per second.
        (0..n)
            .map(|i| {
                c(
                    &format!("5000000000000000000:{:020}", 7_000_000 + i * 7919),
                    (i / per_burst) as i64 * 60 + (i % per_burst) as i64 / 7,
                )
            })
            .collect()
    }

    #[test]
    fn bursts_inside_one_window_fit_in_the_snapshot_and_lose_nothing() {
        let all = bursts(2000, 400);
        let options = PollOptions { look_back: Duration::minutes(10), ..opts(1000) };
        let mut cursor = TimeCursor::first(&options, &[] as &[Candidate<()>], t(-10));
        let mut emitted = Vec::new();
        for burst in 1..=5 {
            let listed = all[..burst * 400].to_vec();
            let (batch, next) = cursor.advance(listed, &options);
            assert!(size(&next) <= SNAPSHOT_LIMIT, "{} bytes", size(&next));
            emitted.extend(batch.into_iter().map(|c| c.id));
            cursor = next;
        }
        let expected: Vec<String> = all.iter().map(|c| c.id.clone()).collect();
        assert_eq!(emitted, expected, "each once, in order");
    }

    #[test]
    fn a_second_burst_in_the_newest_second_is_told_apart_exactly() {
        let at_once = |range: std::ops::Range<usize>| -> Vec<Candidate<()>> {
            range.map(|i| c(&format!("{:020}", (i * 7919) % 100_003), 30)).collect()
        };
        let (first, cursor) = TimeCursor::starting(t(0)).advance(at_once(0..400), &opts(1000));
        assert_eq!(first.len(), 400);
        assert!(size(&cursor) <= SNAPSHOT_LIMIT, "{} bytes", size(&cursor));
        let (second, cursor) = cursor.advance(at_once(0..800), &opts(1000));
        let expected: BTreeMap<String, ()> = at_once(400..800).into_iter().map(|c| (c.id, ())).collect();
        assert_eq!(second.len(), 400, "the 400 new ones of the same second, no repeat");
        assert!(second.iter().all(|c| expected.contains_key(&c.id)));
        assert!(cursor.advance(at_once(0..800), &opts(1000)).0.is_empty());
    }

    #[test]
    fn a_late_item_in_a_busy_second_is_told_apart() {
        let all = bursts(2000, 400);
        let options = PollOptions { look_back: Duration::minutes(10), ..opts(10_000) };
        let (first, cursor) = TimeCursor::starting(t(0)).advance(all.clone(), &options);
        assert_eq!(first.len(), 2000);
        let mut later = all;
        for n in 0..DECODABLE / 2 {
            later.push(c(&format!("late-{n:02}"), 61 + n as i64));
        }
        let (late, _) = cursor.advance(later, &options);
        assert_eq!(late.len(), DECODABLE / 2, "{:?}", ids(&late));
        assert!(late.iter().all(|c| c.id.starts_with("late-")));
    }

    #[test]
    fn too_many_late_items_are_emitted_with_repeats_but_never_lost() {
        let all = bursts(1000, 200);
        let options = PollOptions { look_back: Duration::minutes(10), ..opts(300) };
        let (first, cursor) = drain(TimeCursor::starting(t(0)), &all, &options);
        assert_eq!(first.len(), 1000);
        let mut later = all.clone();
        for n in 0..500 {
            later.push(c(&format!("late-{n:03}"), 1 + (n as i64 % 250)));
        }
        let (again, _) = drain(cursor, &later, &options);
        let late: Vec<&String> = again.iter().filter(|id| id.starts_with("late-")).collect();
        let unique: HashSet<&&String> = late.iter().collect();
        assert_eq!(unique.len(), 500, "every late item");
        assert_eq!(late.len(), 500, "late items themselves are not repeated");
        assert!(again.len() <= 1500, "at most the window again: {}", again.len());
    }

    fn colliding(_: &str) -> ItemHash {
        ItemHash { key: 42, check: 7 }
    }

    #[test]
    fn a_hash_collision_repeats_rather_than_hides() {
        let options = opts(100);
        let cursor = TimeCursor::starting(t(0));
        let (first, cursor) = cursor.advance_with(vec![c("a", 5)], &options, colliding);
        assert_eq!(ids(&first), ["a"]);
        // b has a's hash, at a's second and below the newest id: only the sketch could tell.
        let (second, cursor) = cursor.advance_with(vec![c("a", 5), c("0b", 5)], &options, colliding);
        assert!(ids(&second).contains(&"0b"), "the new item is emitted: {:?}", ids(&second));
        let (third, _) = cursor.advance_with(vec![c("a", 5), c("0b", 5)], &options, colliding);
        assert!(third.is_empty(), "and then not again");
        // A first run that saw a: b (same hash) still comes.
        let cursor = TimeCursor::first_with(&options, &[c("a", 5)], t(100), colliding);
        let (emitted, _) = cursor.advance_with(vec![c("a", 5), c("0b", 5)], &options, colliding);
        assert!(ids(&emitted).contains(&"0b"));
    }

    #[test]
    fn a_format_1_snapshot_is_migrated_exactly() {
        let v1 = json!({"version": 1, "trigger": "newThings", "scope": "all", "since": "2027-01-15T08:00:00Z",
            "seen": {"a": "2027-01-15T08:00:05Z", "b": "2027-01-15T08:01:00Z", "old": "2027-01-15T07:00:00Z"}});
        let cursor: TimeCursor = load_state(&v1, "newThings", "all").unwrap().unwrap();
        assert_eq!(cursor.since, "2027-01-15T08:00:00Z".parse::<DateTime<Utc>>().unwrap());
        assert_eq!(cursor.top.as_ref().map(|m| m.id.as_str()), Some("b"));
        let at = |text: &str| Candidate {
            id: text.split('@').next().unwrap().into(),
            at: text.split('@').nth(1).unwrap().parse().unwrap(),
            item: (),
        };
        let listed = vec![
            at("a@2027-01-15T08:00:05Z"),
            at("b@2027-01-15T08:01:00Z"),
            at("c@2027-01-15T08:00:05Z"),
            at("d@2027-01-15T08:02:00Z"),
        ];
        let (emitted, next) = cursor.advance(listed, &opts(100));
        assert_eq!(ids(&emitted), ["c", "d"]);
        assert_eq!(store_state("newThings", "all", &next)["version"], 2);
    }

    #[test]
    fn the_snapshot_stays_small_with_long_ids_and_many_seconds() {
        let options = PollOptions { look_back: Duration::minutes(1440), ..opts(10_000) };
        let email = format!("{}@example.com", "x".repeat(300));
        let all: Vec<Candidate<()>> = (0..10_000).map(|i| c(&format!("{i:020}:{email}"), i * 8)).collect();
        let (emitted, cursor) = TimeCursor::starting(t(0)).advance(all, &options);
        assert_eq!(emitted.len(), 10_000);
        assert!(cursor.spans.len() <= MAX_SPANS);
        assert!(size(&cursor) <= SNAPSHOT_LIMIT, "{} bytes", size(&cursor));
    }

    #[test]
    fn spans_join_the_closest_runs() {
        assert_eq!(spans_of([1, 2, 3, 7, 8].into_iter()), [[1, 3], [7, 8]]);
        let many = spans_of((0..100).map(|i| i * 10 + u32::from(i >= 50) * 1000));
        assert_eq!(many.len(), MAX_SPANS);
        assert_eq!(
            many.iter().filter(|s| s[1] < 1000).count() + many.iter().filter(|s| s[0] > 1000).count(),
            MAX_SPANS
        );
        assert_eq!(many[0][0], 0);
        assert_eq!(many[MAX_SPANS - 1][1], 99 * 10 + 1000);
    }

    #[test]
    fn snapshots_round_trip_and_unknown_ones_are_refused() {
        let (_, cursor) = TimeCursor::starting(t(0)).advance(vec![c("a", 1)], &opts(10));
        let snapshot = store_state("newThings", "all", &cursor);
        assert_eq!(snapshot["version"], 2);
        assert_eq!(load_state::<TimeCursor>(&snapshot, "newThings", "all").unwrap(), Some(cursor.clone()));
        let line = json!({"event": "snapshot", "snapshot": snapshot.clone()});
        assert_eq!(load_state::<TimeCursor>(&line, "newThings", "all").unwrap(), Some(cursor));
        assert_eq!(load_state::<TimeCursor>(&snapshot, "newThings", "webinar:1").unwrap(), None);
        assert_eq!(load_state::<TimeCursor>(&snapshot, "other", "all").unwrap(), None);
        for first in [json!({}), Value::Null, json!({"event": "snapshot", "snapshot": {}})] {
            assert_eq!(load_state::<TimeCursor>(&first, "newThings", "all").unwrap(), None, "{first}");
        }
        let mut newer = snapshot.clone();
        newer["version"] = json!(3);
        let error = load_state::<TimeCursor>(&newer, "newThings", "all").unwrap_err();
        assert!(error.to_string().contains("newer version"), "{error}");
        for (wrong, reason) in [
            (json!({"since": "2027-01-01T00:00:00Z"}), "no format `version`"),
            (json!([1, 2]), "not a JSON object"),
            (json!({"event": "data", "message": {}}), "no format `version`"),
            (json!({"version": 0, "trigger": "newThings", "scope": "all"}), "unknown"),
        ] {
            let error = load_state::<TimeCursor>(&wrong, "newThings", "all").unwrap_err().to_string();
            assert!(error.contains(reason) && error.contains("clear the step's snapshot"), "{error}");
            assert!(error.contains("snapshot given to newThings"), "names the snapshot: {error}");
        }
        let mut broken = snapshot;
        broken["since"] = json!("yesterday");
        assert!(load_state::<TimeCursor>(&broken, "newThings", "all").is_err());
    }
}
