//! One fix to the redraw the `vt100` model writes: it treats bold and dim as
//! one setting, so going from dim to bold it writes only `ESC[1m` (and only
//! `ESC[2m` the other way) where a real terminal keeps the old one too. The
//! attacher then saw claude's bold headings bold *and* dim after a
//! re-attach. Every SGR that sets bold or dim here first resets both
//! (`22`), which is what the model meant.

/// `redraw` with a `22` put before every SGR parameter `1` or `2` that sets
/// an intensity (not the `2` of a `38;2;r;g;b` colour or a `5` index).
pub fn reset_intensity_first(redraw: &str) -> String {
    let mut out = String::with_capacity(redraw.len() + 64);
    let mut rest = redraw;
    while let Some(at) = rest.find("\x1b[") {
        out.push_str(&rest[..at]);
        let seq = &rest[at + 2..];
        // An SGR: parameters (digits, `;`, `:`) then `m`.
        let end = seq
            .find(|c: char| !(c.is_ascii_digit() || c == ';' || c == ':'))
            .unwrap_or(seq.len());
        if seq[end..].starts_with('m') {
            out.push_str("\x1b[");
            out.push_str(&fixed_params(&seq[..end]));
            out.push('m');
            rest = &seq[end + 1..];
        } else {
            out.push_str("\x1b[");
            rest = seq;
        }
    }
    out.push_str(rest);
    out
}

fn fixed_params(params: &str) -> String {
    let list: Vec<&str> = params.split(';').collect();
    let mut out: Vec<&str> = Vec::with_capacity(list.len() + 1);
    let mut i = 0;
    while i < list.len() {
        let p = list[i];
        match p {
            // Extended colours: `38;5;n` and `38;2;r;g;b` take their
            // arguments with them (a colon form is one parameter).
            "38" | "48" | "58" => {
                let take = match list.get(i + 1) {
                    Some(&"5") => 3,
                    Some(&"2") => 5,
                    _ => 1,
                };
                let to = (i + take).min(list.len());
                out.extend_from_slice(&list[i..to]);
                i = to;
                continue;
            }
            "1" | "01" | "2" | "02" => out.push("22"),
            _ => {}
        }
        out.push(p);
        i += 1;
    }
    out.join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bold_and_dim_reset_first_colours_untouched() {
        assert_eq!(reset_intensity_first("\x1b[1mA"), "\x1b[22;1mA");
        assert_eq!(reset_intensity_first("x\x1b[2my"), "x\x1b[22;2my");
        assert_eq!(
            reset_intensity_first("\x1b[38;2;1;2;3m\x1b[48;5;2;1m"),
            "\x1b[38;2;1;2;3m\x1b[48;5;2;22;1m"
        );
        assert_eq!(reset_intensity_first("\x1b[0;1;4m"), "\x1b[0;22;1;4m");
        // Not SGRs: cursor moves, private modes, a lone ESC at the end.
        for s in ["\x1b[1;2H", "\x1b[?1049h", "\x1b[2J", "a\x1b[", "\x1b"] {
            assert_eq!(reset_intensity_first(s), s);
        }
    }

    /// Bold and dim at the first `needle` in `bytes`, kept apart as a real
    /// terminal (xterm, tmux) keeps them: `1` sets bold, `2` dim, `22`
    /// clears both, `0` (or nothing) clears all.
    fn intensity_at(bytes: &str, needle: &str) -> (bool, bool) {
        let stop = bytes.find(needle).unwrap();
        let (mut bold, mut dim) = (false, false);
        let mut rest = &bytes[..stop];
        while let Some(at) = rest.find("\x1b[") {
            let seq = &rest[at + 2..];
            let end = seq
                .find(|c: char| !(c.is_ascii_digit() || c == ';'))
                .unwrap_or(seq.len());
            if seq[end..].starts_with('m') {
                let params: Vec<&str> = seq[..end].split(';').collect();
                let mut i = 0;
                while i < params.len() {
                    match params[i] {
                        "" | "0" => (bold, dim) = (false, false),
                        "1" => bold = true,
                        "2" => dim = true,
                        "22" => (bold, dim) = (false, false),
                        "38" | "48" => {
                            i += if params.get(i + 1) == Some(&"5") {
                                2
                            } else {
                                4
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            rest = &seq[end..];
        }
        (bold, dim)
    }

    /// What claude sent (a dim bar right before a bold heading), redrawn
    /// from the model: a terminal fed the redraw shows the heading bold only, as
    /// claude drew it, and the bar dim only.
    #[test]
    fn a_bold_heading_after_dim_is_not_dim_after_a_redraw() {
        let mut model = vt100::Parser::new(
            std::num::NonZeroU16::new(3).unwrap(),
            std::num::NonZeroU16::new(40).unwrap(),
            0,
        );
        model.process(b"\x1b[2m|\x1b[22m\x1b[38;5;174m\x1b[1mTips\x1b[0m");
        let raw = model.screen().state_formatted();
        assert_eq!(
            intensity_at(&raw, "Tips"),
            (true, true),
            "the model's own redraw leaves dim on: {raw:?}"
        );
        let fixed = reset_intensity_first(&raw);
        assert_eq!(intensity_at(&fixed, "Tips"), (true, false), "{fixed:?}");
        assert_eq!(intensity_at(&fixed, "|"), (false, true));
    }
}
