//! What the supervisor keeps of its worker's activity between readings: the
//! tracker, the agent's screen reader and the flag looop raised. Its own
//! file so the supervisor's state (`supervisor.rs`) can hold it while
//! `activity.rs` acts on changes through the supervisor, without the two
//! importing each other.

use super::tracker::Tracker;
use crate::activity::Reading;
use crate::agents::screen::Rows;
use crate::session_record::Flag;

/// What the supervisor keeps of the activity: the tracker, the agent's
/// screen reading (`None` for a command looop knows nothing of), and the
/// flag it raised, if it did.
pub struct Activities {
    pub tracker: Tracker,
    pub read_screen: Option<fn(Rows) -> Reading>,
    pub(super) raised: Option<Flag>,
}

impl Activities {
    pub fn new(read_screen: Option<fn(Rows) -> Reading>) -> Activities {
        Activities {
            tracker: Tracker::default(),
            read_screen,
            raised: None,
        }
    }
}
