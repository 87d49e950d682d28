//! `looop init`'s work: a new profile's config file and data dir, each
//! created only if absent, and an existing config checked, never rewritten.

use crate::config::{self, Config};
use crate::paths::Profile;
use crate::{exit, store};
use anyhow::{Context, Result};

/// The runner a new config names unless another is asked for.
pub const DEFAULT_RUNNER: &str = "claude";

/// What `init` created (`false`: it existed and was left as is).
pub struct Created {
    pub config: bool,
    pub data: bool,
    /// An existing data dir others could read was made private (0700).
    pub tightened: bool,
}

/// Refuse (status 2) a runner no preset knows.
pub fn check_runner(runner: &str) -> Result<()> {
    if config::presets().contains_key(runner) {
        return Ok(());
    }
    let known: Vec<String> = config::presets().keys().cloned().collect();
    Err(exit::usage(format!(
        "init --runner: unknown runner {runner:?} (presets: {})",
        known.join(", ")
    )))
}

/// Write the config for `runner` unless one exists (then check it, and
/// refuse an `asked` runner it disagrees with), then lay out the data dir.
pub fn init(profile: &Profile, runner: &str, asked: bool) -> Result<Created> {
    // `symlink_metadata`, not `exists`: a dangling symlink is not "absent"
    // (create_new could not write through it), so `load` names it.
    let wrote_config = if profile.config.symlink_metadata().is_ok() {
        // An existing config is the user's: validate it, never rewrite it,
        // and say so when it disagrees with what was asked.
        let config = Config::load(&profile.config)?;
        if asked && runner != config.runner {
            return Err(exit::refused(format!(
                "init --runner {runner}: {} exists and uses runner {:?}; \
                 set runner = \"{runner}\" there (nothing was changed)",
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
        store::create_new(&profile.config, config::template(runner).as_bytes(), 0o644)?
    };
    let had_data = profile.playbook().exists();
    let tightened = profile.data.is_dir() && profile.tighten()?;
    profile.ensure_layout()?;
    Ok(Created {
        config: wrote_config,
        data: !had_data,
        tightened,
    })
}

/// The program the runner's `tick` command starts, when it is a plain name
/// that no directory of this PATH holds as an executable: `init` says so at
/// once instead of the first beat failing with exit 127.
pub fn missing_program(config: &Config, runner: &str) -> Option<String> {
    let tick = &config.runner(runner).ok()?.tick;
    let program = tick.split_whitespace().next()?;
    let plain = program
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-+".contains(c));
    if !plain {
        // A path, a variable assignment, shell syntax: not ours to judge.
        return None;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path).any(|dir| is_executable(&dir.join(program)));
    (!found).then(|| program.to_string())
}

fn is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
