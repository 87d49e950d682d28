//! Waiting on conditions with deadlines, never fixed sleeps: a condition is
//! polled (5 ms, backing off to 50 ms) until it holds or the deadline passes,
//! and a timeout panics naming what was awaited.

use std::time::{Duration, Instant};

/// The usual deadline: generous, the machine may be loaded by parallel
/// builds. Tests whose point is a bound (a timeout that must fire) pass
/// their own, shorter one.
pub const DEADLINE_SECS: u64 = 30;
pub const DEADLINE: Duration = Duration::from_secs(DEADLINE_SECS);

/// Polls `cond` until it holds, or panics after `secs` naming `what`.
#[track_caller]
pub fn wait_for(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    let limit = Duration::from_secs(secs);
    let mut pause = Duration::from_millis(5);
    while !cond() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}
