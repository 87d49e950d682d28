//! `looop resume`: a finished or lost worker relaunched under the same id
//! on its own agent session (CONTRACT §11 "Resume"), with its runner's
//! `resume` command. Its claims are left as they are: a lost worker's
//! leases are still its own when it comes back.
//!
//! Reboot (CONTRACT §11): a lost worker that can be resumed keeps its
//! claims for `resume_grace` after looop first saw it lost (the beat's
//! reaping and other claimers wait), so `looop resume --all-lost` or a
//! `resume_worker` move brings it back with its leases. Past the grace,
//! or when it cannot be resumed, its claims go like any dead owner's.

use crate::config::{self, Config};
use crate::ids::WorkerId;
use crate::paths::Profile;
use crate::supervisor::{self, SessionView, State};
use crate::{exit, store};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// Why `view` cannot be resumed under `config`, `None` when it can.
pub fn why_not(config: &Config, view: &SessionView) -> Option<String> {
    if view.alive || !matches!(view.state, State::Exited | State::Killed | State::Lost) {
        return Some(format!(
            "session {} is {}",
            view.session,
            view.state.as_str()
        ));
    }
    let Ok(runner) = config.runner(&view.runner) else {
        return Some(format!("its runner {:?} is not configured", view.runner));
    };
    if runner.resume.is_none() {
        return Some(format!("runner {} has no resume command", view.runner));
    }
    if view.agent_session.is_none() && !uses_session_file(runner) {
        return Some("its agent session id is not known".to_string());
    }
    None
}

/// Marks each view `resumable` as `looop resume` would decide under
/// `config`: the runner's configured `resume` key counts, not only its
/// agent's preset (a custom runner with its own `resume` is resumable).
pub fn mark(config: &Config, views: &mut [SessionView]) {
    for v in views.iter_mut() {
        v.resumable = v.session != crate::ids::PULSE_SESSION && why_not(config, v).is_none();
    }
}

/// Whether the runner's resume command finds the agent session by its file
/// (`{{session_file}}`, pi) rather than by id.
fn uses_session_file(runner: &config::Runner) -> bool {
    runner
        .resume
        .as_deref()
        .is_some_and(|r| r.contains(config::SESSION_FILE) && !r.contains(config::SESSION_ID))
}

/// Relaunch worker `id` on its agent session. Unknown id, a live worker,
/// one that cannot be resumed, `max_workers` live workers, or (unless
/// `force`) its runner paused or the daily budget reached, as
/// `start-session` refuses them: status 1 saying why.
pub fn resume(
    profile: &Profile,
    config: &Config,
    id: &WorkerId,
    force: bool,
) -> Result<SessionView> {
    let session = id.session();
    if id.is_pulse() {
        return Err(exit::refused(
            "the pulse is not a worker: it is not resumed",
        ));
    }
    let Some(view) = supervisor::get(profile, &session)? else {
        return Err(exit::refused(format!(
            "no worker {id} (no session {session})"
        )));
    };
    if let Some(why) = why_not(config, &view) {
        return Err(exit::refused(format!("cannot resume {session}: {why}")));
    }
    let runner = config.runner(&view.runner)?;
    let cwd = view.cwd.clone().unwrap_or_else(|| profile.data.clone());
    let spec = crate::worker_launch::spec(
        profile,
        crate::worker_launch::Launch {
            session: &session,
            runner_name: &view.runner,
            runner,
            template: runner.resume.as_deref().unwrap_or_default(),
            prompt_file: None,
            agent_session: view.agent_session.clone(),
            cwd: &cwd,
            goal: view.goal.clone(),
        },
    )?;
    store::ensure_dir(&profile.sessions_dir(), 0o700)?;
    let _guard = store::Lock::acquire(&profile.sessions_dir().join(".start.lock"))?;
    crate::workers::refuse_unless_room(
        profile,
        config,
        &session,
        &view.runner,
        force,
        crate::workers::Verb::Resume,
    )?;
    note_first_start(profile, &view)?;
    supervisor::launch(profile, config, &spec)
}

/// Keep when the worker first started before its relaunch gives its
/// record a new `started_at` (once: a later resume keeps the first note).
fn note_first_start(profile: &Profile, view: &SessionView) -> Result<()> {
    let path = crate::session_record::first_started_path(&profile.session_dir(&view.session));
    let Some(started) = view.started_at.as_deref() else {
        return Ok(());
    };
    if path.exists() {
        return Ok(());
    }
    store::write_atomic(&path, format!("{started}\n").as_bytes())
        .with_context(|| format!("cannot note when {} first started", view.session))
}

/// When the worker of `session` first started: the note its first resume
/// left, `None` when it was never resumed (its record's `started_at` is
/// then its first start).
pub fn first_started(profile: &Profile, session: &str) -> Option<String> {
    let path = crate::session_record::first_started_path(&profile.session_dir(session));
    let text = std::fs::read_to_string(path).ok()?;
    let at = text.trim();
    DateTime::parse_from_rfc3339(at).ok()?;
    Some(at.to_string())
}

/// What `resume --all-lost` did with one lost worker.
#[derive(Debug)]
pub struct Outcome {
    pub session: String,
    /// Resumed, or why not.
    pub result: std::result::Result<SessionView, String>,
}

/// Resume every lost worker (after a reboot, a killed supervisor): each
/// resumable one on its agent session; the others are named with why
/// (`force` as for [`resume`]).
pub fn all_lost(profile: &Profile, config: &Config, force: bool) -> Result<Vec<Outcome>> {
    let lost = supervisor::list(profile)?
        .into_iter()
        .filter(|v| v.state == State::Lost && v.session != crate::ids::PULSE_SESSION);
    let mut done = Vec::new();
    for view in lost {
        let result = WorkerId::parse(&view.id)
            .and_then(|id| resume(profile, config, &id, force))
            .map_err(|e| format!("{e:#}"));
        done.push(Outcome {
            session: view.session,
            result,
        });
    }
    Ok(done)
}

/// Whether lost `view` still keeps its claims at `now`: it can be resumed
/// and was first seen lost less than `resume_grace` ago (the first sight
/// is noted in its session dir now).
pub fn keeps_claims(
    profile: &Profile,
    config: &Config,
    view: &SessionView,
    now: DateTime<Utc>,
) -> Result<bool> {
    if view.state != State::Lost
        || view.session == crate::ids::PULSE_SESSION
        || why_not(config, view).is_some()
    {
        return Ok(false);
    }
    let grace =
        chrono::Duration::seconds(i64::try_from(config.resume_grace_secs).unwrap_or(i64::MAX));
    Ok(now - lost_since(profile, &view.session, now)? < grace)
}

/// The sessions among `sessions` that keep their claims at `now` (see
/// [`keeps_claims`]); one that cannot be told is warned about and not kept.
pub fn claim_keepers(
    profile: &Profile,
    config: &Config,
    sessions: &[SessionView],
    now: DateTime<Utc>,
) -> BTreeSet<String> {
    let mut keep = BTreeSet::new();
    for s in sessions.iter().filter(|s| s.state == State::Lost) {
        match keeps_claims(profile, config, s, now) {
            Ok(true) => {
                keep.insert(s.session.clone());
            }
            Ok(false) => {}
            Err(e) => eprintln!("looop: warning: {e:#}"),
        }
    }
    keep
}

/// When looop first saw `session` lost: the note in its session dir, or
/// `now`, noted (a relaunch clears it).
fn lost_since(profile: &Profile, session: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let path = crate::session_record::lost_seen_path(&profile.session_dir(session));
    if let Ok(text) = std::fs::read_to_string(&path)
        && let Ok(at) = DateTime::parse_from_rfc3339(text.trim())
    {
        return Ok(at.with_timezone(&Utc));
    }
    store::write_atomic(&path, format!("{}\n", now.to_rfc3339()).as_bytes())
        .with_context(|| format!("cannot note when {session} was lost"))?;
    Ok(now)
}
