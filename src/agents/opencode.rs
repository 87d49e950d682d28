//! opencode: its presets (shared/FORMATS.md "opencode").
//!
//! Its tick call (`opencode run`) prints the final answer as plain text and
//! no spend, so looop reads no stream of opencode and meters nothing.

use super::spec::{Presets, Spec};

pub const SPEC: Spec = Spec {
    name: "opencode",
    presets: Presets {
        tick: "opencode run --auto",
        interactive: "opencode --auto --prompt \"$(cat {{prompt_file}})\"",
    },
    stream: None,
};
