//! Where a worker works and how it ends (contract §8): the `ls --json`
//! fields, `--cwd`, `--worktree`, `--goal`, the `done` state, and the
//! worker's environment.

mod support;

use support::*;

#[test]
fn ls_json_has_the_section_8_fields() {
    let p = Profile::shells("");
    p.start_bash("fields");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&p.ok(&["ls", "--json"], 0)).unwrap();
    let row = rows.iter().find(|r| r["id"] == "fields").expect("row");
    for key in [
        "cwd",
        "goal",
        "agent",
        "agent_session",
        "activity",
        "activity_since",
        "cost_usd",
        "resumable",
    ] {
        assert!(row.get(key).is_some(), "no {key:?} in {row}");
    }
    assert_eq!(row["cwd"], p.data.display().to_string(), "{row}");
    assert!(row["goal"].is_null(), "{row}");
    p.ok(&["kill", "fields"], 0);
}

/// The worker contract's last step, `looop kill "$LOOOP_SESSION_ID"`, ends
/// the session `done`; a kill from anyone else still reads `killed`.
#[test]
fn a_worker_that_kills_itself_is_done_and_one_killed_by_others_is_killed() {
    let env = env_with("");
    env.answer(&noop("watching"));
    let go = env.data.join("go");
    let code = format!(
        "while [ ! -e {} ]; do sleep 0.05; done; \"$LOOOP_BIN\" kill \"$LOOOP_SESSION_ID\"; sleep 30",
        go.display()
    );
    start_worker(&env, "finisher", &code);
    start_worker(&env, "victim", "sleep 300");
    env.ok(&["tick"], 0);

    std::fs::write(&go, "").unwrap();
    env.wait_row("finisher", "finisher ended", |r| !r.alive);
    env.ok(&["kill", "victim", "--grace", "0"], 0);

    let done = row_json(&env, "finisher").unwrap();
    assert_eq!(done["state"], "done", "{done}");
    assert!(done["exit_code"].is_null(), "{done}");
    assert_eq!(row_json(&env, "victim").unwrap()["state"], "killed");

    let ls = env.ok(&["ls"], 0);
    let line = ls.lines().find(|l| l.starts_with("finisher")).unwrap();
    assert!(line.contains("done") && !line.contains("143"), "{ls}");
    let status = env.ok(&["status"], 0);
    let line = status.lines().find(|l| l.contains("finisher")).unwrap();
    assert!(line.contains("done") && !line.contains("143"), "{status}");

    let states: Vec<(String, String)> = env
        .events("session_exited")
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap().into(),
                e["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        states.contains(&("finisher".into(), "done".into())),
        "{states:?}"
    );
    assert!(
        states.contains(&("victim".into(), "killed".into())),
        "{states:?}"
    );

    // WHAT CHANGED, printed by the beat and given to the tick AI.
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("worker finisher: running -> done"), "{out}");
    assert!(out.contains("worker victim: running -> killed"), "{out}");
    let prompt = env.prompt(env.calls());
    assert!(
        prompt.contains("worker finisher: running -> done"),
        "{prompt}"
    );
    assert!(prompt.contains("- finisher [done]"), "{prompt}");
}

/// A worker started from inside tmux does not think it runs in tmux.
#[test]
fn workers_do_not_inherit_tmux_variables() {
    let p = Profile::shells("");
    let out = p
        .cmd(&["start-session", "plain", "t", "cmd"])
        .env(
            "LOOOP_T_CMD",
            "echo \"tmux=[${TMUX-unset}] pane=[${TMUX_PANE-unset}] other=[$LOOOP_T_OTHER]\"",
        )
        .env("TMUX", "/tmp/tmux-0/default,1,0")
        .env("TMUX_PANE", "%3")
        .env("LOOOP_T_OTHER", "kept")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let log = p.wait_log("plain", "other=");
    assert!(
        log.contains("tmux=[unset] pane=[unset] other=[kept]"),
        "{log}"
    );
}

/// A private tmux server (its own socket in a temp dir), killed on drop.
struct Tmux {
    socket: std::path::PathBuf,
}

impl Tmux {
    fn new(dir: &std::path::Path) -> Tmux {
        Tmux {
            socket: dir.join("tmux.sock"),
        }
    }

    fn run(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .output()
            .unwrap();
        assert!(out.status.success(), "tmux {args:?}: {}", show(&out));
        text(&out.stdout)
    }

    /// The pane's text (`-e`: with its attributes as escapes).
    fn screen(&self, escapes: bool) -> String {
        let mut args = vec!["capture-pane", "-p", "-t", "t"];
        if escapes {
            args.push("-e");
        }
        self.run(&args)
    }

    fn wait_screen(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        wait_for(DEADLINE_SECS, what, || {
            last = self.screen(false);
            f(&last)
        });
        last
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

/// Attach to a worker in a tmux pane, detach with the chord, and look at
/// what the pane shows then: the detach line on a clean screen, nothing of
/// the worker's dialog, the cursor shown, the normal screen, no mouse mode.
fn detach_leaves_a_clean_terminal(id: &str, draw: &str) {
    let p = Profile::shells("");
    p.start_cmd(id, &format!("{draw}; sleep 300"));
    p.wait_log(id, "DIALOG-9");
    let tmux = Tmux::new(p.tmp.path());
    let attach = format!(
        "env LOOOP_DATA_DIR={} LOOOP_CONFIG={} HOME={} {} attach {id}; echo attach-status=$?; sleep 600",
        p.data.display(),
        p.config.display(),
        p.tmp.path().display(),
        env!("CARGO_BIN_EXE_looop"),
    );
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "80",
        "-y",
        "24",
        &attach,
    ]);
    tmux.run(&["set-option", "-t", "t", "status", "off"]);
    tmux.wait_screen("the dialog on the attached pane", |s| {
        s.contains("DIALOG-9")
    });
    tmux.run(&["send-keys", "-t", "t", "C-\\", "C-\\"]);
    let screen = tmux.wait_screen("attach to exit", |s| s.contains("attach-status="));
    assert!(
        !screen.contains("DIALOG"),
        "remnants after detach:\n{screen}"
    );
    let lines: Vec<&str> = screen.lines().collect();
    assert_eq!(
        lines[0],
        format!("[detached from looop-{id}; it keeps running]"),
        "{screen}"
    );
    assert_eq!(lines[1], "attach-status=0", "{screen}");
    // No attribute of the worker's is left on the detach line.
    let plain = tmux.screen(true);
    assert!(
        plain.starts_with(&format!("[detached from looop-{id}")),
        "{plain:?}"
    );
    let flags = tmux.run(&[
        "display-message",
        "-p",
        "-t",
        "t",
        "#{alternate_on} #{cursor_flag} #{mouse_any_flag}",
    ]);
    assert_eq!(flags.trim(), "0 1 0", "alternate, cursor, mouse");
    assert!(p.row(id).unwrap().alive, "detach must not end the worker");
}

#[test]
fn detach_from_an_inline_dialog_leaves_a_clean_terminal() {
    // Like claude: drawn on the normal screen, cursor hidden, colours on.
    detach_leaves_a_clean_terminal(
        "inline",
        r"printf '\033[?25l\033[?1000h\033[?2004h\033[1;31m'; for i in 1 2 3 4 5 6 7 8 9; do printf '  | DIALOG-%s do you trust this folder? |\n' $i; done",
    );
}

#[test]
fn detach_from_a_full_screen_dialog_leaves_a_clean_terminal() {
    // Like codex and opencode: the alternate screen, a scroll region.
    detach_leaves_a_clean_terminal(
        "fullscreen",
        r"printf '\033[?1049h\033[?25l\033[?1003h\033[2;20r\033[44m'; for i in 1 2 3 4 5 6 7 8 9; do printf '\033[%s;5H DIALOG-%s approve? ' $((i+2)) $i; done",
    );
}

/// `git args` in `dir`, with an identity of its own (HOME is a temp dir).
fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", show(&out));
    text(&out.stdout)
}

/// A git repository `<tmp>/app` with one commit (a README) and a `src/`.
fn repo(p: &Profile) -> std::path::PathBuf {
    let repo = p.tmp.path().join("app");
    std::fs::create_dir_all(repo.join("src")).unwrap();
    git(&repo, &["init", "-q"]);
    std::fs::write(repo.join("README"), "readme-of-main\n").unwrap();
    std::fs::write(repo.join("src/lib.rs"), "\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "first"]);
    repo.canonicalize().unwrap()
}

/// Starts worker `id` (runner `cmd`) running `code`, from `from`, with
/// `extra` arguments; the output.
fn start_in(
    p: &Profile,
    from: &std::path::Path,
    id: &str,
    code: &str,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec!["start-session", id, "task", "cmd"];
    args.extend_from_slice(extra);
    p.cmd(&args)
        .current_dir(from)
        .env("LOOOP_T_CMD", code)
        .output()
        .unwrap()
}

#[test]
fn cwd_is_relative_to_the_caller_and_the_goal_is_recorded() {
    let p = Profile::shells("");
    let app = repo(&p);
    let out = start_in(
        &p,
        p.tmp.path(),
        "here",
        "echo \"pwd=$(pwd -P)\"; sleep 300",
        &["--cwd", "app/src", "--goal", "ship-it"],
    );
    assert!(out.status.success(), "{}", show(&out));
    let log = p.wait_log("here", "pwd=");
    assert!(
        log.contains(&format!("pwd={}", app.join("src").display())),
        "{log}"
    );
    let row = row_json(&p, "here").unwrap();
    assert_eq!(row["cwd"], app.join("src").display().to_string(), "{row}");
    assert_eq!(row["goal"], "ship-it", "{row}");
    p.ok(&["kill", "here", "--grace", "0"], 0);
}

#[test]
fn a_missing_cwd_or_a_worktree_outside_git_starts_nothing() {
    let p = Profile::shells("");
    let out = start_in(&p, p.tmp.path(), "lost", "sleep 300", &["--cwd", "nope"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(text(&out.stderr).contains("nope"), "{}", show(&out));
    assert!(!p.data.exists(), "a refused start created the data dir");

    let plain = p.tmp.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    let out = start_in(
        &p,
        &plain,
        "nogit",
        "sleep 300",
        &["--cwd", ".", "--worktree"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        text(&out.stderr).contains("not inside a git repository"),
        "{}",
        show(&out)
    );
    assert!(p.row("nogit").is_none(), "a session was started");
    assert!(!p.data.join("worktrees/nogit").exists());
}

#[test]
fn worktree_per_worker_reused_and_pruned_only_when_clean() {
    let p = Profile::shells("");
    let app = repo(&p);
    let show_where =
        "echo \"pwd=$(pwd -P) branch=$(git branch --show-current)\"; cat README; sleep 300";
    let out = start_in(
        &p,
        &app.join("src"),
        "clean",
        show_where,
        &["--cwd", ".", "--worktree"],
    );
    assert!(out.status.success(), "{}", show(&out));
    let wt = p.data.canonicalize().unwrap().join("worktrees/clean");
    // The README comes last: once it is in the log, so is the rest.
    let log = p.wait_log("clean", "readme-of-main");
    assert!(
        log.contains(&format!("pwd={} branch=looop/clean", wt.display())),
        "{log}"
    );
    assert_eq!(
        row_json(&p, "clean").unwrap()["cwd"],
        wt.display().to_string()
    );
    // The user's checkout is untouched.
    assert_eq!(git(&app, &["branch", "--show-current"]).trim(), "main");

    // Started again: the same worktree, work in it kept.
    p.ok(&["kill", "clean", "--grace", "0"], 0);
    git(&wt, &["commit", "-q", "--allow-empty", "-m", "work"]);
    let out = start_in(&p, &app, "clean", show_where, &["--cwd", ".", "--worktree"]);
    assert!(out.status.success(), "{}", show(&out));
    p.wait_log("clean", "branch=looop/clean");
    assert_eq!(git(&wt, &["log", "-1", "--format=%s"]).trim(), "work");

    // A second worker with uncommitted work.
    let out = start_in(
        &p,
        &app,
        "dirty",
        "echo change >> README; sleep 300",
        &["--cwd", ".", "--worktree"],
    );
    assert!(out.status.success(), "{}", show(&out));
    let dirty = wt.with_file_name("dirty");
    wait_for(DEADLINE_SECS, "the dirty worker's change", || {
        std::fs::read_to_string(dirty.join("README")).is_ok_and(|t| t.contains("change"))
    });

    // While their sessions are on disk, worktrees stay, clean or not.
    let out = p.ok(&["prune", "--all"], 0);
    assert!(wt.is_dir() && !out.contains("worktree"), "{out}");

    p.ok(&["kill", "clean", "--grace", "0"], 0);
    p.ok(&["kill", "dirty", "--grace", "0"], 0);
    let out = p.ok(&["prune", "--all"], 0);
    assert!(
        out.contains(&format!("removed worktree {}", wt.display())),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "kept worktree {}: uncommitted changes",
            dirty.display()
        )),
        "{out}"
    );
    assert!(!wt.exists() && dirty.join("README").is_file());
    // Committed work is never lost: the branch stays.
    assert_eq!(
        git(&app, &["log", "-1", "--format=%s", "looop/clean"]).trim(),
        "work"
    );
}

#[test]
fn start_worker_move_takes_cwd_worktree_and_goal() {
    let env = env_with("");
    let app = repo(&env);
    env.answer(&format!(
        r#"{{"move":"start_worker","id":"mover","prompt":"p","runner":"w","cwd":"{}","worktree":true,"goal":"ship","journal":"go"}}"#,
        app.display()
    ));
    let out = env
        .cmd(&["tick"])
        .env("LOOOP_T_CMD", "sleep 300")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let wt = env.data.canonicalize().unwrap().join("worktrees/mover");
    let row = row_json(&env, "mover").unwrap();
    assert_eq!(row["cwd"], wt.display().to_string(), "{row}");
    assert_eq!(row["goal"], "ship", "{row}");

    // A relative cwd is taken from the data dir; the WORKERS section
    // shows where each worker works.
    std::fs::create_dir(env.data.join("scratch")).unwrap();
    env.answer(r#"{"move":"start_worker","id":"local","prompt":"p","runner":"w","cwd":"scratch","journal":"go"}"#);
    let out = env
        .cmd(&["tick"])
        .env("LOOOP_T_CMD", "sleep 300")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    env.answer(&noop("look"));
    env.ok(&["tick"], 0);
    let prompt = env.prompt(env.calls());
    assert!(
        prompt.contains(&format!("cwd {}", wt.display())),
        "{prompt}"
    );
    assert!(prompt.contains(", goal ship"), "{prompt}");
    let scratch = env.data.canonicalize().unwrap().join("scratch");
    assert!(
        prompt.contains(&format!("cwd {}", scratch.display())),
        "{prompt}"
    );
}
