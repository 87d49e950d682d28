//! The event loop: one thread around one `poll` over the signal self-pipe,
//! the control socket, the PTY master and the clients. Idle means `poll`
//! with no timeout: no wake-ups at all. When the child is gone, [`finish`]
//! records the end, tells the clients and removes the socket.
//!
//! [`finish`]: Supervisor::finish

use super::supervisor::Supervisor;
use crate::events;
use crate::session_record::{self as record, State};
use crate::supervisor::protocol::Reply;
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::Signal;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

/// Reads per wake-up before the loop serves the other fds again.
const READS_PER_TURN: usize = 16;
/// Grace used when the supervisor itself gets SIGTERM.
const TERM_GRACE: Duration = Duration::from_secs(5);
/// How long the last words to clients may take once the child is gone.
const GOODBYE_WITHIN: Duration = Duration::from_secs(2);

impl Supervisor {
    /// Serve until the child is reaped, then finish.
    pub fn run(&mut self) {
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
            self.serve(&revents);
        }
        self.finish();
    }

    /// Act on one `poll`'s results, in the order of the fds polled:
    /// signals, the PTY, the clients, new connections, then timers.
    fn serve(&mut self, revents: &[PollFlags]) {
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

    /// When the loop must wake without an event: a kill's grace running
    /// out, held output due for the screen model, or the screen due for a
    /// look (the last two only after output). Otherwise never.
    fn timeout(&self) -> PollTimeout {
        let next = [
            self.kill_deadline,
            self.screen.due(),
            self.activity.tracker.deadline(),
        ]
        .into_iter()
        .flatten()
        .min();
        match next {
            None => PollTimeout::NONE,
            Some(at) => {
                let ms = at.saturating_duration_since(Instant::now()).as_millis() + 1;
                PollTimeout::try_from(ms.min(i32::MAX as u128) as i32).unwrap_or(PollTimeout::MAX)
            }
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

    /// The child is gone: collect its last output, write the final record,
    /// tell the clients, clean up the socket.
    fn finish(&mut self) {
        if self.master_open {
            // Bounded: a daemonized grandchild may keep writing forever.
            self.read_output(256);
        }
        let code = self.exit.flatten();
        self.activity_end();
        // The last screen stays readable (`looop log --screen`) after the end.
        let screen = record::screen_path(&self.dir);
        if let Err(e) = record::replace(&screen, self.screen.text().as_bytes()) {
            eprintln!("looop: {e:#}");
        }
        if self.kill_requested {
            // Stragglers of a killed worker's group go with it.
            crate::proc::group::kill(self.child_pid);
            // And so do the daemons that left the group.
            super::escapees::end_all();
        }
        self.record.state = match (self.kill_requested, self.ended_itself) {
            (true, true) => State::Done,
            (true, false) => State::Killed,
            _ => State::Exited,
        };
        // A worker that ended itself finished: the signal status its own
        // kill gave it (143) says nothing.
        self.record.exit_code = code.filter(|_| self.record.state != State::Done);
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
                "id": crate::ids::bare(&self.record.session),
                "session": self.record.session,
                "state": self.record.state,
                "exit_code": self.record.exit_code,
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
        self.flush_clients(GOODBYE_WITHIN);
        if let Err(e) = std::fs::remove_file(&self.socket_path) {
            eprintln!("looop: cannot remove {}: {e}", self.socket_path.display());
        }
    }

    /// Keep sending what the clients still have queued, for at most `limit`.
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
