//! [`Job`]: everything a scheduler artifact needs for this profile, as text
//! ready to be quoted into it. The renderers (`cron`, `launchd`, `systemd`)
//! import it from here, not from the module root, so imports point one way.

use crate::exit;
use crate::paths::{self, Profile};
use anyhow::Result;
use std::path::Path;

/// Used when the shell that ran `schedule` had no PATH at all.
const FALLBACK_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Everything a scheduled beat needs, as text ready to be quoted into an
/// artifact. Paths are absolute and free of newlines (checked in
/// [`Job::for_profile`]), since no artifact format can carry those safely.
#[derive(Debug, Clone)]
pub struct Job {
    /// Absolute path of this looop binary.
    pub exe: String,
    pub data: String,
    pub config: String,
    /// The PATH of the shell that ran `schedule`.
    pub path: String,
    /// `<data>/tick.log`: each beat's output is appended here.
    pub log: String,
    /// The profile key, naming the artifact (crontab marker, unit, label).
    pub key: String,
    /// Seconds between beats.
    pub every_secs: u64,
    /// What a beat needs to reach the human's tmux server, as (name, value):
    /// `TMUX_TMPDIR` when set, and `LOOOP_TMUX_SOCKET` (the socket of
    /// `$TMUX`, or `LOOOP_TMUX_SOCKET` itself) when inside tmux.
    pub tmux: Vec<(String, String)>,
}

impl Job {
    pub fn for_profile(
        profile: &Profile,
        path_var: Option<String>,
        every_secs: u64,
    ) -> Result<Job> {
        let exe = paths::current_exe()?;
        let log = profile.data.join("tick.log");
        Ok(Job {
            exe: text("the looop binary path", &exe)?,
            data: text("the data dir", &profile.data)?,
            config: text("the config path", &profile.config)?,
            path: clean_path_var(path_var)?,
            log: text("the tick log path", &log)?,
            key: profile.key(),
            every_secs,
            tmux: Vec::new(),
        })
    }

    /// The tmux variables from the environment of `schedule` (see
    /// [`Job::tmux`]); values that no artifact can carry are left out.
    pub fn with_tmux(mut self, var: impl Fn(&str) -> Option<String>) -> Job {
        let usable =
            |v: Option<String>| v.filter(|v| !v.is_empty() && !v.chars().any(char::is_control));
        if let Some(dir) = usable(var("TMUX_TMPDIR")) {
            self.tmux.push(("TMUX_TMPDIR".into(), dir));
        }
        let socket = usable(var("LOOOP_TMUX_SOCKET"))
            .or_else(|| usable(var("TMUX")).and_then(|t| t.split(',').next().map(str::to_string)));
        if let Some(socket) = usable(socket) {
            self.tmux.push(("LOOOP_TMUX_SOCKET".into(), socket));
        }
        self
    }
}

/// A path as artifact text: UTF-8 without control characters, or a refusal
/// naming which path is the problem.
fn text(what: &str, path: &Path) -> Result<String> {
    let Some(s) = path.to_str() else {
        return Err(exit::refused(format!(
            "{what} {} is not valid UTF-8; a schedule artifact cannot carry it",
            path.display()
        )));
    };
    if s.chars().any(char::is_control) {
        return Err(exit::refused(format!(
            "{what} {s:?} contains a control character (newline?); a schedule artifact cannot carry it"
        )));
    }
    Ok(s.to_string())
}

fn clean_path_var(path_var: Option<String>) -> Result<String> {
    match path_var.filter(|p| !p.is_empty()) {
        None => Ok(FALLBACK_PATH.to_string()),
        Some(p) if p.chars().any(char::is_control) => Err(exit::refused(
            "PATH contains a control character; a schedule artifact cannot carry it",
        )),
        Some(p) => Ok(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused() {
        assert!(text("x", Path::new("/a\nb")).is_err());
        assert!(text("x", Path::new("/a b")).is_ok());
        assert!(clean_path_var(Some("/bin\n".into())).is_err());
        assert_eq!(clean_path_var(None).unwrap(), FALLBACK_PATH);
        assert_eq!(clean_path_var(Some(String::new())).unwrap(), FALLBACK_PATH);
    }
}
