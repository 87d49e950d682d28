//! Leases: `claims/<name>.json` says which worker session owns a task.
//! (Built by the pulse issue.)

use crate::cli::{Args, not_built};
use crate::paths::Profile;
use anyhow::Result;

/// Drop every claim held by `session` (called by `kill`). Returns how many.
pub fn release_all(_profile: &Profile, _session: &str) -> Result<usize> {
    Ok(0)
}

pub fn cmd_claim(_args: Args) -> Result<i32> {
    Err(not_built("claim"))
}

pub fn cmd_unclaim(_args: Args) -> Result<i32> {
    Err(not_built("unclaim"))
}
