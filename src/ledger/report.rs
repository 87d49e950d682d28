//! The cost report: the totals of a scope ([`super::totals`]) with the
//! budget and what metering the workers' transcripts found, and its
//! `--json` shape.

use super::budget::BudgetStatus;
use super::days;
use super::totals::{By, ByName, Scope, Tally, Totals, tally};
use crate::config::Config;
use crate::paths::Profile;
use anyhow::Result;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

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
    /// What metering the workers' transcripts found (set by the caller
    /// that metered).
    pub transcripts: Transcripts,
}

/// What metering workers' transcripts found, for the report's notes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Transcripts {
    /// Transcript lines skipped (not JSON, a field of the wrong type).
    pub skipped_lines: u64,
    /// Workers whose transcript has not been found (bare ids).
    pub not_found: Vec<String>,
    /// Workers whose agent looop does not meter (opencode, none).
    pub not_metered: Vec<String>,
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
            &self.transcripts,
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
        transcripts: Transcripts::default(),
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
        By::Goal => &t.by_goal,
        By::Session => &t.by_session,
        By::Model => &t.by_model,
    };
    map.iter().map(|(k, v)| (k.clone(), v.calls)).collect()
}

/// A name's USD in the `--json` maps: `None` (`null`, unknown) when all
/// of its tokens lack a price, never 0.
fn known_usd(t: &Tally) -> Option<f64> {
    (t.usd != 0.0 || t.unpriced_tokens == 0).then(|| round9(t.usd))
}

/// `looop cost --json`: one object; maps are name → USD (`null` when
/// unknown).
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
    /// Tokens whose USD is unknown (a model without a price).
    unpriced_tokens: u64,
    by_kind: BTreeMap<&'a str, Option<f64>>,
    by_runner: BTreeMap<&'a str, Option<f64>>,
    by_goal: BTreeMap<&'a str, Option<f64>>,
    by_session: BTreeMap<&'a str, Option<f64>>,
    by_model: BTreeMap<&'a str, Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    by_id: Option<BTreeMap<&'a str, Option<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    by_day: Option<BTreeMap<String, Option<f64>>>,
    /// Calls per name of the `--by` breakdown asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    calls_by: Option<BTreeMap<String, u64>>,
    skipped: u64,
    /// Workers' `_cost` reports left out: looop metered those sessions.
    self_reports_left_out: u64,
    /// What metering the workers' transcripts found.
    transcripts: &'a Transcripts,
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
        transcripts: &'a Transcripts,
    ) -> JsonReport<'a> {
        let usd_map = |m: &'a ByName| -> BTreeMap<&'a str, Option<f64>> {
            m.iter().map(|(k, v)| (k.as_str(), known_usd(v))).collect()
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
            unpriced_tokens: t.total.unpriced_tokens,
            by_kind: usd_map(&t.by_kind),
            by_runner: usd_map(&t.by_runner),
            by_goal: usd_map(&t.by_goal),
            by_session: usd_map(&t.by_session),
            by_model: usd_map(&t.by_model),
            by_id: (by == Some(By::Id)).then(|| usd_map(&t.by_id)),
            by_day: (by == Some(By::Day)).then(|| {
                t.by_day
                    .iter()
                    .map(|(d, v)| (d.to_string(), known_usd(v)))
                    .collect()
            }),
            calls_by: by.map(|by| calls_by(t, by)),
            skipped: t.skipped,
            self_reports_left_out: t.self_reports_left_out,
            transcripts,
            budget_usd: budget.budget_usd,
            spent_today_usd: round9(budget.spent_today_usd),
            budget_reached: budget.reached(),
            ledger,
        }
    }
}
