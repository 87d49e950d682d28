//! Everything that runs inside a session's supervisor process (`looop
//! _supervise`), one per session; the client verbs that talk to it sit
//! beside this folder in [`crate::supervisor`], and both sides share
//! [`crate::supervisor::protocol`].
//!
//! [`boot`] turns the launcher's hand-over into a detached process;
//! [`supervisor`] starts the worker ([`pty`]) and holds the state;
//! [`event_loop`] is one thread around one `poll` (signals, the control
//! socket, the PTY, the clients) with no wake-ups while idle; [`output`]
//! writes the log, the screen model and the attachers' queues; [`screen`]
//! is the worker's screen as a terminal shows it (an attacher gets it
//! redrawn at its own size), [`burst`] what of a flood it may skip;
//! [`requests`] answers clients; [`child`] reaps and signals the worker;
//! [`escapees`] ends the daemons it left behind.
//! [`queue`] holds the pure logic of the per-client queues: a slow
//! attacher is dropped, never waited for. [`tracker`] decides what the
//! worker is doing from its screen and its agent's hooks (pure logic);
//! [`activity`] records each change and raises the flag for a dialog.

mod activity;
mod activity_state;
mod boot;
mod burst;
mod child;
mod client;
mod escapees;
mod event_loop;
mod output;
mod pty;
mod queue;
mod requests;
mod screen;
mod sgr;
mod supervisor;
mod tracker;

pub use boot::{Options, run};
