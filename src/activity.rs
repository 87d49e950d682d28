//! What a live worker is doing (CONTRACT §9): the [`Activity`] values and
//! the session's `activity.json`, written by its supervisor whenever the
//! activity changes and read by `ls`, `status`, the tick prompt and the
//! idle flag.
//!
//! A primitive: the supervisor (which reads screens and hooks) and the
//! agents (whose patterns give a reading) both import it, and it imports
//! neither.

use crate::store;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One of the five activities of §9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    /// The agent is working (its own busy signs).
    Busy,
    /// A dialog waits for a human: permission, trust, login, a selection.
    NeedsInput,
    /// The agent waits at its input prompt.
    Idle,
    /// The agent shows a usage-limit or rate-limit stop.
    UsageLimited,
    /// None of these can be told.
    Unknown,
}

impl Activity {
    /// The name used in `activity.json`, `ls`, `--json` and the events.
    pub fn as_str(self) -> &'static str {
        match self {
            Activity::Busy => "busy",
            Activity::NeedsInput => "needs_input",
            Activity::Idle => "idle",
            Activity::UsageLimited => "usage_limited",
            Activity::Unknown => "unknown",
        }
    }
}

/// Every activity.
#[cfg(test)]
pub const ALL: [Activity; 5] = [
    Activity::Busy,
    Activity::NeedsInput,
    Activity::Idle,
    Activity::UsageLimited,
    Activity::Unknown,
];

/// Where a reading came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The screen model, after the state held steadily.
    Screen,
    /// The agent's own hook or notify program.
    Hook,
}

/// An activity with what explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub activity: Activity,
    /// The dialog's question line (`needs_input`) or the limit message
    /// (`usage_limited`), as shown; `None` otherwise.
    pub detail: Option<String>,
}

impl Reading {
    pub fn of(activity: Activity) -> Reading {
        Reading {
            activity,
            detail: None,
        }
    }
}

/// `sessions/<session>/activity.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub activity: Activity,
    /// RFC 3339 UTC: when this activity began.
    pub since: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub source: Source,
}

pub fn path(dir: &Path) -> PathBuf {
    dir.join("activity.json")
}

/// Replace the record atomically (0600).
pub fn write(dir: &Path, record: &Record) -> Result<()> {
    let mut text = serde_json::to_string(record)?;
    text.push('\n');
    store::write_atomic_mode(&path(dir), text.as_bytes(), 0o600)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_serde_names() {
        for a in ALL {
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                format!("\"{}\"", a.as_str())
            );
        }
    }
}
