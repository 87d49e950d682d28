//! The TOML config: typed, strict, with built-in runner presets underneath.
//!
//! A missing file means all defaults. Every key the file may set is a field of
//! [`FileConfig`] with `deny_unknown_fields`, so a typo is an error, not a
//! silently ignored setting. Errors name the file and the line (from the toml
//! crate's spans) and exit with status 2.

use crate::exit;
use anyhow::Result;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// The placeholder a runner command uses to receive the prompt file's path.
pub const PROMPT_FILE: &str = "{{prompt_file}}";

/// The longest interval or timeout in seconds a config may set (a week).
pub const MAX_SECS: u64 = 7 * 24 * 3600;

/// The longest first retry backoff (it doubles from there).
const MAX_BACKOFF_SECS: u64 = 3600;

/// How to run one agent CLI: headless for the tick AI, interactive for workers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runner {
    /// Run with `bash -lc` in the data dir; prompt on stdin unless the command
    /// contains `{{prompt_file}}`.
    pub tick: String,
    /// The worker launch command; contains `{{prompt_file}}`.
    pub interactive: String,
}

/// Sensor limits.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorsConfig {
    pub timeout_secs: u64,
    pub max_bytes: usize,
}

/// Retrying a tick AI call that failed for a transient reason.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryConfig {
    /// Extra attempts after the first (0 = never retry).
    pub attempts: u32,
    /// Wait before the first retry; doubles each time.
    pub backoff_secs: u64,
    /// Case-insensitive substrings of the runner's output that mark a failure
    /// as transient.
    pub transient: Vec<String>,
}

/// The effective configuration: presets, then the user's file on top.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub runner: String,
    pub interval_secs: u64,
    pub max_workers: usize,
    pub daily_budget_usd: f64,
    pub tick_timeout_secs: u64,
    /// Flag a running, unflagged worker that printed nothing for this long.
    pub idle_flag_secs: Option<u64>,
    /// Shell command run once per new flag (LOOOP_NOTIFY_ID / _MESSAGE).
    pub notify: Option<String>,
    /// Commit policy files and journal after an acting beat in a git data dir.
    pub git_commit: bool,
    /// Finished sessions older than this are deleted by housekeeping.
    pub retention_hours: u64,
    /// A worker's output.log keeps at most this many bytes (newest part).
    pub log_max_bytes: u64,
    pub sensors: SensorsConfig,
    pub retry: RetryConfig,
    pub runners: BTreeMap<String, Runner>,
}

/// What the file may contain; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    runner: Option<Spanned<String>>,
    interval: Option<Spanned<u64>>,
    max_workers: Option<usize>,
    daily_budget_usd: Option<Spanned<f64>>,
    tick_timeout: Option<Spanned<u64>>,
    idle_flag_secs: Option<u64>,
    notify: Option<String>,
    git_commit: Option<bool>,
    retention_hours: Option<u64>,
    log_max_mb: Option<Spanned<u64>>,
    sensors: Option<FileSensors>,
    retry: Option<FileRetry>,
    runners: Option<BTreeMap<String, Spanned<FileRunner>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSensors {
    timeout: Option<Spanned<u64>>,
    max_bytes: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRetry {
    attempts: Option<u32>,
    backoff_secs: Option<Spanned<u64>>,
    transient: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRunner {
    tick: Option<Spanned<String>>,
    interactive: Option<Spanned<String>>,
}

/// The built-in runner presets, checked against each CLI's `--help`.
///
/// Tick commands are headless, never stop at a permission prompt, and take
/// the prompt on stdin (no `{{prompt_file}}`), so a long prompt never meets
/// the kernel's per-argument limit (128 KiB on Linux). Where the CLI can
/// stream something looop meters (see `agent_stream`), the preset asks for
/// it: claude's stream-json, pi's `--mode json`. codex and opencode print
/// their final answer as plain text instead: their JSON streams carry no
/// USD figure and would bury the move inside escaped event strings.
///
/// Worker commands start the CLI's interactive UI with the prompt file's
/// text as the first message (`"$(cat {{prompt_file}})"`, the path already
/// shell-quoted by looop) and with approvals turned off, since nobody is
/// watching the PTY until the worker flags. The README lists each CLI's
/// caveats.
pub fn presets() -> BTreeMap<String, Runner> {
    let mut m = BTreeMap::new();
    let mut add = |name: &str, tick: &str, interactive: &str| {
        m.insert(
            name.to_string(),
            Runner {
                tick: tick.to_string(),
                interactive: interactive.to_string(),
            },
        );
    };
    add(
        "claude",
        "claude -p --output-format stream-json --verbose --dangerously-skip-permissions",
        "claude --dangerously-skip-permissions \"$(cat {{prompt_file}})\"",
    );
    add(
        "codex",
        "codex exec --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox --ephemeral --color never -",
        "codex --dangerously-bypass-approvals-and-sandbox \"$(cat {{prompt_file}})\"",
    );
    add(
        "pi",
        "pi -p --mode json --no-session",
        "pi \"$(cat {{prompt_file}})\"",
    );
    add(
        "opencode",
        "opencode run --auto",
        "opencode --auto --prompt \"$(cat {{prompt_file}})\"",
    );
    m
}

#[cfg(test)]
mod preset_tests {
    use super::*;

    #[test]
    fn every_preset_takes_its_prompt_safely() {
        let p = presets();
        let names: Vec<&str> = p.keys().map(String::as_str).collect();
        assert_eq!(names, ["claude", "codex", "opencode", "pi"]);
        for (name, r) in &p {
            assert!(!r.tick.contains(PROMPT_FILE), "{name}: tick reads stdin");
            let quoted = format!("\"$(cat {PROMPT_FILE})\"");
            assert!(r.interactive.contains(&quoted), "{name}: {}", r.interactive);
            assert!(r.tick.starts_with(name.as_str()), "{name}: {}", r.tick);
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            runner: "claude".to_string(),
            interval_secs: 60,
            max_workers: 8,
            daily_budget_usd: 0.0,
            tick_timeout_secs: 900,
            idle_flag_secs: None,
            notify: None,
            git_commit: true,
            retention_hours: 24,
            log_max_bytes: 64 * 1024 * 1024,
            sensors: SensorsConfig {
                timeout_secs: 60,
                max_bytes: 8192,
            },
            retry: RetryConfig {
                attempts: 2,
                backoff_secs: 5,
                transient: [
                    "rate limit",
                    "rate_limit",
                    "overloaded",
                    "529",
                    "503",
                    "timed out",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            },
            runners: presets(),
        }
    }
}

impl Config {
    /// Load the config at `path`; a missing file means the defaults.
    pub fn load(path: &Path) -> Result<Config> {
        let cannot_read =
            |e: std::io::Error| exit::usage(format!("config {}: cannot read: {e}", path.display()));
        // Look before opening: reading a FIFO would block until a writer
        // comes, and /dev/zero never ends. `metadata` follows symlinks, so a
        // symlink to a regular file is fine.
        match std::fs::metadata(path) {
            // The usual way to say "no config": all defaults, like a missing file.
            Ok(meta) if !meta.is_file() && is_dev_null(path) => return Ok(Config::default()),
            Ok(meta) if !meta.is_file() => {
                return Err(exit::usage(format!(
                    "config {} is not a regular file (it is {})",
                    path.display(),
                    file_kind(&meta)
                )));
            }
            Ok(_) => {}
            // Missing means defaults; a dangling symlink is a mistake to name.
            Err(e)
                if e.kind() == std::io::ErrorKind::NotFound && path.symlink_metadata().is_err() =>
            {
                return Ok(Config::default());
            }
            Err(e) => return Err(cannot_read(e)),
        }
        let text = std::fs::read(path).map_err(cannot_read)?;
        let text = String::from_utf8(text)
            .map_err(|_| exit::usage(format!("config {}: not valid UTF-8", path.display())))?;
        Config::parse(&text).map_err(|e| {
            let where_ = match e.span {
                Some(at) => format!("{}:{}", path.display(), line_of(&text, at)),
                None => path.display().to_string(),
            };
            exit::usage(format!("config {where_}: {}", e.message))
        })
    }

    /// Parse config text over the defaults.
    fn parse(text: &str) -> std::result::Result<Config, ConfigError> {
        let file: FileConfig = toml::from_str(text).map_err(|e| ConfigError {
            span: e.span().map(|s| s.start),
            message: toml_message(text, e),
        })?;
        let mut c = Config::default();
        let bad = |span: std::ops::Range<usize>, message: String| ConfigError {
            span: Some(span.start),
            message,
        };
        // Seconds are bounded above too: a huge value would overflow the
        // clock arithmetic of a deadline instead of meaning "never".
        let secs = |v: Spanned<u64>, key: &str| {
            if (1..=MAX_SECS).contains(v.get_ref()) {
                Ok(v.into_inner())
            } else {
                Err(bad(
                    v.span(),
                    format!("{key} must be 1..={MAX_SECS} seconds (a week)"),
                ))
            }
        };
        if let Some(v) = file.interval {
            c.interval_secs = secs(v, "interval")?;
        }
        if let Some(v) = file.max_workers {
            c.max_workers = v;
        }
        if let Some(v) = file.daily_budget_usd {
            let usd = *v.get_ref();
            if !usd.is_finite() || usd < 0.0 {
                return Err(bad(
                    v.span(),
                    "daily_budget_usd must be a number >= 0".into(),
                ));
            }
            c.daily_budget_usd = usd;
        }
        if let Some(v) = file.tick_timeout {
            c.tick_timeout_secs = secs(v, "tick_timeout")?;
        }
        c.idle_flag_secs = file.idle_flag_secs.filter(|s| *s > 0);
        c.notify = file.notify.filter(|s| !s.trim().is_empty());
        if let Some(v) = file.git_commit {
            c.git_commit = v;
        }
        if let Some(v) = file.retention_hours {
            c.retention_hours = v;
        }
        if let Some(v) = file.log_max_mb {
            if *v.get_ref() == 0 {
                return Err(bad(v.span(), "log_max_mb must be at least 1".into()));
            }
            c.log_max_bytes = v.into_inner().saturating_mul(1024 * 1024);
        }
        if let Some(s) = file.sensors {
            if let Some(v) = s.timeout {
                c.sensors.timeout_secs = secs(v, "sensors.timeout")?;
            }
            if let Some(v) = s.max_bytes {
                c.sensors.max_bytes = v;
            }
        }
        if let Some(r) = file.retry {
            if let Some(v) = r.attempts {
                c.retry.attempts = v;
            }
            if let Some(v) = r.backoff_secs {
                if *v.get_ref() > MAX_BACKOFF_SECS {
                    return Err(bad(
                        v.span(),
                        format!("retry.backoff_secs must be at most {MAX_BACKOFF_SECS}"),
                    ));
                }
                c.retry.backoff_secs = v.into_inner();
            }
            if let Some(v) = r.transient {
                c.retry.transient = v;
            }
        }
        for (name, spanned) in file.runners.unwrap_or_default() {
            let table = spanned.span();
            let over = spanned.into_inner();
            if !crate::ids::is_valid(&name) {
                return Err(bad(
                    table,
                    format!("runner name {name:?} is not a valid id"),
                ));
            }
            // A bad value is named at its own line, not at the table header
            // that may be far above it. Presets pass both checks.
            if let Some(v) = &over.tick
                && v.get_ref().trim().is_empty()
            {
                return Err(bad(v.span(), format!("runners.{name}.tick is empty")));
            }
            if let Some(v) = &over.interactive
                && !v.get_ref().contains(PROMPT_FILE)
            {
                return Err(bad(
                    v.span(),
                    format!("runners.{name}.interactive must contain {PROMPT_FILE}"),
                ));
            }
            let base = c.runners.get(&name).cloned();
            let tick = over
                .tick
                .map(Spanned::into_inner)
                .or_else(|| base.as_ref().map(|b| b.tick.clone()));
            let interactive = over
                .interactive
                .map(Spanned::into_inner)
                .or_else(|| base.as_ref().map(|b| b.interactive.clone()));
            let (Some(tick), Some(interactive)) = (tick, interactive) else {
                return Err(bad(
                    table,
                    format!(
                        "runners.{name} needs both `tick` and `interactive` (it is not a preset)"
                    ),
                ));
            };
            c.runners.insert(name, Runner { tick, interactive });
        }
        if let Some(v) = file.runner {
            if !c.runners.contains_key(v.get_ref()) {
                let known: Vec<&str> = c.runners.keys().map(String::as_str).collect();
                return Err(bad(
                    v.span(),
                    format!(
                        "unknown runner {:?} (known: {})",
                        v.get_ref(),
                        known.join(", ")
                    ),
                ));
            }
            c.runner = v.into_inner();
        }
        Ok(c)
    }

    /// The runner called `name`, or status 1 naming the known ones.
    pub fn runner(&self, name: &str) -> Result<&Runner> {
        self.runners.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.runners.keys().map(String::as_str).collect();
            exit::refused(format!(
                "unknown runner {name:?} (known: {})",
                known.join(", ")
            ))
        })
    }
}

/// Whether `path` is (a symlink to) /dev/null.
fn is_dev_null(path: &Path) -> bool {
    std::fs::canonicalize(path).is_ok_and(|p| p == Path::new("/dev/null"))
}

/// What a non-regular file is, for the error that refuses it.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "something else"
    }
}

#[derive(Debug)]
struct ConfigError {
    span: Option<usize>,
    message: String,
}

/// The toml crate's message, made to name the key it is about, since a
/// line alone leaves the user to guess which table a key belongs to: a
/// value error gets the key's dotted path (`runners.x.tick: invalid type:
/// ...`), a duplicate key the key as written there (`duplicate key
/// `runners.x``).
fn toml_message(text: &str, mut e: toml::de::Error) -> String {
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
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The commented config `looop init` writes: every key, at its default,
/// commented out, so the file documents itself.
pub fn template(runner: &str) -> String {
    format!(
        r#"# looop config. Every key is optional; the commented values are the defaults.
# Reference: the "Configuration" section of looop's README.

runner = "{runner}"          # default runner for the tick AI and for workers
# interval = 60              # seconds between beats in `looop run` / `looop up`
# max_workers = 8            # live worker cap; start-session refuses beyond it
# daily_budget_usd = 0.0     # 0 = no cap; when today's spend reaches it, beats skip the AI
# tick_timeout = 900         # seconds a tick AI call (or a `run` move) may take
# idle_flag_secs = 0         # flag a running worker silent this long (0 = off)
# notify = "notify-send looop \"$LOOOP_NOTIFY_ID: $LOOOP_NOTIFY_MESSAGE\""
# git_commit = true          # commit PLAYBOOK/goals/sensors/journal after acting beats
# retention_hours = 24       # finished sessions older than this are pruned
# log_max_mb = 64            # a worker's output.log keeps its newest part up to this

# [sensors]
# timeout = 60               # seconds; a sensor past it is killed with its group
# max_bytes = 8192           # larger output becomes an error reading

# [retry]                    # transient tick AI failures
# attempts = 2
# backoff_secs = 5
# transient = ["rate limit", "overloaded", "529", "503"]

# Runners: a preset table only needs the keys it changes.
# [runners.claude]
# tick = "claude -p --output-format stream-json --verbose --dangerously-skip-permissions"
# interactive = "claude --dangerously-skip-permissions \"$(cat {{{{prompt_file}}}})\""
#
# Any command that prints text can be the tick AI:
# [runners.mine]
# tick = "my-local-model --prompt-file {{{{prompt_file}}}}"
# interactive = "bash {{{{prompt_file}}}}"
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> std::result::Result<Config, ConfigError> {
        Config::parse(text)
    }

    #[test]
    fn empty_is_defaults() {
        assert_eq!(parse("").unwrap(), Config::default());
    }

    #[test]
    fn preset_keeps_unset_keys() {
        let c = parse("[runners.claude]\ntick = \"my-claude -p\"\n").unwrap();
        let r = &c.runners["claude"];
        assert_eq!(r.tick, "my-claude -p");
        assert_eq!(r.interactive, presets()["claude"].interactive);
        assert!(c.runners.contains_key("codex"));
    }

    #[test]
    fn own_runner_can_be_selected() {
        let c = parse(
            "runner = \"script\"\n[runners.script]\ntick = \"./decide.sh\"\ninteractive = \"bash {{prompt_file}}\"\n",
        )
        .unwrap();
        assert_eq!(c.runner, "script");
    }

    #[test]
    fn own_runner_needs_both_commands() {
        let e = parse("[runners.x]\ntick = \"a\"\n").unwrap_err();
        assert!(e.message.contains("needs both"), "{}", e.message);
    }

    #[test]
    fn unknown_key_names_line() {
        let text = "runner = \"claude\"\nintervall = 5\n";
        let e = parse(text).unwrap_err();
        assert_eq!(line_of(text, e.span.unwrap()), 2);
        assert!(e.message.contains("intervall"), "{}", e.message);
    }

    #[test]
    fn wrong_type_names_line() {
        let text = "\n\ninterval = \"soon\"\n";
        let e = parse(text).unwrap_err();
        assert_eq!(line_of(text, e.span.unwrap()), 3);
    }

    #[test]
    fn unknown_runner_names_line() {
        let text = "# hi\nrunner = \"gpt\"\n";
        let e = parse(text).unwrap_err();
        assert_eq!(line_of(text, e.span.unwrap()), 2);
        assert!(e.message.contains("unknown runner"));
    }

    #[test]
    fn a_duplicate_key_is_named() {
        for (text, line, key) in [
            (
                "runner = \"pi\"\ninterval = 5\n\ninterval = 6\n",
                4,
                "interval",
            ),
            ("[sensors]\ntimeout = 5\n[sensors]\n", 3, "sensors"),
            (
                "[runners.pi]\ntick = \"a\"\n[ runners.pi ]\n",
                3,
                "runners.pi",
            ),
            ("[runners.pi]\ntick = \"a\"\ntick = \"b\"\n", 3, "tick"),
            ("a.b = 1\na.b = 2\n", 2, "a.b"),
            ("sensors = { timeout = 1, timeout = 2 }\n", 1, "timeout"),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(line_of(text, e.span.unwrap()), line, "{text}");
            assert_eq!(e.message, format!("duplicate key `{key}`"), "{text}");
        }
    }

    #[test]
    fn a_value_error_names_its_key_and_line() {
        let text = "[runners.pi]\n# note\n\ninteractive = true\n";
        let e = parse(text).unwrap_err();
        assert_eq!(line_of(text, e.span.unwrap()), 4);
        assert!(
            e.message
                .starts_with("runners.pi.interactive: invalid type"),
            "{}",
            e.message
        );
        let text = "[sensors]\n\ntimout = 3\n";
        let e = parse(text).unwrap_err();
        assert_eq!(line_of(text, e.span.unwrap()), 3);
        assert!(
            e.message.starts_with("sensors: unknown field `timout`"),
            "{}",
            e.message
        );
        // Our own checks point at the key too, not at the table header.
        let text = "[runners.x]\ninteractive = \"bash {{prompt_file}}\"\n\ntick = \" \"\n";
        assert_eq!(line_of(text, parse(text).unwrap_err().span.unwrap()), 4);
        let text = "[runners.claude]\n\ninteractive = \"claude\"\n";
        assert_eq!(line_of(text, parse(text).unwrap_err().span.unwrap()), 3);
    }

    #[test]
    fn unknown_nested_key_is_refused() {
        assert!(parse("[sensors]\ntimout = 3\n").is_err());
        assert!(parse("[runners.claude]\ntik = \"x\"\n").is_err());
    }

    #[test]
    fn an_empty_tick_command_is_refused() {
        let e =
            Config::parse("[runners.x]\ntick = \" \"\ninteractive = \"bash {{prompt_file}}\"\n")
                .unwrap_err();
        assert!(
            e.message.contains("runners.x.tick is empty"),
            "{}",
            e.message
        );
    }

    #[test]
    fn interactive_needs_prompt_file() {
        let e = parse("[runners.claude]\ninteractive = \"claude\"\n").unwrap_err();
        assert!(e.message.contains("{{prompt_file}}"));
    }

    #[test]
    fn template_parses_to_defaults() {
        assert_eq!(parse(&template("claude")).unwrap(), Config::default());
        assert_eq!(parse(&template("pi")).unwrap().runner, "pi");
    }
}
