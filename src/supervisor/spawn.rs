//! Launching a session: prepare its dir, start its supervisor, wait for
//! the one-line readiness report.
//!
//! The launcher takes the session's `supervisor.lock` itself and hands the
//! locked file to the supervisor as fd 3, so there is no moment in which a
//! starting session looks dead, and two racing launches of the same name
//! cannot both proceed. Readiness is a line on a pipe (`ok <pid>` or
//! `err <why>`), read with a deadline: no polling of files.

use super::protocol::Spec;
use super::session;
use super::{LaunchSpec, SessionView, State};
use crate::config::Config;
use crate::paths::{self, Profile};
use crate::{events, exit, store};
use anyhow::{Context, Result, anyhow};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a supervisor may take to get its child running.
const READY_WITHIN: Duration = Duration::from_secs(20);
/// Where the supervisor finds the inherited lock.
const LOCK_FD: i32 = 3;
/// Used when neither the spec nor the caller's terminal gives a size.
const DEFAULT_SIZE: (u16, u16) = (120, 40);

pub fn launch(profile: &Profile, config: &Config, spec: &LaunchSpec) -> Result<SessionView> {
    if !session::is_session_name(&spec.session) {
        return Err(exit::usage(format!(
            "invalid session name {:?}",
            spec.session
        )));
    }
    store::ensure_dir(&profile.sessions_dir(), 0o700)?;
    let dir = session::dir(profile, &spec.session);
    store::ensure_dir(&dir, 0o700)?;
    let Some(lock) = session::try_lock(&dir)? else {
        return Err(exit::refused(format!(
            "session {} is already running",
            spec.session
        )));
    };
    // A finished session of the same name is replaced.
    session::clear(&dir).with_context(|| format!("session {}", spec.session))?;
    let (cols, rows) = spec
        .size
        .or_else(super::tty::caller_size)
        .unwrap_or(DEFAULT_SIZE);
    let stored = Spec {
        command: spec.command.clone(),
        cwd: spec.cwd.clone(),
        runner: spec.runner.clone(),
        cols,
        rows,
        log_max_bytes: config.log_max_bytes,
        goal: spec.goal.clone(),
        agent: spec.agent.clone(),
        agent_session: spec.agent_session.clone(),
    };

    let (mut child, stdout) = exec_supervisor(profile, spec, &stored, lock)?;
    let line = read_line(stdout, READY_WITHIN);
    // The intermediate process exits right after forking the supervisor.
    child
        .wait()
        .with_context(|| format!("session {}: cannot reap the launcher", spec.session))?;
    let line = line.with_context(|| format!("session {}", spec.session))?;
    if let Some(why) = line.strip_prefix("err ") {
        return Err(exit::refused(format!(
            "session {} failed to start: {why}",
            spec.session
        )));
    }
    if !line.starts_with("ok ") {
        mark_failed_if_dead(
            &dir,
            &spec.session,
            "the supervisor exited during the launch",
        );
        return Err(exit::refused(format!(
            "session {} failed to start: the supervisor exited during the launch (see {})",
            spec.session,
            session::supervisor_log_path(&dir).display()
        )));
    }
    let view = session::view(profile, &spec.session)?
        .ok_or_else(|| anyhow!("session {} vanished right after its launch", spec.session))?;
    events::emit(
        profile,
        "session_started",
        &serde_json::json!({
            "id": view.id,
            "session": view.session,
            "runner": spec.runner,
            "pid": view.pid,
        }),
    );
    Ok(view)
}

/// Start `looop _supervise` with the locked file as fd 3, the spec as JSON
/// on its stdin and a pipe as its stdout; returns the process (the
/// intermediate, to reap) and the pipe's read end.
fn exec_supervisor(
    profile: &Profile,
    spec: &LaunchSpec,
    stored: &Spec,
    lock: File,
) -> Result<(Child, ChildStdout)> {
    let mut cmd = Command::new(paths::current_exe()?);
    cmd.arg("_supervise")
        .arg(&spec.session)
        .arg("--lock-fd")
        .arg(LOCK_FD.to_string())
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .env("LOOOP_DATA_DIR", &profile.data)
        .env("LOOOP_CONFIG", &profile.config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for name in spec.unset {
        cmd.env_remove(name);
    }
    let lock_raw = lock.as_raw_fd();
    // SAFETY: between fork and exec only async-signal-safe calls are made
    // (dup2, fcntl) on an fd that is open in the parent for the whole spawn.
    unsafe {
        cmd.pre_exec(move || {
            if lock_raw == LOCK_FD {
                // Already in place: just let it survive the exec.
                if nix::libc::fcntl(LOCK_FD, nix::libc::F_SETFD, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
            } else if nix::libc::dup2(lock_raw, LOCK_FD) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("session {}: cannot start the supervisor", spec.session))?;
    // Closing (not unlocking) our copy: the supervisor's copy holds the lock.
    drop(lock);
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| anyhow!("no pipe to the supervisor"))?;
    // One write. A supervisor that died at once closed its end: the launch
    // then fails on the missing readiness line, which says more than EPIPE.
    let _ = serde_json::to_vec(stored).map(|bytes| stdin.write_all(&bytes));
    drop(stdin);
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow!("no pipe to the supervisor"))?;
    Ok((child, stdout))
}

/// Read one line from the supervisor's pipe within `limit`; the text before
/// EOF when it closes without a newline (empty when it said nothing).
fn read_line(mut pipe: ChildStdout, limit: Duration) -> Result<String> {
    let deadline = Instant::now() + limit;
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        if let Some(end) = got.iter().position(|b| *b == b'\n') {
            got.truncate(end);
            break;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(anyhow!(
                "the supervisor did not report within {}s",
                limit.as_secs()
            ));
        }
        let ms = PollTimeout::try_from(left.as_millis().min(i32::MAX as u128) as i32)
            .unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(pipe.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, ms) {
            Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
            Ok(_) => {}
            Err(e) => return Err(e).context("cannot wait for the supervisor"),
        }
        match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).context("cannot read from the supervisor"),
        }
    }
    Ok(String::from_utf8_lossy(&got).into_owned())
}

/// A supervisor that died before writing its verdict leaves a record that
/// says starting (or none); make it say failed, unless a new launch owns it.
fn mark_failed_if_dead(dir: &std::path::Path, session: &str, why: &str) {
    let Ok(Some(_lock)) = session::try_lock(dir) else {
        return;
    };
    let record = session::read_record(dir).ok().flatten();
    if record
        .as_ref()
        .is_some_and(|r| !matches!(r.state, State::Starting | State::Running))
    {
        return;
    }
    let mut r = record.unwrap_or_else(|| session::Record::new(session, State::Failed));
    r.state = State::Failed;
    r.ended_at = Some(events::now_rfc3339());
    r.error = Some(why.to_string());
    if let Err(e) = session::write_record(dir, &r) {
        eprintln!("looop: {e:#}");
    }
}
