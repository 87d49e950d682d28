//! Append-only logs (journal, events, the cost ledger): one whole line per
//! `write` under an exclusive `fs2` lock, never through a link, cut back
//! off when the write came up short, so a line is whole or absent.

use super::links::open_no_follow;
use anyhow::{Context, Result};
use fs2::FileExt;
use serde::Serialize;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Append one line (a `\n` is added) under an exclusive lock, as a single
/// write, so concurrent appenders never interleave or tear lines. A short
/// write (a full disk) is cut back off: the line is whole or absent.
pub fn append_line(path: &Path, line: &str) -> Result<()> {
    append(path, line, false)
}

/// [`append_line`], then fsync: for records that must survive a crash
/// (the cost ledger).
pub fn append_line_synced(path: &Path, line: &str) -> Result<()> {
    append(path, line, true)
}

fn append(path: &Path, line: &str, sync: bool) -> Result<()> {
    let f = open_no_follow(
        OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600),
        path,
        "cannot open for appending",
    )?;
    f.lock_exclusive()
        .with_context(|| format!("cannot lock {}", path.display()))?;
    let mut buf = String::with_capacity(line.len() + 2);
    // A hand edit may have left the last line unterminated: end it first,
    // or the two lines would fuse into one that readers skip.
    if !ends_with_newline(&f) {
        buf.push('\n');
    }
    buf.push_str(line);
    buf.push('\n');
    // A synced log that was just created also needs its name made durable.
    let created = f.metadata().is_ok_and(|m| m.len() == 0);
    let written = write_whole(&f, buf.as_bytes()).and_then(|()| {
        if !sync {
            return Ok(());
        }
        f.sync_data()?;
        match path
            .parent()
            .filter(|d| created && !d.as_os_str().is_empty())
        {
            Some(dir) => super::sync::sync_dir(dir).map_err(std::io::Error::other),
            None => Ok(()),
        }
    });
    // Unlock happens on close anyway; an unlock error changes nothing here.
    let _ = FileExt::unlock(&f);
    written.with_context(|| format!("cannot append to {}", path.display()))
}

/// One `write` of all of `bytes` at the end of `f` (opened for append, its
/// lock held); if less went out, the file is cut back to where it was.
fn write_whole(mut f: &File, bytes: &[u8]) -> std::io::Result<()> {
    let before = f.metadata()?.len();
    let result = match f.write(bytes) {
        Ok(n) if n == bytes.len() => return Ok(()),
        Ok(n) => Err(std::io::Error::new(
            ErrorKind::WriteZero,
            format!("short write ({n} of {} bytes)", bytes.len()),
        )),
        Err(e) => Err(e),
    };
    if f.metadata().is_ok_and(|m| m.len() > before) {
        // Best effort: if even this fails the reader skips one torn line.
        let _ = f.set_len(before);
    }
    result
}

/// Whether `f` is empty or its last byte is a newline (unknown counts as yes).
fn ends_with_newline(f: &File) -> bool {
    use std::os::unix::fs::FileExt as _;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut last = [b'\n'];
    len == 0 || f.read_at(&mut last, len - 1).is_err() || last[0] == b'\n'
}

/// Serialize `value` as one compact JSON line and [`append_line`] it.
pub fn append_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let line = serde_json::to_string(value)?;
    append_line(path, &line)
}

/// [`append_json`], fsynced ([`append_line_synced`]).
pub fn append_json_synced<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let line = serde_json::to_string(value)?;
    append_line_synced(path, &line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn an_append_after_an_unterminated_line_starts_a_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cost.jsonl");
        append_line(&p, "first").unwrap();
        fs::write(&p, "first\nhand edit").unwrap();
        append_line(&p, "second").unwrap();
        append_line(&p, "third").unwrap();
        assert_eq!(
            fs::read_to_string(&p).unwrap(),
            "first\nhand edit\nsecond\nthird\n"
        );
    }

    #[test]
    fn appends_are_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log.jsonl");
        std::thread::scope(|s| {
            for t in 0..8 {
                let p = &p;
                s.spawn(move || {
                    for i in 0..50 {
                        append_line(p, &format!("{{\"t\":{t},\"i\":{i}}}")).unwrap();
                    }
                });
            }
        });
        let text = fs::read_to_string(&p).unwrap();
        assert_eq!(text.lines().count(), 400);
        for line in text.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
    }
}
