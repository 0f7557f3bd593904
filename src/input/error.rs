//! The error of an input that cannot be read, and how it quotes values.

use std::fmt;

pub use jsonkit::text::{quoted, shorten};

/// Invalid input: the message names the field and says what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(pub String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

impl InputError {
    /// An error about one field. A very long problem text (one echoing a huge value) is cut in
    /// the middle, keeping its start and the advice at its end.
    pub fn field(name: &str, problem: impl fmt::Display) -> Self {
        Self(format!("`{}` {}", shorten(name, 80), shorten(&problem.to_string(), MAX_PROBLEM_CHARS)))
    }
}

/// The longest problem text of an [`InputError`], in characters.
pub(super) const MAX_PROBLEM_CHARS: usize = 400;
