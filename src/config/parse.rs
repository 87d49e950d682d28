//! Config text to [`Config`]: the file's shape, then one named step per
//! part of it, each over the defaults.
//!
//! Every key the file may set is a field of [`FileConfig`] with
//! `deny_unknown_fields`, so a typo is an error naming the key, not a
//! silently ignored setting. Each check points at the offending value's own
//! span, so the error names its line.

use super::error::{ConfigError, toml_message};
use super::{COMMAND, Config, MAX_SECS, PROMPT_FILE, Runner};
use crate::agents::Agent;
use crate::prices::{PriceOverride, Prices};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// The longest first retry backoff (it doubles from there).
const MAX_BACKOFF_SECS: u64 = 3600;

type Parsed<T> = std::result::Result<T, ConfigError>;

/// What the file may contain; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    runner: Option<Spanned<String>>,
    interval: Option<Spanned<u64>>,
    max_workers: Option<usize>,
    daily_budget_usd: Option<Spanned<f64>>,
    tick_timeout: Option<Spanned<u64>>,
    idle_flag_secs: Option<u64>,
    notify: Option<String>,
    git_commit: Option<bool>,
    run_sandbox: Option<Spanned<String>>,
    retention_hours: Option<u64>,
    log_max_mb: Option<Spanned<u64>>,
    limit_backoff: Option<Spanned<u64>>,
    resume_grace: Option<Spanned<u64>>,
    budget_action: Option<Spanned<String>>,
    sensors: Option<FileSensors>,
    retry: Option<FileRetry>,
    runners: Option<BTreeMap<String, Spanned<FileRunner>>>,
    prices: Option<Spanned<BTreeMap<String, PriceOverride>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSensors {
    timeout: Option<Spanned<u64>>,
    max_bytes: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRetry {
    attempts: Option<u32>,
    backoff_secs: Option<Spanned<u64>>,
    transient: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRunner {
    agent: Option<Spanned<String>>,
    tick: Option<Spanned<String>>,
    interactive: Option<Spanned<String>>,
    resume: Option<Spanned<String>>,
}

impl Config {
    /// Parse config text over the defaults, in the file's order of
    /// concerns: the top-level keys, `[sensors]`, `[retry]`, `[runners.*]`,
    /// then `runner`, which must name one of the runners.
    pub(super) fn parse(text: &str) -> Parsed<Config> {
        let file = read_toml(text)?;
        let mut c = Config::default();
        apply_loop(&mut c, &file)?;
        apply_workers(&mut c, &file)?;
        apply_pauses(&mut c, &file)?;
        apply_sensors(&mut c, file.sensors)?;
        apply_retry(&mut c, file.retry)?;
        apply_runners(&mut c, file.runners.unwrap_or_default())?;
        apply_prices(&mut c, file.prices)?;
        select_runner(&mut c, file.runner)?;
        Ok(c)
    }
}

/// The TOML itself: syntax, types and key names.
fn read_toml(text: &str) -> Parsed<FileConfig> {
    toml::from_str(text).map_err(|e| {
        let span = e.span().map(|s| s.start);
        let message = toml_message(text, e);
        ConfigError {
            span,
            message: with_table_hint(message),
        }
    })
}

/// An unknown key inside a table that is a top-level key: TOML put it in
/// the table above it (every key after `[runners.x]` belongs to that
/// table), so say so.
fn with_table_hint(message: String) -> String {
    let Some((table, rest)) = message.split_once(": unknown field `") else {
        return message;
    };
    let Some(key) = rest.split('`').next() else {
        return message;
    };
    // Is it a top-level key? Ask the file's own shape.
    let probe = toml::from_str::<FileConfig>(&format!("{key} = 0"));
    let top_level = match &probe {
        Ok(_) => true,
        Err(e) => !e.message().contains("unknown field"),
    };
    if !top_level || table.contains(' ') {
        return message;
    }
    format!(
        "{message}; `{key}` is a top-level key, but it comes after the [{table}] header, \
         so it landed in that table: move it above the first [table]"
    )
}

/// An error pointing at a value.
fn bad(span: std::ops::Range<usize>, message: String) -> ConfigError {
    ConfigError {
        span: Some(span.start),
        message,
    }
}

/// A number of seconds, bounded above too: a huge value would overflow the
/// clock arithmetic of a deadline instead of meaning "never".
fn secs(v: &Spanned<u64>, key: &str) -> Parsed<u64> {
    if (1..=MAX_SECS).contains(v.get_ref()) {
        Ok(*v.get_ref())
    } else {
        Err(bad(
            v.span(),
            format!("{key} must be 1..={MAX_SECS} seconds (a week)"),
        ))
    }
}

/// The beat: `interval`, `daily_budget_usd`, `tick_timeout`, `notify`,
/// `git_commit`, `run_sandbox`.
fn apply_loop(c: &mut Config, file: &FileConfig) -> Parsed<()> {
    if let Some(v) = &file.interval {
        c.interval_secs = secs(v, "interval")?;
    }
    if let Some(v) = &file.daily_budget_usd {
        let usd = *v.get_ref();
        if !usd.is_finite() || usd < 0.0 {
            return Err(bad(
                v.span(),
                "daily_budget_usd must be a number >= 0".into(),
            ));
        }
        c.daily_budget_usd = usd;
    }
    if let Some(v) = &file.tick_timeout {
        c.tick_timeout_secs = secs(v, "tick_timeout")?;
    }
    c.notify = file.notify.clone().filter(|s| !s.trim().is_empty());
    if let Some(v) = file.git_commit {
        c.git_commit = v;
    }
    if let Some(v) = &file.run_sandbox {
        if !v.get_ref().trim().is_empty() && !v.get_ref().contains(COMMAND) {
            return Err(bad(
                v.span(),
                format!("run_sandbox must contain {COMMAND} (where the move's command goes)"),
            ));
        }
        c.run_sandbox = Some(v.get_ref().clone()).filter(|s| !s.trim().is_empty());
    }
    Ok(())
}

/// Workers and their leftovers: `max_workers`, `idle_flag_secs`,
/// `retention_hours`, `log_max_mb`.
fn apply_workers(c: &mut Config, file: &FileConfig) -> Parsed<()> {
    if let Some(v) = file.max_workers {
        c.max_workers = v;
    }
    c.idle_flag_secs = file.idle_flag_secs.filter(|s| *s > 0);
    if let Some(v) = file.retention_hours {
        c.retention_hours = v;
    }
    if let Some(v) = &file.log_max_mb {
        if *v.get_ref() == 0 {
            return Err(bad(v.span(), "log_max_mb must be at least 1".into()));
        }
        c.log_max_bytes = v.get_ref().saturating_mul(1024 * 1024);
    }
    Ok(())
}

/// Pauses and resumes (CONTRACT §11): `limit_backoff`, `resume_grace`,
/// `budget_action`.
fn apply_pauses(c: &mut Config, file: &FileConfig) -> Parsed<()> {
    if let Some(v) = &file.limit_backoff {
        c.limit_backoff_secs = secs(v, "limit_backoff")?;
    }
    if let Some(v) = &file.resume_grace {
        c.resume_grace_secs = secs(v, "resume_grace")?;
    }
    if let Some(v) = &file.budget_action {
        c.budget_pauses_workers = match v.get_ref().as_str() {
            "pause_workers" => true,
            "none" => false,
            other => {
                return Err(bad(
                    v.span(),
                    format!("budget_action must be \"none\" or \"pause_workers\", not {other:?}"),
                ));
            }
        };
    }
    Ok(())
}

/// `[sensors]`.
fn apply_sensors(c: &mut Config, sensors: Option<FileSensors>) -> Parsed<()> {
    let Some(s) = sensors else { return Ok(()) };
    if let Some(v) = &s.timeout {
        c.sensors.timeout_secs = secs(v, "sensors.timeout")?;
    }
    if let Some(v) = s.max_bytes {
        c.sensors.max_bytes = v;
    }
    Ok(())
}

/// `[retry]`.
fn apply_retry(c: &mut Config, retry: Option<FileRetry>) -> Parsed<()> {
    let Some(r) = retry else { return Ok(()) };
    if let Some(v) = r.attempts {
        c.retry.attempts = v;
    }
    if let Some(v) = r.backoff_secs {
        if *v.get_ref() > MAX_BACKOFF_SECS {
            return Err(bad(
                v.span(),
                format!("retry.backoff_secs must be at most {MAX_BACKOFF_SECS}"),
            ));
        }
        c.retry.backoff_secs = v.into_inner();
    }
    if let Some(v) = r.transient {
        c.retry.transient = v;
    }
    Ok(())
}

/// `[runners.<name>]`: each over its preset, or whole when it is none.
fn apply_runners(c: &mut Config, runners: BTreeMap<String, Spanned<FileRunner>>) -> Parsed<()> {
    for (name, spanned) in runners {
        let table = spanned.span();
        let over = spanned.into_inner();
        if !crate::ids::is_valid(&name) {
            return Err(bad(
                table,
                format!("runner name {name:?} is not a valid id"),
            ));
        }
        check_runner(&name, &over)?;
        let runner = over_preset(&name, over, c.runners.get(&name)).ok_or_else(|| {
            bad(
                table,
                format!("runners.{name} needs both `tick` and `interactive` (it is not a preset)"),
            )
        })?;
        c.runners.insert(name, runner);
    }
    Ok(())
}

/// `[prices."<model>"]`: over the built-in table.
fn apply_prices(
    c: &mut Config,
    prices: Option<Spanned<BTreeMap<String, PriceOverride>>>,
) -> Parsed<()> {
    let Some(prices) = prices else { return Ok(()) };
    let span = prices.span();
    c.prices = Prices::new(prices.get_ref()).map_err(|why| bad(span, why))?;
    Ok(())
}

/// A bad command is named at its own line, not at the table header that
/// may be far above it. Presets pass both checks.
fn check_runner(name: &str, over: &FileRunner) -> Parsed<()> {
    if let Some(v) = &over.agent
        && Agent::from_name(v.get_ref()).is_none()
    {
        return Err(bad(
            v.span(),
            format!(
                "runners.{name}.agent = {:?}: use claude, codex, pi, opencode or none",
                v.get_ref()
            ),
        ));
    }
    if let Some(v) = &over.tick
        && v.get_ref().trim().is_empty()
    {
        return Err(bad(v.span(), format!("runners.{name}.tick is empty")));
    }
    if let Some(v) = &over.interactive
        && !v.get_ref().contains(PROMPT_FILE)
    {
        return Err(bad(
            v.span(),
            format!("runners.{name}.interactive must contain {PROMPT_FILE}"),
        ));
    }
    Ok(())
}

/// The file's keys over `base` (a preset, when there is one); `None` when a
/// command is given by neither.
fn over_preset(name: &str, over: FileRunner, base: Option<&Runner>) -> Option<Runner> {
    let agent = match &over.agent {
        Some(v) => Agent::from_name(v.get_ref())?,
        None => base.map_or_else(|| Agent::of_runner(name), |b| b.agent),
    };
    let tick = over
        .tick
        .map(Spanned::into_inner)
        .or_else(|| base.map(|b| b.tick.clone()))?;
    let interactive = over
        .interactive
        .map(Spanned::into_inner)
        .or_else(|| base.map(|b| b.interactive.clone()))?;
    let resume = over
        .resume
        .map(Spanned::into_inner)
        .or_else(|| base.and_then(|b| b.resume.clone()));
    Some(Runner {
        agent,
        tick,
        interactive,
        resume,
    })
}

/// `runner`: the default runner, which must exist by now.
fn select_runner(c: &mut Config, runner: Option<Spanned<String>>) -> Parsed<()> {
    let Some(v) = runner else { return Ok(()) };
    if !c.runners.contains_key(v.get_ref()) {
        let known: Vec<&str> = c.runners.keys().map(String::as_str).collect();
        return Err(bad(
            v.span(),
            format!(
                "unknown runner {:?} (known: {})",
                v.get_ref(),
                known.join(", ")
            ),
        ));
    }
    c.runner = v.into_inner();
    Ok(())
}

#[cfg(test)]
mod tests;
