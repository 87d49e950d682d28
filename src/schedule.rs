//! `looop schedule`: cron, launchd and systemd artifacts. (Built by the schedule issue.)

use crate::cli::{Args, not_built};
use anyhow::Result;

pub fn cmd_schedule(_args: Args) -> Result<i32> {
    Err(not_built("schedule"))
}
