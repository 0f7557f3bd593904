//! `rawRequest`: any GoToWebinar API call, with the component's token handling, retries and
//! error mapping, for operations no other action covers.

use reqwest::Method;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::errors::{ComponentError, Doing};
use crate::function_spec::Field;
use crate::output::RawResponseOut;
use crate::{action, schema_types};

/// The HTTP method of a raw request.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum MethodIn {
    /// Read.
    Get,
    /// Create or act.
    Post,
    /// Replace or update.
    Put,
    /// Partly update.
    Patch,
    /// Remove.
    Delete,
}

schema_types! {
    /// Input of `rawRequest`.
    #[derive(Deserialize)]
    RawRequestIn {
        method: MethodIn = "`GET`, `POST`, `PUT`, `PATCH` or `DELETE`.",
        path: String = "The path under the webinar API (`…/G2W/rest/v2`), e.g. `/organizers/{organizerKey}/webinars/123/panelists`;\n`{organizerKey}` and `{accountKey}` are replaced with the credential's keys.",
        query: Option<Map<String, Value>> = "Query parameters, e.g. `{\"fromTime\": \"2026-01-01T00:00:00Z\"}`.",
        body: Option<Value> = "The JSON body to send (object or array).",
    }

}

/// Checks the path names something under the API base and returns it with a leading `/`.
pub fn check_path(path: &str) -> Result<String, ComponentError> {
    let trimmed = path.trim();
    let refuse = |why: &str| {
        Err(ComponentError::input(format!(
            "`path` {why}: give a path relative to the API base, such as /organizers/{{organizerKey}}/webinars, got {trimmed:?}"
        )))
    };
    let lower = trimmed.to_ascii_lowercase();
    if trimmed.is_empty() {
        return refuse("is empty");
    }
    if lower.contains("://")
        || lower.starts_with("http:")
        || lower.starts_with("https:")
        || trimmed.starts_with("//")
    {
        return refuse("must not contain a scheme or host");
    }
    if trimmed.contains(['?', '#', '\\', '@']) || trimmed.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return refuse(
            "must not contain ?, #, \\, @, spaces or control characters (give query parameters in `query`)",
        );
    }
    let decoded = lower.replace("%2e", ".").replace("%2f", "/").replace("%5c", "\\");
    if decoded.contains('\\') || decoded.split('/').any(|segment| segment == ".." || segment == ".") {
        return refuse("must not contain `.` or `..` segments");
    }
    let path = if trimmed.starts_with('/') { trimmed.to_string() } else { format!("/{trimmed}") };
    // A path copied from GoTo's reference may carry the base; it is already added.
    Ok(match path.strip_prefix("/G2W/rest/v2/") {
        Some(rest) => format!("/{rest}"),
        None => path,
    })
}

fn query_pairs(query: Option<&Map<String, Value>>) -> Result<Vec<(String, String)>, ComponentError> {
    let mut pairs = Vec::new();
    for (name, value) in query.into_iter().flatten() {
        let mut push = |value: &Value| -> Result<(), ComponentError> {
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                Value::Null => return Ok(()),
                _ => {
                    return Err(ComponentError::input(format!(
                        "`query.{name}` must be text, a number, true/false or a list of those"
                    )))
                }
            };
            pairs.push((name.clone(), text));
            Ok(())
        };
        match value {
            Value::Array(items) => items.iter().try_for_each(&mut push)?,
            other => push(other)?,
        }
    }
    Ok(pairs)
}

action! {
    /// `rawRequest`.
    RawRequest("rawRequest", "Raw request",
            "Calls any GoToWebinar API operation (method, path under the API base, query, JSON body) with the credential's token handling, retries and error names",
            Field::select(
                "method",
                "Method",
                vec![("GET", "GET"), ("POST", "POST"), ("PUT", "PUT"), ("PATCH", "PATCH"), ("DELETE", "DELETE")],
            ),
            Field::text("path", "Path")
                .placeholder("/organizers/{organizerKey}/webinars/123/panelists")
                .note("Relative to https://api.getgo.com/G2W/rest/v2; {organizerKey} and {accountKey} are filled in from the credential"))
    |call, input: RawRequestIn| -> RawResponseOut {
        let mut path = check_path(&input.path)?;
        let query = query_pairs(input.query.as_ref())?;
        let body = match input.body {
            // A body mapped as text is parsed, so a JSON string from an earlier step works.
            Some(Value::String(text)) if !text.trim().is_empty() => {
                Some(sailor::parse_json_lossless(text.as_bytes()).map_err(|error| {
                    ComponentError::input(format!("`body` is text but not JSON: {error}"))
                })?)
            }
            Some(Value::String(_)) | Some(Value::Null) | None => None,
            Some(other) => Some(other),
        };
        let method = match input.method {
            MethodIn::Get => Method::GET,
            MethodIn::Post => Method::POST,
            MethodIn::Put => Method::PUT,
            MethodIn::Patch => Method::PATCH,
            MethodIn::Delete => Method::DELETE,
        };
        let connection = call.connection().await?;
        if path.contains("{organizerKey}") {
            path = path.replace("{organizerKey}", connection.organizer_key().await?.as_str());
        }
        if path.contains("{accountKey}") {
            path = path.replace("{accountKey}", connection.account_key().await?.as_str());
        }
        let doing = format!("calling {method} {path}");
        let response = connection
            .client()
            .raw_request(method, &path, &query, body.as_ref())
            .await
            .doing(doing.clone())?;
        let body = match response.body {
            Some(raw) => Some(sailor::parse_json_lossless(raw.get().as_bytes()).map_err(|error| {
                ComponentError::named(
                    crate::errors::names::API,
                    format!("{doing}: the answer is not JSON: {error}"),
                )
            })?),
            None => None,
        };
        call.emit(&RawResponseOut { status: response.status, body }).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_under_the_api_base() {
        assert_eq!(check_path("organizers/1/webinars").unwrap(), "/organizers/1/webinars");
        assert_eq!(check_path(" /webinars/1/startUrl ").unwrap(), "/webinars/1/startUrl");
        assert_eq!(check_path("/G2W/rest/v2/organizers/1").unwrap(), "/organizers/1");
        for bad in [
            "",
            "https://evil.example/x",
            "HTTP://evil.example",
            "//evil.example/x",
            "/a/../../admin",
            "/a/%2E%2E/b",
            "/a/./b",
            "/a?b=c",
            "/a#b",
            "/a\\b",
            "/a%5c..",
            "/a b",
            "/user@evil.example",
        ] {
            let error = check_path(bad).expect_err(bad);
            assert!(error.to_string().contains("`path`"), "{bad:?}: {error}");
        }
    }
}
