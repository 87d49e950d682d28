//! `looop attach <id>`: this terminal becomes the worker's terminal.
//!
//! One thread, one `poll` over stdin, the control socket and a signal
//! self-pipe. Keys go through the detach-chord filter to the supervisor;
//! output frames go to stdout; SIGWINCH sends the new size. Raw mode is
//! undone on every way out (see [`super::tty`]); SIGTERM, SIGHUP and SIGINT
//! end the attach cleanly, never the worker.

use super::client;
use super::detach_keys::DetachKeys;
use super::protocol::{Decoder, Reply, Request};
use super::tty::{self, RawMode};
use crate::exit;
use crate::paths::Profile;
use crate::proc::signals::SignalPipe;
use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::Signal;
use std::io::{IsTerminal, Read, Write};
use std::os::fd::AsFd;

/// How an attach ended.
enum End {
    Detached,
    /// The worker ended; attach exits with its status.
    Exited(Option<i32>),
    /// The supervisor went away without a word.
    HungUp,
    Signal(Signal),
}

pub fn attach(profile: &Profile, session: &str, id: &str) -> Result<i32> {
    if !std::io::stdin().is_terminal() {
        return Err(exit::refused(format!(
            "attach needs a terminal on stdin; to read the output use 'looop log {id}'"
        )));
    }
    let mut conn = client::connect(profile, session)?;
    let (cols, rows) = tty::caller_size().unwrap_or((0, 0));
    let signals = SignalPipe::install(&[
        Signal::SIGWINCH,
        Signal::SIGTERM,
        Signal::SIGHUP,
        Signal::SIGINT,
        Signal::SIGQUIT,
    ])?;
    conn.send(&Request::Attach { cols, rows })?;
    conn.stream
        .set_nonblocking(true)
        .context("cannot set up the connection")?;
    let raw = RawMode::enter()?;
    let end = pump(&mut conn, &signals);
    drop(raw);
    let mut out = std::io::stdout();
    // However the attach ended, the worker's modes (hidden cursor, mouse
    // reporting, ...) must not outlive it in this terminal. A terminal that
    // hung up (SIGHUP) cannot take them, and needs them no more.
    let _ = out
        .write_all(tty::MODES_OFF.as_bytes())
        .and_then(|()| out.flush());
    match end? {
        End::Detached => {
            // The worker's screen goes, so the line stands alone on a clean
            // terminal rather than over the worker's dialog.
            writeln!(
                out,
                "{}[detached from {session}; it keeps running]",
                tty::WIPE_SCREEN
            )?;
            out.flush()?;
            Ok(0)
        }
        End::Exited(_) if ended_itself(profile, session) => {
            writeln!(out, "\r\n[{session} is done]")?;
            Ok(0)
        }
        End::Exited(code) => {
            let code = code.unwrap_or(exit::FAILED);
            writeln!(out, "\r\n[{session} ended with status {code}]")?;
            Err(exit::quiet(code))
        }
        End::HungUp => hung_up(profile, session),
        End::Signal(sig) => Err(exit::quiet(128 + sig as i32)),
    }
}

/// Whether the worker that just ended did so itself (`done`).
fn ended_itself(profile: &Profile, session: &str) -> bool {
    super::session::view(profile, session)
        .ok()
        .flatten()
        .is_some_and(|v| v.state == super::State::Done)
}

/// The connection ended without an exit report: read the verdict from disk
/// once the supervisor has let go of the session.
fn hung_up(profile: &Profile, session: &str) -> Result<i32> {
    let dir = super::session::dir(profile, session);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while super::session::alive(&dir) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    match super::session::view(profile, session)? {
        Some(v) if v.state == super::State::Done => {
            println!("\r\n[{session} is done]");
            Ok(0)
        }
        Some(v) if matches!(v.state, super::State::Exited | super::State::Killed) => {
            let code = v.exit_code.unwrap_or(exit::FAILED);
            println!("\r\n[{session} ended with status {code}]");
            Err(exit::quiet(code))
        }
        _ => Err(exit::refused(format!(
            "{session}: the supervisor went away"
        ))),
    }
}

fn pump(conn: &mut client::Conn, signals: &SignalPipe) -> Result<End> {
    let mut stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    let mut keys = DetachKeys::default();
    let mut decoder = Decoder::default();
    let mut buf = vec![0u8; 64 * 1024];
    let mut typed = Vec::new();
    loop {
        let mut fds = [
            PollFd::new(stdin.as_fd(), PollFlags::POLLIN),
            PollFd::new(conn.stream.as_fd(), PollFlags::POLLIN),
            PollFd::new(signals.fd(), PollFlags::POLLIN),
        ];
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(e).context("poll"),
        }
        let r: Vec<PollFlags> = fds
            .iter()
            .map(|f| f.revents().unwrap_or(PollFlags::empty()))
            .collect();
        if !r[2].is_empty() {
            for sig in signals.drain() {
                if sig == Signal::SIGWINCH {
                    if let Some((cols, rows)) = tty::caller_size() {
                        conn.send(&Request::Resize { cols, rows })?;
                    }
                } else {
                    return Ok(End::Signal(sig));
                }
            }
        }
        if !r[1].is_empty() {
            // The last frames (the exit status) may arrive together with the
            // hang-up: decode what came before giving up on the connection.
            let mut hung_up = false;
            loop {
                match conn.stream.read(&mut buf) {
                    Ok(0) => {
                        hung_up = true;
                        break;
                    }
                    Ok(n) => decoder.feed(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => {
                        hung_up = true;
                        break;
                    }
                }
            }
            while let Some(reply) = decoder.next_reply()? {
                match reply {
                    Reply::Output(bytes) => {
                        stdout.write_all(&bytes)?;
                    }
                    Reply::Exit { code, .. } => {
                        stdout.flush()?;
                        return Ok(End::Exited(code));
                    }
                    // E.g. input refused while the worker does not read: say
                    // so on the terminal and stay attached.
                    Reply::Error(m) => write!(stdout, "\r\n[looop: {m}]\r\n")?,
                    Reply::Ok => {}
                }
            }
            stdout.flush()?;
            if hung_up {
                return Ok(End::HungUp);
            }
        }
        if !r[0].is_empty() {
            let n = match stdin.read(&mut buf) {
                Ok(0) => return Ok(End::Detached),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e).context("cannot read the terminal"),
            };
            typed.clear();
            let detach = keys.feed(&buf[..n], &mut typed);
            if !typed.is_empty() {
                send_input(conn, &typed)?;
            }
            if detach {
                return Ok(End::Detached);
            }
        }
    }
}

/// Input goes out on the non-blocking socket; wait for room rather than
/// drop keys (the supervisor always drains its clients).
fn send_input(conn: &mut client::Conn, bytes: &[u8]) -> Result<()> {
    let frame = Request::Input(bytes.to_vec()).encode();
    let mut sent = 0;
    while sent < frame.len() {
        match conn.stream.write(&frame[sent..]) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                let mut fds = [PollFd::new(conn.stream.as_fd(), PollFlags::POLLOUT)];
                // EINTR just loops back to the write.
                let _ = poll(&mut fds, PollTimeout::from(1000u16));
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(e).with_context(|| format!("{}: the supervisor hung up", conn.session));
            }
        }
    }
    Ok(())
}
