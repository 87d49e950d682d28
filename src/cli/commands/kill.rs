//! `looop kill <id> [--grace S]`: end a worker and drop its claims.

use crate::cli::Args;
use crate::ids::WorkerId;
use crate::paths::Profile;
use crate::supervisor::verbs;
use anyhow::Result;
use std::time::Duration;

/// Default `--grace`, in seconds.
const DEFAULT_GRACE_SECS: f64 = 5.0;

pub fn run(mut args: Args) -> Result<i32> {
    let grace = args.number::<f64>("--grace")?.unwrap_or(DEFAULT_GRACE_SECS);
    if !(0.0..=86_400.0).contains(&grace) {
        return Err(args.usage_error(&format!(
            "--grace wants seconds between 0 and 86400, not {grace}"
        )));
    }
    let id = WorkerId::parse(&args.required("id")?)?;
    args.finish()?;
    // A worker runs with LOOOP_SESSION_ID set to its own session: a kill
    // of that session is the worker ending itself (`done`, not `killed`).
    let by_self = std::env::var_os("LOOOP_SESSION_ID").is_some_and(|s| *s == *id.session());
    let profile = Profile::look()?;
    let killed = verbs::kill(&profile, &id, Duration::from_secs_f64(grace), by_self)?;
    let status = killed
        .exit_code
        .map_or(String::new(), |c| format!(" (status {c})"));
    match killed.already_ended {
        Some(state) => println!(
            "{} had already ended: {}{status}",
            killed.session,
            state.as_str()
        ),
        None if by_self => println!("{} is done", killed.session),
        None => println!("killed {}{status}", killed.session),
    }
    Ok(0)
}
