//! `looop log --screen`: the worker's current screen as plain text, asked
//! of its supervisor's terminal model while it runs, read from the
//! `screen.txt` it left at the end otherwise.

use super::client;
use super::protocol::{Reply, Request};
use super::session;
use crate::exit;
use crate::paths::Profile;
use anyhow::{Context, Result, anyhow};

/// The screen of `session` as text, one line per row, no escapes.
pub fn text(profile: &Profile, session: &str) -> Result<String> {
    let dir = session::dir(profile, session);
    if session::alive(&dir) {
        match ask(profile, session) {
            Ok(text) => return Ok(text),
            // It may have ended between the look and the question; then
            // its last screen is on disk.
            Err(e) if session::alive(&dir) => return Err(e),
            Err(_) => {}
        }
    }
    let path = crate::session_record::screen_path(&dir);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(exit::refused(format!(
            "session {session} left no screen (it ended before looop kept screens)"
        ))),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn ask(profile: &Profile, session: &str) -> Result<String> {
    let mut conn = client::connect(profile, session)?;
    conn.send(&Request::Screen)?;
    match conn.recv()? {
        Some(Reply::Output(bytes)) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        other => Err(anyhow!("session {session}: unexpected answer {other:?}")),
    }
}
