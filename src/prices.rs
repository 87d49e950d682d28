//! The price table: USD per million tokens for each model, built in and
//! overridable with `[prices."<model>"]` in the config (CONTRACT §10).
//!
//! Transcripts carry tokens, rarely USD, so looop prices them itself. The
//! built-in rows were copied on 2026-12-05 from the providers' public
//! price lists as shipped in `@mariozechner/pi-ai` 0.73.1
//! (`dist/models.generated.js`, the table pi bills with); claude-sonnet-4-5
//! was also confirmed against claude 2.1.197's own `total_cost_usd`
//! (tests/fixtures/README.md). docs/cost.md lists them with their sources.
//! OpenAI bills no separate cache write: its rows price a cache write as
//! plain input.
//!
//! A model not in the table has no price: its tokens are kept and its USD
//! is unknown, never 0. Names are matched exactly, then without a provider
//! prefix (`anthropic/…`) and a date suffix (`…-20250929`); never by a
//! shorter prefix, which would price `gpt-5-mini` as `gpt-5`.

use crate::usage::Tokens;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One model's price, USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    pub input: f64,
    pub output: f64,
    pub cache_write: f64,
    pub cache_read: f64,
}

impl Price {
    /// What `tokens` cost at this price, rounded to the picodollar.
    pub fn usd(&self, tokens: Tokens) -> f64 {
        let micro = tokens.input as f64 * self.input
            + tokens.output as f64 * self.output
            + tokens.cache_write as f64 * self.cache_write
            + tokens.cache_read as f64 * self.cache_read;
        (micro * 1e6).round() / 1e12
    }
}

/// A `[prices."<model>"]` table: keys left out keep the built-in value.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceOverride {
    pub input: Option<f64>,
    pub output: Option<f64>,
    pub cache_write: Option<f64>,
    pub cache_read: Option<f64>,
}

/// `(model, input, output, cache write, cache read)`, USD per Mtok.
const BUILT_IN: &[(&str, f64, f64, f64, f64)] = &[
    // Anthropic (claude, and pi/opencode on Anthropic models).
    ("claude-opus-4-7", 5.0, 25.0, 6.25, 0.50),
    ("claude-opus-4-6", 5.0, 25.0, 6.25, 0.50),
    ("claude-opus-4-5", 5.0, 25.0, 6.25, 0.50),
    ("claude-opus-4-1", 15.0, 75.0, 18.75, 1.50),
    ("claude-opus-4-0", 15.0, 75.0, 18.75, 1.50),
    ("claude-opus-4", 15.0, 75.0, 18.75, 1.50),
    ("claude-sonnet-4-6", 3.0, 15.0, 3.75, 0.30),
    ("claude-sonnet-4-5", 3.0, 15.0, 3.75, 0.30),
    ("claude-sonnet-4-0", 3.0, 15.0, 3.75, 0.30),
    ("claude-sonnet-4", 3.0, 15.0, 3.75, 0.30),
    ("claude-3-7-sonnet", 3.0, 15.0, 3.75, 0.30),
    ("claude-3-5-sonnet", 3.0, 15.0, 3.75, 0.30),
    ("claude-haiku-4-5", 1.0, 5.0, 1.25, 0.10),
    ("claude-3-5-haiku", 0.80, 4.0, 1.0, 0.08),
    ("claude-3-haiku", 0.25, 1.25, 0.30, 0.03),
    ("claude-3-opus", 15.0, 75.0, 18.75, 1.50),
    // OpenAI (codex, and pi/opencode on OpenAI models).
    ("gpt-5.5", 5.0, 30.0, 5.0, 0.50),
    ("gpt-5.4", 2.5, 15.0, 2.5, 0.25),
    ("gpt-5.4-mini", 0.75, 4.5, 0.75, 0.075),
    ("gpt-5.4-nano", 0.20, 1.25, 0.20, 0.02),
    ("gpt-5.3-codex", 1.75, 14.0, 1.75, 0.175),
    ("gpt-5.2", 1.75, 14.0, 1.75, 0.175),
    ("gpt-5.2-codex", 1.75, 14.0, 1.75, 0.175),
    ("gpt-5.1", 1.25, 10.0, 1.25, 0.125),
    ("gpt-5.1-codex", 1.25, 10.0, 1.25, 0.125),
    ("gpt-5.1-codex-max", 1.25, 10.0, 1.25, 0.125),
    ("gpt-5.1-codex-mini", 0.25, 2.0, 0.25, 0.025),
    ("gpt-5", 1.25, 10.0, 1.25, 0.125),
    ("gpt-5-codex", 1.25, 10.0, 1.25, 0.125),
    ("gpt-5-mini", 0.25, 2.0, 0.25, 0.025),
    ("gpt-5-nano", 0.05, 0.40, 0.05, 0.005),
    ("gpt-4.1", 2.0, 8.0, 2.0, 0.50),
    ("gpt-4.1-mini", 0.40, 1.60, 0.40, 0.10),
    ("gpt-4o", 2.5, 10.0, 2.5, 1.25),
    ("gpt-4o-mini", 0.15, 0.60, 0.15, 0.08),
    ("o3", 2.0, 8.0, 2.0, 0.50),
    ("o4-mini", 1.1, 4.4, 1.1, 0.28),
];

/// The built-in table with the config's overrides laid over it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prices {
    /// From the config; looked up before the built-in rows.
    own: BTreeMap<String, Price>,
}

impl Prices {
    /// The table for a config's `[prices]`. A model the built-in table
    /// lacks must name at least `input` and `output`; a cache price left
    /// out is then the input price (never cheaper than it may be). The
    /// error names the model and what is missing or wrong.
    pub fn new(overrides: &BTreeMap<String, PriceOverride>) -> Result<Prices, String> {
        let mut own = BTreeMap::new();
        for (model, o) in overrides {
            for (key, value) in [
                ("input", o.input),
                ("output", o.output),
                ("cache_write", o.cache_write),
                ("cache_read", o.cache_read),
            ] {
                if let Some(v) = value
                    && !(v.is_finite() && v >= 0.0)
                {
                    return Err(format!(
                        "prices.\"{model}\".{key} = {v}: a price is a finite number >= 0"
                    ));
                }
            }
            let price = match built_in(model) {
                Some(base) => Price {
                    input: o.input.unwrap_or(base.input),
                    output: o.output.unwrap_or(base.output),
                    cache_write: o.cache_write.unwrap_or(base.cache_write),
                    cache_read: o.cache_read.unwrap_or(base.cache_read),
                },
                None => {
                    let (Some(input), Some(output)) = (o.input, o.output) else {
                        return Err(format!(
                            "prices.\"{model}\": a model without a built-in price needs input and output"
                        ));
                    };
                    Price {
                        input,
                        output,
                        cache_write: o.cache_write.unwrap_or(input),
                        cache_read: o.cache_read.unwrap_or(input),
                    }
                }
            };
            own.insert(model.clone(), price);
        }
        Ok(Prices { own })
    }

    /// The price of `model`, `None` when neither table knows it.
    pub fn get(&self, model: &str) -> Option<Price> {
        names(model).find_map(|name| self.own.get(name).copied().or_else(|| built_in(name)))
    }

    /// What `tokens` of `model` cost, `None` when the model has no price.
    pub fn usd(&self, model: &str, tokens: Tokens) -> Option<f64> {
        Some(self.get(model)?.usd(tokens))
    }
}

/// A built-in row by exact name.
fn built_in(model: &str) -> Option<Price> {
    BUILT_IN.iter().find(|row| row.0 == model).map(
        |&(_, input, output, cache_write, cache_read)| Price {
            input,
            output,
            cache_write,
            cache_read,
        },
    )
}

/// The names `model` is looked up by, in order: as written, without a
/// provider prefix, then each of those without a `-YYYYMMDD` date suffix.
fn names(model: &str) -> impl Iterator<Item = &str> {
    let bare = model.rsplit_once('/').map_or(model, |(_, m)| m);
    [model, bare].into_iter().flat_map(|m| [m, undated(m)])
}

/// `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`; others unchanged.
fn undated(model: &str) -> &str {
    match model.rsplit_once('-') {
        Some((head, date)) if date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) => head,
        _ => model,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(input: u64, output: u64, cache_write: u64, cache_read: u64) -> Tokens {
        Tokens {
            input,
            output,
            cache_read,
            cache_write,
        }
    }

    #[test]
    fn claude_prices_match_claudes_own_total() {
        // transcripts/claude-2.1.197-print-stream-mock-api.jsonl: claude
        // said total_cost_usd 0.058935 for these tokens.
        let p = Prices::default();
        let usd = p
            .usd("claude-sonnet-4-5", tokens(3615, 56, 9000, 45000))
            .unwrap();
        assert_eq!(usd, 0.058935);
        assert_eq!(
            p.usd("claude-sonnet-4-5-20250929", tokens(3615, 56, 9000, 45000)),
            Some(0.058935)
        );
        assert_eq!(
            p.usd("anthropic/claude-sonnet-4-5", tokens(1, 0, 0, 0)),
            Some(0.000003)
        );
    }

    #[test]
    fn pi_prices_match_pis_own_cost() {
        // usage/pi-session.jsonl: pi billed 0.033305 for this message.
        let usd = Prices::default()
            .usd("claude-opus-4-7", tokens(1201, 42, 3000, 15000))
            .unwrap();
        assert_eq!(usd, 0.033305);
    }

    #[test]
    fn unknown_models_have_no_price_and_no_prefix_guess() {
        let p = Prices::default();
        assert_eq!(p.usd("my-local-model", tokens(5, 5, 0, 0)), None);
        assert_eq!(p.get("gpt-5-turbo-x"), None);
        assert_eq!(p.get("gpt-5-mini").unwrap().input, 0.25);
        assert_eq!(p.get("<synthetic>"), None);
    }

    #[test]
    fn config_overrides_and_extends() {
        let mut o = BTreeMap::new();
        o.insert(
            "claude-sonnet-4-5".to_string(),
            PriceOverride {
                input: Some(6.0),
                ..PriceOverride::default()
            },
        );
        o.insert(
            "local".to_string(),
            PriceOverride {
                input: Some(1.0),
                output: Some(2.0),
                ..PriceOverride::default()
            },
        );
        let p = Prices::new(&o).unwrap();
        let sonnet = p.get("claude-sonnet-4-5-20250929").unwrap();
        assert_eq!((sonnet.input, sonnet.output), (6.0, 15.0));
        assert_eq!(
            p.get("local").unwrap(),
            Price {
                input: 1.0,
                output: 2.0,
                cache_write: 1.0,
                cache_read: 1.0
            }
        );
        let mut bad = BTreeMap::new();
        bad.insert(
            "new".to_string(),
            PriceOverride {
                input: Some(1.0),
                ..PriceOverride::default()
            },
        );
        assert!(
            Prices::new(&bad)
                .unwrap_err()
                .contains("needs input and output")
        );
        bad.insert(
            "new".to_string(),
            PriceOverride {
                input: Some(-1.0),
                output: Some(1.0),
                ..PriceOverride::default()
            },
        );
        assert!(Prices::new(&bad).unwrap_err().contains(">= 0"));
    }
}
