//! Making a directory's entries durable: after a rename or a new file the
//! directory itself must be fsynced, or a crash may forget the name. Its own
//! file so the writers (`append.rs`, the atomic replace in `mod.rs`) share it
//! without importing each other.

use anyhow::{Context, Result};
use std::fs::File;
use std::path::Path;

/// fsync a directory, so a rename or a new name in it survives a crash.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync directory {}", dir.display()))
}
