//! Quoting for the few places looop builds a shell command line (a prompt
//! file path substituted for `{{prompt_file}}`, cron lines, tmux commands).
//! Values are always single-quoted, so no path can inject shell syntax.

/// Quote `s` for a POSIX shell: single quotes, with `'` spelled `'\''`.
pub fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+=:,@%".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quotes_only_when_needed_and_safely() {
        assert_eq!(quote("/tmp/a.md"), "/tmp/a.md");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's $(rm -rf ~)"), "'it'\\''s $(rm -rf ~)'");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf %s {}", quote("x'; echo pwned; '$HOME")))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "x'; echo pwned; '$HOME"
        );
    }
}
