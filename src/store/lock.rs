//! Advisory locks as values: a held [`Lock`] unlocks when dropped, or when
//! the process dies, so a crash leaves no stale lock.

use super::links::open_no_follow;
use anyhow::{Context, Result};
use fs2::FileExt;
use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// An exclusive advisory lock held for as long as this value lives.
/// The OS drops it when the process dies, so a crash leaves no stale lock.
#[derive(Debug)]
pub struct Lock {
    file: File,
}

/// Open (creating it 0600 if needed) a file used only for its lock.
pub fn open_lock_file(path: &Path) -> Result<File> {
    open_no_follow(
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600),
        path,
        "cannot open lock",
    )
}

impl Lock {
    /// Take the lock without waiting: `Ok(None)` when someone else holds it.
    pub fn try_acquire(path: &Path) -> Result<Option<Lock>> {
        let file = open_lock_file(path)?;
        match file.try_lock_exclusive() {
            Ok(()) => Ok(Some(Lock { file })),
            Err(e) if is_contended(&e) => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot lock {}", path.display())),
        }
    }

    /// Take the lock, waiting for the holder to let go.
    pub fn acquire(path: &Path) -> Result<Lock> {
        let file = open_lock_file(path)?;
        file.lock_exclusive()
            .with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(Lock { file })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first just makes
        // the release immediate even if the fd was inherited somewhere.
        let _ = FileExt::unlock(&self.file);
    }
}

/// Whether someone holds an exclusive lock on `path` right now (without
/// taking it for longer than the test). A missing file is "not held".
pub fn is_locked(path: &Path) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    match FileExt::try_lock_shared(&file) {
        Ok(()) => {
            let _ = FileExt::unlock(&file);
            false
        }
        Err(e) => is_contended(&e),
    }
}

pub(super) fn is_contended(e: &std::io::Error) -> bool {
    e.kind() == ErrorKind::WouldBlock
        || e.raw_os_error() == fs2::lock_contended_error().raw_os_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_is_exclusive_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("beat.lock");
        let held = Lock::try_acquire(&p).unwrap().unwrap();
        assert!(is_locked(&p));
        assert!(Lock::try_acquire(&p).unwrap().is_none());
        drop(held);
        assert!(!is_locked(&p));
        assert!(Lock::try_acquire(&p).unwrap().is_some());
    }
}
