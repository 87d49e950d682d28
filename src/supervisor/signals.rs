//! Signals delivered as bytes on a pipe, so a `poll` loop can wait on them
//! next to sockets and the PTY instead of doing work inside a handler.
//!
//! The handler only writes the signal number to a non-blocking pipe (an
//! async-signal-safe `write`); the loop reads the bytes back and acts.
//! One pipe per process: the supervisor and `attach` each install it once.

use anyhow::{Context, Result};
use nix::fcntl::{FcntlArg, FdFlag, OFlag, fcntl};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
use std::os::fd::{AsFd, BorrowedFd, IntoRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};

/// The write end of the pipe, for the handler (-1 until installed).
static WRITE_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(signo: nix::libc::c_int) {
    let fd = WRITE_FD.load(Ordering::Relaxed);
    if fd < 0 {
        return;
    }
    let saved = nix::errno::Errno::last_raw();
    // Signal numbers are small; the byte is the whole message.
    let byte = [signo as u8];
    // SAFETY: `fd` is the pipe's write end, kept open for the whole life of
    // the process once installed (it is never closed).
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    // A full pipe already holds a wake-up for the loop; dropping this byte
    // loses nothing because the loop re-checks the world on every wake-up.
    let _ = nix::unistd::write(fd, &byte);
    nix::errno::Errno::set_raw(saved);
}

/// The read end of the self-pipe.
pub struct SignalPipe {
    read: OwnedFd,
}

impl SignalPipe {
    /// Route `signals` to the pipe. Call once per process.
    pub fn install(signals: &[Signal]) -> Result<SignalPipe> {
        let (read, write) = nix::unistd::pipe().context("cannot create the signal pipe")?;
        for fd in [&read, &write] {
            fcntl(fd.as_fd(), FcntlArg::F_SETFL(OFlag::O_NONBLOCK))
                .context("cannot set up the signal pipe")?;
            fcntl(fd.as_fd(), FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))
                .context("cannot set up the signal pipe")?;
        }
        // The write end lives until the process exits: the handler may fire
        // at any moment, so it must never see a closed (or reused) fd.
        WRITE_FD.store(write.into_raw_fd(), Ordering::Relaxed);
        let action = SigAction::new(
            SigHandler::Handler(on_signal),
            SaFlags::SA_RESTART,
            SigSet::empty(),
        );
        for sig in signals {
            // SAFETY: the handler only calls async-signal-safe functions
            // (write, errno access) and touches an atomic.
            unsafe { sigaction(*sig, &action) }.with_context(|| format!("cannot handle {sig}"))?;
        }
        Ok(SignalPipe { read })
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }

    /// The signals that arrived since the last call (in order, repeats kept).
    pub fn drain(&self) -> Vec<Signal> {
        let mut out = Vec::new();
        let mut buf = [0u8; 64];
        while let Ok(n) = nix::unistd::read(self.read.as_fd(), &mut buf) {
            if n == 0 {
                break;
            }
            out.extend(
                buf[..n]
                    .iter()
                    .filter_map(|b| Signal::try_from(i32::from(*b)).ok()),
            );
        }
        out
    }
}
