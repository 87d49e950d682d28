//! `looop _supervise <session> [--lock-fd N]`: the hidden mode the launcher
//! starts a session's supervisor with (see [`crate::supervisor::daemon`]).

use crate::cli::args::Args;
use crate::supervisor::daemon::{self, Options};
use anyhow::Result;
use std::os::fd::RawFd;

pub fn cmd_supervise(mut args: Args) -> Result<i32> {
    let lock_fd = args.number::<RawFd>("--lock-fd")?.unwrap_or(3);
    let session = args.required("session")?;
    args.finish()?;
    daemon::run(Options { session, lock_fd })
}
