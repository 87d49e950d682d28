//! `journal.md`: one line per move, written by looop (never by the AI) so the
//! timestamp is the real local time and the format never drifts.

use crate::paths::Profile;
use crate::store;
use anyhow::{Context, Result};
use std::io::{Read, Seek, SeekFrom};

/// `- YYYY-MM-DD HH:MM <move> <target>: <journal>` in local time. Newlines in
/// any part become spaces so one move is always one line.
pub fn format_line(kind: &str, target: &str, journal: &str) -> String {
    let now = chrono::Local::now().format("%Y-%m-%d %H:%M");
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let target = flat(target);
    let head = if target.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} {target}")
    };
    format!("- {now} {head}: {}", flat(journal))
}

/// Append one line (locked, whole-line).
pub fn append(profile: &Profile, line: &str) -> Result<()> {
    store::append_line(&profile.journal(), line)
}

/// The last `n` lines of the journal (fewer when it is shorter or missing).
/// Reads only the end of the file, so a years-long journal costs nothing.
pub fn tail(profile: &Profile, n: usize) -> Result<Vec<String>> {
    let path = profile.journal();
    let mut file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let window: u64 = 64 * 1024;
    let start = len.saturating_sub(window);
    file.seek(SeekFrom::Start(start))
        .and_then(|_| {
            let mut buf = Vec::new();
            file.read_to_end(&mut buf).map(|_| buf)
        })
        .map(|buf| {
            let text = String::from_utf8_lossy(&buf);
            let mut lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            if start > 0 && !lines.is_empty() {
                lines.remove(0); // probably cut in the middle
            }
            let from = lines.len().saturating_sub(n);
            lines[from..].iter().map(|l| l.to_string()).collect()
        })
        .with_context(|| format!("cannot read {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_format_flattens_newlines() {
        let l = format_line("run", "make\ntest", "built it\nand tested");
        assert!(l.starts_with("- 20"), "{l}");
        assert!(l.ends_with(" run make test: built it and tested"), "{l}");
        let l = format_line("noop", "", "nothing to do");
        assert!(l.ends_with(" noop: nothing to do"), "{l}");
    }

    #[test]
    fn tail_reads_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let p = Profile::at(dir.path().join("c.toml"), dir.path().to_path_buf());
        assert!(tail(&p, 5).unwrap().is_empty());
        for i in 0..30 {
            append(&p, &format!("- line {i}")).unwrap();
        }
        let t = tail(&p, 20).unwrap();
        assert_eq!(t.len(), 20);
        assert_eq!(t[19], "- line 29");
    }
}
