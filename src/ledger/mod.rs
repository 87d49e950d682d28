//! Money: the cost ledger (`cost.jsonl`), the `cost` report, the daily
//! budget (CONTRACT §4 "Money", §6).
//!
//! Agents spend real money while nobody watches, so every AI call and every
//! worker's report lands in an append-only ledger, and the pulse and
//! `start-session` ask [`budget_status`] before they spend more. Metering a
//! runner's own output is [`crate::agents`]' job; this module only
//! stores and sums.
//!
//! - [`entry`]: the shape of one line, shared by writer and reader;
//! - [`append`]: [`record`], for looop's calls and workers' `_cost`;
//! - [`scan`]: streaming over the file, skipping malformed lines;
//! - [`days`]: local days of UTC timestamps;
//! - [`report`]: the totals the `cost` command shows;
//! - [`budget`]: today's spend against `daily_budget_usd`.

mod append;
mod budget;
mod days;
mod entry;
mod report;
mod scan;

pub use append::record;
// The type is named only by the cost command's tests; callers just use it.
#[cfg_attr(not(test), allow(unused_imports))]
pub use budget::BudgetStatus;
pub use budget::budget_status;
pub use entry::{add_usd, parse_usd, usd};
pub use report::{By, Report, Scope, Tally, Totals, report};

/// What one AI call or worker spent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spend {
    pub cost_usd: f64,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
}
