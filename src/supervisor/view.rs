//! A session as users see it: the value `ls`, `status`, the pulse and the
//! tick prompt read. Its own file so the readers that build it
//! (`session.rs`, `log.rs`) and the module's API share it without importing
//! each other.

use crate::session_record::State;
use serde::Serialize;
use std::path::PathBuf;

/// One session as read from disk, with liveness checked.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    /// Bare id (`fix-ci`; `pulse` for the pulse).
    pub id: String,
    /// `looop-<id>`.
    pub session: String,
    pub state: State,
    /// True only while the supervisor really lives and the child has not
    /// ended (a supervisor lingers briefly after recording the end).
    pub alive: bool,
    /// The child's pid (process group leader).
    pub pid: Option<u32>,
    pub exit_code: Option<i32>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub last_output_at: Option<String>,
    pub flagged: bool,
    pub note: Option<String>,
    pub runner: String,
    pub command: String,
    /// Where the worker runs (`None` only before its supervisor wrote a
    /// record).
    pub cwd: Option<PathBuf>,
    /// The goal the worker serves (`start-session --goal`).
    pub goal: Option<String>,
    /// The agent CLI the runner drives (`None` for agent `none`).
    pub agent: Option<String>,
    /// The worker's agent session id, when known.
    pub agent_session: Option<String>,
    /// What the live worker is doing (`busy`, `needs_input`, `idle`,
    /// `usage_limited`, `unknown`); `None` when not running.
    pub activity: Option<String>,
    /// Since when `activity` holds (RFC 3339).
    pub activity_since: Option<String>,
    /// The worker's metered spend so far; `None` when nothing meters it.
    pub cost_usd: Option<f64>,
    /// Whether the finished or lost session can be resumed on its agent
    /// session.
    pub resumable: bool,
}
