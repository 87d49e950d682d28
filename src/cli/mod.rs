//! Command-line dispatch: turn `argv` into one call of a command handler.
//!
//! Each handler takes its [`Args`], pulls its own flags and positionals, and
//! returns the exit status. `--help`/`-h` anywhere prints that command's
//! usage. Unknown commands and flags exit 2 with a one-line hint.

pub mod args;
pub mod commands;
pub mod help;
mod init;

pub use args::Args;

use crate::exit;
use anyhow::Result;
use std::ffi::OsString;

/// Hidden commands: internal modes looop runs itself; not in the manual.
const HIDDEN: &[&str] = &["_supervise", "_complete", "_demo_decide"];

/// Run the command named by `raw[0]`; returns the exit status.
pub fn run(raw: Vec<OsString>) -> Result<i32> {
    let raw = raw
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            a.into_string().map_err(|a| {
                exit::usage(format!(
                    "argument {} is not valid UTF-8: {}",
                    i + 1,
                    a.to_string_lossy()
                ))
            })
        })
        .collect::<Result<Vec<String>>>()?;
    let mut raw = raw.into_iter();
    let Some(command) = raw.next() else {
        print!("{}", help::manual());
        return Ok(0);
    };
    let rest: Vec<String> = raw.collect();
    let wants_help = rest
        .iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "--help" || a == "-h");
    if let Some(h) = help::find(&command).filter(|_| wants_help) {
        print!("{}", help::usage(h));
        return Ok(0);
    }
    if wants_help && HIDDEN.contains(&command.as_str()) {
        println!("looop {command}: an internal mode looop runs itself; see 'looop help'");
        return Ok(0);
    }
    match command.as_str() {
        "--help" | "-h" | "help" => return help_command(rest),
        "--version" | "-V" | "version" => {
            if command == "version" {
                Args::new("version", rest).finish()?;
            }
            println!("looop {}", env!("CARGO_PKG_VERSION"));
            return Ok(0);
        }
        _ => {}
    }
    let known = help::find(&command).is_some() || HIDDEN.contains(&command.as_str());
    if !known {
        let hint = match help::suggest(&command).filter(|_| !command.trim().is_empty()) {
            Some(s) => format!("; did you mean '{s}'?"),
            None => "; see 'looop help'".to_string(),
        };
        return Err(exit::usage(format!("unknown command {command:?}{hint}")));
    }
    dispatch(&command, Args::new(&command, rest))
}

fn dispatch(command: &str, args: Args) -> Result<i32> {
    match command {
        "init" => init::cmd_init(args),
        "tick" => crate::pulse::cmd_tick(args),
        "run" => crate::pulse::cmd_run(args),
        "up" => crate::pulse::cmd_up(args),
        "down" => crate::pulse::cmd_down(args),
        "status" => crate::pulse::cmd_status(args),
        "start-session" => crate::workers::cmd_start_session(args),
        "ls" => crate::supervisor::cmd_ls(args),
        "attach" => crate::supervisor::cmd_attach(args),
        "log" => crate::supervisor::cmd_log(args),
        "send" => crate::supervisor::cmd_send(args),
        "kill" => crate::supervisor::cmd_kill(args),
        "flag" => crate::supervisor::cmd_flag(args),
        "unflag" => crate::supervisor::cmd_unflag(args),
        "prune" => crate::supervisor::cmd_prune(args),
        "_supervise" => commands::supervise::cmd_supervise(args),
        "claim" => crate::claims::cmd_claim(args),
        "unclaim" => crate::claims::cmd_unclaim(args),
        "cost" => crate::ledger::cmd_cost(args),
        "_cost" => crate::ledger::cmd_record(args),
        "schedule" => crate::schedule::cmd_schedule(args),
        "demo" => crate::demo::cmd_demo(args),
        "_demo_decide" => crate::demo::decider::cmd_demo_decide(args),
        "config" => crate::completions::cmd_config(args),
        "_complete" => crate::completions::cmd_complete(args),
        other => Err(exit::usage(format!(
            "unknown command {other:?}; see 'looop help'"
        ))),
    }
}

fn help_command(rest: Vec<String>) -> Result<i32> {
    let mut args = Args::new("help", rest);
    let name = args.next();
    // Refuse leftovers before printing anything: an error, not a manual.
    args.finish()?;
    match name {
        None => print!("{}", help::manual()),
        Some(name) => match help::find(&name) {
            Some(h) => print!("{}", help::usage(h)),
            None => {
                return Err(exit::usage(format!(
                    "no command {name:?}; see 'looop help'"
                )));
            }
        },
    }
    Ok(0)
}
