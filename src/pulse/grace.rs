//! Reboot (CONTRACT §11): a lost worker that can be resumed keeps its
//! claims for `resume_grace` after a beat first saw it lost, so `looop
//! resume --all-lost` (or a `resume_worker` move) brings it back with its
//! leases. Past the grace, or when it cannot be resumed, its claims are
//! reaped like any dead owner's.

use crate::config::Config;
use crate::paths::Profile;
use crate::session_record::lost_seen_path;
use crate::supervisor::{SessionView, State};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// The sessions whose claims this beat keeps: lost, resumable, and first
/// seen lost less than `resume_grace` ago (the first sight is noted now).
pub fn keepers(
    profile: &Profile,
    config: &Config,
    sessions: &[SessionView],
    now: DateTime<Utc>,
) -> BTreeSet<String> {
    let grace = chrono::Duration::seconds(config.resume_grace_secs.min(i64::MAX as u64) as i64);
    let lost = sessions.iter().filter(|s| {
        s.state == State::Lost
            && s.session != crate::ids::PULSE_SESSION
            && crate::resume::why_not(config, s).is_none()
    });
    let mut keep = BTreeSet::new();
    for s in lost {
        match lost_since(profile, &s.session, now) {
            Ok(since) if now - since < grace => {
                keep.insert(s.session.clone());
            }
            Ok(_) => {}
            Err(e) => eprintln!("looop: warning: {e:#}"),
        }
    }
    keep
}

/// When a beat first saw `session` lost: the note in its session dir, or
/// `now`, noted.
fn lost_since(profile: &Profile, session: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let path = lost_seen_path(&profile.session_dir(session));
    if let Ok(text) = std::fs::read_to_string(&path)
        && let Ok(at) = DateTime::parse_from_rfc3339(text.trim())
    {
        return Ok(at.with_timezone(&Utc));
    }
    crate::store::write_atomic(&path, format!("{}\n", now.to_rfc3339()).as_bytes())
        .with_context(|| format!("cannot note when {session} was lost"))?;
    Ok(now)
}
