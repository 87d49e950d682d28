//! Signals delivered as bytes on a pipe, so a `poll` loop can wait on them
//! next to pipes, sockets and the PTY instead of doing work inside a handler.
//! One self-pipe per process, for every user: the supervisor (SIGCHLD,
//! SIGTERM) and `attach` read the signal numbers back with
//! [`SignalPipe::drain`]; beats and `looop run` only ask whether SIGINT or
//! SIGTERM arrived ([`install_stop`], [`stop_requested`]) and wake on the
//! pipe while they wait ([`wake_fd`], [`sleep_or_stop`]).
//!
//! The handler sets a flag (SIGINT/SIGTERM) and writes the signal number to
//! a non-blocking pipe: both async-signal-safe. Written on nix `sigaction`
//! rather than signal-hook: the loops need a pollable fd that says which
//! signal came, which signal-hook's iterator does not hand out, and the
//! handler is a dozen lines.

use anyhow::{Context, Result};
use nix::fcntl::{FcntlArg, FdFlag, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
use std::os::fd::{AsFd, BorrowedFd, IntoRawFd, OwnedFd};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// The write end of the pipe, for the handler (-1 until installed).
static WRITE_FD: AtomicI32 = AtomicI32::new(-1);
/// Set once SIGINT or SIGTERM arrived.
static STOP: AtomicBool = AtomicBool::new(false);
/// The pipe [`install_stop`] set up, for [`wake_fd`] and [`sleep_or_stop`].
static STOP_PIPE: OnceLock<SignalPipe> = OnceLock::new();

extern "C" fn on_signal(signo: nix::libc::c_int) {
    if signo == Signal::SIGINT as i32 || signo == Signal::SIGTERM as i32 {
        STOP.store(true, Ordering::SeqCst);
    }
    let fd = WRITE_FD.load(Ordering::SeqCst);
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
        WRITE_FD.store(write.into_raw_fd(), Ordering::SeqCst);
        let action = SigAction::new(
            SigHandler::Handler(on_signal),
            SaFlags::SA_RESTART,
            SigSet::empty(),
        );
        for sig in signals {
            // SAFETY: the handler only calls async-signal-safe functions
            // (write, errno access) and touches atomics.
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

/// For beats and `looop run`: note SIGINT/SIGTERM instead of dying, so a
/// running child is ended with its group and the beat finishes cleanly.
/// Once per process; a failure leaves the default (die at once) in place.
/// SIGPIPE is caught too ([`catch_sigpipe`]): a beat outlives its reader.
pub fn install_stop() {
    catch_sigpipe();
    if STOP_PIPE.get().is_some() {
        return;
    }
    // Without the pipe the signals keep their default action, which still
    // stops looop (only less tidily): nothing to report.
    if let Ok(pipe) = SignalPipe::install(&[Signal::SIGINT, Signal::SIGTERM]) {
        let _ = STOP_PIPE.set(pipe);
    }
}

/// Whether SIGINT/SIGTERM arrived.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// The self-pipe's read end, readable once a signal arrived: add it to a
/// poll(2) set to wake on one. `None` before [`install_stop`].
pub fn wake_fd() -> Option<BorrowedFd<'static>> {
    STOP_PIPE.get().map(SignalPipe::fd)
}

/// Sleep up to `d`, waking at once on SIGINT/SIGTERM. True when stopped.
pub fn sleep_or_stop(d: Duration) -> bool {
    if stop_requested() {
        return true;
    }
    let Some(read) = wake_fd() else {
        std::thread::sleep(d);
        return stop_requested();
    };
    let deadline = Instant::now() + d;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stop_requested() {
            return stop_requested();
        }
        let ms = left.as_millis().min(i32::MAX as u128) as i32;
        let mut fds = [PollFd::new(read, PollFlags::POLLIN)];
        // EINTR just loops; the flag decides.
        let _ = poll(
            &mut fds,
            PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX),
        );
    }
}

extern "C" fn on_sigpipe(_: nix::libc::c_int) {}

/// For beats: a closed stdout (`looop tick | head -c1`) must not kill a
/// beat half-way through its records. SIGPIPE is caught by a handler that
/// does nothing, so the write fails with EPIPE instead (and `say` stops
/// printing). A handler, unlike SIG_IGN, is reset to the default by exec:
/// sensors, the tick AI and `run` moves still die of SIGPIPE as programs
/// expect. A failure leaves the default in place (nothing to report).
pub fn catch_sigpipe() {
    let action = SigAction::new(
        SigHandler::Handler(on_sigpipe),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    // SAFETY: the handler does nothing at all, trivially async-signal-safe.
    let _ = unsafe { sigaction(Signal::SIGPIPE, &action) };
}
