//! Surfacing: what needs the human goes where the human is. Flagged
//! workers, open `ask_human` questions and a reached budget are printed
//! under NEEDS YOU; each NEW flag also opens one tmux window running
//! `looop attach <id>` (when a tmux server is reachable) and runs the
//! configured `notify` command once. "New" means not surfaced for this flag
//! yet: an unflag then reflag surfaces again.

use super::state::BeatState;
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
/// How long `tmux new-window` may take (a wedged server must not hold up
/// the beat).
const TMUX_TIMEOUT: Duration = Duration::from_secs(10);

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
        if state.surfaced.get(&s.session) == Some(note) {
            continue;
        }
        events::emit(
            profile,
            "needs_you",
            &serde_json::json!({"kind": "flag", "id": s.id, "note": note}),
        );
        tmux_window(profile, &s.id);
        notify(profile, config, &s.id, note);
    }
    state.surfaced = flagged;
}

/// One tmux window running `looop attach <id>`: in `$TMUX`'s server when
/// set, else the default server; nothing reachable means nothing happens.
fn tmux_window(profile: &Profile, id: &str) {
    if std::env::var("LOOOP_TMUX_SURFACE").is_ok_and(|v| v == "0") {
        return;
    }
    let Ok(exe) = paths::current_exe() else {
        return;
    };
    let q = crate::shell::quote;
    let line = format!(
        "env LOOOP_DATA_DIR={} LOOOP_CONFIG={} {} attach {}",
        q(&profile.data.to_string_lossy()),
        q(&profile.config.to_string_lossy()),
        q(&exe.to_string_lossy()),
        q(id)
    );
    let mut cmd = Command::new("tmux");
    if let Some(socket) = std::env::var("TMUX")
        .ok()
        .and_then(|t| t.split(',').next().map(str::to_string))
        .filter(|s| !s.is_empty())
    {
        cmd.arg("-S").arg(socket);
    }
    // The window title is the id, made visible: a title is a terminal
    // string too (an id read back from a planted record could carry ESC).
    let title = one_line(id);
    cmd.args(["new-window", "-d", "-n", &title, &line])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // No tmux, no server, no session: surfacing by tmux is a bonus, skip quietly.
    let Ok(mut child) = proc::spawn(&mut cmd, None, &[]) else {
        return;
    };
    let limits = Limits::deadline_only(Instant::now() + TMUX_TIMEOUT);
    let ended = proc::run_one(&mut child, None, &limits, |_| {});
    if ended.cut.is_none() && ended.status.is_ok_and(|s| s.success()) {
        println!("opened tmux window {title} (looop attach {title})");
    }
}

/// Run `config.notify` with LOOOP_NOTIFY_ID / LOOOP_NOTIFY_MESSAGE.
fn notify(profile: &Profile, config: &Config, id: &str, note: &str) {
    let Some(command) = &config.notify else {
        return;
    };
    let env = paths::child_env(profile).unwrap_or_default();
    let mut cmd = Command::new("bash");
    cmd.arg("-lc")
        .arg(command)
        .env("LOOOP_NOTIFY_ID", id)
        .env("LOOOP_NOTIFY_MESSAGE", note)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
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
