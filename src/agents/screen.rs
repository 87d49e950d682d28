//! Reading an agent's activity off its visible screen: the shared helpers
//! each CLI's file builds its `read_screen` from (CONTRACT §9). The CLI
//! files hold the patterns themselves, each with where it was seen.
//!
//! A screen is its visible rows as plain text (trailing blanks trimmed),
//! as the supervisor's terminal model gives them. Matching is on plain
//! substrings, never on colours or positions beyond "this row" and "the
//! rows below it", so a pattern survives a resize. The order every CLI
//! uses: a usage limit, then a dialog, then busy signs, then the input
//! box; nothing matched is `unknown`.

use crate::activity::{Activity, Reading};

/// The visible rows and the screen's width.
#[derive(Debug, Clone, Copy)]
pub struct Rows<'a> {
    pub rows: &'a [String],
    pub cols: u16,
}

/// How a dialog shows itself.
#[derive(Debug)]
pub struct Dialog {
    /// Text on a row while the dialog is open.
    pub sign: &'static str,
    /// Whether the sign's row is itself the dialog's question or title
    /// (else the question is looked for above it).
    pub title: bool,
}

/// Longest question or limit message kept.
const DETAIL_MAX: usize = 200;
/// Busy signs are looked for in this many non-empty rows at the bottom.
const BOTTOM_ROWS: usize = 8;

impl<'a> Rows<'a> {
    /// The last row containing any of `needles`.
    pub fn last_with(&self, needles: &[&str]) -> Option<usize> {
        self.rows
            .iter()
            .rposition(|r| needles.iter().any(|n| r.contains(n)))
    }

    /// Whether one of the bottom non-empty rows contains any of `needles`.
    pub fn bottom_has(&self, needles: &[&str]) -> bool {
        self.rows
            .iter()
            .rev()
            .filter(|r| !r.trim().is_empty())
            .take(BOTTOM_ROWS)
            .any(|r| needles.iter().any(|n| r.contains(n)))
    }

    /// The first open dialog of `dialogs`, as a `needs_input` reading
    /// with its question line.
    pub fn dialog(&self, dialogs: &[Dialog]) -> Option<Reading> {
        dialogs.iter().find_map(|d| {
            let at = self.last_with(&[d.sign])?;
            let question = if d.title {
                clean(&self.rows[at])
            } else {
                self.question_above(at)
            };
            Some(Reading {
                activity: Activity::NeedsInput,
                detail: Some(question),
            })
        })
    }

    /// The question of a dialog whose footer is row `at`: the nearest row
    /// above with a `?`, within the dialog (up to a rule or 20 rows);
    /// else the dialog's first non-empty row.
    fn question_above(&self, at: usize) -> String {
        let top = at.saturating_sub(20);
        let mut first = None;
        for i in (top..at).rev() {
            let row = &self.rows[i];
            if is_rule(row) {
                break;
            }
            if row.contains('?') {
                return clean(row);
            }
            if !row.trim().is_empty() {
                first = Some(i);
            }
        }
        clean(&self.rows[first.unwrap_or(at)])
    }

    /// A usage-limit reading for the limit text on row `at`: the message
    /// joined with the rows it wrapped onto (a TUI wraps by itself, so the
    /// row's wrap flag is not set: a row that starts at column 0 right
    /// under it continues it).
    pub fn limit(&self, at: usize) -> Reading {
        let mut message = self.rows[at].trim().to_string();
        // A row cut mid-word (it fills the width) or after a `/` (a URL
        // broken by word wrapping) goes on without a space.
        let glued =
            |row: &str| row.chars().count() + 1 >= usize::from(self.cols) || row.ends_with('/');
        let mut prev_glued = glued(&self.rows[at]);
        for row in self.rows.iter().skip(at + 1).take(3) {
            if !row.starts_with(|c: char| c.is_alphanumeric()) {
                break;
            }
            if !prev_glued {
                message.push(' ');
            }
            message.push_str(row.trim_end());
            prev_glued = glued(row);
        }
        Reading {
            activity: Activity::UsageLimited,
            detail: Some(clean(&message)),
        }
    }
}

/// A horizontal rule: a row that is mostly `─`.
pub fn is_rule(row: &str) -> bool {
    row.trim_start().starts_with("──────────")
}

/// A row's text without the decorations around it (box drawing, markers,
/// selection arrows) and without control characters, at most
/// [`DETAIL_MAX`] characters.
pub fn clean(row: &str) -> String {
    let keep_first = |c: char| c.is_alphanumeric() || "/$#\"'([~.<".contains(c);
    let start = row.find(keep_first).unwrap_or(row.len());
    let text = row[start..].trim_end_matches(|c: char| c.is_whitespace() || is_box(c));
    text.chars()
        .filter(|c| !c.is_control())
        .take(DETAIL_MAX)
        .collect()
}

fn is_box(c: char) -> bool {
    ('\u{2500}'..='\u{259f}').contains(&c)
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::activity::Activity;

    /// Each recorded screen of `cli` (tests/fixtures/screens, tmux's
    /// capture at 120x40) read by `read`: the activity its name says
    /// (`<cli>-<activity>-<detail>`), and the question or limit text.
    pub fn check_recordings(cli: &str, read: fn(Rows) -> Reading) -> Vec<(String, Reading)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/screens");
        let mut seen = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let Some(stem) = name.strip_suffix(".screen.txt") else {
                continue;
            };
            let Some(rest) = stem.strip_prefix(cli) else {
                continue;
            };
            // claude2.1.332-… is claude too.
            let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
            let Some(rest) = rest.strip_prefix('-') else {
                continue;
            };
            let want = ["needs_input", "usage_limited", "busy", "idle", "unknown"]
                .into_iter()
                .find(|a| rest.starts_with(a))
                .unwrap();
            let text = std::fs::read_to_string(&path).unwrap();
            let rows: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
            let reading = read(Rows {
                rows: &rows,
                cols: 120,
            });
            assert_eq!(reading.activity.as_str(), want, "{stem}: {reading:?}");
            if matches!(
                reading.activity,
                Activity::NeedsInput | Activity::UsageLimited
            ) {
                assert!(
                    reading.detail.as_deref().is_some_and(|d| d.len() > 5),
                    "{stem}: {reading:?}"
                );
            }
            seen.push((stem.to_string(), reading));
        }
        assert!(!seen.is_empty(), "no recordings of {cli}");
        seen
    }

    #[test]
    fn clean_drops_decorations_and_controls() {
        assert_eq!(clean("  ❯ 1. Yes   │"), "1. Yes");
        assert_eq!(clean("┃  △ Permission required"), "Permission required");
        assert_eq!(clean(" Do you want\u{1b}[31m to?"), "Do you want[31m to?");
        assert_eq!(clean(&"x".repeat(500)).len(), DETAIL_MAX);
    }

    #[test]
    fn a_wrapped_limit_message_is_joined() {
        let rows: Vec<String> = [
            "■ You’ve hit your usage limit. Visit https://x.example/",
            "settings or try again at",
            "1:29 AM.",
            "› Ask",
        ]
        .map(String::from)
        .to_vec();
        let r = Rows {
            rows: &rows,
            cols: 65,
        };
        assert_eq!(
            r.limit(0).detail.unwrap(),
            "You’ve hit your usage limit. Visit https://x.example/settings or try again at 1:29 AM."
        );
    }
}
