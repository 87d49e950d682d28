//! A session on disk: its files, its state record, and liveness.
//!
//! `sessions/<session>/` (0700) holds `state.json` (written only by the
//! supervisor, atomically), `flag.json` (written by `looop flag`, so
//! flagging never races the supervisor's writes), `output.log`,
//! `supervisor.log` (the supervisor's own stderr) and `supervisor.lock`. The supervisor holds an exclusive lock
//! on `supervisor.lock` for its whole life, so "alive" is one lock test that
//! cannot be fooled by a reused pid: a session whose record says running but
//! whose lock is free is `lost`.

use super::{SessionView, State};
use crate::ids;
use crate::paths::Profile;
use crate::store;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::path::{Path, PathBuf};

/// What the launcher asks the supervisor to run, sent as JSON on the
/// supervisor's stdin (no file: creating one costs up to a quarter of a
/// millisecond on some disks, on every launch).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Spec {
    pub command: String,
    pub cwd: PathBuf,
    pub runner: String,
    pub cols: u16,
    pub rows: u16,
    /// Cap of `output.log` in bytes (0 = no cap).
    pub log_max_bytes: u64,
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
pub fn supervisor_log_path(dir: &Path) -> PathBuf {
    dir.join("supervisor.log")
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

pub fn read_record(dir: &Path) -> Result<Option<Record>> {
    store::read_json(&record_path(dir))
}

pub fn write_record(dir: &Path, record: &Record) -> Result<()> {
    let mut text = serde_json::to_string_pretty(record)?;
    text.push('\n');
    replace(&record_path(dir), text.as_bytes())
}

/// Replace a private (0600) file atomically: temp file + rename, so readers
/// see the old or the new content, never a mix. Unlike
/// [`store::write_atomic_mode`] it does not fsync: these files (records,
/// specs, prompts) describe processes that a power loss ends anyway, and a
/// launch must not wait on the disk several times.
pub fn replace(path: &Path, bytes: &[u8]) -> Result<()> {
    store::replace_unsynced(path, bytes, 0o600)
}

pub fn read_flag(dir: &Path) -> Result<Option<Flag>> {
    store::read_json(&flag_path(dir))
}

/// The session as users see it, or `None` when it is not on disk.
pub fn view(profile: &Profile, session: &str) -> Result<Option<SessionView>> {
    if !is_session_name(session) {
        return Ok(None);
    }
    let dir = dir(profile, session);
    if !dir.is_dir() {
        return Ok(None);
    }
    // Lock first, record second: a supervisor writes its final record before
    // it lets go of the lock, so "free lock + running record" really is lost.
    let alive = alive(&dir);
    let record = read_record(&dir).with_context(|| format!("session {session}"))?;
    let flag = read_flag(&dir).with_context(|| format!("session {session}"))?;
    let mut view = make_view(session, alive, record, flag);
    view.last_output_at = last_output_at(&dir);
    Ok(Some(view))
}

/// When the worker last printed: the time `output.log` was last appended
/// to (`None` while it is empty). Read from the file itself, so the
/// supervisor never rewrites its record just because output arrived (with
/// a hundred chatty workers that was a hundred file replacements a second).
fn last_output_at(dir: &Path) -> Option<String> {
    let meta = std::fs::metadata(log_path(dir)).ok()?;
    if meta.len() == 0 {
        return None;
    }
    Some(crate::events::rfc3339(meta.modified().ok()?))
}

fn make_view(
    session: &str,
    alive: bool,
    record: Option<Record>,
    flag: Option<Flag>,
) -> SessionView {
    let id = session
        .strip_prefix(ids::SESSION_PREFIX)
        .unwrap_or(session)
        .to_string();
    let (flagged, note) = match flag {
        Some(f) => (true, Some(f.note).filter(|n| !n.is_empty())),
        None => (false, None),
    };
    let Some(r) = record else {
        // No record yet: a launch in progress (lock held) or one that died
        // before its supervisor could write anything.
        let state = if alive {
            State::Starting
        } else {
            State::Failed
        };
        return SessionView {
            id,
            session: session.to_string(),
            state,
            alive,
            pid: None,
            exit_code: None,
            started_at: None,
            ended_at: None,
            last_output_at: None,
            flagged,
            note,
            runner: String::new(),
            command: String::new(),
        };
    };
    let state = match r.state {
        State::Starting | State::Running if !alive => State::Lost,
        s => s,
    };
    // A supervisor lingers a moment after recording the end (flushing its
    // attachers); to users the worker is no longer alive once it has ended.
    let alive = alive && matches!(state, State::Starting | State::Running);
    SessionView {
        id,
        session: session.to_string(),
        state,
        alive,
        pid: r.pid,
        exit_code: r.exit_code,
        started_at: r.started_at,
        ended_at: r.ended_at,
        last_output_at: None,
        flagged,
        note,
        runner: r.runner,
        command: r.command,
    }
}

/// Every session on disk, sorted by name. Unreadable records are reported
/// on stderr and skipped rather than hiding every other session.
pub fn list(profile: &Profile) -> Result<Vec<SessionView>> {
    let root = profile.sessions_dir();
    let entries = match std::fs::read_dir(&root) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", root.display())),
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_session_name(n))
        .collect();
    names.sort();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        match view(profile, &name) {
            Ok(Some(v)) => out.push(v),
            Ok(None) => {}
            Err(e) => eprintln!("looop: warning: {e:#}"),
        }
    }
    Ok(out)
}

/// How many worker sessions are live (the pulse excluded), by their locks
/// alone, when that is at least `limit`; `None` below it.
pub fn live_workers_if_at(profile: &Profile, limit: usize) -> Result<Option<usize>> {
    let root = profile.sessions_dir();
    let entries = match std::fs::read_dir(&root) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", root.display())),
    };
    let names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_session_name(n) && n != ids::PULSE_SESSION)
        .collect();
    // Fewer sessions than the limit cannot reach it: no lock to test.
    if names.len() < limit {
        return Ok(None);
    }
    let live = names.iter().filter(|n| alive(&root.join(n))).count();
    Ok((live >= limit).then_some(live))
}

/// Remove a finished session's files so a new launch starts clean. The
/// caller holds the lock; the lock file itself stays.
pub fn clear(dir: &Path) -> Result<()> {
    for p in [
        record_path(dir),
        flag_path(dir),
        log_path(dir),
        supervisor_log_path(dir),
    ] {
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", p.display())),
        }
    }
    Ok(())
}
