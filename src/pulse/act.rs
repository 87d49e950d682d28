//! Carrying out the one validated move. looop acts, not the AI: every file
//! write is atomic, a `run` command is screened by the tripwire and bounded
//! by `tick_timeout`, and a move that cannot be carried out fails the beat
//! with the reason instead of half-happening.

use super::moves::{Action, Move};
use super::tripwire;
use crate::config::{COMMAND, Config};
use crate::ids::{self, WorkerId};
use crate::paths::Profile;
use crate::proc::{self, Cut, Limits};
use crate::{events, store, supervisor};
use anyhow::{Context, Result};
use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How many earlier PLAYBOOKs `playbook.d/` keeps.
const PLAYBOOK_HISTORY: usize = 20;
/// Grace between TERM and KILL for `kill_worker`.
const KILL_GRACE: Duration = Duration::from_secs(5);

/// Why a move cannot run, checked before anything happens.
pub fn refusal(profile: &Profile, mv: &Move) -> Option<String> {
    match &mv.action {
        Action::Run { command } => {
            tripwire::check(command).map(|why| format!("run refused by the tripwire: {why}"))
        }
        Action::ArchiveGoal { id } if !profile.goals_dir().join(format!("{id}.md")).is_file() => {
            Some(format!(
                "archive_goal: there is no goal {id:?} (goals/{id}.md)"
            ))
        }
        _ => None,
    }
}

/// Execute the move. `Ok(Some(extra))` adds a note to the journal line
/// (how a `run` failed); `Err(reason)` fails the beat.
pub fn execute(
    profile: &Profile,
    config: &Config,
    mv: &Move,
    run_dir: &Path,
    env: &[(String, OsString)],
) -> std::result::Result<Option<String>, String> {
    if let Some(why) = refusal(profile, mv) {
        return Err(why);
    }
    let done = match &mv.action {
        Action::Noop | Action::AskHuman { .. } => Ok(None),
        Action::StartWorker {
            id,
            prompt,
            runner,
            cwd,
            worktree,
            goal,
        } => {
            let opts = crate::workers::Options {
                runner: runner.clone(),
                force: false,
                // Relative to the data dir, where the tick AI runs.
                cwd: cwd.as_ref().map(|dir| profile.data.join(dir)),
                worktree: *worktree,
                goal: goal.clone(),
            };
            start_worker(profile, config, id, prompt, &opts)
        }
        Action::WriteGoal { id, body } => store::write_atomic(
            &profile.goals_dir().join(format!("{id}.md")),
            with_newline(body).as_bytes(),
        )
        .map(|_| None),
        Action::ArchiveGoal { id } => archive_goal(profile, id).map(|_| None),
        Action::WriteSensor { name, script } => store::write_atomic_mode(
            &profile.sensors_dir().join(name),
            with_newline(script).as_bytes(),
            0o755,
        )
        .map(|_| None),
        Action::WritePlaybook { body } => write_playbook(profile, body).map(|_| None),
        Action::Run { command } => run_command(config, command, profile, run_dir, env)
            .map(|note| Some(note).filter(|n| !n.is_empty())),
        Action::KillWorker { id } => kill_worker(profile, id).map(|_| None),
        Action::ResumeWorker { id } => resume_worker(profile, config, id).map(|_| None),
    };
    done.map_err(|e| format!("{} failed: {e:#}", mv.action.kind()))
}

fn with_newline(s: &str) -> String {
    if s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

fn start_worker(
    profile: &Profile,
    config: &Config,
    id: &str,
    prompt: &str,
    opts: &crate::workers::Options,
) -> Result<Option<String>> {
    let id = WorkerId::parse(id)?;
    let view = crate::workers::start(profile, config, &id, prompt, opts)?;
    println!("started {}", view.session);
    Ok(None)
}

fn archive_goal(profile: &Profile, id: &str) -> Result<()> {
    let from = profile.goals_dir().join(format!("{id}.md"));
    let archive = profile.archive_dir();
    store::ensure_dir(&archive, 0o755)?;
    let mut to = archive.join(format!("{id}.md"));
    if to.exists() {
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
        to = archive.join(format!("{id}-{stamp}.md"));
    }
    std::fs::rename(&from, &to)
        .with_context(|| format!("cannot move {} to {}", from.display(), to.display()))
}

fn write_playbook(profile: &Profile, body: &str) -> Result<()> {
    let current = profile.playbook();
    if current.exists() {
        let history = profile.playbook_history_dir();
        store::ensure_dir(&history, 0o755)?;
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
        // Within one second, number on from the highest copy of that second
        // (not the first free name: pruning frees the oldest names).
        let last = std::fs::read_dir(&history)
            .with_context(|| format!("cannot read {}", history.display()))?
            .filter_map(|e| e.ok())
            .map(|e| history_order(&e.path()))
            .filter(|(s, _)| *s == stamp)
            .map(|(_, n)| n)
            .max();
        let keep = match last {
            None => history.join(format!("{stamp}.md")),
            Some(n) => history.join(format!("{stamp}-{}.md", n + 1)),
        };
        std::fs::copy(&current, &keep)
            .with_context(|| format!("cannot keep the old PLAYBOOK as {}", keep.display()))?;
        prune_history(&history)?;
    }
    store::write_atomic(&current, with_newline(body).as_bytes())
}

fn prune_history(dir: &Path) -> Result<()> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    names.sort_by_key(|p| history_order(p));
    let excess = names.len().saturating_sub(PLAYBOOK_HISTORY);
    for old in &names[..excess] {
        std::fs::remove_file(old).with_context(|| format!("cannot remove {}", old.display()))?;
    }
    Ok(())
}

/// Oldest first: by the `YYYYMMDD-HHMMSS` stamp, then by the `-N` suffix a
/// rewrite within the same second gets (plain name sorting would put `-10`
/// before `-2`, and the unsuffixed first copy after both).
fn history_order(path: &Path) -> (String, u64) {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    const STAMP_LEN: usize = "YYYYMMDD-HHMMSS".len();
    match (stem.get(..STAMP_LEN), stem.get(STAMP_LEN..)) {
        (Some(stamp), Some("")) => (stamp.to_string(), 1),
        (Some(stamp), Some(rest)) => match rest.strip_prefix('-').and_then(|n| n.parse().ok()) {
            Some(n) => (stamp.to_string(), n),
            None => (stem, 0),
        },
        _ => (stem, 0),
    }
}

/// `bash -c <command>` in the data dir, output to `run.log`, bounded by
/// `tick_timeout` (the whole group is killed). With `run_sandbox` set, bash
/// runs the template with `{{command}}` replaced by the command, quoted: the
/// command runs inside that boundary. Returns the journal note: empty on
/// exit 0, else how it ended and where its output is.
fn run_command(
    config: &Config,
    command: &str,
    profile: &Profile,
    run_dir: &Path,
    env: &[(String, OsString)],
) -> Result<String> {
    let log_path = run_dir.join("run.log");
    let log = crate::store::create_private(&log_path)?;
    let err = log
        .try_clone()
        .with_context(|| format!("cannot reuse {}", log_path.display()))?;
    let line = match &config.run_sandbox {
        Some(template) => template.replace(COMMAND, &crate::shell::quote(command)),
        None => command.to_string(),
    };
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(line)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err);
    let mut child = proc::spawn(&mut cmd, Some(&profile.data), env).context("cannot start bash")?;
    super::orphans::record(profile, &[child.id()]);
    let deadline = Instant::now() + Duration::from_secs(config.tick_timeout_secs);
    let ended = proc::run_one(&mut child, None, &Limits::until(deadline), |_| {});
    let rel = log_path
        .strip_prefix(&profile.data)
        .unwrap_or(&log_path)
        .display()
        .to_string();
    Ok(match ended.cut {
        Some(Cut::Stopped) => format!("[interrupted; output in {rel}]"),
        Some(_) => format!(
            "[timed out after {}s; output in {rel}]",
            config.tick_timeout_secs
        ),
        None => {
            let status = ended.status.context("cannot wait for the command")?;
            match (status.code(), status.signal()) {
                // Success needs no note: the line keeps the contract's plain
                // `<move> <target>: <journal>` form.
                (Some(0), _) => String::new(),
                (Some(code), _) => format!("[exit {code}; output in {rel}]"),
                (None, Some(sig)) => format!("[killed by signal {sig}; output in {rel}]"),
                _ => format!("[failed; output in {rel}]"),
            }
        }
    })
}

fn kill_worker(profile: &Profile, id: &str) -> Result<()> {
    let id = WorkerId::parse(id)?;
    if id.is_pulse() {
        return Err(crate::exit::refused(
            "kill_worker: the pulse is not a worker",
        ));
    }
    if supervisor::get(profile, &id.session())?.is_none() {
        return Err(crate::exit::refused(format!("no worker {id}")));
    }
    supervisor::kill(profile, &id.session(), KILL_GRACE)?;
    Ok(())
}

fn resume_worker(profile: &Profile, config: &Config, id: &str) -> Result<()> {
    let id = WorkerId::parse(ids::bare(id))?;
    // As `start_worker`: no --force for the tick AI.
    let view = crate::resume::resume(profile, config, &id, false)?;
    println!("resumed {}", view.session);
    Ok(())
}

/// The `needs_you` event for an `ask_human` move.
pub fn ask_event(profile: &Profile, message: &str) {
    events::emit(
        profile,
        "needs_you",
        &serde_json::json!({"kind": "ask_human", "message": message}),
    );
}
