//! The one reader of `/proc` in the tests: whether a process lives, its
//! process group, and the live members of a group. A zombie (`Z`) or dead
//! (`X`) process counts as gone everywhere: it runs no code and holds no
//! resource a test could observe.

use std::path::{Path, PathBuf};

/// The fields of `/proc/<pid>/stat` the tests look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    /// One letter: `R`, `S`, `D`, `Z`, `X`, …
    pub state: String,
    pub ppid: i32,
    pub pgrp: i32,
}

/// `/proc/<pid>/stat`, or None when there is no such process. The command
/// name in parentheses may hold spaces and parentheses, so the fields are
/// read after its last `)`.
pub fn stat(pid: i32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = text[text.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?.to_string();
    let ppid = fields.next()?.parse().ok()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some(Stat { state, ppid, pgrp })
}

/// Whether `pid` exists and is neither a zombie nor dead.
pub fn alive(pid: i32) -> bool {
    stat(pid).is_some_and(|s| s.state != "Z" && s.state != "X")
}

/// The process group of `pid`, while it exists.
pub fn pgid_of(pid: i32) -> Option<i32> {
    Some(stat(pid)?.pgrp)
}

/// The live members of process group `pgid`.
pub fn group_members(pgid: i32) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok()?.parse::<i32>().ok())
        .filter(|&pid| alive(pid) && pgid_of(pid) == Some(pgid))
        .collect()
}

/// A pid written as text in `path` (by a test's stand-in script).
pub fn read_pid(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The pids listed one a line in `path`.
pub fn read_pids(path: &Path) -> Vec<i32> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect()
}

/// The argv of `pid`, from `/proc/<pid>/cmdline`.
pub fn cmdline(pid: i32) -> Vec<String> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    raw.split(|&b| b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// What each open file descriptor of `pid` points at.
pub fn fd_targets(pid: i32) -> Vec<PathBuf> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .map(|fd| std::fs::read_link(fd.unwrap().path()).unwrap())
        .collect()
}
