//! The one way times are written: for GoTo's query parameters, the stored credential keys and
//! every output that carries a time.

use chrono::{DateTime, SecondsFormat, Utc};

/// Formats a time as RFC 3339 in UTC with whole seconds and a `Z`, e.g. `2026-03-13T10:00:00Z`.
pub fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_seconds_in_utc_with_z() {
        let time = DateTime::parse_from_rfc3339("2026-03-13T12:00:00.987+02:00").unwrap();
        assert_eq!(rfc3339(time.with_timezone(&Utc)), "2026-03-13T10:00:00Z");
    }
}
