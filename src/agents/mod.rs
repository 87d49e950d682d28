//! What looop knows of each agent CLI, one file per CLI (CONTRACT §8;
//! shared/FORMATS.md).
//!
//! Everything that depends on which CLI a runner runs lives in that CLI's
//! file: its preset commands and the reading of its headless output stream
//! today; its transcript, hooks, screen patterns, usage-limit texts and
//! resume command as they arrive. [`spec`] is the shape they share,
//! [`Agent`] names a CLI (the config's `agent` key will hold one), and
//! [`Agent::spec`] finds its [`Spec`] in one table. A new CLI is one new
//! file, one [`Agent`] variant and one line of that table.
//!
//! Limits: the tick stream is still read by its shape, not by the runner's
//! agent ([`stream::StreamReader`] tries every CLI's reader on every line), so a
//! stand-in script that prints claude's `result` event is metered as claude
//! whatever its runner is called (CONTRACT §4a, §6).

mod claude;
mod codex;
mod opencode;
mod pi;
pub mod reset_time;
pub mod screen;
pub mod spec;
pub mod stream;

pub use codex::{NOTIFY_OPTION as CODEX_NOTIFY, notify_option as codex_notify_option};

use crate::prices::Prices;
use crate::usage::Spend;
use spec::Spec;

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

    /// A usage-limit stop in `text` as this CLI words it (its file lists
    /// the texts and their sources); for [`Agent::None`], as any known CLI
    /// words it. `now` anchors relative times (`in ~12 min`, `3pm`).
    pub fn usage_limit(
        self,
        text: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<reset_time::LimitHit> {
        match self {
            Agent::Claude => claude::usage_limit(text, now),
            Agent::Codex => codex::usage_limit(text, now),
            Agent::Pi => pi::usage_limit(text, now),
            Agent::Opencode => opencode::usage_limit(text, now),
            // Texts overlap (`Usage limit reached` is codex's and
            // opencode's): the reading that found a reset time wins.
            Agent::None => {
                let hits = ALL.iter().filter_map(|a| a.usage_limit(text, now));
                let mut first = None;
                for hit in hits {
                    if hit.until.is_some() {
                        return Some(hit);
                    }
                    first.get_or_insert(hit);
                }
                first
            }
        }
    }

    /// What is typed into a worker's terminal (then Enter) to go on after
    /// its usage limit reset; `None` for a command looop knows nothing of.
    pub fn continue_input(self) -> Option<&'static str> {
        match self {
            Agent::Claude => Some(claude::CONTINUE_INPUT),
            Agent::Codex => Some(codex::CONTINUE_INPUT),
            Agent::Pi => Some(pi::CONTINUE_INPUT),
            Agent::Opencode => Some(opencode::CONTINUE_INPUT),
            Agent::None => None,
        }
    }

    /// Whether looop chooses the agent session id at the first start (and
    /// hands it over as `{{session_id}}`): not for the CLIs that choose
    /// their own (codex's is learned from its rollout; opencode's stays
    /// unknown).
    pub fn looop_chooses_session_id(self) -> bool {
        matches!(self, Agent::Claude | Agent::Pi | Agent::None)
    }

    /// The name the config uses for it (`claude`, ..., `none`).
    pub fn name(self) -> &'static str {
        self.spec().map_or("none", |s| s.name)
    }

    /// The agent called `name`, `None` (the Rust one) for an unknown name.
    pub fn from_name(name: &str) -> Option<Agent> {
        if name == "none" {
            return Some(Agent::None);
        }
        ALL.into_iter().find(|a| a.name() == name)
    }

    /// A runner's agent when its config names none: the runner's own name
    /// when that is a known CLI, else [`Agent::None`] (CONTRACT §8).
    pub fn of_runner(runner: &str) -> Agent {
        match Agent::from_name(runner) {
            Some(agent) => agent,
            None => Agent::None,
        }
    }
}

/// A tick call's `spend` with what its stream left out filled in: the
/// model from the command line or the CLI's config (codex), and the USD
/// from the price table when the stream counted tokens but gave none.
/// Without a price the USD stays unknown, never 0.
pub fn priced(spend: &Spend, agent: Agent, command: &str, prices: &Prices) -> Spend {
    let mut spend = spend.clone();
    if spend.model.is_none() {
        let model_of = agent.spec().and_then(|s| s.tick_model);
        spend.model = model_of.and_then(|f| f(command));
    }
    if spend.cost_usd.is_none()
        && let (Some(model), Some(tokens)) = (&spend.model, spend.tokens)
    {
        spend.cost_usd = prices.usd(model, tokens);
    }
    spend
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
            let pointer = format!("\"Your instructions are in \"{PROMPT_FILE}\": read");
            assert!(
                p.interactive.contains(&pointer),
                "{name}: {}",
                p.interactive
            );
            assert!(
                !p.interactive.contains("$(cat"),
                "{name}: the prompt's text on argv"
            );
            assert!(p.tick.starts_with(name), "{name}: {}", p.tick);
        }
    }

    #[test]
    fn every_preset_flag_is_in_the_installed_clis_help() {
        // tests/fixtures/help/: the --help texts of the recorded versions.
        let help = |file: &str| {
            let path = format!("{}/tests/fixtures/help/{file}", env!("CARGO_MANIFEST_DIR"));
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
        };
        for (agent, interactive_help, tick_help) in [
            (Agent::Claude, "claude.txt", "claude.txt"),
            (Agent::Codex, "codex.txt", "codex-exec.txt"),
            (Agent::Pi, "pi.txt", "pi.txt"),
            (Agent::Opencode, "opencode.txt", "opencode-run.txt"),
        ] {
            let p = &agent.spec().unwrap().presets;
            for (command, file) in [(p.interactive, interactive_help), (p.tick, tick_help)] {
                let text = help(file);
                for flag in command.split_whitespace().filter(|w| w.starts_with("--")) {
                    let flag = flag.split('=').next().unwrap();
                    assert!(text.contains(flag), "{flag} of {command:?} not in {file}");
                }
            }
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
