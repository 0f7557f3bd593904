//! "Did you mean …?" for mistyped names: functions, methods and models on the command line, and
//! the fields of a message or a step configuration.

/// The candidate closest to `input`, when it is close enough to be a likely slip: letter case is
/// ignored, and the edit distance (with swapped neighbours counting once) may be at most a third
/// of the typed name's length, capped at 3. Ties go to the earlier candidate.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typed = input.to_lowercase();
    let allowed = (typed.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let distance = strsim::damerau_levenshtein(&typed, &candidate.to_lowercase());
        if distance <= allowed && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, name)| name)
}

/// `unknown KIND "INPUT"`, then `did you mean X?` when a name is close, else every valid name.
pub fn unknown_name<'a>(kind: &str, input: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<&str> = candidates.into_iter().collect();
    match closest(input, names.iter().copied()) {
        Some(name) => format!("unknown {kind} {input:?}: did you mean {name}?"),
        None => format!("unknown {kind} {input:?} (use one of: {})", names.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 5] =
        ["listWebinars", "listWebinarsAll", "getWebinar", "listSessions", "verifyCredentials"];

    #[test]
    fn close_slips_are_suggested() {
        assert_eq!(closest("listWebinar", NAMES), Some("listWebinars"), "a letter missing");
        assert_eq!(closest("listwebinars", NAMES), Some("listWebinars"), "letter case");
        assert_eq!(closest("lsitWebinars", NAMES), Some("listWebinars"), "swapped letters");
        assert_eq!(closest("getWebinr", NAMES), Some("getWebinar"));
        assert_eq!(closest("verifyCredential", NAMES), Some("verifyCredentials"));
    }

    #[test]
    fn far_names_are_not_suggested() {
        assert_eq!(closest("deleteEverything", NAMES), None);
        assert_eq!(closest("verify", NAMES), None, "a prefix is not a slip");
        assert_eq!(closest("", NAMES), None);
        assert_eq!(closest("ab", ["cd"]), None);
    }

    #[test]
    fn the_message_suggests_or_lists() {
        assert_eq!(
            unknown_name("function", "listWebinar", NAMES),
            "unknown function \"listWebinar\": did you mean listWebinars?"
        );
        let listed = unknown_name("method", "nope", NAMES);
        assert!(listed.starts_with("unknown method \"nope\" (use one of: listWebinars, "), "{listed}");
        assert!(!listed.contains("did you mean"), "{listed}");
    }
}
