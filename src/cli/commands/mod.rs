//! One file per command (or small family): parse the [`super::Args`] into
//! typed values, call the domain, print what comes back.

pub mod cost;
pub mod demo;
pub mod init;
pub mod pulse;
pub mod schedule;
pub mod status;
pub mod supervise;
