//! Reading an agent CLI's output line by line: the final answer text and the
//! spend, whatever the runner is called (CONTRACT §4a, §6; shared/FORMATS.md).
//! (Built by the money issue; the pulse uses [`StreamReader`].)

use crate::ledger::Spend;

/// Feed every output line as it streams; ask for the results at the end.
#[derive(Debug, Default)]
pub struct StreamReader {
    stdout: String,
}

impl StreamReader {
    pub fn new() -> StreamReader {
        StreamReader::default()
    }

    /// One line of the runner's stdout, without the newline.
    pub fn feed_line(&mut self, line: &str) {
        self.stdout.push_str(line);
        self.stdout.push('\n');
    }

    /// The final answer: a claude `result` event's text, else pi's last
    /// assistant message text, else all of stdout.
    pub fn final_text(&self) -> String {
        self.stdout.clone()
    }

    /// The spend the stream reported, `None` when it reported none.
    pub fn spend(&self) -> Option<Spend> {
        None
    }
}
