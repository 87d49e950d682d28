//! The user-facing session commands: ls, attach, log, send, kill, flag,
//! unflag, prune. Each parses and validates its arguments before touching
//! the profile, so bad input changes nothing on disk.

use super::log::LogOptions;
use super::{SessionView, State, control, session};
use crate::cli::Args;
use crate::config::Config;
use crate::ids::{self, WorkerId};
use crate::{color, exit};
use anyhow::Result;
use std::io::Write;
use std::time::Duration;

/// Default `kill --grace`.
const DEFAULT_GRACE_SECS: f64 = 5.0;

/// Resolve `<id>` or `looop-<id>` to its session, refusing one not on disk.
fn existing(profile: &crate::paths::Profile, id: &WorkerId) -> Result<String> {
    let session = id.session();
    if session::view(profile, &session)?.is_none() {
        return Err(exit::refused(format!(
            "no session {session} (see 'looop ls')"
        )));
    }
    Ok(session)
}

pub fn cmd_ls(mut args: Args) -> Result<i32> {
    let json = args.flag(&["--json"]);
    let all = args.flag(&["--all", "-a"]);
    args.finish()?;
    let profile = crate::paths::Profile::look()?;
    let sessions: Vec<SessionView> = session::list(&profile)?
        .into_iter()
        .filter(|s| all || s.session != ids::PULSE_SESSION)
        .collect();
    let mut out = std::io::stdout().lock();
    if json {
        // Render whole, then write once: stdout is line-buffered, and a
        // pretty array of 100 sessions would otherwise cost ~1,500 writes.
        let mut text = serde_json::to_string_pretty(&sessions)?;
        text.push('\n');
        out.write_all(text.as_bytes())?;
        return Ok(0);
    }
    if sessions.is_empty() {
        writeln!(out, "no worker sessions")?;
        return Ok(0);
    }
    write!(out, "{}", table(&sessions, chrono::Utc::now()))?;
    Ok(0)
}

/// The aligned `ls` table.
fn table(sessions: &[SessionView], now: chrono::DateTime<chrono::Utc>) -> String {
    let header = ["ID", "STATE", "PID", "AGE", "IDLE", "EXIT", "\u{2691}NOTE"];
    let rows: Vec<[String; 7]> = sessions
        .iter()
        .map(|s| {
            let since = |t: &Option<String>| {
                t.as_deref()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| human((now - t.with_timezone(&chrono::Utc)).num_seconds()))
            };
            let idle = if s.alive {
                since(&s.last_output_at).or_else(|| since(&s.started_at))
            } else {
                None
            };
            [
                s.id.clone(),
                s.state.as_str().to_string(),
                s.pid.map_or("-".into(), |p| p.to_string()),
                since(&s.started_at).unwrap_or_else(|| "-".into()),
                idle.unwrap_or_else(|| "-".into()),
                s.exit_code.map_or("-".into(), |c| c.to_string()),
                match (&s.flagged, &s.note) {
                    (true, Some(n)) => format!("\u{2691} {n}"),
                    (true, None) => "\u{2691}".into(),
                    _ => String::new(),
                },
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    // Pad by the plain text, then paint: escape codes take no columns.
    let mut line = |cells: [String; 7], paint: &dyn Fn(usize, &str) -> String| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            l.push_str(&paint(i, cell));
            if i + 1 < cells.len() {
                l.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        text.push_str(l.trim_end());
        text.push('\n');
    };
    line(header.map(String::from), &|_, h| color::bold(h));
    for (r, s) in rows.into_iter().zip(sessions) {
        line(r, &|i, cell| match (i, s.state) {
            (1, State::Running | State::Starting) => color::green(cell),
            (1, State::Lost | State::Failed) => color::red(cell),
            (6, _) if s.flagged => color::yellow(cell),
            _ => cell.to_string(),
        });
    }
    text
}

/// 45s, 12m, 3h, 2d.
fn human(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}

pub fn cmd_attach(mut args: Args) -> Result<i32> {
    let id = WorkerId::parse(&args.required("id")?)?;
    args.finish()?;
    let profile = crate::paths::Profile::look()?;
    let session = existing(&profile, &id)?;
    let view = session::view(&profile, &session)?;
    if let Some(v) = view.filter(|v| !v.alive) {
        let code = v
            .exit_code
            .map_or(String::new(), |c| format!(", status {c}"));
        return Err(exit::refused(format!(
            "session {session} is not running ({}{code}); see 'looop log {id}'",
            v.state.as_str()
        )));
    }
    super::attach::attach(&profile, &session, id.as_str())
}

pub fn cmd_log(mut args: Args) -> Result<i32> {
    let tail = args.number::<usize>("--tail")?;
    let follow = args.flag(&["--follow", "-f"]);
    let raw = args.flag(&["--raw"]);
    let id = WorkerId::parse(&args.required("id")?)?;
    args.finish()?;
    let profile = crate::paths::Profile::look()?;
    let session = existing(&profile, &id)?;
    let dir = session::dir(&profile, &session);
    if let Some(why) = session::read_record(&dir)?.and_then(|r| r.error) {
        // A failed launch has no output; the reason is the useful part.
        eprintln!("looop: {session} failed to start: {why}");
    }
    super::log::print(&profile, &session, &LogOptions { tail, follow, raw })?;
    Ok(0)
}

pub fn cmd_send(mut args: Args) -> Result<i32> {
    let no_enter = args.flag(&["-n"]);
    let id = WorkerId::parse(&args.required("id")?)?;
    let Some(text) = args.rest_joined() else {
        // `send w1 -y`: name the flag-like text rather than call it missing.
        let missing = args.usage_error("missing <text>");
        args.finish()?;
        return Err(missing);
    };
    args.finish()?;
    let profile = crate::paths::Profile::look()?;
    let session = existing(&profile, &id)?;
    let mut bytes = text.into_bytes();
    if !no_enter {
        bytes.push(b'\r');
    }
    control::send(&profile, &session, &bytes)?;
    Ok(0)
}

pub fn cmd_kill(mut args: Args) -> Result<i32> {
    let grace = args.number::<f64>("--grace")?.unwrap_or(DEFAULT_GRACE_SECS);
    if !(0.0..=86_400.0).contains(&grace) {
        return Err(args.usage_error(&format!(
            "--grace wants seconds between 0 and 86400, not {grace}"
        )));
    }
    let id = WorkerId::parse(&args.required("id")?)?;
    args.finish()?;
    let profile = crate::paths::Profile::look()?;
    let session = existing(&profile, &id)?;
    let before = session::view(&profile, &session)?;
    let code = control::kill(&profile, &session, Duration::from_secs_f64(grace))?;
    let status = code.map_or(String::new(), |c| format!(" (status {c})"));
    match before {
        Some(v) if !v.alive && v.state != State::Lost => {
            println!("{session} had already ended: {}{status}", v.state.as_str())
        }
        _ => println!("killed {session}{status}"),
    }
    Ok(0)
}

pub fn cmd_flag(mut args: Args) -> Result<i32> {
    let id = WorkerId::parse(&args.required("id")?)?;
    let note = args.rest_joined().unwrap_or_default();
    args.finish()?;
    let profile = crate::paths::Profile::look()?;
    let session = existing(&profile, &id)?;
    control::set_flag(&profile, &session, Some(note))?;
    println!("flagged {session}");
    Ok(0)
}

pub fn cmd_unflag(mut args: Args) -> Result<i32> {
    let id = WorkerId::parse(&args.required("id")?)?;
    args.finish()?;
    let profile = crate::paths::Profile::look()?;
    let session = existing(&profile, &id)?;
    control::set_flag(&profile, &session, None)?;
    println!("unflagged {session}");
    Ok(0)
}

pub fn cmd_prune(mut args: Args) -> Result<i32> {
    let all = args.flag(&["--all"]);
    args.finish()?;
    let profile = crate::paths::Profile::look()?;
    let retention = if all {
        None
    } else {
        let config = Config::load(&profile.config)?;
        Some(Duration::from_secs(
            config.retention_hours.saturating_mul(3600),
        ))
    };
    let n = control::prune(&profile, retention)?;
    println!("pruned {n} session{}", if n == 1 { "" } else { "s" });
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(id: &str, state: State, flag: Option<&str>) -> SessionView {
        SessionView {
            id: id.into(),
            session: format!("looop-{id}"),
            state,
            alive: state == State::Running,
            pid: Some(42),
            exit_code: (state == State::Exited).then_some(3),
            started_at: Some("2026-01-01T00:00:00Z".into()),
            ended_at: None,
            last_output_at: Some("2026-01-01T00:00:30Z".into()),
            flagged: flag.is_some(),
            note: flag.map(str::to_string),
            runner: "sh".into(),
            command: "bash".into(),
        }
    }

    #[test]
    fn table_is_aligned() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T01:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let t = table(
            &[
                view("a", State::Running, Some("help me")),
                view("long-name", State::Exited, None),
            ],
            now,
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3);
        let col = |l: &str, w: &str| l.find(w).unwrap();
        assert_eq!(col(lines[0], "STATE"), col(lines[1], "running"));
        assert_eq!(col(lines[0], "STATE"), col(lines[2], "exited"));
        assert!(
            lines[1].contains("1h") && lines[1].contains("59m"),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with("\u{2691} help me"));
        assert!(lines[2].contains(" 3"));
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(5), "5s");
        assert_eq!(human(125), "2m");
        assert_eq!(human(7200), "2h");
        assert_eq!(human(200_000), "2d");
    }
}
