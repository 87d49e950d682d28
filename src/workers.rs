//! `looop start-session`: the worker contract, prompt files and the launch.
//! (Built by the pulse issue on top of the supervisor.)

use crate::cli::{Args, not_built};
use anyhow::Result;

pub fn cmd_start_session(_args: Args) -> Result<i32> {
    Err(not_built("start-session"))
}

/// Start a worker (the `start_worker` move and `start-session`).
pub fn start(
    _profile: &crate::paths::Profile,
    _config: &crate::config::Config,
    _id: &crate::ids::WorkerId,
    _prompt: &str,
    _runner: Option<&str>,
    _force: bool,
) -> Result<crate::supervisor::SessionView> {
    Err(not_built("start-session"))
}
