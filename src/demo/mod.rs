//! `looop demo`: a complete, narrated, offline run of the loop.
//!
//! It builds a throwaway profile whose tick runner is the scripted decider in
//! [`decider`] (clearly not an AI) and whose worker runner is a bash script
//! ([`WORKER_SCRIPT`]) that follows the worker contract. Then it drives the
//! real binary the way a user would: beats, `ls`, `send`, `log`, `status`,
//! `cost`. It needs no agent CLI and no network, and removes the profile at
//! the end unless `--keep`. What it shows goes through [`Show`], printed by
//! the command.

pub mod decider;

use crate::paths::{self, Profile};
use crate::supervisor;
use anyhow::{Context, Result, anyhow, bail};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const WORKER_SCRIPT: &str = include_str!("worker.sh");

const GOAL_TEXT: &str = "# Goal: hello\n\nHave a worker ask the human one question and write \
reports/hello.md with the answer. Archive this goal once the report exists.\n";

/// What the demo shows as it goes, for the caller to print.
pub enum Show<'a> {
    /// The demo starts in this temporary data dir.
    Begin(&'a Path),
    /// A narrated step, about to run `looop <args>`.
    Step { what: &'a str, args: &'a [&'a str] },
    /// One line the step's command printed (its stdout, then its stderr).
    Output(&'a str),
    /// A remark between steps.
    Remark(&'a str),
    /// Waiting for the demo worker to get to `what`.
    Waiting(&'a str),
    /// The journal looop wrote during the demo.
    Journal(&'a str),
    /// Something went wrong that does not change the demo's outcome.
    Warning(String),
}

/// A demo profile left in place by `--keep`.
pub struct Kept {
    /// The temporary directory holding it all.
    pub root: PathBuf,
    pub profile: Profile,
}

/// How a demo that went well ended.
pub struct Finished {
    pub elapsed_secs: f64,
    pub kept: Option<Kept>,
}

/// Run the whole narrated demo in a fresh temporary profile, removed at
/// the end unless `keep` (and the demo went well).
pub fn run(keep: bool, show: &mut dyn FnMut(Show)) -> Result<Finished> {
    let started = Instant::now();
    let root = make_root()?;
    let demo = Demo::new(&root)?;
    let result = demo.run(show);
    // Whatever happened, no demo worker outlives the demo.
    demo.stop_workers(show);
    let kept = if result.is_ok() && keep {
        Some(Kept {
            root: root.clone(),
            profile: demo.profile.clone(),
        })
    } else {
        if let Err(e) = std::fs::remove_dir_all(&root) {
            show(Show::Warning(format!(
                "cannot remove {}: {e}",
                root.display()
            )));
        }
        None
    };
    result?;
    Ok(Finished {
        elapsed_secs: started.elapsed().as_secs_f64(),
        kept,
    })
}

/// A fresh private directory for the demo profile.
fn make_root() -> Result<PathBuf> {
    let base = std::env::temp_dir();
    for attempt in 0..100 {
        let dir = base.join(format!("looop-demo-{}-{attempt}", std::process::id()));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", dir.display())),
        }
    }
    bail!("cannot find a free demo directory under {}", base.display())
}

struct Demo {
    root: PathBuf,
    profile: Profile,
    bin: PathBuf,
}

impl Demo {
    fn new(root: &Path) -> Result<Demo> {
        let profile = Profile::at(root.join("config.toml"), root.join("data"));
        let bin = paths::current_exe()?;
        let worker = root.join("demo-worker.sh");
        crate::store::write_atomic_mode(&worker, WORKER_SCRIPT.as_bytes(), 0o755)?;
        let config = format!(
            "# The demo profile: a scripted decider instead of an AI.\n\
             runner = \"demo\"\n\
             interval = 5\n\
             git_commit = false\n\n\
             [runners.demo]\n\
             tick = \"{} _demo_decide\"\n\
             interactive = \"bash {} {{{{prompt_file}}}}\"\n",
            crate::shell::quote(&bin.display().to_string()),
            crate::shell::quote(&worker.display().to_string()),
        );
        crate::store::write_atomic(&profile.config, config.as_bytes())?;
        Ok(Demo {
            root: root.to_path_buf(),
            profile,
            bin,
        })
    }

    fn run(&self, show: &mut dyn FnMut(Show)) -> Result<()> {
        show(Show::Begin(&self.profile.data));

        self.step(
            show,
            "Create the profile: config, data dir, starter PLAYBOOK.",
            &["init"],
        )?;
        self.replace_goals()?;
        show(Show::Remark(
            "The demo swaps the starter goals for one goal, goals/hello.md.",
        ));

        self.step(
            show,
            "Beat 1: the world is new, so the decider is asked and starts a worker.",
            &["tick"],
        )?;
        self.wait_for(show, "the worker to flag itself", |s| s.flagged)?;
        self.step(
            show,
            "The worker took a lease, worked, and flagged a question:",
            &["ls"],
        )?;

        self.step(
            show,
            "Beat 2: the flag changed the world; the beat lists it under NEEDS YOU.",
            &["tick"],
        )?;
        self.step(
            show,
            "Answer the worker from a script (a human would `looop attach hello`):",
            &["send", "hello", "yes"],
        )?;
        self.wait_for(show, "the worker to finish", |s| !s.alive)?;
        self.step(
            show,
            "The worker's terminal, kept after it ended:",
            &["log", "hello"],
        )?;

        self.step(
            show,
            "Beat 3: the worker is gone and its report exists: the goal is archived.",
            &["tick"],
        )?;
        self.step(
            show,
            "Beat 4: archiving changed the goals; nothing is left to do.",
            &["tick"],
        )?;
        self.step(
            show,
            "Beat 5: nothing changed since beat 4, so no AI call at all.",
            &["tick"],
        )?;

        self.step(show, "Where things stand:", &["status"])?;
        self.step(
            show,
            "What it cost (the worker reported its own spend):",
            &["cost"],
        )?;
        let journal = std::fs::read_to_string(self.profile.journal()).unwrap_or_default();
        show(Show::Journal(&journal));
        Ok(())
    }

    /// Narrate, then run `looop <args>` in the demo profile, showing its output.
    fn step(&self, show: &mut dyn FnMut(Show), what: &str, args: &[&str]) -> Result<()> {
        show(Show::Step { what, args });
        let out = Command::new(&self.bin)
            .args(args)
            .env("LOOOP_DATA_DIR", &self.profile.data)
            .env("LOOOP_CONFIG", &self.profile.config)
            .env("LOOOP_TMUX_SURFACE", "0")
            // Runners start under `bash -lc`; a HOME of the demo's own keeps
            // the user's login scripts (and anything slow in them) out of it.
            .env("HOME", &self.root)
            .stdin(std::process::Stdio::null())
            .output()
            .with_context(|| format!("cannot run looop {}", args.join(" ")))?;
        for stream in [&out.stdout, &out.stderr] {
            for line in String::from_utf8_lossy(stream).lines() {
                show(Show::Output(line));
            }
        }
        if !out.status.success() {
            return Err(anyhow!(
                "demo step `looop {}` failed ({})",
                args.join(" "),
                out.status
            ));
        }
        Ok(())
    }

    fn replace_goals(&self) -> Result<()> {
        for stale in ["setup.md", "groom-playbook.md"] {
            let p = self.profile.goals_dir().join(stale);
            if p.exists() {
                std::fs::remove_file(&p)
                    .with_context(|| format!("cannot remove {}", p.display()))?;
            }
        }
        crate::store::write_atomic(
            &self
                .profile
                .goals_dir()
                .join(format!("{}.md", decider::GOAL)),
            GOAL_TEXT.as_bytes(),
        )
    }

    /// Wait (up to 15 s) until the demo worker's session satisfies `done`.
    fn wait_for(
        &self,
        show: &mut dyn FnMut(Show),
        what: &str,
        done: impl Fn(&supervisor::SessionView) -> bool,
    ) -> Result<()> {
        show(Show::Waiting(what));
        let session = format!("{}{}", crate::ids::SESSION_PREFIX, decider::GOAL);
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if supervisor::get(&self.profile, &session)?.is_some_and(|s| done(&s)) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the demo worker did not get to '{what}' within 15 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop_workers(&self, show: &mut dyn FnMut(Show)) {
        let Ok(sessions) = supervisor::list(&self.profile) else {
            return;
        };
        for s in sessions.iter().filter(|s| s.alive) {
            if let Err(e) = supervisor::kill(&self.profile, &s.session, Duration::from_secs(1)) {
                show(Show::Warning(format!(
                    "cannot stop demo session {}: {e:#}",
                    s.session
                )));
            }
        }
    }
}
