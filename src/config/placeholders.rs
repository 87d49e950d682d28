//! Filling a runner's command line: `{{prompt_file}}`, `{{session_id}}`,
//! `{{session_file}}` and `{{cwd}}`, each replaced shell-quoted (CONTRACT
//! §8), so no path or id can inject shell syntax.

use std::path::Path;

/// The placeholder a runner command uses to receive the prompt file's path.
pub const PROMPT_FILE: &str = "{{prompt_file}}";
/// The worker's agent session id (CONTRACT §8).
pub const SESSION_ID: &str = "{{session_id}}";
/// `sessions/<session>/agent-session.jsonl`, for CLIs that take a file.
pub const SESSION_FILE: &str = "{{session_file}}";
/// The worker's working directory.
pub const CWD: &str = "{{cwd}}";

/// The values of one launch; a placeholder whose value is unknown becomes
/// an empty word (`''`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Values<'a> {
    pub prompt_file: Option<&'a Path>,
    pub session_id: Option<&'a str>,
    pub session_file: Option<&'a Path>,
    pub cwd: Option<&'a Path>,
}

/// `command` with every placeholder replaced by its quoted value.
pub fn fill(command: &str, values: &Values) -> String {
    let path = |p: Option<&Path>| p.map(|p| p.to_string_lossy().into_owned());
    let mut out = command.to_string();
    for (name, value) in [
        (PROMPT_FILE, path(values.prompt_file)),
        (SESSION_ID, values.session_id.map(str::to_string)),
        (SESSION_FILE, path(values.session_file)),
        (CWD, path(values.cwd)),
    ] {
        if out.contains(name) {
            let quoted = crate::shell::quote(value.as_deref().unwrap_or(""));
            out = out.replace(name, &quoted);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_replaced_quoted() {
        let values = Values {
            prompt_file: Some(Path::new("/d/p.md")),
            session_id: Some("1234-ab"),
            session_file: Some(Path::new("/d/it's.jsonl")),
            cwd: Some(Path::new("/w d")),
        };
        assert_eq!(
            fill(
                "x --session-id {{session_id}} --session {{session_file}} -C {{cwd}} \"$(cat {{prompt_file}})\"",
                &values
            ),
            "x --session-id 1234-ab --session '/d/it'\\''s.jsonl' -C '/w d' \"$(cat /d/p.md)\""
        );
        assert_eq!(fill("a {{session_id}}", &Values::default()), "a ''");
        assert_eq!(fill("plain", &values), "plain");
    }
}
