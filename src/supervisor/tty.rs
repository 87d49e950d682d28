//! The user's terminal: its size, and raw mode that is always undone.
//!
//! [`RawMode`] restores the saved settings on drop, and a panic hook
//! restores them too, so no exit path of `attach` (a detach, the worker
//! ending, SIGTERM, SIGHUP, a panic) leaves the terminal unusable.

use anyhow::{Context, Result};
use nix::sys::termios::{SetArg, Termios, cfmakeraw, tcgetattr, tcsetattr};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::{Mutex, Once};

nix::ioctl_read_bad!(tiocgwinsz, nix::libc::TIOCGWINSZ, nix::libc::winsize);

/// (cols, rows) of the terminal on `fd`, if it is one with a size.
pub fn size_of(fd: BorrowedFd<'_>) -> Option<(u16, u16)> {
    let mut ws = nix::libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one `winsize` into the valid struct we pass.
    let ok = unsafe { tiocgwinsz(std::os::fd::AsRawFd::as_raw_fd(&fd), &mut ws) }.is_ok();
    (ok && ws.ws_col > 0 && ws.ws_row > 0).then_some((ws.ws_col, ws.ws_row))
}

/// The caller's terminal size (stdin, stdout or stderr), if any.
pub fn caller_size() -> Option<(u16, u16)> {
    size_of(std::io::stdin().as_fd())
        .or_else(|| size_of(std::io::stdout().as_fd()))
        .or_else(|| size_of(std::io::stderr().as_fd()))
}

/// Modes a worker's program may have left on in this terminal, put back to
/// the defaults: a synchronized update ended, attributes reset, the cursor
/// shown, mouse reporting, focus events, bracketed paste, colour-scheme
/// reports and application cursor keys off, kitty keyboard flags popped.
/// The screen itself is left as it is.
pub const MODES_OFF: &str = concat!(
    "\x1b[?2026l",
    "\x1b[0m",
    "\x1b[?25h",
    "\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1007l\x1b[?1015l",
    "\x1b[?1004l",
    "\x1b[?2004l",
    "\x1b[?2031l",
    "\x1b[?1l\x1b>",
    "\x1b[<99u",
);

/// After a detach, nothing the worker drew stays: leave the alternate
/// screen, free the whole screen for scrolling, clear it, cursor home.
pub const WIPE_SCREEN: &str = "\x1b[?1049l\x1b[r\x1b[H\x1b[2J";

/// Settings to put back if we panic while raw.
static SAVED: Mutex<Option<Termios>> = Mutex::new(None);
static HOOK: Once = Once::new();

fn restore_saved() {
    let saved = match SAVED.lock() {
        Ok(mut g) => g.take(),
        Err(poisoned) => poisoned.into_inner().take(),
    };
    if let Some(t) = saved {
        // Best effort on the way out: there is nowhere left to report to.
        let _ = tcsetattr(std::io::stdin().as_fd(), SetArg::TCSADRAIN, &t);
    }
}

/// Stdin in raw mode for as long as this value lives.
pub struct RawMode(());

impl RawMode {
    pub fn enter() -> Result<RawMode> {
        let stdin = std::io::stdin();
        let original = tcgetattr(stdin.as_fd()).context("cannot read the terminal settings")?;
        let mut raw = original.clone();
        cfmakeraw(&mut raw);
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore_saved();
                previous(info);
            }));
        });
        *SAVED.lock().unwrap_or_else(|p| p.into_inner()) = Some(original);
        tcsetattr(stdin.as_fd(), SetArg::TCSADRAIN, &raw)
            .context("cannot put the terminal in raw mode")?;
        Ok(RawMode(()))
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        restore_saved();
    }
}
