//! Summing the ledger: one pass over the file ([`scan`]) gathers the
//! total and calls in a scope, the breakdowns, and today's spend for the
//! budget. Days are local days; scopes are whole local days (`today`,
//! `week` = the last 7 days including today, `month` = since the 1st,
//! `all`). The per-id and per-day tables are only gathered when asked for,
//! since every beat has its own run id and that map grows with the ledger.
//!
//! Tokens whose USD is unknown (`cost_usd: null`) are summed apart, never
//! as $0; a worker's own `_cost` reports are left out for sessions looop
//! metered from their transcripts (CONTRACT §10).

use super::days::{self, DayCache};
use super::entry::{Entry, Source};
use super::scan::scan_range;
use anyhow::Result;
use chrono::{Datelike, NaiveDate};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

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
    Goal,
    Session,
    Model,
}

impl By {
    pub fn parse(text: &str) -> Option<By> {
        match text {
            "kind" => Some(By::Kind),
            "runner" => Some(By::Runner),
            "id" => Some(By::Id),
            "day" => Some(By::Day),
            "goal" => Some(By::Goal),
            "session" => Some(By::Session),
            "model" => Some(By::Model),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            By::Kind => "kind",
            By::Runner => "runner",
            By::Id => "id",
            By::Day => "day",
            By::Goal => "goal",
            By::Session => "session",
            By::Model => "model",
        }
    }
}

/// Money and calls under one name; tokens whose USD is unknown apart.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Tally {
    pub usd: f64,
    pub calls: u64,
    pub unpriced_tokens: u64,
}

impl Tally {
    fn merge(&mut self, other: &Tally) {
        self.usd += other.usd;
        self.calls += other.calls;
        self.unpriced_tokens += other.unpriced_tokens;
    }

    fn add(&mut self, line: &Spent) {
        match line.usd {
            Some(usd) => self.usd += usd,
            None => self.unpriced_tokens += line.tokens,
        }
        self.calls += 1;
    }
}

/// Tallies by name. Hashed with FNV-1a, not SipHash: the names come from
/// the user's own ledger (no one to defend against), and SipHash was a
/// tenth of a million-line report.
pub type ByName = HashMap<String, Tally, BuildHasherDefault<Fnv>>;

/// FNV-1a as a [`Hasher`] for [`ByName`].
#[derive(Debug, Default)]
pub struct Fnv(Option<u64>);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0.unwrap_or(FNV_OFFSET)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0.unwrap_or(FNV_OFFSET);
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = Some(h);
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Everything one pass over the ledger learns.
#[derive(Debug, Default)]
pub struct Totals {
    pub total: Tally,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub by_kind: ByName,
    pub by_runner: ByName,
    pub by_id: ByName,
    pub by_day: BTreeMap<NaiveDate, Tally>,
    /// Spend of lines that name a goal, a worker session, a model.
    pub by_goal: ByName,
    pub by_session: ByName,
    pub by_model: ByName,
    pub spent_today_usd: f64,
    /// Malformed lines skipped.
    pub skipped: u64,
    /// Workers' own `_cost` reports left out because looop metered the
    /// same sessions from their transcripts.
    pub self_reports_left_out: u64,
}

impl Totals {
    /// Adds what another part of the ledger summed.
    fn merge(&mut self, other: Totals) {
        self.total.merge(&other.total);
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.spent_today_usd += other.spent_today_usd;
        for (mine, theirs) in [
            (&mut self.by_kind, other.by_kind),
            (&mut self.by_runner, other.by_runner),
            (&mut self.by_id, other.by_id),
            (&mut self.by_goal, other.by_goal),
            (&mut self.by_session, other.by_session),
            (&mut self.by_model, other.by_model),
        ] {
            for (name, t) in theirs {
                mine.entry(name).or_default().merge(&t);
            }
        }
        for (day, t) in other.by_day {
            self.by_day.entry(day).or_default().merge(&t);
        }
    }
}

/// One ledger line as the totals take it.
#[derive(Debug, Clone)]
struct Spent {
    secs: i64,
    usd: Option<f64>,
    tokens: u64,
    input_tokens: u64,
    output_tokens: u64,
}

/// Add `line` under `key` without allocating when the key is known already.
fn add_to(map: &mut ByName, key: &str, line: &Spent) {
    match map.get_mut(key) {
        Some(t) => t.add(line),
        None => {
            let mut t = Tally::default();
            t.add(line);
            map.insert(key.to_string(), t);
        }
    }
}

/// The names a line is counted under.
#[derive(Debug, Clone)]
struct Names {
    kind: String,
    id: String,
    runner: String,
    goal: Option<String>,
    model: Option<String>,
}

/// Sums lines into [`Totals`] for one scope.
struct Summer {
    t: Totals,
    by: Option<By>,
    today: (i64, i64),
    scope: (i64, i64),
    days: DayCache,
}

impl Summer {
    fn add(&mut self, line: &Spent, e: &Entry) {
        if self.today.0 <= line.secs && line.secs < self.today.1 {
            self.t.spent_today_usd += line.usd.unwrap_or(0.0);
        }
        if line.secs < self.scope.0 || line.secs >= self.scope.1 {
            return;
        }
        let t = &mut self.t;
        t.total.add(line);
        t.input_tokens += line.input_tokens;
        t.output_tokens += line.output_tokens;
        add_to(&mut t.by_kind, &e.kind, line);
        add_to(&mut t.by_runner, &e.runner, line);
        if e.kind == "session" {
            add_to(&mut t.by_session, crate::ids::bare(&e.id), line);
        }
        if let Some(goal) = &e.goal {
            add_to(&mut t.by_goal, goal, line);
        }
        if let Some(model) = &e.model {
            add_to(&mut t.by_model, model, line);
        }
        match self.by {
            Some(By::Id) => add_to(&mut t.by_id, &e.id, line),
            Some(By::Day) => t
                .by_day
                .entry(self.days.day_of(line.secs))
                .or_default()
                .add(line),
            _ => {}
        }
    }
}

/// A ledger at least this large is read in two halves at once.
const PARALLEL_BYTES: u64 = 16 * 1024 * 1024;

/// What one read of (part of) the ledger leaves besides its sums.
struct Pass {
    /// Sessions with transcript lines (bare ids).
    metered: HashSet<String>,
    /// Workers' own reports, counted once the whole ledger is read.
    reports: Vec<(Spent, Names)>,
    /// Malformed lines.
    skipped: u64,
}

/// Sums the lines that start in `[from, to)` of the ledger into `s`.
fn pass(path: &std::path::Path, from: u64, to: u64, s: &mut Summer) -> Result<Pass> {
    let mut metered: HashSet<String> = HashSet::new();
    let mut reports: Vec<(Spent, Names)> = Vec::new();
    let skipped = scan_range(path, from, to, |e, secs| {
        let line = Spent {
            secs,
            usd: e.cost_usd,
            tokens: e.tokens(),
            input_tokens: e.input_tokens.unwrap_or(0),
            output_tokens: e.output_tokens.unwrap_or(0),
        };
        match e.source() {
            Source::Own if e.kind == "session" => {
                let names = Names {
                    kind: e.kind.to_string(),
                    id: e.id.to_string(),
                    runner: e.runner.to_string(),
                    goal: e.goal.as_deref().map(str::to_string),
                    model: e.model.as_deref().map(str::to_string),
                };
                reports.push((line, names));
                return;
            }
            Source::Transcript if !metered.contains(crate::ids::bare(&e.id)) => {
                metered.insert(crate::ids::bare(&e.id).to_string());
            }
            _ => {}
        }
        s.add(&line, e);
    })?;
    Ok(Pass {
        metered,
        reports,
        skipped,
    })
}

/// Read the ledger at `path` once and total what falls in `scope`.
///
/// A worker's own `_cost` reports (`source: self`, or an older `session`
/// line without a source) count only for sessions looop has not metered
/// from a transcript: they wait until the whole ledger is read.
pub fn tally(
    path: &std::path::Path,
    scope: Scope,
    by: Option<By>,
    today: NaiveDate,
) -> Result<Totals> {
    tally_split(path, scope, by, today, PARALLEL_BYTES)
}

/// [`tally`], in two halves when the ledger has `split_at` bytes or more.
fn tally_split(
    path: &std::path::Path,
    scope: Scope,
    by: Option<By>,
    today: NaiveDate,
    split_at: u64,
) -> Result<Totals> {
    let (from, until) = match scope.first_day(today) {
        Some(first) => (days::day_start(first), days::day_end(today)),
        None => (i64::MIN, i64::MAX),
    };
    let mut s = Summer {
        t: Totals::default(),
        by,
        today: (days::day_start(today), days::day_end(today)),
        scope: (from, until),
        days: DayCache::default(),
    };
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    let two = std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
    let Pass {
        metered,
        reports,
        skipped,
    } = if size >= split_at && size > 0 && two {
        // Two halves at once; what they learn is merged (sums do not care
        // about order, and self-reports wait for the whole ledger anyway).
        let mut second = Summer {
            t: Totals::default(),
            days: DayCache::default(),
            ..s
        };
        let (first, later) = std::thread::scope(|threads| {
            let later = threads.spawn(|| pass(path, size / 2, u64::MAX, &mut second));
            let first = pass(path, 0, size / 2, &mut s);
            (first, later.join())
        });
        let mut first = first?;
        let later = later.map_err(|_| anyhow::anyhow!("reading {} failed", path.display()))??;
        s.t.merge(second.t);
        first.metered.extend(later.metered);
        first.reports.extend(later.reports);
        first.skipped += later.skipped;
        first
    } else {
        pass(path, 0, u64::MAX, &mut s)?
    };
    for (line, names) in &reports {
        if metered.contains(crate::ids::bare(&names.id)) {
            s.t.self_reports_left_out += 1;
            continue;
        }
        let e = Entry {
            ts: Cow::Borrowed(""),
            kind: Cow::Borrowed(&names.kind),
            id: Cow::Borrowed(&names.id),
            runner: Cow::Borrowed(&names.runner),
            cost_usd: line.usd,
            input_tokens: None,
            output_tokens: None,
            cache_read_tokens: None,
            cache_write_tokens: None,
            source: None,
            model: names.model.as_deref().map(Cow::Borrowed),
            goal: names.goal.as_deref().map(Cow::Borrowed),
        };
        s.add(line, &e);
    }
    let mut t = s.t;
    t.skipped = skipped;
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

#[cfg(test)]
mod tests;
