//! What drives this profile's beats from outside looop, for `status`: a
//! crontab line with this profile's marker (read through `crontab -l`), a
//! systemd user timer or a launchd agent under the names `schedule` gives
//! them. Only what `looop schedule` would have written is recognised; a
//! hand-made job of another shape is not seen.

use super::cron::marker;
use crate::paths::Profile;
use serde::Serialize;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// One scheduler found running this profile's beats.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Found {
    /// `cron`, `systemd` or `launchd`.
    pub kind: &'static str,
    /// Seconds between beats, when the artifact says so plainly.
    pub every_secs: Option<u64>,
    /// Where it was found (the crontab line, a unit or plist path).
    pub source: String,
}

/// Every scheduler artifact of this profile that exists.
pub fn find(profile: &Profile) -> Vec<Found> {
    let key = profile.key();
    let mut found = Vec::new();
    if let Some(line) = crontab_line(&key) {
        found.push(Found {
            kind: "cron",
            every_secs: cron_every(&line),
            source: line,
        });
    }
    if let Some(dir) = systemd_dir() {
        let timer = dir.join(format!("{}.timer", super::systemd::unit_name_for(&key)));
        if let Ok(text) = std::fs::read_to_string(&timer) {
            found.push(Found {
                kind: "systemd",
                every_secs: value_after(&text, "OnUnitActiveSec="),
                source: timer.display().to_string(),
            });
        }
    }
    if let Some(home) = dirs::home_dir() {
        let plist = home
            .join("Library/LaunchAgents")
            .join(format!("{}.plist", super::launchd::label_for(&key)));
        if let Ok(text) = std::fs::read_to_string(&plist) {
            found.push(Found {
                kind: "launchd",
                every_secs: text
                    .split("<key>StartInterval</key>")
                    .nth(1)
                    .and_then(|rest| value_after(rest, "<integer>")),
                source: plist.display().to_string(),
            });
        }
    }
    found
}

/// `~/.config/systemd/user` (or under `$XDG_CONFIG_HOME`).
pub fn systemd_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| dirs::home_dir().map(|h| h.join(".config")))?;
    Some(base.join("systemd").join("user"))
}

/// The digits right after `prefix` in `text`.
fn value_after(text: &str, prefix: &str) -> Option<u64> {
    let rest = &text[text.find(prefix)? + prefix.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// This profile's crontab line, if `crontab -l` works and has one. A
/// missing `crontab` or an empty table is simply no line.
fn crontab_line(key: &str) -> Option<String> {
    let out = Command::new("crontab")
        .arg("-l")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let marker = marker(key);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| {
            l.match_indices(&marker).any(|(at, _)| {
                matches!(
                    l[at + marker.len()..].chars().next(),
                    None | Some(' ' | '\t')
                )
            })
        })
        .map(str::to_string)
}

/// The interval of the cron expressions `schedule cron` writes.
fn cron_every(line: &str) -> Option<u64> {
    let fields: Vec<&str> = line.split_whitespace().take(5).collect();
    let step = |f: &str| -> Option<u64> {
        match f {
            "*" => Some(1),
            _ => f.strip_prefix("*/")?.parse().ok(),
        }
    };
    match fields.as_slice() {
        ["0", "0", "*", "*", "*"] => Some(86_400),
        ["0", h, "*", "*", "*"] => step(h).map(|n| n * 3600),
        [m, "*", "*", "*", "*"] => step(m).map(|n| n * 60),
        _ => None,
    }
}

/// `cron: every 5 min` and the like.
pub fn describe(f: &Found) -> String {
    match f.every_secs {
        Some(s) if s % 3600 == 0 && s >= 3600 => format!("{}: every {} h", f.kind, s / 3600),
        Some(s) if s % 60 == 0 && s >= 60 => format!("{}: every {} min", f.kind, s / 60),
        Some(s) => format!("{}: every {s} s", f.kind),
        None => format!("{}: {}", f.kind, f.source),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_expressions_read_back() {
        assert_eq!(cron_every("* * * * * x"), Some(60));
        assert_eq!(cron_every("*/5 * * * * x"), Some(300));
        assert_eq!(cron_every("0 * * * * x"), Some(3600));
        assert_eq!(cron_every("0 */6 * * * x"), Some(6 * 3600));
        assert_eq!(cron_every("0 0 * * * x"), Some(86_400));
        assert_eq!(cron_every("15 3 * * 1 x"), None);
    }

    #[test]
    fn descriptions() {
        let f = |every_secs| Found {
            kind: "cron",
            every_secs,
            source: "l".into(),
        };
        assert_eq!(describe(&f(Some(300))), "cron: every 5 min");
        assert_eq!(describe(&f(Some(7200))), "cron: every 2 h");
        assert_eq!(describe(&f(None)), "cron: l");
    }
}
