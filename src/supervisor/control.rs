//! Acting on a session from outside: kill, send, flag, prune.
//!
//! A live session is asked through its socket (its supervisor does the
//! signalling and records the end). A `lost` session has no supervisor, so
//! `kill` signals its orphaned process group directly, after checking the
//! recorded pid still names the same process (pid reuse), and records the
//! end itself under the session lock.

use super::client;
use super::protocol::{Reply, Request};
use super::session;
use super::{SessionView, State};
use crate::paths::Profile;
use crate::{events, exit, proc};
use anyhow::{Context, Result, anyhow};
use std::time::{Duration, Instant, SystemTime};

/// Extra time, beyond the grace, for a kill to be confirmed.
const CONFIRM_WITHIN: Duration = Duration::from_secs(15);

fn must_exist(profile: &Profile, session: &str) -> Result<SessionView> {
    session::view(profile, session)?.ok_or_else(|| exit::refused(format!("no session {session}")))
}

/// End `session`; `by_self` when the worker itself asks (it then ends
/// `done`, not `killed`).
pub fn kill(
    profile: &Profile,
    session: &str,
    grace: Duration,
    by_self: bool,
) -> Result<Option<i32>> {
    let view = must_exist(profile, session)?;
    let code = if view.alive {
        kill_live(profile, session, grace, by_self)?
    } else if view.state == State::Lost {
        kill_lost(profile, session, grace, by_self)?
    } else {
        view.exit_code
    };
    crate::claims::release_all(profile, session)
        .with_context(|| format!("session {session}: cannot drop its claims"))?;
    Ok(code)
}

fn kill_live(
    profile: &Profile,
    session: &str,
    grace: Duration,
    by_self: bool,
) -> Result<Option<i32>> {
    let dir = session::dir(profile, session);
    let grace_ms = u32::try_from(grace.as_millis()).unwrap_or(u32::MAX);
    match client::connect(profile, session) {
        Ok(mut conn) => {
            conn.stream.set_read_timeout(Some(grace + CONFIRM_WITHIN))?;
            conn.send(&Request::Kill { grace_ms, by_self })?;
            // Replies until Exit or hang-up; either way the child is ending.
            while let Some(reply) = conn.recv()? {
                if let Reply::Exit { .. } = reply {
                    break;
                }
            }
        }
        Err(e) => {
            // A supervisor that is alive but will not talk: its child can
            // still be ended directly; the supervisor then records the end.
            if !session::alive(&dir) {
                return kill_lost(profile, session, grace, by_self);
            }
            eprintln!("looop: warning: {e:#}; signalling the worker directly");
            let record = session::read_record(&dir)?
                .ok_or_else(|| anyhow!("session {session} has no record"))?;
            if let Some(pid) = record.pid {
                end_group(pid, record.pid_start, grace);
            }
        }
    }
    let deadline = Instant::now() + CONFIRM_WITHIN;
    while session::alive(&dir) {
        if Instant::now() >= deadline {
            return Err(exit::refused(format!(
                "session {session}: the supervisor did not finish after the kill"
            )));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(must_exist(profile, session)?.exit_code)
}

/// End a session whose supervisor died: signal what is left of its group
/// and record it as killed (done when `by_self`).
fn kill_lost(
    profile: &Profile,
    session: &str,
    grace: Duration,
    by_self: bool,
) -> Result<Option<i32>> {
    let dir = session::dir(profile, session);
    let Some(_lock) = session::try_lock(&dir)? else {
        // Someone relaunched it meanwhile: that one is not ours to end.
        return Err(exit::refused(format!(
            "session {session} was restarted meanwhile; run kill again"
        )));
    };
    let mut record =
        session::read_record(&dir)?.ok_or_else(|| anyhow!("session {session} has no record"))?;
    if let Some(pid) = record.pid {
        end_group(pid, record.pid_start, grace);
    }
    record.state = if by_self { State::Done } else { State::Killed };
    record.ended_at = Some(events::now_rfc3339());
    session::write_record(&dir, &record)?;
    events::emit(
        profile,
        "session_exited",
        &serde_json::json!({"id": crate::ids::bare(session), "session": session, "state": record.state, "exit_code": null}),
    );
    Ok(None)
}

/// TERM the group, KILL it after `grace`, and wait until no live member is
/// left. Does nothing when `pid` now names another process.
fn end_group(pid: u32, start: Option<u64>, grace: Duration) {
    if proc::info::recorded_group_alive(pid, start) {
        proc::group::end(&[pid], grace);
    }
}

/// Hand an agent hook's payload to the session's supervisor.
pub fn hook(profile: &Profile, session: &str, payload: Vec<u8>) -> Result<()> {
    let mut conn = client::connect(profile, session)?;
    conn.send(&Request::Hook(payload))?;
    match conn.recv()? {
        Some(Reply::Ok) => Ok(()),
        other => Err(anyhow!("session {session}: unexpected answer {other:?}")),
    }
}

pub fn send(profile: &Profile, session: &str, bytes: &[u8]) -> Result<()> {
    let view = must_exist(profile, session)?;
    if !view.alive {
        return Err(exit::refused(format!(
            "session {session} is not running ({}); nothing sent",
            view.state.as_str()
        )));
    }
    let mut conn = client::connect(profile, session)?;
    for chunk in bytes.chunks(super::protocol::MAX_FRAME) {
        conn.send(&Request::Input(chunk.to_vec()))?;
        match conn.recv()? {
            Some(Reply::Ok) => {}
            Some(Reply::Error(m)) => return Err(anyhow!("session {session}: {m}")),
            _ => {
                return Err(exit::refused(format!(
                    "session {session} ended before the text was typed"
                )));
            }
        }
    }
    Ok(())
}

pub fn set_flag(profile: &Profile, session: &str, note: Option<String>) -> Result<()> {
    must_exist(profile, session)?;
    let dir = session::dir(profile, session);
    let path = session::flag_path(&dir);
    match note {
        Some(note) => {
            let note = note.replace(['\n', '\r'], " ");
            let flag = session::Flag {
                note: note.clone(),
                flagged_at: events::now_rfc3339(),
            };
            let mut text = serde_json::to_string_pretty(&flag)?;
            text.push('\n');
            crate::store::write_atomic_mode(&path, text.as_bytes(), 0o600)?;
            events::emit(
                profile,
                "flagged",
                &serde_json::json!({"id": crate::ids::bare(session), "session": session, "note": note}),
            );
        }
        None => match std::fs::remove_file(&path) {
            Ok(()) => events::emit(
                profile,
                "unflagged",
                &serde_json::json!({"id": crate::ids::bare(session), "session": session}),
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", path.display())),
        },
    }
    Ok(())
}

pub fn prune(profile: &Profile, older_than: Option<Duration>) -> Result<usize> {
    let mut count = 0;
    for view in session::list(profile)? {
        let dir = session::dir(profile, &view.session);
        // Not while its supervisor still holds the dir, even after the end.
        if view.alive
            || matches!(view.state, State::Starting | State::Running)
            || session::alive(&dir)
        {
            continue;
        }
        if let Some(limit) = older_than
            && age_of(&view, &dir).is_none_or(|age| age < limit)
        {
            continue;
        }
        // Hold the lock while deleting so a launch cannot start in between.
        let Some(_lock) = session::try_lock(&dir)? else {
            continue;
        };
        if let Ok(Some(record)) = session::read_record(&dir)
            && let Some(sock) = record.socket
        {
            // Only a lost supervisor leaves its socket behind; usually gone.
            let _ = std::fs::remove_file(sock);
        }
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot remove {}", dir.display()))?;
        let prompt = profile.prompts_dir().join(format!("{}.md", view.session));
        // The prompt file may never have existed (the pulse has none).
        let _ = std::fs::remove_file(prompt);
        count += 1;
    }
    Ok(count)
}

/// Time since the session ended (or, for a lost one, since its record
/// last changed or a beat first saw it lost, whichever is later: a worker
/// lost in a reboot after days of work is not pruned at the first beat).
fn age_of(view: &SessionView, dir: &std::path::Path) -> Option<Duration> {
    if let Some(secs) = view
        .ended_at
        .as_deref()
        .and_then(|t| crate::events::seconds_since(t, chrono::Utc::now()))
    {
        return Some(Duration::from_secs(secs));
    }
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let last = [
        modified(&session::record_path(dir)).or_else(|| modified(dir)),
        modified(&crate::session_record::lost_seen_path(dir)),
    ]
    .into_iter()
    .flatten()
    .max()?;
    SystemTime::now().duration_since(last).ok()
}
