//! `looop resume`: a finished or lost worker relaunched under the same id
//! on its own agent session (CONTRACT §11 "Resume"), with its runner's
//! `resume` command. Its claims are left as they are: a lost worker's
//! leases are still its own when it comes back.

use crate::config::{self, Config};
use crate::ids::WorkerId;
use crate::paths::Profile;
use crate::supervisor::{self, SessionView, State};
use crate::{exit, store};
use anyhow::Result;

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

/// Whether the runner's resume command finds the agent session by its file
/// (`{{session_file}}`, pi) rather than by id.
fn uses_session_file(runner: &config::Runner) -> bool {
    runner
        .resume
        .as_deref()
        .is_some_and(|r| r.contains(config::SESSION_FILE) && !r.contains(config::SESSION_ID))
}

/// Relaunch worker `id` on its agent session. Unknown id, a live worker, or
/// one that cannot be resumed: status 1 saying why.
pub fn resume(profile: &Profile, config: &Config, id: &WorkerId) -> Result<SessionView> {
    let session = id.session();
    let Some(view) = supervisor::get(profile, &session)? else {
        return Err(exit::refused(format!("no session {session}")));
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
    supervisor::launch(profile, config, &spec)
}
