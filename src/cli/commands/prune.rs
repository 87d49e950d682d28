//! `looop prune [--all]`: delete finished sessions past the retention (or
//! all finished ones).

use crate::cli::Args;
use crate::config::Config;
use crate::paths::Profile;
use crate::workers;
use anyhow::Result;
use std::time::Duration;

pub fn run(mut args: Args) -> Result<i32> {
    let all = args.flag(&["--all"]);
    args.finish()?;
    let profile = Profile::look()?;
    // Only the retention needs the config: `--all` works with a broken one.
    let retention = if all {
        None
    } else {
        let config = Config::load(&profile.config)?;
        Some(Duration::from_secs(
            config.retention_hours.saturating_mul(3600),
        ))
    };
    let pruned = workers::prune(&profile, retention)?;
    let n = pruned.sessions;
    println!("pruned {n} session{}", if n == 1 { "" } else { "s" });
    for dir in &pruned.worktrees.removed {
        println!("removed worktree {}", dir.display());
    }
    for (dir, why) in &pruned.worktrees.kept {
        println!("kept worktree {}: {why}", dir.display());
    }
    Ok(0)
}
