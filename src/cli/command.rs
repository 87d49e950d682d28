//! What the command table is made of: a [`Command`] row and its
//! [`Handler`]. The rows themselves are in [`super::table`].

use super::args::Args;
use anyhow::Result;

/// How a command runs.
#[derive(Clone, Copy)]
pub enum Handler {
    /// A function of its arguments.
    Run(fn(Args) -> Result<i32>),
    /// `help`, which reads the table.
    Help,
    /// `completions`, which reads the table.
    Completions,
}

/// What a command's first positional argument completes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ids {
    None,
    /// Worker ids of the profile (`looop _complete workers`).
    Workers,
    /// Goal ids of the profile (`looop _complete goals`).
    Goals,
    /// The names of the commands (`help`).
    Commands,
}

/// One command.
pub struct Command {
    pub name: &'static str,
    /// Other names that run the same command (`config` for `completions`).
    pub aliases: &'static [&'static str],
    pub handler: Handler,
    /// Every flag the command's parser takes, long and short forms.
    pub flags: &'static [&'static str],
    /// Words its arguments or flag values complete to (scopes, shells, ...).
    pub words: &'static [&'static str],
    pub ids: Ids,
    /// An internal mode looop runs itself: not in the manual, no usage.
    pub hidden: bool,
    /// The synopsis, starting `looop <name>`; empty for internal modes.
    pub usage: &'static str,
    /// One paragraph; its first sentence is the one-line description.
    pub about: &'static str,
}

impl Command {
    /// Whether `name` runs this command.
    pub fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }

    /// The first sentence of [`Command::about`].
    pub fn summary(&self) -> &'static str {
        self.about.split(". ").next().unwrap_or("")
    }

    /// Listed in the manual and offered by completions: neither an
    /// internal mode nor a `_`-command workers call (`_cost`).
    pub fn public(&self) -> bool {
        !self.hidden && !self.name.starts_with('_')
    }
}

/// The command in `commands` named `name` (or one of its aliases).
pub fn find<'a>(commands: &'a [Command], name: &str) -> Option<&'a Command> {
    commands.iter().find(|c| c.answers_to(name))
}
