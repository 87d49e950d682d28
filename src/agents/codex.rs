//! codex (OpenAI Codex CLI): its presets (shared/FORMATS.md "codex").
//!
//! Its tick call prints the final answer as plain text: `codex exec --json`
//! carries no USD figure and would bury the move inside escaped event
//! strings, so looop reads no stream of codex yet and meters nothing.

use super::spec::{Presets, Spec};

pub const SPEC: Spec = Spec {
    name: "codex",
    presets: Presets {
        tick: "codex exec --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox --ephemeral --color never -",
        interactive: "codex --dangerously-bypass-approvals-and-sandbox \"$(cat {{prompt_file}})\"",
    },
    stream: None,
};
