//! claude's `usage` object, as its stream-json `result` event and its
//! transcript's assistant messages both carry it: one reading for the tick
//! AI and the worker meter alike.

use crate::usage::Tokens;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Usage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    cache_creation_input_tokens: u64,
    #[serde(default)]
    cache_read_input_tokens: u64,
}

impl Usage {
    /// The four counts looop prices (cache creation is a cache write).
    pub fn tokens(&self) -> Tokens {
        Tokens {
            input: self.input_tokens,
            output: self.output_tokens,
            cache_read: self.cache_read_input_tokens,
            cache_write: self.cache_creation_input_tokens,
        }
    }
}
