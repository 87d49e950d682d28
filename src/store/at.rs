//! Reading many small files under one directory cheaply: the directory is
//! opened once and every file is reached relative to it (a short path for
//! the kernel to walk), a file is read without the `stat` `fs::read` makes
//! for its size, and a lock is probed without the unlock a close does
//! anyway. `ls` with a hundred sessions reads five files of each; these
//! are most of its system calls.

use serde::de::DeserializeOwned;
use std::fs::File;
use std::io::{ErrorKind, Read, Result};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::time::SystemTime;

use nix::fcntl::{AT_FDCWD, OFlag, openat};
use nix::sys::stat::{FileStat, Mode, fstatat};

/// A directory that relative paths are read from (or the working
/// directory, for absolute paths).
pub struct Dir {
    fd: Option<OwnedFd>,
}

impl Dir {
    /// `path`, opened once for lookups (`O_PATH`: no read permission
    /// needed, nothing read).
    pub fn open(path: &Path) -> Result<Dir> {
        let fd = openat(
            AT_FDCWD,
            path,
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Dir { fd: Some(fd) })
    }

    /// Absolute paths, looked up as usual.
    pub fn cwd() -> Dir {
        Dir { fd: None }
    }

    fn base(&self) -> BorrowedFd<'_> {
        self.fd.as_ref().map_or(AT_FDCWD, |fd| fd.as_fd())
    }

    fn open_file(&self, rel: &Path) -> Result<Option<File>> {
        match openat(
            self.base(),
            rel,
            OFlag::O_RDONLY | OFlag::O_CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => Ok(Some(File::from(fd))),
            Err(nix::errno::Errno::ENOENT) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The whole file, `None` when it does not exist.
    pub fn read(&self, rel: &Path) -> Result<Option<Vec<u8>>> {
        let Some(mut file) = self.open_file(rel)? else {
            return Ok(None);
        };
        let mut chunk = [0u8; 4096];
        let mut out = Vec::new();
        loop {
            match file.read(&mut chunk) {
                Ok(0) => return Ok(Some(out)),
                Ok(n) => out.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The file parsed as JSON, `None` when it does not exist.
    pub fn read_json<T: DeserializeOwned>(&self, rel: &Path) -> anyhow::Result<Option<T>> {
        use anyhow::Context;
        let Some(bytes) = self
            .read(rel)
            .with_context(|| format!("cannot read {}", rel.display()))?
        else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .with_context(|| format!("{} is not valid", rel.display()))
    }

    /// Whether someone holds the lock file `rel` (as [`super::is_locked`]:
    /// a missing file is not locked).
    pub fn is_locked(&self, rel: &Path) -> bool {
        let Ok(Some(file)) = self.open_file(rel) else {
            return false;
        };
        // A shared lock we get is let go by the close.
        match fs2::FileExt::try_lock_shared(&file) {
            Ok(()) => false,
            Err(e) => super::lock::is_contended(&e),
        }
    }

    /// Size and modification time of `rel`, `None` when it is missing.
    pub fn size_and_mtime(&self, rel: &Path) -> Option<(u64, SystemTime)> {
        let st: FileStat = fstatat(self.base(), rel, nix::fcntl::AtFlags::empty()).ok()?;
        let mtime = SystemTime::UNIX_EPOCH.checked_add(std::time::Duration::new(
            u64::try_from(st.st_mtime).ok()?,
            u32::try_from(st.st_mtime_nsec).ok()?,
        ))?;
        Some((u64::try_from(st.st_size).ok()?, mtime))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_relative_and_absolute_alike() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("s")).unwrap();
        let big: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(tmp.path().join("s/f"), &big).unwrap();
        let at = Dir::open(tmp.path()).unwrap();
        assert_eq!(at.read(Path::new("s/f")).unwrap().unwrap(), big);
        assert_eq!(at.read(Path::new("s/none")).unwrap(), None);
        let abs = tmp.path().join("s/f");
        assert_eq!(Dir::cwd().read(&abs).unwrap().unwrap(), big);
        let (len, mtime) = at.size_and_mtime(Path::new("s/f")).unwrap();
        assert_eq!(len, 10_000);
        assert_eq!(mtime, std::fs::metadata(&abs).unwrap().modified().unwrap());
        assert!(at.size_and_mtime(Path::new("s/none")).is_none());
    }

    #[test]
    fn a_held_lock_is_seen_and_a_free_one_stays_free() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("l.lock");
        let at = Dir::open(tmp.path()).unwrap();
        assert!(!at.is_locked(Path::new("l.lock")));
        let held = super::super::Lock::acquire(&path).unwrap();
        assert!(at.is_locked(Path::new("l.lock")));
        drop(held);
        assert!(!at.is_locked(Path::new("l.lock")));
        // Probing left no lock behind: an exclusive one is free at once.
        let file = super::super::open_lock_file(&path).unwrap();
        fs2::FileExt::try_lock_exclusive(&file).unwrap();
    }
}
