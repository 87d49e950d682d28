//! `looop tick`, `run [GOAL]`, `up`, `down [--all]`: the pulse's commands.

use crate::cli::args::Args;
use crate::cli::open;
use crate::exit;
use crate::ids::{self, PULSE_SESSION};
use crate::paths::Profile;
use crate::pulse::{self, Cadence, Up};
use anyhow::Result;

/// `looop tick`: one beat, for cron.
pub fn tick(args: Args) -> Result<i32> {
    args.finish()?;
    stamp_log();
    let (profile, config) = open::for_beat()?;
    Ok(pulse::tick(&profile, &config)?.code)
}

/// When stdout is a file (cron's, systemd's and launchd's `tick.log`),
/// each beat's output starts with a line saying when it ran.
fn stamp_log() {
    use std::os::fd::AsFd;
    let is_file = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(|f| f.metadata())
        .is_ok_and(|m| m.is_file());
    if is_file {
        println!(
            "--- {} looop tick ---",
            chrono::Local::now().format("%Y-%m-%d %H:%M:%S %Z")
        );
    }
}

/// `looop run [GOAL] [--every DURATION]`: the pulse in the foreground, or
/// one move on GOAL.
pub fn run(mut args: Args) -> Result<i32> {
    let every = args.duration("--every")?;
    let goal = args.next();
    args.finish()?;
    if every == Some(0) {
        return Err(exit::usage("run: --every must be at least 1 second"));
    }
    if every.is_some() && goal.is_some() {
        return Err(exit::usage(
            "run: --every is for the pulse; `run GOAL` is one move",
        ));
    }
    if let Some(g) = &goal {
        ids::check("goal id", g.strip_suffix(".md").unwrap_or(g))?;
    }
    let (profile, config) = open::for_beat()?;
    if let Some(goal) = goal {
        return Ok(pulse::run_goal(&profile, &config, &goal)?.code);
    }
    pulse::run_forever(&profile, config, every, &mut |step| say(&profile, step));
    Ok(0)
}

/// One line for each step of the foreground pulse.
fn say(profile: &Profile, step: Cadence) {
    match step {
        Cadence::Started { interval } => println!(
            "pulse running for {} (every {interval}s; Ctrl-C stops)",
            profile.data.display()
        ),
        Cadence::Busy => println!("another beat is running; waiting for the next one"),
        Cadence::Failed(e) => eprintln!("looop: {e:#}"),
        Cadence::NextIn(secs) => println!("next beat in {secs}s"),
        Cadence::KeptConfig(e) => eprintln!("looop: {e:#}; keeping the previous config"),
        Cadence::Stopped => println!("pulse stopped"),
    }
}

/// `looop up`: the pulse as a detached supervised session.
pub fn up(args: Args) -> Result<i32> {
    args.finish()?;
    let (profile, config) = open::existing()?;
    let pid = |p: Option<u32>| p.map(|p| p.to_string()).unwrap_or("?".into());
    match pulse::up(&profile, &config)? {
        Up::AlreadyUp(p) => {
            println!("the pulse is already up ({PULSE_SESSION}, pid {})", pid(p));
        }
        Up::Started(p) => println!(
            "the pulse is up ({PULSE_SESSION}, pid {}); `looop log pulse --follow` shows it, `looop down` stops it",
            pid(p)
        ),
    }
    Ok(0)
}

/// `looop down [--all]`: stop the pulse, and with --all every worker.
pub fn down(mut args: Args) -> Result<i32> {
    let all = args.flag(&["--all"]);
    args.finish()?;
    // The config is still checked (status 2).
    let (profile, _config) = open::look()?;
    if pulse::stop(&profile)? {
        println!("the pulse is down");
    } else {
        println!("the pulse was not up");
    }
    if !all {
        return Ok(0);
    }
    let mut killed = 0;
    let mut failed = false;
    for (id, result) in pulse::stop_workers(&profile)? {
        match result {
            Ok(()) => killed += 1,
            Err(e) => {
                eprintln!("looop: cannot kill {id}: {e:#}");
                failed = true;
            }
        }
    }
    println!("killed {killed} worker(s)");
    if failed {
        return Err(exit::quiet(exit::FAILED));
    }
    Ok(0)
}
