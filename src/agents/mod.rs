//! What looop knows of each agent CLI, one file per CLI (CONTRACT §8;
//! shared/FORMATS.md).
//!
//! Everything that depends on which CLI a runner runs lives in that CLI's
//! file: its preset commands and the reading of its headless output stream
//! today; its transcript, hooks, screen patterns, usage-limit texts and
//! resume command as they arrive. This module is the shape they share:
//! [`Agent`] names a CLI (the config's `agent` key will hold one), and
//! [`Agent::spec`] finds its [`Spec`] in one table. A new CLI is one new
//! file, one [`Agent`] variant and one line of that table.
//!
//! Limits: the tick stream is still read by its shape, not by the runner's
//! agent ([`StreamReader`] tries every CLI's reader on every line), so a
//! stand-in script that prints claude's `result` event is metered as claude
//! whatever its runner is called (CONTRACT §4a, §6).

mod claude;
mod codex;
mod opencode;
mod pi;
mod stream;

pub use stream::StreamReader;

use crate::ledger::Spend;

/// An agent CLI looop knows, or `None` for any other command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    Claude,
    Codex,
    Pi,
    Opencode,
    /// A command looop knows nothing of: a script, a local model.
    None,
}

/// Every known CLI, in the order their stream readers are asked for an
/// answer (claude's `result` event wins over pi's messages).
pub const ALL: [Agent; 4] = [Agent::Claude, Agent::Pi, Agent::Codex, Agent::Opencode];

impl Agent {
    /// The table: each CLI's knowledge, from its own file.
    pub fn spec(self) -> Option<&'static Spec> {
        match self {
            Agent::Claude => Some(&claude::SPEC),
            Agent::Codex => Some(&codex::SPEC),
            Agent::Pi => Some(&pi::SPEC),
            Agent::Opencode => Some(&opencode::SPEC),
            Agent::None => None,
        }
    }

    /// The name the config uses for it (`claude`, ..., `none`).
    #[allow(dead_code)] // the `agent` config key (CONTRACT §8) will use it
    pub fn name(self) -> &'static str {
        self.spec().map_or("none", |s| s.name)
    }

    /// The agent called `name`, `None` (the Rust one) for an unknown name.
    #[allow(dead_code)] // the `agent` config key (CONTRACT §8) will use it
    pub fn from_name(name: &str) -> Option<Agent> {
        if name == "none" {
            return Some(Agent::None);
        }
        ALL.into_iter().find(|a| a.name() == name)
    }

    /// A runner's agent when its config names none: the runner's own name
    /// when that is a known CLI, else [`Agent::None`] (CONTRACT §8).
    #[allow(dead_code)] // the `agent` config key (CONTRACT §8) will use it
    pub fn of_runner(runner: &str) -> Agent {
        match Agent::from_name(runner) {
            Some(agent) => agent,
            None => Agent::None,
        }
    }
}

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
/// Worker commands start the CLI's interactive UI with the prompt file's
/// text as the first message (`"$(cat {{prompt_file}})"`, the path already
/// shell-quoted by looop) and with approvals turned off, since nobody is
/// watching the PTY until the worker flags. The README lists each CLI's
/// caveats.
#[derive(Debug)]
pub struct Presets {
    /// The headless tick AI call.
    pub tick: &'static str,
    /// The worker launch; contains `{{prompt_file}}`.
    pub interactive: &'static str,
    // `resume` (CONTRACT §11) joins here: the command that continues a
    // worker's agent session.
}

/// The reading of one CLI's headless output stream. [`StreamReader`] hands
/// every JSON-looking line to every CLI's reader; each keeps what its own
/// events say and ignores the rest.
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

#[cfg(test)]
mod tests {
    use super::*;

    const PROMPT_FILE: &str = "{{prompt_file}}";

    #[test]
    fn every_preset_takes_its_prompt_safely() {
        for agent in ALL {
            let spec = agent.spec().unwrap();
            let (name, p) = (spec.name, &spec.presets);
            assert!(!p.tick.contains(PROMPT_FILE), "{name}: tick reads stdin");
            let quoted = format!("\"$(cat {PROMPT_FILE})\"");
            assert!(p.interactive.contains(&quoted), "{name}: {}", p.interactive);
            assert!(p.tick.starts_with(name), "{name}: {}", p.tick);
        }
    }

    #[test]
    fn names_round_trip_and_a_runner_defaults_to_its_namesake() {
        for agent in ALL.into_iter().chain([Agent::None]) {
            assert_eq!(Agent::from_name(agent.name()), Some(agent));
        }
        assert_eq!(Agent::from_name("gpt"), None);
        assert_eq!(Agent::of_runner("claude"), Agent::Claude);
        assert_eq!(Agent::of_runner("opencode"), Agent::Opencode);
        assert_eq!(Agent::of_runner("mine"), Agent::None);
        assert_eq!(Agent::of_runner("none"), Agent::None);
    }
}
