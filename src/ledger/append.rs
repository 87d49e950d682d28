//! Writing the ledger: [`record`], for looop's own AI calls and for the
//! hidden `looop _cost` command through which workers report their spend;
//! [`metered_line`], [`append_lines`] and [`marks_after`] for the meter,
//! which writes its lines ahead and must find out after a crash whether
//! they made it.
//!
//! Each entry is one whole JSON line appended under an `fs2` lock
//! ([`store::append_json`]), so fifty workers reporting at once never tear
//! or lose a line. Bad input is refused before the file is opened.

use super::entry::{NewEntry, check_usd};
use crate::paths::Profile;
use crate::usage::{Spend, Tokens};
use crate::{events, exit, store};
use anyhow::{Context, Result};
use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Who measured a spend, as written in `source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measured {
    /// The tick AI's own output stream (`stream`).
    Stream,
    /// A worker's own `_cost` report (`self`).
    Reported,
}

/// Append one entry for `kind`/`id`/`runner` spending `spend`.
///
/// The names come from looop itself (a run id, a configured runner name,
/// which TOML lets be any string), so they are only checked for being
/// printable one-liners: a beat must not fail over a runner called "my
/// claude". The `_cost` command holds workers to the stricter id rule.
pub fn record(
    profile: &Profile,
    kind: &str,
    id: &str,
    runner: &str,
    spend: &Spend,
    measured: Measured,
) -> Result<()> {
    for (what, name) in [("kind", kind), ("id", id), ("runner", runner)] {
        if name.is_empty() || name.len() > 128 || name.chars().any(char::is_control) {
            return Err(exit::usage(format!(
                "invalid cost {what} {name:?}: empty, too long or not one line"
            )));
        }
    }
    let cost_usd = match spend.cost_usd {
        Some(usd) => Some(check_usd(usd).map_err(|why| exit::usage(format!("cost {usd} {why}")))?),
        None => None,
    };
    let tokens = spend.tokens;
    let entry = NewEntry {
        ts: events::now_rfc3339(),
        kind,
        id,
        runner,
        cost_usd,
        // Counts of 0 are left out, like unknown ones: both sum as nothing.
        input_tokens: tokens.map(|t| t.input).filter(|n| *n > 0),
        output_tokens: tokens.map(|t| t.output).filter(|n| *n > 0),
        cache_read_tokens: tokens.map(|t| t.cache_read).filter(|n| *n > 0),
        cache_write_tokens: tokens.map(|t| t.cache_write).filter(|n| *n > 0),
        source: Some(match measured {
            Measured::Stream => "stream",
            Measured::Reported => "self",
        }),
        model: spend.model.as_deref(),
        ..NewEntry::default()
    };
    let path = profile.ledger();
    store::append_json_synced(&path, &entry).with_context(|| {
        format!(
            "cannot record {} USD for {kind} {id}",
            super::entry::usd_or_unknown(cost_usd)
        )
    })
}

/// One metered ledger line (CONTRACT §10): a worker's spend read from its
/// transcript.
#[derive(Debug)]
pub struct Metered<'a> {
    pub id: &'a str,
    pub runner: &'a str,
    pub goal: Option<&'a str>,
    pub model: &'a str,
    pub tokens: Tokens,
    /// `None` for tokens without a price.
    pub cost_usd: Option<f64>,
    /// Unique to this line (see [`marks_after`]).
    pub mark: &'a str,
}

/// The ledger line of `m`, stamped now, as JSON text without newline.
pub fn metered_line(m: &Metered) -> Result<String> {
    let entry = NewEntry {
        ts: events::now_rfc3339(),
        kind: "session",
        id: m.id,
        runner: m.runner,
        // An absurd sum (a hostile transcript) is unknown, never 0.
        cost_usd: m.cost_usd.and_then(|usd| check_usd(usd).ok()),
        input_tokens: Some(m.tokens.input),
        output_tokens: Some(m.tokens.output),
        cache_read_tokens: Some(m.tokens.cache_read),
        cache_write_tokens: Some(m.tokens.cache_write),
        source: Some("transcript"),
        model: Some(m.model),
        goal: m.goal,
        mark: Some(m.mark),
    };
    Ok(serde_json::to_string(&entry)?)
}

/// Appends whole `lines` to the ledger at `path` in one locked write.
pub fn append_lines(path: &Path, lines: &[&str]) -> Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    store::append_line_synced(path, &lines.join("\n"))
}

/// Which of `marks` the ledger at `path` holds after byte `from`.
pub fn marks_after(path: &Path, from: u64, marks: &[&str]) -> Result<HashSet<String>> {
    let mut found = HashSet::new();
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let len = file.metadata()?.len();
    file.seek(SeekFrom::Start(from.min(len)))?;
    let mut text = Vec::new();
    file.read_to_end(&mut text)
        .with_context(|| format!("cannot read {}", path.display()))?;
    for mark in marks {
        let needle = format!("\"mark\":\"{mark}\"");
        if text.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            found.insert(mark.to_string());
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_appends_and_refuses_what_would_corrupt_the_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let p = Profile::at(dir.path().join("c.toml"), dir.path().to_path_buf());
        let spend = Spend {
            cost_usd: Some(0.5),
            model: None,
            tokens: Some(Tokens {
                input: 3,
                ..Tokens::default()
            }),
        };
        record(
            &p,
            "tick",
            "2026-11-23T17:00:00Z-1",
            "my claude",
            &spend,
            Measured::Stream,
        )
        .unwrap();
        for (kind, id, runner, usd) in [
            ("tick", "r", "claude", f64::NAN),
            ("tick", "r", "claude", -0.01),
            ("", "r", "claude", 1.0),
            ("tick", "a\nb", "claude", 1.0),
        ] {
            let bad = Spend {
                cost_usd: Some(usd),
                ..Spend::default()
            };
            assert!(
                record(&p, kind, id, runner, &bad, Measured::Reported).is_err(),
                "{kind:?} {id:?} {usd}"
            );
        }
        let text = std::fs::read_to_string(p.ledger()).unwrap();
        assert_eq!(text.lines().count(), 1);
        assert!(
            text.contains(
                r#""runner":"my claude","cost_usd":0.5,"input_tokens":3,"source":"stream"}"#
            ),
            "{text}"
        );
    }

    #[test]
    fn metered_lines_are_found_by_their_marks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cost.jsonl");
        let line = |mark| {
            metered_line(&Metered {
                id: "w1",
                runner: "claude",
                goal: Some("g"),
                model: "claude-sonnet-4-5",
                tokens: Tokens::default(),
                cost_usd: None,
                mark,
            })
            .unwrap()
        };
        let (a, b) = (line("looop-w1#1.0"), line("looop-w1#2.0"));
        append_lines(&path, &[&a]).unwrap();
        let len = std::fs::metadata(&path).unwrap().len();
        append_lines(&path, &[&b]).unwrap();
        let marks = ["looop-w1#1.0", "looop-w1#2.0"];
        assert_eq!(marks_after(&path, 0, &marks).unwrap().len(), 2);
        assert_eq!(
            marks_after(&path, len, &marks).unwrap(),
            ["looop-w1#2.0".to_string()].into()
        );
        assert!(
            marks_after(&dir.path().join("none"), 0, &marks)
                .unwrap()
                .is_empty()
        );
        assert!(a.contains(r#""cost_usd":null"#), "{a}");
    }
}
