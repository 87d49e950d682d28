//! opencode's `run --format json` stream, as the tick AI prints it
//! (tests/fixtures/transcripts/opencode-1.18.33-run-json-mock-api.jsonl).
//!
//! `text` events carry the answer's parts (the final answer is the text of
//! the last message that had any); each `step_finish` carries that step's
//! `part.cost` (USD, opencode's own price) and `part.tokens`, summed over
//! the call. Reasoning tokens are priced as output.

use crate::agents::spec::StreamRead;
use crate::usage::{Spend, Tokens, add_usd};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(tag = "type")]
enum Event {
    #[serde(rename = "text")]
    Text { part: TextPart },
    #[serde(rename = "step_finish")]
    StepFinish { part: StepPart },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct TextPart {
    #[serde(rename = "messageID")]
    message_id: Option<String>,
    text: Option<String>,
}

#[derive(Deserialize)]
struct StepPart {
    cost: Option<f64>,
    tokens: Option<StepTokens>,
}

#[derive(Deserialize)]
struct StepTokens {
    #[serde(default)]
    input: u64,
    #[serde(default)]
    output: u64,
    #[serde(default)]
    reasoning: u64,
    cache: Option<Cache>,
}

#[derive(Deserialize)]
struct Cache {
    #[serde(default)]
    read: u64,
    #[serde(default)]
    write: u64,
}

/// What the stream said so far.
#[derive(Debug, Default)]
pub struct Stream {
    /// The message whose text is the answer, and its text so far.
    message: Option<String>,
    text: String,
    usd: Option<f64>,
    tokens: Option<Tokens>,
    seen: bool,
}

impl StreamRead for Stream {
    fn feed(&mut self, line: &str) {
        // Lines that are not one of our events are plain output, not errors.
        let Ok(event) = serde_json::from_str::<Event>(line) else {
            return;
        };
        match event {
            Event::Text { part } => {
                self.seen = true;
                let Some(text) = part.text else { return };
                if part.message_id != self.message {
                    self.message = part.message_id;
                    self.text.clear();
                }
                self.text.push_str(&text);
            }
            Event::StepFinish { part } => {
                self.seen = true;
                if let Some(usd) = part.cost.filter(|c| c.is_finite() && *c >= 0.0) {
                    self.usd = Some(add_usd(self.usd.unwrap_or(0.0), usd));
                }
                if let Some(t) = part.tokens {
                    let (read, write) = t.cache.map_or((0, 0), |c| (c.read, c.write));
                    let step = Tokens {
                        input: t.input,
                        output: t.output.saturating_add(t.reasoning),
                        cache_read: read,
                        cache_write: write,
                    };
                    self.tokens = Some(self.tokens.unwrap_or_default().plus(step));
                }
            }
            Event::Other => {}
        }
    }

    fn seen(&self) -> bool {
        self.seen
    }

    fn answer(&self) -> Option<String> {
        (!self.text.trim().is_empty()).then(|| self.text.clone())
    }

    fn spend(&self) -> Option<Spend> {
        if self.usd.is_none() && self.tokens.is_none() {
            return None;
        }
        Some(Spend {
            cost_usd: self.usd,
            model: None,
            tokens: self.tokens,
        })
    }

    fn error(&self) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_tokens_and_answer_of_a_real_run() {
        let mut r = Stream::default();
        for line in include_str!(
            "../../../tests/fixtures/transcripts/opencode-1.18.33-run-json-mock-api.jsonl"
        )
        .lines()
        {
            r.feed(line.trim());
        }
        let spend = r.spend().unwrap();
        assert_eq!(spend.cost_usd, Some(0.019998));
        assert_eq!(
            spend.tokens,
            Some(Tokens {
                input: 1206,
                output: 42,
                cache_read: 15000,
                cache_write: 3000
            })
        );
        assert_eq!(r.answer().as_deref(), Some("I'll list the files."));
    }
}
