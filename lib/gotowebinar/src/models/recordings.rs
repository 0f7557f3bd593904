//! Stored webinar recordings.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{time, Extra};
use crate::keys::{AccountKey, RecordingAssetKey, WebinarKey};

/// The body of `POST /recordingassets/search`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordingAssetSearch {
    /// The account whose recordings are searched.
    pub account_key: AccountKey,
    /// Only recordings whose name contains this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `CREATETIME` or `NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_field: Option<String>,
    /// `ASC` or `DESC`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<String>,
}

/// A stored webinar recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RecordingAsset {
    /// The recording's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_asset_key: Option<RecordingAssetKey>,
    /// The recording's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The recording's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When the recording was created.
    #[serde(default, deserialize_with = "time::optional", skip_serializing_if = "Option::is_none")]
    pub create_time: Option<DateTime<Utc>>,
    /// The account the recording belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_key: Option<AccountKey>,
    /// The webinar that was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webinar_key: Option<WebinarKey>,
    /// Fields not modelled above.
    #[serde(flatten)]
    pub extra: Extra,
}
