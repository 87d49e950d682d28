//! Metering one session: find its transcript, read what it gained, and
//! move the reading position and the ledger forward together.
//!
//! The order makes a kill at any point harmless: the keys of the counted
//! messages are written first (valid only once the state names their
//! length), then the new state together with the ledger lines it counts
//! (`pending`), then the lines are appended to the ledger, then `pending`
//! is cleared. A meter that finds `pending` set appends whichever of its
//! lines (each carries a unique mark) the ledger does not hold yet. All of
//! it runs under the session's `meter.lock`, so two meters never read the
//! same bytes; the quick look that finds nothing new takes no lock.

use super::read::Cursor;
use super::state::{Files, MeterState, Pending};
use super::tally::{Counter, Seen, Tally};
use crate::agents::spec::{Transcript, Whereabouts};
use crate::ledger::{self, Metered};
use crate::paths::Profile;
use crate::prices::Prices;
use crate::store;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// What the meter needs to know of a worker session.
#[derive(Debug, Clone)]
pub struct Worker {
    /// `looop-<id>`, and the bare id.
    pub session: String,
    pub id: String,
    pub runner: String,
    pub cwd: PathBuf,
    pub goal: Option<String>,
    /// The agent session id looop chose.
    pub agent_session: Option<String>,
    /// When it (last) started, Unix seconds.
    pub started_at: i64,
    /// When it ended (`ended_at`), `None` while it may still write.
    pub ended: Option<String>,
    /// `sessions/<session>/`.
    pub dir: PathBuf,
}

impl Worker {
    /// `{{session_file}}`.
    pub fn session_file(&self) -> PathBuf {
        self.dir.join("agent-session.jsonl")
    }
}

/// Brings one session's ledger lines up to date; its meter state after.
/// `is_taken` tells whether another worker owns an agent session id.
pub fn meter(
    profile: &Profile,
    prices: &Prices,
    transcript: &Transcript,
    worker: &Worker,
    is_taken: &dyn Fn(&str) -> bool,
) -> Result<MeterState> {
    let files = Files::new(&worker.dir);
    let quick = files.load();
    if nothing_new(&quick, worker) {
        return Ok(quick);
    }
    let at = Whereabouts {
        cwd: &worker.cwd,
        agent_session: worker.agent_session.as_deref(),
        session_file: &worker.session_file(),
        started_at: worker.started_at,
        is_taken,
    };
    // A transcript not written yet is looked for before the lock: looking
    // only reads, and a worker that has not answered once (or never will)
    // then costs every beat and `ls` a stat, not a lock.
    let mut found = None;
    if quick.path.is_none() && quick.pending.is_none() {
        found = (transcript.locate)(&at);
        if found.is_none() {
            return Ok(quick);
        }
    }
    let _lock = store::Lock::acquire(&files.lock())?;
    let mut state = files.load();
    finish_pending(profile, &files, &mut state)?;
    if state.path.is_none() {
        let Some(found) = found.or_else(|| (transcript.locate)(&at)) else {
            return Ok(state);
        };
        state.path = Some(found.path);
        state.agent_session = found.agent_session;
        files.save(&state)?;
    }
    read(profile, prices, transcript, worker, &files, &mut state)?;
    if worker.ended.is_some() && state.final_for != worker.ended {
        state.final_for = worker.ended.clone();
        files.save(&state)?;
    }
    Ok(state)
}

/// Whether a look without the lock shows there is nothing to do: the
/// transcript is as long as what was read (one stat), or the session
/// ended and its last line was read.
fn nothing_new(state: &MeterState, worker: &Worker) -> bool {
    if state.pending.is_some() {
        return false;
    }
    if let Some(ended) = &worker.ended {
        return state.final_for.as_ref() == Some(ended);
    }
    match &state.path {
        Some(path) => std::fs::metadata(path).is_ok_and(|m| m.len() == state.pos.offset),
        None => false,
    }
}

/// Reads what the transcript gained, one committed chunk at a time.
fn read(
    profile: &Profile,
    prices: &Prices,
    transcript: &Transcript,
    worker: &Worker,
    files: &Files,
    state: &mut MeterState,
) -> Result<()> {
    let Some(path) = state.path.clone() else {
        return Ok(());
    };
    let final_read = worker.ended.is_some();
    let Some(mut cursor) = Cursor::open(&path, state.pos, final_read)
        .with_context(|| format!("cannot read {}", path.display()))?
    else {
        return Ok(());
    };
    if cursor.replaced {
        state.replaced += 1;
        state.pos = cursor.position();
        files.save(state)?;
    }
    let mut seen: Option<Seen> = None;
    while let Some(chunk) = cursor
        .next()
        .with_context(|| format!("cannot read {}", path.display()))?
    {
        let seen = match &mut seen {
            Some(seen) => seen,
            None => seen.insert(files.read_keys(state.keys_len)?),
        };
        let mut counter = Counter::new(prices, seen, &mut state.total);
        for line in chunk.bytes.split(|&b| b == b'\n') {
            let line = line.trim_ascii();
            if !line.is_empty() {
                counter.add((transcript.read_line)(line, &mut state.memory));
            }
        }
        let tally = counter.tally;
        state.keys_len = files.add_keys(state.keys_len, &tally.new_keys)?;
        state.skipped += tally.skipped + chunk.oversized;
        state.pos = chunk.after;
        state.seq += 1;
        let lines = ledger_lines(worker, state, &tally)?;
        if !lines.is_empty() {
            state.pending = Some(Pending {
                ledger_len: ledger_len(&profile.ledger()),
                lines,
            });
        }
        files.save(state)?;
        finish_pending(profile, files, state)?;
    }
    Ok(())
}

/// The ledger lines of one read, one per model (and priced or not), and
/// the state's running sums moved on by them.
fn ledger_lines(
    worker: &Worker,
    state: &mut MeterState,
    tally: &Tally,
) -> Result<Vec<(String, String)>> {
    let mut lines = Vec::new();
    for (i, ((model, _), amount)) in tally.amounts.iter().enumerate() {
        match amount.usd {
            Some(usd) => state.spent_usd = crate::usage::add_usd(state.spent_usd, usd),
            None => {
                state.unpriced_tokens = state.unpriced_tokens.saturating_add(amount.tokens.total())
            }
        }
        let mark = format!("{}#{}.{i}", worker.session, state.seq);
        let line = ledger::metered_line(&Metered {
            id: &worker.id,
            runner: &worker.runner,
            goal: worker.goal.as_deref(),
            model,
            tokens: amount.tokens,
            cost_usd: amount.usd,
            mark: &mark,
        })?;
        lines.push((mark, line));
    }
    Ok(lines)
}

/// Appends the pending lines the ledger does not hold yet, then clears them.
fn finish_pending(profile: &Profile, files: &Files, state: &mut MeterState) -> Result<()> {
    let Some(pending) = state.pending.take() else {
        return Ok(());
    };
    let ledger_path = profile.ledger();
    let marks: Vec<&str> = pending.lines.iter().map(|(m, _)| m.as_str()).collect();
    let present = ledger::marks_after(&ledger_path, pending.ledger_len, &marks)?;
    let missing: Vec<&str> = pending
        .lines
        .iter()
        .filter(|(mark, _)| !present.contains(mark.as_str()))
        .map(|(_, line)| line.as_str())
        .collect();
    ledger::append_lines(&ledger_path, &missing)?;
    files.save(state)
}

fn ledger_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}
