//! Exit statuses and the one place errors are printed.
//!
//! The contract gives every outcome a status: 0 success, 1 failed or refused,
//! 2 bad usage or bad config, 75 busy. Code deep in a module raises an
//! [`Exit`] through `anyhow`; `main` finds it with a downcast and uses its
//! code, so there is one error path and the status is decided where the
//! failure is understood.

use std::fmt;

/// The operation failed or was refused.
pub const FAILED: i32 = 1;
/// Bad usage: unknown command or flag, bad id, bad config.
pub const USAGE: i32 = 2;
/// Another beat holds the profile lock (EX_TEMPFAIL).
pub const BUSY: i32 = 75;

/// An error that carries the process exit status it should produce.
#[derive(Debug)]
pub struct Exit {
    pub code: i32,
    /// `None` when the message was already printed (or there is none).
    pub message: Option<String>,
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            Some(m) => f.write_str(m),
            None => write!(f, "exit status {}", self.code),
        }
    }
}

impl std::error::Error for Exit {}

/// Bad usage or bad input: status 2.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    Exit {
        code: USAGE,
        message: Some(message.into()),
    }
    .into()
}

/// Refused or failed with a reason the user should read: status 1.
pub fn refused(message: impl Into<String>) -> anyhow::Error {
    Exit {
        code: FAILED,
        message: Some(message.into()),
    }
    .into()
}

/// Another beat is running: status 75.
pub fn busy(message: impl Into<String>) -> anyhow::Error {
    Exit {
        code: BUSY,
        message: Some(message.into()),
    }
    .into()
}

/// Exit with `code` after the command has already said what it had to say.
pub fn quiet(code: i32) -> anyhow::Error {
    Exit {
        code,
        message: None,
    }
    .into()
}

/// Print `err` once (with its whole context chain) and return its status.
pub fn report(err: &anyhow::Error) -> i32 {
    // An Exit anywhere in the chain decides the status; the outer context
    // (e.g. "config /x.toml:3") still prints in front of it.
    let code = err
        .chain()
        .find_map(|e| e.downcast_ref::<Exit>())
        .map(|e| e.code)
        .unwrap_or(FAILED);
    let silent = matches!(err.downcast_ref::<Exit>(), Some(Exit { message: None, .. }));
    if !silent {
        // The chain may quote text looop did not write (an AI's answer, a
        // file): its control characters are spelled out, its lines kept.
        let text = format!("{err:#}");
        eprintln!("looop: {}", crate::text::visible::block(&text));
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn status_survives_context() {
        let err = Err::<(), _>(usage("bad id"))
            .context("config /x.toml")
            .unwrap_err();
        assert_eq!(format!("{err:#}"), "config /x.toml: bad id");
        let code = err
            .chain()
            .find_map(|e| e.downcast_ref::<Exit>())
            .unwrap()
            .code;
        assert_eq!(code, USAGE);
    }

    #[test]
    fn plain_errors_are_failures() {
        let err = anyhow::anyhow!("disk full");
        assert!(err.chain().find_map(|e| e.downcast_ref::<Exit>()).is_none());
    }
}
