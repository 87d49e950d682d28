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
    let present: Vec<&str> = POLICY
        .iter()
        .copied()
        .filter(|p| profile.data.join(p).exists())
        .collect();
    if !present.is_empty() {
        run(git(profile).args(["add", "-A", "--"]).args(&present))?;
    }
    // Exactly the staged policy files (deletions included): git refuses a
    // commit pathspec that matches nothing, e.g. an empty sensors/.
    let staged = run(git(profile)
        .args(["diff", "--cached", "--name-only", "-z", "--"])
        .args(POLICY))?;
    let files: Vec<&str> = staged.split('\0').filter(|f| !f.is_empty()).collect();
    if files.is_empty() {
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
    run(commit
        .args(["commit", "-q", "--no-verify", "-m", message, "--"])
        .args(&files))?;
    Ok(())
}

/// Run git; its stdout, or its stderr as the error.
fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}
