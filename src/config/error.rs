//! Config errors that name what they are about: the line (from the toml
//! crate's spans) and the key, since a line alone leaves the user to guess
//! which table a key belongs to.

/// A parse error: where (a byte offset into the text) and what.
#[derive(Debug)]
pub(super) struct ConfigError {
    pub span: Option<usize>,
    pub message: String,
}

/// The toml crate's message, made to name the key it is about, since a
/// line alone leaves the user to guess which table a key belongs to: a
/// value error gets the key's dotted path (`runners.x.tick: invalid type:
/// ...`), a duplicate key the key as written there (`duplicate key
/// `runners.x``).
pub(super) fn toml_message(text: &str, mut e: toml::de::Error) -> String {
    let message = e.message().trim().to_string();
    if message == "duplicate key" {
        // The parser's span is the repeated key itself.
        return match e.span().and_then(|s| key_at(text, s)) {
            Some(key) => format!("duplicate key `{key}`"),
            None => message,
        };
    }
    // The crate keeps the dotted path private and shows it (as a line
    // "in `a.b`") only when printing an error that has no input text.
    e.set_input(None);
    let shown = e.to_string();
    match shown
        .lines()
        .find_map(|l| l.strip_prefix("in `")?.strip_suffix('`'))
    {
        Some(path) => format!("{path}: {message}"),
        None => message,
    }
}

/// The key at `span` as written, with the dotted keys before it on its
/// line (`a.b` of `a.b = 2`, `runners.x` of `[runners.x]`), not those of
/// an inline table around it.
fn key_at(text: &str, span: std::ops::Range<usize>) -> Option<String> {
    let key = text.get(span.clone())?.trim();
    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let before = text[line_start..span.start]
        .trim_start()
        .trim_start_matches('[')
        .trim_start();
    Some(if before.trim_end().ends_with('.') {
        format!("{before}{key}")
    } else {
        key.to_string()
    })
}

/// 1-based line number of byte offset `at` in `text`.
pub(super) fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}
