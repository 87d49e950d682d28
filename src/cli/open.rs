//! Opening a command's profile and config: once, here, then both are
//! passed down. Every command opens its profile with
//! [`Profile::look`] (nothing created) and creates the layout only where it
//! may, after the config proved valid, so a bad config leaves no data dir.

use crate::config::Config;
use crate::paths::Profile;
use crate::pulse;
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

/// For a command that beats: say what the beat will run without, then
/// create the layout.
pub fn for_beat() -> Result<(Profile, Config)> {
    let (profile, config) = look()?;
    for note in pulse::missing_notes(&profile) {
        println!("note: {note}");
    }
    profile.ensure_layout()?;
    Ok((profile, config))
}
