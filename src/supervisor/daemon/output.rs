//! The worker's terminal traffic: output read from the PTY goes to
//! `output.log` (capped, newest part kept), the screen model and every
//! attacher's queue; typed input waits in a buffer until the PTY takes it.
//! A log that cannot be written (a full disk) is said once and retried with
//! every chunk; the worker's terminal is drained regardless.
//! Output alone never rewrites the record: readers take the time of the
//! last output from `output.log`.

use super::supervisor::Supervisor;
use crate::session_record as record;
use crate::store;
use crate::supervisor::protocol::Reply;
use anyhow::{Context, Result};
use nix::errno::Errno;
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::os::fd::BorrowedFd;

impl Supervisor {
    /// Read up to `turns` chunks of output (all of it when draining). A
    /// PTY gives at most a few KiB per read: the chunks are gathered into
    /// one burst (up to the buffer's size), which is logged with one write
    /// and fed to the screen model at once, so a flood costs few syscalls
    /// and the model can skip what scrolls past unseen.
    pub(super) fn read_output(&mut self, turns: usize) {
        let mut filled = 0;
        for _ in 0..turns {
            if filled == self.buf.len() {
                self.on_output(filled);
                filled = 0;
            }
            // SAFETY: see `master()`; borrowed separately so `self.buf` can
            // be lent mutably at the same time.
            let fd = unsafe { BorrowedFd::borrow_raw(self.master_fd) };
            match nix::unistd::read(fd, &mut self.buf[filled..]) {
                Ok(0) => {
                    self.master_open = false;
                    break;
                }
                Ok(n) => filled += n,
                Err(Errno::EAGAIN) => break,
                Err(Errno::EINTR) => continue,
                // EIO: every slave fd is closed (the child and its heirs).
                Err(_) => {
                    self.master_open = false;
                    break;
                }
            }
        }
        if filled > 0 {
            self.on_output(filled);
        }
    }

    fn on_output(&mut self, n: usize) {
        self.log_chunk(n);
        let chunk = &self.buf[..n];
        self.screen.feed(chunk);
        if self.activity.read_screen.is_some() {
            self.activity.tracker.on_output(std::time::Instant::now());
        }
        if self.clients.iter().any(|c| c.attached) {
            let frame = Reply::Output(chunk.to_vec()).encode();
            for c in self.clients.iter_mut().filter(|c| c.attached) {
                c.queue(&frame);
                c.flush();
            }
        }
    }

    /// Append a chunk to `output.log`. A failed write (a full disk) never
    /// stops the worker or the draining of its terminal: it is said once,
    /// the output goes on to the screen model and the attachers, and every later
    /// chunk tries the log again, so logging resumes when space returns.
    fn log_chunk(&mut self, n: usize) {
        let chunk = &self.buf[..n];
        match self.log.write_all(chunk) {
            Ok(()) => {
                self.log_len += n as u64;
                if self.log_broken {
                    self.log_broken = false;
                    eprintln!("looop: {} is written again", self.log_path().display());
                }
            }
            Err(e) if !self.log_broken => {
                self.log_broken = true;
                eprintln!(
                    "looop: cannot append to {}: {e}; the worker runs on, its output \
                     is not logged until this clears",
                    self.log_path().display()
                );
            }
            // Said already; the next chunk tries again.
            Err(_) => {}
        }
        if self.log_max > 0 && self.log_len > self.log_cap_at {
            match self.cap_log() {
                Ok(()) => self.log_cap_at = self.log_max,
                Err(e) => {
                    // Said once; tried again only after another eighth of
                    // the cap, not on every chunk (a cap copies half of it).
                    if self.log_cap_at == self.log_max {
                        eprintln!("looop: cannot cap the output log: {e:#}");
                    }
                    self.log_cap_at = self.log_len + self.log_max / 8;
                }
            }
        }
    }

    fn log_path(&self) -> std::path::PathBuf {
        record::log_path(&self.dir)
    }

    /// Keep the newest half of the cap: copy it to a temp file (streamed,
    /// so memory stays flat), rename it over the log, append from there.
    fn cap_log(&mut self) -> Result<()> {
        let path = record::log_path(&self.dir);
        let keep = self.log_max / 2;
        let mut src =
            File::open(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let len = src.metadata()?.len();
        src.seek(SeekFrom::Start(len.saturating_sub(keep)))?;
        let mut tmp = store::TempFile::create(&path, 0o600)?;
        std::io::copy(&mut src, tmp.file())
            .with_context(|| format!("cannot write {}", tmp.path().display()))?;
        tmp.persist()?;
        self.log = store::open_private_append(&path)?;
        self.log_len = self.log.metadata()?.len();
        Ok(())
    }

    /// Type what is waiting into the terminal, as far as it takes it now.
    pub(super) fn write_input(&mut self) {
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
}
