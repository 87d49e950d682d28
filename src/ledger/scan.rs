//! Streaming over `cost.jsonl` one line at a time.
//!
//! The ledger only grows, and a report must stay fast at a million lines, so
//! nothing holds the file in memory: one reused byte buffer, each line parsed
//! in place into a borrowed [`Entry`]. A line that is not a valid entry (torn
//! by a crash, edited by hand, not UTF-8) is skipped and counted, never fatal.

use super::days;
use super::entry::{Entry, check_usd};
use anyhow::{Context, Result};
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind, Seek, SeekFrom};
use std::path::Path;

/// Call `each(entry, epoch_seconds)` for every valid line of the ledger at
/// `path`; returns how many non-blank lines were malformed. A missing
/// ledger is an empty one.
#[cfg(test)]
pub fn scan(path: &Path, each: impl FnMut(&Entry, i64)) -> Result<u64> {
    scan_range(path, 0, u64::MAX, each)
}

/// As [`scan`], for the lines that start at a byte offset in `[from, to)`
/// (a line running through `from` belongs to the range before it): two
/// ranges that meet read every line once.
pub fn scan_range(
    path: &Path,
    from: u64,
    to: u64,
    mut each: impl FnMut(&Entry, i64),
) -> Result<u64> {
    let cannot = || format!("cannot read {}", path.display());
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e).with_context(cannot),
    };
    let mut at = 0;
    if from > 0 {
        file.seek(SeekFrom::Start(from - 1)).with_context(cannot)?;
        at = from - 1;
    }
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let mut line = Vec::with_capacity(512);
    if from > 0 {
        // The rest of the line that holds byte `from - 1` (just its
        // newline when a line starts at `from`) is the range before's.
        at += reader.read_until(b'\n', &mut line).with_context(cannot)? as u64;
    }
    let mut skipped = 0;
    while at < to {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).with_context(cannot)?;
        if n == 0 {
            break;
        }
        at += n as u64;
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        match parse_line(text) {
            Some((entry, secs)) => each(&entry, secs),
            None => skipped += 1,
        }
    }
    Ok(skipped)
}

/// A valid entry and its instant, or `None` for a malformed line.
fn parse_line(text: &[u8]) -> Option<(Entry<'_>, i64)> {
    // One UTF-8 check per line (not per string in it); a line that is not
    // UTF-8 is no entry either way.
    let text = std::str::from_utf8(text).ok()?;
    let entry = match canonical(text) {
        Some(entry) => entry,
        None => serde_json::from_str(text).ok()?,
    };
    if let Some(usd) = entry.cost_usd {
        check_usd(usd).ok()?;
    }
    let secs = days::parse_ts(&entry.ts)?;
    Some((entry, secs))
}

/// A line exactly as `record` writes it (compact, keys in their order, no
/// escapes in strings), parsed by hand: serde_json's general path was most
/// of the time of a million-line report. Anything else is `None` and goes to
/// serde_json, and whatever this accepts serde_json reads the same way, so
/// the fast path changes no result (see the tests).
fn canonical(line: &str) -> Option<Entry<'_>> {
    let mut c = Cursor(line);
    c.literal("{\"ts\":")?;
    let ts = c.string()?;
    c.literal(",\"kind\":")?;
    let kind = c.string()?;
    c.literal(",\"id\":")?;
    let id = c.string()?;
    c.literal(",\"runner\":")?;
    let runner = c.string()?;
    c.literal(",\"cost_usd\":")?;
    let cost_usd = match c.literal("null") {
        Some(()) => None,
        None => Some(c.number()?),
    };
    let input_tokens = c.optional_integer(",\"input_tokens\":")?;
    let output_tokens = c.optional_integer(",\"output_tokens\":")?;
    let cache_read_tokens = c.optional_integer(",\"cache_read_tokens\":")?;
    let cache_write_tokens = c.optional_integer(",\"cache_write_tokens\":")?;
    let source = c.optional_string(",\"source\":")?;
    let model = c.optional_string(",\"model\":")?;
    let goal = c.optional_string(",\"goal\":")?;
    // The mark only matters to the meter that wrote it.
    c.optional_string(",\"mark\":")?;
    c.literal("}")?;
    c.0.is_empty().then_some(Entry {
        ts: Cow::Borrowed(ts),
        kind: Cow::Borrowed(kind),
        id: Cow::Borrowed(id),
        runner: Cow::Borrowed(runner),
        cost_usd,
        input_tokens,
        output_tokens,
        cache_read_tokens,
        cache_write_tokens,
        source: source.map(Cow::Borrowed),
        model: model.map(Cow::Borrowed),
        goal: goal.map(Cow::Borrowed),
    })
}

/// What is left of a line being read by [`canonical`].
struct Cursor<'a>(&'a str);

impl<'a> Cursor<'a> {
    /// Step over `text` when the line goes on with it; else stay put.
    fn literal(&mut self, text: &str) -> Option<()> {
        self.0 = self.0.strip_prefix(text)?;
        Some(())
    }

    /// `Some(Some(n))` after `key` when the line goes on with it,
    /// `Some(None)` when it does not, `None` when its value is bad.
    fn optional_integer(&mut self, key: &str) -> Option<Option<u64>> {
        match self.literal(key) {
            Some(()) => Some(Some(self.integer()?)),
            None => Some(None),
        }
    }

    /// As [`Cursor::optional_integer`], for a string.
    fn optional_string(&mut self, key: &str) -> Option<Option<&'a str>> {
        match self.literal(key) {
            Some(()) => Some(Some(self.string()?)),
            None => Some(None),
        }
    }

    /// A JSON string without escapes or control characters.
    fn string(&mut self) -> Option<&'a str> {
        let body = self.0.strip_prefix('"')?;
        let end = body
            .bytes()
            .position(|b| b == b'"' || b == b'\\' || b < 0x20)?;
        if body.as_bytes()[end] != b'"' {
            return None;
        }
        // `end` is at an ASCII byte: a char boundary.
        self.0 = &body[end + 1..];
        Some(&body[..end])
    }

    /// A JSON number (the grammar checked here: Rust's float parser also
    /// takes `inf`, `+1`, `.5` and `1.`, which JSON does not).
    fn number(&mut self) -> Option<f64> {
        let len = json_number_len(self.0.as_bytes())?;
        let value: f64 = self.0[..len].parse().ok()?;
        // serde_json refuses what overflows (1e999); so does this.
        if !value.is_finite() {
            return None;
        }
        self.0 = &self.0[len..];
        Some(value)
    }

    /// A plain non-negative integer: digits, no leading zero.
    fn integer(&mut self) -> Option<u64> {
        let len = self.0.bytes().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 || (len > 1 && self.0.starts_with('0')) {
            return None;
        }
        let value = self.0[..len].parse().ok()?;
        self.0 = &self.0[len..];
        Some(value)
    }
}

/// The length of the JSON number at the start of `text`:
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn json_number_len(text: &[u8]) -> Option<usize> {
    let digits = |from: usize| {
        text[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut at = usize::from(text.first() == Some(&b'-'));
    match (text.get(at), digits(at)) {
        (Some(b'0'), _) => at += 1,
        (_, 0) => return None,
        (_, n) => at += n,
    }
    if text.get(at) == Some(&b'.') {
        let n = digits(at + 1);
        if n == 0 {
            return None;
        }
        at += 1 + n;
    }
    if matches!(text.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(text.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let n = digits(at);
        if n == 0 {
            return None;
        }
        at += n;
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines as `record` writes them, then bent in every way that matters:
    /// whatever the fast path accepts, serde_json must read the same.
    #[test]
    fn the_fast_path_agrees_with_serde_json() {
        let written = [
            r#"{"ts":"2026-11-23T10:00:00Z","kind":"tick","id":"run-1","runner":"claude","cost_usd":0.0123,"input_tokens":1000,"output_tokens":200}"#,
            r#"{"ts":"2026-11-23T10:00:00Z","kind":"session","id":"run-1","runner":"claude","cost_usd":0.0123,"input_tokens":1000,"output_tokens":200,"cache_read_tokens":5,"cache_write_tokens":0,"source":"transcript","model":"claude-sonnet-4-5","goal":"g1","mark":"looop-w#3.0"}"#,
            r#"{"ts":"2026-11-23T10:00:00Z","kind":"session","id":"run-1","runner":"x","cost_usd":null,"input_tokens":1000,"source":"transcript","model":"m"}"#,
            r#"{"ts":"2026-11-23T10:00:00Z","kind":"session","id":"run-1","runner":"x","cost_usd":0.0123,"source":"self"}"#,
            r#"{"ts":"2026-11-23T10:00:00Z","kind":"session","id":"looop-w1","runner":"pi","cost_usd":0}"#,
            r#"{"ts":"2026-11-23T10:00:00Z","kind":"goal","id":"g","runner":"x","cost_usd":1e-7,"output_tokens":5}"#,
            r#"{"ts":"2026-11-23T10:00:00Z","kind":"tick","id":"ü","runner":"c","cost_usd":12345.678901234567}"#,
        ];
        let bends: &[(&str, &str)] = &[
            ("0.0123", "-0.0123"),
            ("0.0123", "01"),
            ("0.0123", "1."),
            ("0.0123", ".5"),
            ("0.0123", "+1"),
            ("0.0123", "inf"),
            ("0.0123", "NaN"),
            ("0.0123", "1e999"),
            ("0.0123", "1E+2"),
            ("0.0123", "2.5e-3"),
            ("0.0123", "1e"),
            ("0.0123", r#""1""#),
            ("0.0123", "null"),
            ("1000", "01000"),
            ("1000", "1000.0"),
            ("1000", "-1"),
            ("1000", "18446744073709551616"),
            ("1000", "null"),
            ("run-1", r"run\u002d1"),
            ("run-1", r#"run\"1"#),
            ("run-1", "run\t1"),
            (r#""ts":"#, r#""ts" :"#),
            ("{", "{ "),
            ("}", "} "),
            ("}", r#","extra":1}"#),
            (
                r#""kind":"tick","id":"run-1""#,
                r#""id":"run-1","kind":"tick""#,
            ),
            (r#""runner":"claude","#, ""),
            ("}", ""),
        ];
        let mut lines: Vec<String> = written.iter().map(|l| l.to_string()).collect();
        for line in written {
            for (from, to) in bends {
                lines.push(line.replacen(from, to, 1));
            }
        }
        let mut fast = 0;
        for line in &lines {
            let slow: Option<Entry> = serde_json::from_str(line).ok();
            let Some(got) = canonical(line) else {
                continue;
            };
            fast += 1;
            let want = slow.unwrap_or_else(|| panic!("fast path took what serde refuses: {line}"));
            assert_eq!(
                (&got.ts, &got.kind, &got.id, &got.runner),
                (&want.ts, &want.kind, &want.id, &want.runner),
                "{line}"
            );
            assert_eq!(got.input_tokens, want.input_tokens, "{line}");
            assert_eq!(got.output_tokens, want.output_tokens, "{line}");
            assert_eq!(
                (got.cache_read_tokens, got.cache_write_tokens),
                (want.cache_read_tokens, want.cache_write_tokens),
                "{line}"
            );
            assert_eq!(
                (&got.source, &got.model, &got.goal),
                (&want.source, &want.model, &want.goal),
                "{line}"
            );
            // serde_json's default float parsing may differ in the last bit.
            match (got.cost_usd, want.cost_usd) {
                (Some(got), Some(want)) => {
                    assert!((got - want).abs() <= f64::EPSILON * want.abs(), "{line}")
                }
                (got, want) => assert_eq!(got, want, "{line}"),
            }
        }
        // The lines as written, and their harmless variants, are all fast.
        assert!(
            fast >= written.len() * 4,
            "only {fast} lines took the fast path"
        );
        for line in written {
            assert!(canonical(line).is_some(), "{line}");
        }
    }

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
        let skipped = scan(&p, |e, _| seen += e.cost_usd.unwrap_or(0.0)).unwrap();
        assert_eq!(seen, 1.0);
        assert_eq!(skipped, 5);
    }

    #[test]
    fn ranges_that_meet_read_every_line_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cost.jsonl");
        let line = |i: usize| {
            format!(
                r#"{{"ts":"2026-11-23T10:00:00Z","kind":"tick","id":"r{i}","runner":"c","cost_usd":{i}}}"#
            )
        };
        let text: String = (1..=50).map(|i| line(i) + "\n").collect();
        std::fs::write(&p, &text).unwrap();
        let len = text.len() as u64;
        let ids = |from, to| {
            let mut got = Vec::new();
            scan_range(&p, from, to, |e, _| got.push(e.id.to_string())).unwrap();
            got
        };
        let all = ids(0, u64::MAX);
        assert_eq!(all.len(), 50);
        // Every split point, line starts and middles alike.
        for mid in 0..=len {
            let mut both = ids(0, mid);
            both.extend(ids(mid, u64::MAX));
            assert_eq!(both, all, "split at {mid}");
        }
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
