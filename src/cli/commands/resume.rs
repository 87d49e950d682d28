//! `looop resume <id>`: relaunch a finished or lost worker on its own
//! agent session.

use crate::cli::Args;
use crate::config::Config;
use crate::ids::WorkerId;
use crate::paths::Profile;
use anyhow::Result;

pub fn run(mut args: Args) -> Result<i32> {
    let id = WorkerId::parse(&args.required("id")?)?;
    args.finish()?;
    let profile = Profile::with_layout()?;
    let config = Config::load(&profile.config)?;
    let view = crate::resume::resume(&profile, &config, &id)?;
    println!("resumed {}", view.session);
    Ok(0)
}
