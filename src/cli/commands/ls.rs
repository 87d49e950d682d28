//! `looop ls [--json] [--all]`: the sessions as an aligned table (or JSON),
//! with each worker's spend metered from its transcript just before.

use crate::cli::Args;
use crate::color;
use crate::config::Config;
use crate::events::seconds_since;
use crate::meter::Metering;
use crate::paths::Profile;
use crate::prices::Prices;
use crate::supervisor::{SessionView, State, verbs};
use crate::text::visible::one_line;
use anyhow::Result;
use chrono::{DateTime, Utc};
use std::io::Write;

pub fn run(mut args: Args) -> Result<i32> {
    let json = args.flag(&["--json"]);
    let all = args.flag(&["--all", "-a"]);
    args.finish()?;
    let profile = Profile::look()?;
    let mut sessions = verbs::sessions(&profile, all)?;
    // The config is read only when a row needs it: prices for a worker
    // whose transcript is metered, the runners for one that ended (can it
    // be resumed?). A config `ls` cannot read still lists the sessions.
    let config = needs_config(&sessions)
        .then(|| Config::load(&profile.config).ok())
        .flatten();
    let no_prices = Prices::default();
    let prices = config.as_ref().map_or(&no_prices, |c| &c.prices);
    let metered = crate::meter::bring_up_to_date_listed(&profile, prices, &sessions)?;
    // A row whose agent session id (codex) was learned just now, read again.
    for s in sessions.iter_mut() {
        if metered.learned_now.contains(&s.session)
            && let Some(again) = verbs::view(&profile, &s.session)?
        {
            *s = again;
        }
    }
    if let Some(config) = &config {
        crate::resume::mark(config, &mut sessions);
    }
    let mut spend = Vec::with_capacity(sessions.len());
    for s in &mut sessions {
        let m = metered.sessions.get(&s.session);
        s.cost_usd = m.and_then(Metering::usd);
        spend.push(m.map_or("-".to_string(), crate::spend::cell));
    }
    let mut out = std::io::stdout().lock();
    if json {
        // Render whole, then write once: stdout is line-buffered, and a
        // pretty array of 100 sessions would otherwise cost ~1,500 writes.
        // One session per line: a fleet's listing is the largest JSON
        // looop prints (100 workers indented were 64 KiB, a full pipe
        // buffer), and a line per session greps like the table's rows.
        let mut text = Vec::with_capacity(1024 * (sessions.len() + 1));
        text.push(b'[');
        for (n, s) in sessions.iter().enumerate() {
            text.extend_from_slice(if n == 0 { b"\n" } else { b",\n" });
            serde_json::to_writer(&mut text, s)?;
        }
        text.extend_from_slice(if sessions.is_empty() {
            b"]\n"
        } else {
            b"\n]\n"
        });
        out.write_all(&text)?;
        return Ok(0);
    }
    if sessions.is_empty() {
        writeln!(out, "no worker sessions")?;
        return Ok(0);
    }
    // AGE counts from the worker's first start: a resumed worker's record
    // has only its current run's (read for the table alone: `--json`
    // shows `started_at` as recorded).
    let born: Vec<Option<String>> = sessions
        .iter()
        .map(|s| crate::resume::first_started(&profile, &s.session))
        .collect();
    write!(out, "{}", table(&sessions, &spend, &born, Utc::now()))?;
    Ok(0)
}

/// Whether a row needs the config: a worker that ended, or one whose
/// agent writes a transcript the meter prices.
fn needs_config(sessions: &[SessionView]) -> bool {
    sessions.iter().any(|s| {
        !s.alive
            || s.agent
                .as_deref()
                .and_then(crate::agents::Agent::from_name)
                .and_then(|a| a.spec())
                .is_some_and(|spec| spec.transcript.is_some())
    })
}

const HEADER: [&str; 9] = [
    "ID",
    "STATE",
    "ACTIVITY",
    "PID",
    "AGE",
    "IDLE",
    "EXIT",
    "SPEND",
    "\u{2691}NOTE",
];

/// One session's cells, in [`HEADER`] order. AGE is the time since the
/// worker first started (`born`, when a resume noted it, else its record's
/// `started_at`), whether it still runs or not: like a pod's age, it is not
/// reset by a resume and keeps counting after the end. IDLE is for live
/// workers only.
fn row(s: &SessionView, spend: &str, born: Option<&str>, now: DateTime<Utc>) -> [String; 9] {
    let since = |t: &Option<String>| t.as_deref().and_then(|t| seconds_since(t, now)).map(human);
    let idle = if s.alive {
        since(&s.last_output_at).or_else(|| since(&s.started_at))
    } else {
        None
    };
    [
        one_line(&s.id).into_owned(),
        s.state.as_str().to_string(),
        s.activity.clone().unwrap_or_else(|| "-".into()),
        s.pid.map_or("-".into(), |p| p.to_string()),
        born.and_then(|t| seconds_since(t, now))
            .map(human)
            .or_else(|| since(&s.started_at))
            .unwrap_or_else(|| "-".into()),
        idle.unwrap_or_else(|| "-".into()),
        s.exit_code.map_or("-".into(), |c| c.to_string()),
        spend.to_string(),
        match (&s.flagged, &s.note) {
            (true, Some(n)) => format!("\u{2691} {}", one_line(n)),
            (true, None) => "\u{2691}".into(),
            _ => String::new(),
        },
    ]
}

/// The aligned `ls` table; `born[i]` is when session `i`'s worker first
/// started, when a resume noted it.
fn table(
    sessions: &[SessionView],
    spend: &[String],
    born: &[Option<String>],
    now: DateTime<Utc>,
) -> String {
    let rows: Vec<[String; 9]> = sessions
        .iter()
        .zip(spend)
        .zip(born)
        .map(|((s, spend), born)| row(s, spend, born.as_deref(), now))
        .collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    // Pad by the plain text, then paint: escape codes take no columns.
    let mut line = |cells: [String; 9], paint: &dyn Fn(usize, &str) -> String| {
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
    line(HEADER.map(String::from), &|_, h| color::bold(h));
    for (r, s) in rows.into_iter().zip(sessions) {
        line(r, &|i, cell| match (i, s.state) {
            (1, State::Running | State::Starting) => color::green(cell),
            (1, State::Lost | State::Failed) => color::red(cell),
            (2, _) if s.activity.as_deref() == Some("needs_input") => color::yellow(cell),
            (8, _) if s.flagged => color::yellow(cell),
            _ => cell.to_string(),
        });
    }
    text
}

/// 45s, 12m, 3h, 2d.
fn human(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
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
            cwd: Some("/tmp".into()),
            goal: None,
            agent: None,
            agent_session: None,
            activity: (state == State::Running).then(|| "busy".into()),
            activity_since: None,
            cost_usd: None,
            resumable: false,
        }
    }

    #[test]
    fn table_is_aligned() {
        let now = DateTime::parse_from_rfc3339("2026-01-01T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let t = table(
            &[
                view("a", State::Running, Some("help me")),
                view("long-name", State::Exited, None),
            ],
            &["$0.5064".to_string(), "not metered".to_string()],
            &[None, None],
            now,
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3);
        let col = |l: &str, w: &str| l.find(w).unwrap();
        assert_eq!(col(lines[0], "STATE"), col(lines[1], "running"));
        assert_eq!(col(lines[0], "STATE"), col(lines[2], "exited"));
        assert_eq!(col(lines[0], "ACTIVITY"), col(lines[1], "busy"));
        assert!(
            lines[1].contains("1h") && lines[1].contains("59m"),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with("\u{2691} help me"));
        assert!(lines[2].contains(" 3"));
        assert_eq!(col(lines[0], "SPEND"), col(lines[1], "$0.5064"));
        assert_eq!(col(lines[0], "SPEND"), col(lines[2], "not metered"));
    }

    #[test]
    fn age_counts_from_the_first_start_and_goes_on_after_the_end() {
        let now = DateTime::parse_from_rfc3339("2026-01-01T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut resumed = view("r", State::Killed, None);
        // Its current run started at 00:57 and ended at 00:58; the worker
        // first started at 00:45.
        resumed.started_at = Some("2026-01-01T00:57:00Z".into());
        resumed.ended_at = Some("2026-01-01T00:58:00Z".into());
        let ended = view("e", State::Exited, None);
        let age = |s: &SessionView, born: Option<&str>| row(s, "-", born, now)[4].clone();
        assert_eq!(age(&resumed, Some("2026-01-01T00:45:00Z")), "15m");
        assert_eq!(age(&resumed, None), "3m", "no note: the record's start");
        assert_eq!(age(&ended, None), "1h", "since its start, not its end");
        assert_eq!(age(&resumed, Some("garbage")), "3m");
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(5), "5s");
        assert_eq!(human(125), "2m");
        assert_eq!(human(7200), "2h");
        assert_eq!(human(200_000), "2d");
    }
}
