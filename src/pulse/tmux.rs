//! The tmux window of a flagged worker: one window running `looop attach
//! <id>` in the human's tmux server, so a flag pops up where they are.
//!
//! Which server: `$LOOOP_TMUX_SOCKET` (what `schedule cron` writes into
//! the cron line from `$TMUX`), else the server of `$TMUX`, else tmux's
//! default (which honours `TMUX_TMPDIR`). A flag counts as surfaced only
//! when its window really opened; a failed attempt is logged with tmux's
//! reason and tried again next beat. With no server named and none running
//! (a user without tmux), nothing is said. A re-flag while the worker's
//! window is still open reuses it. The window outlives the worker: it shows
//! the last screen and the exit status until a key is pressed.

use crate::paths::{self, Profile};
use crate::proc::{self, Limits, Pipe};
use serde::{Deserialize, Serialize};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one tmux call may take (a wedged server must not hold up the
/// beat).
const TMUX_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of tmux's output is kept.
const KEEP: usize = 4096;

/// A window looop opened for a worker, kept in `.state.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Window {
    /// tmux's window id (`@3`).
    pub id: String,
    /// The flag note it was opened (or reused) for; `None` once the flag
    /// is gone, so the next flag surfaces again (in this window while it
    /// is open).
    pub note: Option<String>,
}

/// What one attempt came to.
pub enum Surfaced {
    /// A new window opened.
    Opened(Window),
    /// The worker's window from an earlier flag is still open.
    Reused(Window),
    /// tmux surfacing is off, or there is no tmux to speak of: nothing to
    /// say and nothing to retry loudly.
    Skipped,
    /// The window did not open: why.
    Failed(String),
}

/// Where the window goes.
struct Target {
    /// `-S <socket>` when a server is named.
    socket: Option<String>,
}

impl Target {
    fn from_env() -> Target {
        let named = std::env::var("LOOOP_TMUX_SOCKET")
            .ok()
            .filter(|s| !s.is_empty());
        let of_tmux = || {
            std::env::var("TMUX")
                .ok()
                .and_then(|t| t.split(',').next().map(str::to_string))
                .filter(|s| !s.is_empty())
        };
        Target {
            socket: named.or_else(of_tmux),
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new("tmux");
        if let Some(s) = &self.socket {
            cmd.arg("-S").arg(s);
        }
        cmd
    }
}

/// Open (or reuse) the window of worker `id` for the flag `note`.
/// `known` is the window from an earlier flag, if any.
pub fn surface(profile: &Profile, id: &str, note: &str, known: Option<&Window>) -> Surfaced {
    if std::env::var("LOOOP_TMUX_SURFACE").is_ok_and(|v| v == "0") {
        return Surfaced::Skipped;
    }
    let target = Target::from_env();
    if let Some(w) = known.filter(|w| !w.id.is_empty())
        && is_open(&target, w, &crate::text::visible::one_line(id))
    {
        return Surfaced::Reused(Window {
            id: w.id.clone(),
            note: Some(note.to_string()),
        });
    }
    let Ok(exe) = paths::current_exe() else {
        return Surfaced::Failed("cannot find the looop binary's path".to_string());
    };
    let line = window_command(profile, &exe.to_string_lossy(), id);
    // The window title is the id, made visible: a title is a terminal
    // string too (an id read back from a planted record could carry ESC).
    let title = crate::text::visible::one_line(id);
    let mut cmd = target.command();
    cmd.args([
        "new-window",
        "-d",
        "-P",
        "-F",
        "#{window_id}",
        "-n",
        &title,
        &line,
    ]);
    match call(cmd) {
        Ok(out) if out.trim().starts_with('@') => Surfaced::Opened(Window {
            id: out.trim().to_string(),
            note: Some(note.to_string()),
        }),
        Ok(out) => Surfaced::Failed(format!("tmux printed no window id: {}", out.trim())),
        Err(Why::NotInstalled) if target.socket.is_none() => Surfaced::Skipped,
        Err(Why::NotInstalled) => Surfaced::Failed("tmux is not on PATH".to_string()),
        Err(Why::Said(reason)) if target.socket.is_none() && no_server(&reason) => {
            Surfaced::Skipped
        }
        Err(Why::Said(reason)) => Surfaced::Failed(reason),
    }
}

/// Whether tmux's complaint means no default server runs (no tmux in use).
fn no_server(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    r.contains("no server running") || r.contains("error connecting")
}

/// The shell line the window runs: attach, then hold the last screen and
/// the exit status until a key is pressed. The tmux server's environment
/// may lack the profile, so the line carries it and the binary's absolute
/// path. Wrapped in `bash -c` whatever the server's default shell is.
fn window_command(profile: &Profile, exe: &str, id: &str) -> String {
    let q = crate::shell::quote;
    let script = format!(
        "env LOOOP_DATA_DIR={} LOOOP_CONFIG={} {} attach {}; s=$?; \
         printf '\\n[looop: attach %s ended with status %s; press a key to close this window]' {} \"$s\"; \
         read -rsn1",
        q(&profile.data.to_string_lossy()),
        q(&profile.config.to_string_lossy()),
        q(exe),
        q(id),
        q(id),
    );
    format!("bash -c {}", q(&script))
}

/// Whether window `w` still exists in the target server under the name
/// looop gave it (window ids restart with a new server: a same-numbered
/// window of the user's is not ours).
fn is_open(target: &Target, w: &Window, name: &str) -> bool {
    let mut cmd = target.command();
    cmd.args([
        "display-message",
        "-p",
        "-t",
        &w.id,
        "#{window_id} #{window_name}",
    ]);
    call(cmd).is_ok_and(|out| out.trim() == format!("{} {name}", w.id))
}

enum Why {
    NotInstalled,
    /// tmux ran and failed: its own words (or how it ended).
    Said(String),
}

/// Run one tmux command under [`TMUX_TIMEOUT`]; its stdout on success.
fn call(mut cmd: Command) -> Result<String, Why> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match proc::spawn(&mut cmd, None, &[]) {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Why::NotInstalled),
        Err(e) => return Err(Why::Said(format!("cannot run tmux: {e}"))),
    };
    let pipes = Pipe::out_and_err(&mut child);
    let mut got = [Vec::new(), Vec::new()];
    let limits = Limits::deadline_only(Instant::now() + TMUX_TIMEOUT);
    let ended = proc::run(std::slice::from_mut(&mut child), pipes, &limits, |p, b| {
        if got[p].len() < KEEP {
            got[p].extend_from_slice(b);
        }
    })
    .pop()
    .expect("one result per child");
    let [stdout, stderr] = got.map(|b| String::from_utf8_lossy(&b).into_owned());
    if ended.cut.is_some() {
        return Err(Why::Said(format!(
            "tmux did not answer within {}s",
            TMUX_TIMEOUT.as_secs()
        )));
    }
    match ended.status {
        Ok(s) if s.success() => Ok(stdout),
        Ok(s) => Err(Why::Said(match stderr.trim() {
            "" => format!("tmux failed ({s})"),
            e => e.lines().next().unwrap_or(e).to_string(),
        })),
        Err(e) => Err(Why::Said(format!("cannot wait for tmux: {e}"))),
    }
}
