//! SIGINT/SIGTERM for beats and `looop run`: the handler only sets a flag and
//! writes a byte to a self-pipe. Whoever is waiting (the runner loop, the
//! cadence's sleep) notices and ends things cleanly: a running tick AI is
//! killed with its process group, `looop run` exits 0 between beats.

use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
use std::os::fd::{AsFd, BorrowedFd, IntoRawFd, OwnedFd};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::Duration;

static STOP: AtomicBool = AtomicBool::new(false);
static WAKE_FD: AtomicI32 = AtomicI32::new(-1);
static READ_END: OnceLock<OwnedFd> = OnceLock::new();

extern "C" fn on_signal(_: nix::libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
    let fd = WAKE_FD.load(Ordering::SeqCst);
    if fd >= 0 {
        let byte = [1u8];
        // SAFETY: write(2) is async-signal-safe; fd is the pipe's write end,
        // kept open for the life of the process; the buffer outlives the call.
        unsafe {
            nix::libc::write(fd, byte.as_ptr().cast(), 1);
        }
    }
}

/// Install the handlers (once per process).
pub fn install() {
    if READ_END.get().is_some() {
        return;
    }
    let Ok((read, write)) = nix::unistd::pipe() else {
        return;
    };
    for fd in [&read, &write] {
        // Non-blocking: a full pipe must never block the handler.
        let _ = nix::fcntl::fcntl(
            fd.as_fd(),
            nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
        );
        let _ = nix::fcntl::fcntl(
            fd.as_fd(),
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
        );
    }
    WAKE_FD.store(write.into_raw_fd(), Ordering::SeqCst);
    let _ = READ_END.set(read);
    let action = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for sig in [Signal::SIGINT, Signal::SIGTERM] {
        // SAFETY: the handler only touches atomics and calls write(2), both
        // async-signal-safe.
        unsafe {
            let _ = sigaction(sig, &action);
        }
    }
}

/// Whether SIGINT/SIGTERM arrived.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// The self-pipe's read end, readable once SIGINT/SIGTERM arrived: add it to
/// a poll(2) set to wake on a signal. `None` before [`install`].
pub fn wake_fd() -> Option<BorrowedFd<'static>> {
    READ_END.get().map(|fd| fd.as_fd())
}

/// Sleep up to `d`, waking at once on a signal. Returns true when stopped.
pub fn sleep_or_stop(d: Duration) -> bool {
    if stop_requested() {
        return true;
    }
    let Some(read) = READ_END.get() else {
        std::thread::sleep(d);
        return stop_requested();
    };
    let deadline = std::time::Instant::now() + d;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() || stop_requested() {
            return stop_requested();
        }
        let ms = left.as_millis().min(i32::MAX as u128) as i32;
        let mut fds = [nix::poll::PollFd::new(
            read.as_fd(),
            nix::poll::PollFlags::POLLIN,
        )];
        let timeout = nix::poll::PollTimeout::try_from(ms).unwrap_or(nix::poll::PollTimeout::MAX);
        // EINTR just loops; the flag decides.
        let _ = nix::poll::poll(&mut fds, timeout);
    }
}
