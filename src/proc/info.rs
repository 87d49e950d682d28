//! Facts about processes that signals alone cannot give: a pid's start time
//! (to tell a worker from a later process that reused its pid) and whether
//! any live member of a process group remains (zombies do not count: in a
//! container nobody may ever reap them).
//!
//! Linux reads `/proc`; elsewhere the checks fall back to `kill(pid, 0)`.

use nix::sys::signal::killpg;
use nix::unistd::Pid;

/// Fields of `/proc/<pid>/stat` after the `(comm)`: state, ppid, pgrp, ...
#[cfg(target_os = "linux")]
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // comm may contain spaces and parentheses: split after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_string).collect())
}

/// The process's start time in clock ticks since boot.
pub fn start_time(pid: u32) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        // Field 22 of stat; index 19 counting from field 3 (the state).
        stat_fields(pid)?.get(19)?.parse().ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid; // no cheap equivalent; callers accept "unknown"
        None
    }
}

/// Whether `pid` still names the process that started at `start`
/// (`Some(false)`: it is gone or was reused; `None`: cannot tell).
pub fn same_process(pid: u32, start: Option<u64>) -> Option<bool> {
    let start = start?;
    Some(start_time(pid) == Some(start))
}

/// Whether the group led by a recorded leader (`pgid`, started at `start`)
/// is still there to be ended: the leader's pid was not reused (a pid is
/// never reused while a group of that id exists, so a reused leader pid
/// means the old group is gone) and a live member remains.
pub fn recorded_group_alive(pgid: u32, start: Option<u64>) -> bool {
    if same_process(pgid, start) == Some(false) && start_time(pgid).is_some() {
        return false;
    }
    group_alive(pgid)
}

/// Whether the process group `pgid` has a member that is not a zombie.
pub fn group_alive(pgid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return killpg(Pid::from_raw(pgid as i32), None).is_ok();
        };
        let want = pgid.to_string();
        entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter_map(|n| n.parse::<u32>().ok())
            .filter_map(stat_fields)
            .any(|f| f.first().is_some_and(|s| s != "Z" && s != "X") && f.get(2) == Some(&want))
    }
    #[cfg(not(target_os = "linux"))]
    {
        killpg(Pid::from_raw(pgid as i32), None).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_start_time_is_stable_and_group_alive() {
        let me = std::process::id();
        if cfg!(target_os = "linux") {
            let t = start_time(me).unwrap();
            assert_eq!(same_process(me, Some(t)), Some(true));
            assert_eq!(same_process(me, Some(t + 1)), Some(false));
        }
        assert!(group_alive(nix::unistd::getpgrp().as_raw() as u32));
    }
}
