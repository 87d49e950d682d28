//! Surfacing: what needs the human goes where the human is. Flagged
//! workers, open `ask_human` questions and a reached budget are printed
//! under NEEDS YOU; each NEW flag gets a `needs_you` event and runs the
//! configured `notify` command once, and has a tmux window running
//! `looop attach <id>` (see [`tmux`]: retried each beat until it opens).
//! "New" means not surfaced for this flag yet: an unflag then reflag
//! surfaces again.

use super::state::BeatState;
use super::tmux;
use crate::config::Config;
use crate::paths::Profile;
use crate::proc::{self, Limits};
use crate::supervisor::SessionView;
use crate::text::visible::one_line;
use crate::{color, events, paths};
use std::collections::BTreeMap;
use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the `notify` command may take before it is killed.
const NOTIFY_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of a failed `notify` command's stderr the warning keeps.
const NOTIFY_ERR_KEEP: usize = 64 * 1024;

/// The NEEDS YOU lines (without the heading), for the beat and `status`.
pub fn needs_you(
    sessions: &[SessionView],
    state: &BeatState,
    budget_note: Option<&str>,
    pauses: &[String],
) -> Vec<String> {
    let mut lines = Vec::new();
    for s in sessions
        .iter()
        .filter(|s| s.flagged && s.session != crate::ids::PULSE_SESSION)
    {
        let note = s.note.as_deref().unwrap_or("(no note)");
        lines.push(format!("⚑ {}: {note}    looop attach {}", s.id, s.id));
    }
    for a in &state.asks {
        lines.push(format!("? {}", a.message));
    }
    if let Some(b) = budget_note {
        lines.push(format!("$ {b}"));
    }
    lines.extend(pauses.iter().cloned());
    lines
}

/// Print NEEDS YOU and surface new flags; updates `state.surfaced`.
pub fn surface(
    profile: &Profile,
    config: &Config,
    sessions: &[SessionView],
    state: &mut BeatState,
    budget_note: Option<&str>,
    pauses: &[String],
) {
    let lines = needs_you(sessions, state, budget_note, pauses);
    if !lines.is_empty() {
        println!("{}", color::bold(&color::yellow("NEEDS YOU")));
        for l in &lines {
            println!("  {}", one_line(l));
        }
    }
    let flagged: BTreeMap<String, String> = sessions
        .iter()
        .filter(|s| s.flagged && s.session != crate::ids::PULSE_SESSION)
        .map(|s| (s.session.clone(), s.note.clone().unwrap_or_default()))
        .collect();
    for s in sessions.iter().filter(|s| flagged.contains_key(&s.session)) {
        let note = &flagged[&s.session];
        if state.surfaced.get(&s.session) != Some(note) {
            events::emit(
                profile,
                "needs_you",
                &serde_json::json!({"kind": "flag", "id": s.id, "note": note}),
            );
            notify(profile, config, &s.id, note);
        }
        tmux_window(profile, s, note, &mut state.windows);
    }
    state.surfaced = flagged;
    // A window stays known while its session exists (a re-flag reuses it);
    // a cleared flag makes the next one surface again.
    state.windows.retain(|session, window| {
        if !state.surfaced.contains_key(session) {
            window.note = None;
        }
        sessions.iter().any(|s| &s.session == session)
    });
}

/// The flag's tmux window, unless it is open for this note already; a
/// failure is said (stdout, events) and retried next beat.
fn tmux_window(
    profile: &Profile,
    s: &SessionView,
    note: &str,
    windows: &mut BTreeMap<String, tmux::Window>,
) {
    let known = windows.get(&s.session);
    if known.is_some_and(|w| w.note.as_deref() == Some(note)) {
        return;
    }
    // The id and tmux's words are terminal text: made visible.
    let id = one_line(&s.id);
    match tmux::surface(profile, &s.id, note, known) {
        tmux::Surfaced::Opened(w) => {
            println!("opened tmux window {id} (looop attach {id})");
            windows.insert(s.session.clone(), w);
        }
        tmux::Surfaced::Reused(w) => {
            println!("tmux window {id} is still open; the new flag is there");
            windows.insert(s.session.clone(), w);
        }
        // Off, or no tmux in use: this flag is done with (no window id,
        // so a later flag tries again).
        tmux::Surfaced::Skipped => {
            windows.insert(
                s.session.clone(),
                tmux::Window {
                    id: String::new(),
                    note: Some(note.to_string()),
                },
            );
        }
        tmux::Surfaced::Failed(reason) => {
            println!(
                "tmux window for {id} not opened: {}; trying again next beat",
                one_line(&reason)
            );
            events::emit(
                profile,
                "surface_failed",
                &serde_json::json!({"id": s.id, "reason": reason}),
            );
        }
    }
}

/// Run `config.notify` with LOOOP_NOTIFY_ID / LOOOP_NOTIFY_MESSAGE.
fn notify(profile: &Profile, config: &Config, id: &str, note: &str) {
    let Some(command) = &config.notify else {
        return;
    };
    let env = paths::child_env(profile).unwrap_or_default();
    let mut cmd = Command::new("bash");
    cmd.args(crate::login::bash_args(command))
        .env("LOOOP_NOTIFY_ID", id)
        .env("LOOOP_NOTIFY_MESSAGE", note)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(path) = crate::login::path_value() {
        cmd.env(crate::login::PATH_VAR, path);
    }
    let mut child = match proc::spawn(&mut cmd, Some(&profile.data), &env) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("looop: warning: notify command could not start: {e}");
            return;
        }
    };
    let stderr = child.stderr.take().map(OwnedFd::from);
    let mut err = Vec::new();
    let limits = Limits::deadline_only(Instant::now() + NOTIFY_TIMEOUT);
    let ended = proc::run_one(&mut child, stderr, &limits, |bytes| {
        // Only for the warning text: the start of it is enough.
        if err.len() < NOTIFY_ERR_KEEP {
            err.extend_from_slice(bytes);
        }
    });
    match (ended.cut, ended.status) {
        (Some(_), _) => eprintln!(
            "looop: warning: notify command timed out after {}s",
            NOTIFY_TIMEOUT.as_secs()
        ),
        (None, Ok(status)) if status.success() => {}
        (None, Ok(status)) => eprintln!(
            "looop: warning: notify command failed ({status}): {}",
            String::from_utf8_lossy(&err).trim()
        ),
        (None, Err(e)) => eprintln!("looop: warning: notify command: {e}"),
    }
}
