//! Sessions as users see them: the on-disk record (see
//! [`crate::session_record`]) joined with its lock, its flag and its log
//! into a [`SessionView`], one session or all of them.

use super::view::SessionView;
use crate::ids;
use crate::paths::Profile;
use crate::session_record::State;
use crate::store::at::Dir;
use anyhow::{Context, Result};
use std::path::Path;

pub use crate::session_record::{
    Flag, Record, alive, clear, dir, flag_path, is_session_name, log_path, read_record,
    record_path, replace, supervisor_log_path, try_lock, write_record,
};

/// The session as users see it, or `None` when it is not on disk.
pub fn view(profile: &Profile, session: &str) -> Result<Option<SessionView>> {
    if !is_session_name(session) {
        return Ok(None);
    }
    let dir = dir(profile, session);
    if !dir.is_dir() {
        return Ok(None);
    }
    read_view(&Dir::cwd(), &dir, &dir, session).map(Some)
}

/// Session `session` read from its files at `files` (relative to `at`);
/// `dir` is its directory's full path.
fn read_view(at: &Dir, files: &Path, dir: &Path, session: &str) -> Result<SessionView> {
    // Lock first, record second: a supervisor writes its final record before
    // it lets go of the lock, so "free lock + running record" really is lost.
    let alive = at.is_locked(&crate::session_record::lock_path(files));
    let record = at
        .read_json(&record_path(files))
        .with_context(|| format!("session {session}"))?;
    let flag = at
        .read_json(&flag_path(files))
        .with_context(|| format!("session {session}"))?;
    let mut view = make_view(dir, session, alive, record, flag);
    view.last_output_at = last_output_at(at, files);
    if view.alive {
        (view.activity, view.activity_since) = activity_of(at, files, view.started_at.as_deref());
    }
    Ok(view)
}

/// When the worker last printed: the time `output.log` was last appended
/// to (`None` while it is empty). Read from the file itself, so the
/// supervisor never rewrites its record just because output arrived (with
/// a hundred chatty workers that was a hundred file replacements a second).
fn last_output_at(at: &Dir, files: &Path) -> Option<String> {
    let (len, modified) = at.size_and_mtime(&log_path(files))?;
    if len == 0 {
        return None;
    }
    Some(crate::events::rfc3339(modified))
}

fn make_view(
    dir: &Path,
    session: &str,
    alive: bool,
    record: Option<Record>,
    flag: Option<Flag>,
) -> SessionView {
    let id = ids::bare(session).to_string();
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
            cwd: None,
            goal: None,
            agent: None,
            agent_session: None,
            activity: None,
            activity_since: None,
            cost_usd: None,
            resumable: false,
        };
    };
    let state = match r.state {
        State::Starting | State::Running if !alive => State::Lost,
        s => s,
    };
    // A supervisor lingers a moment after recording the end (flushing its
    // attachers); to users the worker is no longer alive once it has ended.
    let alive = alive && matches!(state, State::Starting | State::Running);
    let agent_session = crate::session_record::agent_session(dir, &r);
    let resumable = resumable(state, alive, r.agent.as_deref(), agent_session.is_some());
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
        cwd: Some(r.cwd),
        goal: r.goal,
        agent: r.agent,
        agent_session,
        activity: None,
        activity_since: None,
        cost_usd: None,
        resumable,
    }
}

/// A live worker's activity and since when: its supervisor's last
/// `activity.json`, or `unknown` since its start before the first.
fn activity_of(
    at: &Dir,
    files: &Path,
    started_at: Option<&str>,
) -> (Option<String>, Option<String>) {
    match at.read_json::<crate::activity::Record>(&crate::activity::path(files)) {
        Ok(Some(a)) => (Some(a.activity.as_str().to_string()), Some(a.since)),
        Ok(None) => (
            Some(crate::activity::Activity::Unknown.as_str().to_string()),
            started_at.map(str::to_string),
        ),
        Err(e) => {
            eprintln!("looop: warning: {e:#}");
            (None, None)
        }
    }
}

/// Every session on disk, sorted by name. Unreadable records are reported
/// on stderr and skipped rather than hiding every other session. The
/// sessions' files are read relative to the sessions directory, opened once.
pub fn list(profile: &Profile) -> Result<Vec<SessionView>> {
    let root = profile.sessions_dir();
    let entries = match std::fs::read_dir(&root) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", root.display())),
    };
    // The entry's type comes with the listing: no stat per session.
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_session_name(n))
        .collect();
    names.sort();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let at = Dir::open(&root).with_context(|| format!("cannot open {}", root.display()))?;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        match read_view(&at, Path::new(&name), &root.join(&name), &name) {
            Ok(v) => out.push(v),
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

/// Whether an ended or lost worker's agent can be resumed by its preset
/// and its agent session is known (pi's is its session file).
fn resumable(state: State, alive: bool, agent: Option<&str>, known: bool) -> bool {
    let ended = !alive && matches!(state, State::Exited | State::Killed | State::Lost);
    let agent = agent.and_then(crate::agents::Agent::from_name);
    let can = agent
        .and_then(|a| a.spec())
        .is_some_and(|s| s.presets.resume.is_some());
    ended && can && (known || agent == Some(crate::agents::Agent::Pi))
}
