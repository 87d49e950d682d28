//! The demo's scripted decider behind `looop _demo_decide`, the tick "AI"
//! of the demo profile. It is NOT an AI. It looks at the demo's one goal and
//! worker on disk and picks the move a sensible AI would make; the command
//! prints it as text ending in one JSON object, exactly as a real runner
//! would answer.

use crate::ids::WorkerId;
use crate::paths::Profile;
use crate::supervisor::{self, SessionView};
use anyhow::Result;
use serde::Serialize;

/// The demo's goal and worker id.
pub const GOAL: &str = "hello";

/// One move, in the shape CONTRACT §4a defines.
#[derive(Serialize)]
pub struct Move<'a> {
    #[serde(rename = "move")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prompt: Option<&'a str>,
    journal: &'a str,
}

/// The move the demo's "AI" makes now, from the demo's goal and worker.
pub fn next_move(profile: &Profile) -> Result<Move<'static>> {
    let worker = WorkerId::parse(GOAL)?;
    let session = supervisor::get(profile, &worker.session())?;
    Ok(decide(profile, session.as_ref()))
}

fn decide<'a>(profile: &Profile, session: Option<&SessionView>) -> Move<'a> {
    let goal_open = profile.goals_dir().join(format!("{GOAL}.md")).is_file();
    let reported = profile.reports_dir().join(format!("{GOAL}.md")).is_file();
    let noop = |journal| Move {
        kind: "noop",
        id: None,
        prompt: None,
        journal,
    };
    match session {
        _ if !goal_open => noop("every goal is archived; nothing to do"),
        None => Move {
            kind: "start_worker",
            id: Some(GOAL),
            prompt: Some("Ask the human one question, then write reports/hello.md."),
            journal: "goal hello has no worker yet, starting one",
        },
        Some(s) if s.alive && s.flagged => noop("hello waits for the human's answer"),
        Some(s) if s.alive => noop("hello is working"),
        Some(_) if reported => Move {
            kind: "archive_goal",
            id: Some(GOAL),
            prompt: None,
            journal: "hello finished and wrote reports/hello.md: goal done",
        },
        Some(_) => noop("hello ended without a report; a human should look"),
    }
}
