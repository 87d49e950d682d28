//! `looop log`: a session's output, readable, from disk.
//!
//! Reads `output.log` in chunks (a 64 MiB log never sits in memory), strips
//! terminal escapes unless `--raw`, keeps the last N lines for `--tail`, and
//! with `--follow` keeps reading until the session ends.

use super::ansi::Stripper;
use super::session;
use crate::paths::Profile;
use anyhow::{Context, Result};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::time::Duration;

/// What part of the output `log` shows, and how.
pub struct LogOptions {
    pub tail: Option<usize>,
    pub follow: bool,
    pub raw: bool,
}

/// How often `--follow` looks for more output.
const FOLLOW_EVERY: Duration = Duration::from_millis(100);

/// Write `session`'s output to `out`: all of it or the last `tail` lines,
/// escapes stripped unless `raw`, then with `follow` whatever comes until
/// the session ends.
pub fn write(
    profile: &Profile,
    session: &str,
    opts: &LogOptions,
    mut out: &mut dyn Write,
) -> Result<()> {
    let dir = session::dir(profile, session);
    let path = session::log_path(&dir);
    let mut stripper = Stripper::default();
    let mut file = match File::open(&path) {
        Ok(f) => Some(f),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut pos = 0u64;
    if let Some(f) = file.as_mut() {
        pos = match opts.tail {
            Some(n) => print_tail(f, n, opts.raw, &mut out)?,
            None => 0,
        };
        pos = copy_from(f, pos, opts.raw, &mut stripper, &mut out)?;
    }
    if !opts.follow {
        return Ok(());
    }
    loop {
        // Liveness first, then one last read: nothing written before the
        // end is missed.
        let alive = session::alive(&dir);
        if file.is_none() {
            file = File::open(&path).ok();
        }
        if let Some(f) = file.as_mut() {
            let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            if len < pos {
                // The log was capped (its newest part kept): start over on
                // the new file.
                *f =
                    File::open(&path).with_context(|| format!("cannot read {}", path.display()))?;
                pos = 0;
            }
            pos = copy_from(f, pos, opts.raw, &mut stripper, &mut out)?;
        }
        if !alive {
            return Ok(());
        }
        std::thread::sleep(FOLLOW_EVERY);
    }
}

/// Copy everything from `pos` to the end; returns the new position.
fn copy_from(
    f: &mut File,
    pos: u64,
    raw: bool,
    stripper: &mut Stripper,
    out: &mut impl Write,
) -> Result<u64> {
    f.seek(SeekFrom::Start(pos))?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut text = Vec::with_capacity(buf.len());
    let mut pos = pos;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        pos += n as u64;
        if raw {
            out.write_all(&buf[..n])?;
        } else {
            text.clear();
            stripper.feed(&buf[..n], &mut text);
            out.write_all(&text)?;
        }
    }
    out.flush()?;
    Ok(pos)
}

/// Print the last `n` lines; returns the file position where it stopped.
fn print_tail(f: &mut File, n: usize, raw: bool, out: &mut impl Write) -> Result<u64> {
    let len = f.metadata()?.len();
    // Read backwards in blocks until enough newlines are in hand. Escapes
    // are stripped after, so count a few spare lines.
    let mut start = len;
    let mut block = Vec::new();
    const STEP: u64 = 64 * 1024;
    while start > 0 {
        let from = start.saturating_sub(STEP);
        let mut chunk = vec![0u8; (start - from) as usize];
        f.seek(SeekFrom::Start(from))?;
        f.read_exact(&mut chunk)?;
        chunk.extend_from_slice(&block);
        block = chunk;
        start = from;
        if block.iter().filter(|b| **b == b'\n').count() > n.saturating_add(1) {
            break;
        }
    }
    let text = if raw {
        block
    } else {
        super::ansi::strip(&block)
    };
    let body = text.strip_suffix(b"\n").unwrap_or(&text);
    let lines: Vec<&[u8]> = body.split(|b| *b == b'\n').collect();
    let skip = lines.len().saturating_sub(n);
    if n > 0 && !text.is_empty() {
        for line in &lines[skip..] {
            out.write_all(line)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(len)
}
