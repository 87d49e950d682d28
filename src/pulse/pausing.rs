//! The beat's side of pauses (CONTRACT §11): lift the pauses whose time is
//! up, turn today's spent budget into `budget` pauses, skip the AI call of
//! a paused runner, and pause the runner whose tick call hit its usage
//! limit; with `budget_action = "pause_workers"`, stop live workers while
//! the budget pause lasts and continue them when it lifts. The pauses
//! themselves live in [`crate::pause`].

use crate::agents::reset_time::LimitHit;
use crate::config::Config;
use crate::paths::Profile;
use crate::pause::{self, Pause, Reason};
use crate::supervisor::SessionView;
use anyhow::Result;
use chrono::Utc;
use nix::sys::signal::Signal;

/// Lift what is due (and the budget pauses when the budget is no longer
/// reached), saying so. Returns the lifted pauses.
pub fn lift(profile: &Profile, budget_reached: bool) -> Result<Vec<Pause>> {
    let lifted = pause::lift(profile, Utc::now(), budget_reached)?;
    for p in &lifted {
        println!("resumed: {} ({} over)", p.runner, p.reason.words());
    }
    Ok(lifted)
}

/// The budget is reached: a `budget` pause for every runner. `true` when
/// they are new (the beat then says it under NEEDS YOU, once). With
/// `budget_action = "pause_workers"` the live workers are stopped too.
pub fn budget(
    profile: &Profile,
    config: &Config,
    note: &str,
    sessions: &[SessionView],
) -> Result<bool> {
    let message = format!(
        "{note}. To go on today, raise daily_budget_usd in {} above today's spend",
        profile.config.display()
    );
    let new = !pause::record_budget(profile, config, &message)?.is_empty();
    if config.budget_pauses_workers {
        stop_workers(profile, sessions)?;
    }
    Ok(new)
}

/// SIGSTOP each live worker's process group and note it in its runner's
/// budget pause, so the lift continues it. A worker started with
/// `--force` during the pause is stopped by the next beat.
fn stop_workers(profile: &Profile, sessions: &[SessionView]) -> Result<()> {
    let live = sessions
        .iter()
        .filter(|s| s.alive && s.session != crate::ids::PULSE_SESSION);
    let mut by_runner: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for s in live {
        let Some(pid) = s.pid else { continue };
        crate::proc::group::signal(pid, Signal::SIGSTOP);
        by_runner.entry(&s.runner).or_default().push(s.id.clone());
    }
    for (runner, ids) in by_runner {
        let added = pause::add_workers(profile, runner, Reason::Budget, &ids)?;
        if !added.is_empty() {
            println!("stopped (budget): {}", added.join(", "));
        }
    }
    Ok(())
}

/// After a lift: continue (SIGCONT) the workers a budget pause stopped.
pub fn wake(lifted: &[Pause], sessions: &[SessionView]) {
    for p in lifted.iter().filter(|p| p.reason == Reason::Budget) {
        for id in &p.workers {
            let live = sessions.iter().find(|s| &s.id == id && s.alive);
            if let Some(pid) = live.and_then(|s| s.pid) {
                crate::proc::group::signal(pid, Signal::SIGCONT);
                println!("continued (budget): {id}");
            }
        }
    }
}

/// The pause in force for `runner`, if any.
pub fn of(profile: &Profile, runner: &str) -> Result<Option<Pause>> {
    pause::of_runner(profile, runner, Utc::now())
}

/// The tick call hit `runner`'s usage limit: record the pause and return
/// the line the beat prints (`paused until 15:00 (claude usage limit)`).
pub fn limited(profile: &Profile, config: &Config, runner: &str, hit: &LimitHit) -> Result<String> {
    let recorded = pause::record_limit(profile, config, runner, hit)?;
    println!("usage limit: {}", hit.message);
    if let Some(note) = &recorded.note {
        println!("note: {note}");
    }
    Ok(recorded.pause.describe())
}

/// NEEDS YOU lines for pauses not said yet (each is said once).
pub fn unsaid_lines(profile: &Profile) -> Vec<String> {
    match pause::unsaid(profile, Utc::now()) {
        Ok(pauses) => pauses
            .iter()
            .filter(|p| p.reason == pause::Reason::UsageLimit)
            .map(|p| format!("⏸ {}: {}", p.describe(), p.message))
            .collect(),
        Err(e) => {
            eprintln!("looop: warning: cannot read the pauses: {e:#}");
            Vec::new()
        }
    }
}
