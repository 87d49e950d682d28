//! `.state.json`: what one beat leaves for the next one and for `status` —
//! the last beat's outcome, the last failure (for LAST FAILURE in the next
//! prompt), open `ask_human` messages, flags already surfaced, and the
//! failure streak `looop run` backs off on. Scratch: never committed.

use crate::paths::Profile;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BeatState {
    pub last_beat: Option<BeatRecord>,
    pub last_failure: Option<Failure>,
    /// `ask_human` messages, shown under NEEDS YOU until the next acting beat.
    pub asks: Vec<Ask>,
    /// Flags already announced (`needs_you` event, notify): session -> note.
    pub surfaced: BTreeMap<String, String>,
    /// tmux windows looop opened for workers: session -> window. A flag
    /// counts as surfaced in tmux only once its window's note is the flag's.
    pub windows: BTreeMap<String, super::tmux::Window>,
    pub consecutive_failures: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BeatRecord {
    /// RFC 3339 UTC.
    pub at: String,
    /// `acted`, `unchanged`, `failed`, `budget`.
    pub outcome: String,
    /// The journal line, the failure reason, or a short note.
    pub detail: String,
    pub run_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failure {
    pub at: String,
    pub reason: String,
    pub run_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ask {
    pub at: String,
    pub message: String,
}

pub fn path(profile: &Profile) -> PathBuf {
    profile.data.join(".state.json")
}

/// The state, or the default when there is none (or it is unreadable: it is
/// scratch, and a beat must not die because an old one was cut short).
pub fn load(profile: &Profile) -> BeatState {
    let path = path(profile);
    let mut state = match crate::store::read_json::<BeatState>(&path) {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => {
            eprintln!("looop: warning: {e:#}; starting from a fresh beat state");
            BeatState::default()
        }
    };
    // A repeated beat only touched the file (see `save`): its time is the
    // file's. Same format as `at`, so the strings compare as times.
    if let Some(beat) = state.last_beat.as_mut()
        && let Ok(touched) = std::fs::metadata(&path).and_then(|m| m.modified())
    {
        let touched = crate::events::rfc3339(touched);
        if touched > beat.at {
            beat.at = touched;
        }
    }
    state
}

/// Write the state. A beat that repeats the one before (the world
/// unchanged, again) differs only in `last_beat.at`: then the file is only
/// touched, and `load` takes that time from it. Replacing a file by rename
/// costs up to a millisecond on ext4, a sixth of an idle beat.
pub fn save(profile: &Profile, state: &BeatState) -> Result<()> {
    let path = path(profile);
    let text = to_text(state)?;
    let repeat = state.last_beat.as_ref().is_some_and(|beat| {
        crate::store::read_json::<BeatState>(&path)
            .ok()
            .flatten()
            .and_then(|mut old| {
                old.last_beat.as_mut()?.at = beat.at.clone();
                to_text(&old).ok()
            })
            .is_some_and(|old| old == text)
    });
    if repeat && crate::store::touch(&path) {
        return Ok(());
    }
    write_scratch(&path, text.as_bytes())
}

fn to_text(state: &BeatState) -> Result<String> {
    let mut text = serde_json::to_string_pretty(state)?;
    text.push('\n');
    Ok(text)
}

/// Temp + fsync + rename (+ dir fsync): readers never see a torn file and
/// a crash keeps the beat's state (CONTRACT §12). Private (0600). An idle
/// beat only touches it (see above), so this costs nothing then.
pub fn write_scratch(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::store::write_atomic_mode(path, bytes, 0o600)
}
