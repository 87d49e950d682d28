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
mod limits;
pub mod signals;
mod spawn;
mod watch;

#[cfg(test)]
mod tests;

pub use group::TERM_GRACE;
pub use limits::{Cut, Ended, Limits, Pipe};
pub use spawn::spawn;
pub use watch::{run, run_one};
