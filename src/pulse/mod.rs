//! The pulse: one beat = sense, diff, decide one move, act, journal — and
//! the commands around it (`tick`, `run`, `up`/`down`, `status`).
//!
//! [`beat`] strings the steps together; each step lives in its own module.

mod act;
pub mod beat;
mod cadence;
mod caps;
mod failure;
mod gitmem;
mod housekeeping;
mod journal;
mod limited_workers;
mod lock;
mod moves;
mod orphans;
mod pausing;
mod prompt;
mod runner;
mod runs;
mod sensors;
mod state;
mod status;
mod surface;
mod tmux;
mod tripwire;
mod updown;
mod world;

use crate::config::Config;
use crate::paths::Profile;
use anyhow::Result;

pub use cadence::{Cadence, run_forever, run_goal};
pub use status::{Status, status};
pub use updown::{Up, stop, stop_workers, up};

/// One beat for cron (`looop tick`): SIGINT/SIGTERM end it cleanly.
pub fn tick(profile: &Profile, config: &Config) -> Result<beat::Outcome> {
    crate::proc::signals::install_stop();
    beat::beat(profile, config, beat::Mode::Tick)
}

/// What a beat will run without, said before the layout is made: a beat
/// still runs without a PLAYBOOK or a goals dir. Nothing while another beat
/// holds the lock (its own notes were said) or before the data dir exists.
pub fn missing_notes(profile: &Profile) -> Vec<String> {
    let mut notes = Vec::new();
    if !profile.data.is_dir() || lock::held(profile) {
        return notes;
    }
    if !profile.playbook().exists() {
        notes.push(format!(
            "no PLAYBOOK.md in {}; the AI decides without one",
            profile.data.display()
        ));
    }
    if !profile.goals_dir().is_dir() {
        notes.push(format!(
            "goals/ was missing in {}; created it empty",
            profile.data.display()
        ));
    }
    notes
}
