//! Default values that both the [`super::Config`] default and the
//! commented template `init` writes must state the same way: one place, so
//! the template cannot drift from what looop really does.

/// Seconds between beats in `looop run` / `looop up`.
pub const INTERVAL_SECS: u64 = 60;

/// Substrings (any case) of a tick AI's output that mark a failure as
/// transient, so the call is retried.
pub const TRANSIENT: &[&str] = &[
    "rate limit",
    "rate_limit",
    "overloaded",
    "529",
    "503",
    "timed out",
    // claude's 429 without a usage limit (fixtures README).
    "temporarily limiting requests",
];
