//! The one way times are written: for GoTo's query parameters, the stored credential keys and
//! every output that carries a time.

/// Formats a time as RFC 3339 in UTC with whole seconds and a `Z`, e.g. `2026-03-13T10:00:00Z`.
pub use jsonkit::time::rfc3339;
