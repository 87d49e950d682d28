//! Boot: from `looop _supervise` to a running supervisor.
//!
//! The launcher starts it with the locked `supervisor.lock` on an inherited
//! fd, the session's [`Spec`] as JSON on stdin and a pipe on stdout. It
//! leaves the caller's session (`setsid`), forks once so the launcher can
//! reap the intermediate at once (no zombie in a long-lived pulse), starts
//! the child, and reports one line, `ok <pid>` or `err <why>`, on the pipe
//! before pointing its stdio away and entering the event loop.

use super::supervisor::Supervisor;
use crate::paths::Profile;
use crate::session_record::{self as record, Record, State};
use crate::supervisor::protocol::Spec;
use crate::{events, exit};
use anyhow::{Context, Result};
use nix::fcntl::{FcntlArg, FdFlag, fcntl};
use nix::sys::signal::Signal;
use std::fs::OpenOptions;
use std::io::Write;
use std::os::fd::{AsFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

/// What `looop _supervise` was asked: which session, and where the
/// launcher put its locked `supervisor.lock`.
#[derive(Debug, Clone)]
pub struct Options {
    /// `looop-<id>`.
    pub session: String,
    /// The inherited fd holding the session lock (3 or more).
    pub lock_fd: RawFd,
}

/// Be the supervisor of `opts.session`: take over the inherited lock, read
/// the spec, detach, serve until the child is gone. Returns the exit status
/// (the intermediate process returns 0 at once).
pub fn run(opts: Options) -> Result<i32> {
    let Options { session, lock_fd } = opts;
    if !record::is_session_name(&session) {
        return Err(exit::usage(format!("invalid session name {session:?}")));
    }
    if lock_fd < 3 {
        return Err(exit::usage("_supervise --lock-fd must be 3 or more"));
    }
    // SAFETY: the launcher placed the locked `supervisor.lock` on this fd
    // right before exec; nothing else in this process owns it.
    let lock = unsafe { OwnedFd::from_raw_fd(lock_fd) };
    fcntl(lock.as_fd(), FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))
        .context("cannot set up the session lock")?;
    close_inherited_fds(lock_fd);
    let profile = Profile::from_env()?;
    // The launcher writes the spec and closes the pipe before it waits.
    let spec: Spec = serde_json::from_reader(std::io::stdin().lock())
        .context("cannot read the session spec from stdin")?;
    supervise_detached(&profile, &session, &spec, lock)
}

/// Leave the caller's session (`setsid`), fork once so the launcher can
/// reap the intermediate at once, start the child, report on stdout (the
/// launcher's pipe), serve until the child is gone. The intermediate
/// returns `Ok(0)` at once.
fn supervise_detached(profile: &Profile, session: &str, spec: &Spec, lock: OwnedFd) -> Result<i32> {
    nix::unistd::setsid().context("cannot start a new session (setsid)")?;
    // SAFETY: nothing but this thread exists, so the child cannot inherit
    // a lock held by another thread.
    match unsafe { nix::unistd::fork() }.context("cannot fork the supervisor")? {
        // The launcher reaps this intermediate at once; the grandchild,
        // re-parented to init (or a subreaper), is the supervisor.
        nix::unistd::ForkResult::Parent { .. } => return Ok(0),
        nix::unistd::ForkResult::Child => {}
    }
    let dir = record::dir(profile, session);
    // Hold no directory of the caller's open (it may be unmounted later);
    // the worker gets its own cwd from the spec.
    nix::unistd::chdir("/").context("cannot chdir to /")?;
    let mut ready = std::io::stdout();
    match Supervisor::start(profile, session, &dir, spec) {
        Ok(mut sup) => {
            // From here a vanished reader must not kill us with SIGPIPE
            // (the worker, already exec'd, keeps the default disposition).
            // SAFETY: SIG_IGN installs no handler code.
            unsafe {
                nix::sys::signal::signal(Signal::SIGPIPE, nix::sys::signal::SigHandler::SigIgn)
            }
            .context("cannot ignore SIGPIPE")?;
            writeln!(ready, "ok {}", sup.child_pid)
                .and_then(|_| ready.flush())
                .context("cannot report readiness")?;
            detach_stdio(&dir)?;
            sup.run();
            // The record is final; now the lock may go (with the process).
            drop(lock);
            Ok(0)
        }
        Err(err) => {
            let why = format!("{err:#}").replace('\n', " ");
            mark_failed(&dir, session, spec, &why);
            // Let go before answering, so the launcher (which reaps the
            // intermediate, the only other holder) reads a settled session.
            drop(lock);
            // The launcher may be gone; then nobody needs the answer.
            let _ = writeln!(ready, "err {why}").and_then(|_| ready.flush());
            Ok(exit::FAILED)
        }
    }
}

/// Close every fd above stderr except the lock: a supervisor lives for days
/// and must not keep its launcher's pipes (a `$(looop ...)` would hang) or
/// files open.
fn close_inherited_fds(keep: RawFd) {
    let Ok(entries) = std::fs::read_dir("/dev/fd") else {
        return;
    };
    let fds: Vec<RawFd> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
        .filter(|fd| *fd > 2 && *fd != keep)
        .collect();
    for fd in fds {
        // SAFETY: nothing in this process owns these fds (we run before
        // opening anything). The listing's own fd is among them, already
        // closed: that close fails with EBADF, harmlessly, so the result is
        // not checked.
        unsafe { nix::libc::close(fd) };
    }
}

/// Record a launch that never got its child running.
fn mark_failed(dir: &Path, session: &str, spec: &Spec, why: &str) {
    let record = Record {
        command: spec.command.clone(),
        cwd: spec.cwd.clone(),
        runner: spec.runner.clone(),
        goal: spec.goal.clone(),
        supervisor_pid: Some(std::process::id()),
        ended_at: Some(events::now_rfc3339()),
        error: Some(why.to_string()),
        agent: spec.agent.clone(),
        agent_session: spec.agent_session.clone(),
        ..Record::new(session, State::Failed)
    };
    if let Err(e) = record::write_record(dir, &record) {
        eprintln!("looop: {e:#}");
    }
}

/// Stdin and stdout to /dev/null (the launcher's pipe must not stay open),
/// stderr to `supervisor.log` so a supervisor's own troubles are findable.
fn detach_stdio(dir: &Path) -> Result<()> {
    let null = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .context("cannot open /dev/null")?;
    let log_path = record::supervisor_log_path(dir);
    let log = crate::store::open_private_append(&log_path)?;
    nix::unistd::dup2_stdin(&null).context("cannot redirect stdin")?;
    nix::unistd::dup2_stdout(&null).context("cannot redirect stdout")?;
    nix::unistd::dup2_stderr(&log).context("cannot redirect stderr")?;
    Ok(())
}
