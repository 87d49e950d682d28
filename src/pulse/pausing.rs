//! The beat's side of pauses (CONTRACT §11): lift the pauses whose time is
//! up, turn today's spent budget into `budget` pauses, skip the AI call of
//! a paused runner, and pause the runner whose tick call hit its usage
//! limit. The pauses themselves live in [`crate::pause`].

use crate::agents::reset_time::LimitHit;
use crate::config::Config;
use crate::paths::Profile;
use crate::pause::{self, Pause};
use anyhow::Result;
use chrono::Utc;

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
/// they are new (the beat then says it under NEEDS YOU, once).
pub fn budget(profile: &Profile, config: &Config, note: &str) -> Result<bool> {
    let message = format!(
        "{note}. To go on today, raise daily_budget_usd in {} above today's spend",
        profile.config.display()
    );
    Ok(!pause::record_budget(profile, config, &message)?.is_empty())
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
