//! `looop _supervise <session>`: the per-session supervisor process.
//!
//! The launcher starts it with the locked `supervisor.lock` on fd 3, the
//! session's spec as JSON on stdin and a pipe on stdout. It leaves the
//! caller's session (`setsid`), forks once so the launcher can reap the
//! intermediate at once (no zombie in a long-lived pulse), opens the PTY,
//! runs `bash -lc <command>` in it, and reports one line, `ok <pid>` or
//! `err <why>`, on the pipe before pointing its stdio away.
//!
//! Then it is one thread around one `poll`: the PTY master, the control
//! socket and its clients, and a signal self-pipe (SIGCHLD, SIGTERM). Idle
//! means `poll` with no timeout: no wake-ups at all. Output is appended to
//! `output.log` (capped, newest part kept), kept in a bounded replay ring,
//! and broadcast to attachers through bounded per-client queues: a slow
//! attacher is dropped, never waited for. Output alone never rewrites the
//! record: readers take the time of the last output from `output.log`.

use super::State;
use super::escapees;
use super::protocol::{Decoder, Reply, Request, VERSION};
use super::session::{self, Record, Spec};
use super::signals::SignalPipe;
use crate::cli::Args;
use crate::paths::Profile;
use crate::{events, exit, store};
use anyhow::{Context, Result, anyhow};
use nix::errno::Errno;
use nix::fcntl::{FcntlArg, FdFlag, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, killpg};
use nix::sys::socket::MsgFlags;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Recent output kept for replay to a new attacher.
const RING_BYTES: usize = 64 * 1024;
/// Output queued for one client before it counts as stuck and is dropped.
const CLIENT_QUEUE_MAX: usize = 4 * 1024 * 1024;
/// Typed input waiting for a worker that is not reading it.
const INPUT_MAX: usize = 1024 * 1024;
/// One read from the PTY.
const READ_CHUNK: usize = 64 * 1024;
/// Reads per wake-up before the loop serves the other fds again.
const READS_PER_TURN: usize = 16;
/// Grace used when the supervisor itself gets SIGTERM.
const TERM_GRACE: Duration = Duration::from_secs(5);

#[cfg(target_os = "linux")]
const SEND_FLAGS: MsgFlags = MsgFlags::MSG_NOSIGNAL;
#[cfg(not(target_os = "linux"))]
const SEND_FLAGS: MsgFlags = MsgFlags::empty();

pub fn cmd_supervise(mut args: Args) -> Result<i32> {
    let lock_fd = args.number::<RawFd>("--lock-fd")?.unwrap_or(3);
    let session = args.required("session")?;
    args.finish()?;
    if !session::is_session_name(&session) {
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
    let dir = session::dir(profile, session);
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
        session: session.to_string(),
        state: State::Failed,
        command: spec.command.clone(),
        cwd: spec.cwd.clone(),
        runner: spec.runner.clone(),
        supervisor_pid: Some(std::process::id()),
        pid: None,
        pid_start: None,
        started_at: Some(events::now_rfc3339()),
        ended_at: Some(events::now_rfc3339()),
        exit_code: None,
        socket: None,
        error: Some(why.to_string()),
    };
    if let Err(e) = session::write_record(dir, &record) {
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
    let log_path = session::supervisor_log_path(dir);
    let log = crate::store::open_private_append(&log_path)?;
    nix::unistd::dup2_stdin(&null).context("cannot redirect stdin")?;
    nix::unistd::dup2_stdout(&null).context("cannot redirect stdout")?;
    nix::unistd::dup2_stderr(&log).context("cannot redirect stderr")?;
    Ok(())
}

/// One connected client of the control socket.
struct Client {
    stream: UnixStream,
    decoder: Decoder,
    out: Vec<u8>,
    sent: usize,
    greeted: bool,
    attached: bool,
    /// Asked for a kill: gets the `Exit` reply.
    wants_exit: bool,
    /// Close once `out` is flushed.
    closing: bool,
    dead: bool,
}

impl Client {
    fn new(stream: UnixStream) -> Client {
        Client {
            stream,
            decoder: Decoder::default(),
            out: Vec::new(),
            sent: 0,
            greeted: false,
            attached: false,
            wants_exit: false,
            closing: false,
            dead: false,
        }
    }

    fn pending(&self) -> usize {
        self.out.len() - self.sent
    }

    fn queue(&mut self, bytes: &[u8]) {
        if self.pending() + bytes.len() > CLIENT_QUEUE_MAX {
            // Too slow to keep up: drop it rather than grow or block.
            self.dead = true;
            return;
        }
        if self.sent > 0 && self.sent == self.out.len() {
            self.out.clear();
            self.sent = 0;
        }
        self.out.extend_from_slice(bytes);
    }

    fn flush(&mut self) {
        while self.sent < self.out.len() {
            match nix::sys::socket::send(
                self.stream.as_raw_fd(),
                &self.out[self.sent..],
                SEND_FLAGS,
            ) {
                Ok(n) => self.sent += n,
                Err(Errno::EAGAIN) => break,
                Err(Errno::EINTR) => continue,
                Err(_) => {
                    self.dead = true;
                    return;
                }
            }
        }
        if self.sent == self.out.len() {
            self.out.clear();
            self.sent = 0;
            if self.closing {
                self.dead = true;
            }
        } else if self.sent > CLIENT_QUEUE_MAX / 2 {
            self.out.drain(..self.sent);
            self.sent = 0;
        }
    }
}

/// Whether the peer on `stream` runs as our own user.
fn peer_is_me(stream: &UnixStream) -> bool {
    let me = nix::unistd::getuid();
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        nix::sys::socket::getsockopt(stream, nix::sys::socket::sockopt::PeerCredentials)
            .is_ok_and(|c| c.uid() == me.as_raw())
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        nix::unistd::getpeereid(stream).is_ok_and(|(uid, _)| uid == me)
    }
}

/// The replay ring: the newest `RING_BYTES` of output.
struct Ring(VecDeque<u8>);

impl Ring {
    fn push(&mut self, bytes: &[u8]) {
        let bytes = &bytes[bytes.len().saturating_sub(RING_BYTES)..];
        let overflow = (self.0.len() + bytes.len()).saturating_sub(RING_BYTES);
        self.0.drain(..overflow);
        self.0.extend(bytes);
    }
}

struct Supervisor {
    profile: Profile,
    dir: PathBuf,
    record: Record,
    master: Box<dyn MasterPty + Send>,
    master_fd: RawFd,
    master_open: bool,
    child_pid: u32,
    listener: UnixListener,
    socket_path: PathBuf,
    clients: Vec<Client>,
    signals: SignalPipe,
    log: File,
    log_len: u64,
    log_max: u64,
    log_broken: bool,
    ring: Ring,
    buf: Vec<u8>,
    input: Vec<u8>,
    kill_requested: bool,
    kill_deadline: Option<Instant>,
    /// Set once the child is reaped: (exit code, ended by a kill).
    exit: Option<Option<i32>>,
}

impl Supervisor {
    /// Everything up to a running child; any error means a failed launch.
    fn start(profile: &Profile, session: &str, dir: &Path, spec: &Spec) -> Result<Supervisor> {
        let mut record = Record {
            command: spec.command.clone(),
            cwd: spec.cwd.clone(),
            runner: spec.runner.clone(),
            supervisor_pid: Some(std::process::id()),
            ..Record::new(session, State::Starting)
        };
        // No `starting` record on disk: until `running` is written, the held
        // lock and the missing record already read as starting.
        let signals = SignalPipe::install(&[Signal::SIGCHLD, Signal::SIGTERM])?;

        let log_path = session::log_path(dir);
        let log = crate::store::open_private_append(&log_path)?;
        let log_len = log.metadata().map(|m| m.len()).unwrap_or(0);

        let socket_path = session::socket_path(profile, session)?;
        match std::fs::remove_file(&socket_path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot remove stale {}", socket_path.display()));
            }
        }
        let listener = UnixListener::bind(&socket_path)
            .with_context(|| format!("cannot listen on {}", socket_path.display()))?;
        std::fs::set_permissions(&socket_path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot chmod {}", socket_path.display()))?;
        listener
            .set_nonblocking(true)
            .context("cannot set up the control socket")?;
        record.socket = Some(socket_path.clone());

        // portable-pty would silently fall back to $HOME; a worker must run
        // where it was told or not at all.
        if !spec.cwd.is_dir() {
            return Err(anyhow!(
                "working directory {} does not exist",
                spec.cwd.display()
            ));
        }
        let size = PtySize {
            rows: spec.rows.max(1),
            cols: spec.cols.max(1),
            pixel_width: 0,
            pixel_height: 0,
        };
        let pair = native_pty_system()
            .openpty(size)
            .context("cannot open a pseudo-terminal")?;
        let mut cmd = CommandBuilder::new("bash");
        cmd.args(["-lc", spec.command.as_str()]);
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
        let child_pid = child
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

        record.state = State::Running;
        record.pid = Some(child_pid);
        record.pid_start = super::procs::start_time(child_pid);
        session::write_record(dir, &record)?;
        Ok(Supervisor {
            profile: profile.clone(),
            dir: dir.to_path_buf(),
            record,
            master,
            master_fd,
            master_open: true,
            child_pid,
            listener,
            socket_path,
            clients: Vec::new(),
            signals,
            log,
            log_len,
            log_max: spec.log_max_bytes,
            log_broken: false,
            ring: Ring(VecDeque::with_capacity(RING_BYTES)),
            buf: vec![0; READ_CHUNK],
            input: Vec::new(),
            kill_requested: false,
            kill_deadline: None,
            exit: None,
        })
    }

    fn master(&self) -> BorrowedFd<'_> {
        // SAFETY: `self.master` owns the fd for as long as `self` lives.
        unsafe { BorrowedFd::borrow_raw(self.master_fd) }
    }

    fn run(&mut self) {
        // A SIGCHLD before the handler existed would be lost: look once.
        self.reap();
        while self.exit.is_none() {
            let timeout = self.timeout();
            let mut want_master = PollFlags::POLLIN;
            if !self.input.is_empty() {
                want_master |= PollFlags::POLLOUT;
            }
            let mut fds = vec![
                PollFd::new(self.signals.fd(), PollFlags::POLLIN),
                PollFd::new(self.listener.as_fd(), PollFlags::POLLIN),
            ];
            if self.master_open {
                fds.push(PollFd::new(self.master(), want_master));
            }
            for c in &self.clients {
                let mut want = PollFlags::POLLIN;
                if c.pending() > 0 {
                    want |= PollFlags::POLLOUT;
                }
                fds.push(PollFd::new(c.stream.as_fd(), want));
            }
            match poll(&mut fds, timeout) {
                Ok(_) | Err(Errno::EINTR) => {}
                Err(e) => {
                    eprintln!("looop: poll failed: {e}");
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
            let revents: Vec<PollFlags> = fds
                .iter()
                .map(|f| f.revents().unwrap_or(PollFlags::empty()))
                .collect();
            drop(fds);
            let mut i = 2;
            if !revents[0].is_empty() {
                self.on_signals();
            }
            if self.master_open {
                let r = revents[i];
                i += 1;
                if r.contains(PollFlags::POLLOUT) {
                    self.write_input();
                }
                if r.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR) {
                    self.read_output(READS_PER_TURN);
                }
            }
            let client_events = &revents[i..];
            for (c, r) in self.clients.iter_mut().zip(client_events) {
                if r.contains(PollFlags::POLLOUT) {
                    c.flush();
                }
            }
            let readable: Vec<usize> = client_events
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    r.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR)
                })
                .map(|(n, _)| n)
                .collect();
            for n in readable {
                self.read_client(n);
            }
            if !revents[1].is_empty() {
                self.accept();
            }
            self.clients.retain(|c| !c.dead);
            self.timers();
        }
        self.finish();
    }

    /// When the loop must wake without an event: a kill's grace running
    /// out. Otherwise never.
    fn timeout(&self) -> PollTimeout {
        match self.kill_deadline {
            None => PollTimeout::NONE,
            Some(at) => {
                let ms = at.saturating_duration_since(Instant::now()).as_millis() + 1;
                PollTimeout::try_from(ms.min(i32::MAX as u128) as i32).unwrap_or(PollTimeout::MAX)
            }
        }
    }

    fn timers(&mut self) {
        let now = Instant::now();
        if self.kill_deadline.is_some_and(|k| now >= k) {
            self.kill_deadline = None;
            self.signal_child(Signal::SIGKILL);
        }
    }

    fn persist(&mut self) {
        if let Err(e) = session::write_record(&self.dir, &self.record) {
            eprintln!("looop: {e:#}");
        }
    }

    fn on_signals(&mut self) {
        for sig in self.signals.drain() {
            match sig {
                Signal::SIGCHLD => self.reap(),
                Signal::SIGTERM => self.request_kill(TERM_GRACE),
                _ => {}
            }
        }
        // Signals can coalesce; a cheap extra look never hurts.
        self.reap();
    }

    /// Reap the worker, and any adopted orphan (see [`escapees`]) that
    /// ended, so none lingers as a zombie.
    fn reap(&mut self) {
        let child = Pid::from_raw(self.child_pid as i32);
        while self.exit.is_none() {
            match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(pid, code)) if pid == child => self.exit = Some(Some(code)),
                Ok(WaitStatus::Signaled(pid, sig, _)) if pid == child => {
                    self.exit = Some(Some(128 + sig as i32))
                }
                Ok(WaitStatus::StillAlive) => return,
                // An adoptee ended, or a stop/continue report: look again.
                Ok(_) | Err(Errno::EINTR) => {}
                Err(Errno::ECHILD) => self.exit = Some(None),
                Err(e) => {
                    eprintln!("looop: waitpid: {e}");
                    return;
                }
            }
        }
    }

    /// Send `sig` to the child's process group and to the terminal's
    /// foreground group (a job an interactive shell started).
    fn signal_child(&self, sig: Signal) {
        let group = Pid::from_raw(self.child_pid as i32);
        // ESRCH (already gone) is the outcome we want anyway.
        let _ = killpg(group, sig);
        if self.master_open
            && let Ok(fg) = nix::unistd::tcgetpgrp(self.master())
            && fg != group
            && fg.as_raw() > 1
        {
            // Same: a vanished group needs no signal.
            let _ = killpg(fg, sig);
        }
    }

    fn request_kill(&mut self, grace: Duration) {
        let deadline = Instant::now() + grace;
        if !self.kill_requested {
            self.kill_requested = true;
            self.signal_child(Signal::SIGTERM);
        }
        match self.kill_deadline {
            Some(d) if d <= deadline => {}
            _ => self.kill_deadline = Some(deadline),
        }
        if grace.is_zero() {
            self.kill_deadline = None;
            self.signal_child(Signal::SIGKILL);
        }
    }

    /// Read up to `turns` chunks of output (all of it when draining).
    fn read_output(&mut self, turns: usize) {
        for _ in 0..turns {
            // SAFETY: see `master()`; borrowed separately so `self.buf` can
            // be lent mutably at the same time.
            let fd = unsafe { BorrowedFd::borrow_raw(self.master_fd) };
            match nix::unistd::read(fd, &mut self.buf) {
                Ok(0) => {
                    self.master_open = false;
                    return;
                }
                Ok(n) => self.on_output(n),
                Err(Errno::EAGAIN) => return,
                Err(Errno::EINTR) => continue,
                // EIO: every slave fd is closed (the child and its heirs).
                Err(_) => {
                    self.master_open = false;
                    return;
                }
            }
        }
    }

    fn on_output(&mut self, n: usize) {
        let chunk = &self.buf[..n];
        if !self.log_broken
            && let Err(e) = self.log.write_all(chunk)
        {
            eprintln!(
                "looop: cannot append to {}: {e}",
                session::log_path(&self.dir).display()
            );
            self.log_broken = true;
        }
        self.log_len += n as u64;
        self.ring.push(chunk);
        if self.clients.iter().any(|c| c.attached) {
            let frame = Reply::Output(chunk.to_vec()).encode();
            for c in self.clients.iter_mut().filter(|c| c.attached) {
                c.queue(&frame);
                c.flush();
            }
        }
        if self.log_max > 0
            && self.log_len > self.log_max
            && let Err(e) = self.cap_log()
        {
            eprintln!("looop: cannot cap the output log: {e:#}");
        }
    }

    /// Keep the newest half of the cap: copy it to a temp file (streamed,
    /// so memory stays flat), rename it over the log, append from there.
    fn cap_log(&mut self) -> Result<()> {
        let path = session::log_path(&self.dir);
        let keep = self.log_max / 2;
        let mut src =
            File::open(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let len = src.metadata()?.len();
        src.seek(SeekFrom::Start(len.saturating_sub(keep)))?;
        let mut tmp = store::TempFile::create(&path, 0o600)?;
        std::io::copy(&mut src, tmp.file())
            .with_context(|| format!("cannot write {}", tmp.path().display()))?;
        tmp.persist()?;
        self.log = OpenOptions::new()
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        self.log_len = self.log.metadata()?.len();
        Ok(())
    }

    fn write_input(&mut self) {
        while !self.input.is_empty() {
            match nix::unistd::write(self.master(), &self.input) {
                Ok(n) => {
                    self.input.drain(..n);
                }
                Err(Errno::EAGAIN) => return,
                Err(Errno::EINTR) => continue,
                Err(_) => {
                    // The terminal is gone; nobody will read these keys.
                    self.input.clear();
                    return;
                }
            }
        }
    }

    fn accept(&mut self) {
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if !peer_is_me(&stream) {
                        continue; // dropped: another user has no business here
                    }
                    if stream.set_nonblocking(true).is_err() {
                        continue;
                    }
                    self.clients.push(Client::new(stream));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    eprintln!("looop: accept: {e}");
                    return;
                }
            }
        }
    }

    fn read_client(&mut self, n: usize) {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match self.clients[n].stream.read(&mut buf) {
                Ok(0) => {
                    self.clients[n].dead = true;
                    break;
                }
                Ok(k) => self.clients[n].decoder.feed(&buf[..k]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.clients[n].dead = true;
                    break;
                }
            }
        }
        loop {
            let req = match self.clients[n].decoder.next_request() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => {
                    let c = &mut self.clients[n];
                    c.queue(&Reply::Error(format!("{e:#}")).encode());
                    c.closing = true;
                    break;
                }
            };
            self.handle(n, req);
        }
        self.clients[n].flush();
    }

    fn handle(&mut self, n: usize, req: Request) {
        if !self.clients[n].greeted {
            let c = &mut self.clients[n];
            match req {
                Request::Hello(v) if v == VERSION => {
                    c.greeted = true;
                    c.queue(&Reply::Ok.encode());
                }
                _ => {
                    c.queue(
                        &Reply::Error(
                            "protocol version mismatch; use the same looop binary".into(),
                        )
                        .encode(),
                    );
                    c.closing = true;
                }
            }
            return;
        }
        match req {
            Request::Hello(_) => self.clients[n].queue(&Reply::Ok.encode()),
            Request::Attach { cols, rows } => {
                self.resize(cols, rows);
                let (a, b) = self.ring.0.as_slices();
                let mut replay = Vec::with_capacity(a.len() + b.len());
                replay.extend_from_slice(a);
                replay.extend_from_slice(b);
                let c = &mut self.clients[n];
                c.attached = true;
                c.queue(&Reply::Output(replay).encode());
            }
            Request::Input(bytes) => {
                if self.input.len() + bytes.len() > INPUT_MAX {
                    let full =
                        Reply::Error("the worker is not reading its input; nothing typed".into());
                    self.clients[n].queue(&full.encode());
                    return;
                }
                self.input.extend_from_slice(&bytes);
                self.write_input();
                self.clients[n].queue(&Reply::Ok.encode());
            }
            Request::Resize { cols, rows } => self.resize(cols, rows),
            Request::Kill { grace_ms } => {
                self.clients[n].wants_exit = true;
                self.request_kill(Duration::from_millis(u64::from(grace_ms)));
            }
        }
    }

    fn resize(&self, cols: u16, rows: u16) {
        if cols == 0 || rows == 0 {
            return;
        }
        let size = PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        };
        if let Err(e) = self.master.resize(size) {
            eprintln!("looop: resize: {e:#}");
        }
    }

    /// The child is gone: collect its last output, write the final record,
    /// tell the clients, clean up the socket.
    fn finish(&mut self) {
        if self.master_open {
            // Bounded: a daemonized grandchild may keep writing forever.
            self.read_output(256);
        }
        let code = self.exit.flatten();
        if self.kill_requested {
            // Stragglers of a killed worker's group go with it.
            let _ = killpg(Pid::from_raw(self.child_pid as i32), Signal::SIGKILL);
            // And so do the daemons that left the group.
            escapees::end_all();
        }
        self.record.state = if self.kill_requested {
            State::Killed
        } else {
            State::Exited
        };
        self.record.exit_code = code;
        self.record.ended_at = Some(events::now_rfc3339());
        self.persist();
        // A killed session's leases go now, not only in `looop kill`: a
        // worker that ends itself with `looop kill` takes that very client
        // down with its process group. (Other ends leave them to the next
        // beat's housekeeping, which reports each one it reaps.)
        if self.kill_requested
            && let Err(e) = crate::claims::release_all(&self.profile, &self.record.session)
        {
            eprintln!(
                "looop: cannot drop the claims of {}: {e:#}",
                self.record.session
            );
        }
        events::emit(
            &self.profile,
            "session_exited",
            &serde_json::json!({
                "id": self.record.session.strip_prefix(crate::ids::SESSION_PREFIX).unwrap_or(&self.record.session),
                "session": self.record.session,
                "state": self.record.state,
                "exit_code": code,
            }),
        );
        let bye = Reply::Exit {
            code,
            killed: self.kill_requested,
        }
        .encode();
        for c in self
            .clients
            .iter_mut()
            .filter(|c| c.attached || c.wants_exit)
        {
            c.queue(&bye);
            c.closing = true;
            c.flush();
        }
        self.flush_clients(Duration::from_secs(2));
        if let Err(e) = std::fs::remove_file(&self.socket_path) {
            eprintln!("looop: cannot remove {}: {e}", self.socket_path.display());
        }
    }

    fn flush_clients(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            self.clients.retain(|c| !c.dead && c.pending() > 0);
            let left = deadline.saturating_duration_since(Instant::now());
            if self.clients.is_empty() || left.is_zero() {
                return;
            }
            let mut fds: Vec<PollFd> = self
                .clients
                .iter()
                .map(|c| PollFd::new(c.stream.as_fd(), PollFlags::POLLOUT))
                .collect();
            let ms = PollTimeout::try_from(left.as_millis().min(i32::MAX as u128) as i32)
                .unwrap_or(PollTimeout::MAX);
            if poll(&mut fds, ms).is_err() {
                return;
            }
            drop(fds);
            for c in &mut self.clients {
                c.flush();
            }
        }
    }
}
