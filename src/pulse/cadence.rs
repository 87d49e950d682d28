//! `looop run`: the pulse in the foreground (beat, sleep `interval` or the
//! move's one-shot `next_interval`, repeat; failures back off exponentially
//! up to an hour; SIGINT/SIGTERM, or its stdout's reader leaving, end it
//! cleanly with status 0), and
//! `looop run <goal>`: one immediate move focused on a goal.

use super::beat::{self, Mode, Outcome};
use crate::config::Config;
use crate::paths::Profile;
use crate::proc::signals;
use crate::{exit, ids};
use anyhow::Result;
use std::time::Duration;

/// The longest wait after repeated failures.
const MAX_BACKOFF_SECS: u64 = 3600;

/// What the foreground pulse reports as it goes, for the caller to show.
pub enum Cadence<'a> {
    /// The loop starts, beating every `interval` seconds.
    Started { interval: u64 },
    /// Another beat held the lock; this one was skipped.
    Busy,
    /// A beat failed; the loop backs off and goes on.
    Failed(&'a anyhow::Error),
    /// The next beat is this many seconds away.
    NextIn(u64),
    /// The config was edited into something broken; the old one stays.
    KeptConfig(&'a anyhow::Error),
    /// SIGINT/SIGTERM ended the loop.
    Stopped,
}

/// `looop run <goal>`: one immediate move focused on `goal`.
pub fn run_goal(profile: &Profile, config: &Config, goal: &str) -> Result<Outcome> {
    signals::install_stop();
    check_goal(profile, goal)?;
    let goal = goal.strip_suffix(".md").unwrap_or(goal);
    beat::beat(profile, config, Mode::Goal(goal))
}

/// `looop run`: beat, wait, repeat until SIGINT/SIGTERM; `report` hears
/// each step. The config is read again between beats; `every` (from
/// `--every`) overrides its `interval` for the whole run.
pub fn run_forever(
    profile: &Profile,
    config: Config,
    every: Option<u64>,
    report: &mut dyn FnMut(Cadence),
) {
    signals::install_stop();
    let with_every = |mut c: Config| {
        if let Some(secs) = every {
            c.interval_secs = secs;
        }
        c
    };
    let mut config = with_every(config);
    let mut failures: u32 = 0;
    report(Cadence::Started {
        interval: config.interval_secs,
    });
    while !signals::stop_requested() {
        let outcome = match beat::beat(profile, &config, Mode::Tick) {
            Ok(o) => o,
            Err(e) if is_busy(&e) => {
                report(Cadence::Busy);
                Outcome {
                    code: exit::BUSY,
                    next_interval: None,
                }
            }
            Err(e) => {
                report(Cadence::Failed(&e));
                Outcome {
                    code: exit::FAILED,
                    next_interval: None,
                }
            }
        };
        // A closed stdout ends the loop here, between beats, where SIGPIPE
        // would have ended it mid-beat (`looop run | head`).
        if signals::stop_requested() || crate::say::stdout_closed() {
            break;
        }
        let wait = if outcome.code == exit::FAILED {
            failures += 1;
            backoff(config.interval_secs, failures)
        } else {
            failures = 0;
            outcome.next_interval.unwrap_or(config.interval_secs)
        };
        report(Cadence::NextIn(wait));
        if signals::sleep_or_stop(Duration::from_secs(wait)) {
            break;
        }
        // Pick up config edits between beats; a broken edit keeps the old one.
        match Config::load(&profile.config) {
            Ok(c) => config = with_every(c),
            Err(e) => report(Cadence::KeptConfig(&e)),
        }
    }
    report(Cadence::Stopped);
}

fn is_busy(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<exit::Exit>()
            .is_some_and(|x| x.code == exit::BUSY)
    })
}

/// interval, 2×, 4×, … after consecutive failures, capped at an hour.
fn backoff(interval: u64, failures: u32) -> u64 {
    let factor = 1u64 << failures.saturating_sub(1).min(20);
    interval
        .saturating_mul(factor)
        .min(MAX_BACKOFF_SECS.max(interval))
}

/// A goal id from the command line: a path is bad usage (2), an unknown
/// goal is status 1 with the list of goals.
fn check_goal(profile: &Profile, goal: &str) -> Result<()> {
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

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(super::backoff(60, 1), 60);
        assert_eq!(super::backoff(60, 2), 120);
        assert_eq!(super::backoff(60, 3), 240);
        assert_eq!(super::backoff(60, 30), 3600);
    }
}
