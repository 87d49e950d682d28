//! `looop demo`: a complete offline run of the loop. (Built by the demo issue.)

use crate::cli::{Args, not_built};
use anyhow::Result;

pub fn cmd_demo(_args: Args) -> Result<i32> {
    Err(not_built("demo"))
}
