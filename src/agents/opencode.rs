//! opencode: its presets (shared/FORMATS.md "opencode").
//!
//! Its tick call (`opencode run`) prints the final answer as plain text and
//! no spend, so looop reads no stream of opencode and meters nothing.

use super::reset_time::{self, LimitHit, message_at};
use super::spec::{Presets, Spec};
use chrono::{DateTime, Utc};

pub const SPEC: Spec = Spec {
    name: "opencode",
    presets: Presets {
        tick: "opencode run --auto",
        interactive: "opencode --auto --prompt \"Your instructions are in \"{{prompt_file}}\": read that file first and follow it.\"",
    },
    stream: None,
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
