//! The pulse: one beat = sense, diff, decide one move, act, journal — and
//! the commands around it (`tick`, `run`, `up`/`down`, `status`).
//!
//! [`beat`] strings the steps together; each step lives in its own module.

mod act;
pub mod beat;
mod cadence;
mod gitmem;
mod group;
mod housekeeping;
mod journal;
mod lock;
mod moves;
mod orphans;
mod prompt;
mod runner;
mod sensors;
mod signals;
mod state;
mod status;
mod surface;
mod tripwire;
mod updown;
mod world;

use crate::cli::Args;
use crate::config::Config;
use crate::paths::Profile;
use crate::{exit, ids};
use anyhow::Result;

pub use cadence::cmd_run;
pub use status::cmd_status;
pub use updown::{cmd_down, cmd_up};

/// `looop tick`: one beat for cron.
pub fn cmd_tick(args: Args) -> Result<i32> {
    args.finish()?;
    let (profile, config) = open_profile(true)?;
    signals::install();
    Ok(beat::beat(&profile, &config, beat::Mode::Tick)?.code)
}

/// Resolve the profile, say what is missing (a beat still runs without a
/// PLAYBOOK or goals dir), create the layout, load the config.
pub fn open_profile(say_missing: bool) -> Result<(Profile, Config)> {
    let profile = Profile::from_env()?;
    let config = Config::load(&profile.config)?;
    if say_missing && profile.data.is_dir() && !crate::store::is_locked(&profile.beat_lock()) {
        if !profile.playbook().exists() {
            println!(
                "note: no PLAYBOOK.md in {}; the AI decides without one",
                profile.data.display()
            );
        }
        if !profile.goals_dir().is_dir() {
            println!(
                "note: goals/ was missing in {}; created it empty",
                profile.data.display()
            );
        }
    }
    profile.ensure_layout()?;
    Ok((profile, config))
}

/// A goal id from the command line: a path is bad usage (2), an unknown
/// goal is status 1 with the list of goals.
pub fn check_goal(profile: &Profile, goal: &str) -> Result<()> {
    let bare = goal.strip_suffix(".md").unwrap_or(goal);
    ids::check("goal id", bare)?;
    if profile.goals_dir().join(format!("{bare}.md")).is_file() {
        return Ok(());
    }
    let goals: Vec<String> = beat::read_goals(profile)?.into_keys().collect();
    let list = if goals.is_empty() {
        "(none)".to_string()
    } else {
        goals.join(", ")
    };
    Err(exit::refused(format!(
        "no goal {bare:?} in {}; goals: {list}",
        profile.goals_dir().display()
    )))
}
