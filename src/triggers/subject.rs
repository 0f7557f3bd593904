//! The `subjectContains` option of the polling triggers: follow only the webinars whose subject
//! contains a text, in any letter case, so a flow follows one webinar series.

use crate::errors::ComponentError;
use crate::function_spec::Field;
use crate::triggers::sketch::item_hash;

/// The step field's name.
pub const FIELD: &str = "subjectContains";
/// GoTo's longest subject: a longer filter could never match.
pub const MAX_CHARS: usize = 128;

/// A case-insensitive "contains" match on a webinar's subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectFilter {
    /// The trimmed filter in lower case.
    needle: String,
}

impl SubjectFilter {
    /// The filter the step's `subjectContains` asks for; `None` when it is absent or blank (no
    /// filter). A filter longer than a subject can be is an input error.
    pub fn new(text: Option<&str>) -> Result<Option<Self>, ComponentError> {
        let Some(text) = text.map(str::trim).filter(|text| !text.is_empty()) else {
            return Ok(None);
        };
        let chars = text.chars().count();
        if chars > MAX_CHARS {
            return Err(ComponentError::input(format!(
                "`{FIELD}` must be at most {MAX_CHARS} characters (GoTo's longest webinar subject), got {chars}"
            )));
        }
        Ok(Some(Self { needle: text.to_lowercase() }))
    }

    /// Whether `subject` contains the filter, in any letter case; a webinar without a subject
    /// never matches.
    pub fn matches(&self, subject: Option<&str>) -> bool {
        subject.is_some_and(|subject| subject.to_lowercase().contains(&self.needle))
    }

    /// A short, stable tag of the filter (letter case aside), for a snapshot's scope.
    pub fn tag(&self) -> String {
        format!("{:016x}", item_hash(&self.needle).key)
    }
}

/// Whether an optional filter lets `subject` through (no filter lets everything through).
pub fn passes(filter: Option<&SubjectFilter>, subject: Option<&str>) -> bool {
    filter.is_none_or(|filter| filter.matches(subject))
}

/// The step field, with `note` saying what it applies to.
pub fn field(note: &'static str) -> Field {
    Field::text(FIELD, "Subject contains").placeholder("e.g. Product tour").note(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_no_filter_and_letter_case_does_not_matter() {
        for blank in [None, Some(""), Some("   \t")] {
            assert_eq!(SubjectFilter::new(blank).unwrap(), None, "{blank:?}");
        }
        let filter = SubjectFilter::new(Some("  rust SERIES ")).unwrap().unwrap();
        assert!(filter.matches(Some("The Rust Series: part 2")));
        assert!(filter.matches(Some("RUST series")));
        assert!(!filter.matches(Some("Rust: the series")));
        assert!(!filter.matches(None));
        let accented = SubjectFilter::new(Some("ÉTÉ")).unwrap().unwrap();
        assert!(accented.matches(Some("Webinaire d'été")), "Unicode letters fold too");
        let greek = SubjectFilter::new(Some("ΣΟΦΊΑ")).unwrap().unwrap();
        assert!(greek.matches(Some("Η σοφία")));
        assert!(passes(None, None));
        assert!(!passes(Some(&filter), Some("Go")));
    }

    #[test]
    fn the_tag_ignores_case_and_spaces_around() {
        let tag = |text: &str| SubjectFilter::new(Some(text)).unwrap().unwrap().tag();
        assert_eq!(tag("Rust"), tag(" rUST "));
        assert_ne!(tag("Rust"), tag("Go"));
        assert_eq!(tag("Rust").len(), 16);
    }

    #[test]
    fn a_filter_longer_than_any_subject_is_refused() {
        assert!(SubjectFilter::new(Some(&"é".repeat(MAX_CHARS))).unwrap().is_some());
        let error = SubjectFilter::new(Some(&"x".repeat(MAX_CHARS + 1))).unwrap_err().to_string();
        assert!(error.contains(FIELD) && error.contains("129"), "{error}");
    }
}
