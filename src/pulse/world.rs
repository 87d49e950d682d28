//! The canonical world: everything a beat's decision depends on, reduced to
//! what is stable (PLAYBOOK, goals, sensor signals, workers' id/state/exit
//! code/flag note — never ages or idle times). Two equal worlds mean nothing
//! happened, so no AI is called.
//!
//! The last world seen by a successful beat is kept whole in `.world.json`
//! (scratch), not just its hash, so the prompt can say WHAT CHANGED.

use super::state::write_scratch;
use crate::paths::{Profile, fnv1a};
use crate::supervisor::SessionView;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct World {
    /// `None` when PLAYBOOK.md is missing.
    pub playbook: Option<String>,
    /// goal id -> body.
    pub goals: BTreeMap<String, String>,
    /// sensor name -> its `signal` (or its whole reading).
    pub signals: BTreeMap<String, Value>,
    /// worker id -> stable state.
    pub workers: BTreeMap<String, WorkerState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerState {
    pub state: String,
    pub exit_code: Option<i32>,
    /// The flag note when flagged (empty note = flagged without one).
    pub flag: Option<String>,
}

/// What `.world.json` holds.
#[derive(Debug, Serialize, Deserialize)]
struct Seen {
    hash: String,
    world: World,
}

impl World {
    /// Stable hash of the canonical JSON (maps are sorted).
    pub fn hash(&self) -> String {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        format!("{:016x}", fnv1a(&bytes))
    }
}

/// The part of a reading that counts as a change.
pub fn signal_of(reading: &Value) -> Value {
    match reading.get("signal") {
        Some(s) if reading.is_object() => s.clone(),
        _ => reading.clone(),
    }
}

/// Workers' stable state (the pulse's own session is not a worker).
pub fn workers_of(sessions: &[SessionView]) -> BTreeMap<String, WorkerState> {
    sessions
        .iter()
        .filter(|s| s.session != crate::ids::PULSE_SESSION)
        .map(|s| {
            let state = s.state.as_str().to_string();
            let flag = s.flagged.then(|| s.note.clone().unwrap_or_default());
            (
                s.id.clone(),
                WorkerState {
                    state,
                    exit_code: s.exit_code,
                    flag,
                },
            )
        })
        .collect()
}

fn seen_path(profile: &Profile) -> std::path::PathBuf {
    profile.data.join(".world.json")
}

/// The world the last successful beat saw, if any.
pub fn load_seen(profile: &Profile) -> Option<(String, World)> {
    match crate::store::read_json::<Seen>(&seen_path(profile)) {
        Ok(Some(s)) => Some((s.hash, s.world)),
        Ok(None) => None,
        Err(e) => {
            eprintln!("looop: warning: {e:#}; treating the world as new");
            None
        }
    }
}

/// Record `world` as seen: only after a successful beat.
pub fn save_seen(profile: &Profile, world: &World) -> Result<()> {
    let seen = Seen {
        hash: world.hash(),
        world: world.clone(),
    };
    let text = serde_json::to_vec(&seen).context("cannot serialize the world")?;
    write_scratch(&seen_path(profile), &text)
}

/// WHAT CHANGED between the last seen world and this one, one line each.
pub fn diff(old: Option<&World>, new: &World) -> Vec<String> {
    let Some(old) = old else {
        return vec!["first beat: no earlier world on record, everything is new".into()];
    };
    let mut out = Vec::new();
    match (&old.playbook, &new.playbook) {
        (a, b) if a == b => {}
        (None, Some(_)) => out.push("PLAYBOOK.md appeared".into()),
        (Some(_), None) => out.push("PLAYBOOK.md was removed".into()),
        _ => out.push("PLAYBOOK.md changed".into()),
    }
    map_diff(&old.goals, &new.goals, &mut out, |id, a, b| match (a, b) {
        (None, Some(_)) => format!("goal {id}: new"),
        (Some(_), None) => format!("goal {id}: gone (archived or deleted)"),
        _ => format!("goal {id}: edited"),
    });
    map_diff(&old.signals, &new.signals, &mut out, |name, a, b| {
        match (a, b) {
            (None, Some(v)) => format!("sensor {name}: new, signal {}", short(v)),
            (Some(_), None) => format!("sensor {name}: gone"),
            (Some(a), Some(b)) => format!("sensor {name}: signal {} -> {}", short(a), short(b)),
            _ => String::new(),
        }
    });
    map_diff(&old.workers, &new.workers, &mut out, |id, a, b| {
        match (a, b) {
            (None, Some(w)) => format!("worker {id}: new, {}", describe(w)),
            (Some(_), None) => format!("worker {id}: gone (pruned)"),
            (Some(a), Some(b)) => {
                let mut parts = Vec::new();
                if a.state != b.state || a.exit_code != b.exit_code {
                    parts.push(format!("{} -> {}", describe_state(a), describe_state(b)));
                }
                match (&a.flag, &b.flag) {
                    (x, y) if x == y => {}
                    (_, Some(note)) => parts.push(format!("flagged: {note}")),
                    (Some(_), None) => parts.push("unflagged".into()),
                    _ => {}
                }
                format!("worker {id}: {}", parts.join("; "))
            }
            _ => String::new(),
        }
    });
    out
}

fn map_diff<V: PartialEq>(
    old: &BTreeMap<String, V>,
    new: &BTreeMap<String, V>,
    out: &mut Vec<String>,
    line: impl Fn(&str, Option<&V>, Option<&V>) -> String,
) {
    let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for k in keys {
        let (a, b) = (old.get(k), new.get(k));
        if a != b {
            out.push(line(k, a, b));
        }
    }
}

fn describe_state(w: &WorkerState) -> String {
    match w.exit_code {
        Some(code) => format!("{} (exit {code})", w.state),
        None => w.state.clone(),
    }
}

fn describe(w: &WorkerState) -> String {
    match &w.flag {
        Some(note) => format!("{}, flagged: {note}", describe_state(w)),
        None => describe_state(w),
    }
}

/// A JSON value in at most 120 characters, for one diff line.
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() <= 120 {
        s
    } else {
        format!("{}…", s.chars().take(119).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn signal_member_only() {
        assert_eq!(signal_of(&json!({"signal": 1, "detail": 2})), json!(1));
        assert_eq!(signal_of(&json!({"detail": 2})), json!({"detail": 2}));
        assert_eq!(signal_of(&json!([1])), json!([1]));
    }

    #[test]
    fn diff_names_what_changed() {
        let mut a = World::default();
        a.goals.insert("g".into(), "x".into());
        a.signals.insert("ci".into(), json!("green"));
        let mut b = a.clone();
        b.goals.insert("g".into(), "y".into());
        b.signals.insert("ci".into(), json!("red"));
        b.workers.insert(
            "w".into(),
            WorkerState {
                state: "running".into(),
                exit_code: None,
                flag: Some("help".into()),
            },
        );
        let d = diff(Some(&a), &b);
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d[0].contains("goal g: edited"));
        assert!(d[1].contains("\"green\" -> \"red\""));
        assert!(d[2].contains("flagged: help"));
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.hash(), a.clone().hash());
        assert!(diff(Some(&a), &a).is_empty());
    }
}
