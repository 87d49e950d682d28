//! Turning raw terminal output into readable text for `looop log`.
//!
//! A streaming state machine (output arrives in arbitrary chunks, so a
//! sequence may be split between two reads): CSI (`ESC [ ... final`), OSC
//! (`ESC ] ... BEL` or `ESC \`), DCS/SOS/PM/APC strings (up to `ESC \`),
//! two- and three-byte escapes are dropped; `\r\n` becomes `\n`; other
//! control characters except `\n` and `\t` are dropped. Bytes >= 0x80 pass
//! through untouched, so UTF-8 text survives.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Mode {
    #[default]
    Text,
    Esc,
    /// `ESC (`-style charset selection: one more byte follows.
    EscArg,
    Csi,
    /// OSC: ends at BEL or `ESC \`.
    Osc,
    OscEsc,
    /// DCS/SOS/PM/APC: ends at `ESC \`.
    Str,
    StrEsc,
}

#[derive(Debug, Default)]
pub struct Stripper {
    mode: Mode,
}

impl Stripper {
    /// Append the readable text of `input` to `out`.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &b in input {
            self.mode = match self.mode {
                // `\r` is dropped like any control: `\r\n` reads as `\n`, and a
                // lone `\r` (a line redrawn in place) as nothing.
                Mode::Text => match b {
                    0x1b => Mode::Esc,
                    b'\n' | b'\t' => {
                        out.push(b);
                        Mode::Text
                    }
                    0..=0x1f | 0x7f => Mode::Text,
                    _ => {
                        out.push(b);
                        Mode::Text
                    }
                },
                Mode::Esc => match b {
                    b'[' => Mode::Csi,
                    b']' => Mode::Osc,
                    b'P' | b'X' | b'^' | b'_' => Mode::Str,
                    b'(' | b')' | b'*' | b'+' | b'#' | b'%' | b' ' => Mode::EscArg,
                    0x1b => Mode::Esc,
                    _ => Mode::Text,
                },
                Mode::EscArg => Mode::Text,
                // Parameters and intermediates are 0x20..=0x3f; a final byte ends it.
                Mode::Csi => match b {
                    0x40..=0x7e => Mode::Text,
                    0x1b => Mode::Esc,
                    _ => Mode::Csi,
                },
                Mode::Osc => match b {
                    0x07 => Mode::Text,
                    0x1b => Mode::OscEsc,
                    _ => Mode::Osc,
                },
                Mode::OscEsc => match b {
                    b'\\' => Mode::Text,
                    0x1b => Mode::OscEsc,
                    _ => Mode::Osc,
                },
                Mode::Str => match b {
                    0x1b => Mode::StrEsc,
                    _ => Mode::Str,
                },
                Mode::StrEsc => match b {
                    b'\\' => Mode::Text,
                    0x1b => Mode::StrEsc,
                    _ => Mode::Str,
                },
            };
        }
    }
}

/// Strip a whole buffer at once.
pub fn strip(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    Stripper::default().feed(input, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"plain text\n", b"plain text\n"),
            (b"a\r\nb\r\n", b"a\nb\n"),
            (b"\x1b[1;31mred\x1b[0m", b"red"),
            (b"\x1b[?2004hprompt$ ", b"prompt$ "),
            (b"\x1b]0;title\x07after", b"after"),
            (b"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", b"link"),
            (b"\x1bP1$r0m\x1b\\ok", b"ok"),
            (b"\x1b(Bx\x1b=y\x1b>z", b"xyz"),
            (b"bell\x07 bs\x08 tab\t", b"bell bs tab\t"),
            (b"50%\r100%\n", b"50%100%\n"),
            (
                "caf\u{e9} \u{2691}".as_bytes(),
                "caf\u{e9} \u{2691}".as_bytes(),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                strip(input),
                *want,
                "input {:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn sequences_split_across_chunks() {
        let whole = b"a\x1b[38;5;196mb\x1b]0;t\x1b\\c\r\nd";
        for cut in 0..whole.len() {
            let mut s = Stripper::default();
            let mut out = Vec::new();
            s.feed(&whole[..cut], &mut out);
            s.feed(&whole[cut..], &mut out);
            assert_eq!(out, b"abc\nd", "cut at {cut}");
        }
    }
}
