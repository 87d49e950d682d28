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
//! - [`totals`]: one pass over the file, summed by scope and breakdown;
//! - [`report`]: the totals the `cost` command shows;
//! - [`budget`]: today's spend against `daily_budget_usd`.

mod append;
mod budget;
mod days;
mod entry;
mod report;
mod scan;
mod totals;

pub use append::{Measured, Metered, append_lines, marks_after, metered_line, record};
// The type is named only by the cost command's tests; callers just use it.
pub use crate::usage::Spend;
#[cfg_attr(not(test), allow(unused_imports))]
pub use budget::BudgetStatus;
pub use budget::budget_status;
pub use entry::{parse_usd, usd};
pub use report::{Report, Transcripts, report};
pub use totals::{By, Scope, Tally, Totals};
