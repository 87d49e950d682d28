//! `looop up` / `looop down`: the pulse as a detached supervised session
//! (`looop-pulse`, running `looop run`), so it survives the terminal.

use crate::cli::Args;
use crate::ids::PULSE_SESSION;
use crate::supervisor::{self, LaunchSpec};
use crate::{exit, paths};
use anyhow::Result;
use std::time::Duration;

const GRACE: Duration = Duration::from_secs(5);

pub fn cmd_up(args: Args) -> Result<i32> {
    args.finish()?;
    let (profile, config) = super::open_profile(false)?;
    if let Some(s) = supervisor::get(&profile, PULSE_SESSION)?
        && s.alive
    {
        println!(
            "the pulse is already up ({PULSE_SESSION}, pid {})",
            s.pid.map(|p| p.to_string()).unwrap_or("?".into())
        );
        return Ok(0);
    }
    let exe = paths::current_exe()?;
    let mut env = paths::child_env(&profile)?;
    env.push(("LOOOP_SESSION_ID".to_string(), PULSE_SESSION.into()));
    let spec = LaunchSpec {
        session: PULSE_SESSION.to_string(),
        command: format!("exec {} run", crate::shell::quote(&exe.to_string_lossy())),
        cwd: profile.data.clone(),
        runner: String::new(),
        env,
        size: Some((120, 40)),
    };
    let view = supervisor::launch(&profile, &config, &spec)?;
    println!(
        "the pulse is up ({PULSE_SESSION}, pid {}); `looop log pulse --follow` shows it, `looop down` stops it",
        view.pid.map(|p| p.to_string()).unwrap_or("?".into())
    );
    Ok(0)
}

pub fn cmd_down(mut args: Args) -> Result<i32> {
    let all = args.flag(&["--all"]);
    args.finish()?;
    // The config is still checked (status 2).
    let profile = crate::paths::Profile::look()?;
    crate::config::Config::load(&profile.config)?;
    let mut failed = false;
    match supervisor::get(&profile, PULSE_SESSION)? {
        Some(s) if s.alive => {
            supervisor::kill(&profile, PULSE_SESSION, GRACE)?;
            println!("the pulse is down");
        }
        _ => println!("the pulse was not up"),
    }
    if all {
        let mut n = 0;
        for s in supervisor::list(&profile)?
            .into_iter()
            .filter(|s| s.alive && s.session != PULSE_SESSION)
        {
            match supervisor::kill(&profile, &s.session, GRACE) {
                Ok(_) => n += 1,
                Err(e) => {
                    eprintln!("looop: cannot kill {}: {e:#}", s.id);
                    failed = true;
                }
            }
        }
        println!("killed {n} worker(s)");
    }
    if failed {
        return Err(exit::quiet(exit::FAILED));
    }
    Ok(0)
}
