//! Metering workers' spend from their agent CLI's own transcript (CONTRACT
//! §10): nobody has to report anything, and `cost`, `ls`, `status`, the
//! daily budget and the tick prompt see what a fleet spends while it
//! spends it.
//!
//! [`bring_up_to_date`] runs before every beat and every `cost`, `ls` and
//! `status`: for each worker session on disk whose agent writes a
//! transcript, it reads what the transcript gained since the last read
//! and appends what that cost to the ledger. The agents' files in
//! [`crate::agents`] know where each CLI's transcript is and what its
//! lines say; this module is the same for all of them:
//!
//! - [`read`]: only the bytes appended since the last read, in whole lines;
//!   a replaced or cut file is noticed by its head's fingerprint;
//! - [`tally`]: lines to amounts, each message counted once, priced by the
//!   table (or the CLI's own figure);
//! - [`state`]: what is remembered per session (`meter.json`,
//!   `meter.keys`, `meter.lock`);
//! - [`session`]: one session, with the ledger and the position moving
//!   forward together, so concurrent meters and a looop killed mid-read
//!   never count a message twice.
//!
//! Limits: opencode keeps its sessions in SQLite, which looop does not
//! read (no SQLite dependency): its workers are "not metered", never $0.
//! A transcript that never appears is "not found", never $0.

mod read;
mod session;
mod state;
mod tally;

use crate::agents::Agent;
use crate::paths::Profile;
use crate::prices::Prices;
use crate::session_record::{self, Record};
use crate::supervisor::SessionView;
use anyhow::Result;
use session::Worker;
use std::collections::BTreeMap;

/// What metering found, per worker session on disk.
#[derive(Debug, Default)]
pub struct Summary {
    /// By session name (`looop-<id>`).
    pub sessions: BTreeMap<String, Metering>,
    /// Sessions whose agent session id was learned from their transcript
    /// by this call (codex): a listing made before it lacks the id.
    pub learned_now: Vec<String>,
}

/// One session's metering.
#[derive(Debug, Clone, PartialEq)]
pub enum Metering {
    /// Its agent writes no transcript looop reads (opencode, none).
    NotMetered,
    /// Its transcript has not appeared (yet).
    NotFound,
    /// Read: what it spent so far.
    Read {
        /// Priced USD so far.
        usd: f64,
        /// Tokens without a price (their USD is unknown).
        unpriced_tokens: u64,
        /// Transcript lines skipped (not JSON, wrong field types).
        skipped: u64,
    },
}

impl Metering {
    /// The worker's spend so far, `None` when nothing meters it or some
    /// of it has no price.
    pub fn usd(&self) -> Option<f64> {
        match self {
            Metering::Read {
                usd,
                unpriced_tokens: 0,
                ..
            } => Some(*usd),
            _ => None,
        }
    }
}

impl Summary {
    /// What session `session` spent so far, `None` when nothing meters it
    /// or some of it has no price.
    pub fn usd_of(&self, session: &str) -> Option<f64> {
        self.sessions.get(session)?.usd()
    }

    /// Transcript lines skipped, over all sessions.
    pub fn skipped_lines(&self) -> u64 {
        self.sessions
            .values()
            .map(|m| match m {
                Metering::Read { skipped, .. } => *skipped,
                _ => 0,
            })
            .sum()
    }

    /// The sessions in `state` (bare ids).
    pub fn ids(&self, want: &Metering) -> Vec<String> {
        self.sessions
            .iter()
            .filter(|(_, m)| std::mem::discriminant(*m) == std::mem::discriminant(want))
            .map(|(s, _)| crate::ids::bare(s).to_string())
            .collect()
    }
}

/// Brings the ledger up to date with every worker session's transcript,
/// live or finished. One session that cannot be read is reported on
/// stderr and skipped; it never stops the others (nor a beat).
pub fn bring_up_to_date(profile: &Profile, prices: &Prices) -> Result<Summary> {
    meter_all(profile, prices, &workers(profile))
}

/// As [`bring_up_to_date`], for the sessions a caller just listed (the
/// beat, `ls`), whose records are not read a second time: with nothing
/// appended, a worker then costs a look at its `meter.json` and a `stat`
/// of its transcript.
pub fn bring_up_to_date_listed(
    profile: &Profile,
    prices: &Prices,
    sessions: &[SessionView],
) -> Result<Summary> {
    let listed = sessions
        .iter()
        .filter(|s| s.session != crate::ids::PULSE_SESSION && s.cwd.is_some());
    // A worker whose agent writes no transcript is answered without
    // building its meter's view (most of a fleet, and the bulk of `ls`).
    let (metered, not_metered): (Vec<&SessionView>, Vec<&SessionView>) = listed.partition(|s| {
        agent_of(s.agent.as_deref())
            .spec()
            .is_some_and(|spec| spec.transcript.is_some())
    });
    let workers: Vec<(Worker, Agent)> = metered
        .into_iter()
        .filter_map(|s| listed_worker(profile, s))
        .collect();
    let mut summary = meter_all(profile, prices, &workers)?;
    for s in not_metered {
        summary
            .sessions
            .insert(s.session.clone(), Metering::NotMetered);
    }
    Ok(summary)
}

/// The agent a record or a listing names (`none` when it names none).
fn agent_of(name: Option<&str>) -> Agent {
    name.and_then(Agent::from_name).unwrap_or(Agent::None)
}

fn meter_all(profile: &Profile, prices: &Prices, workers: &[(Worker, Agent)]) -> Result<Summary> {
    let mut summary = Summary::default();
    // Who owns which agent session id is read (every worker's meter) at
    // most once, and only when a CLI that picks its own id asks.
    let owners = std::cell::OnceCell::new();
    for (worker, agent) in workers {
        let metered = match agent.spec().and_then(|s| s.transcript.as_ref()) {
            None => Metering::NotMetered,
            Some(transcript) => {
                let is_taken = |id: &str| {
                    owners
                        .get_or_init(|| owned_ids(workers))
                        .iter()
                        .any(|(session, owned)| *session != worker.session && owned == id)
                };
                match session::meter(profile, prices, transcript, worker, &is_taken) {
                    Ok(state) => {
                        if learned(worker, &state) {
                            summary.learned_now.push(worker.session.clone());
                        }
                        match state.path {
                            None => Metering::NotFound,
                            Some(_) => Metering::Read {
                                usd: state.spent_usd,
                                unpriced_tokens: state.unpriced_tokens,
                                skipped: state.skipped,
                            },
                        }
                    }
                    Err(e) => {
                        eprintln!("looop: cannot meter {}: {e:#}", worker.session);
                        Metering::NotFound
                    }
                }
            }
        };
        summary.sessions.insert(worker.session.clone(), metered);
    }
    Ok(summary)
}

/// Before a session is started afresh under a name that had a session:
/// the old one's last bytes are metered, then its meter and agent files
/// are removed, so the new worker starts with a new transcript.
pub fn forget(profile: &Profile, prices: &Prices, session: &str) -> Result<()> {
    let dir = session_record::dir(profile, session);
    if let Some((worker, agent)) = worker_of(profile, session)
        && let Some(transcript) = agent.spec().and_then(|s| s.transcript.as_ref())
    {
        // The old session is over: its meter reads to the very end.
        session::meter(profile, prices, transcript, &worker, &|_| false)?;
    }
    state::Files::new(&dir).remove()?;
    for path in [
        session_record::agent_session_file(&dir),
        session_record::learned_agent_session_path(&dir),
    ] {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(
                    anyhow::Error::new(e).context(format!("cannot remove {}", path.display()))
                );
            }
        }
    }
    Ok(())
}

/// Every worker session on disk with its agent.
fn workers(profile: &Profile) -> Vec<(Worker, Agent)> {
    let mut names = crate::store::dir_names(&profile.sessions_dir()).unwrap_or_default();
    names.retain(|n| session_record::is_session_name(n) && n != crate::ids::PULSE_SESSION);
    names.sort();
    names
        .iter()
        .filter_map(|name| worker_of(profile, name))
        .collect()
}

/// The session `name` as the meter sees it; `None` without a record.
fn worker_of(profile: &Profile, name: &str) -> Option<(Worker, Agent)> {
    let dir = session_record::dir(profile, name);
    // Lock first, record second (a supervisor writes its end, then lets go).
    let alive = session_record::alive(&dir);
    let record: Record = session_record::read_record(&dir).ok()??;
    let agent = record
        .agent
        .as_deref()
        .and_then(Agent::from_name)
        .unwrap_or(Agent::None);
    let started_at = unix_seconds(record.started_at.as_deref());
    let running = matches!(
        record.state,
        session_record::State::Running | session_record::State::Starting
    );
    let ended = if alive && running {
        None
    } else {
        Some(
            record
                .ended_at
                .clone()
                .unwrap_or_else(|| format!("lost {}", record.started_at.as_deref().unwrap_or(""))),
        )
    };
    let worker = Worker {
        session: name.to_string(),
        id: crate::ids::bare(name).to_string(),
        runner: record.runner.clone(),
        cwd: record.cwd.clone(),
        goal: record.goal.clone(),
        agent_session: record.agent_session.clone(),
        started_at,
        ended,
        dir,
    };
    Some((worker, agent))
}

/// A listed session as the meter sees it; `None` before its record.
fn listed_worker(profile: &Profile, s: &SessionView) -> Option<(Worker, Agent)> {
    let cwd = s.cwd.clone()?;
    let agent = s
        .agent
        .as_deref()
        .and_then(Agent::from_name)
        .unwrap_or(Agent::None);
    let started_at = s.started_at.as_deref();
    let ended = (!s.alive).then(|| {
        s.ended_at
            .clone()
            .unwrap_or_else(|| format!("lost {}", started_at.unwrap_or("")))
    });
    let worker = Worker {
        session: s.session.clone(),
        id: s.id.clone(),
        runner: s.runner.clone(),
        cwd,
        goal: s.goal.clone(),
        agent_session: s.agent_session.clone(),
        started_at: unix_seconds(started_at),
        ended,
        dir: session_record::dir(profile, &s.session),
    };
    Some((worker, agent))
}

/// An RFC 3339 time as Unix seconds; 0 when there is none.
fn unix_seconds(time: Option<&str>) -> i64 {
    time.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map_or(0, |t| t.timestamp())
}

/// Each worker's agent session id (chosen or learned), with its session,
/// so codex discovery never hands one rollout to two workers.
fn owned_ids(workers: &[(Worker, Agent)]) -> Vec<(String, String)> {
    workers
        .iter()
        .filter_map(|(w, _)| {
            let state = state::Files::new(&w.dir).load();
            let id = state.agent_session.or_else(|| w.agent_session.clone())?;
            Some((w.session.clone(), id))
        })
        .collect()
}

/// Keeps an agent session id learned from a transcript where `ls` and
/// `resume` find it (`agent-session.id`, once); whether it was new.
fn learned(worker: &Worker, state: &state::MeterState) -> bool {
    let Some(id) = &state.agent_session else {
        return false;
    };
    if worker.agent_session.as_ref() == Some(id) {
        return false;
    }
    let path = session_record::learned_agent_session_path(&worker.dir);
    if path.exists() {
        return false;
    }
    if let Err(e) = crate::store::write_atomic(&path, format!("{id}\n").as_bytes()) {
        eprintln!("looop: {e:#}");
        return false;
    }
    true
}
