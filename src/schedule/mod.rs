//! `looop schedule`: hand the beat to the system's scheduler.
//!
//! `looop tick` is built to be run by cron, launchd or systemd, but writing
//! those artifacts by hand is where setups go wrong: a relative binary path,
//! a missing `LOOOP_DATA_DIR` (so the job beats a different profile), or
//! cron's bare PATH (so the agent CLI "is not found"). This module prints a
//! ready artifact with everything spelled out, and for cron can install it.
//!
//! Layout: [`Job`] gathers what every artifact needs; `cron`, `launchd` and
//! `systemd` each render one format; `crontab` edits the user's crontab.

mod cron;
mod crontab;
mod launchd;
mod systemd;

use crate::cli::Args;
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
        })
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
enum Kind {
    Cron,
    Launchd,
    Systemd,
}

/// What to do with the artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Print,
    Install,
    Remove,
}

pub fn cmd_schedule(mut args: Args) -> Result<i32> {
    let every: Option<u64> = args.number("--every")?;
    let install = args.flag(&["--install"]);
    let remove = args.flag(&["--remove"]);
    let kind = match args.next().as_deref() {
        Some("cron") => Kind::Cron,
        Some("launchd") => Kind::Launchd,
        Some("systemd") => Kind::Systemd,
        Some(other) => {
            return Err(args.usage_error(&format!(
                "unknown scheduler {other:?}: choose cron, launchd or systemd"
            )));
        }
        None => return Err(args.usage_error("missing <cron|launchd|systemd>")),
    };
    args.finish()?;
    let action = match (install, remove) {
        (true, true) => {
            return Err(exit::usage(
                "schedule: --install and --remove exclude each other",
            ));
        }
        (true, false) => Action::Install,
        (false, true) => Action::Remove,
        (false, false) => Action::Print,
    };
    if action != Action::Print && kind != Kind::Cron {
        let flag = if action == Action::Install {
            "--install"
        } else {
            "--remove"
        };
        let hint = match kind {
            Kind::Launchd => {
                "save the printed plist under ~/Library/LaunchAgents/ and use `launchctl load -w` / `unload -w`"
            }
            _ => {
                "save the printed units under ~/.config/systemd/user/ and use `systemctl --user enable --now` / `disable --now` on the timer"
            }
        };
        return Err(exit::usage(format!(
            "schedule: {flag} works for cron only; for {}: {hint}",
            kind.name()
        )));
    }

    let profile = Profile::from_env()?;
    let config = Config::load(&profile.config)?;
    // Before anything is printed or installed: a job whose data dir is a
    // file would fail at every beat, long after this command said "done".
    profile.check_data_dir()?;
    let (every_secs, source) = match every {
        Some(secs) => (secs, "--every"),
        None => (config.interval_secs, "config `interval`"),
    };
    if every_secs == 0 || every_secs > MAX_EVERY_SECS {
        return Err(exit::usage(format!(
            "schedule: the interval must be 1..={MAX_EVERY_SECS} seconds (a week), not {every_secs} (from {source})"
        )));
    }

    let job = Job::for_profile(&profile, std::env::var("PATH").ok(), every_secs)?;
    if action == Action::Remove {
        // Removing needs no timing: it must work whatever the interval is.
        return crontab::remove(&profile, &job);
    }
    match kind {
        Kind::Cron => {
            let timing = cron::timing(every_secs).map_err(|why| {
                exit::usage(format!(
                    "schedule cron: {why} (from {source} = {every_secs})"
                ))
            })?;
            if let Some(note) = &timing.note {
                eprintln!("looop: note: {note}");
            }
            let line = cron::line(&job, &timing);
            warn_about_pitfalls(&profile, &job, action);
            if action == Action::Install {
                // The log goes into the data dir: it must exist before cron's
                // first `>>` redirection, or every beat fails silently.
                profile.ensure_layout()?;
                return crontab::install(&profile, &job, &line);
            }
            println!("{line}");
            eprintln!(
                "looop: add this line with `looop schedule cron --install` (or `crontab -e`); \
                 each beat appends to {}",
                job.log
            );
        }
        Kind::Launchd => {
            warn_about_pitfalls(&profile, &job, action);
            print!("{}", launchd::plist(&job));
            eprintln!(
                "looop: save it as ~/Library/LaunchAgents/{}.plist, then run: launchctl load -w ~/Library/LaunchAgents/{}.plist",
                launchd::label(&job),
                launchd::label(&job)
            );
        }
        Kind::Systemd => {
            warn_about_pitfalls(&profile, &job, action);
            print!("{}", systemd::units(&job));
        }
    }
    Ok(0)
}

/// Notes on stderr for the two setups that print fine and then fail at
/// night: a binary inside a cargo build dir (gone after `cargo clean`, stale
/// after `cargo install`), and a data dir that does not exist yet (the
/// scheduler's redirection into `tick.log` fails before looop even starts).
fn warn_about_pitfalls(profile: &Profile, job: &Job, action: Action) {
    if job.exe.contains("/target/debug/") || job.exe.contains("/target/release/") {
        eprintln!(
            "looop: note: {} is a cargo build output; after `cargo install --path .` \
             run `looop schedule` again from the installed binary",
            job.exe
        );
    }
    if action == Action::Print && !profile.data.is_dir() {
        eprintln!(
            "looop: note: the data dir {} does not exist yet: run `looop init` first, \
             or the scheduler cannot open {}",
            job.data, job.log
        );
    }
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Cron => "cron",
            Kind::Launchd => "launchd",
            Kind::Systemd => "systemd",
        }
    }
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
