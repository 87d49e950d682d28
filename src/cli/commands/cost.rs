//! `looop cost [today|week|month|all] [--json] [--by kind|runner|id|day|goal|session|model]`,
//! the report of what was spent (after metering the workers' transcripts
//! into the ledger), and `looop _cost`, through which workers report their
//! own spend (CONTRACT §4 "Money", §10).

use crate::cli::args::Args;
use crate::cli::open;
use crate::color;
use crate::ledger::{self, By, Measured, Report, Scope, Spend, Tally, Totals, Transcripts, usd};
use crate::meter::{self, Metering};
use crate::paths::Profile;
use crate::text::visible::one_line;
use crate::usage::Tokens;
use crate::{exit, ids};
use anyhow::Result;
use chrono::NaiveDate;

/// `looop cost [today|week|month|all] [--json] [--by kind|runner|id|day]`.
pub fn run(mut args: Args) -> Result<i32> {
    let json = args.flag(&["--json"]);
    let by = match args.value("--by")? {
        None => None,
        Some(v) => Some(By::parse(&v).ok_or_else(|| {
            args.usage_error(&format!(
                "unknown --by {v:?}: use kind, runner, id, day, goal, session or model"
            ))
        })?),
    };
    let scope = match args.next() {
        None => Scope::All,
        Some(s) => Scope::parse(&s).ok_or_else(|| {
            args.usage_error(&format!(
                "unknown scope {s:?}: use today, week, month or all"
            ))
        })?,
    };
    args.finish()?;
    let (profile, config) = open::look()?;
    let metered = meter::bring_up_to_date(&profile, &config.prices)?;
    let mut report = ledger::report(&profile, &config, scope, by)?;
    report.transcripts = Transcripts {
        skipped_lines: metered.skipped_lines(),
        not_found: metered.ids(&Metering::NotFound),
        not_metered: metered.ids(&Metering::NotMetered),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report.json())?);
        if report.totals.skipped > 0 {
            eprintln!(
                "looop: note: {}",
                skipped_note(report.totals.skipped, &report.ledger)
            );
        }
    } else {
        print!("{}", render(&report));
    }
    Ok(0)
}

/// `looop _cost <kind> <id> <runner> <usd> [--input-tokens N] [--output-tokens N]`.
pub fn record(mut args: Args) -> Result<i32> {
    let input_tokens = args.number::<u64>("--input-tokens")?;
    let output_tokens = args.number::<u64>("--output-tokens")?;
    let kind = args.required("kind")?;
    let id = args.required("id")?;
    let runner = args.required("runner")?;
    let missing = args.usage_error("missing <usd>");
    let Some(usd) = args.next() else {
        // The parser reads a leading `-` as a flag, so `-1` lands here.
        return Err(match args.finish() {
            Ok(()) => missing,
            Err(_) => exit::usage(
                "_cost: the amount must be a finite number >= 0 (negative amounts are refused)",
            ),
        });
    };
    args.finish()?;
    ids::check("cost kind", &kind)?;
    // Workers report as `$LOOOP_SESSION_ID`, which for a 64-character id
    // is 70 characters long: the session form of a valid id is valid too.
    let bare = id
        .strip_prefix(ids::SESSION_PREFIX)
        .filter(|rest| ids::is_valid(rest))
        .unwrap_or(&id);
    ids::check("cost id", bare)?;
    ids::check("runner name", &runner)?;
    let cost_usd = ledger::parse_usd(&usd).map_err(|why| exit::usage(format!("_cost: {why}")))?;
    let profile = Profile::with_layout()?;
    let tokens = (input_tokens.is_some() || output_tokens.is_some()).then(|| Tokens {
        input: input_tokens.unwrap_or(0),
        output: output_tokens.unwrap_or(0),
        ..Tokens::default()
    });
    let spend = Spend {
        cost_usd: Some(cost_usd),
        model: None,
        tokens,
    };
    ledger::record(&profile, &kind, &id, &runner, &spend, Measured::Reported)?;
    Ok(0)
}

/// USD of a tally, `?` when all of it is unpriced, `$x + ?` when part is.
fn amount(t: &Tally) -> String {
    match (t.usd, t.unpriced_tokens) {
        (_, 0) => usd(t.usd),
        (0.0, _) => "?".to_string(),
        (u, _) => format!("{} + ?", usd(u)),
    }
}

/// The notes under the report: skipped lines, workers not metered.
fn notes(t: &Totals, ledger: &str, transcripts: &Transcripts) -> Vec<String> {
    let mut notes = Vec::new();
    if t.skipped > 0 {
        notes.push(skipped_note(t.skipped, ledger));
    }
    if transcripts.skipped_lines > 0 {
        let n = transcripts.skipped_lines;
        let lines = if n == 1 { "line" } else { "lines" };
        notes.push(format!(
            "skipped {n} unreadable transcript {lines} (not JSON or a wrong field type)"
        ));
    }
    if !transcripts.not_found.is_empty() {
        notes.push(format!(
            "transcript not found (yet) for: {}",
            transcripts.not_found.join(", ")
        ));
    }
    if !transcripts.not_metered.is_empty() {
        notes.push(format!(
            "not metered (the agent writes no transcript looop reads): {}",
            transcripts.not_metered.join(", ")
        ));
    }
    if t.self_reports_left_out > 0 {
        notes.push(format!(
            "{} self-reported _cost entries left out: those sessions are metered from their transcripts",
            t.self_reports_left_out
        ));
    }
    notes
}

fn skipped_note(skipped: u64, ledger: &str) -> String {
    let lines = if skipped == 1 { "line" } else { "lines" };
    format!("skipped {skipped} malformed {lines} in {ledger}")
}

/// The scope with its dates, e.g. `week (2026-11-17 .. 2026-11-23)`.
fn scope_label(scope: Scope, today: NaiveDate) -> String {
    match scope.first_day(today) {
        None => "all".to_string(),
        Some(first) if first == today => format!("today ({today})"),
        Some(first) => format!("{} ({first} .. {today})", scope.name()),
    }
}

/// The human report: a few `label value` lines, then aligned tables.
fn render(report: &Report) -> String {
    let Report {
        totals: t,
        scope,
        by,
        today,
        budget,
        ledger,
        transcripts,
    } = report;
    let (scope, by, today) = (*scope, *by, *today);
    let mut out = String::new();
    let plural = if t.total.calls == 1 { "call" } else { "calls" };
    out.push_str(&format!("scope   {}\n", scope_label(scope, today)));
    out.push_str(&format!(
        "total   {} in {} {plural}\n",
        color::bold(&amount(&t.total)),
        t.total.calls
    ));
    if t.total.unpriced_tokens > 0 {
        out.push_str(&format!(
            "        + {} tokens without a price (USD unknown: add [prices.\"<model>\"])\n",
            t.total.unpriced_tokens
        ));
    }
    if t.input_tokens + t.output_tokens > 0 {
        out.push_str(&format!(
            "tokens  {} in, {} out\n",
            t.input_tokens, t.output_tokens
        ));
    }
    if budget.budget_usd > 0.0 {
        let line = budget.describe();
        let line = if budget.reached() {
            color::red(&line)
        } else {
            line
        };
        out.push_str(&format!("budget  {line}\n"));
    }
    let tables: Vec<By> = match by {
        Some(by) => vec![by],
        None => vec![By::Kind, By::Runner],
    };
    for by in tables {
        let rows = rows(t, by);
        if rows.is_empty() {
            continue;
        }
        out.push('\n');
        out.push_str(&table(by.name(), &rows, by == By::Day));
    }
    let notes = notes(t, ledger, transcripts);
    if !notes.is_empty() {
        out.push('\n');
    }
    for note in notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out
}

/// The rows of one breakdown: days in order, names by spend (largest first).
fn rows(t: &Totals, by: By) -> Vec<(String, Tally)> {
    let map = match by {
        By::Day => return t.by_day.iter().map(|(d, v)| (d.to_string(), *v)).collect(),
        By::Kind => &t.by_kind,
        By::Runner => &t.by_runner,
        By::Id => &t.by_id,
        By::Goal => &t.by_goal,
        By::Session => &t.by_session,
        By::Model => &t.by_model,
    };
    // Runner names, ids and goals came from files: printed visible.
    let mut rows: Vec<(String, Tally)> = map
        .iter()
        .map(|(k, v)| (one_line(k).into_owned(), *v))
        .collect();
    rows.sort_by(|a, b| b.1.usd.total_cmp(&a.1.usd).then_with(|| a.0.cmp(&b.0)));
    rows
}

/// Widest bar, in characters, of `--by day`.
const BAR_WIDTH: f64 = 30.0;

/// An aligned table `name  calls  usd [bar]` with a bold header.
fn table(header: &str, rows: &[(String, Tally)], bars: bool) -> String {
    let amounts: Vec<String> = rows.iter().map(|(_, t)| amount(t)).collect();
    let name_w = rows
        .iter()
        .map(|(n, _)| n.chars().count())
        .chain([header.len()])
        .max()
        .unwrap_or(0);
    let calls_w = rows
        .iter()
        .map(|(_, t)| t.calls.to_string().len())
        .chain([5])
        .max()
        .unwrap_or(5);
    let usd_w = amounts
        .iter()
        .map(String::len)
        .chain([3])
        .max()
        .unwrap_or(3);
    let max = rows.iter().map(|(_, t)| t.usd).fold(0.0, f64::max);
    let mut out = String::new();
    let head = format!(
        "{header:<name_w$}  {:>calls_w$}  {:>usd_w$}",
        "calls", "usd"
    );
    out.push_str(&color::bold(&head));
    out.push('\n');
    for ((name, t), amount) in rows.iter().zip(&amounts) {
        out.push_str(&format!(
            "{name:<name_w$}  {:>calls_w$}  {amount:>usd_w$}",
            t.calls
        ));
        if bars && t.usd > 0.0 && max > 0.0 {
            let len = ((t.usd / max) * BAR_WIDTH).round().max(1.0) as usize;
            out.push_str("  ");
            out.push_str(&"#".repeat(len));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::BudgetStatus;

    fn totals() -> Totals {
        let mut t = Totals {
            total: Tally {
                usd: 2.0,
                calls: 3,
                unpriced_tokens: 0,
            },
            ..Totals::default()
        };
        t.by_kind.insert(
            "tick".into(),
            Tally {
                usd: 0.75,
                calls: 2,
                unpriced_tokens: 0,
            },
        );
        t.by_kind.insert(
            "session".into(),
            Tally {
                usd: 1.25,
                calls: 1,
                unpriced_tokens: 0,
            },
        );
        t.by_runner.insert(
            "claude".into(),
            Tally {
                usd: 0.75,
                calls: 2,
                unpriced_tokens: 0,
            },
        );
        t.by_runner.insert(
            "pi".into(),
            Tally {
                usd: 1.25,
                calls: 1,
                unpriced_tokens: 0,
            },
        );
        t
    }

    #[test]
    fn tables_are_aligned_and_sorted_by_spend() {
        let t = totals();
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let budget = BudgetStatus {
            spent_today_usd: 0.0,
            budget_usd: 0.0,
        };
        let report = Report {
            totals: t,
            scope: Scope::All,
            by: Some(By::Kind),
            today,
            budget,
            ledger: "x".into(),
            transcripts: Transcripts::default(),
        };
        let text = render(&report);
        assert_eq!(
            text,
            "scope   all\ntotal   $2.0000 in 3 calls\n\n\
             kind     calls  usd\n\
             session      1  $1.2500\n\
             tick         2  $0.7500\n"
                .replace("  usd", "      usd")
        );
    }

    #[test]
    fn day_bars_scale_to_the_largest_day() {
        let rows = vec![
            (
                "2026-11-22".to_string(),
                Tally {
                    usd: 2.0,
                    calls: 1,
                    unpriced_tokens: 0,
                },
            ),
            (
                "2026-11-23".to_string(),
                Tally {
                    usd: 0.001,
                    calls: 1,
                    unpriced_tokens: 0,
                },
            ),
            (
                "2026-11-24".to_string(),
                Tally {
                    usd: 0.0,
                    calls: 0,
                    unpriced_tokens: 0,
                },
            ),
        ];
        let text = table("day", &rows, true);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].ends_with(&"#".repeat(30)));
        assert!(
            lines[2].ends_with("  #"),
            "a tiny spend still shows: {:?}",
            lines[2]
        );
        assert!(!lines[3].contains('#'));
    }
}
