//! Reading children's pipes in the calling thread with poll(2): no thread
//! per pipe and no async runtime, and the signal self-pipe in the same poll
//! set so a stop is noticed at once. On the deadline or a stop, the group of
//! every child whose output is still open is sent TERM, then KILL after
//! [`TERM_GRACE`]; its pipes get [`DRAIN_GRACE`] to close (a grandchild that
//! left the group could hold them open forever) and are then abandoned.

use super::group::{self, DRAIN_GRACE, TERM_GRACE};
use super::limits::{Cut, Limits, Pipe};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::Signal;
use std::fs::File;
use std::io::Read;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

/// How often `stop` is asked when there is no wake fd.
const STOP_POLL: Duration = Duration::from_millis(100);

/// Groups being ended after a deadline or stop.
struct Ending {
    groups: Vec<u32>,
    termed_at: Instant,
    killed: bool,
}

struct Open {
    index: usize,
    child: usize,
    file: File,
}

/// Read until every pipe closed or was abandoned. Returns each child's cut.
pub(super) fn drain(
    groups: &[u32],
    pipes: Vec<Pipe>,
    limits: &Limits,
    mut on_data: impl FnMut(usize, &[u8]),
) -> Vec<Option<Cut>> {
    let mut cuts: Vec<Option<Cut>> = vec![None; groups.len()];
    let mut taken = vec![0usize; groups.len()];
    let mut open: Vec<Open> = pipes
        .into_iter()
        .enumerate()
        .map(|(index, p)| Open {
            index,
            child: p.child,
            file: File::from(p.fd),
        })
        .collect();
    let mut ending: Option<Ending> = None;
    let mut buf = [0u8; 8192];
    while !open.is_empty() {
        let now = Instant::now();
        if ending.is_none()
            && let Some(cut) = limits.cut_now(now)
        {
            ending = Some(cut_open(groups, &open, &mut cuts, cut, now));
            continue;
        }
        if let Some(e) = &mut ending {
            if !e.killed && now >= e.termed_at + TERM_GRACE {
                e.groups.iter().for_each(|&g| group::kill(g));
                e.killed = true;
            }
            if now >= e.termed_at + DRAIN_GRACE {
                break;
            }
        }
        let (limit, wake) = match &ending {
            None => (limits.deadline, limits.wake),
            // The self-pipe stays readable after a signal: leave it out now.
            Some(e) if e.killed => (e.termed_at + DRAIN_GRACE, None),
            Some(e) => (e.termed_at + TERM_GRACE, None),
        };
        let mut wait = limit.saturating_duration_since(now);
        if ending.is_none() && wake.is_none() {
            wait = wait.min(STOP_POLL);
        }
        let ms = wait.as_millis().clamp(1, i32::MAX as u128) as i32;
        let ready: Vec<usize> = {
            let mut fds: Vec<PollFd> = open
                .iter()
                .map(|o| PollFd::new(o.file.as_fd(), PollFlags::POLLIN))
                .collect();
            if let Some(w) = wake {
                fds.push(PollFd::new(w, PollFlags::POLLIN));
            }
            match poll(
                &mut fds,
                PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX),
            ) {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => break,
            }
            (0..open.len())
                .filter(|&k| fds[k].revents().is_some_and(|r| !r.is_empty()))
                .collect()
        };
        let mut closed = Vec::new();
        for k in ready {
            let o = &mut open[k];
            match o.file.read(&mut buf) {
                Ok(0) => closed.push(k),
                Ok(n) if taken[o.child].saturating_add(n) > limits.cap => {
                    // Over the cap: drop the rest; end it unless already ending.
                    taken[o.child] = limits.cap;
                    if cuts[o.child].is_none() {
                        cuts[o.child] = Some(Cut::Oversize);
                        group::kill(groups[o.child]);
                    }
                }
                Ok(n) => {
                    taken[o.child] += n;
                    on_data(o.index, &buf[..n]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => closed.push(k),
            }
        }
        for &k in closed.iter().rev() {
            on_data(open[k].index, &[]);
            open.swap_remove(k);
        }
    }
    if let Some(mut e) = ending {
        if !e.killed && !group::wait_gone(&e.groups, e.termed_at + TERM_GRACE) {
            // Make sure the KILL happened before the caller moves on (and
            // maybe exits): a member that ignored TERM and holds no pipe
            // would survive.
            e.groups.iter().for_each(|&g| group::kill(g));
            e.killed = true;
        }
        if e.killed {
            // A KILLed process closes its files before it is gone: its pipe
            // reads closed a moment before the group is really over.
            group::wait_killed(&e.groups);
        }
    }
    cuts
}

/// TERM the group of every child whose output is still open.
fn cut_open(
    groups: &[u32],
    open: &[Open],
    cuts: &mut [Option<Cut>],
    cut: Cut,
    now: Instant,
) -> Ending {
    let mut hit = Vec::new();
    for o in open {
        if cuts[o.child].is_none() {
            cuts[o.child] = Some(cut);
            hit.push(groups[o.child]);
        }
    }
    for &g in &hit {
        group::signal(g, Signal::SIGTERM);
    }
    Ending {
        groups: hit,
        termed_at: now,
        killed: false,
    }
}
