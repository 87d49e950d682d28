//! Tests of claude's stream reading, presets and screen patterns, kept
//! beside `claude.rs` so that file stays about claude, not about its tests.

use super::*;

/// Fed as the tick stream reader feeds it: JSON-looking lines, trimmed.
fn read(text: &str) -> Stream {
    let mut r = Stream::default();
    for line in text.lines().map(str::trim).filter(|l| l.starts_with('{')) {
        r.feed(line);
    }
    r
}

const CLAUDE: &str = include_str!("../../../tests/fixtures/claude-stream.jsonl");

/// The payloads claude 2.1.197 gave its hooks (tests/fixtures/hooks).
#[test]
fn recorded_hook_payloads_read_as_their_activity() {
    #[derive(serde::Deserialize)]
    struct Line {
        payload: serde_json::Value,
    }
    let mut seen = Vec::new();
    for file in [
        include_str!("../../../tests/fixtures/hooks/claude-2.1.197-mock-api.jsonl"),
        include_str!("../../../tests/fixtures/hooks/claude-2.1.197-offline.jsonl"),
    ] {
        for line in file.lines() {
            let l: Line = serde_json::from_str(line).unwrap();
            let bytes = serde_json::to_vec(&l.payload).unwrap();
            let event = l.payload["hook_event_name"].as_str().unwrap().to_string();
            let kind = l.payload["notification_type"]
                .as_str()
                .unwrap_or("")
                .to_string();
            let got = read_hook(&bytes).unwrap().map(|r| r.activity);
            let want = match (event.as_str(), kind.as_str()) {
                ("UserPromptSubmit" | "PreToolUse" | "PostToolUse", _) => Some(Activity::Busy),
                ("Stop" | "StopFailure", _) => Some(Activity::Idle),
                ("Notification", "permission_prompt") => Some(Activity::NeedsInput),
                ("Notification", "idle_prompt") => Some(Activity::Idle),
                _ => None,
            };
            assert_eq!(got, want, "{event} {kind}");
            seen.push(event);
        }
    }
    for e in [
        "UserPromptSubmit",
        "PreToolUse",
        "Stop",
        "StopFailure",
        "Notification",
    ] {
        assert!(seen.iter().any(|s| s == e), "no {e} recorded");
    }
    assert!(read_hook(b"not json").is_err());
    assert!(read_hook(b"{\"session_id\": 1}").is_err());
}

#[test]
fn the_settings_hook_every_event_read() {
    let text = hook_settings("'/x/looop' _hook");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    for (event, matcher) in HOOK_EVENTS {
        let entries = v["hooks"][event].as_array().unwrap();
        let e = entries
            .iter()
            .find(|e| e["matcher"].as_str() == *matcher)
            .unwrap_or_else(|| panic!("{event} {matcher:?}"));
        assert_eq!(
            e["hooks"][0]["command"].as_str().unwrap(),
            format!("'/x/looop' _hook {event}")
        );
    }
}

#[test]
fn recorded_screens_read_as_their_activity() {
    let seen = super::super::screen::tests::check_recordings("claude", read_screen);
    let detail = |stem: &str| {
        seen.iter()
            .find(|(s, _)| s == stem)
            .and_then(|(_, r)| r.detail.clone())
            .unwrap()
    };
    assert!(
        detail("claude-needs_input-trust").starts_with("Quick safety check: Is this a project")
    );
    assert_eq!(
        detail("claude-needs_input-permission"),
        "Do you want to proceed?"
    );
    assert_eq!(
        detail("claude-needs_input-api-key"),
        "Do you want to use this API key?"
    );
    assert_eq!(
        detail("claude-needs_input-bypass-warning"),
        "WARNING: Claude Code running in Bypass Permissions mode"
    );
    assert_eq!(
        detail("claude-usage_limited-session-limit-menu"),
        "You've hit your session limit · resets 1:28am (Europe/Paris)"
    );
}

#[test]
fn claude_total_and_answer_come_from_the_result_event() {
    let r = read(CLAUDE);
    let spend = r.spend().unwrap();
    assert_eq!(spend.cost_usd, Some(0.0421337));
    let tokens = spend.tokens.unwrap();
    assert_eq!((tokens.input, tokens.output), (9, 412));
    assert_eq!(
        r.answer().unwrap().trim(),
        r#"All quiet. {"move":"noop","journal":"quiet"}"#
    );
    assert_eq!(r.error(), None);
}

#[test]
fn claude_errors_are_reported() {
    let r = read(
        r#"{"type":"result","subtype":"error_max_turns","is_error":true,"total_cost_usd":0.5,"usage":{"input_tokens":1,"output_tokens":2}}"#,
    );
    assert_eq!(
        r.error().as_deref(),
        Some("claude reported error_max_turns")
    );
    assert_eq!(
        r.spend().unwrap().cost_usd,
        Some(0.5),
        "a failed call still cost money"
    );
    let r = read(
        r#"{"type":"result","subtype":"success","is_error":true,"result":"API Error: 429 rate limited\nmore"}"#,
    );
    assert_eq!(
        r.error().as_deref(),
        Some("claude reported success: API Error: 429 rate limited")
    );
    assert_eq!(r.spend(), None, "no total_cost_usd, no usage: no spend");
}

#[test]
fn limit_texts_and_their_reset() {
    let now = DateTime::parse_from_rfc3339("2026-12-05T22:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    let stream = include_str!(
        "../../../tests/fixtures/transcripts/claude-2.1.197-print-stream-session-limit-oauth.jsonl"
    );
    let hits: Vec<LimitHit> = stream.lines().filter_map(|l| usage_limit(l, now)).collect();
    assert_eq!(hits.len(), 3, "event, synthetic line, result: {hits:?}");
    assert_eq!(hits[0].until.unwrap().timestamp(), 1796516873);
    assert_eq!(
        hits[2].message,
        "You've hit your session limit · resets 12:27am (UTC)"
    );
    assert_eq!(hits[2].until, Some(at("2026-12-06T00:27:00Z")));
    let old = usage_limit("Claude AI usage limit reached|1796516873", now).unwrap();
    assert_eq!(old.until.unwrap().timestamp(), 1796516873);
    let later = usage_limit(
        "You've hit your weekly limit · resets Dec 7, 3pm (UTC)",
        now,
    );
    assert_eq!(later.unwrap().until, Some(at("2026-12-07T15:00:00Z")));
    let none = usage_limit("You've hit your usage limit · resets whenever", now).unwrap();
    assert_eq!(none.until, None);
    assert_eq!(
        usage_limit(
            "API Error: Server is temporarily limiting requests (not your usage limit)",
            now
        ),
        None
    );
    assert_eq!(
        usage_limit(
            r#"{"type":"rate_limit_event","rate_limit_info":{"status":"allowed_warning","resetsAt":1}}"#,
            now
        ),
        None
    );
}
