//! The control socket from the supervisor's side: accept our own user's
//! connections, decode their frames, and answer each [`Request`] (the
//! protocol's doc names every reply).

use super::client::{self, Client};
use super::pty;
use super::screen;
use super::supervisor::Supervisor;
use crate::supervisor::protocol::{Reply, Request, VERSION};
use std::io::Read;
use std::time::Duration;

/// Typed input waiting for a worker that is not reading it.
const INPUT_MAX: usize = 1024 * 1024;

impl Supervisor {
    pub(super) fn accept(&mut self) {
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if !client::peer_is_me(&stream) {
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

    /// Read what client `n` sent and handle every whole request in it.
    pub(super) fn read_client(&mut self, n: usize) {
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
                // The model and the PTY take the attacher's size first, so
                // the redraw is of the screen the program now draws on.
                self.resize(cols, rows);
                let redraw = self.screen.redraw();
                let c = &mut self.clients[n];
                c.attached = true;
                c.queue(&Reply::Output(redraw).encode());
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
            Request::Hook(payload) => {
                self.hook(&payload);
                self.clients[n].queue(&Reply::Ok.encode());
            }
            Request::Screen => {
                let text = self.screen.text().into_bytes();
                self.clients[n].queue(&Reply::Output(text).encode());
            }
            Request::Kill { grace_ms, by_self } => {
                self.clients[n].wants_exit = true;
                if by_self && !self.kill_requested {
                    self.ended_itself = true;
                }
                self.request_kill(Duration::from_millis(u64::from(grace_ms)));
            }
        }
    }

    /// A payload the agent's hook got (via `looop _hook`): what it says
    /// of the activity counts at once; anything unreadable is noted here
    /// (supervisor.log) and ignored.
    fn hook(&mut self, payload: &[u8]) {
        let Some(read) = self.read_hook else {
            eprintln!("looop: a hook called, but this worker's agent has no hooks; ignored");
            return;
        };
        match read(payload) {
            Ok(Some(reading)) => self.activity_hook(reading),
            Ok(None) => {}
            Err(e) => eprintln!("looop: hook payload ignored: {e:#}"),
        }
    }

    /// New window size for the PTY and the model alike, clamped the same
    /// for both (0x0: leave it).
    fn resize(&mut self, cols: u16, rows: u16) {
        if cols == 0 || rows == 0 {
            return;
        }
        let (cols, rows) = screen::clamp(cols, rows);
        self.screen.resize(cols, rows);
        if let Err(e) = self.master.resize(pty::size(cols, rows)) {
            eprintln!("looop: resize: {e:#}");
        }
    }
}
