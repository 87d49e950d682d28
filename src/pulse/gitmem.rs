//! Memory is git: when the data dir is a git work tree, a beat that acted
//! commits the policy files and the journal with the journal line as the
//! message, so `git log -p PLAYBOOK.md` shows every change the AI made.
//! Scratch (snapshots, runs, sessions, ...) is never committed. A failed
//! commit is reported, never fails the beat.

use crate::config::Config;
use crate::paths::Profile;
use std::process::{Command, Stdio};

/// What a commit may contain.
const POLICY: &[&str] = &[
    "PLAYBOOK.md",
    "playbook.d",
    "goals",
    "sensors",
    "journal.md",
];

pub fn commit(profile: &Profile, config: &Config, message: &str) {
    if !config.git_commit || !profile.data.join(".git").exists() {
        return;
    }
    if let Err(e) = try_commit(profile, message) {
        eprintln!(
            "looop: warning: git commit in {} failed: {e}",
            profile.data.display()
        );
    }
}

fn git(profile: &Profile) -> Command {
    let mut c = Command::new("git");
    c.arg("-C").arg(&profile.data).stdin(Stdio::null());
    c
}

fn try_commit(profile: &Profile, message: &str) -> Result<(), String> {
    let paths: Vec<&str> = POLICY
        .iter()
        .copied()
        .filter(|p| profile.data.join(p).exists())
        .collect();
    if paths.is_empty() {
        return Ok(());
    }
    let out = git(profile)
        .args(["add", "-A", "--"])
        .args(&paths)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    let clean = git(profile)
        .args(["diff", "--cached", "--quiet", "--"])
        .args(&paths)
        .status()
        .map_err(|e| e.to_string())?;
    if clean.success() {
        return Ok(());
    }
    let mut commit = git(profile);
    let has_identity = git(profile)
        .args(["config", "user.email"])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_identity {
        commit.args(["-c", "user.name=looop", "-c", "user.email=looop@localhost"]);
    }
    let out = commit
        .args(["commit", "-q", "--no-verify", "-m", message, "--"])
        .args(&paths)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}
