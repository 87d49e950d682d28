//! The manual (`looop help`), each command's usage (`looop <cmd> --help`)
//! and `looop version`, drawn from the command table it is handed.

use super::args::Args;
use super::command::{self, Command};
use super::spell;
use crate::exit;
use anyhow::Result;

/// The usage block printed for `looop <name> --help`; `name` may be an
/// alias, and the synopsis then says so.
pub fn usage(cmd: &Command, name: &str) -> String {
    let synopsis = match cmd.usage.strip_prefix(&format!("looop {}", cmd.name)) {
        Some(rest) if name != cmd.name => format!("looop {name}{rest}"),
        _ => cmd.usage.to_string(),
    };
    format!("usage: {synopsis}\n\n{}\n", wrap(cmd.about, 76, ""))
}

/// The manual: what looop is, its nouns, one beat, the rules, the commands.
pub fn manual(commands: &[Command]) -> String {
    let mut s = String::from(MANUAL_HEAD);
    s.push_str("COMMANDS\n");
    for c in commands.iter().filter(|c| c.public()) {
        s.push_str(&format!("  {}\n      {}\n", c.usage, summary(c.about)));
    }
    s.push_str(MANUAL_TAIL);
    s
}

/// The first sentence of a command's description: its line in the manual.
pub fn summary(about: &str) -> &str {
    match about.find(". ") {
        Some(end) => &about[..=end],
        None => about,
    }
}

/// The closest command name to a typo, for the "did you mean" hint.
pub fn suggest(commands: &'static [Command], typo: &str) -> Option<&'static str> {
    let names = commands
        .iter()
        .filter(|c| !c.hidden)
        .flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied()));
    spell::nearest(typo, names)
}

/// `looop help [COMMAND]`.
pub fn run(mut args: Args, commands: &[Command]) -> Result<i32> {
    let name = args.next();
    // Refuse leftovers before printing anything: an error, not a manual.
    args.finish()?;
    match name {
        None => print!("{}", manual(commands)),
        Some(name) => match command::find(commands, &name).filter(|c| !c.hidden) {
            Some(c) => print!("{}", usage(c, &name)),
            None => {
                return Err(exit::usage(format!(
                    "no command {name:?}; see 'looop help'"
                )));
            }
        },
    }
    Ok(0)
}

/// `looop version`.
pub fn version(args: Args) -> Result<i32> {
    args.finish()?;
    print_version();
    Ok(0)
}

/// `looop <version>` for `version`, `--version` and `-V`.
pub fn print_version() {
    println!("looop {}", env!("CARGO_PKG_VERSION"));
}

/// Greedy word wrap, for the usage paragraphs.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    for word in text.split_whitespace() {
        if line.len() > indent.len() && line.len() + 1 + word.len() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(line.trim_end());
    out
}

const MANUAL_HEAD: &str = r#"looop - a small control loop for your work

looop wakes up on a beat (cron, launchd, systemd, or `looop run`), looks at
your world through small sensor scripts, and does nothing at all when nothing
changed. When something did, it asks a tick AI (claude, codex, pi, opencode,
or any command that prints text) to pick exactly ONE move toward your goals.
looop checks that move, carries it out itself, and writes one journal line.
The AI judges; looop acts and keeps the rules.

THE NOUNS
  PLAYBOOK.md   your judgment in prose: priorities, guardrails, how to work
  goals/        desired states, one markdown file each
  sensors/      executables that each print one JSON object about the world
  journal.md    one line per move, written by looop with the local time
  workers       agent CLIs running detached in a PTY under looop's own
                supervisor; you attach to them, they flag you when stuck
  claims/       leases a worker holds on a task; they die with the worker
  cost.jsonl    the ledger of what the AI calls and workers spent

ONE BEAT
  housekeeping -> sense -> diff -> (unchanged? stop) -> budget -> decide
  -> act -> journal -> surface flagged workers under NEEDS YOU

THE RULES
  One beat at a time per profile (a second one exits 75).
  One move per beat; an invalid move executes nothing and fails the beat.
  Nothing irreversible without you: the AI asks, or starts a worker that flags.
  A destructive shell command (sudo, rm -rf ~, force-push, curl | sh, ...)
  is refused by a tripwire. It is a tripwire, not a sandbox.
  When today's spend reaches daily_budget_usd, beats stop calling the AI.

"#;

const MANUAL_TAIL: &str = r#"
ENVIRONMENT
  LOOOP_CONFIG     config file (default: <config dir>/looop/config.toml)
  LOOOP_DATA_DIR   data dir, i.e. the profile (default: <state dir>/looop)
  NO_COLOR         no colour, even on a terminal

EXIT STATUS
  0 success; 1 failed or refused; 2 bad usage or bad config; 75 busy.

Run `looop <command> --help` for one command, `looop demo` to see a loop run.
"#;
