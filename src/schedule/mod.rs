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
mod launchd;
mod systemd;
mod user_units;

pub use crontab::{Edit, install, remove};
pub use detect::{Found, describe, find};
pub use launchd::{label, plist};
pub use systemd::units;
pub use user_units::{install as install_units, remove as remove_units};

use crate::config::Config;
use crate::exit;
use crate::paths::{self, Profile};
use anyhow::Result;
use std::path::Path;

/// The longest interval any artifact gets: a loop that beats less than
/// weekly is not a loop, and larger values overflow launchd's and systemd's
/// time fields.
const MAX_EVERY_SECS: u64 = 7 * 86_400;

/// Used when the shell that ran `schedule` had no PATH at all.
const FALLBACK_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Everything a scheduled beat needs, as text ready to be quoted into an
/// artifact. Paths are absolute and free of newlines (checked in
/// [`Job::for_profile`]), since no artifact format can carry those safely.
#[derive(Debug, Clone)]
pub struct Job {
    /// Absolute path of this looop binary.
    pub exe: String,
    pub data: String,
    pub config: String,
    /// The PATH of the shell that ran `schedule`.
    pub path: String,
    /// `<data>/tick.log`: each beat's output is appended here.
    pub log: String,
    /// The profile key, naming the artifact (crontab marker, unit, label).
    pub key: String,
    /// Seconds between beats.
    pub every_secs: u64,
    /// What a beat needs to reach the human's tmux server, as (name, value):
    /// `TMUX_TMPDIR` when set, and `LOOOP_TMUX_SOCKET` (the socket of
    /// `$TMUX`, or `LOOOP_TMUX_SOCKET` itself) when inside tmux.
    pub tmux: Vec<(String, String)>,
}

impl Job {
    pub fn for_profile(
        profile: &Profile,
        path_var: Option<String>,
        every_secs: u64,
    ) -> Result<Job> {
        let exe = paths::current_exe()?;
        let log = profile.data.join("tick.log");
        Ok(Job {
            exe: text("the looop binary path", &exe)?,
            data: text("the data dir", &profile.data)?,
            config: text("the config path", &profile.config)?,
            path: clean_path_var(path_var)?,
            log: text("the tick log path", &log)?,
            key: profile.key(),
            every_secs,
            tmux: Vec::new(),
        })
    }

    /// The tmux variables from the environment of `schedule` (see
    /// [`Job::tmux`]); values that no artifact can carry are left out.
    pub fn with_tmux(mut self, var: impl Fn(&str) -> Option<String>) -> Job {
        let usable =
            |v: Option<String>| v.filter(|v| !v.is_empty() && !v.chars().any(char::is_control));
        if let Some(dir) = usable(var("TMUX_TMPDIR")) {
            self.tmux.push(("TMUX_TMPDIR".into(), dir));
        }
        let socket = usable(var("LOOOP_TMUX_SOCKET"))
            .or_else(|| usable(var("TMUX")).and_then(|t| t.split(',').next().map(str::to_string)));
        if let Some(socket) = usable(socket) {
            self.tmux.push(("LOOOP_TMUX_SOCKET".into(), socket));
        }
        self
    }
}

/// A path as artifact text: UTF-8 without control characters, or a refusal
/// naming which path is the problem.
fn text(what: &str, path: &Path) -> Result<String> {
    let Some(s) = path.to_str() else {
        return Err(exit::refused(format!(
            "{what} {} is not valid UTF-8; a schedule artifact cannot carry it",
            path.display()
        )));
    };
    if s.chars().any(char::is_control) {
        return Err(exit::refused(format!(
            "{what} {s:?} contains a control character (newline?); a schedule artifact cannot carry it"
        )));
    }
    Ok(s.to_string())
}

fn clean_path_var(path_var: Option<String>) -> Result<String> {
    match path_var.filter(|p| !p.is_empty()) {
        None => Ok(FALLBACK_PATH.to_string()),
        Some(p) if p.chars().any(char::is_control) => Err(exit::refused(
            "PATH contains a control character; a schedule artifact cannot carry it",
        )),
        Some(p) => Ok(p),
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused() {
        assert!(text("x", Path::new("/a\nb")).is_err());
        assert!(text("x", Path::new("/a b")).is_ok());
        assert!(clean_path_var(Some("/bin\n".into())).is_err());
        assert_eq!(clean_path_var(None).unwrap(), FALLBACK_PATH);
        assert_eq!(clean_path_var(Some(String::new())).unwrap(), FALLBACK_PATH);
    }
}
