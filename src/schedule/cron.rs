//! The crontab line: a cron expression for the interval, and a shell command
//! with every value quoted for `/bin/sh` and every `%` escaped for cron.
//!
//! cron counts in whole minutes and restarts `*/N` at each hour (and `*/N`
//! hours at each day), so only intervals that divide the hour (or the day)
//! give even spacing. Anything else is rounded to the nearest one that does,
//! and the caller prints what was chosen.

use super::job::Job;
use crate::shell::quote as shell_quote;

/// The comment that marks a crontab line as this profile's: `# looop:<key>`.
pub fn marker(key: &str) -> String {
    format!("# looop:{key}")
}

/// A cron schedule for an interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// The five time fields, e.g. `*/5 * * * *`.
    pub expr: String,
    /// The interval the expression really gives, in seconds.
    pub secs: u64,
    /// Set when the asked interval had to be rounded: says to what.
    pub note: Option<String>,
}

/// Minutes that divide an hour evenly (60 itself means hourly).
const MINUTE_STEPS: &[u64] = &[1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60];
/// Hours that divide a day evenly (24 itself means daily).
const HOUR_STEPS: &[u64] = &[1, 2, 3, 4, 6, 8, 12, 24];

/// The cron schedule nearest to `every_secs`, or why there is none.
pub fn timing(every_secs: u64) -> Result<Timing, String> {
    if every_secs < 60 {
        return Err(format!(
            "cron runs jobs at most once a minute, so the interval must be at least 60 seconds, not {every_secs}; \
             for faster beats use `looop up`"
        ));
    }
    let minutes = every_secs.saturating_add(30) / 60;
    let hours = if minutes < 60 {
        match nearest(MINUTE_STEPS, minutes) {
            60 => 1,
            1 => return Ok(finish(every_secs, minutes, "* * * * *".to_string(), 60)),
            step => {
                return Ok(finish(
                    every_secs,
                    minutes,
                    format!("*/{step} * * * *"),
                    step * 60,
                ));
            }
        }
    } else {
        (minutes + 30) / 60
    };
    let (expr, secs) = match nearest(HOUR_STEPS, hours.min(24)) {
        24 => ("0 0 * * *".to_string(), 86_400),
        1 => ("0 * * * *".to_string(), 3600),
        step => (format!("0 */{step} * * *"), step * 3600),
    };
    Ok(finish(every_secs, minutes, expr, secs))
}

/// The timing for `expr`, with a note when it differs from what was asked.
fn finish(every_secs: u64, minutes: u64, expr: String, secs: u64) -> Timing {
    let note = (secs != every_secs).then(|| {
        let why = if every_secs > 86_400 {
            "the longest interval looop writes for cron is once a day"
        } else if !every_secs.is_multiple_of(60) && secs == minutes * 60 {
            "cron counts in whole minutes"
        } else {
            "cron spaces beats evenly only when the interval divides an hour (or a day)"
        };
        format!(
            "{why}: every {every_secs} s is scheduled as every {} ({expr})",
            human(secs)
        )
    });
    Timing { expr, secs, note }
}

/// The element of `steps` nearest to `want`; ties go to the smaller (more
/// frequent) one. A value past the largest step clamps to it.
fn nearest(steps: &[u64], want: u64) -> u64 {
    let mut best = steps[0];
    for &s in steps {
        if s.abs_diff(want) < best.abs_diff(want) {
            best = s;
        }
    }
    best
}

fn human(secs: u64) -> String {
    match secs {
        s if s % 3600 == 0 && s / 3600 == 1 => "hour".to_string(),
        s if s % 3600 == 0 => format!("{} hours", s / 3600),
        60 => "minute".to_string(),
        s => format!("{} minutes", s / 60),
    }
}

/// The whole crontab line for `job`, ending in this profile's marker.
pub fn line(job: &Job, timing: &Timing) -> String {
    let tmux: String = job
        .tmux
        .iter()
        .map(|(name, value)| format!("{name}={} ", shell_quote(value)))
        .collect();
    let command = format!(
        "PATH={} LOOOP_DATA_DIR={} LOOOP_CONFIG={} {tmux}{} tick >>{} 2>&1",
        shell_quote(&job.path),
        shell_quote(&job.data),
        shell_quote(&job.config),
        shell_quote(&job.exe),
        shell_quote(&job.log),
    );
    // The data dir in the trailing comment is for the human reading
    // `crontab -l`; the marker before it is what install/remove match.
    format!(
        "{} {} {} {}",
        timing.expr,
        escape_percent(&command),
        marker(&job.key),
        escape_percent(&job.data)
    )
}

/// cron turns an unescaped `%` in the command into a newline (the rest
/// becomes stdin), even inside shell quotes; `\%` is passed on as `%`.
fn escape_percent(s: &str) -> String {
    s.replace('%', r"\%")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(secs: u64) -> String {
        timing(secs).unwrap().expr
    }

    #[test]
    fn dividing_minutes_map_exactly() {
        assert_eq!(expr(60), "* * * * *");
        assert_eq!(expr(300), "*/5 * * * *");
        assert_eq!(expr(1800), "*/30 * * * *");
        assert!(timing(300).unwrap().note.is_none());
    }

    #[test]
    fn hours_map_to_hourly_forms() {
        assert_eq!(expr(3600), "0 * * * *");
        assert_eq!(expr(7200), "0 */2 * * *");
        assert_eq!(expr(6 * 3600), "0 */6 * * *");
        assert_eq!(expr(86_400), "0 0 * * *");
        assert!(timing(86_400).unwrap().note.is_none());
    }

    #[test]
    fn under_a_minute_is_refused() {
        let e = timing(59).unwrap_err();
        assert!(e.contains("at least 60"), "{e}");
        assert!(timing(0).is_err());
    }

    #[test]
    fn odd_values_round_with_a_note() {
        let t = timing(90).unwrap();
        assert_eq!(t.expr, "*/2 * * * *");
        assert!(t.note.unwrap().contains("whole minutes"));
        let t = timing(7 * 60).unwrap();
        assert_eq!(t.expr, "*/6 * * * *");
        assert!(t.note.unwrap().contains("divides an hour"));
        assert_eq!(expr(45 * 60), "*/30 * * * *");
        assert_eq!(expr(50 * 60), "0 * * * *");
        assert_eq!(expr(5 * 3600), "0 */4 * * *");
        assert_eq!(expr(18 * 3600), "0 */12 * * *");
        let t = timing(3 * 86_400).unwrap();
        assert_eq!(t.expr, "0 0 * * *");
        assert!(t.note.unwrap().contains("once a day"));
        assert_eq!(expr(u64::MAX), "0 0 * * *");
    }

    #[test]
    fn line_quotes_values_and_escapes_percent() {
        let job = Job {
            exe: "/opt/my tools/looop".into(),
            data: "/home/u/100%/data".into(),
            config: "/home/u/it's.toml".into(),
            path: "/usr/bin:/bin".into(),
            log: "/home/u/100%/data/tick.log".into(),
            key: "0123456789abcdef".into(),
            every_secs: 300,
            tmux: Vec::new(),
        };
        let l = line(&job, &timing(300).unwrap());
        assert!(l.starts_with("*/5 * * * * PATH=/usr/bin:/bin "), "{l}");
        assert!(l.contains("'/opt/my tools/looop' tick >>"), "{l}");
        assert!(l.contains(r"LOOOP_CONFIG='/home/u/it'\''s.toml'"), "{l}");
        assert!(l.contains(r"LOOOP_DATA_DIR=/home/u/100\%/data "), "{l}");
        assert!(!l.replace(r"\%", "").contains('%'), "unescaped % in {l}");
        assert!(l.contains("# looop:0123456789abcdef "), "{l}");
        assert!(!l.contains('\n'));
    }
}
