//! Ending a child's whole process group: SIGTERM first, so shells run their
//! exit traps (a login shell killed outright can leave lock files behind),
//! then SIGKILL a moment later for whatever ignored it.

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::time::Duration;

/// Between TERM and KILL.
pub const TERM_GRACE: Duration = Duration::from_secs(1);

/// TERM the group now and KILL it after [`TERM_GRACE`] (from a helper
/// thread, so the caller can keep draining the group's output).
pub fn end(pgid: i32) {
    signal(pgid, Signal::SIGTERM);
    std::thread::spawn(move || {
        std::thread::sleep(TERM_GRACE);
        signal(pgid, Signal::SIGKILL);
    });
}

/// SIGKILL the group at once.
pub fn kill(pgid: i32) {
    signal(pgid, Signal::SIGKILL);
}

fn signal(pgid: i32, sig: Signal) {
    // ESRCH (the group is already gone) is the common, harmless case.
    let _ = killpg(Pid::from_raw(pgid), sig);
}
