//! The cost report: what the loop and its workers spent, from the ledger.
//!
//! One pass over the file ([`scan`]) gathers everything the report can
//! show: the total and calls in scope, the breakdowns, and today's spend for
//! the budget line. Days are local days; scopes are whole local days
//! (`today`, `week` = the last 7 days including today, `month` = since the
//! 1st, `all`). The per-id table is only gathered when asked for, since every
//! beat has its own run id and that map grows with the ledger.

use super::budget::BudgetStatus;
use super::days::{self, DayCache};
use super::scan::scan;
use crate::config::Config;
use crate::paths::Profile;
use anyhow::Result;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Which days a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Today,
    Week,
    Month,
    All,
}

impl Scope {
    pub fn parse(text: &str) -> Option<Scope> {
        match text {
            "today" => Some(Scope::Today),
            "week" => Some(Scope::Week),
            "month" => Some(Scope::Month),
            "all" => Some(Scope::All),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scope::Today => "today",
            Scope::Week => "week",
            Scope::Month => "month",
            Scope::All => "all",
        }
    }

    /// The first local day in scope; `None` for everything.
    pub fn first_day(self, today: NaiveDate) -> Option<NaiveDate> {
        match self {
            Scope::Today => Some(today),
            Scope::Week => today.checked_sub_days(chrono::Days::new(6)),
            Scope::Month => today.with_day(1),
            Scope::All => None,
        }
    }
}

/// Which breakdown `--by` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Kind,
    Runner,
    Id,
    Day,
}

impl By {
    pub fn parse(text: &str) -> Option<By> {
        match text {
            "kind" => Some(By::Kind),
            "runner" => Some(By::Runner),
            "id" => Some(By::Id),
            "day" => Some(By::Day),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            By::Kind => "kind",
            By::Runner => "runner",
            By::Id => "id",
            By::Day => "day",
        }
    }
}

/// Money and calls under one name.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Tally {
    pub usd: f64,
    pub calls: u64,
}

impl Tally {
    fn add(&mut self, usd: f64) {
        self.usd += usd;
        self.calls += 1;
    }
}

/// Everything one pass over the ledger learns.
#[derive(Debug, Default)]
pub struct Totals {
    pub total: Tally,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub by_kind: HashMap<String, Tally>,
    pub by_runner: HashMap<String, Tally>,
    pub by_id: HashMap<String, Tally>,
    pub by_day: BTreeMap<NaiveDate, Tally>,
    pub spent_today_usd: f64,
    /// Malformed lines skipped.
    pub skipped: u64,
}

/// Add `usd` under `key` without allocating when the key is known already.
fn add_to(map: &mut HashMap<String, Tally>, key: &str, usd: f64) {
    match map.get_mut(key) {
        Some(t) => t.add(usd),
        None => {
            map.insert(key.to_string(), Tally { usd, calls: 1 });
        }
    }
}

/// Read the ledger at `path` once and total what falls in `scope`.
pub fn tally(
    path: &std::path::Path,
    scope: Scope,
    by: Option<By>,
    today: NaiveDate,
) -> Result<Totals> {
    let (today_start, today_end) = (days::day_start(today), days::day_end(today));
    let (from, until) = match scope.first_day(today) {
        Some(first) => (days::day_start(first), today_end),
        None => (i64::MIN, i64::MAX),
    };
    let mut t = Totals::default();
    let mut day_cache = DayCache::default();
    t.skipped = scan(path, |e, secs| {
        if today_start <= secs && secs < today_end {
            t.spent_today_usd += e.cost_usd;
        }
        if secs < from || secs >= until {
            return;
        }
        t.total.add(e.cost_usd);
        t.input_tokens += e.input_tokens.unwrap_or(0);
        t.output_tokens += e.output_tokens.unwrap_or(0);
        add_to(&mut t.by_kind, &e.kind, e.cost_usd);
        add_to(&mut t.by_runner, &e.runner, e.cost_usd);
        match by {
            Some(By::Id) => add_to(&mut t.by_id, &e.id, e.cost_usd),
            Some(By::Day) => t
                .by_day
                .entry(day_cache.day_of(secs))
                .or_default()
                .add(e.cost_usd),
            _ => {}
        }
    })?;
    if by == Some(By::Day)
        && let Some(first) = scope.first_day(today)
    {
        // A bounded scope shows every day in it, spent or not.
        for day in first.iter_days().take_while(|d| *d <= today) {
            t.by_day.entry(day).or_default();
        }
    }
    Ok(t)
}

/// Round away float noise (0.1 + 0.2) before printing JSON.
fn round9(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

/// One cost report: the totals of a scope and what they are measured
/// against.
pub struct Report {
    pub totals: Totals,
    pub scope: Scope,
    pub by: Option<By>,
    /// The local day the report was made on.
    pub today: NaiveDate,
    pub budget: BudgetStatus,
    /// The ledger's path, as text.
    pub ledger: String,
}

impl Report {
    /// The `--json` shape of this report.
    pub fn json(&self) -> JsonReport<'_> {
        JsonReport::new(
            &self.totals,
            self.scope,
            self.by,
            self.today,
            &self.budget,
            &self.ledger,
        )
    }
}

/// Read the ledger of `profile` once and report on `scope`.
pub fn report(profile: &Profile, config: &Config, scope: Scope, by: Option<By>) -> Result<Report> {
    let today = days::today();
    let totals = tally(&profile.ledger(), scope, by, today)?;
    let budget = BudgetStatus {
        spent_today_usd: totals.spent_today_usd,
        budget_usd: config.daily_budget_usd,
    };
    Ok(Report {
        totals,
        scope,
        by,
        today,
        budget,
        ledger: profile.ledger().display().to_string(),
    })
}

/// Calls per name of one breakdown (unsorted maps are fine: JSON keys sort).
fn calls_by(t: &Totals, by: By) -> BTreeMap<String, u64> {
    let map = match by {
        By::Day => {
            return t
                .by_day
                .iter()
                .map(|(d, v)| (d.to_string(), v.calls))
                .collect();
        }
        By::Kind => &t.by_kind,
        By::Runner => &t.by_runner,
        By::Id => &t.by_id,
    };
    map.iter().map(|(k, v)| (k.clone(), v.calls)).collect()
}

/// `looop cost --json`: one object; maps are name → USD.
#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    scope: &'a str,
    /// First local day in scope (`None` for `all`).
    since: Option<String>,
    /// Last local day in scope (today; `None` for `all`).
    until: Option<String>,
    total_usd: f64,
    calls: u64,
    input_tokens: u64,
    output_tokens: u64,
    by_kind: BTreeMap<&'a str, f64>,
    by_runner: BTreeMap<&'a str, f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    by_id: Option<BTreeMap<&'a str, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    by_day: Option<BTreeMap<String, f64>>,
    /// Calls per name of the `--by` breakdown asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    calls_by: Option<BTreeMap<String, u64>>,
    skipped: u64,
    /// 0 = no daily budget.
    budget_usd: f64,
    spent_today_usd: f64,
    budget_reached: bool,
    ledger: &'a str,
}

impl<'a> JsonReport<'a> {
    fn new(
        t: &'a Totals,
        scope: Scope,
        by: Option<By>,
        today: NaiveDate,
        budget: &BudgetStatus,
        ledger: &'a str,
    ) -> JsonReport<'a> {
        let usd_map = |m: &'a HashMap<String, Tally>| -> BTreeMap<&'a str, f64> {
            m.iter().map(|(k, v)| (k.as_str(), round9(v.usd))).collect()
        };
        let first = scope.first_day(today);
        JsonReport {
            scope: scope.name(),
            since: first.map(|d| d.to_string()),
            until: first.map(|_| today.to_string()),
            total_usd: round9(t.total.usd),
            calls: t.total.calls,
            input_tokens: t.input_tokens,
            output_tokens: t.output_tokens,
            by_kind: usd_map(&t.by_kind),
            by_runner: usd_map(&t.by_runner),
            by_id: (by == Some(By::Id)).then(|| usd_map(&t.by_id)),
            by_day: (by == Some(By::Day)).then(|| {
                t.by_day
                    .iter()
                    .map(|(d, v)| (d.to_string(), round9(v.usd)))
                    .collect()
            }),
            calls_by: by.map(|by| calls_by(t, by)),
            skipped: t.skipped,
            budget_usd: budget.budget_usd,
            spent_today_usd: round9(budget.spent_today_usd),
            budget_reached: budget.reached(),
            ledger,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_whole_local_days() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(Scope::Today.first_day(today), Some(today));
        assert_eq!(
            Scope::Week.first_day(today),
            NaiveDate::from_ymd_opt(2026, 11, 17)
        );
        assert_eq!(
            Scope::Month.first_day(today),
            NaiveDate::from_ymd_opt(2026, 11, 1)
        );
        assert_eq!(Scope::All.first_day(today), None);
    }
}
