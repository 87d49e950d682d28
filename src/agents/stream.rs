//! Reading the tick AI's stdout line by line: the final answer text, the
//! spend, and whether the agent CLI itself reported a failure (CONTRACT
//! §4a, §6).
//!
//! The runner is just a shell command, so each line is recognised by its
//! shape: every JSON-looking line goes to every known CLI's
//! [`StreamRead`]er (see [`super::ALL`]), the first one that saw its own
//! stream decides the spend and the error, and the first answer found wins.
//! Anything else (codex, opencode, a script) reports no spend, and its
//! final text is its whole stdout.

use super::ALL;
use super::spec::StreamRead;
use crate::usage::Spend;

/// How much of stdout is kept for the plain-text fallback: the newest
/// 1 MiB. A runner that prints more than that (a chatty tool, a loop gone
/// wrong) must not grow looop's memory without bound, and the answer of a
/// plain-text runner comes at the end.
const KEEP_STDOUT_BYTES: usize = 1024 * 1024;

/// Feed every output line as it streams; ask for the results at the end.
#[derive(Debug)]
pub struct StreamReader {
    /// The newest [`KEEP_STDOUT_BYTES`] (or a little more) of stdout.
    stdout: String,
    /// Whether older stdout was dropped to respect the cap.
    truncated: bool,
    /// One reader per CLI that has a metered stream, in [`ALL`]'s order.
    readers: Vec<Box<dyn StreamRead>>,
}

impl StreamReader {
    pub fn new() -> StreamReader {
        StreamReader {
            stdout: String::new(),
            truncated: false,
            readers: ALL
                .iter()
                .filter_map(|a| a.spec()?.stream)
                .map(|new| new())
                .collect(),
        }
    }

    /// One line of the runner's stdout, without the newline.
    pub fn feed_line(&mut self, line: &str) {
        self.keep(line);
        let json = line.trim();
        if !json.starts_with('{') {
            return;
        }
        for reader in &mut self.readers {
            reader.feed(json);
        }
    }

    fn keep(&mut self, line: &str) {
        self.stdout.push_str(line);
        self.stdout.push('\n');
        // Trim only when well past the cap, so the cost stays amortised.
        if self.stdout.len() > 2 * KEEP_STDOUT_BYTES {
            let mut cut = self.stdout.len() - KEEP_STDOUT_BYTES;
            while !self.stdout.is_char_boundary(cut) {
                cut += 1;
            }
            self.stdout.drain(..cut);
            self.truncated = true;
        }
    }

    /// The final answer: the first CLI answer found (claude's `result`
    /// text, else pi's last assistant text), else stdout (its newest 1 MiB).
    pub fn final_text(&self) -> String {
        self.readers
            .iter()
            .find_map(|r| r.answer())
            .unwrap_or_else(|| self.stdout.clone())
    }

    /// Whether stdout outgrew the kept 1 MiB (the fallback text is its end).
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Whether an agent CLI's own answer was found (not the stdout fallback).
    pub fn has_cli_answer(&self) -> bool {
        self.readers.iter().any(|r| r.answer().is_some())
    }

    /// The spend the stream reported, `None` when it reported none.
    pub fn spend(&self) -> Option<Spend> {
        self.deciding()?.spend()
    }

    /// The failure the agent CLI itself reported, e.g. claude's
    /// `is_error: true` with `subtype: "error_max_turns"`, or pi's last
    /// assistant message stopping with `error`. `None` when it reported
    /// none (a non-zero exit status is the caller's to judge).
    pub fn error(&self) -> Option<String> {
        self.deciding()?.error()
    }

    /// The reader of the first CLI whose stream was seen.
    fn deciding(&self) -> Option<&dyn StreamRead> {
        self.readers.iter().find(|r| r.seen()).map(|r| r.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> StreamReader {
        let mut r = StreamReader::new();
        for line in text.lines() {
            r.feed_line(line);
        }
        r
    }

    #[test]
    fn plain_stdout_is_the_answer_and_costs_nothing_known() {
        let r = read(
            "thinking...\n{\"move\":\"noop\",\"journal\":\"x\"}\n{\"type\":\"turn.completed\"}",
        );
        assert_eq!(r.spend(), None);
        assert_eq!(r.error(), None);
        assert_eq!(
            r.final_text(),
            "thinking...\n{\"move\":\"noop\",\"journal\":\"x\"}\n{\"type\":\"turn.completed\"}\n"
        );
    }

    #[test]
    fn stdout_kept_is_capped_to_the_newest_part() {
        let mut r = StreamReader::new();
        let line = "é".repeat(1000);
        for _ in 0..3000 {
            r.feed_line(&line);
        }
        r.feed_line("the end");
        let text = r.final_text();
        assert!(r.truncated());
        assert!(text.len() <= 2 * KEEP_STDOUT_BYTES + 8);
        assert!(text.ends_with("the end\n"));
    }

    #[test]
    fn claude_decides_when_both_streams_appear() {
        let pi = r#"{"type":"message_end","message":{"role":"assistant","content":[{"type":"text","text":"pi says"}],"stopReason":"error","usage":{"input":1,"output":1,"cost":{"total":0.002}}}}"#;
        let claude = r#"{"type":"result","subtype":"success","is_error":false}"#;
        let r = read(&format!("{pi}\n{claude}"));
        assert_eq!(r.spend(), None, "claude's result has no cost: none known");
        assert_eq!(r.error(), None);
        assert_eq!(r.final_text(), "pi says", "claude gave no text: pi's");
    }
}
