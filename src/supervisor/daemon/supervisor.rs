//! The supervisor's state, and how it comes to be: everything up to a
//! running child, where any error means a failed launch. The event loop and
//! the rest of its behaviour are further `impl` blocks in the sibling
//! modules ([`super::event_loop`], [`super::output`], [`super::requests`]).

use super::activity_state::Activities;
use super::client::Client;
use super::pty;
use super::screen::Screen;
use crate::paths::Profile;
use crate::proc::signals::SignalPipe;
use crate::session_record::{self as record, Record, State};
use crate::supervisor::protocol::Spec;
use anyhow::{Context, Result};
use nix::sys::signal::Signal;
use portable_pty::MasterPty;
use std::fs::File;
use std::os::fd::{BorrowedFd, RawFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The burst buffer: up to this much output is gathered from the PTY
/// (which gives at most 4 KiB a read) before it is logged with one write
/// and handed to the screen model. 16 KiB keeps a flood's writes few and
/// an idle supervisor small (a buffer a flood filled stays resident).
const READ_CHUNK: usize = 16 * 1024;

pub struct Supervisor {
    pub(super) profile: Profile,
    pub(super) dir: PathBuf,
    pub(super) record: Record,
    pub(super) master: Box<dyn MasterPty + Send>,
    pub(super) master_fd: RawFd,
    pub(super) master_open: bool,
    pub child_pid: u32,
    pub(super) listener: UnixListener,
    pub(super) socket_path: PathBuf,
    pub(super) clients: Vec<Client>,
    pub(super) signals: SignalPipe,
    pub(super) log: File,
    pub(super) log_len: u64,
    pub(super) log_max: u64,
    /// Cap the log once it is longer than this: `log_max`, or further out
    /// after a cap failed (a full disk).
    pub(super) log_cap_at: u64,
    /// Writing `output.log` failed (said once); every chunk tries again.
    pub(super) log_broken: bool,
    /// The worker's screen, fed every byte it prints.
    pub(super) screen: Screen,
    /// What the worker is doing (CONTRACT §9).
    pub(super) activity: Activities,
    /// The agent's hook payload reader, when it has hooks.
    pub(super) read_hook: Option<crate::agents::spec::ReadHook>,
    pub(super) buf: Vec<u8>,
    pub(super) input: Vec<u8>,
    pub(super) kill_requested: bool,
    /// The first kill came from the worker itself: it ends `done`.
    pub(super) ended_itself: bool,
    pub(super) kill_deadline: Option<Instant>,
    /// Set once the child is reaped: its exit code, when known.
    pub(super) exit: Option<Option<i32>>,
}

impl Supervisor {
    /// Everything up to a running child; any error means a failed launch.
    pub fn start(profile: &Profile, session: &str, dir: &Path, spec: &Spec) -> Result<Supervisor> {
        let mut record = Record {
            command: spec.command.clone(),
            cwd: spec.cwd.clone(),
            runner: spec.runner.clone(),
            goal: spec.goal.clone(),
            agent: spec.agent.clone(),
            agent_session: spec.agent_session.clone(),
            supervisor_pid: Some(std::process::id()),
            ..Record::new(session, State::Starting)
        };
        // No `starting` record on disk: until `running` is written, the held
        // lock and the missing record already read as starting.
        let signals = SignalPipe::install(&[Signal::SIGCHLD, Signal::SIGTERM])?;

        let log_path = record::log_path(dir);
        let log = crate::store::open_private_append(&log_path)?;
        let log_len = log.metadata().map(|m| m.len()).unwrap_or(0);

        let socket_path = record::socket_path(profile, session)?;
        let listener = listen(&socket_path)?;
        record.socket = Some(socket_path.clone());

        let (cols, rows) = super::screen::clamp(spec.cols, spec.rows);
        // The runner's agent (its `agent` key, or its name) decides how its
        // screen and hooks are read.
        let agent = spec
            .agent
            .as_deref()
            .and_then(crate::agents::Agent::from_name)
            .and_then(|a| a.spec());
        let worker = pty::spawn(session, spec, cols, rows)?;
        record.state = State::Running;
        record.pid = Some(worker.pid);
        record.pid_start = crate::proc::info::start_time(worker.pid);
        record::write_record(dir, &record)?;
        Ok(Supervisor {
            profile: profile.clone(),
            dir: dir.to_path_buf(),
            record,
            master: worker.master,
            master_fd: worker.master_fd,
            master_open: true,
            child_pid: worker.pid,
            listener,
            socket_path,
            clients: Vec::new(),
            signals,
            log,
            log_len,
            log_max: spec.log_max_bytes,
            log_cap_at: spec.log_max_bytes,
            log_broken: false,
            screen: Screen::new(cols, rows),
            activity: Activities::new(agent.map(|a| a.read_screen)),
            read_hook: agent.and_then(|a| a.hooks.as_ref()).map(|h| h.read),
            buf: vec![0; READ_CHUNK],
            input: Vec::new(),
            kill_requested: false,
            ended_itself: false,
            kill_deadline: None,
            exit: None,
        })
    }

    pub(super) fn master(&self) -> BorrowedFd<'_> {
        // SAFETY: `self.master` owns the fd for as long as `self` lives.
        unsafe { BorrowedFd::borrow_raw(self.master_fd) }
    }

    pub(super) fn persist(&mut self) {
        if let Err(e) = record::write_record(&self.dir, &self.record) {
            eprintln!("looop: {e:#}");
        }
    }
}

/// The control socket: a stale one (a lost supervisor's) replaced, private
/// to our user, non-blocking.
fn listen(socket_path: &Path) -> Result<UnixListener> {
    match std::fs::remove_file(socket_path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot remove stale {}", socket_path.display()));
        }
    }
    let listener = UnixListener::bind(socket_path)
        .with_context(|| format!("cannot listen on {}", socket_path.display()))?;
    std::fs::set_permissions(socket_path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot chmod {}", socket_path.display()))?;
    listener
        .set_nonblocking(true)
        .context("cannot set up the control socket")?;
    Ok(listener)
}
