//! Ending a child's whole process group: SIGTERM first, so shells run their
//! exit traps (a login shell killed outright can leave lock files behind),
//! then SIGKILL a moment later for whatever ignored it.

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use std::time::{Duration, Instant};

/// Between TERM and KILL.
pub const TERM_GRACE: Duration = Duration::from_secs(1);

/// TERM the group now and KILL it after [`TERM_GRACE`] (from a helper
/// thread, so the caller can keep draining the group's output). Returns when
/// TERM was sent, for [`finish`].
pub fn end(pgid: i32) -> Instant {
    signal(pgid, Signal::SIGTERM);
    std::thread::spawn(move || {
        std::thread::sleep(TERM_GRACE);
        signal(pgid, Signal::SIGKILL);
    });
    Instant::now()
}

/// Make sure the KILL of an [`end`]ed group has happened before looop moves
/// on (and maybe exits, taking the helper thread with it): a member that
/// ignored TERM and holds no pipe would otherwise survive.
pub fn finish(pgid: i32, termed_at: Instant) {
    let left = (termed_at + TERM_GRACE).saturating_duration_since(Instant::now());
    std::thread::sleep(left);
    signal(pgid, Signal::SIGKILL);
}

/// SIGKILL the group at once.
pub fn kill(pgid: i32) {
    signal(pgid, Signal::SIGKILL);
}

fn signal(pgid: i32, sig: Signal) {
    // ESRCH (the group is already gone) is the common, harmless case.
    let _ = killpg(Pid::from_raw(pgid), sig);
}
