//! pi's session file: `{{session_file}}`, which the preset hands pi with
//! `--session` (CONTRACT §10; tests/fixtures/README.md "pi session file").
//!
//! The file starts with a `session` header, then one `message` line per
//! message. Assistant messages carry `message.usage` (`input`, `output`,
//! `cacheRead`, `cacheWrite`, and `cost.total`, which is their cost when
//! present) and `message.model`; user and tool-result messages carry none.
//! Each message line is written once; its `responseId` (else the line's
//! `id`) is its key all the same, so a file rewritten under looop never
//! counts a message twice.

use super::usage::Usage;
use crate::agents::spec::{Found, Line, Memory, Message, Whereabouts};
use serde::Deserialize;

/// The session file, once pi created it.
pub fn locate(at: &Whereabouts) -> Option<Found> {
    at.session_file.is_file().then(|| Found {
        path: at.session_file.to_path_buf(),
        agent_session: None,
    })
}

#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
    message: Option<PiMessage>,
}

#[derive(Deserialize)]
struct PiMessage {
    role: Option<String>,
    model: Option<String>,
    #[serde(rename = "responseId")]
    response_id: Option<String>,
    usage: Option<Usage>,
}

/// One session file line.
pub fn read_line(line: &[u8], _memory: &mut Memory) -> Line {
    let Ok(entry) = serde_json::from_slice::<Entry>(line) else {
        return Line::Skipped;
    };
    if entry.kind.as_deref() != Some("message") {
        return Line::Nothing;
    }
    let Some(message) = entry.message else {
        return Line::Nothing;
    };
    let (Some("assistant"), Some(usage)) = (message.role.as_deref(), message.usage) else {
        return Line::Nothing;
    };
    let tokens = usage.tokens();
    let cost_usd = usage
        .cost_total()
        .filter(|usd| usd.is_finite() && *usd >= 0.0);
    if tokens.is_zero() && cost_usd.is_none_or(|usd| usd == 0.0) {
        return Line::Nothing;
    }
    Line::Message(Message {
        key: message.response_id.or(entry.id),
        model: message.model.unwrap_or_else(|| "unknown".into()),
        tokens,
        cost_usd,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::Tokens;

    const USAGE: &str = include_str!("../../../tests/fixtures/usage/pi-session.jsonl");
    const TUI: &str =
        include_str!("../../../tests/fixtures/transcripts/pi-0.73.1-tui-session-mock-api.jsonl");

    fn messages(text: &str) -> Vec<Message> {
        text.lines()
            .filter_map(|l| match read_line(l.as_bytes(), &mut Memory::default()) {
                Line::Message(m) => Some(m),
                Line::Skipped => panic!("{l}"),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_hand_computed_usage_fixture_comes_out_to_the_cent() {
        // tests/fixtures/usage/expected.json "pi-session.jsonl".
        let ms = messages(USAGE);
        assert_eq!(ms.len(), 2);
        let usd = ms.iter().fold(0.0, |sum, m| {
            crate::usage::add_usd(sum, m.cost_usd.unwrap())
        });
        assert_eq!(usd, 0.06574);
        let tokens = ms.iter().fold(Tokens::default(), |t, m| t.plus(m.tokens));
        assert_eq!(
            tokens,
            Tokens {
                input: 2403,
                output: 49,
                cache_read: 30000,
                cache_write: 6000
            }
        );
        assert_eq!(ms[0].model, "claude-opus-4-7");
        assert_eq!(ms[0].key.as_deref(), Some("msg_01Mock0001df5bfbe88fe3"));
    }

    #[test]
    fn the_real_tui_file_reads_without_skips() {
        assert!(!messages(TUI).is_empty());
    }

    #[test]
    fn a_wrong_type_is_skipped() {
        let bad = br#"{"type":"message","message":{"role":"assistant","usage":{"input":"x"}}}"#;
        assert_eq!(read_line(bad, &mut Memory::default()), Line::Skipped);
    }
}
