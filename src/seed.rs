//! The starter kit laid into a new data dir: a PLAYBOOK whose first priority
//! is a `setup` interview, two goals, a heartbeat sensor and an empty journal.
//!
//! The files live in `seed/` in the source tree and are embedded with
//! `include_str!`, so an installed binary needs nothing beside it.

use crate::store;
use anyhow::Result;
use std::path::Path;

/// (path relative to the data dir, contents, mode)
const SEED: &[(&str, &str, u32)] = &[
    ("PLAYBOOK.md", include_str!("../seed/PLAYBOOK.md"), 0o644),
    (
        "goals/setup.md",
        include_str!("../seed/goals/setup.md"),
        0o644,
    ),
    (
        "goals/groom-playbook.md",
        include_str!("../seed/goals/groom-playbook.md"),
        0o644,
    ),
    (
        "sensors/heartbeat",
        include_str!("../seed/sensors/heartbeat"),
        0o755,
    ),
    // Empty until the first move, but there from the start, as the layout
    // in the contract lists it.
    ("journal.md", "", 0o644),
];

/// Write each seed file that does not exist yet into the data dir `data`
/// (whose directories exist); never overwrite.
pub fn lay_down(data: &Path) -> Result<()> {
    for (rel, body, mode) in SEED {
        store::create_new(&data.join(rel), body.as_bytes(), *mode)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn heartbeat_prints_todays_date_signal() {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(super::SEED[3].1)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let today = chrono::Local::now().format("%Y-%m-%d").to_string();
        assert_eq!(v["signal"]["date"], today);
    }
}
