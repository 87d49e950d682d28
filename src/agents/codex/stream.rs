//! codex's `exec --json` stream, as the tick AI prints it
//! (tests/fixtures/transcripts/codex-0.171.0-exec-json-*.jsonl).
//!
//! `item.completed` events whose item is an `agent_message` carry the
//! answer (the last one is the final answer); `turn.completed` carries the
//! usage, which after `codex exec resume` is the whole thread's total, so
//! the last one counts, with cached input taken out of the input as for
//! the rollout; `turn.failed` is codex's own failure. No USD and no model
//! are in the stream: the runner prices the tokens with the model the
//! command or codex's config names ([`super::tick_model`]).

use super::usage::Usage;
use crate::agents::spec::StreamRead;
use crate::usage::{Spend, Tokens};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(tag = "type")]
enum Event {
    #[serde(rename = "item.completed")]
    ItemCompleted { item: Item },
    #[serde(rename = "turn.completed")]
    TurnCompleted { usage: Usage },
    #[serde(rename = "turn.failed")]
    TurnFailed { error: Failure },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct Item {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
}

#[derive(Deserialize)]
struct Failure {
    message: Option<String>,
}

/// What the stream said so far.
#[derive(Debug, Default)]
pub struct Stream {
    answer: Option<String>,
    tokens: Option<Tokens>,
    failed: Option<String>,
    seen: bool,
}

impl StreamRead for Stream {
    fn feed(&mut self, line: &str) {
        // Lines that are not one of our events are plain output, not errors.
        let Ok(event) = serde_json::from_str::<Event>(line) else {
            return;
        };
        match event {
            Event::ItemCompleted { item } if item.kind == "agent_message" => {
                self.seen = true;
                if let Some(text) = item.text.filter(|t| !t.trim().is_empty()) {
                    self.answer = Some(text);
                }
            }
            Event::TurnCompleted { usage } => {
                self.seen = true;
                self.failed = None;
                self.tokens = Some(usage.tokens());
            }
            Event::TurnFailed { error } => {
                self.seen = true;
                self.failed = Some(error.message.unwrap_or_else(|| "turn failed".into()));
            }
            _ => {}
        }
    }

    fn seen(&self) -> bool {
        self.seen
    }

    fn answer(&self) -> Option<String> {
        self.answer.clone()
    }

    fn spend(&self) -> Option<Spend> {
        Some(Spend {
            cost_usd: None,
            model: None,
            tokens: Some(self.tokens?),
        })
    }

    fn error(&self) -> Option<String> {
        let why = self.failed.as_deref()?;
        Some(format!("codex reported a failed turn: {why}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Stream {
        let mut r = Stream::default();
        for line in text.lines().map(str::trim).filter(|l| l.starts_with('{')) {
            r.feed(line);
        }
        r
    }

    #[test]
    fn answer_and_tokens_of_a_real_exec() {
        let r = read(include_str!(
            "../../../tests/fixtures/transcripts/codex-0.171.0-exec-json-mock-api.jsonl"
        ));
        assert!(r.seen());
        assert_eq!(r.answer().as_deref(), Some("Done."));
        assert_eq!(
            r.spend().unwrap().tokens,
            Some(Tokens {
                input: 400,
                output: 50,
                cache_read: 600,
                cache_write: 0
            })
        );
        assert_eq!(r.error(), None);
    }

    #[test]
    fn a_usage_limit_is_a_reported_failure() {
        let r = read(include_str!(
            "../../../tests/fixtures/transcripts/codex-0.171.0-exec-json-usage-limit-plus-paris.jsonl"
        ));
        let why = r.error().unwrap();
        assert!(why.contains("hit your usage limit"), "{why}");
        assert_eq!(r.spend(), None);
    }
}
