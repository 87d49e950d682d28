//! Reading an agent CLI's output line by line: the final answer text, the
//! spend, and whether the CLI itself reported a failure (CONTRACT §4a, §6;
//! shared/FORMATS.md).
//!
//! The runner is just a shell command, so looop never trusts its name: each
//! line is recognised by its shape. Two streams are metered:
//! - claude `-p --output-format stream-json`: the `{"type":"result"}` event
//!   carries the answer (`result`), the cost (`total_cost_usd`, per call) and
//!   `usage` tokens; `assistant`/`user`/`system` lines are ignored.
//! - pi `--mode json`: cost lives in `message.usage.cost.total` of assistant
//!   `message_end` events, summed over the call. `message_update` (partial
//!   messages), `turn_end` and `agent_end` repeat those messages, and there
//!   is no top-level `usage`: reading any of them would count twice or zero.
//!
//! Anything else (codex, opencode, a script) reports no spend, and its final
//! text is its whole stdout.

use crate::ledger::Spend;
use serde::Deserialize;

/// How much of stdout is kept for the plain-text fallback: the newest
/// 1 MiB. A runner that prints more than that (a chatty tool, a loop gone
/// wrong) must not grow looop's memory without bound, and the answer of a
/// plain-text runner comes at the end.
const KEEP_STDOUT_BYTES: usize = 1024 * 1024;

/// The events this reader understands; every other `type` is [`Event::Other`].
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
enum Event {
    /// claude's last line.
    #[serde(rename = "result")]
    ClaudeResult(ClaudeResult),
    /// pi: one message (user, assistant, tool result) complete.
    #[serde(rename = "message_end")]
    PiMessageEnd { message: PiMessage },
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, Deserialize)]
struct ClaudeResult {
    subtype: Option<String>,
    is_error: Option<bool>,
    result: Option<String>,
    total_cost_usd: Option<f64>,
    usage: Option<ClaudeUsage>,
}

#[derive(Debug, Clone, Deserialize)]
struct ClaudeUsage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct PiMessage {
    role: String,
    content: Option<PiContent>,
    usage: Option<PiUsage>,
    #[serde(rename = "stopReason")]
    stop_reason: Option<String>,
    #[serde(rename = "errorMessage")]
    error_message: Option<String>,
}

/// A user message's content may be a bare string; an assistant's is blocks.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum PiContent {
    Text(String),
    Blocks(Vec<PiBlock>),
}

/// A content block: `text`, `thinking`, `toolCall`, ...; only `text` counts.
#[derive(Debug, Deserialize)]
struct PiBlock {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PiUsage {
    input: Option<u64>,
    output: Option<u64>,
    cost: Option<PiCost>,
}

#[derive(Debug, Deserialize)]
struct PiCost {
    total: Option<f64>,
}

/// Feed every output line as it streams; ask for the results at the end.
#[derive(Debug, Default)]
pub struct StreamReader {
    /// The newest [`KEEP_STDOUT_BYTES`] (or a little more) of stdout.
    stdout: String,
    /// Whether older stdout was dropped to respect the cap.
    truncated: bool,
    /// claude: the last `result` event.
    claude: Option<ClaudeResult>,
    /// pi: the text of the last assistant message that had some.
    pi_text: Option<String>,
    /// pi: the spend summed over assistant `message_end` events.
    pi_spend: Option<Spend>,
    /// pi: why the last assistant message stopped, when it was a failure.
    pi_error: Option<String>,
}

impl StreamReader {
    pub fn new() -> StreamReader {
        StreamReader::default()
    }

    /// One line of the runner's stdout, without the newline.
    pub fn feed_line(&mut self, line: &str) {
        self.keep(line);
        let json = line.trim();
        if !json.starts_with('{') {
            return;
        }
        // Lines that are not one of our events are plain output, not errors.
        match serde_json::from_str::<Event>(json) {
            Ok(Event::ClaudeResult(result)) => self.claude = Some(result),
            Ok(Event::PiMessageEnd { message }) if message.role == "assistant" => {
                self.pi_message(message)
            }
            Ok(_) | Err(_) => {}
        }
    }

    fn keep(&mut self, line: &str) {
        self.stdout.push_str(line);
        self.stdout.push('\n');
        // Trim only when well past the cap, so the cost stays amortised.
        if self.stdout.len() > 2 * KEEP_STDOUT_BYTES {
            let mut cut = self.stdout.len() - KEEP_STDOUT_BYTES;
            while !self.stdout.is_char_boundary(cut) {
                cut += 1;
            }
            self.stdout.drain(..cut);
            self.truncated = true;
        }
    }

    fn pi_message(&mut self, message: PiMessage) {
        let usage = message.usage.as_ref();
        if let Some(usd) = usage.and_then(|u| u.cost.as_ref()).and_then(|c| c.total) {
            let spend = self.pi_spend.get_or_insert_with(Spend::default);
            spend.cost_usd = crate::ledger::add_usd(spend.cost_usd, usd);
            add_tokens(&mut spend.input_tokens, usage.and_then(|u| u.input));
            add_tokens(&mut spend.output_tokens, usage.and_then(|u| u.output));
        }
        let text = match &message.content {
            Some(PiContent::Text(t)) => t.clone(),
            Some(PiContent::Blocks(blocks)) => blocks
                .iter()
                .filter(|b| b.kind == "text")
                .filter_map(|b| b.text.as_deref())
                .collect::<Vec<_>>()
                .join(""),
            None => String::new(),
        };
        if !text.trim().is_empty() {
            self.pi_text = Some(text);
        }
        // Only the last assistant message decides: pi retries after errors.
        self.pi_error = match message.stop_reason.as_deref() {
            Some(reason @ ("error" | "aborted")) => Some(match message.error_message {
                Some(why) => format!("pi stopped with {reason}: {why}"),
                None => format!("pi stopped with {reason}"),
            }),
            _ => None,
        };
    }

    /// The final answer: a claude `result` event's text, else pi's last
    /// assistant message text, else stdout (its newest 1 MiB).
    pub fn final_text(&self) -> String {
        if let Some(text) = self.claude.as_ref().and_then(|r| r.result.as_ref()) {
            return text.clone();
        }
        if let Some(text) = &self.pi_text {
            return text.clone();
        }
        self.stdout.clone()
    }

    /// Whether stdout outgrew the kept 1 MiB (the fallback text is its end).
    #[cfg(test)]
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// The spend the stream reported, `None` when it reported none.
    pub fn spend(&self) -> Option<Spend> {
        if let Some(result) = &self.claude {
            let usd = result.total_cost_usd?;
            let usage = result.usage.as_ref();
            return Some(Spend {
                cost_usd: usd,
                input_tokens: usage.and_then(|u| u.input_tokens),
                output_tokens: usage.and_then(|u| u.output_tokens),
            });
        }
        self.pi_spend.clone()
    }

    /// The failure the agent CLI itself reported, e.g. claude's
    /// `is_error: true` with `subtype: "error_max_turns"`, or pi's last
    /// assistant message stopping with `error`. `None` when it reported
    /// none (a non-zero exit status is the caller's to judge).
    pub fn error(&self) -> Option<String> {
        if let Some(result) = &self.claude {
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
            return Some(match detail.trim() {
                "" => format!("claude reported {what}"),
                d => format!("claude reported {what}: {d}"),
            });
        }
        self.pi_error.clone()
    }
}

fn add_tokens(sum: &mut Option<u64>, more: Option<u64>) {
    if let Some(n) = more {
        *sum = Some(sum.unwrap_or(0).saturating_add(n));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> StreamReader {
        let mut r = StreamReader::new();
        for line in text.lines() {
            r.feed_line(line);
        }
        r
    }

    const CLAUDE: &str = include_str!("../tests/fixtures/claude-stream.jsonl");
    const PI: &str = include_str!("../tests/fixtures/pi-stream.jsonl");

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
            r.final_text().trim(),
            r#"All quiet. {"move":"noop","journal":"quiet"}"#
        );
        assert_eq!(r.error(), None);
    }

    #[test]
    fn pi_sums_assistant_message_ends_only() {
        let r = read(PI);
        let spend = r.spend().unwrap();
        // 0.0123 + 0.0045; turn_end, message_update, agent_end and the user
        // message_end repeat or lack these and must not count.
        // Exactly: the ledger shows this number as written.
        assert_eq!(spend.cost_usd, 0.0168);
        assert_eq!(spend.cost_usd.to_string(), "0.0168");
        assert_eq!(
            (spend.input_tokens, spend.output_tokens),
            (Some(1910), Some(96))
        );
        assert_eq!(
            r.final_text().trim(),
            r#"Nothing to do. {"move":"noop","journal":"quiet"}"#
        );
        assert_eq!(r.error(), None);
    }

    #[test]
    fn the_pi_fixture_punishes_the_known_wrong_readings() {
        // Guard the fixture itself: naive readings must give other answers.
        let lines: Vec<serde_json::Value> = PI
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let cost = |v: &serde_json::Value| v["message"]["usage"]["cost"]["total"].as_f64();
        let top_level: f64 = lines
            .iter()
            .filter_map(|v| v["usage"]["cost"]["total"].as_f64())
            .sum();
        let every_message: f64 = lines.iter().filter_map(cost).sum();
        let both_ends: f64 = lines
            .iter()
            .filter(|v| v["type"] == "turn_end" || v["type"] == "message_end")
            .filter_map(cost)
            .sum();
        assert_eq!(top_level, 0.0);
        assert!(every_message > 0.05, "{every_message}");
        assert!(
            (both_ends - 2.0 * 0.0168).abs() < 1e-12,
            "turn_end repeats each message"
        );
        assert!(
            lines
                .iter()
                .any(|v| v["type"] == "message_update" && cost(v) > Some(0.0))
        );
    }

    #[test]
    fn plain_stdout_is_the_answer_and_costs_nothing_known() {
        let r = read(
            "thinking...\n{\"move\":\"noop\",\"journal\":\"x\"}\n{\"type\":\"turn.completed\"}",
        );
        assert_eq!(r.spend(), None);
        assert_eq!(r.error(), None);
        assert_eq!(
            r.final_text(),
            "thinking...\n{\"move\":\"noop\",\"journal\":\"x\"}\n{\"type\":\"turn.completed\"}\n"
        );
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

    #[test]
    fn pi_error_is_the_last_assistant_messages() {
        let failed = r#"{"type":"message_end","message":{"role":"assistant","content":[],"stopReason":"error","errorMessage":"overloaded","usage":{"input":1,"output":0,"cost":{"total":0.001}}}}"#;
        let ok = r#"{"type":"message_end","message":{"role":"assistant","content":[{"type":"text","text":"done"}],"stopReason":"stop","usage":{"input":1,"output":1,"cost":{"total":0.002}}}}"#;
        let r = read(failed);
        assert_eq!(
            r.error().as_deref(),
            Some("pi stopped with error: overloaded")
        );
        let r = read(&format!("{failed}\n{ok}"));
        assert_eq!(r.error(), None, "a retry that succeeded clears it");
        assert!((r.spend().unwrap().cost_usd - 0.003).abs() < 1e-12);
        assert_eq!(r.final_text(), "done");
    }

    #[test]
    fn stdout_kept_is_capped_to_the_newest_part() {
        let mut r = StreamReader::new();
        let line = "é".repeat(1000);
        for _ in 0..3000 {
            r.feed_line(&line);
        }
        r.feed_line("the end");
        let text = r.final_text();
        assert!(r.truncated());
        assert!(text.len() <= 2 * KEEP_STDOUT_BYTES + 8);
        assert!(text.ends_with("the end\n"));
    }
}
