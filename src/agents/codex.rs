//! codex (OpenAI Codex CLI): its presets, its `exec --json` stream, its
//! rollout files, its screen and usage-limit texts (shared/FORMATS.md
//! "codex"; tests/fixtures/README.md).
//!
//! The tick call prints JSON events (`--json`): the answer is the last
//! agent message, the usage the last `turn.completed` ([`stream`]). codex
//! names no model and no USD there, so the tokens are priced with the
//! model the command line (`-m`, `--model`, `-c model=…`) or codex's own
//! `config.toml` names ([`tick_model`]); without one they stay unpriced.
//! Workers run with `--no-daemon`, so their work stays in the worker's
//! process group and ends with it; their spend is read from the rollout
//! codex writes ([`transcript`]). A worker's finished turn is told at once
//! by codex's `notify` program, set to `looop _hook codex-notify`
//! ([`notify`]; the presets' `{{codex_notify}}`).

mod notify;
pub use notify::{OPTION_VALUE as NOTIFY_OPTION, option_value as notify_option};
mod stream;
mod transcript;
mod usage;

use super::reset_time::{self, LimitHit, message_at};
use super::screen::{Dialog, Rows};
use super::spec::{Hooks, Presets, Spec, Transcript};
use crate::activity::{Activity, Reading};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::path::PathBuf;

pub const SPEC: Spec = Spec {
    name: "codex",
    presets: Presets {
        tick: "codex exec --json --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox --ephemeral --color never -",
        interactive: "codex --no-daemon -c {{codex_notify}} --dangerously-bypass-approvals-and-sandbox \"Your instructions are in \"{{prompt_file}}\": read that file first and follow it.\"",
        resume: Some(
            "codex resume --no-daemon -c {{codex_notify}} --dangerously-bypass-approvals-and-sandbox {{session_id}}",
        ),
    },
    worker_env: &[],
    stream: Some(|| Box::new(stream::Stream::default())),
    tick_model: Some(tick_model),
    read_screen,
    hooks: Some(Hooks {
        // notify is set on the command line: no settings file.
        settings: |_| "{}".to_string(),
        read: notify::read,
    }),
    transcript: Some(Transcript {
        locate: transcript::locate,
        read_line: transcript::read_line,
    }),
};

/// What codex takes as "go on" after a reset: `continue` + Enter worked in
/// 0.171.0 (fixtures README).
pub const CONTINUE_INPUT: &str = "continue";

/// A usage-limit stop in codex's text (0.171.0, fixtures README):
/// `You’ve hit your usage limit.` (U+2019) … `try again at Dec 6th, 2026
/// 1:29 AM.` in local time with no zone; also `You've reached your usage
/// limit` and `Usage limit reached` (ASCII apostrophe), ` Try again at
/// <time>`. The exec `--json` stream carries the same text in its `error`
/// and `turn.failed` events.
pub fn usage_limit(text: &str, now: DateTime<Utc>) -> Option<LimitHit> {
    let at = [
        "You\u{2019}ve hit your usage limit",
        "You've reached your usage limit",
        "Usage limit reached",
    ]
    .iter()
    .find_map(|sign| text.find(sign))?;
    let message = message_at(text, at);
    let until = reset_time::find_ci(&message, "try again at ")
        .and_then(|i| again_at(&message[i + "try again at ".len()..], now));
    Some(LimitHit { message, until })
}

/// `Dec 6th, 2026 1:29 AM.` or a bare `1:29 AM`, local time.
fn again_at(when: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if let Some((time, _)) = reset_time::clock(when) {
        return Some(reset_time::next_at(now, time, None));
    }
    let (m, d, year, rest) = reset_time::month_day(when)?;
    let (time, _) = reset_time::clock(rest)?;
    reset_time::dated(now, (m, d, year), time, None)
}

/// The model a codex tick `command` uses: its `-m`/`--model` or `-c
/// model=…` option, else `model` in `${CODEX_HOME:-~/.codex}/config.toml`.
fn tick_model(command: &str) -> Option<String> {
    from_command(command).or_else(|| from_config(&codex_home()?.join("config.toml")))
}

/// The model option on a command line (plain words; quotes are dropped).
fn from_command(command: &str) -> Option<String> {
    let words: Vec<String> = command
        .split_whitespace()
        .map(|w| w.trim_matches(|c| c == '\'' || c == '"').to_string())
        .collect();
    for (i, word) in words.iter().enumerate() {
        let next = words.get(i + 1);
        let value = match word.as_str() {
            "-m" | "--model" => next.cloned(),
            "-c" | "--config" => next.and_then(|kv| kv.strip_prefix("model=").map(str::to_string)),
            w => w
                .strip_prefix("--model=")
                .or_else(|| w.strip_prefix("--config=model="))
                .map(str::to_string),
        };
        if let Some(model) = value {
            return Some(model.trim_matches(|c| c == '\'' || c == '"').to_string());
        }
    }
    None
}

/// codex's own config: only its top-level `model` is read.
#[derive(Deserialize)]
struct CodexConfig {
    model: Option<String>,
}

fn from_config(path: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    toml::from_str::<CodexConfig>(&text).ok()?.model
}

/// `$CODEX_HOME`, else `~/.codex`.
fn codex_home() -> Option<PathBuf> {
    match std::env::var_os("CODEX_HOME") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => Some(dirs::home_dir()?.join(".codex")),
    }
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    #[test]
    fn the_recorded_limit_and_its_local_reset() {
        let now = Utc::now();
        let stream = include_str!(
            "../../tests/fixtures/transcripts/codex-0.171.0-exec-json-usage-limit-plus-paris.jsonl"
        );
        let hits: Vec<LimitHit> = stream.lines().filter_map(|l| usage_limit(l, now)).collect();
        assert_eq!(hits.len(), 2);
        assert!(
            hits[0]
                .message
                .starts_with("You\u{2019}ve hit your usage limit. Upgrade")
        );
        assert!(
            hits[0]
                .message
                .ends_with("try again at Dec 6th, 2026 1:28 AM.")
        );
        let want = chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
            .unwrap()
            .and_hms_opt(1, 28, 0)
            .unwrap()
            .and_local_timezone(chrono::Local)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(hits[0].until, Some(want));
        let bare = usage_limit("Usage limit reached. Try again at 3:05 PM", now).unwrap();
        assert!(bare.until.unwrap() > now);
        assert_eq!(usage_limit("You've hit your usage limit", now), None);
    }
}

/// Usage-limit texts, 0.171.0: `You’ve hit your usage limit.` with U+2019
/// (seen, screens/codex-usage_limited-plus, wrapped over two rows),
/// `You've reached your usage limit.` and `Usage limit reached` (codex
/// binary strings, fixtures README).
const LIMITS: &[&str] = &[
    "You\u{2019}ve hit your usage limit",
    "You've reached your usage limit",
    "Usage limit reached",
];

/// Its dialogs, 0.171.0: the login screen (`Press enter to continue`, the
/// API-key box `Press enter to save`; seen, screens/codex-needs_input-*)
/// and the approval questions (binary strings, fixtures README).
const DIALOGS: &[Dialog] = &[
    Dialog {
        sign: "Would you like to run the following command?",
        title: true,
    },
    Dialog {
        sign: "Would you like to make the following edits?",
        title: true,
    },
    Dialog {
        sign: "Would you like to grant these permissions?",
        title: true,
    },
    Dialog {
        sign: "Press enter to continue",
        title: false,
    },
    Dialog {
        sign: "Press enter to save",
        title: false,
    },
];

/// Busy, 0.171.0: `• Working (4s • esc to interrupt)`, `◦ Reconnecting...
/// 4/5 (1s • esc to interrupt)` (seen, screens/codex-busy-*).
const BUSY: &[&str] = &["esc to interrupt"];

/// codex's screen: a limit message after the last prompt sent, a dialog,
/// the busy line, or the input row (`› Ask Codex to do anything` or what
/// is typed; seen, screens/codex-idle*).
fn read_screen(s: Rows) -> Reading {
    // The last `›` row is the input box; those above it are prompts sent.
    let prompts: Vec<usize> = (0..s.rows.len())
        .filter(|&i| s.rows[i].starts_with("› "))
        .collect();
    let last_sent = prompts.len().checked_sub(2).map(|n| prompts[n]);
    if let Some(at) = s.last_with(LIMITS)
        && last_sent.is_none_or(|p| p < at)
    {
        return s.limit(at);
    }
    if let Some(dialog) = s.dialog(DIALOGS) {
        return dialog;
    }
    if s.bottom_has(BUSY) {
        return Reading::of(Activity::Busy);
    }
    if !prompts.is_empty() {
        return Reading::of(Activity::Idle);
    }
    Reading::of(Activity::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_screens_read_as_their_activity() {
        let seen = super::super::screen::tests::check_recordings("codex", read_screen);
        let detail = |stem: &str| {
            seen.iter()
                .find(|(s, _)| s == stem)
                .and_then(|(_, r)| r.detail.clone())
                .unwrap()
        };
        assert_eq!(
            detail("codex-usage_limited-plus"),
            "You\u{2019}ve hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro), visit \
             https://chatgpt.com/settings/usage to purchase more credits or try again at Dec 6th, 2026 1:29 AM."
        );
        assert_eq!(
            detail("codex-needs_input-login"),
            "Welcome to Codex, OpenAI's command-line coding agent"
        );
    }
}

#[cfg(test)]
mod model_tests {
    use super::*;

    #[test]
    fn the_tick_model_comes_from_the_command_then_the_config() {
        for (command, want) in [
            (
                "codex exec --json -m gpt-5.1-codex -",
                Some("gpt-5.1-codex"),
            ),
            ("codex exec --model 'o3' -", Some("o3")),
            ("codex exec --model=gpt-5 -", Some("gpt-5")),
            ("codex exec -c model=\"gpt-5-mini\" -", Some("gpt-5-mini")),
            ("codex exec -c other=1 -", None),
        ] {
            assert_eq!(from_command(command).as_deref(), want, "{command}");
        }
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        // The recorded mock config (tests/fixtures/transcripts/).
        std::fs::write(
            &config,
            include_str!("../../tests/fixtures/transcripts/codex-mock-config.toml"),
        )
        .unwrap();
        assert_eq!(from_config(&config).as_deref(), Some("gpt-5.1-codex"));
        assert_eq!(from_config(&dir.path().join("none")), None);
    }
}
