//! claude (Claude Code): its presets and its `-p --output-format
//! stream-json` reading (shared/FORMATS.md "claude").
//!
//! The `{"type":"result"}` event, the stream's last line, carries the
//! answer (`result`), the cost (`total_cost_usd`, per call) and `usage`
//! tokens; `assistant`/`user`/`system` lines are ignored.

use super::spec::{Presets, Spec, StreamRead};
use crate::ledger::Spend;
use serde::Deserialize;

pub const SPEC: Spec = Spec {
    name: "claude",
    presets: Presets {
        tick: "claude -p --output-format stream-json --verbose --dangerously-skip-permissions",
        interactive: "claude --dangerously-skip-permissions \"$(cat {{prompt_file}})\"",
    },
    stream: Some(|| Box::new(Stream::default())),
};

/// The events read; every other `type` is [`Event::Other`].
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
enum Event {
    /// The stream's last line.
    #[serde(rename = "result")]
    Result(ResultEvent),
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
struct ResultEvent {
    subtype: Option<String>,
    is_error: Option<bool>,
    result: Option<String>,
    total_cost_usd: Option<f64>,
    usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
struct Usage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
}

/// The last `result` event seen.
#[derive(Debug, Default)]
struct Stream {
    result: Option<ResultEvent>,
}

impl StreamRead for Stream {
    fn feed(&mut self, line: &str) {
        // Lines that are not one of our events are plain output, not errors.
        if let Ok(Event::Result(result)) = serde_json::from_str(line) {
            self.result = Some(result);
        }
    }

    fn seen(&self) -> bool {
        self.result.is_some()
    }

    fn answer(&self) -> Option<String> {
        self.result.as_ref()?.result.clone()
    }

    fn spend(&self) -> Option<Spend> {
        let result = self.result.as_ref()?;
        let usage = result.usage.as_ref();
        Some(Spend {
            cost_usd: result.total_cost_usd?,
            input_tokens: usage.and_then(|u| u.input_tokens),
            output_tokens: usage.and_then(|u| u.output_tokens),
        })
    }

    /// `is_error: true` or an `error…` subtype, with the first line of the
    /// result text (e.g. `API Error: 429 …`).
    fn error(&self) -> Option<String> {
        let result = self.result.as_ref()?;
        let subtype = result.subtype.as_deref().unwrap_or("");
        if result.is_error != Some(true) && !subtype.starts_with("error") {
            return None;
        }
        let what = if subtype.is_empty() { "error" } else { subtype };
        let detail = result
            .result
            .as_deref()
            .unwrap_or("")
            .lines()
            .next()
            .unwrap_or("");
        Some(match detail.trim() {
            "" => format!("claude reported {what}"),
            d => format!("claude reported {what}: {d}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fed as the tick stream reader feeds it: JSON-looking lines, trimmed.
    fn read(text: &str) -> Stream {
        let mut r = Stream::default();
        for line in text.lines().map(str::trim).filter(|l| l.starts_with('{')) {
            r.feed(line);
        }
        r
    }

    const CLAUDE: &str = include_str!("../../tests/fixtures/claude-stream.jsonl");

    #[test]
    fn claude_total_and_answer_come_from_the_result_event() {
        let r = read(CLAUDE);
        let spend = r.spend().unwrap();
        assert_eq!(spend.cost_usd, 0.0421337);
        assert_eq!(
            (spend.input_tokens, spend.output_tokens),
            (Some(9), Some(412))
        );
        assert_eq!(
            r.answer().unwrap().trim(),
            r#"All quiet. {"move":"noop","journal":"quiet"}"#
        );
        assert_eq!(r.error(), None);
    }

    #[test]
    fn claude_errors_are_reported() {
        let r = read(
            r#"{"type":"result","subtype":"error_max_turns","is_error":true,"total_cost_usd":0.5,"usage":{"input_tokens":1,"output_tokens":2}}"#,
        );
        assert_eq!(
            r.error().as_deref(),
            Some("claude reported error_max_turns")
        );
        assert_eq!(
            r.spend().unwrap().cost_usd,
            0.5,
            "a failed call still cost money"
        );
        let r = read(
            r#"{"type":"result","subtype":"success","is_error":true,"result":"API Error: 429 rate limited\nmore"}"#,
        );
        assert_eq!(
            r.error().as_deref(),
            Some("claude reported success: API Error: 429 rate limited")
        );
        assert_eq!(r.spend(), None, "no total_cost_usd, no spend");
    }
}
