//! The pulse with live workers (the real supervisor): start_worker and
//! kill_worker moves, claims reaped when their worker ends, the idle flag,
//! NEEDS YOU, tmux surfacing against a private tmux server, notify, up/down.

mod support;
use std::process::Command;
use support::*;

#[test]
fn start_worker_and_kill_worker_moves() {
    let env = env_with("");
    env.answer(r#"{"move":"start_worker","id":"fixer","prompt":"fix the build","runner":"w","journal":"CI is red"}"#);
    let out = env
        .cmd(&["tick"])
        .env("LOOOP_T_CMD", "sleep 300")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("started looop-fixer"));
    assert!(env.journal()[0].contains("start_worker fixer: CI is red"));
    let r = row_json(&env, "fixer").expect("worker on disk");
    assert_eq!(r["alive"], true);
    // The worker's prompt file carries the task.
    let prompts = std::fs::read_dir(env.data.join("prompts")).unwrap().count();
    assert!(prompts >= 1);

    // A second start of the same id is refused: a failed beat, nothing journalled.
    env.write("goals/poke.md", "1\n");
    let out = env.run(&["tick"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(env.journal().len(), 1);

    env.ok(&["claim", "build", "--session", "looop-fixer"], 0);
    env.answer(r#"{"move":"kill_worker","id":"fixer","journal":"done"}"#);
    env.ok(&["tick"], 0);
    assert_eq!(row_json(&env, "fixer").unwrap()["alive"], false);
    assert!(env.journal()[1].contains("kill_worker fixer: done"));
    assert!(
        !env.data.join("claims/build.json").exists(),
        "kill drops the worker's claims"
    );

    // Unknown worker: a failed beat.
    env.answer(r#"{"move":"kill_worker","id":"ghost","journal":"x"}"#);
    env.write("goals/poke.md", "2\n");
    assert_eq!(env.run(&["tick"]).status.code(), Some(1));
}

#[test]
fn claims_of_ended_workers_are_reaped_and_workers_are_in_the_world() {
    let env = env_with("");
    env.answer(&noop("x"));
    start_worker(
        &env,
        "short",
        "\"$LOOOP_BIN\" claim job && echo claimed && sleep 1",
    );
    wait_for(30, "the claim", || {
        env.data.join("claims/job.json").exists()
    });
    let claim: serde_json::Value = serde_json::from_str(&env.file("claims/job.json")).unwrap();
    assert_eq!(claim["session"], "looop-short");
    assert!(
        claim.get("pid").is_none(),
        "a live session's claim lives with the session"
    );
    wait_for(30, "the worker to end", || {
        row_json(&env, "short").is_some_and(|r| r["alive"] == false)
    });
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("claim job dropped"), "{out}");
    assert!(!env.data.join("claims/job.json").exists());
    assert_eq!(env.events("claim_reaped").len(), 1);
    let prompt = env.prompt(1);
    assert!(prompt.contains("- short [exited] exit 0"), "{prompt}");
}

#[test]
fn flags_surface_once_per_flag_in_a_private_tmux_server_and_notify() {
    let notified = tempfile::NamedTempFile::new().unwrap();
    let env = env_with(&format!(
        "notify = \"echo \\\"$LOOOP_NOTIFY_ID|$LOOOP_NOTIFY_MESSAGE\\\" >> {}\"",
        notified.path().display()
    ));
    let tmux_dir = tempfile::tempdir().unwrap();
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(args)
            .env("TMUX_TMPDIR", tmux_dir.path())
            .env_remove("TMUX")
            .output()
            .unwrap()
    };
    assert!(
        tmux(&["new-session", "-d", "-s", "main", "sleep 600"])
            .status
            .success()
    );
    struct KillServer<'a>(&'a dyn Fn(&[&str]) -> std::process::Output);
    impl Drop for KillServer<'_> {
        fn drop(&mut self) {
            (self.0)(&["kill-server"]);
        }
    }
    let _server = KillServer(&tmux);
    let windows = || {
        let out = tmux(&["list-windows", "-a", "-F", "#{window_name}"]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| *l == "helper")
            .count()
    };
    let tick = |answer: &str| {
        env.answer(answer);
        let out = env
            .cmd(&["tick"])
            .env("TMUX_TMPDIR", tmux_dir.path())
            .env_remove("LOOOP_TMUX_SURFACE")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", show(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    start_worker(&env, "helper", "sleep 300");
    tick(&noop("first"));
    assert_eq!(windows(), 0);

    env.ok(&["flag", "helper", "which", "branch?"], 0);
    let out = tick(&noop("helper waits for the human"));
    assert!(
        out.contains("NEEDS YOU") && out.contains("looop attach helper"),
        "{out}"
    );
    assert!(
        env.prompt(2)
            .contains("worker helper: flagged: which branch?"),
        "{}",
        env.prompt(2)
    );
    assert!(env.prompt(2).contains("⚑ which branch?"));
    wait_for(10, "the tmux window", || windows() == 1);
    let cmd = tmux(&[
        "list-panes",
        "-a",
        "-F",
        "#{window_name} #{pane_start_command}",
    ]);
    let cmd = String::from_utf8_lossy(&cmd.stdout);
    assert!(
        cmd.contains(BIN)
            && cmd.contains("attach helper")
            && cmd.contains(env.data.to_str().unwrap()),
        "{cmd}"
    );
    assert_eq!(
        std::fs::read_to_string(notified.path()).unwrap(),
        "helper|which branch?\n"
    );

    // Same flag, next beat: no second window, no second notification.
    let out = tick(&noop("still waiting"));
    assert!(out.contains("NEEDS YOU"), "{out}");
    assert_eq!(windows(), 1);
    assert_eq!(
        std::fs::read_to_string(notified.path())
            .unwrap()
            .lines()
            .count(),
        1
    );

    // Unflag, then flag again: surfaced again (notify), in the window that
    // is still open.
    env.ok(&["unflag", "helper"], 0);
    tick(&noop("answered"));
    env.ok(&["flag", "helper", "which", "branch?"], 0);
    let out = tick(&noop("asks again"));
    assert!(out.contains("tmux window helper is still open"), "{out}");
    assert_eq!(windows(), 1, "the open window is reused");
    assert_eq!(
        std::fs::read_to_string(notified.path())
            .unwrap()
            .lines()
            .count(),
        2
    );
}

#[test]
fn silent_worker_gets_the_idle_flag() {
    let env = env_with("idle_flag_secs = 1");
    env.answer(&noop("x"));
    start_worker(&env, "quiet", "sleep 300");
    wait_for(30, "the worker to be silent for a while", || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let out = env.ok(&["tick"], 0);
        out.contains("idle")
    });
    let r = row_json(&env, "quiet").unwrap();
    assert_eq!(r["flagged"], true);
    assert!(r["note"].as_str().unwrap().contains("stuck?"), "{r}");
}

#[test]
fn up_down_and_status() {
    let env = env_with("interval = 3600");
    env.answer(&noop("pulse beat"));
    env.ok(&["up"], 0);
    let status: serde_json::Value =
        serde_json::from_str(&env.ok(&["status", "--json"], 0)).unwrap();
    assert_eq!(status["pulse"]["up"], true, "{status}");
    assert!(env.ok(&["up"], 0).contains("already up"));
    // The pulse beats on its own.
    wait_for(30, "the pulse's first beat", || env.journal().len() == 1);
    // The pulse is not a worker.
    assert!(ls_json(&env).iter().all(|r| r["id"] != "pulse"));
    start_worker(&env, "w1", "sleep 300");
    env.ok(&["down"], 0);
    let status: serde_json::Value =
        serde_json::from_str(&env.ok(&["status", "--json"], 0)).unwrap();
    assert_eq!(status["pulse"]["up"], false);
    assert_eq!(
        row_json(&env, "w1").unwrap()["alive"],
        true,
        "down leaves workers running"
    );
    assert_eq!(status["workers"][0]["id"], "w1");
    env.ok(&["up"], 0);
    env.ok(&["down", "--all"], 0);
    assert_eq!(row_json(&env, "w1").unwrap()["alive"], false);
    let status: serde_json::Value =
        serde_json::from_str(&env.ok(&["status", "--json"], 0)).unwrap();
    assert_eq!(status["pulse"]["up"], false);
}

#[test]
fn twenty_live_workers_race_for_one_claim_and_one_wins() {
    let env = env_with("max_workers = 30");
    let go = env.tmp.path().join("go");
    for i in 0..20 {
        let code = format!(
            "while [ ! -e {go} ]; do sleep 0.01; done; \"$LOOOP_BIN\" claim deploy > \"$LOOOP_DATA_DIR/out-{i}\" 2>&1; echo $? > \"$LOOOP_DATA_DIR/rc-{i}\"; sleep 300",
            go = go.display()
        );
        start_worker(&env, &format!("r{i}"), &code);
    }
    std::fs::write(&go, "").unwrap();
    wait_for(30, "every claimer to finish", || {
        (0..20).all(|i| env.data.join(format!("rc-{i}")).exists())
    });
    let codes: Vec<String> = (0..20)
        .map(|i| env.file(&format!("rc-{i}")).trim().to_string())
        .collect();
    assert_eq!(codes.iter().filter(|c| *c == "0").count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| *c == "1").count(), 19, "{codes:?}");
    let claim: serde_json::Value = serde_json::from_str(&env.file("claims/deploy.json")).unwrap();
    let owner = claim["session"].as_str().unwrap().to_string();
    for (i, code) in codes.iter().enumerate() {
        if code == "1" {
            assert!(
                env.file(&format!("out-{i}")).contains(&owner),
                "loser {i} names the owner"
            );
        }
    }
    // A live owner's claim is not taken over, and survives a beat.
    let out = env.run(&["claim", "deploy", "--session", "looop-latecomer"]);
    assert_eq!(out.status.code(), Some(1));
    env.answer(&noop("x"));
    env.ok(&["tick"], 0);
    assert!(env.data.join("claims/deploy.json").exists());
    // Its worker killed: the claim goes with it.
    env.ok(&["kill", &owner, "--grace", "0"], 0);
    assert!(!env.data.join("claims/deploy.json").exists());
}

#[test]
fn a_worker_whose_supervisor_died_reads_lost_and_loses_its_claims() {
    let env = env_with("");
    env.answer(&noop("x"));
    start_worker(&env, "doomed", "\"$LOOOP_BIN\" claim db && sleep 300");
    wait_for(30, "the claim", || env.data.join("claims/db.json").exists());
    env.ok(&["tick"], 0);
    let state: serde_json::Value =
        serde_json::from_str(&env.file("sessions/looop-doomed/state.json")).unwrap();
    let sup = state["supervisor_pid"].as_u64().unwrap() as i32;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(sup),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    wait_for(10, "the supervisor to die", || !alive(sup));
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("claim db dropped"), "{out}");
    assert!(!env.data.join("claims/db.json").exists());
    assert_eq!(row_json(&env, "doomed").unwrap()["state"], "lost");
    assert!(
        env.prompt(2).contains("worker doomed: running -> lost"),
        "{}",
        env.prompt(2)
    );
    // Leave no orphan behind.
    env.ok(&["kill", "doomed", "--grace", "0"], 0);
}

#[test]
fn housekeeping_prunes_finished_sessions_past_the_retention() {
    let env = env_with("retention_hours = 0");
    env.answer(&noop("x"));
    start_worker(&env, "brief", "exit 3");
    start_worker(&env, "stays", "sleep 300");
    wait_for(30, "the brief worker to end", || {
        row_json(&env, "brief").is_some_and(|r| r["alive"] == false)
    });
    env.ok(&["tick"], 0);
    assert!(row_json(&env, "brief").is_none(), "finished session pruned");
    assert_eq!(
        row_json(&env, "stays").unwrap()["alive"],
        true,
        "live sessions are never pruned"
    );
}
