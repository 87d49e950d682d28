//! Process groups a beat starts (sensors, the tick AI, a `run` move) are
//! ended by that beat when it times out or is stopped. A beat killed outright
//! (SIGKILL, OOM, power loss) cannot do that: its groups would run on with
//! nobody watching their deadline. So each group is written down in
//! `runs/.groups` while the beat runs, the file is removed when the beat
//! ends normally, and the next beat (holding the lock, so the writer is
//! surely gone) ends every group a leftover file still names.
//!
//! On Linux a leader's start time tells a reused pid apart; elsewhere a
//! leftover group id is trusted as long as a group of that id exists.

use crate::paths::Profile;
use crate::proc::{self, TERM_GRACE, info};
use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;

fn path(profile: &Profile) -> PathBuf {
    profile.runs_dir().join(".groups")
}

/// Write down groups this beat just started (leader pid = group id), with
/// each leader's start time where known, to tell it from a reused pid. One
/// write for all of them: sensors start together on every beat.
pub fn record(profile: &Profile, groups: &[u32]) {
    if groups.is_empty() {
        return;
    }
    let mut lines = String::new();
    for &pgid in groups {
        let start = info::start_time(pgid).map_or("-".to_string(), |t| t.to_string());
        lines.push_str(&format!("{pgid} {start}\n"));
    }
    let p = path(profile);
    // Private and never through a planted link, like every file looop makes.
    let written = crate::store::open_private_append(&p).and_then(|mut f| {
        f.write_all(lines.as_bytes())
            .with_context(|| format!("cannot write {}", p.display()))
    });
    if let Err(e) = written {
        // The beat still ends its own groups; only a crash would leak them.
        eprintln!("looop: warning: {e:#}");
    }
}

/// Removes the record when the beat ends by any path but a kill.
pub struct Guard<'a>(&'a Profile);

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        clear(self.0);
    }
}

fn clear(profile: &Profile) {
    let p = path(profile);
    match std::fs::remove_file(&p) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            eprintln!("looop: warning: cannot remove {}: {e}", p.display());
        }
        _ => {}
    }
}

/// Called under the beat lock: end what a crashed beat left behind, then
/// start a fresh record for this beat.
pub fn reap(profile: &Profile) -> Guard<'_> {
    let p = path(profile);
    let Ok(text) = std::fs::read_to_string(&p) else {
        return Guard(profile);
    };
    let groups: Vec<u32> = text.lines().filter_map(still_ours).collect();
    proc::group::end(&groups, TERM_GRACE);
    // This beat's record starts empty, or crash after crash would pile up.
    clear(profile);
    if !groups.is_empty() {
        println!(
            "ended {} process group(s) left by a beat that was killed",
            groups.len()
        );
    }
    Guard(profile)
}

/// The group of a `pgid start` line, if it still has live members and its
/// leader's pid was not reused.
fn still_ours(line: &str) -> Option<u32> {
    let mut parts = line.split_whitespace();
    let pgid: u32 = parts.next()?.parse().ok()?;
    // Never our own group, init's, or "every process" from a damaged file
    // (proc::group refuses those too).
    let Ok(raw) = i32::try_from(pgid) else {
        return None;
    };
    if raw <= 1 || raw == nix::unistd::getpgrp().as_raw() {
        return None;
    }
    let start: Option<u64> = parts.next().and_then(|s| s.parse().ok());
    info::recorded_group_alive(pgid, start).then_some(pgid)
}
