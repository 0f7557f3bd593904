//! Times as RFC 3339 text, always in UTC with a `Z`.

use chrono::{DateTime, SecondsFormat, Utc};

/// `time` with whole seconds, e.g. `2026-03-13T10:00:00Z`: how GoTo writes times.
pub fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `time` with as many fraction digits as it needs (none, 3, 6 or 9), e.g.
/// `2026-03-13T10:00:00.5Z` is written `2026-03-13T10:00:00.500Z`: nothing is lost.
pub fn rfc3339_exact(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// `time` with milliseconds, e.g. `2026-03-13T10:00:00.000Z`: for log lines.
pub fn rfc3339_millis(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Reads an RFC 3339 time with any offset (`Z` or `±hh:mm`; surrounding whitespace is ignored)
/// as UTC; `None` when `text` is not one.
pub fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_utc_with_z() {
        let time = parse_rfc3339(" 2026-03-13T12:00:00.987+02:00 ").unwrap();
        assert_eq!(rfc3339(time), "2026-03-13T10:00:00Z");
        assert_eq!(rfc3339_exact(time), "2026-03-13T10:00:00.987Z");
        assert_eq!(rfc3339_millis(time), "2026-03-13T10:00:00.987Z");
        let whole = parse_rfc3339("2026-03-13T10:00:00Z").unwrap();
        assert_eq!(rfc3339_exact(whole), "2026-03-13T10:00:00Z");
        assert_eq!(rfc3339_millis(whole), "2026-03-13T10:00:00.000Z");
        let micros = parse_rfc3339("2026-03-13T10:00:00.000001Z").unwrap();
        assert_eq!(rfc3339_exact(micros), "2026-03-13T10:00:00.000001Z");
    }

    #[test]
    fn what_is_not_a_time_is_none() {
        for bad in ["", "2026-03-13", "2026-03-13T10:00:00", "13/03/2026", "2026-13-01T00:00:00Z"] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
