//! Shell completions: `looop config bash|zsh|fish` prints a script; the
//! scripts call the hidden `looop _complete workers|goals` so worker and goal
//! ids are completed from the profile in the user's current environment.

use crate::cli::{Args, help};
use crate::exit;
use crate::paths::Profile;
use anyhow::Result;

/// Commands whose first argument is a worker id.
const TAKES_WORKER: &[&str] = &["attach", "log", "send", "kill", "flag", "unflag"];

pub fn cmd_config(mut args: Args) -> Result<i32> {
    let shell = args.required("shell")?;
    args.finish()?;
    let commands: Vec<&str> = help::COMMANDS
        .iter()
        .map(|c| c.name)
        .filter(|n| !n.starts_with('_'))
        .collect();
    let script = match shell.as_str() {
        "bash" => bash(&commands),
        "zsh" => zsh(&commands),
        "fish" => fish(&commands),
        other => {
            return Err(exit::usage(format!(
                "config: unknown shell {other:?} (bash, zsh or fish)"
            )));
        }
    };
    print!("{script}");
    Ok(0)
}

/// `looop _complete workers|goals`: ids, one per line, for the scripts.
/// Never fails loudly: a completion must not spray errors into a prompt.
pub fn cmd_complete(mut args: Args) -> Result<i32> {
    let what = args.required("what")?;
    let Ok(profile) = Profile::from_env() else {
        return Ok(0);
    };
    let (dir, prefix, suffix) = match what.as_str() {
        "workers" => (profile.sessions_dir(), crate::ids::SESSION_PREFIX, ""),
        "goals" => (profile.goals_dir(), "", ".md"),
        _ => return Ok(0),
    };
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|n| {
            n.strip_prefix(prefix)
                .and_then(|n| n.strip_suffix(suffix))
                .map(str::to_string)
        })
        .filter(|n| crate::ids::is_valid(n) && n != crate::ids::PULSE_ID)
        .collect();
    names.sort();
    for n in names {
        println!("{n}");
    }
    Ok(0)
}

fn bash(commands: &[&str]) -> String {
    format!(
        r#"# bash completion for looop
_looop() {{
    local cur prev cmd
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    cmd="${{COMP_WORDS[1]}}"
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=( $(compgen -W "{cmds}" -- "$cur") )
        return
    fi
    case "$cmd" in
        {workers})
            [ "$COMP_CWORD" -eq 2 ] && COMPREPLY=( $(compgen -W "$(looop _complete workers 2>/dev/null)" -- "$cur") ) ;;
        run)
            [ "$COMP_CWORD" -eq 2 ] && COMPREPLY=( $(compgen -W "$(looop _complete goals 2>/dev/null)" -- "$cur") ) ;;
        cost)
            COMPREPLY=( $(compgen -W "today week month all --json --by kind runner id day" -- "$cur") ) ;;
        schedule)
            COMPREPLY=( $(compgen -W "cron launchd systemd --every --install --remove" -- "$cur") ) ;;
        config)
            COMPREPLY=( $(compgen -W "bash zsh fish" -- "$cur") ) ;;
        help)
            COMPREPLY=( $(compgen -W "{cmds}" -- "$cur") ) ;;
        ls|status)
            COMPREPLY=( $(compgen -W "--json --all" -- "$cur") ) ;;
    esac
}}
complete -F _looop looop
"#,
        cmds = commands.join(" "),
        workers = TAKES_WORKER.join("|"),
    )
}

fn zsh(commands: &[&str]) -> String {
    format!(
        r#"#compdef looop
# zsh completion for looop
_looop() {{
    local -a cmds
    cmds=({cmds})
    if (( CURRENT == 2 )); then
        compadd -a cmds
        return
    fi
    case "$words[2]" in
        {workers})
            (( CURRENT == 3 )) && compadd -- ${{(f)"$(looop _complete workers 2>/dev/null)"}} ;;
        run)
            (( CURRENT == 3 )) && compadd -- ${{(f)"$(looop _complete goals 2>/dev/null)"}} ;;
        cost) compadd -- today week month all --json --by kind runner id day ;;
        schedule) compadd -- cron launchd systemd --every --install --remove ;;
        config) compadd -- bash zsh fish ;;
        help) compadd -a cmds ;;
        ls|status) compadd -- --json --all ;;
    esac
}}
compdef _looop looop
"#,
        cmds = commands.join(" "),
        workers = TAKES_WORKER.join("|"),
    )
}

fn fish(commands: &[&str]) -> String {
    let mut s = String::from("# fish completion for looop\ncomplete -c looop -f\n");
    for c in help::COMMANDS.iter().filter(|c| !c.name.starts_with('_')) {
        let about = c
            .about
            .split(". ")
            .next()
            .unwrap_or("")
            .replace('\'', "\\'");
        s.push_str(&format!(
            "complete -c looop -n '__fish_use_subcommand' -a {} -d '{}'\n",
            c.name, about
        ));
    }
    s.push_str(&format!(
        "complete -c looop -n '__fish_seen_subcommand_from {}' -a '(looop _complete workers 2>/dev/null)'\n",
        TAKES_WORKER.join(" ")
    ));
    s.push_str("complete -c looop -n '__fish_seen_subcommand_from run' -a '(looop _complete goals 2>/dev/null)'\n");
    s.push_str(
        "complete -c looop -n '__fish_seen_subcommand_from cost' -a 'today week month all'\n",
    );
    s.push_str(
        "complete -c looop -n '__fish_seen_subcommand_from schedule' -a 'cron launchd systemd'\n",
    );
    s.push_str("complete -c looop -n '__fish_seen_subcommand_from config' -a 'bash zsh fish'\n");
    s.push_str(&format!(
        "complete -c looop -n '__fish_seen_subcommand_from help' -a '{}'\n",
        commands.join(" ")
    ));
    s
}
