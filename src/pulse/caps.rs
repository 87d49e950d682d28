//! The size caps on what the tick AI hands looop (CONTRACT §12, "Sizes"),
//! in one place so the docs and the code say the same numbers. Past a cap
//! the beat fails with "too large" and the reason goes to the next prompt;
//! memory stays bounded whatever a runner prints. (A sensor's output has its
//! own cap, `[sensors] max_bytes` in the config.)

use super::moves::Action;

/// The longest stdout line the runner may print (a stream-json line holds
/// the whole answer): longer lines are dropped, not kept, and if the
/// answer was among them the beat fails with "answer too large".
pub const LINE_BYTES: usize = 4 * 1024 * 1024;
/// A text a move writes into a file or hands a worker: a PLAYBOOK or goal
/// body, a sensor script, a worker prompt.
pub const BODY_BYTES: usize = 1024 * 1024;
/// A one-line text: the journal line, an `ask_human` message, a `run`
/// command.
pub const SHORT_BYTES: usize = 64 * 1024;

/// Refuse a move whose text fields are past their caps.
pub fn check(action: &Action, journal: &str) -> Result<(), String> {
    let fields: Vec<(&str, &str, usize)> = match action {
        Action::StartWorker { prompt, .. } => vec![("prompt", prompt, BODY_BYTES)],
        Action::WriteGoal { body, .. } | Action::WritePlaybook { body } => {
            vec![("body", body, BODY_BYTES)]
        }
        Action::WriteSensor { script, .. } => vec![("script", script, BODY_BYTES)],
        Action::Run { command } => vec![("command", command, SHORT_BYTES)],
        Action::AskHuman { message } => vec![("message", message, SHORT_BYTES)],
        Action::Noop
        | Action::ArchiveGoal { .. }
        | Action::KillWorker { .. }
        | Action::ResumeWorker { .. } => Vec::new(),
    };
    let journal = ("journal", journal, SHORT_BYTES);
    match fields
        .into_iter()
        .chain([journal])
        .find(|(_, text, cap)| text.len() > *cap)
    {
        Some((name, text, cap)) => Err(format!(
            "invalid {} move: `{name}` is too large ({} bytes; the cap is {})",
            action.kind(),
            text.len(),
            human(cap)
        )),
        None => Ok(()),
    }
}

/// `1 MiB`, `64 KiB`, or bytes.
pub fn human(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_past_its_cap_is_refused_by_name() {
        let big = "x".repeat(BODY_BYTES + 1);
        let e = check(&Action::WritePlaybook { body: big }, "j").unwrap_err();
        assert!(e.contains("`body` is too large"), "{e}");
        assert!(e.contains("the cap is 1 MiB"), "{e}");
        let ok = "x".repeat(BODY_BYTES);
        assert!(check(&Action::WritePlaybook { body: ok }, "j").is_ok());
        let e = check(&Action::Noop, &"j".repeat(SHORT_BYTES + 1)).unwrap_err();
        assert!(e.contains("`journal` is too large"), "{e}");
    }
}
