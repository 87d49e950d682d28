//! What `looop status` shows: is the pulse up, how did the last beat end,
//! who is working and who needs the human, which leases are held, what
//! today cost against the budget, and where this profile lives. One
//! [`Status`] value; `--json` is its serialization.

use super::state::{self, BeatRecord, Failure};
use crate::claims::{self, Claim};
use crate::config::Config;
use crate::ids::PULSE_SESSION;
use crate::ledger;
use crate::paths::Profile;
use crate::supervisor::{self, SessionView};
use anyhow::Result;
use serde::Serialize;

#[derive(Serialize)]
pub struct Status {
    pub pulse: Pulse,
    /// A beat holds the lock right now.
    pub beat_running: bool,
    pub last_beat: Option<LastBeat>,
    pub last_failure: Option<Failure>,
    pub needs_you: Vec<String>,
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
    let workers: Vec<SessionView> = sessions
        .iter()
        .filter(|s| s.session != PULSE_SESSION)
        .cloned()
        .collect();
    let beat_state = state::load(profile);
    let budget = ledger::budget_status(profile, config)?;
    let budget_note = budget.reached().then(|| {
        format!(
            "daily budget reached: ${:.2} of ${:.2}; beats skip the AI",
            budget.spent_today_usd, budget.budget_usd
        )
    });
    let status = Status {
        pulse: Pulse {
            up: pulse_view.is_some_and(|p| p.alive),
            pid: pulse_view.and_then(|p| p.pid),
            state: pulse_view.map(|p| p.state),
        },
        beat_running: super::lock::held(profile),
        needs_you: super::surface::needs_you(&workers, &beat_state, budget_note.as_deref(), &[]),
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
