//! `looop _hook [<event>] [<payload>]` (hidden): what an agent's hook runs
//! inside a worker (claude's settings hooks, written for `{{hooks_file}}`;
//! codex's `notify` program). It hands the hook's JSON payload (at most 1
//! MiB) to the worker's supervisor, which reads the agent's activity from
//! it (CONTRACT §9) and notes an unreadable payload in its
//! `supervisor.log`. The payload is the last argument when there is one
//! after the event (codex passes it so), else stdin (claude's hooks); stdin
//! is then never read (codex's is the worker's terminal). The event name
//! is there for a reader of the settings file: the payload names its event.
//!
//! It prints nothing and always exits 0: what a hook prints and its
//! status mean something to the agent, and a hook must never disturb it.

use crate::cli::Args;
use crate::ids::WorkerId;
use crate::paths::Profile;
use crate::supervisor::verbs;
use std::io::Read;

/// The payload's cap: the largest frame the supervisor takes.
const MAX_PAYLOAD: u64 = 1 << 20;

pub fn run(mut args: Args) -> anyhow::Result<i32> {
    // Whatever the hook line says, it never fails the agent's hook.
    let words: Vec<String> = std::iter::from_fn(|| args.next()).collect();
    let mut payload = Vec::new();
    if let [_event, .., last] = words.as_slice() {
        payload = last.as_bytes().to_vec();
        payload.truncate(MAX_PAYLOAD as usize);
    } else if std::io::stdin()
        .take(MAX_PAYLOAD)
        .read_to_end(&mut payload)
        .is_err()
    {
        return Ok(0);
    }
    // Outside a worker (no session) there is nobody to tell.
    let Some(id) = std::env::var("LOOOP_SESSION_ID")
        .ok()
        .and_then(|s| WorkerId::parse(&s).ok())
    else {
        return Ok(0);
    };
    if let Ok(profile) = Profile::look() {
        // A supervisor that is gone or busy costs the hook nothing.
        let _ = verbs::hook(&profile, &id.session(), payload);
    }
    Ok(0)
}
