//! Handing a running supervisor over to a fresh `looop _supervise` image.
//!
//! A single-threaded launcher (`start-session`, most beats) forks its
//! supervisor instead of exec'ing the binary first: the worker then runs one
//! process start sooner (about a millisecond here, most of a launch). Once
//! the launcher has its `ok`, the forked supervisor re-executes itself as
//! `looop _supervise <session> --adopt ...` (CONTRACT §5: the supervisor is
//! looop re-executed in a hidden mode), so a process living for days carries
//! neither the launcher's memory nor its command line. The pid stays the
//! same; what crosses the exec is a handful of descriptors, named on the
//! command line: the locked `supervisor.lock`, the PTY master and the control
//! socket's listener. Output written meanwhile waits in the PTY, clients
//! wait in the listen backlog, and SIGCHLD/SIGTERM are blocked across the
//! exec, so they stay pending until the new image can take them.

use crate::cli::Args;
use crate::exit;
use anyhow::{Context, Result, anyhow};
use nix::fcntl::{FcntlArg, FdFlag, fcntl};
use nix::sys::signal::{SigHandler, SigSet, SigmaskHow, Signal, sigprocmask};
use std::ffi::CString;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;

/// What the new image needs besides the session's files.
pub struct Handover {
    pub lock: OwnedFd,
    pub master: OwnedFd,
    pub listener: OwnedFd,
    pub log_max: u64,
}

/// The signals a supervisor takes through its self-pipe; blocked from just
/// before the exec until the new image has its handlers.
fn held_signals() -> SigSet {
    let mut set = SigSet::empty();
    set.add(Signal::SIGCHLD);
    set.add(Signal::SIGTERM);
    set
}

/// Let SIGCHLD and SIGTERM through again (the new image, once its handlers
/// are in place; or the old one when the exec failed).
pub fn release_signals() -> Result<()> {
    sigprocmask(SigmaskHow::SIG_UNBLOCK, Some(&held_signals()), None)
        .context("cannot unblock SIGCHLD and SIGTERM")
}

/// Every signal back to its default disposition and unblocked: a forked
/// supervisor must not run its launcher's handlers (they write to fds it
/// has closed).
pub fn reset_signals() {
    for sig in Signal::iterator() {
        if matches!(sig, Signal::SIGKILL | Signal::SIGSTOP) {
            continue;
        }
        // SAFETY: SIG_DFL installs no handler code. A signal that cannot be
        // changed keeps its disposition, which is all we could do anyway.
        let _ = unsafe { nix::sys::signal::signal(sig, SigHandler::SigDfl) };
    }
    let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
}

/// Replace this process's image with `looop _supervise <session> --adopt`,
/// keeping the handed-over fds open. Returns only when the exec failed,
/// with every fd as it was (close-on-exec again) and the signals released,
/// so the caller can go on serving in this image.
pub fn exec(session: &str, fds: [BorrowedFd<'_>; 3], log_max: u64) -> anyhow::Error {
    let [lock, master, listener] = fds;
    let attempt = || -> Result<std::convert::Infallible> {
        let exe = crate::paths::current_exe()?;
        let args: Vec<CString> = [
            exe.as_os_str().as_bytes().to_vec(),
            b"_supervise".to_vec(),
            session.as_bytes().to_vec(),
            b"--adopt".to_vec(),
            format!("--lock-fd={}", lock.as_raw_fd()).into_bytes(),
            format!("--master-fd={}", master.as_raw_fd()).into_bytes(),
            format!("--listener-fd={}", listener.as_raw_fd()).into_bytes(),
            format!("--log-max={log_max}").into_bytes(),
        ]
        .into_iter()
        .map(|a| CString::new(a).map_err(|_| anyhow!("a NUL byte in the path of looop")))
        .collect::<Result<_>>()?;
        sigprocmask(SigmaskHow::SIG_BLOCK, Some(&held_signals()), None)
            .context("cannot block SIGCHLD and SIGTERM")?;
        for fd in fds {
            fcntl(fd, FcntlArg::F_SETFD(FdFlag::empty())).context("cannot pass an fd on")?;
        }
        Err(nix::unistd::execv(&args[0], &args).unwrap_err())
            .with_context(|| format!("cannot re-execute {}", exe.display()))
    };
    let Err(err) = attempt();
    for fd in fds {
        let _ = fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC));
    }
    if let Err(e) = release_signals() {
        return e.context(format!("{err:#}"));
    }
    err
}

/// The new image's side: take the fds named by `--lock-fd`, `--master-fd`
/// and `--listener-fd` (close-on-exec again) and `--log-max`.
pub fn receive(args: &mut Args) -> Result<Handover> {
    let mut take = |name: &str| -> Result<OwnedFd> {
        let fd: RawFd = args
            .number(name)?
            .ok_or_else(|| exit::usage(format!("_supervise --adopt needs {name}")))?;
        // SAFETY: F_SETFD on a number that may not be open only fails.
        if fd < 3
            || unsafe { nix::libc::fcntl(fd, nix::libc::F_SETFD, nix::libc::FD_CLOEXEC) } == -1
        {
            return Err(exit::usage(format!(
                "_supervise {name}={fd}: not an open fd above stderr"
            )));
        }
        // SAFETY: the previous image of this very process put the fd there
        // for us right before the exec; nothing else here owns it.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    };
    let lock = take("--lock-fd")?;
    let master = take("--master-fd")?;
    let listener = take("--listener-fd")?;
    let log_max = args
        .number("--log-max")?
        .ok_or_else(|| exit::usage("_supervise --adopt needs --log-max"))?;
    Ok(Handover {
        lock,
        master,
        listener,
        log_max,
    })
}

/// Unmap the clean, read-only file pages this fresh image touched while
/// starting (the dynamic loader, libc's and looop's start-up code): a forked
/// supervisor never has them mapped, and one living for days should not
/// count them in its RSS either. They stay in the page cache, shared; a page
/// the loop needs again is mapped back on first touch. Only mappings without
/// a single private copy (`Anonymous: 0 kB`) qualify, where MADV_DONTNEED
/// cannot lose anything (relocated data, written once at start, has copies).
pub fn drop_startup_pages() {
    #[cfg(target_os = "linux")]
    {
        let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
            return;
        };
        let mut clean: Option<(usize, usize)> = None;
        let mut ranges = Vec::new();
        for line in smaps.lines() {
            if let Some(kb) = line.strip_prefix("Anonymous:") {
                if let Some(range) = clean.take()
                    && kb.trim() == "0 kB"
                {
                    ranges.push(range);
                }
            } else if is_mapping_header(line) {
                clean = clean_file_mapping(line);
            }
        }
        for (start, end) in ranges {
            // SAFETY: the range is a whole read-only, file-backed mapping
            // with no private pages: dropping its pages only makes the next
            // access read the same bytes from the page cache again.
            unsafe {
                nix::libc::madvise(
                    start as *mut nix::libc::c_void,
                    end - start,
                    nix::libc::MADV_DONTNEED,
                )
            };
        }
    }
}

/// Whether an smaps line starts a mapping (`start-end perms ...`) rather
/// than being one of its `Name: value` fields.
#[cfg(target_os = "linux")]
fn is_mapping_header(line: &str) -> bool {
    line.split_whitespace()
        .next()
        .and_then(|r| r.split_once('-'))
        .is_some_and(|(a, b)| {
            [a, b]
                .iter()
                .all(|h| !h.is_empty() && h.bytes().all(|c| c.is_ascii_hexdigit()))
        })
}

/// `(start, end)` when an smaps header line names a read-only mapping of a
/// file (`55fb...-55fb... r-xp 00000000 fe:00 326279 /path`).
#[cfg(target_os = "linux")]
fn clean_file_mapping(line: &str) -> Option<(usize, usize)> {
    let mut fields = line.split_whitespace();
    let (start, end) = fields.next()?.split_once('-')?;
    let perms = fields.next()?;
    let path = fields.nth(3)?;
    if perms.len() != 4 || perms.as_bytes()[1] == b'w' || !path.starts_with('/') {
        return None;
    }
    let start = usize::from_str_radix(start, 16).ok()?;
    let end = usize::from_str_radix(end, 16).ok()?;
    (end > start).then_some((start, end))
}
