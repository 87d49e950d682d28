//! Opening a command's profile and config: once, here, then both are
//! passed down. Every command opens its profile with
//! [`Profile::look`] (nothing created) and creates the layout only where it
//! may, after the config proved valid, so a bad config leaves no data dir.

use crate::config::Config;
use crate::paths::Profile;
use crate::{exit, pulse};
use anyhow::Result;

/// The profile as it is, and its config.
pub fn look() -> Result<(Profile, Config)> {
    let profile = Profile::look()?;
    let config = Config::load(&profile.config)?;
    Ok((profile, config))
}

/// The profile with its layout created, and its config.
pub fn with_layout() -> Result<(Profile, Config)> {
    let (profile, config) = look()?;
    profile.ensure_layout()?;
    Ok((profile, config))
}

/// For a command that beats (`tick`, `run`, `up`): the data dir must
/// exist already (status 1 otherwise: a mistyped `LOOOP_DATA_DIR` in a cron
/// line must not seed a new profile and call a paid AI); say what the beat
/// will run without, then complete the layout inside it.
pub fn for_beat() -> Result<(Profile, Config)> {
    let (profile, config) = look()?;
    require_data_dir(&profile)?;
    for note in pulse::missing_notes(&profile) {
        println!("note: {note}");
    }
    profile.ensure_layout()?;
    Ok((profile, config))
}

/// For `up`: as [`for_beat`], without the notes (the pulse's own beats say them).
pub fn existing() -> Result<(Profile, Config)> {
    let (profile, config) = look()?;
    require_data_dir(&profile)?;
    profile.ensure_layout()?;
    Ok((profile, config))
}

/// Status 1 unless the data dir exists: it is made only by `init` (and
/// `start-session`, `demo`).
fn require_data_dir(profile: &Profile) -> Result<()> {
    if profile.data.is_dir() {
        return Ok(());
    }
    Err(exit::refused(format!(
        "no data dir at {}; run looop init",
        profile.data.display()
    )))
}
