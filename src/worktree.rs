//! Workers' own git worktrees (`start-session --worktree`): worker `<id>`
//! gets `<data dir>/worktrees/<id>` on branch `looop/<id>`, made from the
//! HEAD of the repository that holds its directory, and keeps it across
//! restarts. Two workers never edit the same checkout, and the user's own
//! checkout is never touched.
//!
//! Once a worker's session is pruned, its worktree goes too, but only when
//! it holds no uncommitted change (untracked files count): work that was
//! never committed is kept and named. The branch stays either way, so
//! committed work is never lost.

use crate::paths::Profile;
use crate::{exit, ids, proc, store};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Where worker `id`'s worktree lives.
pub fn path(profile: &Profile, id: &str) -> PathBuf {
    profile.worktrees_dir().join(id)
}

/// Worker `id`'s worktree of the repository that holds `from`: made on
/// branch `looop/<id>` (from HEAD, or the branch as it is when it already
/// exists), or reused when it is already there. Refused (status 1) when
/// `from` is in no git repository or git cannot make it.
pub fn ensure(profile: &Profile, id: &str, from: &Path) -> Result<PathBuf> {
    let Some(top) = toplevel(from)? else {
        return Err(exit::refused(format!(
            "--worktree: {} is not inside a git repository",
            from.display()
        )));
    };
    let dir = path(profile, id);
    if dir.exists() {
        return match own_worktree(&dir)? {
            Some(dir) => Ok(dir),
            None => Err(exit::refused(format!(
                "--worktree: {} exists and is not a git worktree; move it away",
                dir.display()
            ))),
        };
    }
    store::ensure_dir(&profile.worktrees_dir(), 0o755)?;
    // A worktree deleted by hand stays registered until pruned, and its
    // branch could not be checked out again.
    git(&top, &["worktree", "prune"])?;
    let branch = format!("looop/{id}");
    let has_branch = git(
        &top,
        &[
            "show-ref",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}"),
        ],
    )?
    .status
    .success();
    let target = dir.to_string_lossy();
    let out = if has_branch {
        git(&top, &["worktree", "add", "--quiet", &target, &branch])?
    } else {
        git(
            &top,
            &["worktree", "add", "--quiet", "-b", &branch, &target, "HEAD"],
        )?
    };
    if !out.status.success() {
        return Err(exit::refused(format!(
            "--worktree: git cannot make {} from {}: {}",
            dir.display(),
            top.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    std::fs::canonicalize(&dir).with_context(|| format!("cannot resolve {}", dir.display()))
}

/// What [`tidy`] did with the worktrees of sessions that are gone.
#[derive(Debug, Default)]
pub struct Tidy {
    pub removed: Vec<PathBuf>,
    /// Kept because they hold uncommitted changes (or git would not
    /// remove them): the path and why.
    pub kept: Vec<(PathBuf, String)>,
}

/// Remove the worktrees whose session is no longer on disk and which hold
/// no uncommitted change; name the others. Directories that are not git
/// worktrees of their own are left alone.
pub fn tidy(profile: &Profile) -> Result<Tidy> {
    let mut done = Tidy::default();
    for name in store::dir_names(&profile.worktrees_dir())? {
        if !ids::is_valid(&name) || profile.session_dir(&ids::session_name(&name)).is_dir() {
            continue;
        }
        let Some(dir) = own_worktree(&path(profile, &name))? else {
            continue;
        };
        let status = git(&dir, &["status", "--porcelain"])?;
        if !status.status.success() {
            let why = String::from_utf8_lossy(&status.stderr).trim().to_string();
            done.kept.push((dir, why));
        } else if !status.stdout.is_empty() {
            done.kept.push((dir, "uncommitted changes".into()));
        } else {
            let out = git(&dir, &["worktree", "remove", &dir.to_string_lossy()])?;
            if out.status.success() {
                done.removed.push(dir);
            } else {
                let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
                done.kept.push((dir, why));
            }
        }
    }
    Ok(done)
}

/// `dir`, resolved, when it is the top of a git worktree of its own (not
/// just a directory inside some repository).
fn own_worktree(dir: &Path) -> Result<Option<PathBuf>> {
    let Ok(dir) = std::fs::canonicalize(dir) else {
        return Ok(None);
    };
    Ok(toplevel(&dir)?.filter(|top| *top == dir))
}

/// The top of the git work tree that holds `dir`, if any.
fn toplevel(dir: &Path) -> Result<Option<PathBuf>> {
    let out = git(dir, &["rev-parse", "--show-toplevel"])?;
    if !out.status.success() {
        return Ok(None);
    }
    let top = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim_end_matches('\n'));
    Ok(Some(std::fs::canonicalize(&top).unwrap_or(top)))
}

/// Run `git -C dir args…` to its end; its output. A git missing from PATH
/// is refused (status 1), naming it.
fn git(dir: &Path, args: &[&str]) -> Result<Output> {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // A GIT_DIR inherited from a hook would point every command elsewhere.
    for name in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"] {
        cmd.env_remove(name);
    }
    let child = match proc::spawn(&mut cmd, None, &[]) {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(exit::refused("--worktree needs git, which is not on PATH"));
        }
        Err(e) => return Err(e).context("cannot run git"),
    };
    child.wait_with_output().context("cannot run git")
}
