//! Processes that left the worker's process group. `looop kill` ends the
//! worker's group, but a daemon that called `setsid()` (a double fork, a
//! `setsid cmd &`) is in neither that group nor the worker's session, so
//! killing the group cannot reach it. On Linux the supervisor makes itself a
//! *child subreaper*: whatever is orphaned below it is re-parented to it
//! instead of to init, so when a killed worker is gone, every process still
//! adopted by the supervisor is a leftover of that worker and is ended too,
//! except other supervisors: a session started from inside this one (the
//! pulse's `start_worker`, a worker starting a helper) has a supervisor that
//! is orphaned at once by design and adopted here, and must outlive it.
//!
//! Limits: elsewhere (no subreapers) escapees survive; a daemon whose parent
//! is still alive is not adopted yet; and once the supervisor itself is
//! killed, its adoptees pass to init and are out of reach.

use crate::proc::group;
use nix::unistd::Pid;
use std::time::{Duration, Instant};

/// How long [`end_all`] keeps ending the adoptees' own orphans.
const LIMIT: Duration = Duration::from_secs(2);

/// Become the subreaper of everything started below (before the worker).
pub fn adopt() {
    #[cfg(target_os = "linux")]
    if let Err(e) = nix::sys::prctl::set_child_subreaper(true) {
        eprintln!("looop: cannot become a subreaper ({e}); setsid daemons will escape kill");
    }
}

/// SIGKILL every process the supervisor adopted (and its group), reaping
/// them, until none is left or [`LIMIT`] passes: an adoptee's own children
/// are adopted in turn when it dies.
pub fn end_all() {
    let me = std::process::id();
    let my_group = nix::unistd::getpgrp();
    let deadline = Instant::now() + LIMIT;
    loop {
        reap_any();
        let left = children_of(me);
        if left.is_empty() || Instant::now() >= deadline {
            return;
        }
        for (pid, pgid) in left {
            if pgid > 1 && Pid::from_raw(pgid) != my_group {
                group::kill(pgid as u32);
            }
            group::kill_process(pid);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Reap every child that has ended (adoptees leave zombies otherwise).
fn reap_any() {
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    // Until none is ready (StillAlive) or none exists (ECHILD).
    while let Ok(s) = waitpid(None, Some(WaitPidFlag::WNOHANG)) {
        if s == WaitStatus::StillAlive {
            break;
        }
    }
}

/// Live (non-zombie) children of `parent`, with their process groups,
/// leaving out looop supervisors (sessions of their own).
#[cfg(target_os = "linux")]
fn children_of(parent: u32) -> Vec<(i32, i32)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let want = parent.to_string();
    entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // comm may contain spaces and parentheses: split after the last ')'.
            let f: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
            let live = !matches!(f.first(), Some(&"Z") | Some(&"X"));
            if !live || f.get(1) != Some(&want.as_str()) || is_supervisor(pid) {
                return None;
            }
            Some((pid, f.get(2)?.parse().ok()?))
        })
        .collect()
}

/// Whether `pid` runs `looop _supervise …`: its argv[1], whatever the
/// binary is called.
#[cfg(target_os = "linux")]
fn is_supervisor(pid: i32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|c| c.split(|&b| b == 0).nth(1) == Some(b"_supervise".as_slice()))
}

#[cfg(not(target_os = "linux"))]
fn children_of(_parent: u32) -> Vec<(i32, i32)> {
    Vec::new()
}
