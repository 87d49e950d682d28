//! The launch of a worker's agent command: its placeholders filled (with
//! the agents' own: `{{hooks_file}}`, codex's `{{codex_notify}}`), its
//! hook settings written, its environment. Shared by a fresh start (the
//! runner's `interactive` command, [`crate::workers`]) and a resume on the
//! worker's own agent session (the runner's `resume` command,
//! [`crate::resume`]), so both give the agent the same world.

use crate::agents::Agent;
use crate::agents::spec::HOOKS_FILE;
use crate::config;
use crate::paths::{self, Profile};
use crate::store;
use crate::supervisor::LaunchSpec;
use anyhow::Result;
use std::path::{Path, PathBuf};

/// One worker launch, before its placeholders are filled.
#[derive(Debug)]
pub struct Launch<'a> {
    pub session: &'a str,
    pub runner_name: &'a str,
    pub runner: &'a config::Runner,
    /// The command with placeholders: the runner's `interactive` or
    /// `resume` command.
    pub template: &'a str,
    /// `{{prompt_file}}` (none for a resume).
    pub prompt_file: Option<&'a Path>,
    /// The agent session (`{{session_id}}`, `LOOOP_AGENT_SESSION`): the one
    /// looop chose for a fresh start, the worker's own for a resume; none
    /// for a CLI that chooses its own.
    pub agent_session: Option<String>,
    pub cwd: &'a Path,
    /// The goal the worker serves, recorded in its session record.
    pub goal: Option<String>,
}

/// The [`LaunchSpec`] of `launch`: the command filled and made `exec` when
/// simple, the profile's environment, `LOOOP_SESSION_ID`, the agent
/// session, the agent's own variables.
pub fn spec(profile: &Profile, launch: Launch) -> Result<LaunchSpec> {
    let agent = launch.runner.agent;
    let session = launch.session;
    let session_file = crate::session_record::agent_session_file(&profile.session_dir(session));
    let values = config::Values {
        prompt_file: launch.prompt_file,
        session_id: launch.agent_session.as_deref(),
        session_file: Some(&session_file),
        cwd: Some(launch.cwd),
    };
    let mut command = config::fill(launch.template, &values);
    if command.contains(HOOKS_FILE) {
        let hooks = write_hooks(profile, session, agent)?;
        command = command.replace(HOOKS_FILE, &crate::shell::quote(&hooks.to_string_lossy()));
    }
    if command.contains(crate::agents::CODEX_NOTIFY) {
        // The path goes into TOML (escaped there), the whole into the
        // shell (quoted there): neither can break the other.
        let looop = paths::current_exe()?;
        let value = crate::agents::codex_notify_option(&looop.to_string_lossy());
        command = command.replace(crate::agents::CODEX_NOTIFY, &crate::shell::quote(&value));
    }
    let command = exec_if_simple(&command);
    let mut env = paths::child_env(profile)?;
    env.push(("LOOOP_SESSION_ID".to_string(), session.into()));
    if let Some(id) = &launch.agent_session {
        env.push(("LOOOP_AGENT_SESSION".to_string(), id.into()));
    }
    for (key, value) in agent.spec().map_or(&[][..], |s| s.worker_env) {
        env.push((key.to_string(), value.into()));
    }
    Ok(LaunchSpec {
        agent: agent.spec().map(|s| s.name.to_string()),
        agent_session: launch.agent_session,
        session: session.to_string(),
        command,
        cwd: launch.cwd.to_path_buf(),
        runner: launch.runner_name.to_string(),
        env,
        unset: NOT_INHERITED,
        goal: launch.goal,
        size: None,
    })
}

/// The caller's variables a worker does not inherit: its PTY is not the
/// caller's tmux pane, and agent CLIs that see `TMUX` warn about tmux
/// settings that do not apply.
const NOT_INHERITED: &[&str] = &["TMUX", "TMUX_PANE"];

/// The agent's hook settings for `{{hooks_file}}` in the session dir:
/// each hook runs `looop _hook <event>` (CONTRACT §9). An agent without
/// hooks gets an empty settings object.
fn write_hooks(profile: &Profile, session: &str, agent: Agent) -> Result<PathBuf> {
    let dir = profile.sessions_dir().join(session);
    store::ensure_dir(&dir, 0o700)?;
    let path = dir.join("hooks.json");
    let hook = format!(
        "{} _hook",
        crate::shell::quote(&paths::current_exe()?.to_string_lossy())
    );
    let text = match agent.spec().and_then(|s| s.hooks.as_ref()) {
        Some(h) => (h.settings)(&hook),
        None => "{}".to_string(),
    };
    store::write_atomic_mode(&path, text.as_bytes(), 0o600)?;
    Ok(path)
}

/// Shell words that are not programs on PATH.
pub const SHELL_WORDS: &[&str] = &[
    "exec", "if", "for", "while", "until", "case", "function", "select", "time", "!", "{", "(",
    "((", "[[", "eval", "source", ".", "cd", "export", "set", "unset", "trap", "ulimit", "umask",
    "alias", "builtin", "command", "exit", "return", "true", "false", ":",
];

/// Prefix `exec` to a plain command so bash becomes the agent instead of
/// idling as its parent. Anything with shell structure (lists, pipes,
/// background jobs, groups, keywords, leading assignments) is left as is.
pub fn exec_if_simple(command: &str) -> String {
    let trimmed = command.trim_start();
    let first = trimmed.split_whitespace().next().unwrap_or("");
    // Keywords and builtins: `exec` cannot replace the shell with these.
    if first.is_empty()
        || SHELL_WORDS.contains(&first)
        || first.contains('=')
        || first.starts_with('(')
    {
        return command.to_string();
    }
    let (mut single, mut double, mut escaped, mut subst) = (false, false, false, 0usize);
    let bytes = trimmed.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        match b {
            b'\\' if !single => escaped = true,
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'(' if !single && i > 0 && bytes[i - 1] == b'$' => subst += 1,
            b')' if !single && subst > 0 => subst -= 1,
            b'#' if !single
                && !double
                && subst == 0
                && (i == 0 || bytes[i - 1].is_ascii_whitespace()) =>
            {
                break;
            }
            b';' | b'&' | b'|' | b'\n' | b'(' | b')' | b'{' | b'}' | b'<' | b'>'
                if !single && !double && subst == 0 =>
            {
                // Redirections would apply to `exec` itself, changing the
                // shell's own fds: leave those commands alone too.
                return command.to_string();
            }
            _ => {}
        }
    }
    format!("exec {trimmed}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_only_for_simple_commands() {
        let cases = [
            (
                "bash --norc -i # '/p/x.md'",
                "exec bash --norc -i # '/p/x.md'",
            ),
            (
                r#"claude --dangerously-skip-permissions "$(cat '/p/x.md')""#,
                r#"exec claude --dangerously-skip-permissions "$(cat '/p/x.md')""#,
            ),
            ("pi \"$(cat '/a;b.md')\"", "exec pi \"$(cat '/a;b.md')\""),
            ("cd x && claude", "cd x && claude"),
            ("claude | tee log", "claude | tee log"),
            ("FOO=1 claude", "FOO=1 claude"),
            ("exec claude", "exec claude"),
            ("claude > out", "claude > out"),
            ("if true; then x; fi", "if true; then x; fi"),
            ("a; b", "a; b"),
            ("eval \"$(tail -n 1 x)\"", "eval \"$(tail -n 1 x)\""),
        ];
        for (input, want) in cases {
            assert_eq!(exec_if_simple(input), want, "{input}");
        }
    }
}
