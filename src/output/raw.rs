//! Answers to raw requests.

use serde::Serialize;
use serde_json::Value;

use crate::schema_types;

schema_types! {
    /// GoTo's answer to a raw request.
    #[derive(Serialize)]
    RawResponseOut {
        status: u16 = "The HTTP status, e.g. 200.",
        body: Option<Value> = "The JSON answer (long keys as strings); absent when GoTo sent no body.",
    }
}
