//! One connected client of the control socket, as the supervisor keeps it:
//! its stream, the frames it has sent so far, its bounded output queue and
//! where it is in the conversation.

use super::queue::{Flushed, OutQueue, Sent};
use crate::supervisor::protocol::Decoder;
use nix::errno::Errno;
use nix::sys::socket::MsgFlags;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;

/// Output queued for one client before it counts as stuck and is dropped.
const QUEUE_MAX: usize = 4 * 1024 * 1024;

#[cfg(target_os = "linux")]
const SEND_FLAGS: MsgFlags = MsgFlags::MSG_NOSIGNAL;
#[cfg(not(target_os = "linux"))]
const SEND_FLAGS: MsgFlags = MsgFlags::empty();

pub struct Client {
    pub stream: UnixStream,
    pub decoder: Decoder,
    out: OutQueue,
    pub greeted: bool,
    pub attached: bool,
    /// Asked for a kill: gets the `Exit` reply.
    pub wants_exit: bool,
    /// Close once the queue is flushed.
    pub closing: bool,
    pub dead: bool,
}

impl Client {
    pub fn new(stream: UnixStream) -> Client {
        Client {
            stream,
            decoder: Decoder::default(),
            out: OutQueue::new(QUEUE_MAX),
            greeted: false,
            attached: false,
            wants_exit: false,
            closing: false,
            dead: false,
        }
    }

    pub fn pending(&self) -> usize {
        self.out.pending()
    }

    /// Queue a frame; a client too slow to keep up is dropped rather than
    /// let grow or waited for.
    pub fn queue(&mut self, bytes: &[u8]) {
        if !self.out.push(bytes) {
            self.dead = true;
        }
    }

    /// Send what the socket takes now, without blocking.
    pub fn flush(&mut self) {
        let fd = self.stream.as_raw_fd();
        let flushed = self.out.flush_with(|bytes| {
            loop {
                match nix::sys::socket::send(fd, bytes, SEND_FLAGS) {
                    Ok(n) => return Sent::Wrote(n),
                    Err(Errno::EAGAIN) => return Sent::WouldBlock,
                    Err(Errno::EINTR) => continue,
                    Err(_) => return Sent::Broken,
                }
            }
        });
        match flushed {
            Flushed::Done if self.closing => self.dead = true,
            Flushed::Done | Flushed::Pending => {}
            Flushed::Broken => self.dead = true,
        }
    }
}

/// Whether the peer on `stream` runs as our own user.
pub fn peer_is_me(stream: &UnixStream) -> bool {
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
