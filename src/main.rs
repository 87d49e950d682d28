//! looop: a tick-based control loop for a person's work.
//!
//! `main` stays tiny on purpose: restore default SIGPIPE (so `looop ls | head`
//! ends quietly instead of panicking; beats catch it instead, see
//! `proc::signals::catch_sigpipe`), hand the arguments to the CLI, turn the
//! one error that comes back into a message on stderr and an exit status, and
//! say once if stdout could not be written (a full disk).

// First, so its non-panicking `println!` family is what every module uses.
#[macro_use]
mod say;

mod activity;
mod agents;
mod claims;
mod cli;
mod color;
mod config;
mod demo;
mod events;
mod exit;
mod ids;
mod ledger;
mod login;
mod meter;
mod paths;
mod pause;
mod prices;
mod proc;
mod pulse;
mod resume;
mod schedule;
mod seed;
mod session_record;
mod setup;
mod shell;
mod spend;
mod store;
mod supervisor;
mod text;
mod tz;
mod usage;
mod worker_launch;
mod workers;
mod worktree;

fn main() {
    restore_default_sigpipe();
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let code = match cli::run(args) {
        Ok(code) => code,
        Err(err) => exit::report(&err),
    };
    let code = match say::stdout_failure() {
        Some(e) => {
            eprintln!("looop: cannot write to standard output: {e}");
            if code == 0 { exit::FAILED } else { code }
        }
        None => code,
    };
    std::process::exit(code);
}

/// Rust ignores SIGPIPE by default, which turns `looop ls | head` into a
/// "broken pipe" panic. A Unix tool should simply die quietly instead.
fn restore_default_sigpipe() {
    use nix::sys::signal::{SigHandler, Signal, signal};
    // SAFETY: SIG_DFL is always a valid disposition and we install no Rust
    // handler, so no async-signal-safety concerns arise.
    unsafe {
        // Failure is impossible for a valid signal number; nothing to report.
        let _ = signal(Signal::SIGPIPE, SigHandler::SigDfl);
    }
}
