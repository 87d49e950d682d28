//! The worker process seen from its supervisor: reaping it (and any
//! adopted orphan), signalling its group and the terminal's foreground
//! job, and a kill as TERM now, KILL when the grace runs out.

use super::supervisor::Supervisor;
use crate::proc::group;
use nix::errno::Errno;
use nix::sys::signal::Signal;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use std::time::{Duration, Instant};

impl Supervisor {
    /// Reap the worker, and any adopted orphan (see [`super::escapees`])
    /// that ended, so none lingers as a zombie.
    pub(super) fn reap(&mut self) {
        let child = Pid::from_raw(self.child_pid as i32);
        while self.exit.is_none() {
            match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(pid, code)) if pid == child => self.exit = Some(Some(code)),
                Ok(WaitStatus::Signaled(pid, sig, _)) if pid == child => {
                    self.exit = Some(Some(128 + sig as i32))
                }
                Ok(WaitStatus::StillAlive) => return,
                // An adoptee ended, or a stop/continue report: look again.
                Ok(_) | Err(Errno::EINTR) => {}
                Err(Errno::ECHILD) => self.exit = Some(None),
                Err(e) => {
                    eprintln!("looop: waitpid: {e}");
                    return;
                }
            }
        }
    }

    /// Send `sig` to the child's process group and to the terminal's
    /// foreground group (a job an interactive shell started).
    fn signal_child(&self, sig: Signal) {
        group::signal(self.child_pid, sig);
        if self.master_open
            && let Ok(fg) = nix::unistd::tcgetpgrp(self.master())
            && fg.as_raw() as u32 != self.child_pid
        {
            group::signal(fg.as_raw() as u32, sig);
        }
    }

    /// End the child: TERM now (once), KILL at the earliest deadline asked
    /// for; at once when `grace` is zero.
    pub(super) fn request_kill(&mut self, grace: Duration) {
        let deadline = Instant::now() + grace;
        if !self.kill_requested {
            self.kill_requested = true;
            self.signal_child(Signal::SIGTERM);
        }
        match self.kill_deadline {
            Some(d) if d <= deadline => {}
            _ => self.kill_deadline = Some(deadline),
        }
        if grace.is_zero() {
            self.kill_deadline = None;
            self.signal_child(Signal::SIGKILL);
        }
    }

    /// A kill's grace ran out: KILL. The screen is due for a look: read
    /// the activity.
    pub(super) fn timers(&mut self) {
        let now = Instant::now();
        if self.kill_deadline.is_some_and(|k| now >= k) {
            self.kill_deadline = None;
            self.signal_child(Signal::SIGKILL);
        }
        self.screen.settle_if_due(now);
        self.activity_timer();
    }
}
