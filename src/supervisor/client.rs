//! Talking to a live supervisor over its control socket.
//!
//! The socket's path comes from the session record. Before connecting, the
//! client checks the socket belongs to this user: a socket planted by
//! someone else is refused, never spoken to.

use super::protocol::{Reply, Request, VERSION, read_reply};
use super::session;
use crate::exit;
use crate::paths::Profile;
use anyhow::{Context, Result, anyhow};
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::net::UnixStream;
use std::time::Duration;

/// A greeted connection to one supervisor.
pub struct Conn {
    pub stream: UnixStream,
    pub session: String,
}

/// Connect to `session`'s supervisor and exchange the version.
pub fn connect(profile: &Profile, session: &str) -> Result<Conn> {
    let dir = session::dir(profile, session);
    let record = session::read_record(&dir)?
        .ok_or_else(|| exit::refused(format!("session {session} is not running")))?;
    let path = record
        .socket
        .ok_or_else(|| exit::refused(format!("session {session} has no control socket")))?;
    let meta = std::fs::symlink_metadata(&path)
        .with_context(|| format!("session {session}: cannot reach {}", path.display()))?;
    if !meta.file_type().is_socket() || meta.uid() != nix::unistd::getuid().as_raw() {
        return Err(exit::refused(format!(
            "session {session}: {} is not a socket owned by you; refusing to use it",
            path.display()
        )));
    }
    let stream = UnixStream::connect(&path)
        .with_context(|| format!("session {session}: cannot connect to {}", path.display()))?;
    let mut conn = Conn {
        stream,
        session: session.to_string(),
    };
    conn.stream
        .set_read_timeout(Some(Duration::from_secs(10)))?;
    conn.send(&Request::Hello(VERSION.to_vec()))?;
    match conn.recv()? {
        Some(Reply::Ok) => Ok(conn),
        Some(Reply::Error(m)) => Err(anyhow!("session {session}: {m}")),
        other => Err(anyhow!("session {session}: unexpected answer {other:?}")),
    }
}

impl Conn {
    pub fn send(&mut self, req: &Request) -> Result<()> {
        self.stream
            .write_all(&req.encode())
            .with_context(|| format!("session {}: the supervisor hung up", self.session))
    }

    /// The next reply; `None` when the supervisor closed the connection.
    pub fn recv(&mut self) -> Result<Option<Reply>> {
        read_reply(&mut self.stream)
            .with_context(|| format!("session {}: bad answer from the supervisor", self.session))
    }
}
