//! claude (Claude Code): its presets and its `-p --output-format
//! stream-json` reading (shared/FORMATS.md "claude").
//!
//! The `{"type":"result"}` event, the stream's last line, carries the
//! answer (`result`), the cost (`total_cost_usd`, per call) and `usage`
//! tokens; `assistant`/`user`/`system` lines are ignored.

mod transcript;
mod usage;

use super::reset_time::{self, LimitHit, message_at};
use super::screen::{Dialog, Rows, is_rule};
use super::spec::{Hooks, Presets, Spec, StreamRead, Transcript};
use crate::activity::{Activity, Reading};
use crate::usage::Spend;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use usage::Usage;

pub const SPEC: Spec = Spec {
    name: "claude",
    presets: Presets {
        tick: "claude -p --output-format stream-json --verbose --dangerously-skip-permissions",
        interactive: "claude --settings {{hooks_file}} --session-id {{session_id}} --dangerously-skip-permissions \"Your instructions are in \"{{prompt_file}}\": read that file first and follow it.\"",
        resume: Some(
            "claude --settings {{hooks_file}} --resume {{session_id}} --dangerously-skip-permissions",
        ),
    },
    worker_env: &[("DISABLE_AUTOUPDATER", "1")],
    stream: Some(|| Box::new(Stream::default())),
    read_screen,
    hooks: Some(Hooks {
        settings: hook_settings,
        read: read_hook,
    }),
    tick_model: None,
    transcript: Some(Transcript {
        locate: transcript::locate,
        read_line: transcript::read_line,
    }),
};

/// Usage-limit texts. 2.1.197 (claude.exe `hJ`, seen in
/// screens/claude-usage_limited-*): `You've hit your <session|weekly|Opus|
/// Sonnet|usage> limit · resets <time> (<zone>)`; `You're out of usage
/// credits` (claude.exe 2.1.197); older builds: `Claude AI usage limit
/// reached|<epoch>` (shared/FORMATS.md).
const LIMITS: &[&str] = &[
    "You've hit your",
    "You're out of usage credits",
    "Claude AI usage limit reached",
];

/// Its dialogs' footers: trust, API key, bypass warning, the rate-limit
/// menu (`Enter to confirm · Esc to cancel`, 2.1.197 and 2.1.332,
/// screens/claude-needs_input-*, claude2.1.332-*), the permission dialog
/// (`Esc to cancel · Tab to amend · ctrl+e to explain`, 2.1.197,
/// screens/claude-needs_input-permission).
const DIALOGS: &[Dialog] = &[
    Dialog {
        sign: "Enter to confirm · Esc to cancel",
        title: false,
    },
    Dialog {
        sign: "Esc to cancel · Tab to amend",
        title: false,
    },
];

/// Busy: the footer under the input box while a turn runs (`esc to
/// interrupt · ← for agents`, 2.1.197 and 2.1.332, screens/claude-busy-*).
const BUSY: &[&str] = &["esc to interrupt"];

/// claude's screen: a limit line with no prompt typed after it, a dialog,
/// the busy footer, or the input box (`❯` right under a rule; 2.1.197
/// and 2.1.332, screens/claude-idle-*).
fn read_screen(s: Rows) -> Reading {
    if let Some(at) = s.last_with(LIMITS)
        && !s.rows[at + 1..]
            .iter()
            .enumerate()
            .any(|(i, r)| is_prompt_echo(s.rows, at + 1 + i, r))
    {
        return s.limit(at);
    }
    if let Some(dialog) = s.dialog(DIALOGS) {
        return dialog;
    }
    if s.bottom_has(BUSY) {
        return Reading::of(Activity::Busy);
    }
    let input_box = s
        .rows
        .iter()
        .enumerate()
        .any(|(i, r)| r.starts_with('❯') && i > 0 && is_rule(&s.rows[i - 1]));
    if input_box {
        return Reading::of(Activity::Idle);
    }
    Reading::of(Activity::Unknown)
}

/// The hooks looop gives claude (`--settings {{hooks_file}}`): each runs
/// `<looop> _hook <event>`, which reads the payload on stdin and tells the
/// supervisor. Events and payloads seen in 2.1.197
/// (tests/fixtures/hooks/): UserPromptSubmit and PreToolUse (a turn
/// runs), Stop and StopFailure (it ended; an API error fires StopFailure,
/// not Stop), Notification `permission_prompt` (~6 s after a permission
/// dialog opened) and `idle_prompt` (after 60 s at the prompt). A trust
/// dialog fires none: the screen is the only sign of it.
const HOOK_EVENTS: &[(&str, Option<&str>)] = &[
    ("UserPromptSubmit", None),
    ("PreToolUse", Some("*")),
    ("Stop", None),
    ("StopFailure", None),
    ("Notification", Some("permission_prompt")),
    ("Notification", Some("idle_prompt")),
];

/// claude's `--settings` file with looop's hooks; `hook` is the command
/// line that runs `looop _hook` (already shell-quoted), the event is
/// appended.
fn hook_settings(hook: &str) -> String {
    let mut hooks = serde_json::Map::new();
    for (event, matcher) in HOOK_EVENTS {
        let mut entry = serde_json::json!({
            "hooks": [{"type": "command", "command": format!("{hook} {event}")}]
        });
        if let Some(m) = matcher {
            entry["matcher"] = serde_json::json!(m);
        }
        let list = hooks
            .entry(event.to_string())
            .or_insert_with(|| serde_json::json!([]));
        if let Some(list) = list.as_array_mut() {
            list.push(entry);
        }
    }
    serde_json::json!({ "hooks": hooks }).to_string()
}

/// The fields of a hook payload looop reads.
#[derive(Debug, Deserialize)]
struct HookPayload {
    hook_event_name: String,
    notification_type: Option<String>,
    message: Option<String>,
}

/// What a hook payload says of the activity; `None` for an event that
/// says nothing; an error for a payload that is not claude's.
fn read_hook(payload: &[u8]) -> anyhow::Result<Option<Reading>> {
    let p: HookPayload = serde_json::from_slice(payload)
        .map_err(|e| anyhow::anyhow!("not a claude hook payload: {e}"))?;
    let activity = match (p.hook_event_name.as_str(), p.notification_type.as_deref()) {
        ("UserPromptSubmit" | "PreToolUse" | "PostToolUse", _) => Activity::Busy,
        ("Stop" | "StopFailure", _) => Activity::Idle,
        ("Notification", Some("permission_prompt")) => Activity::NeedsInput,
        ("Notification", Some("idle_prompt")) => Activity::Idle,
        _ => return Ok(None),
    };
    let detail = (activity == Activity::NeedsInput).then(|| {
        p.message
            .as_deref()
            .map(super::screen::clean)
            .unwrap_or_else(|| "a permission dialog".to_string())
    });
    Ok(Some(Reading { activity, detail }))
}

/// A prompt the user sent (`❯ continue`), not the input box (under a
/// rule) and not a slash command claude typed itself (`❯
/// /rate-limit-options`).
fn is_prompt_echo(rows: &[String], i: usize, row: &str) -> bool {
    let Some(text) = row.strip_prefix("❯ ") else {
        return false;
    };
    let input_box = i > 0 && is_rule(&rows[i - 1]);
    !(text.trim().is_empty() || text.starts_with('/') || input_box)
}

/// The events read; every other `type` is [`Event::Other`].
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
enum Event {
    /// The stream's last line.
    #[serde(rename = "result")]
    Result(ResultEvent),
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
struct ResultEvent {
    subtype: Option<String>,
    is_error: Option<bool>,
    result: Option<String>,
    total_cost_usd: Option<f64>,
    usage: Option<Usage>,
    /// Per model: its share (`costUSD`); the dearest names the call.
    #[serde(rename = "modelUsage")]
    model_usage: Option<std::collections::BTreeMap<String, ModelUsage>>,
}

#[derive(Debug, Deserialize)]
struct ModelUsage {
    #[serde(rename = "costUSD")]
    cost_usd: Option<f64>,
}

/// The last `result` event seen.
#[derive(Debug, Default)]
struct Stream {
    result: Option<ResultEvent>,
}

impl StreamRead for Stream {
    fn feed(&mut self, line: &str) {
        // Lines that are not one of our events are plain output, not errors.
        if let Ok(Event::Result(result)) = serde_json::from_str(line) {
            self.result = Some(result);
        }
    }

    fn seen(&self) -> bool {
        self.result.is_some()
    }

    fn answer(&self) -> Option<String> {
        self.result.as_ref()?.result.clone()
    }

    fn spend(&self) -> Option<Spend> {
        let result = self.result.as_ref()?;
        let tokens = result.usage.as_ref().map(Usage::tokens);
        let model = result.model_usage.as_ref().and_then(|models| {
            models
                .iter()
                .max_by(|a, b| {
                    let cost = |m: &ModelUsage| m.cost_usd.unwrap_or(0.0);
                    cost(a.1).total_cmp(&cost(b.1))
                })
                .map(|(name, _)| name.clone())
        });
        if result.total_cost_usd.is_none() && tokens.is_none() {
            return None;
        }
        Some(Spend {
            cost_usd: result.total_cost_usd,
            model,
            tokens,
        })
    }

    /// `is_error: true` or an `error…` subtype, with the first line of the
    /// result text (e.g. `API Error: 429 …`).
    fn error(&self) -> Option<String> {
        let result = self.result.as_ref()?;
        let subtype = result.subtype.as_deref().unwrap_or("");
        if result.is_error != Some(true) && !subtype.starts_with("error") {
            return None;
        }
        let what = if subtype.is_empty() { "error" } else { subtype };
        let detail = result
            .result
            .as_deref()
            .unwrap_or("")
            .lines()
            .next()
            .unwrap_or("");
        Some(match detail.trim() {
            "" => format!("claude reported {what}"),
            d => format!("claude reported {what}: {d}"),
        })
    }
}

/// What claude takes as "go on" once a limit has reset: typing `continue`
/// and Enter at its input box resumed work (2.1.197 with the mock,
/// fixtures README); there is no dedicated key.
pub const CONTINUE_INPUT: &str = "continue";

/// A usage-limit stop in claude's text (2.1.197, fixtures README "Limit
/// texts"): `You've hit your <session|weekly|Opus|…> limit · resets 3pm
/// (<zone>)` (`Dec 7, 3pm (<zone>)` when more than a day ahead), stream-json's
/// `{"type":"rate_limit_event","rate_limit_info":{"status":"rejected",
/// "resetsAt":<epoch>}}`, `You're out of usage credits` (no time), and older
/// builds' `Claude AI usage limit reached|<epoch>`. `Server is temporarily
/// limiting requests (not your usage limit)` is a transient 429, not a stop.
pub fn usage_limit(text: &str, now: DateTime<Utc>) -> Option<LimitHit> {
    if let Some(hit) = rate_limit_event(text) {
        return Some(hit);
    }
    const OLD: &str = "Claude AI usage limit reached|";
    if let Some(at) = text.find(OLD) {
        let digits: String = text[at + OLD.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        return Some(LimitHit {
            message: message_at(text, at),
            until: digits.parse().ok().and_then(reset_time::epoch),
        });
    }
    if let Some(at) = text.find("You've hit your") {
        let message = message_at(text, at);
        let until = message
            .split_once(" resets ")
            .and_then(|(_, when)| resets(when, now));
        return Some(LimitHit { message, until });
    }
    let at = text.find("You're out of usage credits")?;
    Some(LimitHit {
        message: message_at(text, at),
        until: None,
    })
}

/// `3pm (Europe/Paris)` or `Dec 7, 3pm (UTC)`.
fn resets(when: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if let Some((time, rest)) = reset_time::clock(when) {
        return Some(reset_time::next_at(now, time, reset_time::paren_zone(rest)));
    }
    let (m, d, year, rest) = reset_time::month_day(when)?;
    let (time, rest) = reset_time::clock(rest)?;
    reset_time::dated(now, (m, d, year), time, reset_time::paren_zone(rest))
}

/// The stream-json line `{"type":"rate_limit_event", …}` that refuses the
/// call (`status` `rejected`); `allowed` / `allowed_warning` are not stops.
fn rate_limit_event(line: &str) -> Option<LimitHit> {
    #[derive(Deserialize)]
    struct Line {
        #[serde(rename = "type")]
        kind: String,
        rate_limit_info: Info,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Info {
        status: String,
        resets_at: Option<i64>,
        rate_limit_type: Option<String>,
    }
    let line = line.trim();
    if !line.starts_with('{') || !line.contains("rate_limit_event") {
        return None;
    }
    let event: Line = serde_json::from_str(line).ok()?;
    if event.kind != "rate_limit_event" || event.rate_limit_info.status != "rejected" {
        return None;
    }
    let info = event.rate_limit_info;
    let kind = info.rate_limit_type.as_deref().unwrap_or("usage");
    Some(LimitHit {
        message: format!("claude rate_limit_event: {kind} limit rejected"),
        until: info.resets_at.and_then(reset_time::epoch),
    })
}

#[cfg(test)]
mod tests;
