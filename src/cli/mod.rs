//! Command-line dispatch: turn `argv` into one call of a command handler.
//!
//! `src/cli` is the only code that knows argv and prints a command's human
//! output. [`table::COMMANDS`] names every command with its handler and
//! flags; each handler (most under [`commands`]) takes its [`Args`], parses
//! them into typed values, calls the domain and prints what comes back.
//! `help` and `completions` are handed the table, so that nothing the
//! table points at reads the table itself (no import circle).
//! `--help`/`-h` anywhere prints that command's usage. Unknown commands and
//! flags exit 2 with a one-line hint.

pub mod args;
mod command;
mod commands;
mod completions;
mod help;
mod open;
mod spell;
mod table;

pub use args::Args;

use crate::exit;
use anyhow::Result;
use command::Handler;
use std::ffi::OsString;

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
        print!("{}", help::manual(table::COMMANDS));
        return Ok(0);
    };
    let rest: Vec<String> = raw.collect();
    let wants_help = rest
        .iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "--help" || a == "-h");
    let command = match command.as_str() {
        "--help" | "-h" => "help".to_string(),
        "--version" | "-V" => {
            help::print_version();
            return Ok(0);
        }
        _ => command,
    };
    let Some(found) = table::find(&command) else {
        let hint =
            match help::suggest(table::COMMANDS, &command).filter(|_| !command.trim().is_empty()) {
                Some(s) => format!("; did you mean '{s}'?"),
                None => "; see 'looop help'".to_string(),
            };
        return Err(exit::usage(format!("unknown command {command:?}{hint}")));
    };
    if wants_help {
        if found.hidden {
            println!("looop {command}: an internal mode looop runs itself; see 'looop help'");
        } else {
            print!("{}", help::usage(found, &command));
        }
        return Ok(0);
    }
    let args = Args::new(&command, rest).with_flags(found.flags);
    match found.handler {
        Handler::Run(run) => run(args),
        Handler::Help => help::run(args, table::COMMANDS),
        Handler::Completions => completions::run(args, table::COMMANDS),
    }
}
