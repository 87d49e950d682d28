//! `looop start-session`: the worker contract, prompt files and the launch.
//! (Built by the pulse issue on top of the supervisor.)

use crate::cli::{Args, not_built};
use anyhow::Result;

pub fn cmd_start_session(_args: Args) -> Result<i32> {
    Err(not_built("start-session"))
}
