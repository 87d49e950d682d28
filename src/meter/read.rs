//! Reading only what a transcript gained since the last read, in whole
//! lines, and noticing when the file was replaced or cut.
//!
//! A read starts at the saved offset. The file's first bytes (up to
//! [`HEAD_BYTES`]) are fingerprinted when read; if the file is now shorter
//! than the offset or its head differs, it is another file, and it is read
//! again from the start (the caller's per-message keys keep that from
//! counting anything twice). Bytes after the last newline are a line still
//! being written and wait for the next read, unless the writer is gone
//! (`final_read`), when they are the last line.

use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::path::Path;

/// How much of the head is fingerprinted.
const HEAD_BYTES: u64 = 1024;
/// How much is read per step; each step is committed before the next.
const CHUNK: usize = 4 * 1024 * 1024;
/// A line longer than this is skipped unread (it is no transcript line).
const MAX_LINE: usize = 64 * 1024 * 1024;

/// Where the last read ended and what the file's head looked like then.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub offset: u64,
    /// Bytes of the head fingerprinted, and their hash.
    pub head_len: u64,
    pub head_hash: u64,
}

/// An open transcript, positioned where reading resumes.
#[derive(Debug)]
pub struct Cursor {
    file: File,
    size: u64,
    pos: Position,
    /// Whether the file was another one than at the last read.
    pub replaced: bool,
    final_read: bool,
}

/// One step: whole lines and the position after them.
#[derive(Debug)]
pub struct Chunk {
    pub bytes: Vec<u8>,
    /// Lines too long to hold, skipped without being read.
    pub oversized: u64,
    pub after: Position,
}

impl Cursor {
    /// Open `path` to read what follows `pos`; `None` when it is missing.
    pub fn open(path: &Path, pos: Position, final_read: bool) -> std::io::Result<Option<Cursor>> {
        let mut file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let size = file.metadata()?.len();
        let same = size >= pos.offset && head_hash(&mut file, pos.head_len)? == pos.head_hash;
        let (pos, replaced) = if same {
            (pos, false)
        } else {
            (Position::default(), true)
        };
        Ok(Some(Cursor {
            file,
            size,
            pos,
            replaced,
            final_read,
        }))
    }

    /// Where reading stands: after the last chunk, or at 0 for a file
    /// found replaced.
    pub fn position(&self) -> Position {
        self.pos
    }

    /// The next chunk of whole lines, `None` when nothing whole is left.
    pub fn next(&mut self) -> std::io::Result<Option<Chunk>> {
        let start = self.pos.offset;
        if start >= self.size {
            return Ok(None);
        }
        self.file.seek(SeekFrom::Start(start))?;
        let mut bytes = Vec::new();
        let mut oversized = 0;
        let mut limit = CHUNK;
        let end = loop {
            let want = (self.size - start).min(limit as u64) as usize;
            bytes.resize(want, 0);
            let got = read_full(&mut self.file, &mut bytes[..])?;
            bytes.truncate(got);
            let at_end = start + got as u64 >= self.size;
            if let Some(nl) = bytes.iter().rposition(|&b| b == b'\n') {
                bytes.truncate(nl + 1);
                break start + bytes.len() as u64;
            }
            if at_end {
                if !self.final_read || bytes.is_empty() {
                    return Ok(None);
                }
                break start + bytes.len() as u64;
            }
            if limit >= MAX_LINE {
                // One line longer than any transcript line: skip to its end.
                let skip_to = self.line_end(start + bytes.len() as u64)?;
                bytes.clear();
                oversized = 1;
                break skip_to;
            }
            limit *= 4;
            self.file.seek(SeekFrom::Start(start))?;
        };
        let after = self.position_at(end)?;
        self.pos = after;
        Ok(Some(Chunk {
            bytes,
            oversized,
            after,
        }))
    }

    /// Where the line running through `from` ends (after its newline), or
    /// the file's end.
    fn line_end(&mut self, from: u64) -> std::io::Result<u64> {
        self.file.seek(SeekFrom::Start(from))?;
        let mut buf = vec![0; 64 * 1024];
        let mut at = from;
        loop {
            let n = self.file.read(&mut buf)?;
            if n == 0 {
                return Ok(at);
            }
            if let Some(nl) = buf[..n].iter().position(|&b| b == b'\n') {
                return Ok(at + nl as u64 + 1);
            }
            at += n as u64;
        }
    }

    /// The position after `offset` bytes, with the head fingerprinted.
    fn position_at(&mut self, offset: u64) -> std::io::Result<Position> {
        let head_len = offset.min(HEAD_BYTES);
        let head_hash = if head_len == self.pos.head_len {
            self.pos.head_hash
        } else {
            head_hash(&mut self.file, head_len)?
        };
        Ok(Position {
            offset,
            head_len,
            head_hash,
        })
    }
}

/// The hash of the file's first `len` bytes (0 for `len` 0, or when the
/// file is shorter, which can then never match).
fn head_hash(file: &mut File, len: u64) -> std::io::Result<u64> {
    if len == 0 {
        return Ok(0);
    }
    file.seek(SeekFrom::Start(0))?;
    let mut buf = vec![0; len as usize];
    let got = read_full(file, &mut buf)?;
    if got < buf.len() {
        return Ok(u64::MAX);
    }
    Ok(crate::paths::fnv1a(&buf))
}

/// Read until `buf` is full or the file ends; how many bytes came.
fn read_full(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn all(path: &Path, pos: Position, final_read: bool) -> (String, Position, bool) {
        let mut c = Cursor::open(path, pos, final_read).unwrap().unwrap();
        let mut text = String::new();
        while let Some(chunk) = c.next().unwrap() {
            text.push_str(std::str::from_utf8(&chunk.bytes).unwrap());
            assert_eq!(chunk.after, c.position());
        }
        (text, c.position(), c.replaced)
    }

    #[test]
    fn only_appended_whole_lines_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        assert!(
            Cursor::open(&path, Position::default(), false)
                .unwrap()
                .is_none()
        );
        std::fs::write(&path, "one\ntwo\nthr").unwrap();
        let (text, pos, replaced) = all(&path, Position::default(), false);
        assert_eq!(
            (text.as_str(), pos.offset, replaced),
            ("one\ntwo\n", 8, false)
        );
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"ee\n").unwrap();
        let (text, pos, _) = all(&path, pos, false);
        assert_eq!((text.as_str(), pos.offset), ("three\n", 14));
        let (text, _, _) = all(&path, pos, false);
        assert_eq!(text, "");
        f.write_all(b"cut").unwrap();
        assert_eq!(all(&path, pos, false).0, "");
        assert_eq!(all(&path, pos, true).0, "cut", "the writer is gone");
    }

    #[test]
    fn a_replaced_or_truncated_file_is_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(&path, "aaaa\nbbbb\n").unwrap();
        let (_, pos, _) = all(&path, Position::default(), false);
        std::fs::write(&path, "AAAA\nbbbb\ncccc\n").unwrap();
        let (text, _, replaced) = all(&path, pos, false);
        assert!(replaced);
        assert_eq!(text, "AAAA\nbbbb\ncccc\n");
        std::fs::write(&path, "x\n").unwrap();
        let (text, _, replaced) = all(&path, pos, false);
        assert!(replaced);
        assert_eq!(text, "x\n");
    }

    #[test]
    fn large_files_come_in_chunks_ending_at_newlines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let line = format!("{}\n", "x".repeat(999));
        std::fs::write(&path, line.repeat(10_000)).unwrap();
        let mut c = Cursor::open(&path, Position::default(), false)
            .unwrap()
            .unwrap();
        let mut chunks = 0;
        let mut total = 0;
        while let Some(chunk) = c.next().unwrap() {
            assert!(chunk.bytes.ends_with(b"\n"));
            assert_eq!(chunk.bytes.len() % 1000, 0);
            total += chunk.bytes.len();
            chunks += 1;
        }
        assert_eq!((total, chunks), (10_000_000, 3));
    }
}
