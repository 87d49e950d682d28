//! The worker in its pseudo-terminal: open the PTY, run `bash -lc
//! <command>` (with looop's PATH, see [`crate::login`]) in it as a session and process-group leader, and hand back a
//! non-blocking master for the event loop.

use super::escapees;
use crate::supervisor::protocol::Spec;
use anyhow::{Context, Result, anyhow};
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::os::fd::{BorrowedFd, RawFd};

/// A started worker: the PTY master (which owns `master_fd`) and the
/// child's pid, to be reaped with `waitpid`.
pub struct Worker {
    pub master: Box<dyn MasterPty + Send>,
    pub master_fd: RawFd,
    pub pid: u32,
}

/// Start the spec's command in a new PTY of `cols` x `rows` (the spec's
/// size, clamped as the screen model clamps it).
pub fn spawn(session: &str, spec: &Spec, cols: u16, rows: u16) -> Result<Worker> {
    // portable-pty would silently fall back to $HOME; a worker must run
    // where it was told or not at all.
    if !spec.cwd.is_dir() {
        return Err(anyhow!(
            "working directory {} does not exist",
            spec.cwd.display()
        ));
    }
    let pair = native_pty_system()
        .openpty(size(cols, rows))
        .context("cannot open a pseudo-terminal")?;
    let mut cmd = CommandBuilder::new("bash");
    cmd.args(crate::login::bash_args(&spec.command));
    // The supervisor inherited the PATH of the looop that started it.
    match crate::login::path_value() {
        Some(path) => cmd.env(crate::login::PATH_VAR, path),
        None => cmd.env_remove(crate::login::PATH_VAR),
    }
    cmd.cwd(&spec.cwd);
    cmd.env("LOOOP_SESSION_ID", session);
    if cmd
        .get_env("TERM")
        .is_none_or(|t| t.is_empty() || t == "dumb")
    {
        cmd.env("TERM", "xterm-256color");
    }
    escapees::adopt();
    let child = pair
        .slave
        .spawn_command(cmd)
        .with_context(|| format!("cannot start bash in {}", spec.cwd.display()))?;
    drop(pair.slave);
    let pid = child
        .process_id()
        .ok_or_else(|| anyhow!("the child has no pid"))?;
    // The std Child inside does nothing on drop; we reap with waitpid.
    drop(child);
    let master = pair.master;
    let master_fd = master
        .as_raw_fd()
        .ok_or_else(|| anyhow!("the PTY master has no fd"))?;
    // SAFETY: `master` owns this fd and outlives the borrow.
    let borrowed = unsafe { BorrowedFd::borrow_raw(master_fd) };
    let flags = OFlag::from_bits_truncate(
        fcntl(borrowed, FcntlArg::F_GETFL).context("cannot read PTY flags")?,
    );
    fcntl(borrowed, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))
        .context("cannot set up the PTY")?;
    Ok(Worker {
        master,
        master_fd,
        pid,
    })
}

/// A window size for portable-pty.
pub fn size(cols: u16, rows: u16) -> PtySize {
    PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}
