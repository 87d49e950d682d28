//! Printing that never panics (CONTRACT §12, "Full disk and closed pipes").
//!
//! std's `println!` and `eprintln!` panic when the write fails: `looop
//! status >/dev/full` died with status 101, and a supervisor whose
//! `supervisor.log` sat on a full disk panicked on its first warning and
//! took its worker's terminal with it. This module defines `println!`,
//! `print!`, `eprintln!` and `eprint!` under the same names; `main.rs`
//! declares it first with `#[macro_use]`, so every module below uses these
//! (a `macro_rules!` in scope wins over std's prelude macros) and new code
//! cannot bring the panic back by habit.
//!
//! A failed write is not an error of the work being done: a beat's records
//! (its move, journal line, state, events) never depend on its stdout. The
//! first failure is remembered: `main` reports a failed stdout (a full
//! disk) once at the end, and a closed one (EPIPE, the reader of `looop
//! tick | head -c1` gone) ends `looop run` between beats, where dying of
//! SIGPIPE would have cut a beat in half.

use std::fmt::Arguments;
use std::io::{ErrorKind, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// The first error writing to stdout, kept for `main` to report.
static STDOUT_ERROR: Mutex<Option<std::io::Error>> = Mutex::new(None);
/// Set once stdout's reader is gone (EPIPE).
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// `println!` that never panics: see the module doc.
macro_rules! println {
    () => { $crate::say::out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::say::out(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` that never panics.
#[allow(unused_macros)]
macro_rules! print {
    ($($arg:tt)*) => { $crate::say::out(format_args!($($arg)*)) };
}

/// `eprintln!` that never panics.
macro_rules! eprintln {
    () => { $crate::say::err(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::say::err(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprint!` that never panics.
#[allow(unused_macros)]
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::say::err(format_args!($($arg)*)) };
}

/// Write to stdout; a failure is remembered, never raised.
pub fn out(args: Arguments) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args) {
        note_stdout_error(e);
    }
}

/// Write to stderr; a failure is dropped, there is nowhere left to say it.
pub fn err(args: Arguments) {
    // Nowhere to report a failing stderr: dropping the text is all we can do.
    let _ = std::io::stderr().lock().write_fmt(args);
}

fn note_stdout_error(e: std::io::Error) {
    if e.kind() == ErrorKind::BrokenPipe {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
    }
    if let Ok(mut first) = STDOUT_ERROR.lock()
        && first.is_none()
    {
        *first = Some(e);
    }
}

/// Whether stdout's reader went away (EPIPE): stop printing, and a
/// long-running loop stops at its next safe point.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// Flush stdout and hand back the first write error other than a closed
/// pipe (a reader that left wanted no more output): `main` says it once.
pub fn stdout_failure() -> Option<std::io::Error> {
    if let Err(e) = std::io::stdout().lock().flush() {
        note_stdout_error(e);
    }
    let first = STDOUT_ERROR.lock().ok()?.take()?;
    (first.kind() != ErrorKind::BrokenPipe).then_some(first)
}
