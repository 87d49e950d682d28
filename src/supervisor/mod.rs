//! Detached PTY workers: the client verbs that talk to them, flat here, and
//! the supervisor process itself under [`daemon`].
//!
//! Each session runs under its own supervisor process (`looop _supervise`,
//! see [`daemon`]); this module is the API the rest of looop uses (the
//! pulse, `start-session`, `up`/`down`). The client side: [`spawn`]
//! launches, [`session`] joins the on-disk record
//! ([`crate::session_record`], which also says who is alive) into views,
//! [`client`] connects to the control socket, [`control`] kill/send/flag/
//! prune, [`attach`]/[`tty`]/[`detach_keys`] the interactive side,
//! [`log`]/[`ansi`] reading output, [`verbs`] what the user-facing commands
//! do, as values for `cli/commands/` to print.
//! [`protocol`] is the wire format both sides import.

mod ansi;
mod attach;
mod client;
mod control;
pub mod daemon;
mod detach_keys;
mod log;
mod protocol;
mod screen;
mod session;
mod spawn;
mod tty;
pub mod verbs;
mod view;

use crate::config::Config;
use crate::paths::Profile;
use anyhow::Result;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

pub use crate::session_record::State;
pub use log::LogOptions;
pub use view::SessionView;

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
    /// Variables of the caller's environment the session must not inherit
    /// (a worker's PTY is not the caller's tmux pane).
    pub unset: &'static [&'static str],
    /// The goal the worker serves, recorded in its session record.
    pub goal: Option<String>,
    /// (cols, rows); `None` = the caller's terminal size, else 120x40.
    pub size: Option<(u16, u16)>,
    /// The runner's agent CLI (`claude`, ...), `None` for `none` and the pulse.
    pub agent: Option<String>,
    /// The agent session id looop chose for it (CONTRACT §8).
    pub agent_session: Option<String>,
}

/// Replace a private (0600) file atomically without waiting for the disk
/// (prompt files: part of a launch, which should be fast).
pub fn replace_private(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    session::replace(path, bytes)
}

/// Start a session detached under a new supervisor; returns once the child
/// runs, or a status-1 error when the launch failed (session left `failed`).
/// Refused (status 1) when a live session of that name exists; a finished
/// one is replaced. Emits `session_started`.
pub fn launch(profile: &Profile, config: &Config, spec: &LaunchSpec) -> Result<SessionView> {
    spawn::launch(profile, config, spec)
}

/// Every session on disk (workers and the pulse), sorted by session name.
/// Cheap: per session one lock test and two small file reads.
pub fn list(profile: &Profile) -> Result<Vec<SessionView>> {
    session::list(profile)
}

/// How many worker sessions (not the pulse) are alive when that is at least
/// `limit` (`None` below it): one lock test per session, none at all while
/// there are fewer sessions than `limit`, no records read.
pub fn live_workers_if_at(profile: &Profile, limit: usize) -> Result<Option<usize>> {
    session::live_workers_if_at(profile, limit)
}

/// One session by name, `None` when it is not on disk (or not a valid name).
pub fn get(profile: &Profile, session: &str) -> Result<Option<SessionView>> {
    session::view(profile, session)
}

/// Whether the session's supervisor lives (cheap: one lock test).
pub fn is_alive(profile: &Profile, session: &str) -> bool {
    crate::session_record::is_alive(profile, session)
}

/// End a session (TERM to the group, KILL after `grace`), wait for the end,
/// drop its claims. Returns the exit code when known. Works on a `lost`
/// session; a session that already ended just has its claims dropped.
/// Unknown session: status 1.
pub fn kill(profile: &Profile, session: &str, grace: Duration) -> Result<Option<i32>> {
    control::kill(profile, session, grace, false)
}

/// Raise (`Some(note)`) or clear (`None`) a session's flag; emits the event.
pub fn set_flag(profile: &Profile, session: &str, note: Option<String>) -> Result<()> {
    control::set_flag(profile, session, note)
}

/// Delete finished and lost sessions older than `older_than` (all when
/// `None`); returns how many.
pub fn prune(profile: &Profile, older_than: Option<Duration>) -> Result<usize> {
    control::prune(profile, older_than)
}
