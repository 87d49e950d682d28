//! `looop start-session`: the worker's prompt file and environment, and
//! every refusal (status 1, nothing started).

mod support;

use std::io::Write;
use std::process::Stdio;
use support::*;

#[test]
fn prints_how_to_attach_and_writes_the_worker_contract() {
    let p = Profile::shells("");
    let out = p.ok(&["start-session", "w1", "fix the flaky test"], 0);
    assert!(out.starts_with("started looop-w1\n"), "{out}");
    assert!(out.contains("looop attach w1"), "{out}");
    let prompt_file = p.data.join("prompts/looop-w1.md");
    let text = std::fs::read_to_string(&prompt_file).unwrap();
    for needle in [
        "WORKER CONTRACT",
        "\"$LOOOP_BIN\" flag \"$LOOOP_SESSION_ID\"",
        "\"$LOOOP_BIN\" unflag \"$LOOOP_SESSION_ID\"",
        "\"$LOOOP_BIN\" claim <name>",
        "\"$LOOOP_BIN\" unclaim <name>",
        "\"$LOOOP_BIN\" _cost session \"$LOOOP_SESSION_ID\" sh <usd>",
        "\"$LOOOP_BIN\" kill \"$LOOOP_SESSION_ID\"",
        "reports/w1.md",
        "looop-w1",
        "notifications",
        "worktree",
    ] {
        assert!(text.contains(needle), "prompt lacks {needle:?}:\n{text}");
    }
    assert!(text.trim_end().ends_with("fix the flaky test"), "{text}");
    assert!(
        !text.contains("{id}") && !text.contains("{runner}"),
        "placeholders left:\n{text}"
    );
}

#[test]
fn worker_environment_and_cwd() {
    let p = Profile::shells("");
    p.start_cmd(
        "envy",
        "echo \"bin=$LOOOP_BIN sid=$LOOOP_SESSION_ID cfg=$LOOOP_CONFIG cwd=$PWD\"; exit 0",
    );
    p.wait_row("envy", "exit", |r| r.state == "exited");
    let log = p.log("envy");
    let bin = env!("CARGO_BIN_EXE_looop");
    assert!(log.contains(&format!("bin={bin}")), "{log}");
    assert!(log.contains("sid=looop-envy"), "{log}");
    assert!(
        log.contains(&format!("cfg={}", p.config.display())),
        "{log}"
    );
    assert!(log.contains(&format!("cwd={}", p.data.display())), "{log}");
}

#[test]
fn prompt_from_stdin() {
    let p = Profile::shells("");
    let mut child = p
        .cmd(&["start-session", "stdin", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"task from a pipe\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let text = std::fs::read_to_string(p.data.join("prompts/looop-stdin.md")).unwrap();
    assert!(text.ends_with("task from a pipe\n"), "{text}");
}

/// Bytes that are not text on stdin are bad input (status 2), like an
/// empty prompt, and start nothing.
#[test]
fn a_prompt_that_is_not_text_is_refused() {
    let p = Profile::shells("");
    let mut child = p
        .cmd(&["start-session", "bin", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"hi \xff\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not UTF-8"),
        "{}",
        show(&out)
    );
    assert!(!p.data.join("prompts/looop-bin.md").exists());
    assert!(!p.data.join("sessions/looop-bin").exists());
}

#[test]
fn duplicate_live_id_is_refused() {
    let p = Profile::shells("");
    p.start_bash("dup");
    let pid = p.row("dup").unwrap().pid;
    let out = p.run(&["start-session", "looop-dup", "again"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already running"),
        "{}",
        show(&out)
    );
    let row = p.row("dup").unwrap();
    assert!(row.alive);
    assert_eq!(row.pid, pid, "the live session was left alone");
}

#[test]
fn max_workers_is_enforced() {
    let p = Profile::shells("max_workers = 2");
    p.start_bash("m1");
    p.start_bash("m2");
    let out = p.run(&["start-session", "m3", "one too many"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("max_workers"),
        "{}",
        show(&out)
    );
    assert!(p.row("m3").is_none(), "nothing started");
    // Finished workers do not count.
    p.ok(&["kill", "m2", "--grace", "0"], 0);
    p.start_bash("m3");
}

#[test]
fn unknown_runner_is_refused_and_starts_nothing() {
    let p = Profile::shells("");
    let out = p.run(&["start-session", "r1", "task", "nosuchrunner"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("nosuchrunner"),
        "{}",
        show(&out)
    );
    assert!(p.row("r1").is_none());
    assert!(!p.data.join("prompts/looop-r1.md").exists());
}

/// A runner whose program is not installed: the worker's shell exits 127
/// at once, and `start-session` says so (status 1) instead of "started";
/// the ended session stays to read. A program on PATH costs no wait.
#[test]
fn a_runner_whose_program_is_missing_fails_the_start() {
    let p = Profile::shells("");
    let mut config = std::fs::read_to_string(&p.config).unwrap();
    config.push_str("[runners.ghost]\ntick = \"cat\"\n");
    config.push_str("interactive = \"no-such-agent-cli-x {{prompt_file}}\"\n");
    std::fs::write(&p.config, config).unwrap();
    let out = p.run(&["start-session", "g1", "task", "ghost"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("127") && err.contains("no-such-agent-cli-x"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let row = p.row("g1").expect("the ended session stays");
    assert_eq!((row.state.as_str(), row.exit_code), ("exited", Some(127)));
}

#[test]
fn the_pulse_id_and_empty_prompts_are_refused() {
    let p = Profile::shells("");
    assert_eq!(
        p.run(&["start-session", "pulse", "x"]).status.code(),
        Some(1)
    );
    assert_eq!(p.run(&["start-session", "e", "  "]).status.code(), Some(2));
    assert_eq!(p.run(&["start-session", "e"]).status.code(), Some(2));
    assert!(p.ls().is_empty());
}

#[test]
fn a_launch_that_cannot_start_reads_failed_not_running() {
    let p = Profile::shells("");
    // No bash on PATH: the supervisor cannot start the worker.
    let out = p
        .cmd(&["start-session", "nobash", "task"])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let row = p.row("nobash").expect("the failed session is listed");
    assert_eq!(row.state, "failed");
    assert!(!row.alive);
    let log = p.run(&["log", "nobash"]);
    assert!(
        String::from_utf8_lossy(&log.stderr).contains("failed to start"),
        "{}",
        show(&log)
    );
    // It can be started again once the problem is fixed.
    p.start_bash("nobash");
    assert_eq!(p.row("nobash").unwrap().state, "running");
}

#[test]
fn the_supervisor_keeps_none_of_the_callers_pipes() {
    let p = Profile::shells("");
    // fd 5 is the command substitution's pipe, inherited without CLOEXEC: a
    // supervisor that kept it would hold `$(...)` open for its whole life.
    let script = format!(
        "out=$(exec 5>&1; '{}' start-session keep task); echo \"[$out]\"",
        env!("CARGO_BIN_EXE_looop")
    );
    let mut bash = std::process::Command::new("bash");
    bash.args(["-c", &script])
        .env("LOOOP_DATA_DIR", &p.data)
        .env("LOOOP_CONFIG", &p.config)
        .env("HOME", p.tmp.path())
        .stdout(Stdio::piped());
    let mut child = bash.spawn().unwrap();
    let start = std::time::Instant::now();
    let finished = loop {
        if child.try_wait().unwrap().is_some() {
            break true;
        }
        if start.elapsed() > support::DEADLINE {
            break false;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    if !finished {
        let _ = child.kill();
    }
    assert!(finished, "$(looop start-session) hung on an inherited pipe");
    let out = child.wait_with_output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("[started looop-keep"),
        "{}",
        show(&out)
    );
    assert!(p.row("keep").unwrap().alive);
}
