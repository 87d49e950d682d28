//! `looop status [--json]`: is the pulse up, how did the last beat end, who
//! is working and who needs the human, which leases are held, what today
//! cost against the budget, and where this profile lives.

use super::state::{self, BeatRecord, Failure};
use crate::claims::{self, Claim};
use crate::cli::Args;
use crate::ids::PULSE_SESSION;
use crate::supervisor::{self, SessionView};
use crate::{color, ledger};
use anyhow::Result;
use serde::Serialize;

#[derive(Serialize)]
struct Status {
    pulse: Pulse,
    /// A beat holds the lock right now.
    beat_running: bool,
    last_beat: Option<LastBeat>,
    last_failure: Option<Failure>,
    needs_you: Vec<String>,
    workers: Vec<SessionView>,
    claims: Vec<Claim>,
    cost_today_usd: f64,
    daily_budget_usd: f64,
    budget_reached: bool,
    paths: Paths,
}

/// The last beat as `status --json` shows it: the contract words it as
/// "time, outcome", so `time` carries the beat's RFC 3339 time; `at` (the
/// same value, the name in `.state.json`) stays for scripts that read it.
#[derive(Serialize)]
struct LastBeat {
    time: String,
    #[serde(flatten)]
    record: BeatRecord,
}

#[derive(Serialize)]
struct Pulse {
    up: bool,
    pid: Option<u32>,
    state: Option<supervisor::State>,
}

#[derive(Serialize)]
struct Paths {
    config: String,
    data: String,
    journal: String,
    events: String,
}

pub fn cmd_status(mut args: Args) -> Result<i32> {
    let json = args.flag(&["--json"]);
    args.finish()?;
    let profile = crate::paths::Profile::look()?;
    let config = crate::config::Config::load(&profile.config)?;
    let sessions = supervisor::list(&profile)?;
    let pulse_view = sessions.iter().find(|s| s.session == PULSE_SESSION);
    let workers: Vec<SessionView> = sessions
        .iter()
        .filter(|s| s.session != PULSE_SESSION)
        .cloned()
        .collect();
    let beat_state = state::load(&profile);
    let budget = ledger::budget_status(&profile, &config)?;
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
        beat_running: super::lock::held(&profile),
        needs_you: super::surface::needs_you(&workers, &beat_state, budget_note.as_deref()),
        last_beat: beat_state.last_beat.map(|record| LastBeat {
            time: record.at.clone(),
            record,
        }),
        last_failure: beat_state.last_failure,
        workers,
        claims: claims::list(&profile)?,
        cost_today_usd: budget.spent_today_usd,
        daily_budget_usd: budget.budget_usd,
        budget_reached: budget.reached(),
        paths: Paths {
            config: profile.config.display().to_string(),
            data: profile.data.display().to_string(),
            journal: profile.journal().display().to_string(),
            events: profile.events().display().to_string(),
        },
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        print_human(&status);
    }
    Ok(0)
}

fn print_human(s: &Status) {
    let pulse = if s.pulse.up {
        color::green(&format!(
            "up ({PULSE_SESSION}, pid {})",
            s.pulse.pid.map(|p| p.to_string()).unwrap_or("?".into())
        ))
    } else {
        "down (`looop up` starts it; cron can run `looop tick`)".to_string()
    };
    println!(
        "pulse:      {pulse}{}",
        if s.beat_running {
            "; a beat is running now"
        } else {
            ""
        }
    );
    match s.last_beat.as_ref().map(|b| &b.record) {
        Some(b) => println!("last beat:  {} {}: {}", b.at, b.outcome, b.detail),
        None => println!("last beat:  none yet"),
    }
    if let Some(f) = &s.last_failure {
        println!("last failure: {} {}", f.at, color::red(&f.reason));
    }
    let flagged = s.workers.iter().filter(|w| w.flagged).count();
    let live = s.workers.iter().filter(|w| w.alive).count();
    println!(
        "workers:    {live} live, {} on disk, {flagged} flagged",
        s.workers.len()
    );
    for w in &s.workers {
        let state = w.state.as_str();
        let code = w
            .exit_code
            .map(|c| format!(" exit {c}"))
            .unwrap_or_default();
        let flag = if w.flagged {
            format!("  ⚑ {}", w.note.as_deref().unwrap_or(""))
        } else {
            String::new()
        };
        println!("  {:<20} {state}{code}{flag}", w.id);
    }
    if s.claims.is_empty() {
        println!("claims:     none");
    } else {
        println!("claims:");
        for c in &s.claims {
            println!("  {:<20} {}", c.name, c.session);
        }
    }
    if s.daily_budget_usd > 0.0 {
        println!(
            "cost today: {} of {} daily budget",
            ledger::usd(s.cost_today_usd),
            ledger::usd(s.daily_budget_usd)
        );
    } else {
        println!(
            "cost today: {} (no daily budget)",
            ledger::usd(s.cost_today_usd)
        );
    }
    if !s.needs_you.is_empty() {
        println!("{}", color::bold(&color::yellow("NEEDS YOU")));
        for l in &s.needs_you {
            println!("  {l}");
        }
    }
    println!("config:     {}", s.paths.config);
    println!("data dir:   {}", s.paths.data);
}
