//! One file per command (or small family): parse the [`super::Args`] into
//! typed values, call the domain, print what comes back.

pub mod attach;
pub mod claim;
pub mod cost;
pub mod demo;
pub mod flag;
pub mod hook;
pub mod init;
pub mod kill;
pub mod log;
pub mod ls;
pub mod prune;
pub mod pulse;
pub mod resume;
pub mod schedule;
pub mod send;
pub mod start_session;
pub mod status;
pub mod supervise;
