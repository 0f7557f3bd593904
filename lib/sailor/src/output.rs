//! Stdout whose reader may go away: `gotowebinar exec … | head -1` closes the pipe early, and
//! that is a normal way to stop reading, not a failure.

use std::io;

/// True when a write failed because the reader closed the pipe (`EPIPE`): the process should stop
/// writing and end quietly with exit status 0.
pub fn reader_gone(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::BrokenPipe
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_closed_pipe_means_the_reader_is_gone() {
        assert!(reader_gone(&io::Error::from(io::ErrorKind::BrokenPipe)));
        assert!(!reader_gone(&io::Error::from(io::ErrorKind::PermissionDenied)));
        assert!(!reader_gone(&io::Error::other("disk full")));
    }
}
