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
