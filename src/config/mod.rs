//! The TOML config: typed, strict, with built-in runner presets underneath.
//!
//! A missing file means all defaults. The file is read here, parsed over
//! the defaults in [`parse`] (strict: a typo is an error naming the key),
//! and its errors are made to name the file, the line and the key in
//! [`error`]; they exit with status 2. [`template()`] is what `looop init`
//! writes.

mod defaults;
mod error;
mod parse;
mod placeholders;
mod template;

pub use placeholders::{PROMPT_FILE, SESSION_FILE, SESSION_ID, Values, fill};
pub use template::template;

use crate::agents::Agent;
use crate::exit;
use crate::prices::Prices;
use anyhow::Result;
use error::line_of;
use std::collections::BTreeMap;
use std::path::Path;

/// The placeholder of `run_sandbox`: the `run` move's command, shell-quoted.
pub const COMMAND: &str = "{{command}}";

/// The longest interval or timeout in seconds a config may set (a week).
pub const MAX_SECS: u64 = 7 * 24 * 3600;

/// How to run one agent CLI: headless for the tick AI, interactive for workers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runner {
    /// Which CLI it runs (`agent` key; default: the runner's namesake, else
    /// none): decides session ids, transcripts and metering (CONTRACT §8).
    pub agent: Agent,
    /// Run with `bash -lc` in the data dir; prompt on stdin unless the command
    /// contains `{{prompt_file}}`.
    pub tick: String,
    /// The worker launch command; contains `{{prompt_file}}`.
    pub interactive: String,
    /// The relaunch on the worker's own agent session (`resume` key), with
    /// `{{session_id}}`/`{{session_file}}`; `None`: not resumable.
    pub resume: Option<String>,
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

/// The built-in runners: one per agent CLI, named after it, with the
/// commands of its preset (see [`crate::agents::spec::Presets`]).
pub fn presets() -> BTreeMap<String, Runner> {
    crate::agents::ALL
        .iter()
        .filter_map(|agent| Some((*agent, agent.spec()?)))
        .map(|(agent, spec)| {
            let runner = Runner {
                agent,
                tick: spec.presets.tick.to_string(),
                interactive: spec.presets.interactive.to_string(),
                resume: spec.presets.resume.map(str::to_string),
            };
            (spec.name.to_string(), runner)
        })
        .collect()
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
    /// A command template (with [`COMMAND`]) that `run` moves run inside,
    /// e.g. a bubblewrap line: the real boundary the tripwire is not.
    pub run_sandbox: Option<String>,
    /// Finished sessions older than this are deleted by housekeeping.
    pub retention_hours: u64,
    /// A worker's output.log keeps at most this many bytes (newest part).
    pub log_max_bytes: u64,
    /// How long a usage-limit pause lasts when the message gives no usable
    /// reset time (`limit_backoff`, seconds).
    pub limit_backoff_secs: u64,
    /// How long a lost worker that can be resumed keeps its claims
    /// (`resume_grace`, seconds).
    pub resume_grace_secs: u64,
    /// `budget_action = "pause_workers"`: a budget pause also stops live
    /// workers (SIGSTOP) until it lifts.
    pub budget_pauses_workers: bool,
    pub sensors: SensorsConfig,
    pub retry: RetryConfig,
    pub runners: BTreeMap<String, Runner>,
    /// The price table with `[prices."<model>"]` laid over it.
    pub prices: Prices,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            runner: "claude".to_string(),
            interval_secs: defaults::INTERVAL_SECS,
            max_workers: 8,
            daily_budget_usd: 0.0,
            tick_timeout_secs: 900,
            idle_flag_secs: None,
            notify: None,
            git_commit: true,
            run_sandbox: None,
            retention_hours: 24,
            log_max_bytes: 64 * 1024 * 1024,
            limit_backoff_secs: 30 * 60,
            resume_grace_secs: 3600,
            budget_pauses_workers: false,
            sensors: SensorsConfig {
                timeout_secs: 60,
                max_bytes: 8192,
            },
            retry: RetryConfig {
                attempts: 2,
                backoff_secs: 5,
                transient: defaults::TRANSIENT.iter().map(|s| s.to_string()).collect(),
            },
            runners: presets(),
            prices: Prices::default(),
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
