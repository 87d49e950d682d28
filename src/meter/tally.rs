//! Adding up what transcript lines say into ledger-sized amounts: one per
//! model (and per priced / unpriced), each message counted once.
//!
//! Pure logic: the caller reads the lines and keeps [`Seen`] and the
//! running total between calls, so the same rules hold within one read and
//! across reads.

use crate::agents::spec::{Line, Message};
use crate::prices::Prices;
use crate::usage::Tokens;
use std::collections::{BTreeMap, HashSet};

/// What one read of a transcript added.
#[derive(Debug, Default, PartialEq)]
pub struct Tally {
    /// Per model: tokens and USD (`None` when some of them had no price).
    pub amounts: BTreeMap<(String, bool), Amount>,
    /// Lines that were not JSON or had a field of the wrong type.
    pub skipped: u64,
    /// Keys of the messages counted in this read, new to [`Seen`].
    pub new_keys: Vec<u64>,
}

/// Tokens and USD of one model; `usd` is `None` for unpriced tokens.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Amount {
    pub tokens: Tokens,
    pub usd: Option<f64>,
}

/// The keys of messages already counted (hashes of [`Message::key`]).
pub type Seen = HashSet<u64>;

/// Counts lines into a [`Tally`].
pub struct Counter<'a> {
    prices: &'a Prices,
    seen: &'a mut Seen,
    /// The running total of a CLI that reports one (codex), as last read.
    total: &'a mut Tokens,
    pub tally: Tally,
}

impl<'a> Counter<'a> {
    pub fn new(prices: &'a Prices, seen: &'a mut Seen, total: &'a mut Tokens) -> Counter<'a> {
        Counter {
            prices,
            seen,
            total,
            tally: Tally::default(),
        }
    }

    pub fn add(&mut self, line: Line) {
        match line {
            Line::Nothing => {}
            Line::Skipped => self.tally.skipped += 1,
            Line::Message(message) => self.message(message),
            Line::Cumulative { model, tokens } => {
                let new = tokens.since(*self.total);
                *self.total = max(*self.total, tokens);
                if !new.is_zero() {
                    let usd = self.prices.usd(&model, new);
                    self.amount(model, new, usd);
                }
            }
        }
    }

    fn message(&mut self, message: Message) {
        if let Some(key) = &message.key {
            let hash = crate::paths::fnv1a(key.as_bytes());
            if !self.seen.insert(hash) {
                return;
            }
            self.tally.new_keys.push(hash);
        }
        let usd = message
            .cost_usd
            .or_else(|| self.prices.usd(&message.model, message.tokens));
        self.amount(message.model, message.tokens, usd);
    }

    fn amount(&mut self, model: String, tokens: Tokens, usd: Option<f64>) {
        let entry = self
            .tally
            .amounts
            .entry((model, usd.is_some()))
            .or_insert_with(|| Amount {
                tokens: Tokens::default(),
                usd: usd.map(|_| 0.0),
            });
        entry.tokens = entry.tokens.plus(tokens);
        if let (Some(sum), Some(usd)) = (entry.usd.as_mut(), usd) {
            *sum = crate::usage::add_usd(*sum, usd);
        }
    }
}

/// Count by count, the larger: a running total never goes back, even when
/// its file was replaced by one that starts again from zero.
fn max(a: Tokens, b: Tokens) -> Tokens {
    Tokens {
        input: a.input.max(b.input),
        output: a.output.max(b.output),
        cache_read: a.cache_read.max(b.cache_read),
        cache_write: a.cache_write.max(b.cache_write),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(key: &str, model: &str, input: u64, cost: Option<f64>) -> Line {
        Line::Message(Message {
            key: Some(key.into()),
            model: model.into(),
            tokens: Tokens {
                input,
                ..Tokens::default()
            },
            cost_usd: cost,
        })
    }

    #[test]
    fn a_key_counts_once_across_reads_and_prices_split_by_model() {
        let prices = Prices::default();
        let (mut seen, mut total) = (Seen::new(), Tokens::default());
        let mut c = Counter::new(&prices, &mut seen, &mut total);
        c.add(msg("a", "claude-sonnet-4-5", 1_000_000, None));
        c.add(msg("a", "claude-sonnet-4-5", 1_000_000, None));
        c.add(msg("b", "mystery", 7, None));
        c.add(msg("c", "mystery", 1, Some(0.25)));
        c.add(Line::Skipped);
        let t = c.tally;
        assert_eq!(t.skipped, 1);
        assert_eq!(t.new_keys.len(), 3);
        let sonnet = &t.amounts[&("claude-sonnet-4-5".to_string(), true)];
        assert_eq!((sonnet.tokens.input, sonnet.usd), (1_000_000, Some(3.0)));
        let unpriced = &t.amounts[&("mystery".to_string(), false)];
        assert_eq!((unpriced.tokens.input, unpriced.usd), (7, None));
        assert_eq!(t.amounts[&("mystery".to_string(), true)].usd, Some(0.25));

        let mut c = Counter::new(&prices, &mut seen, &mut total);
        c.add(msg("a", "claude-sonnet-4-5", 1_000_000, None));
        assert_eq!(c.tally, Tally::default(), "seen in an earlier read");
    }

    #[test]
    fn running_totals_count_only_their_growth() {
        let prices = Prices::default();
        let (mut seen, mut total) = (Seen::new(), Tokens::default());
        let cum = |input, output| Line::Cumulative {
            model: "gpt-5".into(),
            tokens: Tokens {
                input,
                output,
                ..Tokens::default()
            },
        };
        let mut c = Counter::new(&prices, &mut seen, &mut total);
        c.add(cum(1000, 10));
        c.add(cum(1000, 10));
        c.add(cum(3000, 30));
        let amount = &c.tally.amounts[&("gpt-5".to_string(), true)];
        assert_eq!((amount.tokens.input, amount.tokens.output), (3000, 30));
        let mut c = Counter::new(&prices, &mut seen, &mut total);
        c.add(cum(100, 1));
        c.add(cum(3500, 30));
        let amount = &c.tally.amounts[&("gpt-5".to_string(), true)];
        assert_eq!((amount.tokens.input, amount.tokens.output), (500, 0));
    }
}
