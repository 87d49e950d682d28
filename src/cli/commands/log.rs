//! `looop log <id> [--tail N] [--follow] [--raw] [--screen]`: a session's
//! output, or with `--screen` its current screen as text.

use crate::cli::Args;
use crate::ids::WorkerId;
use crate::paths::Profile;
use crate::supervisor::{LogOptions, verbs};
use crate::text::visible::block;
use anyhow::Result;
use std::io::Write;

pub fn run(mut args: Args) -> Result<i32> {
    let tail = args.number::<usize>("--tail")?;
    let follow = args.flag(&["--follow", "-f"]);
    let raw = args.flag(&["--raw"]);
    let screen = args.flag(&["--screen"]);
    let id = WorkerId::parse(&args.required("id")?)?;
    args.finish()?;
    if screen && (tail.is_some() || follow || raw) {
        return Err(crate::exit::usage(
            "--screen prints the screen; it takes no --tail, --follow or --raw",
        ));
    }
    let profile = Profile::look()?;
    let session = verbs::existing(&profile, &id)?;
    if let Some(why) = verbs::launch_error(&profile, &session)? {
        eprintln!("looop: {session} failed to start: {}", block(&why));
    }
    if screen {
        let text = verbs::screen(&profile, &session)?;
        std::io::stdout().lock().write_all(text.as_bytes())?;
        return Ok(0);
    }
    let opts = LogOptions { tail, follow, raw };
    verbs::log(&profile, &session, &opts, &mut std::io::stdout().lock())?;
    Ok(0)
}
