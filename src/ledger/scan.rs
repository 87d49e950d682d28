//! Streaming over `cost.jsonl` one line at a time.
//!
//! The ledger only grows, and a report must stay fast at a million lines, so
//! nothing holds the file in memory: one reused byte buffer, each line parsed
//! in place into a borrowed [`Entry`]. A line that is not a valid entry (torn
//! by a crash, edited by hand, not UTF-8) is skipped and counted, never fatal.

use super::days;
use super::entry::{Entry, check_usd};
use anyhow::{Context, Result};
use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind};
use std::path::Path;

/// Call `each(entry, epoch_seconds)` for every valid line of the ledger at
/// `path`; returns how many non-blank lines were malformed. A missing
/// ledger is an empty one.
pub fn scan(path: &Path, mut each: impl FnMut(&Entry, i64)) -> Result<u64> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let mut line = Vec::with_capacity(512);
    let mut skipped = 0;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            return Ok(skipped);
        }
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        match parse_line(text) {
            Some((entry, secs)) => each(&entry, secs),
            None => skipped += 1,
        }
    }
}

/// A valid entry and its instant, or `None` for a malformed line.
fn parse_line(text: &[u8]) -> Option<(Entry<'_>, i64)> {
    let entry: Entry = serde_json::from_slice(text).ok()?;
    check_usd(entry.cost_usd).ok()?;
    let secs = days::parse_ts(&entry.ts)?;
    Some((entry, secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_are_counted_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cost.jsonl");
        let good = r#"{"ts":"2026-11-23T10:00:00Z","kind":"tick","id":"a","runner":"claude","cost_usd":0.5}"#;
        let text = [
            good,
            "",
            "not json",
            r#"{"ts":"2026-11-23T10:00:00Z","kind":"tick","id":"a","runner":"claude","cost_usd":-1}"#,
            r#"{"ts":"later","kind":"tick","id":"a","runner":"claude","cost_usd":1}"#,
            r#"{"ts":"2026-11-23T10:00:00Z","kind":"tick","id":"a","cost_usd":1}"#,
            good,
            r#"{"ts":"2026-11-23T10:00:00Z","kind":"ti"#,
        ]
        .join("\n");
        std::fs::write(&p, text).unwrap();
        let mut seen = 0.0;
        let skipped = scan(&p, |e, _| seen += e.cost_usd).unwrap();
        assert_eq!(seen, 1.0);
        assert_eq!(skipped, 5);
    }

    #[test]
    fn missing_ledger_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let mut calls = 0;
        assert_eq!(
            scan(&dir.path().join("none"), |_, _| calls += 1).unwrap(),
            0
        );
        assert_eq!(calls, 0);
    }
}
