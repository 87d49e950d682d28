//! Shell completions: `looop completions bash|zsh|fish` (or `looop config
//! ...`) prints a script generated from the command table, so it offers
//! exactly the commands and flags the parser accepts. The scripts call the
//! hidden `looop _complete workers|goals` so worker and goal ids are
//! completed from the profile in the user's current environment.

use super::args::Args;
use super::command::{Command, Ids};
use crate::paths::Profile;
use crate::{exit, ids};
use anyhow::Result;

/// `looop completions bash|zsh|fish`.
pub fn run(mut args: Args, commands: &[Command]) -> Result<i32> {
    let name = args.command().to_string();
    let shell = args.required("shell")?;
    args.finish()?;
    let script = match shell.as_str() {
        "bash" => bash(commands),
        "zsh" => zsh(commands),
        "fish" => fish(commands),
        other => {
            return Err(exit::usage(format!(
                "{name}: unknown shell {other:?} (bash, zsh or fish)"
            )));
        }
    };
    print!("{script}");
    Ok(0)
}

/// `looop _complete workers|goals`: ids, one per line, for the scripts.
/// Never fails loudly: a completion must not spray errors into a prompt.
pub fn ids(mut args: Args) -> Result<i32> {
    let what = args.required("what")?;
    let Ok(profile) = Profile::look() else {
        return Ok(0);
    };
    let (dir, prefix, suffix) = match what.as_str() {
        "workers" => (profile.sessions_dir(), ids::SESSION_PREFIX, ""),
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
        .filter(|n| ids::is_valid(n) && n != ids::PULSE_ID)
        .collect();
    names.sort();
    for n in names {
        println!("{n}");
    }
    Ok(0)
}

/// The public commands with every name they answer to.
fn public(commands: &[Command]) -> impl Iterator<Item = (&'static str, &Command)> {
    commands.iter().filter(|c| c.public()).flat_map(|c| {
        std::iter::once(c.name)
            .chain(c.aliases.iter().copied())
            .map(move |n| (n, c))
    })
}

fn command_names(commands: &[Command]) -> String {
    public(commands)
        .map(|(n, _)| n)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The shell command that prints the ids a command's first argument takes.
fn id_source(commands: &[Command], ids: Ids) -> Option<String> {
    match ids {
        Ids::None => None,
        Ids::Workers => Some("looop _complete workers 2>/dev/null".into()),
        Ids::Goals => Some("looop _complete goals 2>/dev/null".into()),
        Ids::Commands => Some(format!("echo {}", command_names(commands))),
    }
}

/// A command's fixed words: its flags and the words its arguments take.
fn words(c: &Command) -> String {
    c.flags
        .iter()
        .chain(c.words)
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn bash(commands: &[Command]) -> String {
    let mut arms = String::new();
    for (name, c) in public(commands) {
        let ids = match id_source(commands, c.ids) {
            Some(src) => format!(" $([ \"$COMP_CWORD\" -eq 2 ] && {src})"),
            None => String::new(),
        };
        let list = format!("{}{ids}", words(c));
        let list = list.trim_start();
        if list.is_empty() {
            continue;
        }
        arms.push_str(&format!(
            "        {name})\n            COMPREPLY=( $(compgen -W \"{list}\" -- \"$cur\") ) ;;\n"
        ));
    }
    format!(
        r#"# bash completion for looop
_looop() {{
    local cur cmd
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    cmd="${{COMP_WORDS[1]}}"
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=( $(compgen -W "{cmds}" -- "$cur") )
        return
    fi
    case "$cmd" in
{arms}    esac
}}
complete -F _looop looop
"#,
        cmds = command_names(commands),
    )
}

pub fn zsh(commands: &[Command]) -> String {
    let mut arms = String::new();
    for (name, c) in public(commands) {
        let mut body = Vec::new();
        if let Some(src) = id_source(commands, c.ids) {
            body.push(format!(
                "(( CURRENT == 3 )) && compadd -- ${{(f)\"$({src})\"}}"
            ));
        }
        let words = words(c);
        if !words.is_empty() {
            body.push(format!("compadd -- {words}"));
        }
        if !body.is_empty() {
            arms.push_str(&format!("        {name}) {} ;;\n", body.join("; ")));
        }
    }
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
{arms}    esac
}}
compdef _looop looop
"#,
        cmds = command_names(commands),
    )
}

pub fn fish(commands: &[Command]) -> String {
    let mut s = String::from("# fish completion for looop\ncomplete -c looop -f\n");
    for (name, c) in public(commands) {
        s.push_str(&format!(
            "complete -c looop -n '__fish_use_subcommand' -a {name} -d '{}'\n",
            c.summary().replace('\'', "\\'")
        ));
    }
    for (name, c) in public(commands) {
        let when = format!("complete -c looop -n '__fish_seen_subcommand_from {name}'");
        for flag in c.flags {
            match flag.strip_prefix("--") {
                Some(long) => s.push_str(&format!("{when} -l {long}\n")),
                None => s.push_str(&format!("{when} -s {}\n", &flag[1..])),
            }
        }
        if !c.words.is_empty() {
            s.push_str(&format!("{when} -a '{}'\n", c.words.join(" ")));
        }
        if let Some(src) = id_source(commands, c.ids) {
            s.push_str(&format!("{when} -a '({src})'\n"));
        }
    }
    s
}
