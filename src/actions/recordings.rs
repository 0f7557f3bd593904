//! Recording actions: search the account's webinar recordings.

use futures::FutureExt;
use gotowebinar::models::RecordingAssetSearch;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::actions::common::wire_name;
use crate::actions::list::{self, emit_behavior_field, Paged, Paging};
use crate::function_spec::Field;
use crate::output::RecordingOut;
use crate::{action, schema_types};

/// What to sort recordings by.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SortFieldIn {
    /// Creation time (default).
    Createtime,
    /// Name.
    Name,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SortOrderIn {
    /// Ascending.
    Asc,
    /// Descending (default).
    Desc,
}

schema_types! {
    /// Input of `searchRecordingAssets`.
    #[derive(Deserialize)]
    SearchRecordingsIn {
        name: Option<String> = "Only recordings whose name contains this text.",
        sort_field: Option<SortFieldIn> = "`CREATETIME` (default) or `NAME`.",
        sort_order: Option<SortOrderIn> = "`DESC` (default, newest first) or `ASC`.",
        #[serde(flatten)]
        #[allow(missing_docs)]
        paging: Paging,
    }
}

action! {
/// `searchRecordingAssets`.
    SearchRecordingAssets(list "searchRecordingAssets", "Search recordings",
            "Finds the account's webinar recordings, optionally by name, every page", emit_behavior_field(),
            Field::select("sortField", "Sort by", vec![("CREATETIME", "Creation time"), ("NAME", "Name")])
                .prompt("Creation time"),
            Field::select(
                "sortOrder",
                "Order",
                vec![("DESC", "Newest or Z first"), ("ASC", "Oldest or A first")],
            )
            .prompt("Newest or Z first"))
    |call, input: SearchRecordingsIn| -> RecordingOut {
        let connection = call.connection().await?;
        let account = connection.account_key().await?;
        let search = RecordingAssetSearch {
            account_key: account,
            name: input.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(String::from),
            sort_field: Some(wire_name(&input.sort_field.unwrap_or(SortFieldIn::Createtime))),
            sort_order: Some(wire_name(&input.sort_order.unwrap_or(SortOrderIn::Desc))),
        };
        let pages = Paged {
            with: (connection.client().clone(), search),
            read: |(client, search), number, size| {
                async move { client.recording_assets().search_page(search, number, size).await }.boxed()
            },
            out: |_, asset| RecordingOut::from(asset),
        };
        list::emit(call, &input.paging, "recordings", pages).await
    }
}
