//! Ending process groups. Every child looop starts leads its own group, so
//! one signal reaches its grandchildren too. A group is ended with SIGTERM
//! first, so shells run their exit traps (a login shell killed outright can
//! leave lock files behind), then SIGKILL after a grace for whatever ignored
//! it. Never aimed at init's group or looop's own, whatever a damaged record
//! says.

use super::info;
use nix::sys::signal::{self, Signal, killpg};
use nix::unistd::Pid;
use std::time::{Duration, Instant};

/// Between TERM and KILL when looop ends a group of its own children.
pub const TERM_GRACE: Duration = Duration::from_secs(1);
/// How long an ended child's pipes may stay open (held by a grandchild that
/// left the group) before looop stops reading them.
pub const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// How long a KILLed group may take to be gone before the caller moves on.
const KILL_CONFIRM: Duration = Duration::from_secs(5);

/// Send `sig` to the group `pgid`.
pub fn signal(pgid: u32, sig: Signal) {
    let Ok(raw) = i32::try_from(pgid) else {
        return;
    };
    if raw <= 1 || raw == nix::unistd::getpgrp().as_raw() {
        return;
    }
    // ESRCH (the group is already gone) is the common, harmless case.
    let _ = killpg(Pid::from_raw(raw), sig);
}

/// SIGKILL the group at once.
pub fn kill(pgid: u32) {
    signal(pgid, Signal::SIGKILL);
}

/// SIGKILL one process (one that left its group).
pub fn kill_process(pid: i32) {
    if pid > 1 {
        // ESRCH: already gone, the goal.
        let _ = signal::kill(Pid::from_raw(pid), Signal::SIGKILL);
    }
}

/// Wait until none of `pgids` has a live member, up to `until`. True when
/// all are gone.
pub fn wait_gone(pgids: &[u32], until: Instant) -> bool {
    loop {
        if !pgids.iter().any(|&g| info::group_alive(g)) {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// TERM every group, give them `grace` to go, KILL what is left and wait
/// (bounded) until it is gone. True when every group is gone.
pub fn end(pgids: &[u32], grace: Duration) -> bool {
    for &g in pgids {
        signal(g, Signal::SIGTERM);
    }
    if wait_gone(pgids, Instant::now() + grace) {
        return true;
    }
    for &g in pgids {
        kill(g);
    }
    wait_killed(pgids)
}

/// Wait (bounded) until groups sent SIGKILL are gone. True when they are.
pub fn wait_killed(pgids: &[u32]) -> bool {
    wait_gone(pgids, Instant::now() + KILL_CONFIRM)
}
