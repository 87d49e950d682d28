//! `looop send <id> [-n] <text>...`: type text into a worker's terminal.

use crate::cli::Args;
use crate::ids::WorkerId;
use crate::paths::Profile;
use crate::supervisor::verbs;
use anyhow::Result;

pub fn run(mut args: Args) -> Result<i32> {
    let no_enter = args.flag(&["-n"]);
    let id = WorkerId::parse(&args.required("id")?)?;
    let Some(text) = args.rest_joined() else {
        // `send w1 -y`: name the flag-like text rather than call it missing.
        let missing = args.usage_error("missing <text>");
        args.finish()?;
        return Err(missing);
    };
    args.finish()?;
    let profile = Profile::look()?;
    verbs::send(&profile, &id, &text, !no_enter)?;
    Ok(0)
}
