//! The `emitBehavior` contract every list action follows.

use futures::{Stream, StreamExt};
use gotowebinar::pagination::Page;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::call::Call;
use crate::errors::{ComponentError, Doing};
use crate::function_spec::Field;
use crate::progress::ListProgress;

/// The largest page GoTo serves, and the default page size.
pub const MAX_PAGE_SIZE: u32 = 200;

/// How a list action emits what it finds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum EmitBehavior {
    /// One message per item (default).
    #[default]
    EmitIndividually,
    /// One message `{"results": [...]}` with every item of every page.
    FetchAll,
    /// One message with one page: `{"results": [...], "page": {...}}`.
    FetchPage,
}

/// The paging inputs every list action takes.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Paging {
    /// How to emit the results: `emitIndividually` (one message per item, default), `fetchAll`
    /// (one message with all results) or `fetchPage` (one message with one page).
    #[schemars(title = "Emit behavior")]
    pub emit_behavior: Option<EmitBehavior>,
    /// With `fetchPage`: the page to read, starting at 0.
    #[schemars(title = "Page number (fetchPage)")]
    pub page: Option<u32>,
    /// With `fetchPage`: items per page, 1 to 200 (default 200).
    #[schemars(title = "Page size (fetchPage)")]
    pub size: Option<u32>,
}

impl Paging {
    /// The behavior, defaulting to one message per item.
    pub fn behavior(&self) -> EmitBehavior {
        self.emit_behavior.unwrap_or_default()
    }

    /// The page size, checked to be 1–200.
    pub fn size(&self) -> Result<u32, ComponentError> {
        match self.size {
            None => Ok(MAX_PAGE_SIZE),
            Some(size) if (1..=MAX_PAGE_SIZE).contains(&size) => Ok(size),
            Some(size) => Err(ComponentError::input(format!("`size` must be between 1 and 200, got {size}"))),
        }
    }
}

/// The step field that chooses the emit behavior.
pub fn emit_behavior_field() -> Field {
    Field::select(
        "emitBehavior",
        "Emit behavior",
        vec![
            ("emitIndividually", "Emit individually (one message per item)"),
            ("fetchAll", "Fetch all (one message with every item)"),
            ("fetchPage", "Fetch page (one message with one page)"),
        ],
    )
    .prompt("Emit individually")
    .note("How results are emitted; `page` and `size` from the message apply to Fetch page")
}

/// The page information emitted with `fetchPage`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    /// The page number, starting at 0.
    pub number: u64,
    /// The page size asked for.
    pub size: u64,
    /// Items across all pages.
    pub total_elements: u64,
    /// Number of pages.
    pub total_pages: u64,
}

/// The output schema of a list action for the chosen behavior, given the item schema.
pub fn output_schema_for(behavior: EmitBehavior, item: Value) -> Value {
    let results = json!({"type": "array", "title": "Results", "required": true, "items": item});
    match behavior {
        EmitBehavior::EmitIndividually => item,
        EmitBehavior::FetchAll => json!({"type": "object", "properties": {"results": results}}),
        EmitBehavior::FetchPage => {
            let page = crate::metadata::output_schema::<PageInfo>();
            let mut page = page;
            page["title"] = json!("Page");
            page["required"] = json!(true);
            json!({"type": "object", "properties": {"results": results, "page": page}})
        }
    }
}

/// An item a list action emits.
pub trait ListItem: Serialize {
    /// True when the type's `Serialize` writes object keys sorted, as a `Value` of it would: its
    /// items are then written straight into their messages, without a `Value` each.
    const KEYS_SORTED: bool = false;
}

impl ListItem for crate::actions::output::WebinarOut {}
impl ListItem for crate::actions::sessions::SessionOut {}
impl ListItem for crate::actions::recordings::RecordingOut {}
impl ListItem for crate::actions::attendees::AttendeeOut {}
impl ListItem for crate::actions::output::RegistrantOut {
    const KEYS_SORTED: bool = true;
}

/// Emits one item of a list as its own message.
async fn emit_item<O: ListItem>(call: &Call, item: &O) -> Result<(), ComponentError> {
    if O::KEYS_SORTED {
        call.emit_serialized(item).await
    } else {
        call.emit(item).await
    }
}

/// Emits a list the way `paging` asks: `stream` yields every page in order (used for
/// `emitIndividually` and `fetchAll`, given the page size); `fetch_page` reads one page (for
/// `fetchPage`, given the page number and size).
pub async fn emit_list<T, O, S, P, Fut>(
    call: &Call,
    paging: &Paging,
    what: &str,
    stream: S,
    fetch_page: P,
    convert: impl Fn(T) -> O,
) -> Result<(), ComponentError>
where
    T: Send + 'static,
    O: ListItem,
    S: FnOnce(u32) -> futures::stream::BoxStream<'static, gotowebinar::Result<Page<T>>>,
    P: FnOnce(u32, u32) -> Fut,
    Fut: std::future::Future<Output = gotowebinar::Result<Page<T>>>,
{
    let size = paging.size()?;
    match paging.behavior() {
        EmitBehavior::EmitIndividually => {
            let mut progress = ListProgress::start(&call.ctx, what);
            let mut pages = stream(MAX_PAGE_SIZE);
            let mut next = pages.next().await;
            while let Some(page) = next {
                let page = page.doing(format!("listing {what}"))?;
                progress.page(page.items.len(), &page.info);
                let items = page.items;
                // The next page is read while this one is emitted, so waiting for GoTo and
                // emitting overlap. It is read anyway: every page is emitted.
                let ahead = ReadAhead(tokio::spawn(async move {
                    let page = pages.next().await;
                    (page, pages)
                }));
                for item in items {
                    emit_item(call, &convert(item)).await?;
                }
                let (page, rest) = ahead.finish().await?;
                next = page;
                pages = rest;
            }
            Ok(())
        }
        EmitBehavior::FetchAll => {
            let mut progress = ListProgress::start(&call.ctx, what);
            let results = collect(stream(MAX_PAGE_SIZE), what, &convert, &mut progress).await?;
            drop(progress);
            call.emit_value(json!({ "results": results })).await
        }
        EmitBehavior::FetchPage => {
            let number = paging.page.unwrap_or(0);
            let page = fetch_page(number, size).await.doing(format!("listing {what} (page {number})"))?;
            let info = PageInfo {
                number: u64::from(number),
                size: u64::from(size),
                total_elements: page.info.total_elements.unwrap_or(page.items.len() as u64),
                total_pages: page.info.total_pages.map_or(1, u64::from),
            };
            let results: Vec<O> = page.items.into_iter().map(&convert).collect();
            call.emit_value(json!({ "results": to_values(&results)?, "page": serde_json::to_value(info).unwrap_or_default() }))
                .await
        }
    }
}

/// A page being read ahead; dropped early (an emit failed), it stops reading.
struct ReadAhead<T>(tokio::task::JoinHandle<T>);

impl<T> ReadAhead<T> {
    async fn finish(mut self) -> Result<T, ComponentError> {
        (&mut self.0).await.map_err(|error| {
            ComponentError::named(crate::errors::names::API, format!("reading the next page failed: {error}"))
        })
    }
}

impl<T> Drop for ReadAhead<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn collect<T, O: Serialize>(
    mut pages: impl Stream<Item = gotowebinar::Result<Page<T>>> + Unpin,
    what: &str,
    convert: &impl Fn(T) -> O,
    progress: &mut ListProgress,
) -> Result<Vec<Value>, ComponentError> {
    let mut results = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.doing(format!("listing {what}"))?;
        progress.page(page.items.len(), &page.info);
        for item in page.items {
            results.push(to_value(&convert(item))?);
        }
    }
    Ok(results)
}

fn to_value<O: Serialize>(item: &O) -> Result<Value, ComponentError> {
    serde_json::to_value(item)
        .map_err(|error| ComponentError::input(format!("could not encode a result: {error}")))
}

fn to_values<O: Serialize>(items: &[O]) -> Result<Vec<Value>, ComponentError> {
    items.iter().map(to_value).collect()
}

/// Emits a list GoTo sends in one answer (no paging on its side) the way `paging` asks;
/// `fetchPage` cuts the page out of the whole list.
pub async fn emit_all<O: Serialize>(
    call: &Call,
    paging: &Paging,
    items: Vec<O>,
) -> Result<(), ComponentError> {
    let size = paging.size()?;
    match paging.behavior() {
        EmitBehavior::EmitIndividually => {
            for item in &items {
                call.emit(item).await?;
            }
            Ok(())
        }
        EmitBehavior::FetchAll => call.emit_value(json!({ "results": to_values(&items)? })).await,
        EmitBehavior::FetchPage => {
            let number = paging.page.unwrap_or(0);
            let total = items.len() as u64;
            let start = (u64::from(number) * u64::from(size)).min(total) as usize;
            let end = (start + size as usize).min(items.len());
            let info = PageInfo {
                number: u64::from(number),
                size: u64::from(size),
                total_elements: total,
                total_pages: total.div_ceil(u64::from(size)),
            };
            call.emit_value(json!({
                "results": to_values(&items[start..end])?,
                "page": serde_json::to_value(info).unwrap_or_default(),
            }))
            .await
        }
    }
}
