//! `looop flag <id> [note]` and `looop unflag <id>`: raise and lower the
//! "a human is needed" flag on a worker.

use crate::cli::Args;
use crate::ids::WorkerId;
use crate::paths::Profile;
use crate::supervisor::verbs;
use anyhow::Result;

pub fn flag(mut args: Args) -> Result<i32> {
    let id = WorkerId::parse(&args.required("id")?)?;
    let note = args.rest_joined().unwrap_or_default();
    args.finish()?;
    let profile = Profile::look()?;
    let session = verbs::flag(&profile, &id, Some(note))?;
    println!("flagged {session}");
    Ok(0)
}

pub fn unflag(mut args: Args) -> Result<i32> {
    let id = WorkerId::parse(&args.required("id")?)?;
    args.finish()?;
    let profile = Profile::look()?;
    let session = verbs::flag(&profile, &id, None)?;
    println!("unflagged {session}");
    Ok(0)
}
