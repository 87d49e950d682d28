//! Pauses (CONTRACT §11): a runner that must not be called for a while —
//! its provider's usage limit hit (`usage_limit`), or today's money spent
//! (`budget`). A pause stops new spend without failing anything: a beat
//! that would call a paused runner says so and exits 0, `start-session`
//! with it is refused unless `--force`, and nothing retries in a loop.
//!
//! Pauses live in `pauses.json` in the data dir, replaced atomically under
//! `pauses.lock`, so a beat, `status` and `start-session` agree. Each is
//! recorded once (`paused` event) and lifted once (`resumed` event): a
//! usage-limit pause by the first beat at or after its `until`, a budget
//! pause at the next local midnight or as soon as the budget is above
//! today's spend.

use crate::agents::reset_time::LimitHit;
use crate::config::Config;
use crate::paths::Profile;
use crate::{events, store};
use anyhow::Result;
use chrono::{DateTime, Duration, Local, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Why a runner is paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    UsageLimit,
    Budget,
}

impl Reason {
    /// For people: `usage limit`, `daily budget`.
    pub fn words(self) -> &'static str {
        match self {
            Reason::UsageLimit => "usage limit",
            Reason::Budget => "daily budget",
        }
    }
}

/// One pause, as `pauses.json` and `status --json` show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pause {
    pub runner: String,
    pub reason: Reason,
    /// RFC 3339 UTC.
    pub since: String,
    /// RFC 3339 UTC; `None` when unknown.
    pub until: Option<String>,
    /// The agent's own words, or looop's for a budget pause.
    pub message: String,
    /// Whether a beat has said it under NEEDS YOU (it is said once).
    #[serde(default)]
    pub said: bool,
    /// Workers to wake when it lifts (bare ids): for a usage limit, those
    /// whose screen showed it (continued or resumed); for a budget pause
    /// with `budget_action = "pause_workers"`, those it stopped (SIGCONT).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workers: Vec<String>,
}

impl Pause {
    pub fn until_time(&self) -> Option<DateTime<Utc>> {
        let t = DateTime::parse_from_rfc3339(self.until.as_deref()?).ok()?;
        Some(t.with_timezone(&Utc))
    }

    /// Whether its time is up at `now` (a pause without `until` never is).
    pub fn due(&self, now: DateTime<Utc>) -> bool {
        self.until_time().is_some_and(|t| t <= now)
    }

    /// `paused until 15:00 (claude usage limit)`, local time; the date too
    /// when the end is not within a day.
    pub fn describe(&self) -> String {
        let what = format!("({} {})", self.runner, self.reason.words());
        match self.until_time() {
            Some(t) => {
                let local = t.with_timezone(&Local);
                let format = if t - Utc::now() < Duration::hours(23) {
                    "%H:%M"
                } else {
                    "%Y-%m-%d %H:%M"
                };
                format!("paused until {} {what}", local.format(format))
            }
            None => format!("paused until further notice {what}"),
        }
    }
}

/// The longest pause a usage-limit message can ask for.
pub const MAX_AHEAD: Duration = Duration::days(8);

fn path(profile: &Profile) -> PathBuf {
    profile.data.join("pauses.json")
}

/// Every recorded pause, lifted or not yet (none when there is no file).
pub fn load(profile: &Profile) -> Result<Vec<Pause>> {
    Ok(store::read_json(&path(profile))?.unwrap_or_default())
}

/// The pauses in force at `now`: recorded and not yet due.
pub fn active(profile: &Profile, now: DateTime<Utc>) -> Result<Vec<Pause>> {
    Ok(load(profile)?.into_iter().filter(|p| !p.due(now)).collect())
}

/// The pause in force for `runner` at `now`, the longest when several.
pub fn of_runner(profile: &Profile, runner: &str, now: DateTime<Utc>) -> Result<Option<Pause>> {
    Ok(active(profile, now)?
        .into_iter()
        .filter(|p| p.runner == runner)
        .max_by_key(|p| p.until_time().unwrap_or(DateTime::<Utc>::MAX_UTC)))
}

/// Read, change and write `pauses.json` under its lock.
fn edit<T>(profile: &Profile, f: impl FnOnce(&mut Vec<Pause>) -> T) -> Result<T> {
    let _lock = store::Lock::acquire(&profile.data.join("pauses.lock"))?;
    let mut pauses = load(profile)?;
    let before = pauses.clone();
    let out = f(&mut pauses);
    if pauses != before {
        let mut text = serde_json::to_string_pretty(&pauses)?;
        text.push('\n');
        store::write_atomic(&path(profile), text.as_bytes())?;
    }
    Ok(out)
}

/// When a usage-limit pause ends: the message's reset time when it is
/// ahead (at most [`MAX_AHEAD`]), else now + `limit_backoff`. The second
/// value says what was made of a time that could not be used as given.
pub fn limit_until(
    hit: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    backoff_secs: u64,
) -> (DateTime<Utc>, Option<String>) {
    let backoff = now + Duration::seconds(backoff_secs as i64);
    match hit {
        None => (backoff, None),
        Some(t) if t <= now => (
            backoff,
            Some("the reset time it gives has passed; waiting limit_backoff".to_string()),
        ),
        Some(t) if t - now > MAX_AHEAD => (
            now + MAX_AHEAD,
            Some(format!(
                "the reset time it gives ({}) is more than 8 days ahead; capped at 8 days",
                events::rfc3339(t.into())
            )),
        ),
        Some(t) => (t, None),
    }
}

/// What recording a pause did.
pub struct Recorded {
    pub pause: Pause,
    /// False when the runner was already paused for that reason (the pause
    /// then ends at the later of the two times).
    pub new: bool,
    pub note: Option<String>,
}

/// Record a usage-limit pause of `runner` from an agent's message; emits
/// `paused` when it is new.
pub fn record_limit(
    profile: &Profile,
    config: &Config,
    runner: &str,
    hit: &LimitHit,
) -> Result<Recorded> {
    let now = Utc::now();
    let (until, note) = limit_until(hit.until, now, config.limit_backoff_secs);
    let pause = Pause {
        runner: runner.to_string(),
        reason: Reason::UsageLimit,
        since: events::rfc3339(now.into()),
        until: Some(events::rfc3339(until.into())),
        message: hit.message.clone(),
        said: false,
        workers: Vec::new(),
    };
    let recorded = edit(profile, |pauses| upsert(pauses, pause, now))?;
    if recorded.new {
        paused_event(profile, &recorded.pause, note.as_deref());
    }
    Ok(Recorded { note, ..recorded })
}

/// Add `pause`, or extend the one in force for the same runner and reason.
fn upsert(pauses: &mut Vec<Pause>, pause: Pause, now: DateTime<Utc>) -> Recorded {
    if let Some(old) = pauses
        .iter_mut()
        .find(|p| p.runner == pause.runner && p.reason == pause.reason && !p.due(now))
    {
        if pause.until_time() > old.until_time() && old.until.is_some() {
            old.until = pause.until.clone();
            old.message = pause.message.clone();
        }
        return Recorded {
            pause: old.clone(),
            new: false,
            note: None,
        };
    }
    // A due pause of the same kind not yet lifted is replaced, not stacked.
    pauses.retain(|p| !(p.runner == pause.runner && p.reason == pause.reason));
    pauses.push(pause.clone());
    Recorded {
        pause,
        new: true,
        note: None,
    }
}

fn paused_event(profile: &Profile, p: &Pause, note: Option<&str>) {
    events::emit(
        profile,
        "paused",
        &serde_json::json!({
            "runner": p.runner, "reason": p.reason, "since": p.since,
            "until": p.until, "message": p.message, "note": note,
        }),
    );
}

/// A `budget` pause for every runner of `config` until the next local
/// midnight, when there is none yet. Returns the pauses made.
pub fn record_budget(profile: &Profile, config: &Config, message: &str) -> Result<Vec<Pause>> {
    let now = Utc::now();
    let until = next_local_midnight(now);
    let made = edit(profile, |pauses| {
        let mut made = Vec::new();
        for runner in config.runners.keys() {
            let pause = Pause {
                runner: runner.clone(),
                reason: Reason::Budget,
                since: events::rfc3339(now.into()),
                until: Some(events::rfc3339(until.into())),
                message: message.to_string(),
                said: false,
                workers: Vec::new(),
            };
            let r = upsert(pauses, pause, now);
            if r.new {
                made.push(r.pause);
            }
        }
        made
    })?;
    for p in &made {
        paused_event(profile, p, None);
    }
    Ok(made)
}

/// The first moment of tomorrow, local time.
pub fn next_local_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    let tomorrow = now.with_timezone(&Local).date_naive() + Duration::days(1);
    let midnight = tomorrow.and_hms_opt(0, 0, 0).expect("midnight exists");
    midnight
        .and_local_timezone(Local)
        .earliest()
        .map_or(now + Duration::hours(24), |t| t.with_timezone(&Utc))
}

/// Lift every pause that is due at `now`, and the budget pauses too when
/// `budget_reached` is false (the budget was raised, or a new day began).
/// Emits `resumed` for each; returns them.
pub fn lift(profile: &Profile, now: DateTime<Utc>, budget_reached: bool) -> Result<Vec<Pause>> {
    if !path(profile).exists() {
        return Ok(Vec::new());
    }
    let lifted = edit(profile, |pauses| {
        let (gone, kept): (Vec<Pause>, Vec<Pause>) = pauses
            .drain(..)
            .partition(|p| p.due(now) || (p.reason == Reason::Budget && !budget_reached));
        *pauses = kept;
        gone
    })?;
    for p in &lifted {
        events::emit(
            profile,
            "resumed",
            &serde_json::json!({ "runner": p.runner, "reason": p.reason, "since": p.since }),
        );
    }
    Ok(lifted)
}

/// Note `ids` among the workers to wake when `runner`'s `reason` pause
/// (the one in force) lifts. Returns those not noted before.
pub fn add_workers(
    profile: &Profile,
    runner: &str,
    reason: Reason,
    ids: &[String],
) -> Result<Vec<String>> {
    let now = Utc::now();
    edit(profile, |pauses| {
        let mut added = Vec::new();
        let found = pauses
            .iter_mut()
            .find(|p| p.runner == runner && p.reason == reason && !p.due(now));
        if let Some(p) = found {
            for id in ids {
                if !p.workers.contains(id) {
                    p.workers.push(id.clone());
                    added.push(id.clone());
                }
            }
        }
        added
    })
}

/// The pauses in force not yet said under NEEDS YOU, marked as said now.
pub fn unsaid(profile: &Profile, now: DateTime<Utc>) -> Result<Vec<Pause>> {
    if !path(profile).exists() {
        return Ok(Vec::new());
    }
    edit(profile, |pauses| {
        let mut out = Vec::new();
        for p in pauses.iter_mut().filter(|p| !p.said && !p.due(now)) {
            p.said = true;
            out.push(p.clone());
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn bad_reset_times_fall_back_or_are_capped() {
        let now = at("2026-12-05T22:00:00Z");
        let (t, note) = limit_until(None, now, 1800);
        assert_eq!((t, note), (at("2026-12-05T22:30:00Z"), None));
        let (t, note) = limit_until(Some(at("2026-12-05T21:00:00Z")), now, 1800);
        assert_eq!(t, at("2026-12-05T22:30:00Z"));
        assert!(note.unwrap().contains("passed"));
        let (t, note) = limit_until(Some(at("2027-01-05T21:00:00Z")), now, 1800);
        assert_eq!(t, at("2026-12-13T22:00:00Z"));
        assert!(note.unwrap().contains("capped at 8 days"));
        let (t, note) = limit_until(Some(at("2026-12-06T01:28:00Z")), now, 1800);
        assert_eq!((t, note), (at("2026-12-06T01:28:00Z"), None));
    }

    #[test]
    fn a_second_hit_extends_and_is_not_new() {
        let now = at("2026-12-05T22:00:00Z");
        let p = |until: &str| Pause {
            runner: "claude".into(),
            reason: Reason::UsageLimit,
            since: "2026-12-05T22:00:00Z".into(),
            until: Some(until.into()),
            message: "m".into(),
            said: false,
            workers: Vec::new(),
        };
        let mut pauses = Vec::new();
        assert!(upsert(&mut pauses, p("2026-12-05T23:00:00Z"), now).new);
        assert!(!upsert(&mut pauses, p("2026-12-06T00:00:00Z"), now).new);
        assert_eq!(pauses.len(), 1);
        assert_eq!(pauses[0].until.as_deref(), Some("2026-12-06T00:00:00Z"));
        assert!(pauses[0].due(at("2026-12-06T00:00:00Z")));
        assert!(!pauses[0].due(at("2026-12-05T23:59:59Z")));
    }
}
