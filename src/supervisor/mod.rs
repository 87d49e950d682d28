//! The in-process supervisor: detached PTY workers and the commands that
//! talk to them. (Built by the supervisor issue.)
//!
//! The functions below are the API the rest of looop (the pulse,
//! `start-session`, `up`/`down`, claims) uses; their signatures are agreed,
//! their bodies arrive with the supervisor issue.

use crate::cli::{Args, not_built};
use crate::config::Config;
use crate::paths::Profile;
use anyhow::Result;
use serde::Serialize;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// What to run in a new session and how.
#[derive(Debug, Clone)]
pub struct LaunchSpec {
    /// Session name: `looop-<id>` (or `looop-pulse`).
    pub session: String,
    /// A shell command line, run as `bash -lc <command>` inside the PTY.
    pub command: String,
    pub cwd: PathBuf,
    /// Runner name, recorded for `ls` / `status` (empty for the pulse).
    pub runner: String,
    /// Extra environment (LOOOP_BIN, LOOOP_DATA_DIR, LOOOP_CONFIG, LOOOP_SESSION_ID).
    pub env: Vec<(String, OsString)>,
    /// (cols, rows); `None` = the caller's terminal size, else 120x40.
    pub size: Option<(u16, u16)>,
}

/// A session's lifecycle state as users see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Launching: the supervisor is starting the child.
    Starting,
    Running,
    Exited,
    Killed,
    /// The supervisor died without recording an end.
    Lost,
    /// The launch itself failed (command not found, cwd gone, ...).
    Failed,
}

/// One session as read from disk, with liveness checked.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    /// Bare id (`fix-ci`; `pulse` for the pulse).
    pub id: String,
    /// `looop-<id>`.
    pub session: String,
    pub state: State,
    /// True only while the supervisor really lives.
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
}

/// Start a session detached under a new supervisor; returns once the child
/// runs, or a status-1 error when the launch failed (session left `failed`).
pub fn launch(_profile: &Profile, _config: &Config, _spec: &LaunchSpec) -> Result<SessionView> {
    Err(not_built("start-session"))
}

/// Every session on disk (workers and the pulse), sorted by session name.
pub fn list(_profile: &Profile) -> Result<Vec<SessionView>> {
    Ok(Vec::new())
}

/// One session by name, `None` when it is not on disk.
pub fn get(_profile: &Profile, _session: &str) -> Result<Option<SessionView>> {
    Ok(None)
}

/// Whether the session's supervisor lives (cheap: one lock test).
pub fn is_alive(_profile: &Profile, _session: &str) -> bool {
    false
}

/// End a session (TERM to the group, KILL after `grace`), wait for the end,
/// drop its claims. Returns the exit code when known.
pub fn kill(_profile: &Profile, _session: &str, _grace: Duration) -> Result<Option<i32>> {
    Err(not_built("kill"))
}

/// Raise (`Some(note)`) or clear (`None`) a session's flag; emits the event.
pub fn set_flag(_profile: &Profile, _session: &str, _note: Option<String>) -> Result<()> {
    Err(not_built("flag"))
}

/// Type bytes into a session's terminal.
pub fn send(_profile: &Profile, _session: &str, _bytes: &[u8]) -> Result<()> {
    Err(not_built("send"))
}

/// Delete finished and lost sessions older than `older_than` (all when
/// `None`); returns how many.
pub fn prune(_profile: &Profile, _older_than: Option<Duration>) -> Result<usize> {
    Ok(0)
}

pub fn cmd_ls(_args: Args) -> Result<i32> {
    Err(not_built("ls"))
}
pub fn cmd_attach(_args: Args) -> Result<i32> {
    Err(not_built("attach"))
}
pub fn cmd_log(_args: Args) -> Result<i32> {
    Err(not_built("log"))
}
pub fn cmd_send(_args: Args) -> Result<i32> {
    Err(not_built("send"))
}
pub fn cmd_kill(_args: Args) -> Result<i32> {
    Err(not_built("kill"))
}
pub fn cmd_flag(_args: Args) -> Result<i32> {
    Err(not_built("flag"))
}
pub fn cmd_unflag(_args: Args) -> Result<i32> {
    Err(not_built("unflag"))
}
pub fn cmd_prune(_args: Args) -> Result<i32> {
    Err(not_built("prune"))
}
pub fn cmd_supervise(_args: Args) -> Result<i32> {
    Err(not_built("_supervise"))
}
