//! Links and modes: every file looop opens for writing goes through
//! `open_no_follow`, so a symlink planted in the data dir is refused with its
//! name instead of being written through, and every mode is cut to the
//! owner's bits. Kept apart from the writers so they all share one rule.

use anyhow::{Context, Result, bail};
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// `mode` cut down to the owner's bits: 0644 → 0600, 0755 → 0700.
pub fn private(mode: u32) -> u32 {
    mode & 0o700
}

/// `O_NOFOLLOW` for `custom_flags`: opening a symlink fails with ELOOP.
pub(super) fn no_follow() -> i32 {
    nix::fcntl::OFlag::O_NOFOLLOW.bits()
}

/// Refuse `path` when it is a symlink (a missing path is fine).
pub fn refuse_link(path: &Path) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => bail!(
            "{} is a symlink; looop does not write through links \
             (remove it, or put a real file or directory there)",
            path.display()
        ),
        _ => Ok(()),
    }
}

/// Open with `opts` plus `O_NOFOLLOW`; a symlink at `path` is named in the
/// error instead of the bare "too many levels of symbolic links".
pub(super) fn open_no_follow(opts: &mut OpenOptions, path: &Path, what: &str) -> Result<File> {
    match opts.custom_flags(no_follow()).open(path) {
        Ok(f) => Ok(f),
        Err(e) if e.raw_os_error() == Some(nix::libc::ELOOP) => {
            refuse_link(path)?;
            Err(e).with_context(|| format!("{what} {}", path.display()))
        }
        Err(e) => Err(e).with_context(|| format!("{what} {}", path.display())),
    }
}
