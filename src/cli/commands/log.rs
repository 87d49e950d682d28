//! `looop log <id> [--tail N] [--follow] [--raw]`: a session's output.

use crate::cli::Args;
use crate::ids::WorkerId;
use crate::paths::Profile;
use crate::supervisor::{LogOptions, verbs};
use crate::text::visible::block;
use anyhow::Result;

pub fn run(mut args: Args) -> Result<i32> {
    let tail = args.number::<usize>("--tail")?;
    let follow = args.flag(&["--follow", "-f"]);
    let raw = args.flag(&["--raw"]);
    let id = WorkerId::parse(&args.required("id")?)?;
    args.finish()?;
    let profile = Profile::look()?;
    let session = verbs::existing(&profile, &id)?;
    if let Some(why) = verbs::launch_error(&profile, &session)? {
        eprintln!("looop: {session} failed to start: {}", block(&why));
    }
    let opts = LogOptions { tail, follow, raw };
    verbs::log(&profile, &session, &opts, &mut std::io::stdout().lock())?;
    Ok(0)
}
