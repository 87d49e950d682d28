//! Token counts and spend: the shape in which agent CLIs report what an AI
//! call used,
//! shared by the agents' readers (which find them), the price table (which
//! turns them into USD) and the ledger (which stores them), so the four
//! counts never change names on the way (CONTRACT §10).
//!
//! `input` is the input that was neither read from nor written to the
//! prompt cache; cache reads and writes are counted apart because they are
//! priced apart. A CLI that counts cached input inside its input (codex)
//! is converted by its reader, never here.

use serde::{Deserialize, Serialize};

/// Tokens of one call, or of a sum of calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write: u64,
}

impl Tokens {
    /// Both counts added, saturating (a hostile transcript cannot overflow).
    pub fn plus(self, other: Tokens) -> Tokens {
        Tokens {
            input: self.input.saturating_add(other.input),
            output: self.output.saturating_add(other.output),
            cache_read: self.cache_read.saturating_add(other.cache_read),
            cache_write: self.cache_write.saturating_add(other.cache_write),
        }
    }

    /// What `self` has beyond `earlier`, count by count, never below 0: the
    /// new part of a cumulative total.
    pub fn since(self, earlier: Tokens) -> Tokens {
        Tokens {
            input: self.input.saturating_sub(earlier.input),
            output: self.output.saturating_sub(earlier.output),
            cache_read: self.cache_read.saturating_sub(earlier.cache_read),
            cache_write: self.cache_write.saturating_sub(earlier.cache_write),
        }
    }

    /// All four counts together.
    pub fn total(self) -> u64 {
        self.input
            .saturating_add(self.output)
            .saturating_add(self.cache_read)
            .saturating_add(self.cache_write)
    }

    pub fn is_zero(self) -> bool {
        self.total() == 0
    }
}

/// What one AI call or worker spent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spend {
    /// USD; `None` when not known (yet): tokens of a model without a price.
    pub cost_usd: Option<f64>,
    /// The model, when the output named it.
    pub model: Option<String>,
    /// The tokens, when the output counted them.
    pub tokens: Option<Tokens>,
}

/// `a + b` to the picodollar: a sum of binary fractions (pi's 0.1 + 0.2)
/// would otherwise reach the ledger as 0.30000000000000004.
pub fn add_usd(a: f64, b: f64) -> f64 {
    ((a + b) * 1e12).round() / 1e12
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_carry_no_binary_fraction_noise() {
        assert_eq!(add_usd(0.1, 0.2), 0.3);
        assert_eq!(add_usd(0.3, 0.000_000_1).to_string(), "0.3000001");
        assert_eq!(add_usd(0.0, 0.0123), 0.0123);
    }

    #[test]
    fn sums_and_differences_never_wrap() {
        let a = Tokens {
            input: 10,
            output: 5,
            cache_read: 1,
            cache_write: 0,
        };
        let b = Tokens {
            input: 3,
            output: 9,
            cache_read: u64::MAX,
            cache_write: 2,
        };
        assert_eq!(a.plus(b).cache_read, u64::MAX);
        assert_eq!(
            a.since(b),
            Tokens {
                input: 7,
                output: 0,
                cache_read: 0,
                cache_write: 0
            }
        );
        assert_eq!(a.total(), 16);
        assert!(Tokens::default().is_zero());
    }
}
