//! `looop attach <id>`: the terminal joins a running worker until detach.

use crate::cli::Args;
use crate::ids::WorkerId;
use crate::paths::Profile;
use crate::supervisor::verbs;
use anyhow::Result;

pub fn run(mut args: Args) -> Result<i32> {
    let id = WorkerId::parse(&args.required("id")?)?;
    args.finish()?;
    let profile = Profile::look()?;
    verbs::attach(&profile, &id)
}
