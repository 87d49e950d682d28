//! The one move the tick AI answers with (CONTRACT §4a): found in its final
//! text, parsed into a typed value, and validated before anything runs.
//!
//! The AI may think out loud; the move is the LAST JSON object in the text
//! that has a `move` member. Any failure here fails the beat with a reason
//! the next prompt shows, and nothing is executed.

use crate::ids;
use serde::Deserialize;
use serde_json::Value;

/// What looop is asked to do.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "move", rename_all = "snake_case")]
pub enum Action {
    Noop,
    StartWorker {
        id: String,
        prompt: String,
        runner: Option<String>,
        /// Where the worker runs, relative to the data dir (or absolute).
        cwd: Option<String>,
        /// Its own git worktree of the repository that holds `cwd`.
        #[serde(default)]
        worktree: bool,
        /// The goal it serves.
        goal: Option<String>,
    },
    WriteGoal {
        id: String,
        body: String,
    },
    ArchiveGoal {
        id: String,
    },
    WriteSensor {
        name: String,
        script: String,
    },
    WritePlaybook {
        body: String,
    },
    Run {
        command: String,
    },
    KillWorker {
        id: String,
    },
    /// Relaunch a finished or lost worker on its own agent session.
    ResumeWorker {
        id: String,
    },
    AskHuman {
        message: String,
    },
}

/// The fields every move shares.
#[derive(Debug, Deserialize)]
struct Common {
    journal: Option<Value>,
    next_interval: Option<Value>,
}

/// A validated move.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    pub action: Action,
    /// One line: what and why.
    pub journal: String,
    /// One-shot seconds until the next beat, clamped to 5..=3600.
    pub next_interval: Option<u64>,
    /// Things looop ignored and says so (garbage `next_interval`).
    pub notes: Vec<String>,
}

pub const MIN_INTERVAL: u64 = 5;
pub const MAX_INTERVAL: u64 = 3600;

impl Action {
    /// The move's name as the AI writes it.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Noop => "noop",
            Action::StartWorker { .. } => "start_worker",
            Action::WriteGoal { .. } => "write_goal",
            Action::ArchiveGoal { .. } => "archive_goal",
            Action::WriteSensor { .. } => "write_sensor",
            Action::WritePlaybook { .. } => "write_playbook",
            Action::Run { .. } => "run",
            Action::KillWorker { .. } => "kill_worker",
            Action::ResumeWorker { .. } => "resume_worker",
            Action::AskHuman { .. } => "ask_human",
        }
    }

    /// The journal line's target: id / name, `PLAYBOOK.md`, the first 60
    /// characters of a command, or nothing.
    pub fn target(&self) -> String {
        match self {
            Action::WriteGoal { id, .. } | Action::ArchiveGoal { id } => id.clone(),
            Action::StartWorker { id, .. }
            | Action::KillWorker { id }
            | Action::ResumeWorker { id } => ids::bare(id).to_string(),
            Action::WriteSensor { name, .. } => name.clone(),
            Action::WritePlaybook { .. } => "PLAYBOOK.md".into(),
            Action::Run { command } => command.chars().take(60).collect(),
            Action::Noop | Action::AskHuman { .. } => String::new(),
        }
    }
}

/// Find, parse and validate the move in the AI's final text.
pub fn parse(text: &str) -> Result<Move, String> {
    let Some(value) = last_move_object(text) else {
        return Err(if text.trim().is_empty() {
            "the tick AI printed no answer (no move)".to_string()
        } else {
            "no JSON object with a \"move\" member in the answer".to_string()
        });
    };
    from_value(value)
}

fn from_value(value: Value) -> Result<Move, String> {
    let kind = value.get("move").cloned().unwrap_or(Value::Null);
    let common: Common =
        serde_json::from_value(value.clone()).map_err(|e| format!("invalid move: {e}"))?;
    let mut action: Action = serde_json::from_value(value).map_err(|e| match kind.as_str() {
        Some(k) => format!("invalid {k} move: {e}"),
        None => format!("invalid move: \"move\" must be a string, not {kind}"),
    })?;
    let journal = match common.journal {
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        Some(Value::String(_)) => {
            return Err(format!(
                "invalid {} move: `journal` is empty",
                action.kind()
            ));
        }
        None => {
            return Err(format!(
                "invalid {} move: missing field `journal`",
                action.kind()
            ));
        }
        Some(other) => {
            return Err(format!(
                "invalid {} move: `journal` must be a string, not {other}",
                action.kind()
            ));
        }
    };
    // A goal is named as `run <goal>` names it: `ship.md` is goal `ship`,
    // not goals/ship.md.md.
    if let Action::WriteGoal { id, .. } | Action::ArchiveGoal { id } = &mut action
        && let Some(stem) = id.strip_suffix(".md").filter(|s| ids::is_valid(s))
    {
        *id = stem.to_string();
    }
    validate(&action)?;
    let mut notes = Vec::new();
    let next_interval = common.next_interval.and_then(|v| match clamp_interval(&v) {
        Some(secs) => Some(secs),
        None => {
            notes.push(format!(
                "next_interval {v} ignored: not a number of seconds"
            ));
            None
        }
    });
    Ok(Move {
        action,
        journal,
        next_interval,
        notes,
    })
}

/// Numbers (or numeric strings) clamp into 5..=3600; anything else is garbage.
fn clamp_interval(v: &Value) -> Option<u64> {
    let secs = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !secs.is_finite() {
        return None;
    }
    Some((secs.round().max(0.0) as u64).clamp(MIN_INTERVAL, MAX_INTERVAL))
}

/// Field rules serde cannot express: ids follow the worker-id rule, texts
/// that looop acts on are not empty.
fn validate(action: &Action) -> Result<(), String> {
    let id_ok = |what: &str, s: &str| {
        if ids::is_valid(s) {
            Ok(())
        } else {
            Err(format!(
                "invalid {} move: bad {what} {s:?} (1-64 of [A-Za-z0-9._-], starting with a letter or digit)",
                action.kind()
            ))
        }
    };
    let nonempty = |what: &str, s: &str| {
        if s.trim().is_empty() {
            Err(format!("invalid {} move: `{what}` is empty", action.kind()))
        } else {
            Ok(())
        }
    };
    match action {
        Action::Noop => Ok(()),
        Action::StartWorker {
            id,
            prompt,
            runner,
            cwd,
            goal,
            ..
        } => {
            id_ok("id", id)?;
            if let Some(g) = goal {
                id_ok("goal", g)?;
            }
            if cwd.as_ref().is_some_and(|c| c.trim().is_empty()) {
                return Err("invalid start_worker move: `cwd` is empty".into());
            }
            if id == ids::PULSE_ID {
                return Err(
                    "invalid start_worker move: \"pulse\" is reserved for the pulse".into(),
                );
            }
            if let Some(r) = runner {
                id_ok("runner", r)?;
            }
            nonempty("prompt", prompt)
        }
        Action::WriteGoal { id, body } => {
            id_ok("id", id)?;
            nonempty("body", body)
        }
        Action::ArchiveGoal { id } => id_ok("id", id),
        Action::KillWorker { id } | Action::ResumeWorker { id } => id_ok("id", ids::bare(id)),
        Action::WriteSensor { name, script } => {
            id_ok("name", name)?;
            nonempty("script", script)
        }
        Action::WritePlaybook { body } => nonempty("body", body),
        Action::Run { command } => nonempty("command", command),
        Action::AskHuman { message } => nonempty("message", message),
    }
}

/// The last balanced `{...}` in `text` that parses as a JSON object with a
/// `move` member. Strings (and escapes inside them) are respected when
/// matching braces, so `"}"` inside a journal does not end the object.
fn last_move_object(text: &str) -> Option<Value> {
    let bytes = text.as_bytes();
    let mut found = None;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'{' {
            i += 1;
            continue;
        }
        match balanced_end(bytes, i) {
            Some(end) => {
                let candidate = &text[i..=end];
                match serde_json::from_str::<Value>(candidate) {
                    Ok(v) if v.get("move").is_some() => {
                        found = Some(v);
                        i = end + 1;
                    }
                    // Not a move itself: a move may still be nested inside.
                    _ => i += 1,
                }
            }
            None => i += 1,
        }
    }
    found
}

/// Index of the `}` closing the `{` at `start`, tracking JSON strings.
fn balanced_end(bytes: &[u8], start: usize) -> Option<usize> {
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        if in_str {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_move_wins_and_prose_is_ignored() {
        let text = r##"I considered {"move":"noop","journal":"a"} but then
        decided: {"move": "write_goal", "id": "g1", "body": "# G\n}{ tricky \"quote\"", "journal": "why"}
        done."##;
        let m = parse(text).unwrap();
        assert_eq!(
            m.action,
            Action::WriteGoal {
                id: "g1".into(),
                body: "# G\n}{ tricky \"quote\"".into()
            }
        );
        assert_eq!(m.journal, "why");
    }

    #[test]
    fn nested_move_is_found() {
        let m = parse(r#"{"answer": {"move":"noop","journal":"x"}}"#).unwrap();
        assert_eq!(m.action, Action::Noop);
    }

    #[test]
    fn every_kind_parses() {
        for (json, kind) in [
            (
                r#"{"move":"start_worker","id":"w","prompt":"p","journal":"j"}"#,
                "start_worker",
            ),
            (
                r#"{"move":"archive_goal","id":"g","journal":"j"}"#,
                "archive_goal",
            ),
            (
                r##"{"move":"write_sensor","name":"s","script":"#!/bin/sh","journal":"j"}"##,
                "write_sensor",
            ),
            (
                r#"{"move":"write_playbook","body":"b","journal":"j"}"#,
                "write_playbook",
            ),
            (r#"{"move":"run","command":"ls","journal":"j"}"#, "run"),
            (
                r#"{"move":"kill_worker","id":"looop-w","journal":"j"}"#,
                "kill_worker",
            ),
            (
                r#"{"move":"resume_worker","id":"looop-w","journal":"j"}"#,
                "resume_worker",
            ),
            (
                r#"{"move":"ask_human","message":"m","journal":"j"}"#,
                "ask_human",
            ),
        ] {
            assert_eq!(parse(json).unwrap().action.kind(), kind);
        }
    }

    #[test]
    fn bad_moves_have_reasons() {
        let cases = [
            ("no json here", "no JSON object"),
            ("", "no answer"),
            (r#"{"move":"dance","journal":"j"}"#, "unknown variant"),
            (
                r#"{"move":"write_goal","id":"../x","body":"b","journal":"j"}"#,
                "bad id",
            ),
            (
                r#"{"move":"write_goal","id":"x","journal":"j"}"#,
                "missing field `body`",
            ),
            (r#"{"move":"noop"}"#, "missing field `journal`"),
            (r#"{"move":7,"journal":"j"}"#, "must be a string"),
            (
                r#"{"move":"start_worker","id":"pulse","prompt":"p","journal":"j"}"#,
                "reserved",
            ),
        ];
        for (text, want) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.contains(want), "{text}: {e}");
        }
    }

    #[test]
    fn next_interval_is_clamped_or_ignored() {
        let m = parse(r#"{"move":"noop","journal":"j","next_interval":1}"#).unwrap();
        assert_eq!(m.next_interval, Some(5));
        let m = parse(r#"{"move":"noop","journal":"j","next_interval":99999}"#).unwrap();
        assert_eq!(m.next_interval, Some(3600));
        let m = parse(r#"{"move":"noop","journal":"j","next_interval":"30"}"#).unwrap();
        assert_eq!(m.next_interval, Some(30));
        let m = parse(r#"{"move":"noop","journal":"j","next_interval":"soon"}"#).unwrap();
        assert_eq!(m.next_interval, None);
        assert!(m.notes[0].contains("ignored"), "{:?}", m.notes);
    }

    #[test]
    fn targets() {
        let long = "x".repeat(100);
        assert_eq!(Action::Run { command: long }.target().len(), 60);
        assert_eq!(
            Action::WritePlaybook { body: "b".into() }.target(),
            "PLAYBOOK.md"
        );
    }

    #[test]
    fn goal_ids_drop_a_md_suffix() {
        for text in [
            r#"{"move":"write_goal","id":"ship.md","body":"b","journal":"j"}"#,
            r#"{"move":"archive_goal","id":"ship.md","journal":"j"}"#,
        ] {
            assert_eq!(parse(text).unwrap().action.target(), "ship", "{text}");
        }
        let start = r#"{"move":"start_worker","id":"looop-fix","prompt":"p","journal":"j"}"#;
        assert_eq!(parse(start).unwrap().action.target(), "fix");
        let empty = parse(r#"{"move":"noop","journal":" "}"#).unwrap_err();
        assert!(empty.contains("`journal` is empty"), "{empty}");
    }
}
