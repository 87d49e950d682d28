//! `events.jsonl`: the machine-readable log of what happened, one JSON object
//! per line with `ts`, `event` and the event's own fields (CONTRACT §7).
//!
//! Appends go through [`store::append_json`], so concurrent writers (the
//! pulse, supervisors, `looop flag`) never tear a line. Losing an event must
//! never fail the operation it describes, so [`emit`] reports and moves on.

use crate::paths::Profile;
use crate::store;
use serde::Serialize;

#[derive(Serialize)]
struct Line<'a, F: Serialize> {
    ts: String,
    event: &'a str,
    #[serde(flatten)]
    fields: &'a F,
}

/// Append one event. `fields` is any struct (or `serde_json::json!` object)
/// whose members become the event's fields.
pub fn emit<F: Serialize>(profile: &Profile, event: &str, fields: &F) {
    let line = Line {
        ts: now_rfc3339(),
        event,
        fields,
    };
    if let Err(e) = store::append_json(&profile.events(), &line) {
        eprintln!("looop: warning: cannot record event {event}: {e:#}");
    }
}

/// The current time as RFC 3339 UTC with seconds, e.g. `2026-11-23T17:43:18Z`.
pub fn now_rfc3339() -> String {
    rfc3339(std::time::SystemTime::now())
}

/// `t` as RFC 3339 UTC to the second, the one format of every timestamp
/// looop writes (so such strings also compare as times).
pub fn rfc3339(t: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Whole seconds from RFC 3339 time `since` to `now` (0 when `since` is in
/// the future), `None` when `since` does not parse.
pub fn seconds_since(since: &str, now: chrono::DateTime<chrono::Utc>) -> Option<u64> {
    let t = chrono::DateTime::parse_from_rfc3339(since).ok()?;
    let secs = (now - t.with_timezone(&chrono::Utc)).num_seconds();
    Some(secs.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_since_clamps_and_refuses_garbage() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T01:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(seconds_since("2026-01-01T00:59:00Z", now), Some(60));
        assert_eq!(seconds_since("2026-01-01T02:00:00+01:00", now), Some(0));
        assert_eq!(seconds_since("2026-01-01T02:00:00Z", now), Some(0));
        assert_eq!(seconds_since("yesterday", now), None);
    }

    #[test]
    fn event_lines_have_ts_event_and_fields() {
        let dir = tempfile::tempdir().unwrap();
        let p = Profile::at(dir.path().join("c.toml"), dir.path().to_path_buf());
        emit(
            &p,
            "flagged",
            &serde_json::json!({"id": "w1", "note": "help"}),
        );
        let text = std::fs::read_to_string(p.events()).unwrap();
        let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(v["event"], "flagged");
        assert_eq!(v["id"], "w1");
        assert!(v["ts"].as_str().unwrap().ends_with('Z'));
    }
}
