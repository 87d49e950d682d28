//! `looop up` / `looop down`: the pulse as a detached supervised session
//! (`looop-pulse`, running `looop run`), so it survives the terminal.

use crate::config::Config;
use crate::ids::PULSE_SESSION;
use crate::paths::{self, Profile};
use crate::supervisor::{self, LaunchSpec};
use anyhow::Result;
use std::time::Duration;

const GRACE: Duration = Duration::from_secs(5);

/// What `up` found or did, with the pulse's pid when known.
pub enum Up {
    AlreadyUp(Option<u32>),
    Started(Option<u32>),
}

/// Start the pulse session unless it is alive already.
pub fn up(profile: &Profile, config: &Config) -> Result<Up> {
    if let Some(s) = supervisor::get(profile, PULSE_SESSION)?
        && s.alive
    {
        return Ok(Up::AlreadyUp(s.pid));
    }
    let exe = paths::current_exe()?;
    let mut env = paths::child_env(profile)?;
    env.push(("LOOOP_SESSION_ID".to_string(), PULSE_SESSION.into()));
    let spec = LaunchSpec {
        agent: None,
        agent_session: None,
        session: PULSE_SESSION.to_string(),
        command: format!("exec {} run", crate::shell::quote(&exe.to_string_lossy())),
        cwd: profile.data.clone(),
        runner: String::new(),
        env,
        unset: &[],
        goal: None,
        size: Some((120, 40)),
    };
    let view = supervisor::launch(profile, config, &spec)?;
    Ok(Up::Started(view.pid))
}

/// Stop the pulse session; whether it was up.
pub fn stop(profile: &Profile) -> Result<bool> {
    match supervisor::get(profile, PULSE_SESSION)? {
        Some(s) if s.alive => {
            supervisor::kill(profile, PULSE_SESSION, GRACE)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Kill every live worker (`down --all`): each worker's id and how its
/// kill went.
pub fn stop_workers(profile: &Profile) -> Result<Vec<(String, Result<()>)>> {
    let live = supervisor::list(profile)?
        .into_iter()
        .filter(|s| s.alive && s.session != PULSE_SESSION);
    Ok(live
        .map(|s| {
            let killed = supervisor::kill(profile, &s.session, GRACE).map(|_| ());
            (s.id, killed)
        })
        .collect())
}
