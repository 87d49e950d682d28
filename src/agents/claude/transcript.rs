//! claude's interactive transcript: where it is and what its lines cost
//! (CONTRACT §10; tests/fixtures/README.md "claude project dir",
//! transcripts/claude-2.1.197-*).
//!
//! `${CLAUDE_CONFIG_DIR:-~/.claude}/projects/<project>/<session id>.jsonl`,
//! where `<project>` is the cwd with every UTF-16 unit outside
//! `[A-Za-z0-9]` turned into `-`, and a project name over 200 characters is
//! cut to 200 and followed by `-` and the base-36 of a 32-bit hash of the
//! original path. Builds differ in that hash, so (as claude itself does) any
//! directory that starts with the 200-character prefix and `-` is accepted.
//!
//! One API response with several content blocks is written as one line per
//! block, each with the same `message.id`, `requestId` and `usage`: the
//! pair is the [`Message::key`], so it counts once. Failed calls are
//! written as `<synthetic>` assistant lines with zero usage and no
//! `requestId`; they cost nothing. A line's `costUSD` (older builds) is its
//! cost; 2.1.197 writes none.

use super::usage::Usage;
use crate::agents::spec::{Found, Line, Memory, Message, Whereabouts};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The project name length after which claude cuts and adds a hash.
const MAX_PROJECT: usize = 200;

/// The transcript of the worker's `--session-id`, once claude wrote it.
pub fn locate(at: &Whereabouts) -> Option<Found> {
    let id = at.agent_session?;
    let projects = config_dir()?.join("projects");
    let file = format!("{id}.jsonl");
    let mut cwds = vec![at.cwd.to_path_buf()];
    // claude names the project after its process cwd, which is the real
    // path: a symlinked worker cwd is found under its target's name.
    if let Ok(real) = at.cwd.canonicalize()
        && real != at.cwd
    {
        cwds.push(real);
    }
    cwds.iter()
        .find_map(|cwd| in_project(&projects, &cwd.to_string_lossy(), &file))
        .map(|path| Found {
            path,
            agent_session: None,
        })
}

/// `$CLAUDE_CONFIG_DIR`, else `~/.claude`.
fn config_dir() -> Option<PathBuf> {
    match std::env::var_os("CLAUDE_CONFIG_DIR") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => Some(dirs::home_dir()?.join(".claude")),
    }
}

/// `file` in the project directory of `cwd`, when it exists.
fn in_project(projects: &Path, cwd: &str, file: &str) -> Option<PathBuf> {
    let exact = projects.join(project_name(cwd)).join(file);
    if exact.is_file() {
        return Some(exact);
    }
    let escaped = escape(cwd);
    if escaped.len() <= MAX_PROJECT {
        return None;
    }
    let prefix = format!("{}-", &escaped[..MAX_PROJECT]);
    std::fs::read_dir(projects)
        .ok()?
        .flatten()
        .filter(|dir| dir.file_name().to_string_lossy().starts_with(&prefix))
        .map(|dir| dir.path().join(file))
        .find(|path| path.is_file())
}

/// claude's project directory name for `cwd` (2.1.197's function `$E`).
pub fn project_name(cwd: &str) -> String {
    let escaped = escape(cwd);
    if escaped.len() <= MAX_PROJECT {
        return escaped;
    }
    format!(
        "{}-{}",
        &escaped[..MAX_PROJECT],
        base36(i64::from(java_hash(cwd)).unsigned_abs())
    )
}

/// Every UTF-16 unit that is not `[A-Za-z0-9]` becomes `-` (a character
/// outside the BMP is two units, so two dashes). The result is ASCII.
fn escape(cwd: &str) -> String {
    let mut out = String::with_capacity(cwd.len());
    for c in cwd.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.extend(std::iter::repeat_n('-', c.len_utf16()));
        }
    }
    out
}

/// `t = (t << 5) - t + unit | 0` over the UTF-16 units: a wrapping i32.
fn java_hash(text: &str) -> i32 {
    text.encode_utf16().fold(0i32, |t, unit| {
        t.wrapping_shl(5)
            .wrapping_sub(t)
            .wrapping_add(i32::from(unit))
    })
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The fields read; every other one is ignored.
#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(rename = "requestId")]
    request_id: Option<String>,
    #[serde(rename = "costUSD")]
    cost_usd: Option<f64>,
    message: Option<ApiMessage>,
}

#[derive(Deserialize)]
struct ApiMessage {
    id: Option<String>,
    model: Option<String>,
    usage: Option<Usage>,
}

/// One transcript line.
pub fn read_line(line: &[u8], _memory: &mut Memory) -> Line {
    let Ok(entry) = serde_json::from_slice::<Entry>(line) else {
        return Line::Skipped;
    };
    if entry.kind.as_deref() != Some("assistant") {
        return Line::Nothing;
    }
    let Some(message) = entry.message else {
        return Line::Nothing;
    };
    let (Some(usage), Some(model)) = (message.usage, message.model) else {
        return Line::Nothing;
    };
    let tokens = usage.tokens();
    let cost_usd = entry.cost_usd.filter(|usd| usd.is_finite() && *usd >= 0.0);
    if tokens.is_zero() && cost_usd.is_none_or(|usd| usd == 0.0) {
        // `<synthetic>` error lines, and anything else that cost nothing.
        return Line::Nothing;
    }
    let key = match (message.id, entry.request_id) {
        (Some(id), Some(request)) => Some(format!("{id} {request}")),
        (Some(id), None) => Some(id),
        (None, _) => None,
    };
    Line::Message(Message {
        key,
        model,
        tokens,
        cost_usd,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prices::Prices;
    use crate::usage::Tokens;
    use std::collections::HashSet;

    const USAGE: &str = include_str!("../../../tests/fixtures/usage/claude.jsonl");
    const REAL: &str = include_str!(
        "../../../tests/fixtures/transcripts/claude-2.1.197-interactive-mock-api.jsonl"
    );
    const OFFLINE: &str = include_str!(
        "../../../tests/fixtures/transcripts/claude-2.1.197-interactive-offline.jsonl"
    );

    /// Every line read, keys counted once: (USD, tokens, skipped).
    fn meter(text: &str) -> (f64, Tokens, usize) {
        let (mut usd, mut tokens, mut skipped) = (0.0, Tokens::default(), 0);
        let mut seen = HashSet::new();
        let mut memory = Memory::default();
        for line in text.split('\n').filter(|l| !l.trim().is_empty()) {
            match read_line(line.as_bytes(), &mut memory) {
                Line::Skipped => skipped += 1,
                Line::Message(m) => {
                    if m.key.as_ref().is_some_and(|k| !seen.insert(k.clone())) {
                        continue;
                    }
                    tokens = tokens.plus(m.tokens);
                    let cost = m
                        .cost_usd
                        .or_else(|| Prices::default().usd(&m.model, m.tokens))
                        .unwrap();
                    usd = crate::usage::add_usd(usd, cost);
                }
                Line::Nothing => {}
                Line::Cumulative { .. } => panic!("claude has no running totals"),
            }
        }
        (usd, tokens, skipped)
    }

    #[test]
    fn the_hand_computed_usage_fixture_comes_out_to_the_cent() {
        // tests/fixtures/usage/expected.json "claude.jsonl".
        let (usd, tokens, skipped) = meter(USAGE);
        assert_eq!(usd, 0.506405);
        assert_eq!(
            tokens,
            Tokens {
                input: 111,
                output: 56,
                cache_write: 1001,
                cache_read: 5001
            }
        );
        assert_eq!(skipped, 2, "the non-JSON line and the cut one");
    }

    #[test]
    fn real_lines_repeat_a_response_per_content_block() {
        let lines: Vec<Line> = REAL
            .lines()
            .map(|l| read_line(l.as_bytes(), &mut Memory::default()))
            .filter(|l| matches!(l, Line::Message(_)))
            .collect();
        assert_eq!(lines.len(), 6);
        let keys: HashSet<_> = lines
            .iter()
            .filter_map(|l| match l {
                Line::Message(m) => m.key.clone(),
                _ => None,
            })
            .collect();
        assert_eq!(keys.len(), 4, "six lines, four API responses");
        let (_, tokens, skipped) = meter(REAL);
        assert_eq!(skipped, 0);
        assert_eq!(tokens.input, 1203 + 1204 + 1202 + 1203);
    }

    #[test]
    fn synthetic_error_lines_cost_nothing() {
        assert_eq!(meter(OFFLINE), (0.0, Tokens::default(), 0));
    }

    #[test]
    fn wrong_field_types_are_skipped_not_fatal() {
        let bad = br#"{"type":"assistant","requestId":"r","message":{"id":"m","model":"claude-sonnet-4-5","usage":{"input_tokens":"many"}}}"#;
        assert_eq!(read_line(bad, &mut Memory::default()), Line::Skipped);
        let bad = br#"{"type":"assistant","costUSD":"free","message":{}}"#;
        assert_eq!(read_line(bad, &mut Memory::default()), Line::Skipped);
        assert_eq!(read_line(b"[1,2]", &mut Memory::default()), Line::Skipped);
    }

    #[test]
    fn project_names_follow_claudes_rule() {
        assert_eq!(
            project_name("/tmp/fxproj/myproject"),
            "-tmp-fxproj-myproject"
        );
        assert_eq!(project_name("/a/b_c.d é"), "-a-b-c-d--");
        assert_eq!(escape("x😀"), "x--", "a non-BMP character is two units");
        // The 275-character cwd seen in the recording (README "claude
        // project dir") and the directory claude 2.1.197 made for it.
        let cwd = format!(
            "/tmp/fxproj/long{}",
            "/abcdefghij_KLMNOPQRST.0123456789-xyz".repeat(7)
        );
        assert_eq!(cwd.len(), 275);
        let name = project_name(&cwd);
        assert!(name.ends_with("-0123456789-xy-dnbmrq"), "{name}");
        assert_eq!(name.len(), 200 + 1 + "dnbmrq".len());
    }

    #[test]
    fn a_long_cwd_is_found_under_any_hash_suffix() {
        let root = tempfile::tempdir().unwrap();
        let cwd = format!("/w{}", "/abcdefghijklmnopqrstuvwxyz0123456789".repeat(7));
        let prefix = &escape(&cwd)[..MAX_PROJECT];
        let other_build = root.path().join(format!("{prefix}-zzz"));
        std::fs::create_dir_all(&other_build).unwrap();
        std::fs::write(other_build.join("id.jsonl"), "").unwrap();
        assert_eq!(
            in_project(root.path(), &cwd, "id.jsonl"),
            Some(other_build.join("id.jsonl"))
        );
        assert_eq!(in_project(root.path(), &cwd, "other.jsonl"), None);
        assert_eq!(in_project(root.path(), "/short", "id.jsonl"), None);
    }
}
