//! `looop init`: the config file and the data dir, each only if absent.

use super::Args;
use crate::config::{self, Config};
use crate::paths::Profile;
use crate::{exit, store};
use anyhow::{Context, Result};

pub fn cmd_init(mut args: Args) -> Result<i32> {
    let asked = args.value("--runner")?;
    args.finish()?;
    let profile = Profile::from_env()?;
    let runner = asked.clone().unwrap_or_else(|| "claude".to_string());
    if !config::presets().contains_key(&runner) {
        let known: Vec<String> = config::presets().keys().cloned().collect();
        return Err(exit::usage(format!(
            "init --runner: unknown runner {runner:?} (presets: {})",
            known.join(", ")
        )));
    }

    // `symlink_metadata`, not `exists`: a dangling symlink is not "absent"
    // (create_new could not write through it), so `load` names it.
    let wrote_config = if profile.config.symlink_metadata().is_ok() {
        // An existing config is the user's: validate it, never rewrite it,
        // and say so when it disagrees with what was asked.
        let config = Config::load(&profile.config)?;
        if let Some(asked) = asked.filter(|a| *a != config.runner) {
            return Err(exit::refused(format!(
                "init --runner {asked}: {} exists and uses runner {:?}; \
                 set runner = \"{asked}\" there (nothing was changed)",
                profile.config.display(),
                config.runner
            )));
        }
        false
    } else {
        if let Some(dir) = profile.config.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        store::create_new(&profile.config, config::template(&runner).as_bytes(), 0o644)?
    };
    let had_data = profile.playbook().exists();
    profile.ensure_layout()?;

    let mark = |new: bool| if new { "created" } else { "exists, left as is" };
    println!(
        "config:   {} ({})",
        profile.config.display(),
        mark(wrote_config)
    );
    println!("data dir: {} ({})", profile.data.display(), mark(!had_data));
    println!();
    println!("Next:");
    println!("  1. looop demo                 # watch one loop run offline, no AI needed");
    println!(
        "  2. $EDITOR {}   # your priorities and guardrails",
        profile.playbook().display()
    );
    println!("  3. looop schedule cron --install   # a beat every few minutes");
    Ok(0)
}
