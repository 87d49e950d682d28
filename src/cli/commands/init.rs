//! `looop init [--runner NAME]`: the config file and the data dir, each only
//! if absent, then what to do next.

use crate::cli::args::Args;
use crate::paths::Profile;
use crate::setup;
use anyhow::Result;

pub fn run(mut args: Args) -> Result<i32> {
    let asked = args.value("--runner")?;
    args.finish()?;
    let runner = asked.as_deref().unwrap_or(setup::DEFAULT_RUNNER);
    setup::check_runner(runner)?;
    let profile = Profile::look()?;
    let created = setup::init(&profile, runner, asked.is_some())?;

    let mark = |new: bool| if new { "created" } else { "exists, left as is" };
    println!(
        "config:   {} ({})",
        profile.config.display(),
        mark(created.config)
    );
    println!(
        "data dir: {} ({})",
        profile.data.display(),
        mark(created.data)
    );
    if created.tightened {
        println!("          made private (0700): others could read it");
    }
    let config = crate::config::Config::load(&profile.config)?;
    if let Some(program) = setup::missing_program(&config, &config.runner) {
        eprintln!(
            "looop: warning: runner {:?} starts `{program}`, which is not on your PATH; \
             install it (or pick another runner) before the first beat, or beats fail with exit 127",
            config.runner
        );
    }
    println!();
    println!("Next:");
    println!("  1. looop demo                 # watch one loop run offline, no AI needed");
    println!(
        "  2. $EDITOR {}   # your priorities and guardrails",
        profile.playbook().display()
    );
    println!(
        "  3. looop schedule cron --install   # a beat every {} s (the config's `interval`)",
        config.interval_secs
    );
    Ok(0)
}
