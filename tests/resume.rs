//! CONTRACT §11 "Resume": `looop resume <id>` relaunches a finished or
//! lost worker on its own agent session with its runner's `resume` command
//! (claude `--resume <id>`, pi `--session <file>`, codex `resume <id>`),
//! keeping its id, cwd, goal and claims; bad input is refused with status
//! 1 saying why; the pulse's `resume_worker` move does the same, and the
//! tick prompt lists resumable workers. The agent CLIs are the stand-ins
//! of `support::agents`.

mod support;

use support::agents::{StandIns, after};
use support::*;

/// SIGKILL the supervisor and the worker of `id`: the session is `lost`.
fn lose(p: &Profile, id: &str) {
    let row = row_json(p, id).unwrap();
    let pid = row["pid"].as_i64().unwrap();
    let state = p.data.join(format!("sessions/looop-{id}/state.json"));
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(state).unwrap()).unwrap();
    let sup = record["supervisor_pid"].as_i64().unwrap();
    let status = std::process::Command::new("kill")
        .args(["-KILL", &sup.to_string(), "--", &format!("-{pid}")])
        .status()
        .unwrap();
    assert!(status.success());
    wait_for(DEADLINE_SECS, "lost", || {
        row_json(p, id).unwrap()["state"] == "lost"
    });
}

#[test]
fn resume_relaunches_on_the_same_agent_session() {
    let p = Profile::with_config_text("max_workers = 8\n");
    let agents = StandIns::install(&p);
    let repo = p.tmp.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let dir = repo.to_str().unwrap();
    p.ok(
        &[
            "start-session",
            "c1",
            "do it",
            "claude",
            "--cwd",
            dir,
            "--goal",
            "ship",
        ],
        0,
    );
    let id = after(&agents.wait_starts("c1", 1), "--session-id")
        .unwrap()
        .to_string();
    p.ok(&["start-session", "p1", "do it", "pi"], 0);
    let file = after(&agents.wait_starts("p1", 1), "--session")
        .unwrap()
        .to_string();
    p.ok(&["start-session", "x1", "do it", "codex"], 0);
    agents.wait_starts("x1", 1);
    // looop learns codex's own id from its rollout.
    let mut codex_id = String::new();
    wait_for(DEADLINE_SECS, "codex's session id learned", || {
        p.ok(&["status"], 0);
        codex_id = row_json(&p, "x1").unwrap()["agent_session"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        !codex_id.is_empty()
    });

    p.ok(&["claim", "the-db", "--session", "looop-c1"], 0);
    lose(&p, "c1");
    p.ok(&["kill", "p1"], 0);
    p.ok(&["kill", "x1"], 0);
    for w in ["c1", "p1", "x1"] {
        assert_eq!(row_json(&p, w).unwrap()["resumable"], true, "{w}");
    }

    let out = p.ok(&["resume", "c1"], 0);
    assert!(out.contains("resumed looop-c1"), "{out}");
    let argv = agents.wait_starts("c1", 2);
    assert_eq!(after(&argv, "--resume"), Some(id.as_str()), "{argv:?}");
    assert!(after(&argv, "--settings").is_some(), "hooks: {argv:?}");
    let row = row_json(&p, "c1").unwrap();
    assert_eq!(row["state"], "running");
    assert_eq!(row["agent_session"], id.as_str());
    assert_eq!(row["goal"], "ship");
    let cwd = std::fs::canonicalize(&repo).unwrap();
    assert_eq!(row["cwd"], cwd.to_str().unwrap());
    // Its lease is still its own: another session is refused it.
    assert_status(&p.run(&["claim", "the-db", "--session", "looop-other"]), 1);

    p.ok(&["resume", "p1"], 0);
    let argv = agents.wait_starts("p1", 2);
    assert_eq!(after(&argv, "--session"), Some(file.as_str()));

    p.ok(&["resume", "x1"], 0);
    let argv = agents.wait_starts("x1", 2);
    assert_eq!(argv[1], "resume", "{argv:?}");
    assert_eq!(argv.last().unwrap(), &codex_id, "{argv:?}");
    assert_eq!(row_json(&p, "x1").unwrap()["agent_session"], codex_id);
}

#[test]
fn bad_resumes_are_refused_saying_why() {
    let p = Profile::with_config_text("max_workers = 8\n");
    let agents = StandIns::install(&p);

    // Unknown id.
    let out = p.run(&["resume", "nope"]);
    assert_status(&out, 1);
    assert!(
        text(&out.stderr).contains("no worker nope"),
        "{}",
        show(&out)
    );

    // Live.
    p.ok(&["start-session", "c1", "do it", "claude"], 0);
    agents.wait_starts("c1", 1);
    let out = p.run(&["resume", "c1"]);
    assert_status(&out, 1);
    assert!(text(&out.stderr).contains("is running"), "{}", show(&out));
    assert_eq!(row_json(&p, "c1").unwrap()["resumable"], false);

    // An agent looop cannot resume: opencode.
    p.ok(&["start-session", "o1", "do it", "opencode"], 0);
    agents.wait_starts("o1", 1);
    p.ok(&["kill", "o1"], 0);
    assert_eq!(row_json(&p, "o1").unwrap()["resumable"], false);
    let out = p.run(&["resume", "o1"]);
    assert_status(&out, 1);
    assert!(
        text(&out.stderr).contains("runner opencode has no resume command"),
        "{}",
        show(&out)
    );

    // No agent session id: a codex that never wrote its rollout.
    std::fs::write(p.tmp.path().join(".codex"), "not a dir").unwrap();
    p.ok(&["start-session", "x1", "do it", "codex"], 0);
    agents.wait_starts("x1", 1);
    p.ok(&["kill", "x1"], 0);
    p.ok(&["status"], 0);
    let out = p.run(&["resume", "x1"]);
    assert_status(&out, 1);
    assert!(
        text(&out.stderr).contains("agent session id is not known"),
        "{}",
        show(&out)
    );
    assert_eq!(agents.starts("x1").len(), 1, "nothing started");
    assert_eq!(agents.starts("o1").len(), 1, "nothing started");
    p.ok(&["kill", "c1"], 0);
}

#[test]
fn the_resume_worker_move_and_the_tick_prompt() {
    let env = Profile::fake_ai("max_workers = 8");
    let agents = StandIns::install(&env);
    env.ok(&["start-session", "c1", "do it", "claude"], 0);
    let id = after(&agents.wait_starts("c1", 1), "--session-id")
        .unwrap()
        .to_string();
    env.ok(&["start-session", "o1", "do it", "opencode"], 0);
    agents.wait_starts("o1", 1);
    lose(&env, "c1");
    env.ok(&["kill", "o1"], 0);

    env.answer(r#"{"move":"resume_worker","id":"c1","journal":"c1 was lost; go on"}"#);
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("resumed looop-c1"), "{out}");
    let prompt = env.prompt(1);
    assert!(
        prompt.contains("- c1 [lost] resumable: resume_worker"),
        "{prompt}"
    );
    assert!(prompt.contains("- o1 [killed]"), "{prompt}");
    assert!(!prompt.contains("o1 [killed] resumable"), "{prompt}");
    assert!(prompt.contains("- resume_worker (id)"), "{prompt}");
    let argv = agents.wait_starts("c1", 2);
    assert_eq!(after(&argv, "--resume"), Some(id.as_str()), "{argv:?}");
    assert!(
        env.journal()[0].contains("resume_worker c1: c1 was lost; go on"),
        "{:?}",
        env.journal()
    );

    // A worker that cannot be resumed fails the beat with the reason.
    env.answer(r#"{"move":"resume_worker","id":"o1","journal":"try o1"}"#);
    env.write("goals/g.md", "a change\n");
    let out = env.run(&["tick"]);
    assert_status(&out, 1);
    let failed = env.events("tick_failed");
    assert!(
        failed[0].to_string().contains("no resume command"),
        "{failed:?}"
    );
    env.ok(&["kill", "c1"], 0);
}

/// A custom runner with its own `resume` key (its agent `none`, whose
/// preset has none): `ls --json` and the tick prompt mark its ended worker
/// resumable, as `looop resume` agrees.
#[test]
fn a_custom_runner_with_a_resume_key_is_resumable() {
    let env = Profile::fake_ai_with(
        "max_workers = 8",
        "[runners.mine]\ntick = \"true\"\n\
         interactive = \"mycli --new {{session_id}} # {{prompt_file}}\"\n\
         resume = \"mycli --again {{session_id}}\"\n",
    );
    let seen = env.tmp.path().join("seen");
    let bin = env.tmp.path().join("bin");
    std::fs::create_dir_all(&seen).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    let cli = bin.join("mycli");
    std::fs::write(
        &cli,
        format!(
            "#!/bin/bash\nprintf '%s\\n' \"$*\" >> '{}'/\"$LOOOP_SESSION_ID\".starts\necho working\nexec sleep 300\n",
            seen.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&cli, std::fs::Permissions::from_mode(0o755)).unwrap();
    let starts = || {
        std::fs::read_to_string(seen.join("looop-m1.starts"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };

    env.ok(&["start-session", "m1", "do it", "mine"], 0);
    wait_for(DEADLINE_SECS, "m1 started", || starts().len() == 1);
    let id = starts()[0].strip_prefix("--new ").unwrap().to_string();
    assert!(!id.is_empty(), "{:?}", starts());
    assert_eq!(row_json(&env, "m1").unwrap()["resumable"], false, "live");
    env.ok(&["kill", "m1"], 0);
    let row = row_json(&env, "m1").unwrap();
    assert_eq!(row["state"], "killed");
    assert_eq!(row["resumable"], true, "{row}");

    env.answer(r#"{"move":"noop","journal":"look"}"#);
    env.ok(&["tick"], 0);
    let prompt = env.prompt(1);
    assert!(
        prompt.contains("- m1 [killed] resumable: resume_worker"),
        "{prompt}"
    );

    let out = env.ok(&["resume", "m1"], 0);
    assert!(out.contains("resumed looop-m1"), "{out}");
    wait_for(DEADLINE_SECS, "m1 resumed", || starts().len() == 2);
    assert_eq!(starts()[1], format!("--again {id}"));
    assert_eq!(row_json(&env, "m1").unwrap()["state"], "running");
    env.ok(&["kill", "m1"], 0);
}

/// A usage-limit pause of `runner` for the next hour, as a beat records it.
fn pause_runner(p: &Profile, runner: &str) {
    let now = chrono::Utc::now();
    let at =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let pauses = serde_json::json!([{
        "runner": runner,
        "reason": "usage_limit",
        "since": at(now),
        "until": at(now + chrono::Duration::hours(1)),
        "message": "You've hit your usage limit",
    }]);
    p.write("pauses.json", &pauses.to_string());
}

#[test]
fn resume_is_refused_while_the_runner_is_paused_as_start_session_is() {
    let p = Profile::with_config_text("max_workers = 8\n");
    let agents = StandIns::install(&p);
    p.ok(&["start-session", "c1", "do it", "claude"], 0);
    agents.wait_starts("c1", 1);
    p.ok(&["kill", "c1"], 0);
    assert_eq!(row_json(&p, "c1").unwrap()["resumable"], true);

    // Paused: refused with status 1 like start-session, nothing started.
    pause_runner(&p, "claude");
    let start = p.run(&["start-session", "c2", "do it", "claude"]);
    assert_status(&start, 1);
    let out = p.run(&["resume", "c1"]);
    assert_status(&out, 1);
    let err = text(&out.stderr);
    assert!(
        err.contains("paused until")
            && err.contains("not resuming looop-c1")
            && err.contains("--force"),
        "{}",
        show(&out)
    );
    let out = p.run(&["resume", "looop-c1"]);
    assert_status(&out, 1);
    assert_eq!(agents.starts("c1").len(), 1, "nothing started");
    assert_eq!(row_json(&p, "c1").unwrap()["state"], "killed");

    // --force resumes anyway, as start-session --force starts.
    let out = p.ok(&["resume", "c1", "--force"], 0);
    assert!(out.contains("resumed looop-c1"), "{out}");
    agents.wait_starts("c1", 2);
    p.ok(&["kill", "c1"], 0);

    // The daily budget reached refuses it too.
    p.write_config("max_workers = 8\ndaily_budget_usd = 1.0\n");
    p.write("pauses.json", "[]");
    p.ok(&["_cost", "session", "looop-c1", "claude", "2"], 0);
    let out = p.run(&["resume", "c1"]);
    assert_status(&out, 1);
    assert!(
        text(&out.stderr).contains("daily budget is reached"),
        "{}",
        show(&out)
    );
    assert_eq!(agents.starts("c1").len(), 2, "nothing started");
    p.ok(&["resume", "c1", "--force"], 0);
    agents.wait_starts("c1", 3);
    p.ok(&["kill", "c1"], 0);
}

/// The AGE cell of worker `id` in the `ls` table.
fn age(p: &Profile, id: &str) -> String {
    let table = p.ok(&["ls"], 0);
    let line = table
        .lines()
        .find(|l| l.starts_with(&format!("{id} ")))
        .unwrap_or_else(|| panic!("no {id}: {table}"));
    line.split_whitespace().nth(4).unwrap().to_string()
}

#[test]
fn age_counts_from_the_first_start_across_resumes_and_after_the_end() {
    let p = Profile::with_config_text("max_workers = 8\n");
    let agents = StandIns::install(&p);
    p.ok(&["start-session", "c1", "do it", "claude"], 0);
    agents.wait_starts("c1", 1);
    p.ok(&["kill", "c1"], 0);
    // Its run began 12 minutes ago (the record says so; its supervisor is
    // gone, so nothing rewrites it).
    let state = p.data.join("sessions/looop-c1/state.json");
    let mut record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let then = chrono::Utc::now() - chrono::Duration::minutes(12);
    record["started_at"] = then
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        .into();
    std::fs::write(&state, record.to_string()).unwrap();
    assert_eq!(age(&p, "c1"), "12m", "a killed worker: since its start");

    // Resumed: the same worker, so its age goes on from its first start.
    p.ok(&["resume", "c1"], 0);
    agents.wait_starts("c1", 2);
    assert_eq!(row_json(&p, "c1").unwrap()["state"], "running");
    assert_eq!(age(&p, "c1"), "12m");
    p.ok(&["kill", "c1"], 0);
    assert_eq!(age(&p, "c1"), "12m", "killed after its resume");
    p.ok(&["resume", "c1"], 0);
    agents.wait_starts("c1", 3);
    assert_eq!(
        age(&p, "c1"),
        "12m",
        "a second resume keeps the first start"
    );
    p.ok(&["kill", "c1"], 0);

    // A fresh start-session of the name is a new worker.
    p.ok(&["start-session", "c1", "again", "claude"], 0);
    agents.wait_starts("c1", 4);
    let fresh = age(&p, "c1");
    assert!(fresh.ends_with('s'), "a new worker is seconds old: {fresh}");
    p.ok(&["kill", "c1"], 0);
}
