//! What of a burst of output the screen model may skip without changing
//! what it shows. Parsing every byte a worker prints is the supervisor's
//! main cost when a worker floods its terminal (50 MB of log lines): most
//! of those lines scroll past long before anyone could see them. This
//! module finds the part of a burst whose effect is provably overwritten
//! by what follows, so [`super::screen::Screen::feed`] hands the emulator
//! the rest only.
//!
//! The rule: inside a run of plain bytes (printable ASCII, CR, LF) that
//! starts with the parser in its ground state and the scroll region the
//! whole screen, everything before the last CR that is followed by at
//! least [`keep_lines`] line feeds can go. After that CR the cursor is in
//! column 0 with no wrap pending, the attributes and modes are those the
//! run started with (plain bytes change none), and the line feeds first
//! bring the cursor to the bottom row (at most `rows - 1` of them), then
//! scroll up a fresh row each: the whole screen and the whole scrollback
//! end up rows written from column 0 by the kept lines, whatever the
//! skipped ones did. A scroll region (set by the program) or a parser in
//! the middle of an escape sequence turns skipping off until they are
//! known gone, so an unusual stream costs time, never correctness. The
//! test in this file compares against a model fed every byte.
//!
//! [`Lexer`] follows only the structure of escape sequences (which state
//! the emulator's parser is in, and whether a scroll region is set), not
//! their meaning; it errs towards "not in the ground state".

/// The parser states that matter for skipping.
#[derive(Clone, Copy, PartialEq, Debug)]
enum State {
    Ground,
    /// After ESC (and any intermediates).
    Escape,
    /// A control sequence; `params` once a parameter byte was seen.
    Csi {
        params: bool,
    },
    /// An OSC, DCS, SOS, PM or APC string: plain bytes are swallowed.
    Text,
}

/// Where the emulator's parser is, as far as skipping needs to know.
#[derive(Clone, Debug)]
pub struct Lexer {
    state: State,
    /// A scroll region may be set (a `CSI <params> r` was seen and no
    /// `CSI r` or reset since).
    region: bool,
}

impl Default for Lexer {
    fn default() -> Lexer {
        Lexer {
            state: State::Ground,
            region: false,
        }
    }
}

/// Bytes that print or move the cursor within the screen and leave every
/// mode, attribute and parser state as they were.
pub fn plain(b: u8) -> bool {
    matches!(b, b'\r' | b'\n' | 0x20..=0x7e)
}

/// Line feeds that must follow a CR for everything before it to be
/// invisible at `rows` rows with `scrollback` rows kept above them.
pub fn keep_lines(rows: u16, scrollback: usize) -> usize {
    2 * usize::from(rows) + scrollback + 1
}

impl Lexer {
    /// Skipping is safe at this point of the stream.
    fn may_skip(&self) -> bool {
        self.state == State::Ground && !self.region
    }

    fn step(&mut self, b: u8) {
        match b {
            // CAN and SUB cancel any sequence; ESC starts one from anywhere.
            0x18 | 0x1a => {
                self.state = State::Ground;
                return;
            }
            0x1b => {
                self.state = State::Escape;
                return;
            }
            _ => {}
        }
        self.state = match self.state {
            State::Ground => State::Ground,
            State::Escape => match b {
                b'[' => State::Csi { params: false },
                b']' | b'P' | b'X' | b'^' | b'_' => State::Text,
                b'c' => {
                    // RIS: a full reset, the region included.
                    self.region = false;
                    State::Ground
                }
                0x30..=0x7e => State::Ground,
                // Intermediates and executed controls keep the sequence open.
                _ => State::Escape,
            },
            State::Csi { params } => match b {
                0x40..=0x7e => {
                    if b == b'r' {
                        // DECSTBM: without parameters it resets the region.
                        self.region = params;
                    }
                    State::Ground
                }
                0x30..=0x3f => State::Csi { params: true },
                _ => State::Csi { params },
            },
            // BEL ends an OSC; treating it as the end of a DCS too is
            // harmless: inside one, plain bytes change nothing on screen.
            State::Text if b == 0x07 => State::Ground,
            State::Text => State::Text,
        };
    }

    /// Split `bytes` into the ranges the emulator must still see, in
    /// order; what lies between them can be skipped. `keep` is
    /// [`keep_lines`] at the current size. The lexer moves to the end of
    /// `bytes`.
    pub fn plan(&mut self, bytes: &[u8], keep: usize) -> Vec<std::ops::Range<usize>> {
        let mut ranges = Vec::new();
        let mut from = 0;
        let mut i = 0;
        while i < bytes.len() {
            if self.may_skip() && plain(bytes[i]) {
                let end = bytes[i..]
                    .iter()
                    .position(|&b| !plain(b))
                    .map_or(bytes.len(), |n| i + n);
                if let Some(cut) = cut(&bytes[i..end], keep) {
                    if from < i {
                        ranges.push(from..i);
                    }
                    from = i + cut;
                }
                // Plain bytes leave the parser in its ground state.
                i = end;
                continue;
            }
            self.step(bytes[i]);
            i += 1;
        }
        if from < bytes.len() {
            ranges.push(from..bytes.len());
        }
        ranges
    }
}

/// In a plain run, the offset of the last CR followed by at least `keep`
/// line feeds, when there is anything before it to skip.
fn cut(run: &[u8], keep: usize) -> Option<usize> {
    let mut feeds = 0;
    let mut at = run.len();
    while feeds < keep {
        at = run[..at].iter().rposition(|&b| b == b'\n')?;
        feeds += 1;
    }
    let cr = run[..at].iter().rposition(|&b| b == b'\r')?;
    (cr > 0).then_some(cr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_plain_run_keeps_its_last_lines_from_a_cr() {
        let mut lx = Lexer::default();
        let text: Vec<u8> = (0..100)
            .flat_map(|i| format!("line {i}\r\n").into_bytes())
            .collect();
        let ranges = lx.plan(&text, 10);
        assert_eq!(ranges.len(), 1);
        let kept = &text[ranges[0].clone()];
        assert!(kept.starts_with(b"\r\nline 91\r\n"), "{kept:?}");
        assert!(kept.ends_with(b"line 99\r\n"));
    }

    #[test]
    fn nothing_is_skipped_inside_a_sequence_or_with_a_scroll_region() {
        // Spaces: they keep any escape sequence open.
        let lines: Vec<u8> = b" \r\n".repeat(50);
        let skipped = |prefix: &[u8]| {
            let mut lx = Lexer::default();
            lx.plan(prefix, 5);
            let ranges = lx.plan(&lines, 5);
            ranges.iter().map(|r| r.len()).sum::<usize>() < lines.len()
        };
        assert!(skipped(b""));
        assert!(skipped(b"\x1b[1;31m\x1b]0;title\x07\x1b(B\x1b[r"));
        assert!(!skipped(b"\x1b[12"));
        assert!(!skipped(b"\x1b"));
        assert!(!skipped(b"\x1b]0;title"));
        assert!(!skipped(b"\x1b[2;10r"));
        assert!(!skipped(b"\x1b[?1049h\x1b[2;10r\x1b[?25h"));
        assert!(skipped(b"\x1b[2;10r\x1b[H\x1bc"));
    }

    #[test]
    fn short_runs_and_runs_without_cr_are_fed_whole() {
        let mut lx = Lexer::default();
        let bare = b"x\n".repeat(100);
        assert_eq!(lx.plan(&bare, 10), vec![0..bare.len()]);
        let short = b"x\r\n".repeat(5);
        assert_eq!(lx.plan(&short, 10), vec![0..short.len()]);
    }
}
