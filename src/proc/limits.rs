//! What a watched run is held to and how it ended: the types both the
//! watcher (`watch`) and its pipe loop (`drain`) speak, kept apart so that
//! neither file imports the other for them.

use super::signals;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::process::ExitStatus;
use std::time::Instant;

/// What a watched run is held to.
pub struct Limits<'a> {
    pub deadline: Instant,
    /// Bytes one child may write over all its pipes; past that its group is
    /// killed at once and the rest of its output dropped.
    pub cap: usize,
    /// Asked while waiting; true ends every child still running.
    pub stop: &'a dyn Fn() -> bool,
    /// Readable when `stop` may have turned true (the signal self-pipe), so
    /// the wait sleeps on it instead of looking every 100 ms.
    pub wake: Option<BorrowedFd<'a>>,
}

impl Limits<'static> {
    /// Until `deadline` or SIGINT/SIGTERM ([`signals::install_stop`]), no cap.
    pub fn until(deadline: Instant) -> Self {
        Limits {
            deadline,
            cap: usize::MAX,
            stop: &signals::stop_requested,
            wake: signals::wake_fd(),
        }
    }

    /// Until `deadline` only: signals do not cut this run short.
    pub fn deadline_only(deadline: Instant) -> Self {
        Limits {
            deadline,
            cap: usize::MAX,
            stop: &|| false,
            wake: None,
        }
    }
}

impl Limits<'_> {
    pub fn cap(self, cap: usize) -> Self {
        Limits { cap, ..self }
    }

    /// Why the run must end now, if it must (a stop wins over the deadline).
    pub(super) fn cut_now(&self, now: Instant) -> Option<Cut> {
        if (self.stop)() {
            Some(Cut::Stopped)
        } else if now >= self.deadline {
            Some(Cut::TimedOut)
        } else {
            None
        }
    }
}

/// Why looop ended a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    TimedOut,
    Stopped,
    Oversize,
}

/// One child's end.
#[derive(Debug)]
pub struct Ended {
    pub status: io::Result<ExitStatus>,
    /// Set when looop ended it.
    pub cut: Option<Cut>,
}

/// A pipe to read: `child` is the index of the child that writes it.
pub struct Pipe {
    pub child: usize,
    pub fd: OwnedFd,
}

impl Pipe {
    /// The piped stdout and stderr of a lone child (index 0), taken from
    /// it: what a one-child [`super::run_one`] reads.
    pub fn out_and_err(child: &mut std::process::Child) -> Vec<Pipe> {
        let out = child.stdout.take().expect("stdout piped");
        let err = child.stderr.take().expect("stderr piped");
        vec![
            Pipe {
                child: 0,
                fd: OwnedFd::from(out),
            },
            Pipe {
                child: 0,
                fd: OwnedFd::from(err),
            },
        ]
    }
}
