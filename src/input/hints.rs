//! Warnings about fields a function does not read: the closest known name, or what it reads.

use serde_json::Value;

use super::error::shorten;
use super::read::CREDENTIAL_FIELDS;

/// Fields a step configuration may carry besides the function's step fields, never warned about:
/// the credential's ([`CREDENTIAL_FIELDS`]); `provider`, which `gotowebinar auth login` writes
/// into a credential file; and a token response's fields, which some credential stores keep at
/// the top level. Any `_`-prefixed name (`_account`, …) is the platform's.
pub const PLATFORM_CONFIG_FIELDS: [&str; 9] = [
    "provider",
    "access_token",
    "refresh_token",
    "expires_in",
    "token_type",
    "scope",
    "id_token",
    "organizer_key",
    "account_key",
];

/// Whether `name` is a configuration field the credential or the platform puts there.
pub fn is_platform_config_field(name: &str) -> bool {
    name.starts_with('_') || CREDENTIAL_FIELDS.contains(&name) || PLATFORM_CONFIG_FIELDS.contains(&name)
}

/// The most names one unknown-field warning lists, of the unknown and of the known fields.
pub const MAX_LISTED_FIELDS: usize = 10;

/// The longest field name a warning quotes, in characters (a name is data too).
const MAX_NAME_CHARS: usize = 40;

/// The top-level field names of `value` that `known` refuses, in the object's order; nothing
/// when `value` is not an object. Only the top level is compared: a nested value (a
/// registrant's `responses`, `rawRequest`'s `query`) is read by the function's own types, and
/// some of its names are GoTo's, not the component's.
pub fn unknown_fields(value: &Value, known: impl Fn(&str) -> bool) -> Vec<&str> {
    match value {
        Value::Object(map) => map.keys().map(String::as_str).filter(|name| !known(name)).collect(),
        _ => Vec::new(),
    }
}

/// Where a field arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldSide {
    /// The incoming message's body.
    Input,
    /// The step configuration.
    Config,
}

/// What a warning about the unknown fields of one function on one side can say.
#[derive(Debug, Clone)]
pub struct FieldHints<'a> {
    /// The function's name.
    pub function: &'a str,
    /// The side the fields arrived on.
    pub side: FieldSide,
    /// The names a mistyped field is compared with (of equally close names, the first wins).
    pub candidates: Vec<&'a str>,
    /// The names the function reads on this side, listed when no field has a closer hint.
    pub reads: Vec<&'a str>,
    /// The names the function reads only on the other side.
    pub other_side: Vec<&'a str>,
}

impl FieldHints<'_> {
    /// The warning about `unknown`, or `None` when it is empty. It names fields, never values,
    /// and lists at most [`MAX_LISTED_FIELDS`] of them.
    pub fn warning(&self, unknown: &[&str]) -> Option<String> {
        let (side, other) = match self.side {
            FieldSide::Input => ("input", "the step configuration"),
            FieldSide::Config => ("config", "the incoming message"),
        };
        let mut unhinted = false;
        let described: Vec<(String, Option<String>)> = unknown
            .iter()
            .take(MAX_LISTED_FIELDS)
            .map(|name| {
                let quoted = format!("{:?}", shorten(name, MAX_NAME_CHARS));
                let hint = if self.other_side.contains(name) {
                    Some(format!("{} reads it from {other} only", self.function))
                } else if let Some(close) = sailor::suggest::closest(name, self.candidates.iter().copied()) {
                    Some(format!("did you mean {close:?}?"))
                } else {
                    unhinted = true;
                    None
                };
                (quoted, hint)
            })
            .collect();
        let reads = || {
            if self.reads.is_empty() {
                return format!("{} reads no {side} fields", self.function);
            }
            let mut listed =
                self.reads.iter().take(MAX_LISTED_FIELDS).copied().collect::<Vec<_>>().join(", ");
            if self.reads.len() > MAX_LISTED_FIELDS {
                listed.push_str(", …");
            }
            format!("{} reads: {listed}", self.function)
        };
        match described.as_slice() {
            [] => None,
            [(name, hint)] if unknown.len() == 1 => {
                Some(format!("unknown {side} field {name}; {}", hint.clone().unwrap_or_else(reads)))
            }
            _ => {
                let mut text = format!("unknown {side} fields ");
                let parts: Vec<String> = described
                    .iter()
                    .map(|(name, hint)| match hint {
                        Some(hint) => format!("{name} ({hint})"),
                        None => name.clone(),
                    })
                    .collect();
                text.push_str(&parts.join(", "));
                if unknown.len() > described.len() {
                    text.push_str(&format!(" and {} more", unknown.len() - described.len()));
                }
                if unhinted {
                    text.push_str("; ");
                    text.push_str(&reads());
                }
                Some(text)
            }
        }
    }
}
