//! Small helpers shared by test files that have no other support module in
//! common. Each test file is its own crate, so not every helper is used by
//! every includer.
#![allow(dead_code)]

use std::process::{Command, Output};

/// The folders `looop init` makes in the data dir.
pub const DATA_DIRS: [&str; 9] = [
    "goals",
    "goals/archive",
    "sensors",
    "claims",
    "reports",
    "snapshots",
    "runs",
    "prompts",
    "sessions",
];

/// Whether `program` is on PATH.
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program} >/dev/null"))
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Echoes a finished command (`line`, as typed) and its output to stderr,
/// which the test harness shows only for a failing test.
pub fn echo_run(line: &str, out: &Output) {
    eprintln!(
        "$ {line}\nstatus: {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
