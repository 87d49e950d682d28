//! The worker's screen as a terminal would show it: a real terminal model
//! (the `vt100` crate: cursor, alternate screen, scroll regions, wide
//! characters, a small bounded scrollback) fed every byte the worker
//! prints. It replaces the raw-byte replay: an attacher gets the current
//! screen redrawn at its own size ([`Screen::redraw`]), `looop log
//! --screen` gets its text ([`Screen::text`]), and the activity reading
//! matches patterns on its rows ([`Screen::rows`]).
//!
//! Output reaches the emulator a moment late ([`HOLD`]), a whole flood's
//! worth at once: parsing is the supervisor's main cost, and a bigger
//! burst lets [`super::burst`] skip more of what scrolls past unseen
//! (50 MB of log lines: most of the model's time went to lines no one
//! could ever see). Everything that reads the model takes what is held
//! first, so no reader ever sees a stale screen.
//!
//! Limits: sizes are clamped to [`MIN`]..[`MAX`] (a 10000x10000 request
//! must not cost gigabytes); the PTY gets the same clamped size, so model
//! and program always agree. A panic inside the emulator (malformed input
//! it did not expect) costs the model, never the supervisor: the model
//! starts blank at the same size and the next redraw of the program fills
//! it again.

use super::burst::{self, Lexer};
use std::io::Write;
use std::num::NonZeroU16;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// Rows kept above the screen: a default screen's height (40), so a
/// shrink-then-grow resize gives back what it pushed up and an attach from
/// a terminal up to twice that tall is filled from history (as tmux does),
/// small enough to keep an idle supervisor small (a row is 32 bytes per
/// column written: 40 rows of 120 columns are 150 KiB).
const SCROLLBACK_ROWS: usize = 40;
/// Smallest size (cols, rows) the model and the PTY take.
pub const MIN: (u16, u16) = (2, 1);
/// Largest size (cols, rows) the model and the PTY take: 512x256 cells is
/// 4 MiB of model at most.
pub const MAX: (u16, u16) = (512, 256);
/// How long output may wait for the emulator: short enough that an idle
/// supervisor settles (and frees the held bytes) at once, long enough to
/// gather a flood into bursts of hundreds of KiB.
pub const HOLD: Duration = Duration::from_millis(20);
/// Held output beyond this is parsed at once, whatever the time.
const HOLD_MAX: usize = 1 << 20;
/// A burst this big is a flood's: a PTY read gives at most 4 KiB, and the
/// supervisor gathers reads into its 16 KiB burst buffer only while more
/// output is waiting, so a full one means the worker prints faster than
/// it is read.
const HOLD_FROM: usize = 16 * 1024;

pub struct Screen {
    parser: vt100::Parser,
    /// Where the parser is, for skipping what scrolls past unseen.
    lexer: Lexer,
    /// Set after the emulator panicked once (said in supervisor.log once).
    recovered: bool,
    /// Output not given to the emulator yet, and since when it waits.
    held: Vec<u8>,
    held_since: Option<Instant>,
}

/// A window size clamped to what the model and the PTY accept.
pub fn clamp(cols: u16, rows: u16) -> (u16, u16) {
    (cols.clamp(MIN.0, MAX.0), rows.clamp(MIN.1, MAX.1))
}

fn nonzero(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).unwrap_or(NonZeroU16::MIN)
}

fn parser(cols: u16, rows: u16) -> vt100::Parser {
    let (cols, rows) = clamp(cols, rows);
    vt100::Parser::new(nonzero(rows), nonzero(cols), SCROLLBACK_ROWS)
}

impl Screen {
    pub fn new(cols: u16, rows: u16) -> Screen {
        Screen {
            parser: parser(cols, rows),
            lexer: Lexer::default(),
            recovered: false,
            held: Vec::new(),
            held_since: None,
        }
    }

    /// Feed output, exactly as the PTY gave it. A burst the size of a
    /// flood's ([`HOLD_FROM`] and up), and whatever follows one, is held
    /// (see [`HOLD`]) and parsed with what comes after it by
    /// [`Screen::settle`]; a smaller one, with nothing held, is parsed at
    /// once (an interactive program's output costs no second buffer).
    pub fn feed(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.held.is_empty() && bytes.len() < HOLD_FROM {
            self.parse(bytes);
            return;
        }
        self.held_since.get_or_insert_with(Instant::now);
        self.held.extend_from_slice(bytes);
        if self.held.len() >= HOLD_MAX {
            self.settle();
        }
    }

    /// When held output must be parsed (`None` when nothing is held).
    pub fn due(&self) -> Option<Instant> {
        self.held_since.map(|t| t + HOLD)
    }

    /// Parse the held output if it waited long enough.
    pub fn settle_if_due(&mut self, now: Instant) {
        if self.due().is_some_and(|due| now >= due) {
            self.settle();
        }
    }

    /// Parse everything held, as one burst. The held buffer is given
    /// back, so an idle supervisor keeps none.
    pub fn settle(&mut self) {
        self.held_since = None;
        if self.held.is_empty() {
            return;
        }
        let bytes = std::mem::take(&mut self.held);
        self.parse(&bytes);
    }

    /// Give the emulator one burst, minus the lines that scroll past
    /// unseen in it (see [`super::burst`]).
    fn parse(&mut self, bytes: &[u8]) {
        let (_, rows) = self.size();
        let ranges = self
            .lexer
            .plan(bytes, burst::keep_lines(rows, SCROLLBACK_ROWS));
        let parser = &mut self.parser;
        // Through `io::Write`, a concrete impl compiled inside the crate:
        // `Parser::process` is generic, so calling it here would build the
        // emulator's hot loop with this crate's (debug) optimisation level.
        let fed = catch_unwind(AssertUnwindSafe(|| {
            ranges
                .into_iter()
                .try_for_each(|r| parser.write_all(&bytes[r]))
        }));
        if !matches!(fed, Ok(Ok(()))) {
            self.recover();
        }
    }

    /// (cols, rows) now.
    pub fn size(&self) -> (u16, u16) {
        let (rows, cols) = self.parser.screen().size();
        (cols.get(), rows.get())
    }

    /// Resize to the (already clamped) size the PTY got.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        let (cols, rows) = clamp(cols, rows);
        if self.size() == (cols, rows) {
            return;
        }
        // What was printed at the old size is drawn at the old size.
        self.settle();
        let parser = &mut self.parser;
        if catch_unwind(AssertUnwindSafe(|| {
            parser.set_size(nonzero(rows), nonzero(cols))
        }))
        .is_err()
        {
            self.recover();
        }
    }

    /// Bytes that turn a fresh terminal of the model's size into the
    /// current screen: attributes and scroll region reset, the alternate
    /// screen entered when the program is in it, every cell with its
    /// colours, the cursor, and the input modes (keypad, bracketed paste,
    /// mouse) the program set.
    pub fn redraw(&mut self) -> Vec<u8> {
        self.settle();
        let screen = self.parser.screen();
        let mut out = String::from("\x1b[0m\x1b[r");
        if screen.alternate_screen() {
            out.push_str("\x1b[?1049h");
        }
        out.push_str(&super::sgr::reset_intensity_first(
            &screen.state_formatted(),
        ));
        out.into_bytes()
    }

    /// The visible rows as plain text, trailing blanks trimmed, one
    /// string per row (wide characters once, their second cell skipped).
    pub fn rows(&mut self) -> Vec<String> {
        self.settle();
        let (cols, _) = self.size();
        self.parser
            .screen()
            .rows(0, cols)
            .map(|r| r.trim_end().to_string())
            .collect()
    }

    /// The visible screen as text: one line per row, trailing blank rows
    /// dropped, no escapes (what `tmux capture-pane -p` prints).
    pub fn text(&mut self) -> String {
        let mut rows = self.rows();
        while rows.last().is_some_and(|r| r.is_empty()) {
            rows.pop();
        }
        let mut text = rows.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        text
    }

    fn recover(&mut self) {
        let (cols, rows) = self.size_or_default();
        if !self.recovered {
            eprintln!(
                "looop: the screen model failed on the worker's output; it starts over blank"
            );
            self.recovered = true;
        }
        self.parser = parser(cols, rows);
        self.lexer = Lexer::default();
    }

    /// The size, even from a parser left half-changed by a panic.
    fn size_or_default(&self) -> (u16, u16) {
        catch_unwind(AssertUnwindSafe(|| self.size())).unwrap_or((80, 24))
    }
}

#[cfg(test)]
mod tests;
