//! The pulse: one beat = sense, diff, decide one move, act, journal.
//! (Built by the pulse issue.)

use crate::cli::{Args, not_built};
use anyhow::Result;

pub fn cmd_tick(_args: Args) -> Result<i32> {
    Err(not_built("tick"))
}
pub fn cmd_run(_args: Args) -> Result<i32> {
    Err(not_built("run"))
}
pub fn cmd_up(_args: Args) -> Result<i32> {
    Err(not_built("up"))
}
pub fn cmd_down(_args: Args) -> Result<i32> {
    Err(not_built("down"))
}
pub fn cmd_status(_args: Args) -> Result<i32> {
    Err(not_built("status"))
}
