//! Recordings of webinars.

use gotowebinar::models::RecordingAsset;
use serde::Serialize;

use super::time_text;
use crate::schema_types;

schema_types! {
    /// A stored webinar recording.
    #[derive(Serialize)]
    RecordingOut {
        recording_asset_key: Option<String> = "The recording's key (give it as `recordingAssetKey` to create a simulive webinar).",
        name: Option<String> = "Name.",
        description: Option<String> = "Description.",
        create_time: Option<String> = "When it was created (ISO 8601, UTC).",
        account_key: Option<String> = "The account it belongs to.",
        webinar_key: Option<String> = "The webinar that was recorded.",
    }
}

impl From<RecordingAsset> for RecordingOut {
    fn from(asset: RecordingAsset) -> Self {
        RecordingOut {
            recording_asset_key: asset.recording_asset_key.map(|k| k.into_string()),
            name: asset.name,
            description: asset.description,
            create_time: asset.create_time.map(time_text),
            account_key: asset.account_key.map(|k| k.into_string()),
            webinar_key: asset.webinar_key.map(|k| k.into_string()),
        }
    }
}
