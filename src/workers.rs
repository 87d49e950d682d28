//! Starting a worker (what `looop start-session` and the pulse's
//! `start_worker` move do): a worker agent detached under its own
//! supervisor, with the WORKER CONTRACT in front of its prompt.
//!
//! The checks (one live session per name, the `max_workers` cap, a known
//! runner, the daily budget) and the launch run under one short profile
//! lock, so two racing starts cannot both squeeze under the cap.

use crate::config::Config;
use crate::ids::{self, WorkerId};
use crate::paths::Profile;
use crate::supervisor::{self, SessionView, State};
use crate::{exit, store};
use anyhow::{Context, Result};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The rules every worker gets before its task. `{id}`, `{session}` and
/// `{runner}` are filled in, and every line becomes a `#` comment (see
/// [`as_shell_comments`]).
const WORKER_CONTRACT: &str = r#"# WORKER CONTRACT (looop)

You are worker `{id}`, running as session `{session}` with runner `{runner}`,
started by looop, a control loop that a person runs unattended. A human may
attach to this terminal at any time. Follow these rules for the whole task:

1. Never send OS or desktop notifications yourself. When you need a human
   (a decision, a permission, a credential, an unclear goal), raise a flag and
   wait for the answer in this terminal:
       "$LOOOP_BIN" flag "$LOOOP_SESSION_ID" "<your question, one line>"
   Once you have the answer, lower it:
       "$LOOOP_BIN" unflag "$LOOOP_SESSION_ID"
2. Before working on something shared, take a lease on it, and give it back
   when done (a lease you hold dies with your session):
       "$LOOOP_BIN" claim <name>
       "$LOOOP_BIN" unclaim <name>
   If the claim is refused, someone else owns that work: do not touch it.
3. Do not edit PLAYBOOK.md, goals/ or sensors/ in the data dir. Propose the
   change in reports/{id}.md and raise a flag instead. The only exception: a
   task that is explicitly a meta task, after the human approved the diff.
4. For code, make your own git worktree (or clone); never work inside
   someone else's checkout.
5. Write what the human should read (results, findings, proposals) under
   reports/ in the data dir ($LOOOP_DATA_DIR/reports/).
6. Report what you spent, in US dollars, before you finish:
       "$LOOOP_BIN" _cost session "$LOOOP_SESSION_ID" {runner} <usd>
7. When the task is done (or cannot be done), end your own session:
       "$LOOOP_BIN" kill "$LOOOP_SESSION_ID"

# YOUR TASK

"#;

/// Whether a session that holds its supervisor lock has in fact ended (its
/// supervisor only flushing the last output to attachers) and lets go
/// within a few seconds, so a finished session is replaced, not refused.
pub fn lets_go_after_its_end(profile: &Profile, session: &str) -> Result<bool> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        // `alive` is false once the end is recorded, lock or not.
        let ended = supervisor::get(profile, session)?.is_some_and(|v| !v.alive);
        if !ended {
            return Ok(false);
        }
        if !supervisor::is_alive(profile, session) {
            return Ok(true);
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Every line as a shell comment (`#`, `# text`), so a prompt file run as a
/// script (`bash {{prompt_file}}`, a scripted stand-in for an agent) executes
/// only the task after the contract, never the commands the contract quotes.
/// An agent reads the same rules either way.
fn as_shell_comments(text: &str) -> String {
    text.lines()
        .map(|l| match l {
            "" => "#\n".to_string(),
            l if l.starts_with('#') => format!("{l}\n"),
            l => format!("# {l}\n"),
        })
        .collect()
}

/// How to start a worker, beyond its id and prompt.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The runner; default the config's `runner`.
    pub runner: Option<String>,
    /// Start even when the daily budget is reached.
    pub force: bool,
    /// Where the worker runs (an absolute path); default the data dir.
    pub cwd: Option<PathBuf>,
    /// Run in the worker's own git worktree of the repository that holds
    /// the directory (see [`crate::worktree`]).
    pub worktree: bool,
    /// The goal the worker serves, recorded in its session record.
    pub goal: Option<String>,
}

/// Start worker `id` on `prompt`. Refused (status 1, nothing started) when
/// a live session of that name exists, when `max_workers` workers are live
/// (the pulse never counts), when the runner is unknown, when the daily
/// budget is reached unless `force`, when `cwd` is not a directory, or when
/// a worktree is asked for outside a git repository.
pub fn start(
    profile: &Profile,
    config: &Config,
    id: &WorkerId,
    prompt: &str,
    opts: &Options,
) -> Result<SessionView> {
    if id.is_pulse() {
        return Err(exit::refused(format!(
            "id {:?} is reserved for the pulse session",
            ids::PULSE_ID
        )));
    }
    let runner_name = opts.runner.as_deref().unwrap_or(&config.runner);
    let runner = config.runner(runner_name)?;
    let session = id.session();
    store::ensure_dir(&profile.sessions_dir(), 0o700)?;
    let guard = store::Lock::acquire(&profile.sessions_dir().join(".start.lock"))?;
    refuse_unless_room(
        profile,
        config,
        &session,
        runner_name,
        opts.force,
        Verb::Start,
    )?;
    let cwd = work_dir(profile, id, opts)?;
    forget_first_start(profile, &session)?;
    // A fresh start gets a fresh agent session: the old one's spend is
    // metered to its end first.
    crate::meter::forget(profile, &config.prices, &session)?;
    let prompt_file = write_prompt(profile, id, &session, runner_name, prompt)?;
    let spec = crate::worker_launch::spec(
        profile,
        crate::worker_launch::Launch {
            session: &session,
            runner_name,
            runner,
            template: &runner.interactive,
            prompt_file: Some(&prompt_file),
            agent_session: runner.agent.looop_chooses_session_id().then(ids::uuid_v4),
            cwd: &cwd,
            goal: opts.goal.clone(),
        },
    )?;
    let missing = program_not_found(&runner.interactive);
    let view = supervisor::launch(profile, config, &spec)?;
    // Others may start workers while this one is watched.
    drop(guard);
    if missing.is_none() && prompt.len() < ARG_RISK {
        return Ok(view);
    }
    unless_it_ends_at_once(profile, view, missing.as_deref())
}

/// A fresh start is a new worker: the first start an earlier worker of
/// the name noted when it was resumed is not its own.
fn forget_first_start(profile: &Profile, session: &str) -> Result<()> {
    let path = crate::session_record::first_started_path(&profile.session_dir(session));
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
    }
}

/// What a prune did.
#[derive(Debug)]
pub struct Pruned {
    /// How many sessions were deleted.
    pub sessions: usize,
    /// The worktrees of sessions that are gone: removed, or kept and why.
    pub worktrees: crate::worktree::Tidy,
}

/// Delete finished and lost sessions older than `older_than` (all when
/// `None`), then the worktrees of sessions that are gone, unless they hold
/// uncommitted changes.
pub fn prune(profile: &Profile, older_than: Option<Duration>) -> Result<Pruned> {
    let sessions = supervisor::prune(profile, older_than)?;
    let worktrees = crate::worktree::tidy(profile)?;
    Ok(Pruned {
        sessions,
        worktrees,
    })
}

/// Where the worker runs: `opts.cwd` (which must be a directory) or the
/// data dir, or the worker's own worktree of the repository holding that.
fn work_dir(profile: &Profile, id: &WorkerId, opts: &Options) -> Result<PathBuf> {
    let dir = match &opts.cwd {
        Some(dir) => std::fs::canonicalize(dir)
            .ok()
            .filter(|d| d.is_dir())
            .ok_or_else(|| {
                exit::refused(format!(
                    "working directory {} is not a directory",
                    dir.display()
                ))
            })?,
        None => profile.data.clone(),
    };
    if opts.worktree {
        crate::worktree::ensure(profile, id.as_str(), &dir)
    } else {
        Ok(dir)
    }
}

/// Refuse (status 1) a start or a resume that finds `session` live, the
/// `max_workers` cap reached, or (unless `force`) its runner paused or the
/// daily budget spent. Runs under the start lock.
pub fn refuse_unless_room(
    profile: &Profile,
    config: &Config,
    session: &str,
    runner: &str,
    force: bool,
    verb: Verb,
) -> Result<()> {
    if supervisor::is_alive(profile, session) && !lets_go_after_its_end(profile, session)? {
        return Err(exit::refused(match verb {
            Verb::Start => format!("session {session} is already running"),
            Verb::Resume => format!("cannot resume {session}: it is still running"),
        }));
    }
    if let Some(live) = supervisor::live_workers_if_at(profile, config.max_workers)? {
        let (doing, _) = verb.words();
        return Err(exit::refused(format!(
            "{live} workers are live and max_workers is {}; not {doing} {session}",
            config.max_workers
        )));
    }
    if !force {
        refuse_if_paused(profile, config, session, runner, verb)?;
    }
    Ok(())
}

/// Which launch is refused (a start or a resume), for its message.
#[derive(Debug, Clone, Copy)]
pub enum Verb {
    Start,
    Resume,
}

impl Verb {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Verb::Start => ("starting", "start"),
            Verb::Resume => ("resuming", "resume"),
        }
    }
}

/// Refuse (status 1) launching `session` on `runner` while a pause stops
/// new spend (CONTRACT §11): the runner paused (usage limit or budget), or
/// the daily budget reached. `start-session` and `resume` share it; both
/// skip it with `--force`.
fn refuse_if_paused(
    profile: &Profile,
    config: &Config,
    session: &str,
    runner: &str,
    verb: Verb,
) -> Result<()> {
    let (doing, act) = verb.words();
    if let Some(pause) = crate::pause::of_runner(profile, runner, chrono::Utc::now())? {
        return Err(exit::refused(format!(
            "runner {runner} is {}: {}; not {doing} {session} (use --force to {act} anyway)",
            pause.describe(),
            pause.message
        )));
    }
    // No budget, nothing read; else live workers' spend is metered first.
    if config.daily_budget_usd > 0.0 {
        crate::meter::bring_up_to_date(profile, &config.prices)?;
        let budget = crate::ledger::budget_status(profile, config)?;
        if budget.reached() {
            return Err(exit::refused(format!(
                "the daily budget is reached (${:.2} of ${:.2}); not {doing} {session} (use --force to {act} anyway)",
                budget.spent_today_usd, budget.budget_usd
            )));
        }
    }
    Ok(())
}

/// Write `prompts/<session>.md`: the worker contract as shell comments, then
/// the task. Returns its path.
fn write_prompt(
    profile: &Profile,
    id: &WorkerId,
    session: &str,
    runner_name: &str,
    prompt: &str,
) -> Result<PathBuf> {
    store::ensure_dir(&profile.prompts_dir(), 0o755)?;
    let prompt_file = profile.prompts_dir().join(format!("{session}.md"));
    let contract = WORKER_CONTRACT
        .replace("{id}", id.as_str())
        .replace("{session}", session)
        .replace("{runner}", runner_name);
    let text =
        as_shell_comments(&contract) + prompt + if prompt.ends_with('\n') { "" } else { "\n" };
    supervisor::replace_private(&prompt_file, text.as_bytes())?;
    Ok(prompt_file)
}

/// How long a launch whose program was not found here, or whose prompt is
/// big, is watched for the "command not found" or "Argument list too long"
/// exit of the worker's login shell.
const WATCH_MISSING: Duration = Duration::from_secs(3);

/// A prompt this long would break a command line that carries its text
/// (Linux refuses one argument over 128 KiB): such a launch is watched.
/// The presets carry only a pointer to the prompt file.
const ARG_RISK: usize = 96 * 1024;

/// The program a runner's command starts, when it is a plain word found
/// neither on this process's PATH nor as an executable path. The worker's
/// login shell may still find it (its PATH can be longer), so this only
/// marks a launch to watch; a program that is found costs the launch
/// nothing.
fn program_not_found(command: &str) -> Option<String> {
    let first = command.split_whitespace().next()?;
    let plain = first
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._+-/".contains(c));
    if !plain || crate::worker_launch::SHELL_WORDS.contains(&first) {
        return None;
    }
    let runs = |p: &Path| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    let found = if first.contains('/') {
        runs(Path::new(first))
    } else {
        std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|dir| runs(&dir.join(first))))
    };
    (!found).then(|| first.to_string())
}

/// A worker whose program is missing, or whose command line is over the
/// kernel's limit, dies at once with 126/127 in a session that
/// `start-session` would otherwise report as started: wait for that end (a
/// little while at most) and fail the launch with the reason its shell
/// printed, leaving the session and its log to read.
fn unless_it_ends_at_once(
    profile: &Profile,
    view: SessionView,
    program: Option<&str>,
) -> Result<SessionView> {
    let deadline = Instant::now() + WATCH_MISSING;
    let mut now = view;
    loop {
        let ended = !now.alive && !matches!(now.state, State::Running | State::Starting);
        if let (true, Some(code @ (126 | 127))) = (ended, now.exit_code) {
            return Err(exit::refused(format!(
                "session {} ended at once with status {code}: {} (see 'looop log {}')",
                now.session,
                why_it_could_not_run(profile, &now.session, program),
                now.id
            )));
        }
        if ended || Instant::now() >= deadline {
            return Ok(now);
        }
        std::thread::sleep(Duration::from_millis(20));
        if let Some(fresh) = supervisor::get(profile, &now.session)? {
            now = fresh;
        }
    }
}

/// What the shell's last words say: a command line over the kernel's limit
/// (E2BIG), else the program that could not run.
fn why_it_could_not_run(profile: &Profile, session: &str, program: Option<&str>) -> String {
    let mut tail = Vec::new();
    let opts = supervisor::LogOptions {
        tail: Some(5),
        follow: false,
        raw: false,
    };
    // Only for the wording: an unreadable log leaves the generic reason.
    let _ = supervisor::verbs::log(profile, session, &opts, &mut tail);
    let tail = String::from_utf8_lossy(&tail);
    if tail.to_lowercase().contains("argument list too long") {
        return "argument list too long: the runner's command line is over the kernel's limit \
                (one argument may hold 128 KiB on Linux); pass a pointer to {{prompt_file}}, \
                not the prompt's text"
            .to_string();
    }
    match program {
        Some(program) => format!("{program:?} is not installed or cannot run"),
        None => match tail.lines().rev().find(|l| !l.trim().is_empty()) {
            Some(last) => format!(
                "its command could not run: {}",
                crate::text::visible::one_line(last.trim())
            ),
            None => "its command could not run".to_string(),
        },
    }
}
