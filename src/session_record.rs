//! A session's on-disk record and the lock that says it is alive.
//!
//! `sessions/<session>/` (0700) holds `state.json` (written only by the
//! supervisor, atomically), `flag.json` (written by `looop flag`, so
//! flagging never races the supervisor's writes), `output.log`,
//! `supervisor.log` (the supervisor's own stderr) and `supervisor.lock`.
//! The supervisor holds an exclusive lock on `supervisor.lock` for its whole
//! life, so "alive" is one lock test that cannot be fooled by a reused pid:
//! a session whose record says running but whose lock is free is `lost`.
//!
//! This module sits below both the supervisor (which writes records and
//! holds the lock) and the claims (which ask whether an owner lives), so
//! neither has to import the other for liveness.

use crate::ids;
use crate::paths::Profile;
use crate::store;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::path::{Path, PathBuf};

/// A session's lifecycle state as users see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Launching: the supervisor is starting the child.
    Starting,
    Running,
    Exited,
    /// Someone else ended it (`looop kill`, a move, `down`).
    Killed,
    /// The worker ended itself (`looop kill` on its own session, as the
    /// worker contract says): finished, not stopped.
    Done,
    /// The supervisor died without recording an end.
    Lost,
    /// The launch itself failed (command not found, cwd gone, ...).
    Failed,
}

impl State {
    /// The state's name, as in `state.json`, `ls` and the events.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Starting => "starting",
            State::Running => "running",
            State::Exited => "exited",
            State::Killed => "killed",
            State::Done => "done",
            State::Lost => "lost",
            State::Failed => "failed",
        }
    }
}

/// The session's record (`state.json`), written by its supervisor.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub session: String,
    pub state: State,
    pub command: String,
    pub cwd: PathBuf,
    pub runner: String,
    pub supervisor_pid: Option<u32>,
    /// The child: session and process-group leader in its PTY.
    pub pid: Option<u32>,
    /// The child's start time (clock ticks since boot, from /proc), to tell
    /// it from a later process that reuses its pid.
    pub pid_start: Option<u64>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub exit_code: Option<i32>,
    /// Where the control socket is (it lives in the short runtime dir).
    pub socket: Option<PathBuf>,
    /// Why the launch failed, for `failed` sessions.
    pub error: Option<String>,
    /// The runner's agent CLI, `None` for `none` (CONTRACT §8).
    #[serde(default)]
    pub agent: Option<String>,
    /// The agent session id looop chose at the first start (`None` for
    /// codex, which chooses its own: see [`agent_session`]).
    #[serde(default)]
    pub agent_session: Option<String>,
    /// The goal the worker serves (`--goal`), for cost attribution.
    #[serde(default)]
    pub goal: Option<String>,
}

impl Record {
    /// A fresh record for `session` in `state`, started now; every other
    /// field empty until the supervisor learns it.
    pub fn new(session: &str, state: State) -> Record {
        Record {
            session: session.to_string(),
            state,
            command: String::new(),
            cwd: PathBuf::new(),
            runner: String::new(),
            supervisor_pid: None,
            pid: None,
            pid_start: None,
            started_at: Some(crate::events::now_rfc3339()),
            ended_at: None,
            exit_code: None,
            socket: None,
            error: None,
            agent: None,
            agent_session: None,
            goal: None,
        }
    }
}

/// `flag.json`: present while the session is flagged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flag {
    pub note: String,
    pub flagged_at: String,
}

pub fn dir(profile: &Profile, session: &str) -> PathBuf {
    profile.session_dir(session)
}
pub fn record_path(dir: &Path) -> PathBuf {
    dir.join("state.json")
}
pub fn flag_path(dir: &Path) -> PathBuf {
    dir.join("flag.json")
}
pub fn log_path(dir: &Path) -> PathBuf {
    dir.join("output.log")
}
pub fn lock_path(dir: &Path) -> PathBuf {
    dir.join("supervisor.lock")
}
/// The last screen of a finished worker, as text (`looop log --screen`).
pub fn screen_path(dir: &Path) -> PathBuf {
    dir.join("screen.txt")
}
pub fn supervisor_log_path(dir: &Path) -> PathBuf {
    dir.join("supervisor.log")
}
/// When a beat first saw the session `lost` (RFC 3339): its claims' grace
/// (`resume_grace`) counts from then. Gone once the session is relaunched.
pub fn lost_seen_path(dir: &Path) -> PathBuf {
    dir.join("lost_seen_at")
}
/// When the worker was first started (RFC 3339), noted by its first
/// resume: a relaunch's record starts afresh (`started_at` is the current
/// run's), while the worker (id, agent session, claims) goes on, and `ls`'s
/// AGE counts from its first start. Kept across relaunches; a fresh
/// `start-session` of the name removes it.
pub fn first_started_path(dir: &Path) -> PathBuf {
    dir.join("first_started_at")
}

/// The socket path for `session`: short (a hash), in the runtime dir.
pub fn socket_path(profile: &Profile, session: &str) -> Result<PathBuf> {
    let hash = crate::paths::fnv1a(session.as_bytes());
    Ok(profile.runtime_dir()?.join(format!("{hash:016x}.sock")))
}

/// Whether `session` names a session at all (validated before any path).
pub fn is_session_name(session: &str) -> bool {
    session
        .strip_prefix(ids::SESSION_PREFIX)
        .is_some_and(ids::is_valid)
}

/// Take the supervisor lock without waiting. The returned file holds it;
/// closing it without unlocking lets an inherited copy (the supervisor's)
/// keep holding it. `None` when a live supervisor has it.
pub fn try_lock(dir: &Path) -> Result<Option<File>> {
    let path = lock_path(dir);
    let file = crate::store::open_lock_file(&path)?;
    match fs2::FileExt::try_lock_exclusive(&file) {
        Ok(()) => Ok(Some(file)),
        Err(e)
            if e.kind() == std::io::ErrorKind::WouldBlock
                || e.raw_os_error() == fs2::lock_contended_error().raw_os_error() =>
        {
            Ok(None)
        }
        Err(e) => Err(e).with_context(|| format!("cannot lock {}", path.display())),
    }
}

/// Whether the session's supervisor lives: one lock test.
pub fn alive(dir: &Path) -> bool {
    store::is_locked(&lock_path(dir))
}

/// Whether `session` is a session name whose supervisor lives (cheap: one
/// lock test).
pub fn is_alive(profile: &Profile, session: &str) -> bool {
    is_session_name(session) && alive(&dir(profile, session))
}

pub fn read_record(dir: &Path) -> Result<Option<Record>> {
    store::read_json(&record_path(dir))
}

pub fn write_record(dir: &Path, record: &Record) -> Result<()> {
    let mut text = serde_json::to_string_pretty(record)?;
    text.push('\n');
    replace(&record_path(dir), text.as_bytes())
}

/// Replace a private (0600) file atomically and durably (temp file, fsync,
/// rename, fsync of the dir): readers see the old or the new content, never
/// a mix, and a crash keeps the session's last state (CONTRACT §12).
pub fn replace(path: &Path, bytes: &[u8]) -> Result<()> {
    store::write_atomic_mode(path, bytes, 0o600)
}

/// Raise the flag (atomically, 0600).
pub fn write_flag(dir: &Path, flag: &Flag) -> Result<()> {
    let mut text = serde_json::to_string_pretty(flag)?;
    text.push('\n');
    replace(&flag_path(dir), text.as_bytes())
}

/// `{{session_file}}`: the session file of a CLI that takes one (pi).
pub fn agent_session_file(dir: &Path) -> PathBuf {
    dir.join("agent-session.jsonl")
}

/// Where the agent session id of a CLI that chooses its own (codex) is
/// kept once looop learned it from the CLI's transcript.
pub fn learned_agent_session_path(dir: &Path) -> PathBuf {
    dir.join("agent-session.id")
}

/// The worker's agent session id: the one looop chose (in the record), else
/// the one it learned from the CLI's own transcript, else `None`.
pub fn agent_session(dir: &Path, record: &Record) -> Option<String> {
    if record.agent_session.is_some() {
        return record.agent_session.clone();
    }
    record.agent.as_ref()?;
    let text = std::fs::read_to_string(learned_agent_session_path(dir)).ok()?;
    Some(text.trim().to_string()).filter(|id| !id.is_empty())
}

pub fn read_flag(dir: &Path) -> Result<Option<Flag>> {
    store::read_json(&flag_path(dir))
}

/// Remove a finished session's files so a new launch starts clean. The
/// caller holds the lock; the lock file itself stays.
pub fn clear(dir: &Path) -> Result<()> {
    for p in [
        record_path(dir),
        flag_path(dir),
        log_path(dir),
        screen_path(dir),
        crate::activity::path(dir),
        supervisor_log_path(dir),
        lost_seen_path(dir),
    ] {
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", p.display())),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_names_match_the_serde_names() {
        for s in [
            State::Starting,
            State::Running,
            State::Exited,
            State::Killed,
            State::Done,
            State::Lost,
            State::Failed,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    #[test]
    fn lock_is_liveness() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(!alive(tmp.path()));
        let held = try_lock(tmp.path()).unwrap().expect("free lock");
        assert!(alive(tmp.path()));
        assert!(try_lock(tmp.path()).unwrap().is_none());
        drop(held);
        assert!(!alive(tmp.path()));
    }
}
