//! `looop start-session <id> <prompt|-> [runner] [--cwd DIR] [--worktree]
//! [--goal GOAL] [--force]`: start a worker on a prompt (from stdin with
//! `-`), where the work is.

use crate::cli::Args;
use crate::ids::{self, WorkerId};
use crate::{exit, workers};
use anyhow::{Context, Result};
use std::io::Read;
use std::path::PathBuf;

pub fn run(mut args: Args) -> Result<i32> {
    let force = args.flag(&["--force"]);
    let worktree = args.flag(&["--worktree"]);
    let cwd = args.value("--cwd")?;
    let goal = args.value("--goal")?;
    let id = WorkerId::parse(&args.required("id")?)?;
    let prompt_arg = args.required("prompt|-")?;
    let runner = args.next();
    args.finish()?;
    if let Some(r) = &runner {
        ids::check("runner", r)?;
    }
    if let Some(g) = &goal {
        ids::check("goal", g)?;
    }
    // Relative to where the command was typed; checked before the profile
    // is touched, so a wrong one creates nothing.
    let cwd = cwd.map(|dir| work_dir(&dir)).transpose()?;
    let prompt = if prompt_arg == "-" {
        read_stdin()?
    } else {
        prompt_arg
    };
    if prompt.trim().is_empty() {
        return Err(exit::usage("start-session: the prompt is empty"));
    }
    // The config first: a broken one leaves no data dir behind.
    let (profile, config) = crate::cli::open::with_layout()?;
    let opts = workers::Options {
        runner,
        force,
        cwd,
        worktree,
        goal,
    };
    let view = workers::start(&profile, &config, &id, &prompt, &opts)?;
    println!("started {}", view.session);
    println!(
        "  attach: looop attach {}   (detach: Ctrl-\\ Ctrl-\\)",
        view.id
    );
    println!("  output: looop log {} --follow", view.id);
    Ok(0)
}

/// `--cwd DIR` made absolute (relative to the caller's cwd); refused
/// (status 1) when it is not a directory.
fn work_dir(dir: &str) -> Result<PathBuf> {
    let path = std::env::current_dir()
        .context("cannot read the current directory")?
        .join(dir);
    if !path.is_dir() {
        return Err(exit::refused(format!(
            "--cwd {dir}: no such directory; nothing started"
        )));
    }
    Ok(path)
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
