//! The manual (`looop help`) and each command's usage (`looop <cmd> --help`).
//!
//! One table, [`COMMANDS`], drives the manual's command list, per-command
//! help, the unknown-command hint and the shell completions, so a command
//! cannot exist without being documented.

/// A command's name, its usage synopsis and its one-paragraph description.
pub struct CommandHelp {
    pub name: &'static str,
    pub usage: &'static str,
    pub about: &'static str,
}

pub const COMMANDS: &[CommandHelp] = &[
    CommandHelp {
        name: "init",
        usage: "looop init [--runner NAME]",
        about: "Create the config file (if absent) and the data dir with the starter PLAYBOOK, goals and sensor (if absent). Prints both paths and what to do next. Running it again changes nothing.",
    },
    CommandHelp {
        name: "tick",
        usage: "looop tick",
        about: "One beat, for cron: housekeeping, sense, skip if the world is unchanged, otherwise ask the tick AI for ONE move, carry it out, journal it, and surface flagged workers. Exits 75 at once if another beat of this profile is running.",
    },
    CommandHelp {
        name: "run",
        usage: "looop run [GOAL]",
        about: "Without GOAL: the pulse in the foreground, a beat every `interval` seconds until SIGINT/SIGTERM. With GOAL: one immediate move focused on goals/GOAL.md (no unchanged-world skip).",
    },
    CommandHelp {
        name: "up",
        usage: "looop up",
        about: "Start the pulse as a detached supervised session (looop-pulse). A no-op when it is already up.",
    },
    CommandHelp {
        name: "down",
        usage: "looop down [--all]",
        about: "Stop the pulse. Workers keep running unless --all is given.",
    },
    CommandHelp {
        name: "status",
        usage: "looop status [--json]",
        about: "Whether the pulse is up, the last beat, workers and their flags, claims, today's cost against the budget, and the paths of this profile.",
    },
    CommandHelp {
        name: "start-session",
        usage: "looop start-session <id> <prompt|-> [runner] [--force]",
        about: "Start a worker detached in a PTY under its own supervisor. `-` reads the prompt from stdin. The worker gets the WORKER CONTRACT followed by the prompt. Refused when a live session of that id exists, when max_workers are live, when the runner is unknown, or when the daily budget is reached (unless --force).",
    },
    CommandHelp {
        name: "ls",
        usage: "looop ls [--json] [--all]",
        about: "List worker sessions on disk, running and finished: id, state, pid, age, idle time, exit code, flag note. --all adds the pulse session.",
    },
    CommandHelp {
        name: "attach",
        usage: "looop attach <id>",
        about: "Connect this terminal to the worker's PTY: the recent screen is replayed, then keys and output flow live. Ctrl-\\ Ctrl-\\ detaches and leaves the worker running. Exits with the worker's status if it ends while attached.",
    },
    CommandHelp {
        name: "log",
        usage: "looop log <id> [--tail N] [--follow] [--raw]",
        about: "Print the worker's output (terminal escapes stripped unless --raw). Works after the worker exited. --follow keeps printing until the session ends.",
    },
    CommandHelp {
        name: "send",
        usage: "looop send <id> [-n] <text>",
        about: "Type TEXT plus Enter into the worker's terminal (-n: no Enter).",
    },
    CommandHelp {
        name: "kill",
        usage: "looop kill <id> [--grace SECS]",
        about: "End the worker: SIGTERM to its process group, SIGKILL after the grace period (default 5 s); returns once it has exited. Its claims are dropped. Works on a lost session too.",
    },
    CommandHelp {
        name: "flag",
        usage: "looop flag <id> [message]",
        about: "Raise the worker's attention flag with a note. The next beat lists it under NEEDS YOU and may pop a tmux window for it.",
    },
    CommandHelp {
        name: "unflag",
        usage: "looop unflag <id>",
        about: "Clear the worker's attention flag.",
    },
    CommandHelp {
        name: "prune",
        usage: "looop prune [--all]",
        about: "Delete finished and lost sessions older than the retention (all of them with --all) and print how many.",
    },
    CommandHelp {
        name: "claim",
        usage: "looop claim <name> [--session S]",
        about: "Take the lease claims/NAME.json for $LOOOP_SESSION_ID (or S). Exactly one of two racing claimers wins; the loser gets status 1 and the owner. A lease whose session is not alive is taken over.",
    },
    CommandHelp {
        name: "unclaim",
        usage: "looop unclaim <name> [--session S]",
        about: "Release the lease claims/NAME.json held by $LOOOP_SESSION_ID (or S).",
    },
    CommandHelp {
        name: "cost",
        usage: "looop cost [today|week|month|all] [--json] [--by kind|runner|id|day]",
        about: "Report spend from the cost ledger in local time (today; week = the last 7 days; month = since the 1st; all, the default): total, number of calls, a breakdown by kind and runner (or the one --by names; --by day draws a bar per day), and today's spend against the daily budget. Malformed ledger lines are skipped and counted.",
    },
    CommandHelp {
        name: "_cost",
        usage: "looop _cost <kind> <id> <runner> <usd> [--input-tokens N] [--output-tokens N]",
        about: "Append one entry to the cost ledger. Workers report their spend with `\"$LOOOP_BIN\" _cost session \"$LOOOP_SESSION_ID\" <runner> <usd>`. The amount must be a finite number >= 0; anything else is refused with status 2 and nothing is written.",
    },
    CommandHelp {
        name: "schedule",
        usage: "looop schedule cron|launchd|systemd [--every SECS] [--install|--remove]",
        about: "Print a crontab line, launchd plist or systemd user service+timer that runs `looop tick` for this profile every --every seconds (default: the config's `interval`), with the absolute binary path, LOOOP_DATA_DIR, LOOOP_CONFIG and your current PATH spelled out, appending output to <data>/tick.log. cron counts whole minutes: under 60 s is refused, other values are rounded to one that divides the hour (or day), with a note. --install/--remove edit your crontab idempotently (cron only); other lines are kept.",
    },
    CommandHelp {
        name: "demo",
        usage: "looop demo [--keep]",
        about: "A complete offline run of the loop in a temporary profile, with a scripted decider instead of an AI. Needs no agent CLI and no network. --keep leaves the profile for you to explore.",
    },
    CommandHelp {
        name: "config",
        usage: "looop config bash|zsh|fish",
        about: "Print a shell completion script (commands, and worker and goal ids of this profile). Example: looop config bash > ~/.local/share/bash-completion/completions/looop",
    },
    CommandHelp {
        name: "help",
        usage: "looop help [COMMAND]",
        about: "Print the manual, or one command's usage.",
    },
    CommandHelp {
        name: "version",
        usage: "looop version",
        about: "Print looop's version.",
    },
];

/// Look up a command's help by name.
pub fn find(name: &str) -> Option<&'static CommandHelp> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// The usage block printed for `looop <cmd> --help`.
pub fn usage(cmd: &CommandHelp) -> String {
    format!("usage: {}\n\n{}\n", cmd.usage, wrap(cmd.about, 76, ""))
}

/// The manual: what looop is, its nouns, one beat, the rules, the commands.
pub fn manual() -> String {
    let mut s = String::from(MANUAL_HEAD);
    s.push_str("COMMANDS\n");
    for c in COMMANDS.iter().filter(|c| !c.name.starts_with('_')) {
        s.push_str(&format!("  {}\n", c.usage));
    }
    s.push_str(MANUAL_TAIL);
    s
}

/// The closest command name to a typo, for the "did you mean" hint.
pub fn suggest(typo: &str) -> Option<&'static str> {
    COMMANDS
        .iter()
        .map(|c| (edit_distance(typo, c.name), c.name))
        .filter(|(d, name)| *d <= 2.max(name.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_suggestions() {
        assert_eq!(suggest("attch"), Some("attach"));
        assert_eq!(suggest("stauts"), Some("status"));
        assert_eq!(suggest("zzzzzzzz"), None);
    }

    #[test]
    fn manual_lists_public_commands() {
        let m = manual();
        assert!(m.contains("looop start-session"));
        assert!(!m.contains("_cost <kind>"));
    }
}
