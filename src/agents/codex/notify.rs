//! codex's `notify` program (config `notify = ["prog", "arg", …]`): codex
//! runs it at the end of every turn with the JSON payload as its LAST
//! argument (not stdin; 0.171.0, tests/fixtures/hooks/
//! codex-0.171.0-notify-mock-api.jsonl). looop's worker preset points it
//! at `looop _hook codex-notify`, so a worker that finished its turn reads
//! `idle` at once instead of after the screen held still.
//!
//! Limits: codex notifies only `agent-turn-complete` (no busy, no dialog:
//! the screen tells those). It also notifies for its internal
//! title-generation thread, which may end while the real turn still runs;
//! that one is recognised by its fixed prompt and ignored.

use crate::activity::{Activity, Reading};
use serde::Deserialize;

/// The `-c` option of the worker preset: codex runs `$LOOOP_BIN _hook
/// codex-notify <payload>` (the shell expands `$LOOOP_BIN`, which every
/// worker has).
#[cfg(test)]
pub const OPTION: &str = r#"-c "notify=[\"$LOOOP_BIN\",\"_hook\",\"codex-notify\"]""#;

/// The start of the prompt of codex's title-generation turn (0.171.0).
const TITLE_TURN: &str = "Generate a concise, single-line task title";

/// The fields of a notify payload looop reads.
#[derive(Debug, Deserialize)]
struct Payload {
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "input-messages", default)]
    input_messages: Vec<String>,
}

/// What a notify payload says of the activity; `None` for one that says
/// nothing; an error for a payload that is not codex's.
pub fn read(payload: &[u8]) -> anyhow::Result<Option<Reading>> {
    let p: Payload = serde_json::from_slice(payload)
        .map_err(|e| anyhow::anyhow!("not a codex notify payload: {e}"))?;
    let title_turn = p
        .input_messages
        .first()
        .is_some_and(|m| m.starts_with(TITLE_TURN));
    if p.kind != "agent-turn-complete" || title_turn {
        return Ok(None);
    }
    Ok(Some(Reading::of(Activity::Idle)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Recorded {
        argc: usize,
        argv1: String,
        payload: serde_json::Value,
    }

    #[test]
    fn recorded_payloads_read_idle_but_the_title_turn() {
        let lines =
            include_str!("../../../tests/fixtures/hooks/codex-0.171.0-notify-mock-api.jsonl");
        let read_all: Vec<Option<Activity>> = lines
            .lines()
            .map(|l| {
                let r: Recorded = serde_json::from_str(l).unwrap();
                // The program got one argument of its own, then the payload.
                assert_eq!((r.argc, r.argv1.as_str()), (2, "codex-notify"));
                read(r.payload.to_string().as_bytes())
                    .unwrap()
                    .map(|r| r.activity)
            })
            .collect();
        assert_eq!(read_all, [Some(Activity::Idle), None, Some(Activity::Idle)]);
        assert!(read(b"\x00 not json").is_err());
        assert_eq!(read(br#"{"type":"something-else"}"#).unwrap(), None);
    }

    #[test]
    fn the_worker_presets_set_notify() {
        let presets = &super::super::SPEC.presets;
        assert!(presets.interactive.contains(OPTION));
        assert!(presets.resume.unwrap().contains(OPTION));
    }
}
