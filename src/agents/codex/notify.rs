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

/// The `-c` option of the worker presets: looop fills in the value of
/// [`OPTION_VALUE`] (see [`option_value`]).
#[cfg(test)]
pub const OPTION: &str = "-c {{codex_notify}}";

/// Replaced in a worker's command (shell-quoted) by [`option_value`] for
/// the running looop binary: codex then runs `<looop> _hook codex-notify
/// <payload>`.
pub const OPTION_VALUE: &str = "{{codex_notify}}";

/// The `-c` value that sets codex's `notify` to `looop _hook
/// codex-notify`: `notify=["<looop>","_hook","codex-notify"]`, the path a
/// TOML basic string, so a `"` or `\` in it cannot break codex's config.
/// Shell-quoting the whole is the caller's job.
pub fn option_value(looop: &str) -> String {
    format!("notify=[{},\"_hook\",\"codex-notify\"]", toml_string(looop))
}

/// `s` as a TOML basic string, quotes included: `\` and `"` escaped, and
/// every control character (TOML allows none unescaped but tab; tab is
/// escaped too).
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

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
    fn the_path_is_a_toml_basic_string() {
        assert_eq!(toml_string("/usr/bin/looop"), r#""/usr/bin/looop""#);
        assert_eq!(toml_string(r#"/a "b"\c"#), r#""/a \"b\"\\c""#);
        assert_eq!(toml_string("x\ty\nz\r\u{8}\u{c}"), r#""x\ty\nz\r\b\f""#);
        assert_eq!(
            toml_string("a\u{1}b\u{7f}c\u{9f}"),
            r#""a\u0001b\u007Fc\u009F""#
        );
        assert_eq!(toml_string("it's é"), r#""it's é""#);
        let nasty = "/tmp/we \"ird\\ it's\t$(x)\u{1}/looop";
        let parsed: toml::Table = toml::from_str(&option_value(nasty)).unwrap();
        assert_eq!(
            parsed["notify"],
            toml::Value::Array(vec![nasty.into(), "_hook".into(), "codex-notify".into()])
        );
    }

    #[test]
    fn the_worker_presets_set_notify() {
        let presets = &super::super::SPEC.presets;
        assert!(presets.interactive.contains(OPTION));
        assert!(presets.resume.unwrap().contains(OPTION));
    }
}
