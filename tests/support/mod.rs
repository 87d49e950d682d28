//! The one support tree every integration test includes (`mod support;`):
//! a temp profile that runs the real binary ([`profile`]), the one reader of
//! `/proc` ([`procfs`]), waiting on conditions with deadlines ([`wait`]),
//! the worker helpers over `looop ls`/`start-session` ([`workers`]) and small
//! output helpers (this file).
//!
//! Each test file is its own crate, so not every helper is used by every
//! includer: dead code is allowed here and only here.
#![allow(dead_code, unused_imports)]

pub mod agents;
pub mod procfs;
pub mod profile;
pub mod wait;
pub mod workers;

pub use procfs::{alive, group_members, pgid_of, read_pid, read_pids, stat};
pub use profile::{BIN, Profile};
pub use wait::{DEADLINE, DEADLINE_SECS, wait_for};
pub use workers::*;

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

/// Bytes as text, lossily: for stdout and stderr.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A finished command's status, stdout and stderr, for assertion messages.
pub fn show(out: &Output) -> String {
    format!(
        "status: {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

/// Echoes a finished command (`line`, as typed) and its output to stderr,
/// which the test harness shows only for a failing test.
pub fn echo_run(line: &str, out: &Output) {
    eprintln!("$ {line}\n{}", show(out));
}

/// Insists on an exit status, showing the output when it differs.
#[track_caller]
pub fn assert_status(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "status\n{}", show(out));
}
