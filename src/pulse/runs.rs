//! `runs/<run-id>/`: one directory per beat that called the tick AI (its
//! prompt, output, `run.log`), the newest [`KEEP_RUNS`] kept.
//!
//! Pruning deletes only what looop made: directories (not links) whose name
//! parses as a run id. A user's `runs/2019-notes` stays, and a `runs/` that
//! is a symlink is refused with an error naming it, so nothing is created
//! in or deleted from the link's target.

use crate::paths::Profile;
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

/// How many run directories are kept.
pub const KEEP_RUNS: usize = 50;

/// A fresh, sortable run id and its directory; old runs beyond the newest
/// [`KEEP_RUNS`] are removed.
pub fn new_run(profile: &Profile) -> Result<(String, PathBuf)> {
    let runs = profile.runs_dir();
    if runs
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
    {
        bail!(
            "{} is a symlink; looop keeps its runs in a real directory there \
             (remove the link)",
            runs.display()
        );
    }
    crate::store::ensure_dir(&runs, 0o700)?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let run_id = format!("{stamp}-{}", std::process::id());
    let dir = runs.join(&run_id);
    crate::store::create_dir(&dir, 0o700)?;
    prune(&runs);
    Ok((run_id, dir))
}

/// Whether `name` is a run id looop made: `YYYYMMDDTHHMMSS.mmmZ-<pid>`.
pub fn is_run_id(name: &str) -> bool {
    let Some((stamp, pid)) = name.split_once("Z-") else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let b = stamp.as_bytes();
    stamp.len() == 19
        && digits(&stamp[..8])
        && b[8] == b'T'
        && digits(&stamp[9..15])
        && b[15] == b'.'
        && digits(&stamp[16..])
        && digits(pid)
        && pid.len() <= 10
}

/// Remove the oldest run directories beyond [`KEEP_RUNS`]; never a link,
/// never a name looop did not make.
fn prune(runs: &Path) {
    let Ok(entries) = std::fs::read_dir(runs) else {
        return;
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        // `file_type` does not follow links: a link to a dir is not a dir.
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| e.file_name().to_str().is_some_and(is_run_id))
        .map(|e| e.path())
        .collect();
    if dirs.len() <= KEEP_RUNS {
        return;
    }
    dirs.sort();
    for old in &dirs[..dirs.len() - KEEP_RUNS] {
        if let Err(e) = std::fs::remove_dir_all(old) {
            eprintln!("looop: warning: cannot prune {}: {e}", old.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_looops_names_are_run_ids() {
        assert!(is_run_id("20261205T213012.345Z-4242"));
        for not in [
            "2019-notes",
            "20261205T213012.345Z-",
            "20261205T213012Z-42",
            "20261205T213012.345Z-42x",
            "x0261205T213012.345Z-42",
            ".groups",
            "",
        ] {
            assert!(!is_run_id(not), "{not}");
        }
    }

    #[test]
    fn prune_keeps_strangers_links_and_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let runs = dir.path().join("runs");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(outside.join("20000101T000000.000Z-1")).unwrap();
        std::fs::create_dir_all(&runs).unwrap();
        for i in 0..KEEP_RUNS + 3 {
            std::fs::create_dir(runs.join(format!("20260101T0000{i:02}.000Z-1"))).unwrap();
        }
        std::fs::create_dir(runs.join("2019-notes")).unwrap();
        std::os::unix::fs::symlink(&outside, runs.join("00000000T000000.000Z-1")).unwrap();
        prune(&runs);
        let mut left: Vec<String> = std::fs::read_dir(&runs)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left.len(), KEEP_RUNS + 2, "{left:?}");
        assert_eq!(left[0], "00000000T000000.000Z-1");
        assert!(left.contains(&"2019-notes".to_string()));
        assert!(!left.contains(&"20260101T000000.000Z-1".to_string()));
        assert!(outside.join("20000101T000000.000Z-1").is_dir());
    }
}
