//! opencode: its presets and its `run --format json` stream
//! (shared/FORMATS.md "opencode"; tests/fixtures/README.md).
//!
//! The tick call prints JSON events: `step_finish` carries opencode's own
//! USD and tokens per step, `text` the answer ([`stream`]). Workers are
//! not metered: opencode keeps its sessions in SQLite, and looop reads no
//! SQLite (no new dependency for one CLI); `ls` and `cost` say "not
//! metered" for them, never $0.

mod stream;

use super::reset_time::{self, LimitHit, message_at};
use super::screen::{Dialog, Rows};
use super::spec::{Presets, Spec};
use crate::activity::{Activity, Reading};
use chrono::{DateTime, Utc};

pub const SPEC: Spec = Spec {
    name: "opencode",
    presets: Presets {
        tick: "opencode run --format json --auto",
        interactive: "opencode --auto --prompt \"Your instructions are in \"{{prompt_file}}\": read that file first and follow it.\"",
        // opencode's session id is never known to looop.
        resume: None,
    },
    worker_env: &[],
    stream: Some(|| Box::new(stream::Stream::default())),
    tick_model: None,
    read_screen,
    hooks: None,
    transcript: None,
};

/// What opencode takes as "go on" after a reset: a new message in the same
/// session; `continue` is the plainest one.
pub const CONTINUE_INPUT: &str = "continue";

/// A usage-limit stop in opencode's text (1.18.33, fixtures README):
/// `Usage limit reached. It will reset in 2 hours 5 minutes. …` (also
/// `<name> usage limit reached.`; `less than a minute`). `Rate limit
/// exceeded` is a transient 429, not a stop.
pub fn usage_limit(text: &str, now: DateTime<Utc>) -> Option<LimitHit> {
    let at = reset_time::find_ci(text, "usage limit reached")?;
    let start = text[..at].rfind(['"', '\n']).map_or(0, |i| i + 1);
    let message = message_at(text, start);
    let until = reset_time::find_ci(&message, "it will reset in ")
        .and_then(|i| reset_time::duration(&message[i + "it will reset in ".len()..]))
        .map(|d| now + d);
    Some(LimitHit { message, until })
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    #[test]
    fn the_reset_is_a_duration_from_now() {
        let now = Utc::now();
        let hit = usage_limit(
            "Usage limit reached. It will reset in 2 hours 5 minutes. To continue using this model now, enable usage from your available balance",
            now,
        )
        .unwrap();
        assert_eq!(hit.until, Some(now + chrono::Duration::minutes(125)));
        assert!(
            hit.message
                .starts_with("Usage limit reached. It will reset in")
        );
        let named = usage_limit(
            "Zen usage limit reached. It will reset in less than a minute.",
            now,
        );
        assert_eq!(
            named.unwrap().until,
            Some(now + chrono::Duration::minutes(1))
        );
        assert_eq!(usage_limit("Rate limit exceeded", now), None);
    }
}

/// Usage-limit texts, 1.18.33 (binary strings, fixtures README): `Usage
/// limit reached. It will reset in <duration>.`, `<plan> usage limit
/// reached. It will reset in …`.
const LIMITS: &[&str] = &["It will reset in"];

/// Its permission dialog, 1.18.33: `△ Permission required` over `Allow
/// once   Allow always   Reject` (seen, screens/opencode-needs_input-permission).
const DIALOGS: &[Dialog] = &[Dialog {
    sign: "Permission required",
    title: true,
}];

/// Busy, 1.18.33: the spinner's `esc interrupt` (seen, screens/opencode-busy),
/// `esc again to interrupt` (binary strings).
const BUSY: &[&str] = &["esc interrupt", "esc again to interrupt"];

/// Idle, 1.18.33: the footer's `ctrl+p commands` without a spinner (seen,
/// screens/opencode-idle*).
const IDLE: &[&str] = &["ctrl+p commands"];

fn read_screen(s: Rows) -> Reading {
    if let Some(at) = s.last_with(LIMITS) {
        return s.limit(at);
    }
    if let Some(dialog) = s.dialog(DIALOGS) {
        return dialog;
    }
    if s.bottom_has(BUSY) {
        return Reading::of(Activity::Busy);
    }
    if s.bottom_has(IDLE) {
        return Reading::of(Activity::Idle);
    }
    Reading::of(Activity::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_screens_read_as_their_activity() {
        let seen = super::super::screen::tests::check_recordings("opencode", read_screen);
        assert!(
            seen.iter()
                .any(|(_, r)| r.detail.as_deref() == Some("Permission required"))
        );
    }
}
