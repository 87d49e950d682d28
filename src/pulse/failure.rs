//! Why a beat failed, as a value: every failure after the beat lock is
//! taken becomes one of these, and [`super::beat`] turns it into a failed
//! beat (`tick_failed` with the reason, LAST FAILURE in the next prompt,
//! status 1) instead of an error that skips the beat's records.

use std::fmt;

#[derive(Debug)]
pub enum BeatError {
    /// A step could not read or write what it needed (a full disk, a file
    /// that became a directory, a broken sensor dir).
    Io(anyhow::Error),
    /// The tick AI gave no usable move: the runner's error, an answer that
    /// is no valid move, or one too large.
    Decide(String),
    /// The move was refused or failed while being carried out.
    Act(String),
    /// SIGINT/SIGTERM arrived while the sensors ran.
    Interrupted,
}

impl BeatError {
    /// For `map_err` on steps that return `anyhow` errors.
    pub fn io(e: anyhow::Error) -> BeatError {
        BeatError::Io(e)
    }
}

impl fmt::Display for BeatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BeatError::Io(e) => write!(f, "{e:#}"),
            BeatError::Decide(reason) | BeatError::Act(reason) => f.write_str(reason),
            BeatError::Interrupted => f.write_str("interrupted by a signal while sensing"),
        }
    }
}

impl std::error::Error for BeatError {}
