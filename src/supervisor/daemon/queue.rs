//! The supervisor's per-client output buffer, as pure logic: a bounded
//! queue of bytes waiting for one client.
//!
//! It touches no socket: [`OutQueue::flush_with`] is handed the send
//! function, so the rules (order kept, a bound that drops a stuck client
//! rather than growing or blocking, memory given back) are tested here
//! without a process.

/// What one attempt to send gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// This many bytes left (0 counts as "full for now").
    Wrote(usize),
    /// The peer's buffer is full: try again when it is writable.
    WouldBlock,
    /// The peer is gone.
    Broken,
}

/// Where a flush left the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flushed {
    /// Everything queued was sent.
    Done,
    /// Some is still waiting for the peer.
    Pending,
    /// The peer is gone; the queue is of no further use.
    Broken,
}

/// Bytes queued for one client, at most `max` unsent at a time.
#[derive(Debug)]
pub struct OutQueue {
    buf: Vec<u8>,
    sent: usize,
    max: usize,
}

impl OutQueue {
    pub fn new(max: usize) -> OutQueue {
        OutQueue {
            buf: Vec::new(),
            sent: 0,
            max,
        }
    }

    /// Bytes queued and not yet sent.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.sent
    }

    /// Queue `bytes` after everything already queued. `false` (and nothing
    /// queued) when that would pass the bound: the client is too slow to
    /// keep up and should be dropped, never waited for.
    #[must_use]
    pub fn push(&mut self, bytes: &[u8]) -> bool {
        if self.pending() + bytes.len() > self.max {
            return false;
        }
        if self.sent > 0 && self.sent == self.buf.len() {
            self.buf.clear();
            self.sent = 0;
        }
        self.buf.extend_from_slice(bytes);
        true
    }

    /// Send what is queued, in order, until `send` would block or all of
    /// it is gone. Sent bytes are let go of once they are more than half
    /// the bound, so a long-lived client does not keep a large buffer.
    pub fn flush_with(&mut self, mut send: impl FnMut(&[u8]) -> Sent) -> Flushed {
        while self.sent < self.buf.len() {
            match send(&self.buf[self.sent..]) {
                Sent::Wrote(0) | Sent::WouldBlock => break,
                Sent::Wrote(n) => self.sent += n,
                Sent::Broken => return Flushed::Broken,
            }
        }
        if self.sent == self.buf.len() {
            self.buf.clear();
            self.sent = 0;
            return Flushed::Done;
        }
        if self.sent > self.max / 2 {
            self.buf.drain(..self.sent);
            self.sent = 0;
        }
        Flushed::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A peer that takes at most `per_call` bytes per send, `calls` sends
    /// per flush, and records what it got.
    struct Peer {
        got: Vec<u8>,
        per_call: usize,
        calls: usize,
    }

    impl Peer {
        fn new(per_call: usize, calls: usize) -> Peer {
            Peer {
                got: Vec::new(),
                per_call,
                calls,
            }
        }

        fn take(&mut self, q: &mut OutQueue) -> Flushed {
            let mut left = self.calls;
            q.flush_with(|b| {
                if left == 0 {
                    return Sent::WouldBlock;
                }
                left -= 1;
                let n = b.len().min(self.per_call);
                self.got.extend_from_slice(&b[..n]);
                Sent::Wrote(n)
            })
        }
    }

    #[test]
    fn bytes_arrive_in_order_across_partial_sends() {
        let mut q = OutQueue::new(1024);
        let mut peer = Peer::new(3, 2);
        let mut want = Vec::new();
        for i in 0..20u8 {
            let chunk = [i; 5];
            assert!(q.push(&chunk));
            want.extend_from_slice(&chunk);
            peer.take(&mut q);
        }
        while peer.take(&mut q) == Flushed::Pending {}
        assert_eq!(peer.got, want);
        assert_eq!(q.pending(), 0);
    }

    #[test]
    fn the_bound_refuses_and_keeps_what_was_queued() {
        let mut q = OutQueue::new(10);
        assert!(q.push(b"0123456789"));
        assert!(!q.push(b"x"), "one byte over the bound");
        assert_eq!(q.pending(), 10);
        let mut peer = Peer::new(4, 1);
        assert_eq!(peer.take(&mut q), Flushed::Pending);
        assert!(q.push(b"abcd"), "room again once sent");
        assert!(!q.push(b"e"));
        while peer.take(&mut q) == Flushed::Pending {}
        assert_eq!(peer.got, b"0123456789abcd");
    }

    #[test]
    fn a_stuck_client_is_refused_while_a_fast_one_gets_everything() {
        let mut slow = OutQueue::new(64);
        let mut fast = OutQueue::new(64);
        let mut stuck = Peer::new(0, 0);
        let mut reader = Peer::new(usize::MAX, usize::MAX);
        let mut slow_alive = true;
        let mut want = Vec::new();
        for i in 0..100u8 {
            let frame = [i; 8];
            want.extend_from_slice(&frame);
            // The broadcast: queue for each, flush each; a refused push
            // drops that client and never holds up the other.
            if slow_alive {
                slow_alive = slow.push(&frame);
                stuck.take(&mut slow);
            }
            assert!(fast.push(&frame));
            assert_eq!(reader.take(&mut fast), Flushed::Done);
        }
        assert!(!slow_alive, "the stuck client hit its bound");
        assert!(slow.pending() <= 64);
        assert_eq!(reader.got, want);
    }

    #[test]
    fn a_broken_peer_is_reported() {
        let mut q = OutQueue::new(16);
        assert!(q.push(b"hi"));
        assert_eq!(q.flush_with(|_| Sent::Broken), Flushed::Broken);
        let mut empty = OutQueue::new(16);
        assert_eq!(empty.flush_with(|_| Sent::Broken), Flushed::Done);
    }

    #[test]
    fn sent_bytes_are_let_go_of() {
        let mut q = OutQueue::new(100);
        assert!(q.push(&[1; 100]));
        let mut peer = Peer::new(60, 1);
        assert_eq!(peer.take(&mut q), Flushed::Pending);
        assert_eq!(q.buf.len(), 40, "past half the bound: compacted");
        assert_eq!(q.sent, 0);
        let mut peer = Peer::new(10, 1);
        assert_eq!(peer.take(&mut q), Flushed::Pending);
        assert_eq!((q.buf.len(), q.sent), (40, 10), "under half: kept");
        assert_eq!(Peer::new(100, 1).take(&mut q), Flushed::Done);
        assert_eq!(q.buf.len(), 0);
    }
}
