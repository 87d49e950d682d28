//! One file per command (or small family of commands): each parses its
//! [`super::Args`] into typed values and calls the domain.

pub mod supervise;
