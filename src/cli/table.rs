//! The one table of commands: name, handler, flags, usage and description.
//!
//! Dispatch, `looop help`, the unknown-command and unknown-flag hints and
//! the shell completions all read [`COMMANDS`], so a command cannot exist
//! without being documented, and completions offer exactly the flags the
//! parser accepts ([`Args`] refuses, in debug builds, to look for a
//! flag its command does not declare here).

use super::args::Args;
use super::command::{self, Command, Handler, Ids};
use super::{commands, completions, help};
use anyhow::Result;

/// The command named `name` (or one of its aliases).
pub fn find(name: &str) -> Option<&'static Command> {
    command::find(COMMANDS, name)
}

/// A command that is neither hidden nor internal, with the defaults.
const fn cmd(name: &'static str, run: fn(Args) -> Result<i32>) -> Command {
    builtin(name, Handler::Run(run))
}

/// A command with the defaults and any handler.
const fn builtin(name: &'static str, handler: Handler) -> Command {
    Command {
        name,
        aliases: &[],
        handler,
        flags: &[],
        words: &[],
        ids: Ids::None,
        hidden: false,
        usage: "",
        about: "",
    }
}

pub const COMMANDS: &[Command] = &[
    Command {
        flags: &["--runner"],
        usage: "looop init [--runner NAME]",
        about: "Create the config file (if absent) and the data dir with the starter PLAYBOOK, goals and sensor (if absent). Prints both paths and what to do next. Running it again changes nothing.",
        ..cmd("init", commands::init::run)
    },
    Command {
        usage: "looop tick",
        about: "One beat, for cron: housekeeping, sense, skip if the world is unchanged, otherwise ask the tick AI for ONE move, carry it out, journal it, and surface flagged workers. Exits 75 at once if another beat of this profile is running.",
        ..cmd("tick", commands::pulse::tick)
    },
    Command {
        flags: &["--every"],
        ids: Ids::Goals,
        usage: "looop run [GOAL] [--every DURATION]",
        about: "Without GOAL: the pulse in the foreground, a beat every `interval` seconds (or --every 30s|5m|1h|SECS) until SIGINT/SIGTERM. With GOAL: one immediate move focused on goals/GOAL.md (no unchanged-world skip).",
        ..cmd("run", commands::pulse::run)
    },
    Command {
        usage: "looop up",
        about: "Start the pulse as a detached supervised session (looop-pulse). A no-op when it is already up.",
        ..cmd("up", commands::pulse::up)
    },
    Command {
        flags: &["--all"],
        usage: "looop down [--all]",
        about: "Stop the pulse. Workers keep running unless --all is given.",
        ..cmd("down", commands::pulse::down)
    },
    Command {
        flags: &["--json"],
        usage: "looop status [--json]",
        about: "How the pulse is driven (up, cron/systemd/launchd every N, or down), the last beat, the last failure and how many beats failed in a row, workers and their flags, claims, today's cost against the budget, and the paths of this profile. --json gives `schedule` and `needs_you` (id, note, since, attach) as objects.",
        ..cmd("status", commands::status::run)
    },
    Command {
        flags: &["--force", "--cwd", "--worktree", "--goal"],
        usage: "looop start-session <id> <prompt|-> [runner] [--cwd DIR] [--worktree] [--goal GOAL] [--force]",
        about: "Start a worker detached in a PTY under its own supervisor. `-` reads the prompt from stdin. The worker gets the WORKER CONTRACT followed by the prompt. It runs in DIR (default: the data dir); --worktree gives it its own git worktree <data dir>/worktrees/<id> on branch looop/<id> of the repository that holds DIR; --goal records the goal it serves. Refused when a live session of that id exists, when max_workers are live, when the runner is unknown, when DIR is not a directory or (with --worktree) not in a git repository, or when the daily budget is reached (unless --force).",
        ..cmd("start-session", commands::start_session::run)
    },
    Command {
        flags: &["--json", "--all", "-a"],
        usage: "looop ls [--json] [--all]",
        about: "List worker sessions on disk, running and finished: id, state, activity (busy, needs_input, idle, usage_limited, unknown; running workers only), pid, age (since the worker first started, across resumes; it keeps counting after the end), idle time (running workers only), exit code, spend, flag note. --all adds the pulse session.",
        ..cmd("ls", commands::ls::run)
    },
    Command {
        ids: Ids::Workers,
        usage: "looop attach <id>",
        about: "Connect this terminal to the worker's PTY: its current screen is redrawn at this terminal's size, then keys and output flow live. Ctrl-\\ Ctrl-\\ detaches and leaves the worker running. Exits with the worker's status if it ends while attached.",
        ..cmd("attach", commands::attach::run)
    },
    Command {
        flags: &["--tail", "--follow", "-f", "--raw", "--screen"],
        ids: Ids::Workers,
        usage: "looop log <id> [--tail N] [--follow] [--raw] | looop log <id> --screen",
        about: "Print the worker's output (terminal escapes stripped unless --raw). Works after the worker exited. --follow keeps printing until the session ends. --screen prints the worker's current screen instead, as text (its last screen once it ended).",
        ..cmd("log", commands::log::run)
    },
    Command {
        flags: &["-n"],
        ids: Ids::Workers,
        usage: "looop send <id> [-n] <text>",
        about: "Type TEXT plus Enter into the worker's terminal (-n: no Enter).",
        ..cmd("send", commands::send::run)
    },
    Command {
        flags: &["--grace"],
        ids: Ids::Workers,
        usage: "looop kill <id> [--grace SECS]",
        about: "End the worker: SIGTERM to its process group, SIGKILL after the grace period (default 5 s); returns once it has exited. Its claims are dropped. Works on a lost session too.",
        ..cmd("kill", commands::kill::run)
    },
    Command {
        flags: &["--all-lost", "--force"],
        ids: Ids::Workers,
        usage: "looop resume <id> [--force] | looop resume --all-lost [--force]",
        about: "Relaunch a finished or lost worker under the same id on its own agent session (its runner's resume command), with its cwd, goal and claims; prints `resumed looop-<id>`. Status 1 when the worker is unknown or live, when max_workers are live, or when it cannot be resumed (its runner has no resume command, e.g. opencode, or its agent session id is not known), or when its runner is paused or the daily budget is reached (unless --force, as for start-session), saying why. --all-lost resumes every lost worker (after a reboot or a killed supervisor), one line each (`resumed looop-<id>` or `not resumed looop-<id>: <why>`); status 0 when all came back (or none was lost), 1 when any stays lost.",
        ..cmd("resume", commands::resume::run)
    },
    Command {
        ids: Ids::Workers,
        usage: "looop flag <id> [message]",
        about: "Raise the worker's attention flag with a note. The next beat lists it under NEEDS YOU and may pop a tmux window for it.",
        ..cmd("flag", commands::flag::flag)
    },
    Command {
        ids: Ids::Workers,
        usage: "looop unflag <id>",
        about: "Clear the worker's attention flag.",
        ..cmd("unflag", commands::flag::unflag)
    },
    Command {
        flags: &["--all"],
        usage: "looop prune [--all]",
        about: "Delete finished and lost sessions older than the retention (all of them with --all) and print how many.",
        ..cmd("prune", commands::prune::run)
    },
    Command {
        flags: &["--session"],
        usage: "looop claim <name> [--session S]",
        about: "Take the lease claims/NAME.json for $LOOOP_SESSION_ID (or S). Exactly one of two racing claimers wins; the loser gets status 1 and the owner. A lease whose session is not alive is taken over.",
        ..cmd("claim", commands::claim::claim)
    },
    Command {
        flags: &["--session"],
        usage: "looop unclaim <name> [--session S]",
        about: "Release the lease claims/NAME.json held by $LOOOP_SESSION_ID (or S).",
        ..cmd("unclaim", commands::claim::unclaim)
    },
    Command {
        flags: &["--json", "--by"],
        words: &[
            "today", "week", "month", "all", "kind", "runner", "id", "day",
        ],
        usage: "looop cost [today|week|month|all] [--json] [--by kind|runner|id|day]",
        about: "Report spend from the cost ledger in local time (today; week = the last 7 days; month = since the 1st; all, the default): total, number of calls, a breakdown by kind and runner (or the one --by names; --by day draws a bar per day), and today's spend against the daily budget. Malformed ledger lines are skipped and counted.",
        ..cmd("cost", commands::cost::run)
    },
    Command {
        flags: &["--input-tokens", "--output-tokens"],
        usage: "looop _cost <kind> <id> <runner> <usd> [--input-tokens N] [--output-tokens N]",
        about: "Append one entry to the cost ledger. Workers report their spend with `\"$LOOOP_BIN\" _cost session \"$LOOOP_SESSION_ID\" <runner> <usd>`. The amount must be a finite number >= 0; anything else is refused with status 2 and nothing is written.",
        ..cmd("_cost", commands::cost::record)
    },
    Command {
        flags: &["--every", "--install", "--remove"],
        words: &["cron", "launchd", "systemd"],
        usage: "looop schedule cron|launchd|systemd [--every DURATION] [--install|--remove]",
        about: "Print a crontab line, launchd plist or systemd user service+timer that runs `looop tick` for this profile every --every (30s, 5m, 1h or seconds; default: the config's `interval`), with the absolute binary path, LOOOP_DATA_DIR, LOOOP_CONFIG, your current PATH and (cron) your tmux server spelled out, appending output to <data>/tick.log. cron counts whole minutes: under 60 s is refused, other values are rounded to one that divides the hour (or day), with a note. --install/--remove edit your crontab idempotently (other lines are kept), or for systemd write/delete the user units and run `systemctl --user enable --now` / `disable --now` on the timer.",
        ..cmd("schedule", commands::schedule::run)
    },
    Command {
        flags: &["--keep"],
        usage: "looop demo [--keep]",
        about: "A complete offline run of the loop in a temporary profile, with a scripted decider instead of an AI. Needs no agent CLI and no network. --keep leaves the profile for you to explore.",
        ..cmd("demo", commands::demo::run)
    },
    Command {
        aliases: &["config"],
        words: &["bash", "zsh", "fish"],
        usage: "looop completions bash|zsh|fish",
        about: "Print a shell completion script (commands, their flags, and worker and goal ids of this profile). Example: looop completions bash > ~/.local/share/bash-completion/completions/looop. `looop config` is another name for it.",
        ..builtin("completions", Handler::Completions)
    },
    Command {
        ids: Ids::Commands,
        usage: "looop help [COMMAND]",
        about: "Print the manual, or one command's usage.",
        ..builtin("help", Handler::Help)
    },
    Command {
        usage: "looop version",
        about: "Print looop's version.",
        ..cmd("version", help::version)
    },
    Command {
        flags: &["--lock-fd"],
        hidden: true,
        ..cmd("_supervise", commands::supervise::cmd_supervise)
    },
    Command {
        hidden: true,
        ..cmd("_complete", completions::ids)
    },
    Command {
        hidden: true,
        ..cmd("_hook", commands::hook::run)
    },
    Command {
        hidden: true,
        ..cmd("_demo_decide", commands::demo::decide)
    },
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_public_command_has_a_one_line_summary_in_the_manual() {
        let m = help::manual(COMMANDS);
        for c in COMMANDS.iter().filter(|c| c.public()) {
            let line = help::summary(c.about);
            assert!(!line.is_empty() && !line.contains('\n'), "{}", c.name);
            assert!(
                m.contains(&format!("  {}\n      {line}\n", c.usage)),
                "{}",
                c.name
            );
        }
    }

    use super::*;

    #[test]
    fn names_are_unique_and_usages_name_their_command() {
        let mut seen = std::collections::HashSet::new();
        for c in COMMANDS {
            for n in std::iter::once(&c.name).chain(c.aliases) {
                assert!(seen.insert(*n), "{n} twice");
            }
            assert_eq!(c.hidden, c.usage.is_empty(), "{}", c.name);
            if !c.hidden {
                assert!(c.usage.starts_with(&format!("looop {}", c.name)));
            }
            for f in c.flags {
                assert!(f.starts_with('-') && !f.contains('='), "{f}");
            }
        }
    }

    #[test]
    fn typos_get_suggestions() {
        assert_eq!(help::suggest(COMMANDS, "attch"), Some("attach"));
        assert_eq!(help::suggest(COMMANDS, "stauts"), Some("status"));
        assert_eq!(help::suggest(COMMANDS, "confg"), Some("config"));
        assert_eq!(help::suggest(COMMANDS, "zzzzzzzz"), None);
    }

    #[test]
    fn manual_lists_public_commands() {
        let m = help::manual(COMMANDS);
        assert!(m.contains("looop start-session"));
        assert!(!m.contains("_cost <kind>"));
        assert!(m.contains("looop completions bash|zsh|fish"));
    }

    #[test]
    fn an_alias_gets_its_own_synopsis() {
        let c = find("config").unwrap();
        assert!(help::usage(c, "config").starts_with("usage: looop config bash|zsh|fish"));
        assert!(help::usage(c, "completions").starts_with("usage: looop completions bash"));
    }

    #[test]
    fn scripts_offer_each_declared_flag_and_no_other() {
        let script = completions::bash(COMMANDS);
        for c in COMMANDS.iter().filter(|c| c.public()) {
            for f in c.flags {
                assert!(script.contains(f), "{} {f}", c.name);
            }
        }
        assert!(
            script.contains("        status)\n            COMPREPLY=( $(compgen -W \"--json\" --")
        );
        let fish = completions::fish(COMMANDS);
        assert!(fish.contains("__fish_seen_subcommand_from kill' -l grace"));
        assert!(completions::zsh(COMMANDS).contains("kill) (( CURRENT == 3 ))"));
    }
}
