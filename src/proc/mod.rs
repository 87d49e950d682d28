//! The one place looop starts and ends child processes (the tick AI,
//! sensors, `run` moves, `notify`, tmux, and the groups of workers and of
//! crashed beats). Every child leads its own process group, so ending it
//! reaches its grandchildren; its pipes are drained in the caller's thread
//! under a deadline, a stop flag and a byte cap; a group is ended with TERM,
//! then KILL after [`TERM_GRACE`].
//!
//! The pieces: [`spawn`] starts, [`watch`] waits and drains (with
//! `drain`), [`group`] signals groups, [`info`] reads facts about processes,
//! [`signals`] turns SIGINT/SIGTERM/SIGCHLD into bytes on a pipe.

mod drain;
pub mod group;
pub mod info;
pub mod signals;
mod spawn;
mod watch;

#[cfg(test)]
mod tests;

use std::time::Duration;

pub use spawn::spawn;
pub use watch::{Cut, Ended, Limits, Pipe, run, run_one};

/// Between TERM and KILL when looop ends a group of its own children.
pub const TERM_GRACE: Duration = Duration::from_secs(1);
/// How long an ended child's pipes may stay open (held by a grandchild that
/// left the group) before looop stops reading them.
pub const DRAIN_GRACE: Duration = Duration::from_secs(2);
