//! codex (OpenAI Codex CLI): its presets (shared/FORMATS.md "codex").
//!
//! Its tick call prints the final answer as plain text: `codex exec --json`
//! carries no USD figure and would bury the move inside escaped event
//! strings, so looop reads no stream of codex yet and meters nothing.

use super::reset_time::{self, LimitHit, message_at};
use super::spec::{Presets, Spec};
use chrono::{DateTime, Utc};

pub const SPEC: Spec = Spec {
    name: "codex",
    presets: Presets {
        tick: "codex exec --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox --ephemeral --color never -",
        interactive: "codex --dangerously-bypass-approvals-and-sandbox \"Your instructions are in \"{{prompt_file}}\": read that file first and follow it.\"",
    },
    stream: None,
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
