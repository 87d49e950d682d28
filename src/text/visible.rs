//! Terminal-safe text (CONTRACT §12 "Terminal text"): control characters
//! in untrusted text are spelled out instead of reaching the terminal, so a
//! flag note cannot clear the screen, set the window title, write the
//! clipboard (OSC 52) or reorder a line with a bidi override.
//!
//! What is escaped, and how it reads:
//! - ESC (0x1b) → `\e`; TAB → `\t`, LF → `\n`, CR → `\r` (in [`one_line`];
//!   [`block`] keeps TAB and LF, which a multi-line block needs);
//! - every other C0 byte (0x00-0x1f) and DEL (0x7f) → `\xHH`, e.g. BEL →
//!   `\x07`;
//! - C1 controls U+0080-U+009F (an 8-bit CSI is U+009B) and the bidi
//!   embeddings, overrides and isolates U+202A-U+202E, U+2066-U+2069 →
//!   `\u{HHHH}` in lower-case hex, e.g. `\u{202e}`.
//!
//! A backslash is left as it is: the output is for human eyes, not a
//! reversible encoding (`--json` keeps the raw text, JSON-escaped). Clean
//! text is returned borrowed, without allocating.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` for a one-line field (an id, a flag note, a journal line): every
/// control character made visible, TAB and LF included.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// `text` for a multi-line block (a sensor's output): like [`one_line`] but
/// TAB and LF are kept, so lines stay lines.
pub fn block(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

fn escape(text: &str, keep_layout: bool) -> Cow<'_, str> {
    let needs = |c: char| is_unsafe(c) && !(keep_layout && (c == '\n' || c == '\t'));
    let Some(first) = text.find(needs) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        if !needs(c) {
            out.push(c);
            continue;
        }
        match c {
            '\x1b' => out.push_str("\\e"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x80 => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// C0, DEL, C1 and the bidi controls that reorder what follows them.
fn is_unsafe(c: char) -> bool {
    matches!(c as u32,
        0x00..=0x1f | 0x7f | 0x80..=0x9f | 0x202a..=0x202e | 0x2066..=0x2069)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed_unchanged() {
        for clean in ["", "idle 3m — stuck?", "naïve café ✓ 日本", r"C:\path\x07"] {
            let out = one_line(clean);
            assert!(matches!(out, Cow::Borrowed(_)), "{clean:?}");
            assert_eq!(out, clean);
        }
        assert!(matches!(block("a\n\tb\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn controls_are_spelled_out() {
        let table = [
            ("\x1b]0;pwned\x07\x1b[2J", r"\e]0;pwned\x07\e[2J"),
            ("a\tb\nc\rd", r"a\tb\nc\rd"),
            ("nul\0del\x7f", r"nul\x00del\x7f"),
            ("csi\u{9b}2J c1\u{80}", r"csi\u{9b}2J c1\u{80}"),
            ("evil\u{202e}txt.exe", r"evil\u{202e}txt.exe"),
            (
                "\u{202a}\u{202d}\u{2066}\u{2069}",
                r"\u{202a}\u{202d}\u{2066}\u{2069}",
            ),
            ("\x1b]52;c;aGk=\x07", r"\e]52;c;aGk=\x07"),
        ];
        for (raw, want) in table {
            assert_eq!(one_line(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn a_block_keeps_lines_and_tabs_but_not_escapes() {
        assert_eq!(block("a\tb\nc\x1b[2Jd\re"), "a\tb\nc\\e[2Jd\\re");
    }

    #[test]
    fn no_escape_or_bell_survives_any_char() {
        for cp in (0u32..0x3000).filter_map(char::from_u32) {
            let s = format!("x{cp}y");
            let out = one_line(&s);
            assert!(!out.chars().any(is_unsafe), "{cp:?} -> {out:?}");
        }
    }
}
