//! What `looop status` shows: is the pulse up, how did the last beat end,
//! who is working and who needs the human, which leases are held, what
//! today cost against the budget, and where this profile lives. One
//! [`Status`] value; `--json` is its serialization.

use super::state::{self, BeatRecord, Failure};
use crate::claims::{self, Claim};
use crate::config::Config;
use crate::ids::PULSE_SESSION;
use crate::paths::Profile;
use crate::supervisor::{self, SessionView};
use crate::{ledger, schedule};
use anyhow::Result;
use serde::Serialize;

#[derive(Serialize)]
pub struct Status {
    pub pulse: Pulse,
    /// How the beats are driven: `up`, a scheduler, or `down`.
    pub schedule: Schedule,
    /// A beat holds the lock right now.
    pub beat_running: bool,
    pub last_beat: Option<LastBeat>,
    pub last_failure: Option<Failure>,
    /// Failed beats in a row (0 after a good one).
    pub consecutive_failures: u32,
    pub needs_you: Vec<Need>,
    /// The NEEDS YOU lines as the beat prints them.
    #[serde(skip)]
    pub needs_you_lines: Vec<String>,
    pub workers: Vec<SessionView>,
    pub claims: Vec<Claim>,
    pub cost_today_usd: f64,
    pub daily_budget_usd: f64,
    pub budget_reached: bool,
    /// Runners paused now (CONTRACT §11).
    pub pauses: Vec<crate::pause::Pause>,
    pub paths: Paths,
}

/// The last beat as `status --json` shows it: the contract words it as
/// "time, outcome", so `time` carries the beat's RFC 3339 time; `at` (the
/// same value, the name in `.state.json`) stays for scripts that read it.
#[derive(Serialize)]
pub struct LastBeat {
    pub time: String,
    #[serde(flatten)]
    pub record: BeatRecord,
}

/// How the pulse is driven.
#[derive(Serialize)]
pub struct Schedule {
    /// `up` (the `looop-pulse` session), `cron`, `systemd`, `launchd`, or
    /// `down`: the first that applies.
    pub kind: String,
    /// `up`, `cron: every 5 min`, `down`, ...
    pub text: String,
    pub every_secs: Option<u64>,
    /// Every scheduler artifact of this profile found installed.
    pub found: Vec<schedule::Found>,
}

/// One thing waiting for the human.
#[derive(Serialize)]
pub struct Need {
    /// `flag`, `ask_human` or `budget`.
    pub kind: &'static str,
    /// The worker's id (flags only).
    pub id: Option<String>,
    pub note: String,
    /// RFC 3339, when known.
    pub since: Option<String>,
    /// The command that answers it (flags: `looop attach <id>`).
    pub attach: Option<String>,
}

#[derive(Serialize)]
pub struct Pulse {
    pub up: bool,
    pub pid: Option<u32>,
    pub state: Option<supervisor::State>,
}

#[derive(Serialize)]
pub struct Paths {
    pub config: String,
    pub data: String,
    pub journal: String,
    pub events: String,
}

/// Gather the status of `profile`.
pub fn status(profile: &Profile, config: &Config) -> Result<Status> {
    let sessions = supervisor::list(profile)?;
    let pulse_view = sessions.iter().find(|s| s.session == PULSE_SESSION);
    let mut workers: Vec<SessionView> = sessions
        .iter()
        .filter(|s| s.session != PULSE_SESSION)
        .cloned()
        .collect();
    crate::resume::mark(config, &mut workers);
    let beat_state = state::load(profile);
    let budget = ledger::budget_status(profile, config)?;
    let budget_note = budget.reached().then(|| {
        format!(
            "daily budget reached: ${:.2} of ${:.2}; beats skip the AI",
            budget.spent_today_usd, budget.budget_usd
        )
    });
    let up = pulse_view.is_some_and(|p| p.alive);
    let status = Status {
        schedule: schedule_of(profile, up),
        consecutive_failures: beat_state.consecutive_failures,
        needs_you: needs(profile, &workers, &beat_state, budget_note.as_deref()),
        needs_you_lines: super::surface::needs_you(
            &workers,
            &beat_state,
            budget_note.as_deref(),
            &[],
        ),
        pulse: Pulse {
            up,
            pid: pulse_view.and_then(|p| p.pid),
            state: pulse_view.map(|p| p.state),
        },
        beat_running: super::lock::held(profile),
        last_beat: beat_state.last_beat.map(|record| LastBeat {
            time: record.at.clone(),
            record,
        }),
        last_failure: beat_state.last_failure,
        workers,
        claims: claims::list(profile)?,
        cost_today_usd: budget.spent_today_usd,
        daily_budget_usd: budget.budget_usd,
        budget_reached: budget.reached(),
        pauses: in_force(profile, budget.reached())?,
        paths: Paths {
            config: profile.config.display().to_string(),
            data: profile.data.display().to_string(),
            journal: profile.journal().display().to_string(),
            events: profile.events().display().to_string(),
        },
    };
    Ok(status)
}

/// The pauses in force: not yet due, and a budget pause only while the
/// budget is still reached (a raised budget lifts it at the next beat).
fn in_force(profile: &Profile, budget_reached: bool) -> Result<Vec<crate::pause::Pause>> {
    let now = chrono::Utc::now();
    Ok(crate::pause::active(profile, now)?
        .into_iter()
        .filter(|p| budget_reached || p.reason != crate::pause::Reason::Budget)
        .collect())
}

/// `up` wins (it beats now); else the first scheduler found; else `down`.
fn schedule_of(profile: &Profile, up: bool) -> Schedule {
    let found = schedule::find(profile);
    let (kind, text, every_secs) = if up {
        ("up".to_string(), format!("up ({PULSE_SESSION})"), None)
    } else if let Some(f) = found.first() {
        (f.kind.to_string(), schedule::describe(f), f.every_secs)
    } else {
        ("down".to_string(), "down".to_string(), None)
    };
    Schedule {
        kind,
        text,
        every_secs,
        found,
    }
}

/// NEEDS YOU as objects: flags (with when they were raised), open
/// `ask_human` questions, a reached budget.
fn needs(
    profile: &Profile,
    workers: &[SessionView],
    beat_state: &state::BeatState,
    budget_note: Option<&str>,
) -> Vec<Need> {
    let mut out = Vec::new();
    for w in workers.iter().filter(|w| w.flagged) {
        let dir = crate::session_record::dir(profile, &w.session);
        let since = crate::session_record::read_flag(&dir)
            .ok()
            .flatten()
            .map(|f| f.flagged_at);
        out.push(Need {
            kind: "flag",
            id: Some(w.id.clone()),
            note: w.note.clone().unwrap_or_default(),
            since,
            attach: Some(format!("looop attach {}", w.id)),
        });
    }
    for a in &beat_state.asks {
        out.push(Need {
            kind: "ask_human",
            id: None,
            note: a.message.clone(),
            since: Some(a.at.clone()),
            attach: None,
        });
    }
    if let Some(b) = budget_note {
        out.push(Need {
            kind: "budget",
            id: None,
            note: b.to_string(),
            since: None,
            attach: None,
        });
    }
    out
}
