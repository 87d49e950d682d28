//! The shape every agent CLI's file fills in: its [`Spec`] (presets, stream
//! reader, screen reading, transcript; later its usage-limit texts and
//! resume command). A leaf: the CLIs' files import it, it imports none
//! of them.

use super::screen::Rows;
use crate::activity::Reading;
use crate::usage::{Spend, Tokens};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One agent CLI's knowledge.
#[derive(Debug)]
pub struct Spec {
    /// Its name in the config and the name of its preset runner.
    pub name: &'static str,
    /// The commands of its preset runner.
    pub presets: Presets,
    /// A fresh reader of its headless output stream, when it prints
    /// something looop meters; `None` when its tick answer is plain text.
    pub stream: Option<fn() -> Box<dyn StreamRead>>,
    /// Its activity read off its visible screen (CONTRACT §9).
    pub read_screen: fn(Rows) -> Reading,
    /// Its own hooks, when it offers them (CONTRACT §9).
    pub hooks: Option<Hooks>,
    /// The model a tick command uses, when its stream names none but
    /// counts tokens (codex), so they can be priced.
    pub tick_model: Option<fn(&str) -> Option<String>>,
    /// Environment every worker of this CLI gets (claude: no self-update
    /// under a running worker, `DISABLE_AUTOUPDATER=1`).
    pub worker_env: &'static [(&'static str, &'static str)],
    /// How a worker's spend is read from the CLI's own transcript; `None`
    /// when looop cannot meter it (CONTRACT §10).
    pub transcript: Option<Transcript>,
}

/// Where a CLI keeps a worker's transcript and how one line of it reads.
/// The metering around it (offsets, locks, the ledger) is
/// `crate::meter`'s, the same for every CLI.
#[derive(Debug)]
pub struct Transcript {
    /// The transcript file, once it exists.
    pub locate: fn(&Whereabouts) -> Option<Found>,
    /// One complete line (without its newline).
    pub read_line: fn(&[u8], &mut Memory) -> Line,
}

/// What looop knows of a worker when it looks for its transcript.
pub struct Whereabouts<'a> {
    /// The worker's working directory.
    pub cwd: &'a Path,
    /// The agent session id looop chose (`{{session_id}}`), if any.
    pub agent_session: Option<&'a str>,
    /// `{{session_file}}`: `sessions/<session>/agent-session.jsonl`.
    pub session_file: &'a Path,
    /// When the worker started, Unix seconds.
    pub started_at: i64,
    /// Whether another worker of this profile already owns an agent
    /// session id, so two workers in one directory never read the same
    /// file. A question rather than a set: finding the owners reads every
    /// worker's meter, and only a CLI that picks its own id (codex) asks.
    pub is_taken: &'a dyn Fn(&str) -> bool,
}

/// A transcript found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub path: PathBuf,
    /// The CLI's own session id, when looop learned it from the file
    /// (codex chooses its own) rather than choosing it.
    pub agent_session: Option<String>,
}

/// What a reader remembers between lines and between meter runs (saved
/// with the meter's offset): the model a CLI names once and then uses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    pub model: Option<String>,
}

/// What one transcript line says.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// Nothing that costs money (a user line, a tool result, metadata).
    Nothing,
    /// Not JSON, or a known line with a field of the wrong type: skipped
    /// and counted.
    Skipped,
    /// One API response's usage. Lines with the same `key` are one
    /// response written several times: it counts once.
    Message(Message),
    /// The session's running total so far (codex): only what exceeds the
    /// previous total is new.
    Cumulative { model: String, tokens: Tokens },
}

/// One API response's usage.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub key: Option<String>,
    pub model: String,
    pub tokens: Tokens,
    /// The CLI's own figure, when the line carries one: it wins over the
    /// price table.
    pub cost_usd: Option<f64>,
}

/// Replaced in a worker's command by the path of the settings file looop
/// writes with the agent's hooks (`sessions/<session>/hooks.json`).
pub const HOOKS_FILE: &str = "{{hooks_file}}";

/// Reads one hook payload: the activity it tells of, `None` when it tells
/// nothing, an error for a payload that is not the agent's.
pub type ReadHook = fn(&[u8]) -> anyhow::Result<Option<Reading>>;

/// An agent's hooks: the settings file looop writes for it (the worker's
/// command gets its path as `{{hooks_file}}`) and the reading of what a
/// hook receives.
#[derive(Debug)]
pub struct Hooks {
    /// The settings text, given the command line that runs `looop _hook`
    /// (already shell-quoted; the hook's event name is appended).
    pub settings: fn(&str) -> String,
    pub read: ReadHook,
}

/// A preset runner's commands, checked against the CLI's `--help`.
///
/// Tick commands are headless, never stop at a permission prompt, and take
/// the prompt on stdin (no `{{prompt_file}}`), so a long prompt never meets
/// the kernel's per-argument limit (128 KiB on Linux). Where the CLI can
/// stream something looop meters, the preset asks for it (claude's
/// stream-json, pi's `--mode json`); codex and opencode print their final
/// answer as plain text instead: their JSON streams carry no USD figure and
/// would bury the move inside escaped event strings.
///
/// Worker commands start the CLI's interactive UI with a short pointer as
/// the first message ("Your instructions are in <prompt file>: read that
/// file first and follow it.", the path shell-quoted by looop and spliced
/// between the two double-quoted halves), never the prompt's text: a prompt
/// of any size then fits the kernel's 128 KiB limit for one argument.
/// Approvals are turned off, since nobody is watching the PTY until the
/// worker flags. The README lists each CLI's caveats.
#[derive(Debug)]
pub struct Presets {
    /// The headless tick AI call.
    pub tick: &'static str,
    /// The worker launch; contains `{{prompt_file}}`.
    pub interactive: &'static str,
    /// The relaunch of a finished or lost worker on its own agent session
    /// (`looop resume`, CONTRACT §11); `None` when the CLI cannot be
    /// resumed by looop. Filled like `interactive`, without a prompt.
    pub resume: Option<&'static str>,
}

/// The reading of one CLI's headless output stream. The tick stream
/// reader hands every JSON-looking line to every CLI's reader; each keeps
/// what its own events say and ignores the rest.
pub trait StreamRead: std::fmt::Debug {
    /// One line of stdout, trimmed, starting with `{`.
    fn feed(&mut self, line: &str);
    /// Whether this CLI's stream was seen: the first reader that saw its
    /// stream decides [`StreamRead::spend`] and [`StreamRead::error`].
    fn seen(&self) -> bool;
    /// The final answer text, when the stream carried one.
    fn answer(&self) -> Option<String>;
    /// What the call cost, `None` when the stream said nothing of it.
    fn spend(&self) -> Option<Spend>;
    /// The failure the CLI itself reported, `None` when it reported none.
    fn error(&self) -> Option<String>;
}
