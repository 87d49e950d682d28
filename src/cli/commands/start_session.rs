//! `looop start-session [--force] <id> <prompt|-> [runner]`: start a worker
//! on a prompt (from stdin with `-`).

use crate::cli::Args;
use crate::config::Config;
use crate::ids::{self, WorkerId};
use crate::paths::Profile;
use crate::{exit, workers};
use anyhow::Result;
use std::io::Read;

pub fn run(mut args: Args) -> Result<i32> {
    let force = args.flag(&["--force"]);
    let id = WorkerId::parse(&args.required("id")?)?;
    let prompt_arg = args.required("prompt|-")?;
    let runner = args.next();
    args.finish()?;
    if let Some(r) = &runner {
        ids::check("runner", r)?;
    }
    let prompt = if prompt_arg == "-" {
        read_stdin()?
    } else {
        prompt_arg
    };
    if prompt.trim().is_empty() {
        return Err(exit::usage("start-session: the prompt is empty"));
    }
    let profile = Profile::with_layout()?;
    let config = Config::load(&profile.config)?;
    let view = workers::start(&profile, &config, &id, &prompt, runner.as_deref(), force)?;
    println!("started {}", view.session);
    println!(
        "  attach: looop attach {}   (detach: Ctrl-\\ Ctrl-\\)",
        view.id
    );
    println!("  output: looop log {} --follow", view.id);
    Ok(0)
}

/// The whole prompt from stdin; text that is not UTF-8 is a usage error.
fn read_stdin() -> Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidData {
            exit::usage("the prompt on stdin is not UTF-8 text")
        } else {
            anyhow::Error::new(e).context("cannot read the prompt from stdin")
        }
    })?;
    Ok(s)
}
