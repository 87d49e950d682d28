//! Editing the user's crontab through `crontab -l` / `crontab -`, the only
//! interface every cron implementation shares.
//!
//! A profile owns at most one line, recognised by its marker comment
//! (`# looop:<profile key>`). Installing replaces that line (or appends it);
//! removing deletes it; every other line, the user's own and other profiles',
//! is passed through byte for byte. Doing nothing when nothing would change
//! makes both idempotent. A per-user lock keeps two `schedule` runs from
//! reading the same crontab and each writing back a version without the
//! other's line.

use super::cron::marker;
use super::job::Job;
use crate::exit;
use crate::paths::Profile;
use crate::store::Lock;
use anyhow::{Context, Result};
use std::io::Write;
use std::process::{Command, Stdio};

/// What an edit did to the crontab text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The text already said what we wanted; nothing to write.
    Unchanged,
    Added,
    Replaced,
    Removed,
    /// Nothing of ours was there to remove.
    Absent,
}

/// Whether `line` carries this profile's marker (exactly: a longer key that
/// merely starts with ours is another profile).
fn is_ours(line: &str, key: &str) -> bool {
    let marker = marker(key);
    line.match_indices(&marker).any(|(at, _)| {
        matches!(
            line[at + marker.len()..].chars().next(),
            None | Some(' ' | '\t')
        )
    })
}

/// `current` with this profile's line set to `new_line`.
pub fn with_line(current: &str, key: &str, new_line: &str) -> (String, Edit) {
    let lines: Vec<&str> = current.lines().collect();
    let ours: Vec<usize> = (0..lines.len())
        .filter(|i| is_ours(lines[*i], key))
        .collect();
    if ours.len() == 1 && lines[ours[0]] == new_line {
        return (current.to_string(), Edit::Unchanged);
    }
    let mut out = Vec::with_capacity(lines.len() + 1);
    for (i, l) in lines.iter().enumerate() {
        if ours.first() == Some(&i) {
            out.push(new_line);
        } else if !ours.contains(&i) {
            out.push(l);
        }
    }
    let edit = if ours.is_empty() {
        out.push(new_line);
        Edit::Added
    } else {
        Edit::Replaced
    };
    (join(&out), edit)
}

/// `current` without this profile's line.
pub fn without_line(current: &str, key: &str) -> (String, Edit) {
    let lines: Vec<&str> = current.lines().collect();
    let kept: Vec<&str> = lines.iter().copied().filter(|l| !is_ours(l, key)).collect();
    if kept.len() == lines.len() {
        return (current.to_string(), Edit::Absent);
    }
    (join(&kept), Edit::Removed)
}

/// Lines back into crontab text: cron ignores a last line without a newline.
fn join(lines: &[&str]) -> String {
    let mut s = String::new();
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// Put `line` into the crontab for this profile: added, replaced or
/// already there (unchanged, nothing written).
pub fn install(profile: &Profile, job: &Job, line: &str) -> Result<Edit> {
    let _lock = user_lock(profile)?;
    let current = read()?;
    let (text, edit) = with_line(&current, &job.key, line);
    if edit != Edit::Unchanged {
        write(&text)?;
    }
    Ok(edit)
}

/// Take this profile's line out of the crontab: removed, or absent
/// (nothing written).
pub fn remove(profile: &Profile, job: &Job) -> Result<Edit> {
    let _lock = user_lock(profile)?;
    let current = read()?;
    let (text, edit) = without_line(&current, &job.key);
    if edit != Edit::Absent {
        write(&text)?;
    }
    Ok(edit)
}

/// One lock per user (not per profile): every profile edits the same crontab.
fn user_lock(profile: &Profile) -> Result<Lock> {
    let runtime = profile.runtime_dir()?;
    let dir = runtime.parent().unwrap_or(&runtime);
    Lock::acquire(&dir.join("crontab.lock"))
}

/// The current crontab; "no crontab for <user>" is an empty one.
fn read() -> Result<String> {
    let out = Command::new("crontab")
        .arg("-l")
        .stdin(Stdio::null())
        .output()
        .map_err(not_runnable)?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        if stderr.to_ascii_lowercase().contains("no crontab for") {
            return Ok(String::new());
        }
        return Err(exit::refused(format!(
            "`crontab -l` failed ({}): {}; your crontab was not changed",
            out.status,
            stderr.trim()
        )));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| exit::refused("`crontab -l` printed text that is not UTF-8; not editing it"))
}

/// Replace the crontab with `text`.
fn write(text: &str) -> Result<()> {
    let mut child = Command::new("crontab")
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(not_runnable)?;
    let mut stdin = child.stdin.take().context("crontab: no stdin pipe")?;
    stdin
        .write_all(text.as_bytes())
        .context("cannot write the new crontab to `crontab -`")?;
    drop(stdin);
    let out = child
        .wait_with_output()
        .context("cannot wait for `crontab -`")?;
    if !out.status.success() {
        return Err(exit::refused(format!(
            "`crontab -` refused the new crontab ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

fn not_runnable(e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        exit::refused(
            "cannot run `crontab`: it is not on PATH (install cron, e.g. `apt-get install cron`)",
        )
    } else {
        exit::refused(format!("cannot run `crontab`: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "00000000000000aa";

    fn ours(cmd: &str) -> String {
        format!("* * * * * {cmd} # looop:{KEY} /data")
    }

    #[test]
    fn install_appends_then_is_idempotent() {
        let user = "MAILTO=me\n0 3 * * * backup.sh\n";
        let (t, e) = with_line(user, KEY, &ours("a"));
        assert_eq!(e, Edit::Added);
        assert_eq!(t, format!("{user}{}\n", ours("a")));
        let (t2, e) = with_line(&t, KEY, &ours("a"));
        assert_eq!(e, Edit::Unchanged);
        assert_eq!(t2, t);
    }

    #[test]
    fn install_replaces_in_place_and_dedups() {
        let text = format!("a\n{}\nb\n{}\n", ours("old"), ours("older"));
        let (t, e) = with_line(&text, KEY, &ours("new"));
        assert_eq!(e, Edit::Replaced);
        assert_eq!(t, format!("a\n{}\nb\n", ours("new")));
    }

    #[test]
    fn other_profiles_are_untouched() {
        let other = "* * * * * x # looop:00000000000000aab /other";
        let text = format!("{other}\n");
        let (t, e) = with_line(&text, KEY, &ours("a"));
        assert_eq!(e, Edit::Added);
        assert!(t.starts_with(other));
        let (t, e) = without_line(&t, KEY);
        assert_eq!(e, Edit::Removed);
        assert_eq!(t, text);
    }

    #[test]
    fn remove_when_absent_is_a_noop() {
        let (t, e) = without_line("x\n", KEY);
        assert_eq!(e, Edit::Absent);
        assert_eq!(t, "x\n");
        assert_eq!(without_line("", KEY).1, Edit::Absent);
    }

    #[test]
    fn missing_final_newline_is_repaired() {
        let (t, _) = with_line("0 3 * * * backup.sh", KEY, &ours("a"));
        assert_eq!(t, format!("0 3 * * * backup.sh\n{}\n", ours("a")));
    }
}
