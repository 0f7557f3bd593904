//! Recording assets.

use reqwest::Method;

use crate::client::{GoToWebinar, PageStream, Request};
use crate::error::Result;
use crate::models::{RecordingAsset, RecordingAssetSearch};
use crate::pagination::Page;
use crate::retry::RequestKind;

/// The list name under `_embedded` in recording searches.
const EMBEDDED: &str = "recordingAssets";

impl GoToWebinar {
    /// The account's webinar recordings.
    pub fn recording_assets(&self) -> RecordingAssets<'_> {
        RecordingAssets { client: self }
    }
}

/// Operations on recording assets (`/recordingassets`).
#[derive(Debug, Clone)]
pub struct RecordingAssets<'c> {
    client: &'c GoToWebinar,
}

impl RecordingAssets<'_> {
    fn request(search: &RecordingAssetSearch) -> Result<Request> {
        // A search changes nothing, so it is repeatable although it is a POST.
        Request::new(Method::POST, "/recordingassets/search", RequestKind::Repeatable).json(search)
    }

    /// Searches recordings, page by page. `POST /recordingassets/search?page&size`.
    pub fn search(&self, search: &RecordingAssetSearch, size: u32) -> PageStream<RecordingAsset> {
        use futures::StreamExt;
        match Self::request(search) {
            Ok(request) => self.client.pages(request, EMBEDDED, "size", size),
            Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
        }
    }

    /// One page (0-based) of a recording search.
    pub async fn search_page(
        &self,
        search: &RecordingAssetSearch,
        page: u32,
        size: u32,
    ) -> Result<Page<RecordingAsset>> {
        self.client.fetch_page(&Self::request(search)?, EMBEDDED, "size", page, size).await
    }
}
