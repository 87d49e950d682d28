//! `looop run`: the pulse in the foreground (beat, sleep `interval` or the
//! move's one-shot `next_interval`, repeat; failures back off exponentially
//! up to an hour; SIGINT/SIGTERM end it cleanly with status 0), and
//! `looop run <goal>`: one immediate move focused on a goal.

use super::beat::{self, Mode, Outcome};
use super::signals;
use crate::cli::Args;
use crate::config::Config;
use crate::exit;
use anyhow::Result;
use std::time::Duration;

/// The longest wait after repeated failures.
const MAX_BACKOFF_SECS: u64 = 3600;

pub fn cmd_run(mut args: Args) -> Result<i32> {
    let goal = args.next();
    args.finish()?;
    if let Some(g) = &goal {
        crate::ids::check("goal id", g.strip_suffix(".md").unwrap_or(g))?;
    }
    let (profile, config) = super::open_profile(true)?;
    signals::install();
    if let Some(goal) = goal {
        super::check_goal(&profile, &goal)?;
        let goal = goal.strip_suffix(".md").unwrap_or(&goal).to_string();
        return Ok(beat::beat(&profile, &config, Mode::Goal(&goal))?.code);
    }
    let mut config = config;
    let mut failures: u32 = 0;
    println!(
        "pulse running for {} (every {}s; Ctrl-C stops)",
        profile.data.display(),
        config.interval_secs
    );
    while !signals::stop_requested() {
        let outcome = match beat::beat(&profile, &config, Mode::Tick) {
            Ok(o) => o,
            Err(e) if is_busy(&e) => {
                println!("another beat is running; waiting for the next one");
                Outcome {
                    code: exit::BUSY,
                    next_interval: None,
                }
            }
            Err(e) => {
                eprintln!("looop: {e:#}");
                Outcome {
                    code: exit::FAILED,
                    next_interval: None,
                }
            }
        };
        if signals::stop_requested() {
            break;
        }
        let wait = if outcome.code == exit::FAILED {
            failures += 1;
            backoff(config.interval_secs, failures)
        } else {
            failures = 0;
            outcome.next_interval.unwrap_or(config.interval_secs)
        };
        println!("next beat in {wait}s");
        if signals::sleep_or_stop(Duration::from_secs(wait)) {
            break;
        }
        // Pick up config edits between beats; a broken edit keeps the old one.
        match Config::load(&profile.config) {
            Ok(c) => config = c,
            Err(e) => eprintln!("looop: {e:#}; keeping the previous config"),
        }
    }
    println!("pulse stopped");
    Ok(0)
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
