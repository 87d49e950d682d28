//! codex's usage object, as `exec --json`'s `turn.completed` and the
//! rollout's `token_count` totals both carry it: one reading for the tick
//! AI and the worker meter alike.

use crate::usage::Tokens;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Usage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    cached_input_tokens: u64,
    #[serde(default)]
    cache_write_input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
}

impl Usage {
    pub fn tokens(&self) -> Tokens {
        tokens(
            self.input_tokens,
            self.cached_input_tokens,
            self.cache_write_input_tokens,
            self.output_tokens,
        )
    }
}

/// codex's usage as looop counts it: cached input out of the input.
pub fn tokens(input: u64, cached: u64, cache_write: u64, output: u64) -> Tokens {
    Tokens {
        input: input.saturating_sub(cached).saturating_sub(cache_write),
        output,
        cache_read: cached,
        cache_write,
    }
}
