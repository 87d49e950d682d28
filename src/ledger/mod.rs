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
//! - [`append`]: [`record`] and the `_cost` command;
//! - [`scan`]: streaming over the file, skipping malformed lines;
//! - [`days`]: local days of UTC timestamps;
//! - [`report`]: the `cost` command;
//! - [`budget`]: today's spend against `daily_budget_usd`.

mod append;
mod budget;
mod days;
mod entry;
mod report;
mod scan;

// `record` and the budget are the pulse's and start-session's API; until
// those land on this branch nothing here names them.
#[allow(unused_imports)]
pub use append::{cmd_record, record};
#[allow(unused_imports)]
pub use budget::{BudgetStatus, budget_status};
pub use entry::add_usd;
pub use report::{cmd_cost, usd};

/// What one AI call or worker spent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spend {
    pub cost_usd: f64,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
}
