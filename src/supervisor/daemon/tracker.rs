//! The worker's activity as its supervisor follows it (CONTRACT §9), as
//! pure logic: when to read the screen, when a screen reading counts, and
//! how hook readings and screen readings combine into the one published
//! activity. [`super::activity`] acts on what it decides.
//!
//! The screen is read only after output arrived (at most every
//! [`READ_EVERY`]), plus once more when a new reading's steadiness window
//! ends, so an idle supervisor never wakes. A screen reading counts once
//! it held for [`STEADY`]: streaming text that passes a pattern does not
//! flicker the activity. A hook reading (the agent telling on itself)
//! counts at once. The newest counted change wins; a screen that can tell
//! nothing (`unknown`) does not undo what a hook said.

use crate::activity::{Activity, Reading, Source};
use std::time::{Duration, Instant};

/// After output, the screen is read at most this often.
pub const READ_EVERY: Duration = Duration::from_millis(200);
/// A screen reading counts once it held this long (the contract allows 2 s).
pub const STEADY: Duration = Duration::from_millis(1000);

/// A change of the published activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub from: Activity,
    pub to: Reading,
    pub source: Source,
}

#[derive(Debug)]
pub struct Tracker {
    /// What is published, and from where.
    current: Reading,
    current_source: Source,
    /// The reading the screen last settled on.
    settled: Option<Reading>,
    /// A screen reading waiting to hold steady, and since when.
    pending: Option<(Reading, Instant)>,
    /// When to read the screen next; `None` until output arrives.
    next_read: Option<Instant>,
}

impl Default for Tracker {
    fn default() -> Tracker {
        Tracker {
            current: Reading::of(Activity::Unknown),
            current_source: Source::Screen,
            settled: None,
            pending: None,
            next_read: None,
        }
    }
}

impl Tracker {
    /// The published reading.
    #[cfg(test)]
    pub fn current(&self) -> &Reading {
        &self.current
    }

    /// Output arrived: read the screen soon (not at every chunk).
    pub fn on_output(&mut self, now: Instant) {
        if self.next_read.is_none() {
            self.next_read = Some(now + READ_EVERY);
        }
    }

    /// When the screen should be read next, if ever.
    pub fn deadline(&self) -> Option<Instant> {
        self.next_read
    }

    /// Whether the screen is due to be read.
    pub fn due(&self, now: Instant) -> bool {
        self.next_read.is_some_and(|at| at <= now)
    }

    /// What the screen shows now; a change once it held steadily.
    pub fn screen(&mut self, reading: Reading, now: Instant) -> Option<Change> {
        self.next_read = None;
        if self.settled.as_ref().is_some_and(|s| same(s, &reading)) {
            self.pending = None;
            // Same activity, maybe a newer question or limit text.
            if self.current.activity == reading.activity {
                self.current.detail = reading.detail.clone();
            }
            self.settled = Some(reading);
            return None;
        }
        let since = match &self.pending {
            Some((p, since)) if same(p, &reading) => *since,
            _ => now,
        };
        if now.duration_since(since) < STEADY {
            self.pending = Some((reading, since));
            self.next_read = Some(since + STEADY);
            return None;
        }
        self.pending = None;
        self.settled = Some(reading.clone());
        if reading.activity == Activity::Unknown && self.current_source == Source::Hook {
            return None;
        }
        self.publish(reading, Source::Screen)
    }

    /// What the agent's hook says: counts at once. A `needs_input` hook
    /// takes the dialog's question from the screen when it shows one.
    pub fn hook(&mut self, mut reading: Reading) -> Option<Change> {
        if reading.activity == Activity::NeedsInput {
            let on_screen = self
                .pending
                .as_ref()
                .map(|(r, _)| r)
                .or(self.settled.as_ref())
                .filter(|r| r.activity == Activity::NeedsInput);
            if let Some(detail) = on_screen.and_then(|r| r.detail.clone()) {
                reading.detail = Some(detail);
            }
        }
        self.publish(reading, Source::Hook)
    }

    fn publish(&mut self, reading: Reading, source: Source) -> Option<Change> {
        let from = self.current.activity;
        self.current_source = source;
        if source == Source::Screen && is_new_question(&self.current, &reading) {
            self.current = reading.clone();
            return Some(Change {
                from,
                to: reading,
                source,
            });
        }
        if from == reading.activity {
            if reading.detail.is_some() {
                self.current.detail = reading.detail;
            }
            return None;
        }
        self.current = reading.clone();
        Some(Change {
            from,
            to: reading,
            source,
        })
    }
}

/// Whether two screen readings say the same: the same activity, and for a
/// dialog the same question (one dialog after another, claude's trust
/// then its API-key question, is a new thing to ask the human).
fn same(a: &Reading, b: &Reading) -> bool {
    a.activity == b.activity && (a.activity != Activity::NeedsInput || a.detail == b.detail)
}

/// A dialog on screen whose question differs from the one published.
fn is_new_question(current: &Reading, next: &Reading) -> bool {
    current.activity == Activity::NeedsInput
        && next.activity == Activity::NeedsInput
        && next.detail.is_some()
        && current.detail != next.detail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(a: Activity) -> Reading {
        Reading::of(a)
    }

    fn ms(t0: Instant, n: u64) -> Instant {
        t0 + Duration::from_millis(n)
    }

    #[test]
    fn a_reading_counts_once_it_held_steadily() {
        let t0 = Instant::now();
        let mut t = Tracker::default();
        assert_eq!(t.deadline(), None, "no output, no reading");
        t.on_output(t0);
        assert_eq!(t.deadline(), Some(t0 + READ_EVERY));
        t.on_output(ms(t0, 50));
        assert_eq!(t.deadline(), Some(t0 + READ_EVERY), "one read per window");
        assert!(!t.due(ms(t0, 100)) && t.due(ms(t0, 200)));
        assert_eq!(t.screen(r(Activity::Busy), ms(t0, 200)), None);
        assert_eq!(t.deadline(), Some(ms(t0, 1200)), "a timer for the window");
        // Streaming text passes an idle-looking frame: not counted.
        assert_eq!(t.screen(r(Activity::Idle), ms(t0, 400)), None);
        assert_eq!(t.screen(r(Activity::Busy), ms(t0, 600)), None);
        let c = t.screen(r(Activity::Busy), ms(t0, 1600)).unwrap();
        assert_eq!((c.from, c.to.activity), (Activity::Unknown, Activity::Busy));
        assert_eq!(t.deadline(), None, "settled: no more wake-ups");
        assert_eq!(t.screen(r(Activity::Busy), ms(t0, 1800)), None);
        assert_eq!(t.deadline(), None);
    }

    #[test]
    fn a_second_dialog_is_a_change_once_it_held_steadily() {
        let t0 = Instant::now();
        let mut t = Tracker::default();
        let ask = |q: &str| Reading {
            activity: Activity::NeedsInput,
            detail: Some(q.into()),
        };
        t.screen(ask("Trust this folder?"), t0);
        let c = t.screen(ask("Trust this folder?"), ms(t0, 1000)).unwrap();
        assert_eq!(c.to.detail.as_deref(), Some("Trust this folder?"));
        // Answered; the next dialog asks something else: not at once...
        assert_eq!(t.screen(ask("Use this API key?"), ms(t0, 2000)), None);
        assert_eq!(t.deadline(), Some(ms(t0, 3000)));
        // ...but once it held, as a change from needs_input to needs_input.
        let c = t.screen(ask("Use this API key?"), ms(t0, 3000)).unwrap();
        assert_eq!(
            (c.from, c.to.activity, c.to.detail.as_deref()),
            (
                Activity::NeedsInput,
                Activity::NeedsInput,
                Some("Use this API key?")
            )
        );
        assert_eq!(t.screen(ask("Use this API key?"), ms(t0, 3200)), None);
    }

    #[test]
    fn hooks_count_at_once_and_unknown_screens_leave_them() {
        let t0 = Instant::now();
        let mut t = Tracker::default();
        let c = t.hook(r(Activity::Busy)).unwrap();
        assert_eq!((c.to.activity, c.source), (Activity::Busy, Source::Hook));
        assert_eq!(t.hook(r(Activity::Busy)), None);
        t.screen(r(Activity::Unknown), t0);
        assert_eq!(t.screen(r(Activity::Unknown), ms(t0, 1000)), None);
        assert_eq!(t.current().activity, Activity::Busy);
        // The screen shows a dialog no hook tells of (claude's trust dialog).
        let q = Reading {
            activity: Activity::NeedsInput,
            detail: Some("Trust this folder?".into()),
        };
        t.screen(q.clone(), ms(t0, 2000));
        let c = t.screen(q, ms(t0, 3000)).unwrap();
        assert_eq!(c.to.detail.as_deref(), Some("Trust this folder?"));
        // A permission hook keeps the screen's question.
        t.hook(r(Activity::Idle)).unwrap();
        let c = t
            .hook(Reading {
                activity: Activity::NeedsInput,
                detail: Some("Claude needs your permission".into()),
            })
            .unwrap();
        assert_eq!(c.to.activity, Activity::NeedsInput);
        assert_eq!(c.to.detail.as_deref(), Some("Trust this folder?"));
    }
}
