//! The supervisor's control-socket protocol: small binary frames.
//!
//! A frame is one kind byte, a big-endian u32 payload length, and the
//! payload (at most [`MAX_FRAME`] bytes, so a confused peer cannot make the
//! other side allocate without bound). A connection opens with
//! [`Request::Hello`] carrying [`VERSION`]; the supervisor answers
//! [`Reply::Ok`] or [`Reply::Error`] and closes on a mismatch, so an old
//! client never misreads a newer supervisor.
//!
//! Both sides import this one module: the client verbs beside it and the
//! supervisor process under [`super::daemon`]. [`Spec`], the launch order
//! the launcher hands a new supervisor on its stdin, lives here too.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::PathBuf;

/// Sent first by every client.
pub const VERSION: &[u8] = b"looop-supervisor/1";
/// Largest payload either side accepts.
pub const MAX_FRAME: usize = 1 << 20;
const HEADER: usize = 5;

/// What the launcher asks the supervisor to run, sent as JSON on the
/// supervisor's stdin (no file: creating one costs up to a quarter of a
/// millisecond on some disks, on every launch).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Spec {
    pub command: String,
    pub cwd: PathBuf,
    pub runner: String,
    pub cols: u16,
    pub rows: u16,
    /// Cap of `output.log` in bytes (0 = no cap).
    pub log_max_bytes: u64,
    /// The goal the worker serves (`start-session --goal`).
    #[serde(default)]
    pub goal: Option<String>,
    #[serde(default)]
    pub agent: Option<String>,
    #[serde(default)]
    pub agent_session: Option<String>,
}

/// What a client asks of the supervisor; each variant names its reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// First frame: the protocol version. Reply: `Ok` or `Error`.
    Hello(Vec<u8>),
    /// Become an attacher with this window size (0x0 = leave the size).
    /// Reply: `Output` with the replay ring, then live `Output`, and
    /// `Exit` when the child ends.
    Attach { cols: u16, rows: u16 },
    /// Bytes typed into the terminal. Reply: `Ok` once queued.
    Input(Vec<u8>),
    /// New window size. No reply.
    Resize { cols: u16, rows: u16 },
    /// End the child: TERM to its group, KILL after `grace_ms`; `by_self`
    /// when the worker asks to end itself (it ends `done`, not `killed`).
    /// Reply: `Exit` once the child is gone.
    Kill { grace_ms: u32, by_self: bool },
    /// The current screen as plain text. Reply: `Output` with the text.
    Screen,
    /// What the agent's hook got on stdin (`looop _hook`). Reply: `Ok`.
    Hook(Vec<u8>),
}

/// What the supervisor sends back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Ok,
    Error(String),
    /// Terminal output (replay or live).
    Output(Vec<u8>),
    /// The child ended with `code` (128+N for signal N); `killed` when it
    /// was ended by a kill request.
    Exit {
        code: Option<i32>,
        killed: bool,
    },
}

mod kind {
    pub const HELLO: u8 = 1;
    pub const ATTACH: u8 = 2;
    pub const INPUT: u8 = 3;
    pub const RESIZE: u8 = 4;
    pub const KILL: u8 = 5;
    pub const SCREEN: u8 = 6;
    pub const HOOK: u8 = 7;
    pub const OK: u8 = 64;
    pub const ERROR: u8 = 65;
    pub const OUTPUT: u8 = 66;
    pub const EXIT: u8 = 67;
}

/// One frame as bytes.
pub fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.push(kind);
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

fn size_payload(cols: u16, rows: u16) -> Vec<u8> {
    let mut p = cols.to_be_bytes().to_vec();
    p.extend_from_slice(&rows.to_be_bytes());
    p
}

fn size_of(p: &[u8]) -> Result<(u16, u16)> {
    if p.len() != 4 {
        bail!("bad window size frame");
    }
    Ok((
        u16::from_be_bytes([p[0], p[1]]),
        u16::from_be_bytes([p[2], p[3]]),
    ))
}

impl Request {
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Request::Hello(v) => frame(kind::HELLO, v),
            Request::Attach { cols, rows } => frame(kind::ATTACH, &size_payload(*cols, *rows)),
            Request::Input(b) => frame(kind::INPUT, b),
            Request::Resize { cols, rows } => frame(kind::RESIZE, &size_payload(*cols, *rows)),
            Request::Kill { grace_ms, by_self } => {
                let mut p = grace_ms.to_be_bytes().to_vec();
                p.push(u8::from(*by_self));
                frame(kind::KILL, &p)
            }
            Request::Screen => frame(kind::SCREEN, &[]),
            Request::Hook(p) => frame(kind::HOOK, p),
        }
    }

    fn decode(kind: u8, p: Vec<u8>) -> Result<Request> {
        Ok(match kind {
            kind::HELLO => Request::Hello(p),
            kind::ATTACH => {
                let (cols, rows) = size_of(&p)?;
                Request::Attach { cols, rows }
            }
            kind::INPUT => Request::Input(p),
            kind::RESIZE => {
                let (cols, rows) = size_of(&p)?;
                Request::Resize { cols, rows }
            }
            kind::KILL => {
                // The grace, then (since `done` exists) the origin byte.
                let (Some(grace), by_self) = (p.first_chunk::<4>(), p.get(4)) else {
                    bail!("bad kill frame");
                };
                if p.len() > 5 {
                    bail!("bad kill frame");
                }
                Request::Kill {
                    grace_ms: u32::from_be_bytes(*grace),
                    by_self: by_self == Some(&1),
                }
            }
            kind::SCREEN => Request::Screen,
            kind::HOOK => Request::Hook(p),
            other => bail!("unknown request kind {other}"),
        })
    }
}

impl Reply {
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Reply::Ok => frame(kind::OK, &[]),
            Reply::Error(m) => frame(kind::ERROR, m.as_bytes()),
            Reply::Output(b) => frame(kind::OUTPUT, b),
            Reply::Exit { code, killed } => {
                let mut p = vec![u8::from(code.is_some()), u8::from(*killed)];
                p.extend_from_slice(&code.unwrap_or(0).to_be_bytes());
                frame(kind::EXIT, &p)
            }
        }
    }

    fn decode(kind: u8, p: Vec<u8>) -> Result<Reply> {
        Ok(match kind {
            kind::OK => Reply::Ok,
            kind::ERROR => Reply::Error(String::from_utf8_lossy(&p).into_owned()),
            kind::OUTPUT => Reply::Output(p),
            kind::EXIT => {
                if p.len() != 6 {
                    bail!("bad exit frame");
                }
                let code = i32::from_be_bytes([p[2], p[3], p[4], p[5]]);
                Reply::Exit {
                    code: (p[0] == 1).then_some(code),
                    killed: p[1] == 1,
                }
            }
            other => bail!("unknown reply kind {other}"),
        })
    }
}

/// Splits a byte stream into frames; for non-blocking sockets where a read
/// may end mid-frame.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
}

impl Decoder {
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    fn next_raw(&mut self) -> Result<Option<(u8, Vec<u8>)>> {
        if self.buf.len() < HEADER {
            return Ok(None);
        }
        let len = u32::from_be_bytes([self.buf[1], self.buf[2], self.buf[3], self.buf[4]]) as usize;
        if len > MAX_FRAME {
            bail!("frame of {len} bytes is over the {MAX_FRAME}-byte limit");
        }
        if self.buf.len() < HEADER + len {
            return Ok(None);
        }
        let kind = self.buf[0];
        let payload = self.buf[HEADER..HEADER + len].to_vec();
        self.buf.drain(..HEADER + len);
        Ok(Some((kind, payload)))
    }

    pub fn next_request(&mut self) -> Result<Option<Request>> {
        self.next_raw()?
            .map(|(k, p)| Request::decode(k, p))
            .transpose()
    }

    pub fn next_reply(&mut self) -> Result<Option<Reply>> {
        self.next_raw()?
            .map(|(k, p)| Reply::decode(k, p))
            .transpose()
    }
}

/// Read one reply from a blocking stream; `None` at a clean end of stream.
pub fn read_reply(r: &mut impl Read) -> Result<Option<Reply>> {
    let mut header = [0u8; HEADER];
    match r.read_exact(&mut header) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
    if len > MAX_FRAME {
        bail!("frame of {len} bytes is over the {MAX_FRAME}-byte limit");
    }
    let mut payload = vec![0u8; len];
    r.read_exact(&mut payload)?;
    Reply::decode(header[0], payload).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_even_split_across_reads() {
        let reqs = vec![
            Request::Hello(VERSION.to_vec()),
            Request::Attach { cols: 80, rows: 24 },
            Request::Input(b"ls\r".to_vec()),
            Request::Resize {
                cols: 1,
                rows: 65535,
            },
            Request::Kill {
                grace_ms: 5000,
                by_self: false,
            },
            Request::Kill {
                grace_ms: 0,
                by_self: true,
            },
            Request::Screen,
            Request::Hook(b"{}".to_vec()),
        ];
        let bytes: Vec<u8> = reqs.iter().flat_map(|r| r.encode()).collect();
        let mut d = Decoder::default();
        let mut got = Vec::new();
        for b in bytes {
            d.feed(&[b]);
            while let Some(r) = d.next_request().unwrap() {
                got.push(r);
            }
        }
        assert_eq!(got, reqs);
    }

    #[test]
    fn replies_round_trip() {
        for r in [
            Reply::Ok,
            Reply::Error("no".into()),
            Reply::Output(vec![0, 1, 2]),
            Reply::Exit {
                code: Some(3),
                killed: false,
            },
            Reply::Exit {
                code: None,
                killed: true,
            },
        ] {
            let bytes = r.encode();
            assert_eq!(read_reply(&mut bytes.as_slice()).unwrap(), Some(r));
        }
        assert_eq!(read_reply(&mut [].as_slice()).unwrap(), None);
    }

    #[test]
    fn oversized_and_unknown_frames_are_errors() {
        let mut d = Decoder::default();
        d.feed(&[3, 0xff, 0xff, 0xff, 0xff]);
        assert!(d.next_request().is_err());
        let mut d = Decoder::default();
        d.feed(&frame(99, b""));
        assert!(d.next_request().is_err());
    }
}
