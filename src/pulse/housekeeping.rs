//! Step 1 of a beat (CONTRACT §4): read the sessions (a supervisor that died
//! reads `lost`), drop claims whose owner is gone (a lost worker that can
//! be resumed keeps them for `resume_grace`, see [`crate::resume`]), prune finished sessions
//! past the retention, and flag workers idle for `idle_flag_secs` (an agent
//! at its prompt; a worker whose activity cannot be told, silent that long).

use crate::claims;
use crate::config::Config;
use crate::paths::Profile;
use crate::supervisor::{self, SessionView, State};
use crate::text::visible::one_line;
use anyhow::Result;
use std::time::Duration;

/// Returns the sessions as they stand after housekeeping.
pub fn run(profile: &Profile, config: &Config) -> Result<Vec<SessionView>> {
    let mut sessions = supervisor::list(profile)?;
    let keep = crate::resume::claim_keepers(profile, config, &sessions, chrono::Utc::now());
    match claims::reap(profile, |c| {
        keep.contains(&crate::ids::session_name(&c.session))
    }) {
        Ok(reaped) => {
            for c in reaped {
                println!(
                    "claim {} dropped: {} is not alive",
                    one_line(&c.name),
                    one_line(&c.session)
                );
            }
        }
        Err(e) => eprintln!("looop: warning: cannot reap claims: {e:#}"),
    }
    let mut relist = false;
    let retention = Duration::from_secs(config.retention_hours.saturating_mul(3600));
    if sessions.iter().any(|s| {
        !s.alive && older_than(s.ended_at.as_deref().or(s.started_at.as_deref()), retention)
    }) {
        match crate::workers::prune(profile, Some(retention)) {
            Ok(pruned) => {
                relist |= pruned.sessions > 0;
                for (dir, why) in &pruned.worktrees.kept {
                    println!("kept worktree {}: {why}", dir.display());
                }
            }
            Err(e) => eprintln!("looop: warning: cannot prune old sessions: {e:#}"),
        }
    }
    if let Some(idle) = config.idle_flag_secs {
        let idle = Duration::from_secs(idle);
        for s in &sessions {
            let worker = s.session != crate::ids::PULSE_SESSION;
            let Some((since, what)) = idle_since(s) else {
                continue;
            };
            if worker
                && s.alive
                && s.state == State::Running
                && !s.flagged
                && older_than(since, idle)
            {
                let secs = silent_secs(since).unwrap_or(0);
                let note = if secs < 60 {
                    format!("{what} {secs}s — stuck?")
                } else {
                    format!("{what} {}m — stuck?", secs / 60)
                };
                match supervisor::set_flag(profile, &s.session, Some(note)) {
                    Ok(()) => relist = true,
                    Err(e) => eprintln!("looop: warning: cannot flag idle {}: {e:#}", s.id),
                }
            }
        }
    }
    if relist {
        sessions = supervisor::list(profile)?;
    }
    Ok(sessions)
}

/// Since when a worker counts as idle for the idle flag, and the word for
/// it: an agent read as `idle` at its prompt, since then; one whose
/// activity cannot be told (`unknown`, a plain command), since its last
/// output; a busy agent, one at a dialog or a usage limit is never idle,
/// however long it is silent (a thinking agent is not stuck).
fn idle_since(s: &SessionView) -> Option<(Option<&str>, &'static str)> {
    let silent = s.last_output_at.as_deref().or(s.started_at.as_deref());
    match s.activity.as_deref() {
        Some("idle") => Some((s.activity_since.as_deref().or(silent), "idle at its prompt")),
        None | Some("unknown") => Some((silent, "idle")),
        Some(_) => None,
    }
}

fn silent_secs(since: Option<&str>) -> Option<u64> {
    crate::events::seconds_since(since?, chrono::Utc::now())
}

fn older_than(since: Option<&str>, d: Duration) -> bool {
    silent_secs(since).is_some_and(|s| s >= d.as_secs())
}
