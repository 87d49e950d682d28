//! The supervisor's side of the worker's activity (CONTRACT §9): the
//! [`Tracker`] fed by output (the screen read through the agent's
//! patterns) and by the agent's hooks (`looop _hook`), and what a change
//! does: `activity.json` rewritten, an `activity` event, and for
//! `needs_input` the worker's flag raised with the dialog's question
//! (cleared again once the dialog is gone, if the flag is still the one
//! looop raised: a flag the worker or a human raised is left alone).

use super::supervisor::Supervisor;
use super::tracker::Change;
use crate::activity::{self, Activity, Reading, Record};
use crate::agents::screen::Rows;
use crate::events;
use crate::session_record::{self as record, Flag};
use std::time::Instant;

/// The prefix of the note on a flag looop raised for a dialog.
pub const NEEDS_INPUT: &str = "needs input: ";

impl Supervisor {
    /// Read the screen when it is due (after output, or when a reading's
    /// steadiness window ends).
    pub(super) fn activity_timer(&mut self) {
        let now = Instant::now();
        let Some(read) = self.activity.read_screen else {
            return;
        };
        if !self.activity.tracker.due(now) {
            return;
        }
        let rows = self.screen.rows();
        let (cols, _) = self.screen.size();
        let reading = read(Rows { rows: &rows, cols });
        if let Some(change) = self.activity.tracker.screen(reading, now) {
            self.activity_changed(change);
        }
    }

    /// What the agent's hook said (`looop _hook`).
    pub(super) fn activity_hook(&mut self, reading: Reading) {
        if let Some(change) = self.activity.tracker.hook(reading) {
            self.activity_changed(change);
        }
    }

    /// The worker ended: a dialog flag of ours goes with it.
    pub(super) fn activity_end(&mut self) {
        self.clear_raised_flag();
    }

    fn activity_changed(&mut self, change: Change) {
        let id = crate::ids::bare(&self.record.session).to_string();
        let rec = Record {
            activity: change.to.activity,
            since: events::now_rfc3339(),
            detail: change.to.detail.clone(),
            source: change.source,
        };
        events::emit(
            &self.profile,
            "activity",
            &serde_json::json!({
                "id": id,
                "session": self.record.session,
                "from": change.from.as_str(),
                "to": change.to.activity.as_str(),
                "source": change.source,
                "detail": change.to.detail,
            }),
        );
        if change.to.activity == Activity::NeedsInput {
            // A new dialog after another: our flag for the old question
            // goes (if it is still ours), one for the new one comes.
            if change.from == Activity::NeedsInput {
                self.clear_raised_flag();
            }
            let question = change.to.detail.as_deref().unwrap_or("a dialog");
            self.raise_flag(&format!("{NEEDS_INPUT}{question}"));
        } else if change.from == Activity::NeedsInput {
            self.clear_raised_flag();
        }
        // Last, so whoever sees the new activity in `activity.json` (ls,
        // status, a test) also sees its event and its flag.
        if let Err(e) = activity::write(&self.dir, &rec) {
            eprintln!("looop: {e:#}");
        }
    }

    /// Flag the worker for its dialog, unless it is flagged already.
    fn raise_flag(&mut self, note: &str) {
        match record::read_flag(&self.dir) {
            Ok(None) => {}
            Ok(Some(_)) => return,
            Err(e) => {
                eprintln!("looop: {e:#}");
                return;
            }
        }
        let flag = Flag {
            note: note.replace(['\n', '\r'], " "),
            flagged_at: events::now_rfc3339(),
        };
        if let Err(e) = record::write_flag(&self.dir, &flag) {
            eprintln!("looop: cannot flag {}: {e:#}", self.record.session);
            return;
        }
        events::emit(
            &self.profile,
            "flagged",
            &serde_json::json!({
                "id": crate::ids::bare(&self.record.session),
                "session": self.record.session,
                "note": flag.note,
            }),
        );
        self.activity.raised = Some(flag);
    }

    /// Clear the flag looop raised, if it is still that one.
    fn clear_raised_flag(&mut self) {
        let Some(ours) = self.activity.raised.take() else {
            return;
        };
        let still_ours = matches!(
            record::read_flag(&self.dir),
            Ok(Some(f)) if f.note == ours.note && f.flagged_at == ours.flagged_at
        );
        if !still_ours {
            return;
        }
        match std::fs::remove_file(record::flag_path(&self.dir)) {
            Ok(()) => events::emit(
                &self.profile,
                "unflagged",
                &serde_json::json!({
                    "id": crate::ids::bare(&self.record.session),
                    "session": self.record.session,
                }),
            ),
            Err(e) => eprintln!("looop: cannot unflag {}: {e}", self.record.session),
        }
    }
}
