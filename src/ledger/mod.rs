//! Money: the cost ledger, metering runner streams, reports, the budget.
//! (Built by the money issue.)
//!
//! API used by the pulse and `start-session` (signatures agreed; bodies
//! arrive with the money issue): [`record`], [`budget_status`], and
//! [`crate::agent_stream`] for metering a runner's output.

use crate::cli::{Args, not_built};
use crate::config::Config;
use crate::paths::Profile;
use anyhow::Result;

/// What one AI call or worker spent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spend {
    pub cost_usd: f64,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
}

/// Append one ledger entry (kind `tick`, `goal`, `session`, ...).
pub fn record(
    _profile: &Profile,
    _kind: &str,
    _id: &str,
    _runner: &str,
    _spend: &Spend,
) -> Result<()> {
    Ok(())
}

/// Today's spend (local day) against the daily budget.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetStatus {
    pub spent_today_usd: f64,
    /// 0 = no budget.
    pub budget_usd: f64,
}

impl BudgetStatus {
    pub fn reached(&self) -> bool {
        self.budget_usd > 0.0 && self.spent_today_usd >= self.budget_usd
    }
}

pub fn budget_status(_profile: &Profile, config: &Config) -> Result<BudgetStatus> {
    Ok(BudgetStatus {
        spent_today_usd: 0.0,
        budget_usd: config.daily_budget_usd,
    })
}

pub fn cmd_cost(_args: Args) -> Result<i32> {
    Err(not_built("cost"))
}

pub fn cmd_record(_args: Args) -> Result<i32> {
    Err(not_built("_cost"))
}
