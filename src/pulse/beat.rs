//! One beat, as a list of small named steps (CONTRACT §4):
//! lock → housekeeping → lift pauses → sense → diff → budget → pause →
//! decide → act → journal → remember → surface. Each step is a function below; [`beat`] only strings
//! them together and turns a failure into a failed beat (exit 1,
//! `tick_failed`, the reason kept for the next prompt's LAST FAILURE).

use super::failure::BeatError;
use super::moves::{Action, Move};
use super::state::{Ask, BeatRecord, BeatState, Failure};
use super::world::World;
use super::{
    act, caps, gitmem, housekeeping, journal, limited_workers, lock, moves, pausing, prompt,
    runner, runs, sensors, state, surface, world,
};
use crate::agents::{self, Agent};
use crate::config::Config;
use crate::meter::Metering;
use crate::paths::{self, Profile};
use crate::supervisor::SessionView;
use crate::text::visible::one_line;
use crate::{claims, events, ledger};
use anyhow::{Context, Result};
use serde_json::json;
use std::collections::BTreeMap;
use std::ffi::OsString;

/// What kind of beat.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode<'a> {
    /// `tick` and `run`'s beats: skipped when the world is unchanged.
    Tick,
    /// `run <goal>`: one move focused on that goal, never skipped.
    Goal(&'a str),
}

/// How the beat ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub code: i32,
    /// The move's one-shot `next_interval`.
    pub next_interval: Option<u64>,
}

impl Outcome {
    fn ok() -> Outcome {
        Outcome {
            code: 0,
            next_interval: None,
        }
    }
}

/// Everything the steps share.
struct Beat<'a> {
    profile: &'a Profile,
    config: &'a Config,
    mode: Mode<'a>,
    env: Vec<(String, OsString)>,
    state: BeatState,
    /// This beat's run, once it has one (named in its failure).
    run_id: Option<String>,
    /// What metering found per worker session, for the prompt's WORKERS.
    spend: BTreeMap<String, Metering>,
}

/// Run one beat. Status 75 (busy) before touching anything when another
/// beat of this profile holds the lock. From the lock on, whatever fails is
/// a failed beat ([`BeatError`]): recorded, then status 1.
pub fn beat(profile: &Profile, config: &Config, mode: Mode) -> Result<Outcome> {
    let _lock = lock::take(profile)?;
    let _groups = super::orphans::reap(profile);
    let mut b = Beat {
        profile,
        config,
        mode,
        env: Vec::new(),
        state: state::load(profile),
        run_id: None,
        spend: BTreeMap::new(),
    };
    events::emit(profile, "tick_start", &json!({ "goal": goal_of(mode) }));
    let error = match steps(&mut b) {
        Ok(outcome) => return Ok(outcome),
        Err(e) => e,
    };
    let run_id = b.run_id.clone();
    let outcome = fail(&mut b, &error.to_string(), run_id.as_deref());
    if matches!(error, BeatError::Interrupted) {
        state::save(profile, &b.state)?;
    } else {
        let sessions = crate::supervisor::list(profile).unwrap_or_default();
        finish(&mut b, &sessions, None)?;
    }
    Ok(outcome)
}

/// The steps after the lock, in order; the first failure ends the beat.
fn steps(b: &mut Beat) -> std::result::Result<Outcome, BeatError> {
    let io = BeatError::io;
    let profile = b.profile;
    b.env = paths::child_env(profile).map_err(io)?;
    let sessions = housekeeping::run(profile, b.config).map_err(io)?;
    let sessions = meter_workers(b, sessions);
    let budget_note = budget_reached(b).map_err(io)?;
    let lifted = pausing::lift(profile, budget_note.is_some()).map_err(io)?;
    pausing::wake(&lifted, &sessions);
    let continued = limited_workers::continue_after(profile, b.config, &lifted, &sessions);
    limited_workers::pause_runners(profile, b.config, &sessions, &continued).map_err(io)?;
    let sensed = sense(b).map_err(io)?;
    if crate::proc::signals::stop_requested() {
        return Err(BeatError::Interrupted);
    }
    let world = gather(profile, &sensed.readings, &sessions).map_err(io)?;
    let seen = world::load_seen(profile);
    if b.mode == Mode::Tick && seen.as_ref().is_some_and(|(hash, _)| *hash == world.hash()) {
        return unchanged(b, &sessions, &world).map_err(io);
    }
    let changes = world::diff(seen.as_ref().map(|(_, w)| w), &world);
    for c in &changes {
        println!("changed: {}", one_line(c));
    }
    if let Some(note) = budget_note {
        return skip_for_budget(b, &sessions, &note).map_err(io);
    }
    if let Some(pause) = pausing::of(profile, &b.config.runner).map_err(io)? {
        return skip_for_pause(b, &sessions, &pause.describe()).map_err(io);
    }
    let (run_id, run_dir) = runs::new_run(profile).map_err(io)?;
    b.run_id = Some(run_id.clone());
    let decided = decide(
        b,
        &run_id,
        &run_dir,
        &world,
        &sensed.readings,
        &sessions,
        &changes,
    )?;
    let mv = match decided {
        Decision::Limited(hit) => {
            let config = b.config;
            let line = pausing::limited(profile, config, &config.runner, &hit).map_err(io)?;
            return skip_for_pause(b, &sessions, &line).map_err(io);
        }
        Decision::Move(mv) => mv,
    };
    let line = act_on(b, &mv, &run_dir)?;
    let outcome = remember(b, &mv, &line, &run_id, &world).map_err(io)?;
    let sessions = crate::supervisor::list(profile).unwrap_or(sessions);
    finish(b, &sessions, None).map_err(io)?;
    Ok(outcome)
}

fn goal_of<'a>(mode: Mode<'a>) -> Option<&'a str> {
    match mode {
        Mode::Tick => None,
        Mode::Goal(g) => Some(g),
    }
}

/// Step 2: the sensors, and what was skipped (named once).
fn sense(b: &Beat) -> Result<sensors::Sensed> {
    let sensed = sensors::sense(b.profile, b.config, &b.env)?;
    for s in &sensed.skipped {
        println!("sensors: skipped {s}");
    }
    Ok(sensed)
}

/// Step 3a: the canonical world from disk, readings and sessions.
pub fn gather(
    profile: &Profile,
    readings: &std::collections::BTreeMap<String, serde_json::Value>,
    sessions: &[SessionView],
) -> Result<World> {
    let playbook = match std::fs::read(profile.playbook()) {
        Ok(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read {}", profile.playbook().display()));
        }
    };
    Ok(World {
        playbook,
        goals: read_goals(profile)?,
        signals: readings
            .iter()
            .map(|(k, v)| (k.clone(), world::signal_of(v)))
            .collect(),
        workers: world::workers_of(sessions),
    })
}

/// `goals/*.md` (not the archive): id -> body.
pub fn read_goals(profile: &Profile) -> Result<std::collections::BTreeMap<String, String>> {
    let dir = profile.goals_dir();
    let mut goals = std::collections::BTreeMap::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(goals),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    for e in entries.filter_map(|e| e.ok()) {
        let Ok(file) = e.file_name().into_string() else {
            continue;
        };
        let Some(id) = file
            .strip_suffix(".md")
            .filter(|id| crate::ids::is_valid(id))
        else {
            continue;
        };
        if !e.path().is_file() {
            continue;
        }
        let body = std::fs::read(e.path())
            .with_context(|| format!("cannot read {}", e.path().display()))?;
        goals.insert(id.to_string(), String::from_utf8_lossy(&body).into_owned());
    }
    Ok(goals)
}

/// Step 3b: nothing changed since the last successful beat.
fn unchanged(b: &mut Beat, sessions: &[SessionView], world: &World) -> Result<Outcome> {
    println!("world unchanged");
    events::emit(
        b.profile,
        "world_unchanged",
        &json!({ "hash": world.hash() }),
    );
    b.state.last_beat = Some(record("unchanged", "world unchanged", None));
    finish(b, sessions, None)?;
    Ok(Outcome::ok())
}

/// Step 1b: bring the ledger up to date with the workers' transcripts, so
/// the budget counts what they spent so far and the prompt shows it (and
/// which can be resumed, by the config's runners). A failure is reported
/// and the beat goes on.
fn meter_workers(b: &mut Beat, mut sessions: Vec<SessionView>) -> Vec<SessionView> {
    let config = b.config;
    match crate::meter::bring_up_to_date_listed(b.profile, &config.prices, &sessions) {
        Ok(metered) => {
            for s in &mut sessions {
                s.cost_usd = metered.usd_of(&s.session);
            }
            b.spend = metered.sessions;
        }
        Err(e) => eprintln!("looop: warning: cannot meter the workers: {e:#}"),
    }
    // The prompt's resumable marks follow the configured runners.
    crate::resume::mark(config, &mut sessions);
    sessions
}

/// Step 4: the daily budget. `Some(note)` when reached.
fn budget_reached(b: &Beat) -> Result<Option<String>> {
    // No budget: nothing to read (the ledger may be large; idle beats stay fast).
    if b.config.daily_budget_usd <= 0.0 {
        return Ok(None);
    }
    let budget = ledger::budget_status(b.profile, b.config)?;
    Ok(budget.reached().then(|| {
        format!(
            "daily budget reached: ${:.2} spent today of ${:.2}; the AI is not called until tomorrow or a higher daily_budget_usd",
            budget.spent_today_usd, budget.budget_usd
        )
    }))
}

fn skip_for_budget(b: &mut Beat, sessions: &[SessionView], note: &str) -> Result<Outcome> {
    println!("{}", one_line(note));
    events::emit(b.profile, "budget_reached", &json!({ "note": note }));
    b.state.last_beat = Some(record("budget", note, None));
    // NEEDS YOU says it once: on the beat that paused the runners.
    let new = pausing::budget(b.profile, b.config, note, sessions)?;
    finish(b, sessions, new.then_some(note))?;
    Ok(Outcome::ok())
}

/// Step 4b: the tick runner is paused (CONTRACT §11): no AI call, not a
/// failed beat, and the world is not recorded as seen, so the first beat
/// after the pause asks.
fn skip_for_pause(b: &mut Beat, sessions: &[SessionView], line: &str) -> Result<Outcome> {
    println!("{line}");
    b.state.last_beat = Some(record("paused", line, None));
    finish(b, sessions, None)?;
    Ok(Outcome::ok())
}

/// What the tick AI call came to.
enum Decision {
    Move(Move),
    /// The runner stopped at its usage limit.
    Limited(crate::agents::reset_time::LimitHit),
}

/// Step 5: write the prompt, call the tick AI, meter it, parse the move.
#[allow(clippy::too_many_arguments)]
fn decide(
    b: &Beat,
    run_id: &str,
    run_dir: &std::path::Path,
    world: &World,
    readings: &std::collections::BTreeMap<String, serde_json::Value>,
    sessions: &[SessionView],
    changes: &[String],
) -> std::result::Result<Decision, BeatError> {
    let io = BeatError::io;
    for (id, body) in &world.goals {
        if body.len() > prompt::GOAL_CAP {
            println!(
                "note: goal {id} is {} bytes; the prompt shows its first {} bytes",
                body.len(),
                prompt::GOAL_CAP
            );
        }
    }
    let claims = claims::list(b.profile).map_err(io)?;
    let journal = journal::tail(b.profile, 20).map_err(io)?;
    let text = prompt::build(&prompt::Facts {
        changes,
        last_failure: b.state.last_failure.as_ref(),
        world,
        readings,
        sessions,
        spend: &b.spend,
        claims: &claims,
        journal: &journal,
        asks: &b.state.asks,
        focus: goal_of(b.mode),
        max_workers: b.config.max_workers,
        now_local: chrono::Local::now().format("%Y-%m-%d %H:%M %Z").to_string(),
    });
    let prompt_path = run_dir.join("prompt.md");
    crate::store::write_atomic(&prompt_path, text.as_bytes()).map_err(io)?;
    let runner_name = b.config.runner.clone();
    let tick = b.config.runner(&runner_name).map_err(io)?.tick.clone();
    events::emit(
        b.profile,
        "decide_start",
        &json!({ "run_id": run_id, "runner": runner_name }),
    );
    println!("asking {runner_name} (run {run_id})");
    let called = runner::call(&runner::Request {
        profile: b.profile,
        config: b.config,
        tick: &tick,
        agent: crate::agents::Agent::of_runner(&runner_name),
        cwd: &b.profile.data,
        env: &b.env,
        prompt: &text,
        prompt_path: &prompt_path,
        log_path: &run_dir.join("output.log"),
    })
    .map_err(io)?;
    let kind = if matches!(b.mode, Mode::Goal(_)) {
        "goal"
    } else {
        "tick"
    };
    let agent = b
        .config
        .runner(&runner_name)
        .map_or(Agent::None, |r| r.agent);
    for spend in &called.spends {
        let spend = agents::priced(spend, agent, &tick, &b.config.prices);
        let measured = ledger::Measured::Stream;
        if let Err(e) = ledger::record(b.profile, kind, run_id, &runner_name, &spend, measured) {
            eprintln!("looop: warning: cannot record the spend: {e:#}");
        }
    }
    // A limit ends the call whatever else it printed, unless a valid move
    // came with it. A move past its size caps is no valid move.
    let parsed = called
        .answer
        .and_then(|answer| moves::parse(&answer))
        .and_then(|mv| {
            caps::check(&mv.action, &mv.journal)?;
            Ok(mv)
        });
    let mv = match (parsed, called.limit) {
        (Ok(mv), _) => mv,
        (Err(_), Some(hit)) => return Ok(Decision::Limited(hit)),
        (Err(reason), None) => return Err(BeatError::Decide(reason)),
    };
    events::emit(
        b.profile,
        "decided",
        &json!({ "run_id": run_id, "move": mv.action.kind(), "target": mv.action.target() }),
    );
    Ok(Decision::Move(mv))
}

/// Steps 6-7: carry the move out and write its journal line.
fn act_on(
    b: &mut Beat,
    mv: &Move,
    run_dir: &std::path::Path,
) -> std::result::Result<String, BeatError> {
    for n in &mv.notes {
        println!("note: {}", one_line(n));
    }
    let extra = act::execute(b.profile, b.config, mv, run_dir, &b.env).map_err(BeatError::Act)?;
    let text = match extra {
        Some(extra) => format!("{} {extra}", mv.journal),
        None => mv.journal.clone(),
    };
    let line = journal::format_line(mv.action.kind(), &mv.action.target(), &text);
    journal::append(b.profile, &line).map_err(BeatError::io)?;
    println!("{}", one_line(&line));
    // An acting beat answers earlier questions; this move may ask a new one.
    b.state.asks.clear();
    if let Action::AskHuman { message } = &mv.action {
        b.state.asks.push(Ask {
            at: events::now_rfc3339(),
            message: message.clone(),
        });
        act::ask_event(b.profile, message);
    }
    Ok(line)
}

/// Step 8: commit to git, and record the world this beat saw as seen. The
/// move's own changes (a new goal, a started worker) show up as WHAT CHANGED
/// in the next beat, so the AI can take the next step.
fn remember(b: &mut Beat, mv: &Move, line: &str, run_id: &str, seen: &World) -> Result<Outcome> {
    gitmem::commit(b.profile, b.config, line.trim_start_matches("- "));
    world::save_seen(b.profile, seen)?;
    b.state.last_failure = None;
    b.state.consecutive_failures = 0;
    b.state.last_beat = Some(record("acted", line, Some(run_id)));
    Ok(Outcome {
        code: 0,
        next_interval: mv.next_interval,
    })
}

/// A failed beat: nothing executed, the reason kept for LAST FAILURE.
fn fail(b: &mut Beat, reason: &str, run_id: Option<&str>) -> Outcome {
    eprintln!("looop: beat failed: {}", one_line(reason));
    events::emit(
        b.profile,
        "tick_failed",
        &json!({ "reason": reason, "run_id": run_id }),
    );
    b.state.last_failure = Some(Failure {
        at: events::now_rfc3339(),
        reason: reason.to_string(),
        run_id: run_id.map(str::to_string),
    });
    b.state.consecutive_failures += 1;
    b.state.last_beat = Some(record("failed", reason, run_id));
    Outcome {
        code: 1,
        next_interval: None,
    }
}

/// Step 9: surface what needs the human, then save the beat state.
fn finish(b: &mut Beat, sessions: &[SessionView], budget_note: Option<&str>) -> Result<()> {
    let pauses = pausing::unsaid_lines(b.profile);
    surface::surface(
        b.profile,
        b.config,
        sessions,
        &mut b.state,
        budget_note,
        &pauses,
    );
    state::save(b.profile, &b.state)
}

fn record(outcome: &str, detail: &str, run_id: Option<&str>) -> BeatRecord {
    BeatRecord {
        at: events::now_rfc3339(),
        outcome: outcome.to_string(),
        detail: detail.to_string(),
        run_id: run_id.map(str::to_string),
    }
}
