//! What the meter remembers of one session, beside the session's record:
//! `meter.json` (where reading stands, what was counted, the ledger lines
//! about to be appended), `meter.keys` (the keys of the messages counted)
//! and `meter.lock` (one meter at a time per session).
//!
//! `meter.json` stays small, because every beat reads it for every worker
//! to see whether its transcript grew; the keys, which grow with the
//! session, are read only when there is something new to count. Their file
//! is valid up to `keys_len`: keys written by a read that was killed before
//! it committed lie past it and are ignored and overwritten.

use super::read::Position;
use crate::agents::spec::Memory;
use crate::store;
use crate::usage::Tokens;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// `meter.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeterState {
    /// The transcript, once found.
    pub path: Option<PathBuf>,
    /// The CLI's own session id, learned from its transcript (codex).
    pub agent_session: Option<String>,
    pub pos: Position,
    pub memory: Memory,
    /// The running total as last read (codex).
    pub total: Tokens,
    /// How many bytes of `meter.keys` are valid.
    pub keys_len: u64,
    /// Lines skipped (not JSON, wrong field types), and how often the file
    /// was found replaced or cut.
    pub skipped: u64,
    pub replaced: u64,
    /// What was counted so far: priced USD, and tokens without a price.
    pub spent_usd: f64,
    pub unpriced_tokens: u64,
    /// Numbers the reads, so each ledger line written has a unique mark.
    pub seq: u64,
    /// Ledger lines written ahead: this state already counts them; they
    /// are appended (unless the ledger already has them) and then cleared.
    pub pending: Option<Pending>,
    /// The end (`ended_at`) of the run whose last, unterminated line was
    /// read: a finished session is not read again until it runs again.
    pub final_for: Option<String>,
}

/// Ledger lines about to be appended.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// The ledger's length before them: they can only be after it.
    pub ledger_len: u64,
    /// Each line's unique mark, and the line.
    pub lines: Vec<(String, String)>,
}

/// The files of one session's meter.
#[derive(Debug, Clone)]
pub struct Files {
    dir: PathBuf,
}

impl Files {
    pub fn new(session_dir: &Path) -> Files {
        Files {
            dir: session_dir.to_path_buf(),
        }
    }

    pub fn state(&self) -> PathBuf {
        self.dir.join("meter.json")
    }

    pub fn lock(&self) -> PathBuf {
        self.dir.join("meter.lock")
    }

    fn keys(&self) -> PathBuf {
        self.dir.join("meter.keys")
    }

    /// The state, or a fresh one when there is none. An unreadable one
    /// (only a power loss can cut it: it is replaced by rename) starts the
    /// transcript over with every key in `meter.keys` taken as counted, so
    /// messages are not counted twice.
    pub fn load(&self) -> MeterState {
        match store::read_json::<MeterState>(&self.state()) {
            Ok(Some(state)) => state,
            Ok(None) => MeterState::default(),
            Err(_) => MeterState {
                keys_len: std::fs::metadata(self.keys()).map_or(0, |m| m.len() / 8 * 8),
                ..MeterState::default()
            },
        }
    }

    pub fn save(&self, state: &MeterState) -> Result<()> {
        let json = serde_json::to_vec(state)?;
        store::write_atomic_mode(&self.state(), &json, 0o600)
            .with_context(|| format!("cannot save {}", self.state().display()))
    }

    /// Removes the meter's files (the lock file stays: others may hold it).
    pub fn remove(&self) -> Result<()> {
        for path in [self.state(), self.keys()] {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot remove {}", path.display()));
                }
            }
        }
        Ok(())
    }

    /// The keys counted so far (the first `len` bytes of `meter.keys`).
    pub fn read_keys(&self, len: u64) -> Result<HashSet<u64>> {
        let mut bytes = Vec::new();
        match std::fs::File::open(self.keys()) {
            Ok(f) => {
                f.take(len)
                    .read_to_end(&mut bytes)
                    .with_context(|| format!("cannot read {}", self.keys().display()))?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}", self.keys().display()));
            }
        }
        Ok(bytes
            .chunks_exact(8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
            .collect())
    }

    /// Writes `keys` after the first `len` valid bytes; the new valid length.
    pub fn add_keys(&self, len: u64, keys: &[u64]) -> Result<u64> {
        if keys.is_empty() {
            return Ok(len);
        }
        let path = self.keys();
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let bytes: Vec<u8> = keys.iter().flat_map(|k| k.to_le_bytes()).collect();
        f.set_len(len)
            .and_then(|_| f.seek(SeekFrom::Start(len)))
            .and_then(|_| f.write_all(&bytes))
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(len + bytes.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_past_the_valid_length_are_ignored_and_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::new(dir.path());
        let len = files.add_keys(0, &[1, 2]).unwrap();
        assert_eq!(len, 16);
        files.add_keys(len, &[3]).unwrap(); // a read killed before commit
        assert_eq!(files.read_keys(len).unwrap(), [1, 2].into());
        let len = files.add_keys(len, &[4]).unwrap();
        assert_eq!(files.read_keys(len).unwrap(), [1, 2, 4].into());
    }

    #[test]
    fn state_round_trips_and_a_missing_one_is_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::new(dir.path());
        assert_eq!(files.load(), MeterState::default());
        let state = MeterState {
            path: Some("/t.jsonl".into()),
            seq: 3,
            pending: Some(Pending {
                ledger_len: 9,
                lines: vec![("m".into(), "{}".into())],
            }),
            ..MeterState::default()
        };
        files.save(&state).unwrap();
        assert_eq!(files.load(), state);
        std::fs::write(files.state(), "{cut").unwrap();
        assert_eq!(files.load().seq, 0);
    }
}
