//! Watching running children to their end: their pipes are read (see
//! [`super::drain`]), they are held to a deadline, a stop flag and a byte
//! cap, and any that overstays has its group ended with TERM, then KILL
//! after [`TERM_GRACE`]. Every child is reaped before [`run`] returns, so
//! nothing it started outlives the caller's wait.

use super::limits::{Ended, Limits, Pipe};
use super::{TERM_GRACE, drain, group};
use std::io;
use std::os::fd::OwnedFd;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// Read `pipes` until they close, handing each chunk to `on_data(pipe index,
/// bytes)` (an empty chunk: that pipe closed), then reap every child; end
/// the groups of those that break `limits`. One result per child, in order.
pub fn run(
    children: &mut [Child],
    pipes: Vec<Pipe>,
    limits: &Limits,
    on_data: impl FnMut(usize, &[u8]),
) -> Vec<Ended> {
    let groups: Vec<u32> = children.iter().map(Child::id).collect();
    let mut cuts = drain::drain(&groups, pipes, limits, on_data);
    let mut status: Vec<Option<io::Result<ExitStatus>>> = children.iter().map(|_| None).collect();
    // Output closed: usually they have exited already, a few microseconds
    // after the EOF. Short naps first (a flat 1 ms cost every child one).
    let mut nap = Duration::from_micros(20);
    loop {
        for (i, child) in children.iter_mut().enumerate() {
            if status[i].is_none() && cuts[i].is_none() {
                status[i] = child.try_wait().transpose();
            }
        }
        let pending: Vec<usize> = (0..children.len())
            .filter(|&i| status[i].is_none() && cuts[i].is_none())
            .collect();
        if pending.is_empty() {
            break;
        }
        if let Some(cut) = limits.cut_now(Instant::now()) {
            let late: Vec<u32> = pending.iter().map(|&i| groups[i]).collect();
            for &i in &pending {
                cuts[i] = Some(cut);
            }
            group::end(&late, TERM_GRACE);
            break;
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(5));
    }
    children
        .iter_mut()
        .zip(status)
        .zip(cuts)
        .map(|((child, status), cut)| Ended {
            // The rest were ended with KILL: this wait is short.
            status: status.unwrap_or_else(|| child.wait()),
            cut,
        })
        .collect()
}

/// [`run`] for one child and at most one of its pipes (`on_data` gets the
/// chunks; an empty one means it closed).
pub fn run_one(
    child: &mut Child,
    pipe: Option<OwnedFd>,
    limits: &Limits,
    mut on_data: impl FnMut(&[u8]),
) -> Ended {
    let pipes = pipe.map(|fd| Pipe { child: 0, fd }).into_iter().collect();
    run(std::slice::from_mut(child), pipes, limits, |_, b| {
        on_data(b)
    })
    .pop()
    .expect("one result per child")
}
