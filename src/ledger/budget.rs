//! The daily budget: today's spend (local day) against `daily_budget_usd`.
//!
//! The pulse asks before every AI call and `start-session` before every
//! launch, so that an unattended loop stops spending once the day's money is
//! gone (CONTRACT §3, §4 step 4). A budget of 0 means no cap.

use super::days;
use super::totals::{Scope, tally};
use crate::config::Config;
use crate::paths::Profile;
use anyhow::Result;

/// Today's spend (local day) against the daily budget.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetStatus {
    pub spent_today_usd: f64,
    /// 0 = no budget.
    pub budget_usd: f64,
}

impl BudgetStatus {
    /// Whether a budget is set and today's spend has reached it. Sums of
    /// binary fractions drift (0.7 + 0.1 < 0.8), so a nano-dollar short counts.
    pub fn reached(&self) -> bool {
        self.budget_usd > 0.0 && self.spent_today_usd >= self.budget_usd - 1e-9
    }

    /// One line for people, e.g. `$1.2000 of $5.00 spent today (24%)`, or
    /// `$1.2000 spent today (no daily budget)`.
    pub fn describe(&self) -> String {
        let spent = super::entry::usd(self.spent_today_usd);
        if self.budget_usd <= 0.0 {
            return format!("{spent} spent today (no daily budget)");
        }
        let percent = (self.spent_today_usd / self.budget_usd * 100.0 + 1e-6).floor();
        let tail = if self.reached() {
            ": budget reached"
        } else {
            ""
        };
        format!(
            "{spent} of ${:.2} spent today ({percent}%){tail}",
            self.budget_usd
        )
    }
}

/// Today's spend from the ledger and the budget from `config`.
pub fn budget_status(profile: &Profile, config: &Config) -> Result<BudgetStatus> {
    // The same sums as `cost today`: metered spend in, self-reports of
    // metered sessions out, unpriced tokens not counted as dollars.
    let totals = tally(&profile.ledger(), Scope::Today, None, days::today())?;
    Ok(BudgetStatus {
        spent_today_usd: totals.spent_today_usd,
        budget_usd: config.daily_budget_usd,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_budget_is_never_reached() {
        let s = BudgetStatus {
            spent_today_usd: 100.0,
            budget_usd: 0.0,
        };
        assert!(!s.reached());
        assert!(s.describe().contains("no daily budget"));
    }

    #[test]
    fn reaching_is_inclusive() {
        let s = BudgetStatus {
            spent_today_usd: 2.0,
            budget_usd: 2.0,
        };
        assert!(s.reached());
        assert_eq!(
            s.describe(),
            "$2.0000 of $2.00 spent today (100%): budget reached"
        );
        assert!(
            !BudgetStatus {
                spent_today_usd: 1.99,
                budget_usd: 2.0
            }
            .reached()
        );
        assert!(
            BudgetStatus {
                spent_today_usd: 0.7 + 0.1,
                budget_usd: 0.8
            }
            .reached()
        );
    }
}
