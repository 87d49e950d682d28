//! The client verbs as values: what `ls`, `attach`, `log`, `send`, `kill`
//! and `flag` do to a profile's sessions, called by `cli/commands/` with
//! typed arguments. Nothing here knows argv or prints a human message; each
//! verb returns what happened for the CLI to say.
//!
//! Every verb on one worker first checks that its session is on disk, so a
//! mistyped id is refused (status 1) with a pointer to `looop ls`.

use super::log::LogOptions;
use super::{SessionView, State, control, session};
use crate::exit;
use crate::ids::{self, WorkerId};
use crate::paths::Profile;
use anyhow::Result;
use std::io::Write;
use std::time::Duration;

/// The session of worker `id`, refused (status 1) when it is not on disk.
pub fn existing(profile: &Profile, id: &WorkerId) -> Result<String> {
    let session = id.session();
    if session::view(profile, &session)?.is_none() {
        return Err(exit::refused(format!(
            "no session {session} (see 'looop ls')"
        )));
    }
    Ok(session)
}

/// Session `session` as `ls` shows it; `None` when it is not on disk.
pub fn view(profile: &Profile, session: &str) -> Result<Option<SessionView>> {
    session::view(profile, session)
}

/// The sessions `ls` shows: every worker, and the pulse too when
/// `with_pulse`.
pub fn sessions(profile: &Profile, with_pulse: bool) -> Result<Vec<SessionView>> {
    Ok(session::list(profile)?
        .into_iter()
        .filter(|s| with_pulse || s.session != ids::PULSE_SESSION)
        .collect())
}

/// Attach the terminal to worker `id` until detach or its end; returns the
/// exit status `attach` ends with. A session that is not running is refused.
pub fn attach(profile: &Profile, id: &WorkerId) -> Result<i32> {
    let session = existing(profile, id)?;
    let view = session::view(profile, &session)?;
    if let Some(v) = view.filter(|v| !v.alive) {
        let code = v
            .exit_code
            .map_or(String::new(), |c| format!(", status {c}"));
        return Err(exit::refused(format!(
            "session {session} is not running ({}{code}); see 'looop log {id}'",
            v.state.as_str()
        )));
    }
    super::attach::attach(profile, &session, id.as_str())
}

/// Why the launch of `session` failed, when it did (a failed launch has no
/// output; the reason is the useful part).
pub fn launch_error(profile: &Profile, session: &str) -> Result<Option<String>> {
    Ok(session::read_record(&session::dir(profile, session))?.and_then(|r| r.error))
}

/// Write `session`'s output to `out` as `opts` asks (following it until the
/// session ends with `follow`).
pub fn log(profile: &Profile, session: &str, opts: &LogOptions, out: &mut dyn Write) -> Result<()> {
    super::log::write(profile, session, opts, out)
}

/// The current screen of `session` as plain text (its last one once it
/// ended).
pub fn screen(profile: &Profile, session: &str) -> Result<String> {
    super::screen::text(profile, session)
}

/// Hand what an agent's hook received to `session`'s supervisor.
pub fn hook(profile: &Profile, session: &str, payload: Vec<u8>) -> Result<()> {
    control::hook(profile, session, payload)
}

/// Type `text` into worker `id`'s terminal, then Enter when `enter`.
pub fn send(profile: &Profile, id: &WorkerId, text: &str, enter: bool) -> Result<()> {
    let session = existing(profile, id)?;
    let mut bytes = text.as_bytes().to_vec();
    if enter {
        bytes.push(b'\r');
    }
    control::send(profile, &session, &bytes)
}

/// What `kill` did.
#[derive(Debug)]
pub struct Killed {
    pub session: String,
    /// The state the session had already ended in, when it had (a `lost`
    /// one counts as killed now).
    pub already_ended: Option<State>,
    pub exit_code: Option<i32>,
}

/// End worker `id` (TERM, KILL after `grace`) and drop its claims.
/// `by_self` when the worker asks to end itself: it ends `done`.
pub fn kill(profile: &Profile, id: &WorkerId, grace: Duration, by_self: bool) -> Result<Killed> {
    let session = existing(profile, id)?;
    let before = session::view(profile, &session)?;
    let exit_code = control::kill(profile, &session, grace, by_self)?;
    let already_ended = before
        .filter(|v| !v.alive && v.state != State::Lost)
        .map(|v| v.state);
    Ok(Killed {
        session,
        already_ended,
        exit_code,
    })
}

/// Raise (`Some(note)`) or clear (`None`) worker `id`'s flag; returns its
/// session name.
pub fn flag(profile: &Profile, id: &WorkerId, note: Option<String>) -> Result<String> {
    let session = existing(profile, id)?;
    control::set_flag(profile, &session, note)?;
    Ok(session)
}
