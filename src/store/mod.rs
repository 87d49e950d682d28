//! Crash-safe, link-safe, private file primitives every module shares.
//!
//! Rules that keep looop from losing data when it is killed mid-write,
//! raced by a second process, or handed a planted link:
//! - files others read are replaced whole: a temp file in the same dir,
//!   fsynced, renamed over the target, and the directory fsynced;
//! - append-only logs get one whole line per `write` under an exclusive
//!   `fs2` lock, truncated back if the write came up short;
//! - a held lock is a value ([`Lock`]) that unlocks when dropped;
//! - everything is private: files are created 0600 (0700 when executable),
//!   directories 0700, whatever the umask and whatever mode a caller asks
//!   (only the owner's bits of it count);
//! - nothing is written, truncated, appended, chmod'ed or replaced through a
//!   symlink: every open uses `O_NOFOLLOW`, a link where a file or directory
//!   of looop's belongs is refused with an error naming it (CONTRACT §12).

mod append;
pub mod at;
mod links;
mod lock;
mod sync;

pub use append::{append_json, append_json_synced, append_line, append_line_synced};
use links::open_no_follow;
pub use links::{private, refuse_link};
pub use lock::{Lock, is_locked, open_lock_file};
pub use sync::sync_dir;

use anyhow::{Context, Result, bail};
use serde::de::DeserializeOwned;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Replace `path` with `bytes` atomically and durably: readers see the old
/// file or the new one, never a torn mix, and after a crash the new one.
/// `mode` sets the new file's permissions (owner bits only, see [`private`]).
pub fn write_atomic_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let mut tmp = TempFile::create(path, mode)?;
    tmp.file()
        .write_all(bytes)
        .with_context(|| format!("cannot write {}", tmp.path().display()))?;
    tmp.persist()
}

/// A temp file beside `target`, to replace `target` by rename. It deletes
/// itself when dropped before [`TempFile::persist`] succeeded, so whatever
/// fails between creating it and the rename (a full disk, a target that is
/// a directory, an early `?`) leaves no `.tmp` file in the user's data dir.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
    target: PathBuf,
    file: File,
    persisted: bool,
}

impl TempFile {
    /// Create (or truncate) `.<name>.<pid>.tmp` beside `target` with `mode`
    /// (owner bits only). The pid keeps two processes replacing one file out
    /// of each other's way. A symlink at `target` or at the temp name is
    /// refused.
    pub fn create(target: &Path, mode: u32) -> Result<TempFile> {
        refuse_link(target)?;
        let dir = target.parent().unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file");
        let path = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let file = open_no_follow(
            OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(private(mode)),
            &path,
            "cannot write",
        )?;
        // A stale temp file keeps its old mode: set it on the fd (never a
        // path, which could have been swapped for a link).
        file.set_permissions(fs::Permissions::from_mode(private(mode)))
            .with_context(|| format!("cannot chmod {}", path.display()))?;
        Ok(TempFile {
            path,
            target: target.to_path_buf(),
            file,
            persisted: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// fsync the temp file, rename it over the target (the one step that
    /// publishes it), then fsync the directory so the rename is durable.
    pub fn persist(mut self) -> Result<()> {
        self.file
            .sync_data()
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        refuse_link(&self.target)?;
        fs::rename(&self.path, &self.target)
            .with_context(|| format!("cannot replace {}", self.target.display()))?;
        self.persisted = true;
        sync_dir(self.target.parent().unwrap_or(Path::new(".")))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            // Best effort: the temp file is garbage either way, and the error
            // that got us here is the one the user needs to read.
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// [`write_atomic_mode`] with mode 0600.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_mode(path, bytes, 0o600)
}

/// Create (or truncate) a private log or output file for writing; a symlink
/// at `path` is refused, its target untouched.
pub fn create_private(path: &Path) -> Result<File> {
    let file = open_no_follow(
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600),
        path,
        "cannot create",
    )?;
    file.set_permissions(fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot chmod {}", path.display()))?;
    Ok(file)
}

/// Set `path`'s mtime to now; whether that worked.
pub fn touch(path: &Path) -> bool {
    let now = nix::sys::time::TimeSpec::UTIME_NOW;
    nix::sys::stat::utimensat(
        nix::fcntl::AT_FDCWD,
        path,
        &now,
        &now,
        nix::sys::stat::UtimensatFlags::NoFollowSymlink,
    )
    .is_ok()
}

/// Read and parse a JSON file; `Ok(None)` when it does not exist.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .with_context(|| format!("{} is not valid", path.display())),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Create `path` with `bytes` only if it does not exist yet. Returns whether
/// it was created. Never overwrites: the user's edits win.
pub fn create_new(path: &Path, bytes: &[u8], mode: u32) -> Result<bool> {
    // O_EXCL never follows a link: a planted one reads as "exists".
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(private(mode))
        .open(path)
    {
        Ok(mut f) => {
            f.write_all(bytes)
                .and_then(|_| f.set_permissions(fs::Permissions::from_mode(private(mode))))
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(true)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
    }
}

/// Open a private (0600) log for appending, creating it if needed.
pub fn open_private_append(path: &Path) -> Result<File> {
    open_no_follow(
        OpenOptions::new().append(true).create(true).mode(0o600),
        path,
        "cannot open",
    )
}

/// Create `dir` (and missing parents) if missing, private: `mode`'s owner
/// bits (see [`private`]), whatever the umask. An existing `dir` with group
/// or other bits is tightened; a symlink there is refused, never chmod'ed.
pub fn ensure_dir(dir: &Path, mode: u32) -> Result<()> {
    tighten_dir(dir, mode).map(|_| ())
}

/// [`ensure_dir`], returning whether an existing directory was tightened.
pub fn tighten_dir(dir: &Path, mode: u32) -> Result<bool> {
    let mode = private(mode);
    refuse_link(dir)?;
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    match fs::DirBuilder::new().mode(mode).create(dir) {
        Ok(()) => return Ok(false),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("cannot create {}", dir.display())),
    }
    let meta =
        fs::symlink_metadata(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    if meta.file_type().is_symlink() {
        refuse_link(dir)?;
    }
    if !meta.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    let now = meta.permissions().mode() & 0o777;
    if now & 0o077 == 0 {
        return Ok(false);
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(now & 0o700))
        .with_context(|| format!("cannot chmod {}", dir.display()))?;
    Ok(true)
}

/// Create the directory `dir` (its parent must exist) with `mode`'s owner
/// bits; an existing name, a link included, is an error.
pub fn create_dir(dir: &Path, mode: u32) -> Result<()> {
    fs::DirBuilder::new()
        .mode(private(mode))
        .create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))
}

/// The UTF-8 file names in `dir`, unsorted; a missing dir has none.
/// Entries that cannot be read or are not UTF-8 are skipped.
pub fn dir_names(dir: &Path) -> Result<Vec<String>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    Ok(entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        // No temp files left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_rename_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("goal.md");
        fs::create_dir(&p).unwrap();
        let e = write_atomic(&p, b"body").unwrap_err();
        assert!(format!("{e:#}").contains("cannot replace"), "{e:#}");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["goal.md"]);
    }

    #[test]
    fn a_dropped_temp_file_deletes_itself() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        let tmp = TempFile::create(&p, 0o600).unwrap();
        let tmp_path = tmp.path().to_path_buf();
        assert!(tmp_path.exists());
        drop(tmp);
        assert!(!tmp_path.exists());
        assert!(!p.exists());
    }

    #[test]
    fn create_new_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("PLAYBOOK.md");
        assert!(create_new(&p, b"seed", 0o644).unwrap());
        assert!(!create_new(&p, b"other", 0o644).unwrap());
        assert_eq!(fs::read(&p).unwrap(), b"seed");
    }
}
