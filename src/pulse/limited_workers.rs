//! Workers stopped at their usage limit (CONTRACT §11): a live worker whose
//! activity reads `usage_limited` pauses its runner (the reset time read
//! from the limit message on its screen), and is noted in that pause; when
//! the pause lifts, each such worker is continued — its agent's continue
//! input typed into its terminal, or, if it ended meanwhile, resumed.

use crate::agents::Agent;
use crate::agents::reset_time::LimitHit;
use crate::config::Config;
use crate::ids::WorkerId;
use crate::paths::Profile;
use crate::pause::{self, Pause, Reason};
use crate::supervisor::{self, SessionView};
use anyhow::Result;
use std::collections::BTreeSet;

/// The activity a limit stop reads as.
const USAGE_LIMITED: &str = "usage_limited";

/// The limit message the worker's screen showed (`activity.json`'s
/// `detail`), when there is one.
fn limit_message(profile: &Profile, session: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Activity {
        detail: Option<String>,
    }
    let path = profile.session_dir(session).join("activity.json");
    let read: Option<Activity> = crate::store::read_json(&path).ok().flatten();
    read?.detail
}

fn agent_of(s: &SessionView) -> Agent {
    match s.agent.as_deref().and_then(Agent::from_name) {
        Some(agent) => agent,
        None => Agent::of_runner(&s.runner),
    }
}

/// Pause the runner of every live `usage_limited` worker not in `skip`
/// (those just continued), noting the worker in the pause.
pub fn pause_runners(
    profile: &Profile,
    config: &Config,
    sessions: &[SessionView],
    skip: &BTreeSet<String>,
) -> Result<()> {
    let limited = sessions.iter().filter(|s| {
        s.alive && s.activity.as_deref() == Some(USAGE_LIMITED) && !skip.contains(&s.id)
    });
    for s in limited {
        let message = limit_message(profile, &s.session)
            .unwrap_or_else(|| format!("worker {} shows a usage limit", s.id));
        let hit = agent_of(s)
            .usage_limit(&message, chrono::Utc::now())
            .unwrap_or(LimitHit {
                message,
                until: None,
            });
        let recorded = pause::record_limit(profile, config, &s.runner, &hit)?;
        if recorded.new {
            println!("usage limit (worker {}): {}", s.id, hit.message);
        }
        pause::add_workers(
            profile,
            &s.runner,
            Reason::UsageLimit,
            std::slice::from_ref(&s.id),
        )?;
    }
    Ok(())
}

/// After a lift: continue every worker a usage-limit pause noted, and every
/// live `usage_limited` worker of its runner. Returns the ids continued.
pub fn continue_after(
    profile: &Profile,
    config: &Config,
    lifted: &[Pause],
    sessions: &[SessionView],
) -> BTreeSet<String> {
    let mut done = BTreeSet::new();
    for p in lifted.iter().filter(|p| p.reason == Reason::UsageLimit) {
        let of_runner = sessions
            .iter()
            .filter(|s| s.runner == p.runner && s.activity.as_deref() == Some(USAGE_LIMITED));
        let ids: BTreeSet<String> = p
            .workers
            .iter()
            .cloned()
            .chain(of_runner.map(|s| s.id.clone()))
            .collect();
        for id in ids {
            let Some(s) = sessions.iter().find(|s| s.id == id) else {
                continue;
            };
            match continue_one(profile, config, s) {
                Ok(how) => {
                    println!("continued {id} ({how})");
                    done.insert(id);
                }
                Err(e) => eprintln!("looop: warning: cannot continue {id}: {e:#}"),
            }
        }
    }
    done
}

/// Type the agent's continue input into a live worker; resume one that
/// ended meanwhile on its own agent session.
fn continue_one(profile: &Profile, config: &Config, s: &SessionView) -> Result<&'static str> {
    let id = WorkerId::parse(&s.id)?;
    if s.alive {
        let input = agent_of(s).continue_input().unwrap_or("continue");
        supervisor::verbs::send(profile, &id, input, true)?;
        return Ok("typed continue");
    }
    // Its own pause has lifted; another one (the daily budget) still
    // refuses it, and it stays resumable for later.
    crate::resume::resume(profile, config, &id, false)?;
    Ok("resumed")
}
