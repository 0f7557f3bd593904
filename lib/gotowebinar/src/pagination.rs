//! Pagination, in one place for both of GoTo's shapes.
//!
//! - Most lists: `page` (0-based) and `size` parameters; the answer is
//!   `{"_embedded": {"<name>": [...]}, "page": {"size", "totalElements", "totalPages", "number"}}`,
//!   and `_embedded` is absent when the page is empty.
//! - Registrants: `page` and `limit` parameters; the answer is `{data, total, page, limit, pageSize}`,
//!   or a bare array when neither parameter is sent.
//!
//! [`page_stream`] yields page by page and stops at the total, on an empty page, and on a page it has
//! already seen, so a misbehaving server can never make it loop.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::future::Future;
use std::hash::{Hash, Hasher};

use futures::stream::{self, BoxStream, Stream, StreamExt, TryStreamExt};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::error::{Error, Result};

/// The largest page GoTo serves.
pub const MAX_PAGE_SIZE: u32 = 200;

/// Where a page sits in the whole list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    /// The page's number, 0-based.
    pub number: u32,
    /// The page size asked for.
    pub size: u32,
    /// Items in the whole list, when GoTo says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_elements: Option<u64>,
    /// Pages in the whole list, when GoTo says (or it follows from the item total).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_pages: Option<u32>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Where the page sits.
    pub info: PageInfo,
}

/// Checks a page size: 1 to [`MAX_PAGE_SIZE`].
pub fn check_page_size(size: u32) -> Result<u32> {
    if (1..=MAX_PAGE_SIZE).contains(&size) {
        Ok(size)
    } else {
        Err(Error::InvalidInput(format!("page size must be between 1 and {MAX_PAGE_SIZE}, got {size}")))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    #[serde(default, rename = "_embedded")]
    embedded: Option<HashMap<String, Box<RawValue>>>,
    // An object in the `_embedded` shape, a number in the registrants shape.
    #[serde(default)]
    page: Option<Box<RawValue>>,
    #[serde(default)]
    data: Option<Box<RawValue>>,
    #[serde(default)]
    total: Option<u64>,
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    page_size: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct PageObject {
    #[serde(default)]
    size: Option<u32>,
    #[serde(default)]
    total_elements: Option<u64>,
    #[serde(default)]
    total_pages: Option<u32>,
    #[serde(default)]
    number: Option<u32>,
}

/// Reads one page of either shape from a response body. `embedded_name` is the list's name under
/// `_embedded` (e.g. `webinars`); `number` and `size` are what was asked for and stand in for
/// anything the answer leaves out. Items are read straight from the body so keys keep every digit.
pub fn parse_page<T: DeserializeOwned>(
    body: &[u8],
    embedded_name: &str,
    number: u32,
    size: u32,
) -> std::result::Result<Page<T>, serde_json::Error> {
    let text = std::str::from_utf8(body).map_err(serde::de::Error::custom)?.trim_start();
    if text.starts_with('[') {
        let items: Vec<T> = serde_json::from_str(text)?;
        return Ok(Page { items, info: PageInfo { number, size, total_elements: None, total_pages: None } });
    }
    let envelope: Envelope = serde_json::from_str(text)?;

    if let Some(data) = &envelope.data {
        // Registrants: {data, total, page, limit, pageSize}.
        let items: Vec<T> = serde_json::from_str(data.get())?;
        let echoed = match &envelope.page {
            Some(raw) => serde_json::from_str::<Option<u32>>(raw.get())?,
            None => None,
        };
        let size = envelope.limit.or(envelope.page_size).filter(|s| *s > 0).unwrap_or(size);
        let total_pages =
            envelope.total.map(|total| total.div_ceil(u64::from(size)).min(u64::from(u32::MAX)) as u32);
        let info =
            PageInfo { number: echoed.unwrap_or(number), size, total_elements: envelope.total, total_pages };
        return Ok(Page { items, info });
    }

    let items: Vec<T> = match &envelope.embedded {
        None => Vec::new(),
        Some(lists) => match lists.get(embedded_name) {
            Some(raw) => serde_json::from_str(raw.get())?,
            // A renamed list: take the only one there is.
            None if lists.len() == 1 => match lists.values().next() {
                Some(raw) => serde_json::from_str(raw.get())?,
                None => Vec::new(),
            },
            None => Vec::new(),
        },
    };
    let page = match &envelope.page {
        Some(raw) => serde_json::from_str::<Option<PageObject>>(raw.get())?.unwrap_or_default(),
        None => PageObject::default(),
    };
    let info = PageInfo {
        number: page.number.unwrap_or(number),
        size: page.size.filter(|s| *s > 0).unwrap_or(size),
        total_elements: page.total_elements,
        total_pages: page.total_pages,
    };
    Ok(Page { items, info })
}

/// Reads a whole (unpaged) list: a bare array, or `_embedded.<name>`.
pub fn parse_list<T: DeserializeOwned>(
    body: &[u8],
    embedded_name: &str,
) -> std::result::Result<Vec<T>, serde_json::Error> {
    parse_page(body, embedded_name, 0, MAX_PAGE_SIZE).map(|page| page.items)
}

/// What tells a page from the previous one: its length and its first and last items. A repeated
/// page repeats all three; serializing every item of every page only to compare was a large part of
/// reading a big list.
fn fingerprint<T: Serialize>(items: &[T]) -> u64 {
    let mut hasher = DefaultHasher::new();
    items.len().hash(&mut hasher);
    for item in [items.first(), items.last()].into_iter().flatten() {
        match serde_json::to_vec(item) {
            Ok(bytes) => bytes.hash(&mut hasher),
            Err(_) => 0u8.hash(&mut hasher),
        }
    }
    hasher.finish()
}

struct State<F> {
    fetch: F,
    next: Option<u32>,
    size: u32,
    seen_items: u64,
    last_number: Option<u32>,
    last_fingerprint: Option<u64>,
}

/// Yields the pages of a list one by one, fetching page `first`, `first + 1`, … with `fetch(number,
/// size)` only when the consumer asks for the next one. It stops after the last page (by
/// `totalPages`, the item total, or a short page when GoTo gives no totals), on an empty page, on a
/// page whose number or items repeat the previous one, and after the first error (which it yields).
pub fn page_stream<T, F, Fut>(first: u32, size: u32, fetch: F) -> impl Stream<Item = Result<Page<T>>>
where
    T: Serialize,
    F: FnMut(u32, u32) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    let state =
        State { fetch, next: Some(first), size, seen_items: 0, last_number: None, last_fingerprint: None };
    stream::unfold(state, |mut state| async move {
        let number = state.next.take()?;
        let page = match (state.fetch)(number, state.size).await {
            Ok(page) => page,
            Err(e) => return Some((Err(e), state)),
        };
        if page.items.is_empty() {
            return None;
        }
        let print = fingerprint(&page.items);
        if state.last_fingerprint == Some(print) {
            tracing::warn!(page = number, "GoTo repeated the previous page; stopping");
            return None;
        }
        if page.info.number != number && state.last_number.is_some_and(|last| page.info.number <= last) {
            tracing::warn!(
                page = number,
                echoed = page.info.number,
                "GoTo answered an earlier page; stopping"
            );
            return None;
        }
        state.last_fingerprint = Some(print);
        state.last_number = Some(page.info.number);
        state.seen_items += page.items.len() as u64;

        let more = match (page.info.total_pages, page.info.total_elements) {
            (Some(pages), _) => number.saturating_add(1) < pages,
            (None, Some(total)) => state.seen_items < total,
            (None, None) => page.items.len() as u64 >= u64::from(state.size),
        };
        state.next = if more { number.checked_add(1) } else { None };
        Some((Ok(page), state))
    })
}

/// Turns a stream of pages into a stream of items.
pub fn items<T: Send + 'static>(pages: BoxStream<'static, Result<Page<T>>>) -> BoxStream<'static, Result<T>> {
    pages.map_ok(|page| stream::iter(page.items.into_iter().map(Ok))).try_flatten().boxed()
}

/// Reads every page and returns all items (for callers that need the whole list at once).
pub async fn collect_all<T>(pages: impl Stream<Item = Result<Page<T>>>) -> Result<Vec<T>> {
    let mut all = Vec::new();
    let mut pages = std::pin::pin!(pages);
    while let Some(page) = pages.next().await {
        all.extend(page?.items);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    use crate::keys::WebinarKey;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Item {
        webinar_key: WebinarKey,
    }

    fn embedded(keys: &[u64], number: u32, size: u32, total: Option<u64>) -> String {
        let items: Vec<String> = keys.iter().map(|k| format!(r#"{{"webinarKey": {k}}}"#)).collect();
        let totals = match total {
            Some(t) => format!(r#","totalElements":{t},"totalPages":{}"#, t.div_ceil(u64::from(size))),
            None => String::new(),
        };
        format!(
            r#"{{"_embedded":{{"webinars":[{}]}},"page":{{"size":{size},"number":{number}{totals}}}}}"#,
            items.join(",")
        )
    }

    async fn run(size: u32, pages: Vec<String>, calls: Arc<AtomicU32>) -> Vec<Result<Page<Item>>> {
        let stream = page_stream(0, size, move |number, size| {
            calls.fetch_add(1, Ordering::SeqCst);
            let body = pages.get(number as usize).cloned().unwrap_or_else(|| r#"{"page":{}}"#.into());
            async move {
                parse_page::<Item>(body.as_bytes(), "webinars", number, size)
                    .map_err(|e| Error::InvalidInput(e.to_string()))
            }
        });
        stream.collect().await
    }

    async fn keys_of(size: u32, pages: Vec<String>) -> (Vec<Vec<String>>, u32) {
        let calls = Arc::new(AtomicU32::new(0));
        let out = run(size, pages, calls.clone()).await;
        let keys = out
            .into_iter()
            .map(|p| p.unwrap().items.into_iter().map(|i| i.webinar_key.into_string()).collect())
            .collect();
        (keys, calls.load(Ordering::SeqCst))
    }

    #[tokio::test]
    async fn stops_at_the_total() {
        let pages = vec![
            embedded(&[1, 2], 0, 2, Some(3)),
            embedded(&[3], 1, 2, Some(3)),
            embedded(&[9], 2, 2, Some(3)),
        ];
        let (keys, calls) = keys_of(2, pages).await;
        assert_eq!(keys, vec![vec!["1", "2"], vec!["3"]]);
        assert_eq!(calls, 2, "no request past the last page");
    }

    #[tokio::test]
    async fn stops_at_a_full_last_page() {
        let pages = vec![embedded(&[1, 2], 0, 2, Some(4)), embedded(&[3, 4], 1, 2, Some(4))];
        let (keys, calls) = keys_of(2, pages).await;
        assert_eq!(keys.len(), 2);
        assert_eq!(calls, 2);
    }

    #[tokio::test]
    async fn stops_on_an_empty_page_and_on_absent_embedded() {
        // Totals claim more, but page 1 has no `_embedded`.
        let pages = vec![embedded(&[1, 2], 0, 2, Some(10)), r#"{"page":{"size":2,"number":1}}"#.to_string()];
        let (keys, calls) = keys_of(2, pages).await;
        assert_eq!(keys, vec![vec!["1", "2"]]);
        assert_eq!(calls, 2);
        // A first page without `_embedded` is an empty list.
        let (keys, calls) =
            keys_of(2, vec![r#"{"page":{"size":2,"totalElements":0,"totalPages":0,"number":0}}"#.into()])
                .await;
        assert!(keys.is_empty());
        assert_eq!(calls, 1);
    }

    #[tokio::test]
    async fn stops_on_a_repeated_page() {
        // The server ignores `page` and keeps answering page 0 with the same items, without totals.
        let same = embedded(&[1, 2], 0, 2, None);
        let (keys, calls) = keys_of(2, vec![same.clone(), same.clone(), same.clone(), same]).await;
        assert_eq!(keys, vec![vec!["1", "2"]]);
        assert_eq!(calls, 2);
        // Different items but the page number echoed back as an earlier one.
        let pages = vec![embedded(&[1, 2], 0, 2, None), embedded(&[3, 4], 0, 2, None)];
        let (keys, calls) = keys_of(2, pages).await;
        assert_eq!(keys, vec![vec!["1", "2"]]);
        assert_eq!(calls, 2);
    }

    #[tokio::test]
    async fn without_totals_a_short_page_is_the_last() {
        let pages = vec![embedded(&[1, 2], 0, 2, None), embedded(&[3], 1, 2, None)];
        let (keys, calls) = keys_of(2, pages).await;
        assert_eq!(keys.len(), 2);
        assert_eq!(calls, 2);
    }

    #[tokio::test]
    async fn yields_page_by_page() {
        let calls = Arc::new(AtomicU32::new(0));
        let counter = calls.clone();
        let mut stream = Box::pin(page_stream(0, 1, move |number, size| {
            counter.fetch_add(1, Ordering::SeqCst);
            let body = embedded(&[u64::from(number) + 1], number, size, Some(100));
            async move {
                parse_page::<Item>(body.as_bytes(), "webinars", number, size)
                    .map_err(|e| Error::InvalidInput(e.to_string()))
            }
        }));
        assert!(stream.next().await.is_some());
        assert_eq!(calls.load(Ordering::SeqCst), 1, "nothing fetched ahead");
        assert!(stream.next().await.is_some());
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_error_is_yielded_and_ends_the_stream() {
        let out: Vec<Result<Page<Item>>> =
            page_stream(0, 2, |_, _| async { Err(Error::InvalidInput("boom".into())) }).collect().await;
        assert_eq!(out.len(), 1);
        assert!(out[0].is_err());
    }

    #[test]
    fn registrant_shapes() {
        let big = "24576065432313123456";
        let wrapped = format!(
            r#"{{"data":[{{"webinarKey":{big}}},{{"webinarKey":"2"}}],"total":5,"page":1,"limit":2,"pageSize":2}}"#
        );
        let page: Page<Item> = parse_page(wrapped.as_bytes(), "registrants", 1, 2).unwrap();
        assert_eq!(page.items[0].webinar_key.as_str(), big);
        assert_eq!(page.info, PageInfo { number: 1, size: 2, total_elements: Some(5), total_pages: Some(3) });

        let bare = format!(r#"[{{"webinarKey":{big}}}]"#);
        let all: Vec<Item> = parse_list(bare.as_bytes(), "registrants").unwrap();
        assert_eq!(all[0].webinar_key.as_str(), big);
        let page: Page<Item> = parse_page(bare.as_bytes(), "registrants", 0, 200).unwrap();
        assert_eq!(page.info.total_elements, None);
    }

    #[test]
    fn embedded_keys_keep_every_digit_and_sizes_are_checked() {
        let body = r#"{"_embedded":{"webinars":[{"webinarKey":24576065432313123456}]},"page":{"size":20,"totalElements":1,"totalPages":1,"number":0}}"#;
        let page: Page<Item> = parse_page(body.as_bytes(), "webinars", 0, 20).unwrap();
        assert_eq!(page.items[0].webinar_key.as_str(), "24576065432313123456");
        assert!(check_page_size(0).is_err());
        assert!(check_page_size(201).unwrap_err().to_string().contains("between 1 and 200"));
        assert_eq!(check_page_size(200).unwrap(), 200);
    }
}
