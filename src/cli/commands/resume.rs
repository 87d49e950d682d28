//! `looop resume <id>` / `looop resume --all-lost` `[--force]`: relaunch a
//! finished or lost worker (or every lost one) on its own agent session.
//! A paused runner or a reached daily budget refuses it as it refuses
//! `start-session`, unless `--force`.

use crate::cli::Args;
use crate::config::Config;
use crate::ids::WorkerId;
use crate::paths::Profile;
use anyhow::Result;

pub fn run(mut args: Args) -> Result<i32> {
    let all_lost = args.flag(&["--all-lost"]);
    let force = args.flag(&["--force"]);
    let id = if all_lost {
        None
    } else {
        Some(WorkerId::parse(&args.required("id")?)?)
    };
    args.finish()?;
    let profile = Profile::with_layout()?;
    let config = Config::load(&profile.config)?;
    let Some(id) = id else {
        return all(&profile, &config, force);
    };
    let view = crate::resume::resume(&profile, &config, &id, force)?;
    println!("resumed {}", view.session);
    Ok(0)
}

/// One line per lost worker; status 1 when any of them stays lost.
fn all(profile: &Profile, config: &Config, force: bool) -> Result<i32> {
    let outcomes = crate::resume::all_lost(profile, config, force)?;
    if outcomes.is_empty() {
        println!("no lost workers");
    }
    let mut left = 0;
    for o in &outcomes {
        match &o.result {
            Ok(view) => println!("resumed {}", view.session),
            Err(why) => {
                left += 1;
                println!("not resumed {}: {why}", o.session);
            }
        }
    }
    Ok(if left == 0 { 0 } else { 1 })
}
