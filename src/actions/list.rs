//! The `emitBehavior` contract every list action follows.

use async_trait::async_trait;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::StreamExt;
use gotowebinar::pagination::{page_stream, Page};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::call::Call;
use crate::errors::{ComponentError, Doing};
use crate::function_spec::Field;
use crate::progress::ListProgress;
use crate::schema_types;

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

schema_types! {
    /// The paging inputs every list action takes.
    #[derive(Default, Deserialize)]
    Paging {
        #[schemars(title = "Emit behavior")]
        emit_behavior: Option<EmitBehavior> = "How to emit the results: `emitIndividually` (one message per item, default), `fetchAll`\n(one message with all results) or `fetchPage` (one message with one page).",
        #[schemars(title = "Page number (fetchPage)")]
        page: Option<u32> = "With `fetchPage`: the page to read, starting at 0.",
        #[schemars(title = "Page size (fetchPage)")]
        size: Option<u32> = "With `fetchPage`: items per page, 1 to 200 (default 200).",
    }
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

schema_types! {
    /// The page information emitted with `fetchPage`.
    #[derive(Serialize)]
    PageInfo {
        number: u64 = "The page number, starting at 0.",
        size: u64 = "The page size asked for.",
        total_elements: u64 = "Items across all pages.",
        total_pages: u64 = "Number of pages.",
    }
}

/// The output schema of a list action for the chosen behavior, given the item schema.
pub fn output_schema_for(behavior: EmitBehavior, item: Value) -> Value {
    let results = json!({"type": "array", "title": "Results", "required": true, "items": item});
    match behavior {
        EmitBehavior::EmitIndividually => item,
        EmitBehavior::FetchAll => json!({"type": "object", "properties": {"results": results}}),
        EmitBehavior::FetchPage => {
            let mut page = crate::schema::output_schema::<PageInfo>();
            page["title"] = json!("Page");
            page["required"] = json!(true);
            json!({"type": "object", "properties": {"results": results, "page": page}})
        }
    }
}

/// The dynamic metadata of a list action: its input schema, and its output for the step's
/// `emitBehavior` (one item, or a page of them).
pub fn dynamic_metadata<I: JsonSchema, O: JsonSchema>(cfg: &Value) -> Option<Value> {
    let behavior = cfg
        .get("emitBehavior")
        .and_then(Value::as_str)
        .and_then(|text| serde_json::from_value(Value::String(text.to_string())).ok())
        .unwrap_or_default();
    let item = crate::schema::output_schema::<O>();
    Some(json!({ "in": crate::schema::input_schema::<I>(), "out": output_schema_for(behavior, item) }))
}

/// How a list is read: a page at a time from GoTo, and what each item is emitted as. Every list
/// action hands one to [`emit`].
#[async_trait]
pub trait Pages: Clone + Send + Sync + 'static {
    /// An item as GoTo sends it.
    type Item: Serialize + Send + 'static;
    /// An item as the action emits it.
    type Out: Serialize;
    /// True when `Out`'s `Serialize` writes object keys sorted, as a `Value` of it would: items
    /// are then written straight into their messages, without a `Value` each.
    const OUT_KEYS_SORTED: bool = false;

    /// Reads page `number` (from 0) of `size` items.
    async fn page(&self, number: u32, size: u32) -> gotowebinar::Result<Page<Self::Item>>;

    /// What `item` is emitted as.
    fn out(&self, item: Self::Item) -> Self::Out;

    /// Every page in order, each as large as GoTo serves; stops as
    /// [`page_stream`] says.
    fn all(&self) -> BoxStream<'static, gotowebinar::Result<Page<Self::Item>>> {
        let pages = self.clone();
        page_stream(0, MAX_PAGE_SIZE, move |number, size| {
            let pages = pages.clone();
            async move { pages.page(number, size).await }
        })
        .boxed()
    }
}

/// The [`Pages`] of a list whose page is one read of GoTo: `read` reads page `number` of `size`
/// items with what `with` holds (the organizer's client, keys, a range), and `out` converts an
/// item.
pub struct Paged<S, T, O> {
    /// What reading a page and converting an item need.
    pub with: S,
    /// Reads one page.
    pub read: ReadPage<S, T>,
    /// What an item is emitted as.
    pub out: fn(&S, T) -> O,
}

/// Reads page `number` (from 0) of `size` items with what a [`Paged`] holds.
pub type ReadPage<S, T> = for<'a> fn(&'a S, u32, u32) -> BoxFuture<'a, gotowebinar::Result<Page<T>>>;

// Not derived: a derive would ask `T` and `O`, which only the function types name, to be `Clone`.
impl<S: Clone, T, O> Clone for Paged<S, T, O> {
    fn clone(&self) -> Self {
        Paged { with: self.with.clone(), read: self.read, out: self.out }
    }
}

#[async_trait]
impl<S, T, O> Pages for Paged<S, T, O>
where
    S: Clone + Send + Sync + 'static,
    T: Serialize + Send + 'static,
    O: Serialize + 'static,
{
    type Item = T;
    type Out = O;

    async fn page(&self, number: u32, size: u32) -> gotowebinar::Result<Page<T>> {
        (self.read)(&self.with, number, size).await
    }

    fn out(&self, item: T) -> O {
        (self.out)(&self.with, item)
    }
}

/// A list GoTo answers in one piece (no paging on its side), cut into pages here.
#[derive(Clone)]
pub struct Whole<O>(pub Vec<O>);

impl<O> Whole<O> {
    fn info(&self, number: u32, size: u32) -> gotowebinar::pagination::PageInfo {
        let total = self.0.len() as u64;
        let total_pages = u32::try_from(total.div_ceil(u64::from(size))).unwrap_or(u32::MAX);
        gotowebinar::pagination::PageInfo {
            number,
            size,
            total_elements: Some(total),
            total_pages: Some(total_pages),
        }
    }
}

#[async_trait]
impl<O: Serialize + Clone + Send + Sync + 'static> Pages for Whole<O> {
    type Item = O;
    type Out = O;

    async fn page(&self, number: u32, size: u32) -> gotowebinar::Result<Page<O>> {
        let start = (u64::from(number) * u64::from(size)).min(self.0.len() as u64) as usize;
        let end = (start + size as usize).min(self.0.len());
        Ok(Page { items: self.0[start..end].to_vec(), info: self.info(number, size) })
    }

    fn out(&self, item: O) -> O {
        item
    }

    fn all(&self) -> BoxStream<'static, gotowebinar::Result<Page<O>>> {
        let page = Page { items: self.0.clone(), info: self.info(0, MAX_PAGE_SIZE) };
        futures::stream::iter([Ok(page)]).boxed()
    }
}

/// Emits the list `request` answers in one piece, each item converted by `out`, the way `paging`
/// asks; `what` names the list in errors.
pub async fn emit_whole<T, O: Serialize + Clone + Send + Sync + 'static>(
    call: &Call,
    paging: &Paging,
    what: &str,
    request: impl std::future::Future<Output = gotowebinar::Result<Vec<T>>>,
    out: impl FnMut(T) -> O,
) -> Result<(), ComponentError> {
    let items = request.await.doing(format!("listing {what}"))?;
    emit(call, paging, what, Whole(items.into_iter().map(out).collect())).await
}

/// Emits a list the way `paging` asks, reading it through `pages`; `what` names it in errors and
/// progress. The one path of every list action.
pub async fn emit<P: Pages>(
    call: &Call,
    paging: &Paging,
    what: &str,
    pages: P,
) -> Result<(), ComponentError> {
    let size = paging.size()?;
    match paging.behavior() {
        EmitBehavior::EmitIndividually => {
            let mut progress = ListProgress::start(&call.ctx, what);
            let mut stream = pages.all();
            let mut next = stream.next().await;
            while let Some(page) = next {
                let page = page.doing(format!("listing {what}"))?;
                progress.page(page.items.len(), &page.info);
                let items = page.items;
                // The next page is read while this one is emitted, so waiting for GoTo and
                // emitting overlap. It is read anyway: every page is emitted.
                let ahead = ReadAhead(tokio::spawn(async move {
                    let page = stream.next().await;
                    (page, stream)
                }));
                for item in items {
                    emit_item::<P>(call, &pages.out(item)).await?;
                }
                let (page, rest) = ahead.finish().await?;
                next = page;
                stream = rest;
            }
            Ok(())
        }
        EmitBehavior::FetchAll => {
            let mut progress = ListProgress::start(&call.ctx, what);
            let mut stream = pages.all();
            let mut results = Vec::new();
            while let Some(page) = stream.next().await {
                let page = page.doing(format!("listing {what}"))?;
                progress.page(page.items.len(), &page.info);
                for item in page.items {
                    results.push(to_value(&pages.out(item))?);
                }
            }
            drop(progress);
            call.emit_value(json!({ "results": results })).await
        }
        EmitBehavior::FetchPage => {
            let number = paging.page.unwrap_or(0);
            let page = pages.page(number, size).await.doing(format!("listing {what} (page {number})"))?;
            let info = PageInfo {
                number: u64::from(number),
                size: u64::from(size),
                total_elements: page.info.total_elements.unwrap_or(page.items.len() as u64),
                total_pages: page.info.total_pages.map_or(1, u64::from),
            };
            let results: Vec<Value> =
                page.items.into_iter().map(|item| to_value(&pages.out(item))).collect::<Result<_, _>>()?;
            call.emit_value(
                json!({ "results": results, "page": serde_json::to_value(info).unwrap_or_default() }),
            )
            .await
        }
    }
}

/// Emits one item of a list as a message of its own: the one place a list item is emitted.
async fn emit_item<P: Pages>(call: &Call, item: &P::Out) -> Result<(), ComponentError> {
    if P::OUT_KEYS_SORTED {
        call.emit_serialized(item).await
    } else {
        call.emit(item).await
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

/// An item of a `results` array.
fn to_value<O: Serialize>(item: &O) -> Result<Value, ComponentError> {
    serde_json::to_value(item)
        .map_err(|error| ComponentError::input(format!("could not encode a result: {error}")))
}
