//! pi's `usage` object, as its `--mode json` events and its session file's
//! assistant messages both carry it (with pi's own `cost.total`): one
//! reading for the tick AI and the worker meter alike.

use crate::usage::Tokens;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Usage {
    #[serde(default)]
    input: u64,
    #[serde(default)]
    output: u64,
    #[serde(default, rename = "cacheRead")]
    cache_read: u64,
    #[serde(default, rename = "cacheWrite")]
    cache_write: u64,
    cost: Option<Cost>,
}

#[derive(Debug, Deserialize)]
struct Cost {
    total: Option<f64>,
}

impl Usage {
    pub fn tokens(&self) -> Tokens {
        Tokens {
            input: self.input,
            output: self.output,
            cache_read: self.cache_read,
            cache_write: self.cache_write,
        }
    }

    /// pi's own price of the message, when it gave one.
    pub fn cost_total(&self) -> Option<f64> {
        self.cost.as_ref().and_then(|c| c.total)
    }
}
