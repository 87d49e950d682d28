//! pi (pi-coding-agent): its presets and its `-p --mode json` reading
//! (shared/FORMATS.md "pi").
//!
//! Cost lives in `message.usage.cost.total` of assistant `message_end`
//! events, summed over the call. `message_update` (partial messages),
//! `turn_end` and `agent_end` repeat those messages, and there is no
//! top-level `usage`: reading any of them would count twice or zero.

mod transcript;
mod usage;

use super::reset_time::{self, LimitHit, message_at};
use super::screen::{Rows, is_rule};
use super::spec::{Presets, Spec, StreamRead, Transcript};
use crate::activity::{Activity, Reading};
use crate::usage::Spend;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use usage::Usage;

pub const SPEC: Spec = Spec {
    name: "pi",
    presets: Presets {
        tick: "pi -p --mode json --no-session",
        interactive: "pi --session {{session_file}} \"Your instructions are in \"{{prompt_file}}\": read that file first and follow it.\"",
        resume: Some("pi --session {{session_file}}"),
    },
    worker_env: &[],
    stream: Some(|| Box::new(Stream::default())),
    read_screen,
    hooks: None,
    tick_model: None,
    transcript: Some(Transcript {
        locate: transcript::locate,
        read_line: transcript::read_line,
    }),
};

/// Usage-limit texts, 0.73.1 (pi-ai openai-codex-responses.js:967):
/// `You have hit your ChatGPT usage limit<plan>. Try again in ~<N> min.`
const LIMITS: &[&str] = &["You have hit your ChatGPT usage limit", "Try again in ~"];

/// Busy, 0.73.1: `⠧ Working...` (interactive-mode.js:131, seen in
/// screens/pi-busy-*), `Retrying (1/3) in 2s... (escape to cancel)`
/// (interactive-mode.js:2370).
const BUSY: &[&str] = &[" Working...", "(escape to cancel)"];

/// pi's screen: a limit message right above the editor, busy signs, or
/// the editor between two rules (seen, screens/pi-idle*). pi asks no
/// permissions: it has no dialogs.
fn read_screen(s: Rows) -> Reading {
    if let Some(at) = s.last_with(LIMITS) {
        let below = s.rows[at + 1..]
            .iter()
            .take_while(|r| !is_rule(r))
            .filter(|r| !r.trim().is_empty())
            .count();
        if below <= 2 {
            return s.limit(at);
        }
    }
    if s.bottom_has(BUSY) {
        return Reading::of(Activity::Busy);
    }
    if s.rows.iter().any(|r| is_rule(r)) {
        return Reading::of(Activity::Idle);
    }
    Reading::of(Activity::Unknown)
}

/// The events read; every other `type` is [`Event::Other`].
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
enum Event {
    /// One message (user, assistant, tool result) complete.
    #[serde(rename = "message_end")]
    MessageEnd { message: Message },
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
struct Message {
    role: String,
    model: Option<String>,
    content: Option<Content>,
    usage: Option<Usage>,
    #[serde(rename = "stopReason")]
    stop_reason: Option<String>,
    #[serde(rename = "errorMessage")]
    error_message: Option<String>,
}

/// A user message's content may be a bare string; an assistant's is blocks.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Blocks(Vec<Block>),
}

/// A content block: `text`, `thinking`, `toolCall`, ...; only `text` counts.
#[derive(Debug, Deserialize)]
struct Block {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
}

/// What the assistant `message_end` events said so far.
#[derive(Debug, Default)]
struct Stream {
    /// Whether any assistant `message_end` came.
    seen: bool,
    /// The text of the last assistant message that had some.
    text: Option<String>,
    /// The spend summed over assistant messages.
    spend: Option<Spend>,
    /// Why the last assistant message stopped, when it was a failure.
    error: Option<String>,
}

impl StreamRead for Stream {
    fn feed(&mut self, line: &str) {
        // Lines that are not one of our events are plain output, not errors.
        if let Ok(Event::MessageEnd { message }) = serde_json::from_str(line)
            && message.role == "assistant"
        {
            self.assistant(message);
        }
    }

    fn seen(&self) -> bool {
        self.seen
    }

    fn answer(&self) -> Option<String> {
        self.text.clone()
    }

    fn spend(&self) -> Option<Spend> {
        self.spend.clone()
    }

    fn error(&self) -> Option<String> {
        self.error.clone()
    }
}

impl Stream {
    fn assistant(&mut self, message: Message) {
        self.seen = true;
        if let Some(usage) = &message.usage {
            let spend = self.spend.get_or_insert_with(Spend::default);
            if let Some(usd) = usage.cost_total() {
                spend.cost_usd = Some(crate::usage::add_usd(spend.cost_usd.unwrap_or(0.0), usd));
            }
            spend.tokens = Some(spend.tokens.unwrap_or_default().plus(usage.tokens()));
            if message.model.is_some() {
                spend.model = message.model.clone();
            }
        }
        let text = match &message.content {
            Some(Content::Text(t)) => t.clone(),
            Some(Content::Blocks(blocks)) => blocks
                .iter()
                .filter(|b| b.kind == "text")
                .filter_map(|b| b.text.as_deref())
                .collect::<Vec<_>>()
                .join(""),
            None => String::new(),
        };
        if !text.trim().is_empty() {
            self.text = Some(text);
        }
        // Only the last assistant message decides: pi retries after errors.
        self.error = match message.stop_reason.as_deref() {
            Some(reason @ ("error" | "aborted")) => Some(match message.error_message {
                Some(why) => format!("pi stopped with {reason}: {why}"),
                None => format!("pi stopped with {reason}"),
            }),
            _ => None,
        };
    }
}

/// What pi takes as "go on" after a reset: a new message; `continue`.
pub const CONTINUE_INPUT: &str = "continue";

/// A usage-limit stop in pi's text (0.73.1, `pi-ai` openai-codex provider,
/// fixtures README): `You have hit your ChatGPT usage limit<plan>. Try
/// again in ~<N> min.`; without the `Try again` part the reset is unknown.
/// `Retrying (n/m) in Ns...` is pi's own transient retry, not a stop.
pub fn usage_limit(text: &str, now: DateTime<Utc>) -> Option<LimitHit> {
    let at = text.find("You have hit your ChatGPT usage limit")?;
    let message = message_at(text, at);
    let until = reset_time::find_ci(&message, "try again in ")
        .and_then(|i| reset_time::duration(&message[i + "try again in ".len()..]))
        .map(|d| now + d);
    Some(LimitHit { message, until })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_screens_read_as_their_activity() {
        super::super::screen::tests::check_recordings("pi", read_screen);
        let rows: Vec<String> = [
            " Error: You have hit your ChatGPT usage limit (plus). Try again in ~42 min.",
            "────────────",
            "────────────",
        ]
        .map(String::from)
        .to_vec();
        let r = read_screen(Rows {
            rows: &rows,
            cols: 120,
        });
        assert_eq!(r.activity, Activity::UsageLimited);
        assert!(r.detail.unwrap().ends_with("Try again in ~42 min."));
    }

    /// Fed as the tick stream reader feeds it: JSON-looking lines, trimmed.
    fn read(text: &str) -> Stream {
        let mut r = Stream::default();
        for line in text.lines().map(str::trim).filter(|l| l.starts_with('{')) {
            r.feed(line);
        }
        r
    }

    const PI: &str = include_str!("../../tests/fixtures/pi-stream.jsonl");

    #[test]
    fn pi_sums_assistant_message_ends_only() {
        let r = read(PI);
        let spend = r.spend().unwrap();
        // 0.0123 + 0.0045; turn_end, message_update, agent_end and the user
        // message_end repeat or lack these and must not count.
        // Exactly: the ledger shows this number as written.
        assert_eq!(spend.cost_usd, Some(0.0168));
        assert_eq!(spend.cost_usd.unwrap().to_string(), "0.0168");
        let tokens = spend.tokens.unwrap();
        assert_eq!((tokens.input, tokens.output), (1910, 96));
        assert_eq!(
            r.answer().unwrap().trim(),
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
        assert!((r.spend().unwrap().cost_usd.unwrap() - 0.003).abs() < 1e-12);
        assert_eq!(r.answer().unwrap(), "done");
    }

    #[test]
    fn limit_text_gives_minutes_from_now() {
        let now = Utc::now();
        let hit = usage_limit(
            "Error: You have hit your ChatGPT usage limit (plus plan). Try again in ~42 min.",
            now,
        )
        .unwrap();
        assert_eq!(hit.until, Some(now + chrono::Duration::minutes(42)));
        assert_eq!(
            hit.message,
            "You have hit your ChatGPT usage limit (plus plan). Try again in ~42 min."
        );
        assert_eq!(
            usage_limit("Retrying (1/3) in 2s... (escape to cancel)", now),
            None
        );
    }
}
