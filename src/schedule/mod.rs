//! `looop schedule`: hand the beat to the system's scheduler.
//!
//! `looop tick` is built to be run by cron, launchd or systemd, but writing
//! those artifacts by hand is where setups go wrong: a relative binary path,
//! a missing `LOOOP_DATA_DIR` (so the job beats a different profile), or
//! cron's bare PATH (so the agent CLI "is not found"). This module makes a
//! ready artifact with everything spelled out, and for cron can install it.
//!
//! Layout: [`Job`] gathers what every artifact needs; `cron`, `launchd` and
//! `systemd` each render one format; `crontab` edits the user's crontab,
//! `user_units` installs the systemd units; `detect` finds what is
//! installed, for `status`.

mod cron;
mod crontab;
mod detect;
mod job;
mod launchd;
mod systemd;
mod user_units;

pub use crontab::{Edit, install, remove};
pub use detect::{Found, describe, find};
pub use job::Job;
pub use launchd::{label, plist};
pub use systemd::units;
pub use user_units::{install as install_units, remove as remove_units};

use crate::config::Config;
use crate::exit;
use crate::paths::Profile;
use anyhow::Result;

/// The longest interval any artifact gets: a loop that beats less than
/// weekly is not a loop, and larger values overflow launchd's and systemd's
/// time fields.
const MAX_EVERY_SECS: u64 = 7 * 86_400;

/// Which scheduler to write for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Cron,
    Launchd,
    Systemd,
}

impl Kind {
    pub fn parse(text: &str) -> Option<Kind> {
        match text {
            "cron" => Some(Kind::Cron),
            "launchd" => Some(Kind::Launchd),
            "systemd" => Some(Kind::Systemd),
            _ => None,
        }
    }
}

/// What to do with the artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Print,
    Install,
    Remove,
}

/// The seconds between beats: `every` if given, else the config's
/// `interval`, with where it came from (for messages). Out of range is
/// bad usage.
pub fn interval(config: &Config, every: Option<u64>) -> Result<(u64, &'static str)> {
    let (every_secs, source) = match every {
        Some(secs) => (secs, "--every"),
        None => (config.interval_secs, "config `interval`"),
    };
    if every_secs == 0 || every_secs > MAX_EVERY_SECS {
        return Err(exit::usage(format!(
            "schedule: the interval must be 1..={MAX_EVERY_SECS} seconds (a week), not {every_secs} (from {source})"
        )));
    }
    Ok((every_secs, source))
}

/// The crontab line for `job`, and a note when its interval was rounded.
/// `source` names where the interval came from, for the refusal.
pub fn cron_line(job: &Job, source: &str) -> Result<(String, Option<String>)> {
    let timing = cron::timing(job.every_secs).map_err(|why| {
        exit::usage(format!(
            "schedule cron: {why} (from {source} = {})",
            job.every_secs
        ))
    })?;
    Ok((cron::line(job, &timing), timing.note))
}

/// Notes for the two setups that print fine and then fail at night: a
/// binary inside a cargo build dir (gone after `cargo clean`, stale after
/// `cargo install`), and a data dir that does not exist yet (the
/// scheduler's redirection into `tick.log` fails before looop even starts).
pub fn pitfalls(profile: &Profile, job: &Job, action: Action) -> Vec<String> {
    let mut notes = Vec::new();
    if job.exe.contains("/target/debug/") || job.exe.contains("/target/release/") {
        notes.push(format!(
            "{} is a cargo build output; after `cargo install --path .` \
             run `looop schedule` again from the installed binary",
            job.exe
        ));
    }
    if action == Action::Print && !profile.data.is_dir() {
        notes.push(format!(
            "the data dir {} does not exist yet: run `looop init` first, \
             or the scheduler cannot open {}",
            job.data, job.log
        ));
    }
    notes
}
