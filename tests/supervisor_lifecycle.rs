//! Sessions from launch to prune, against the real binary and real
//! programs: an interactive bash and python, a program that exits 3, one
//! that ignores SIGTERM, one that leaves a daemon behind, 50 MB of output,
//! a SIGKILLed supervisor, bad ids and a very long data dir.

mod support;

use support::*;

#[test]
fn bash_session_send_log_kill() {
    let p = Profile::shells("");
    p.start_bash("w1");
    let row = p.row("w1").expect("listed");
    assert_eq!((row.state.as_str(), row.alive), ("running", true));
    assert_eq!(row.session, "looop-w1");
    let pid = row.pid.expect("pid");
    assert!(alive(pid));
    let rows: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_str(&p.ok(&["ls", "--json"], 0)).unwrap();
    for key in [
        "id",
        "session",
        "state",
        "alive",
        "pid",
        "exit_code",
        "started_at",
        "last_output_at",
        "flagged",
        "note",
    ] {
        assert!(
            rows[0].contains_key(key),
            "ls --json lacks {key}: {:?}",
            rows[0]
        );
    }
    // The prompt's output reaches the record within about a second.
    p.wait_row("w1", "last_output_at", |r| r.last_output_at.is_some());
    p.ok(&["send", "w1", "echo sum=$((40+2))"], 0);
    p.wait_log("w1", "sum=42");
    // The worker saw its own session id and the profile.
    p.ok(
        &[
            "send",
            "looop-w1",
            "echo id=$LOOOP_SESSION_ID dir=$LOOOP_DATA_DIR",
        ],
        0,
    );
    let log = p.wait_log("w1", "id=looop-w1 dir=");
    assert!(log.contains(&format!("dir={}", p.data.display())), "{log}");
    // -n: no Enter, so nothing runs yet.
    p.ok(&["send", "w1", "-n", "echo no"], 0);
    p.ok(&["send", "w1", "-n", "w-enter\r"], 0);
    p.wait_log("w1", "now-enter");
    let raw = p.ok(&["log", "w1", "--raw"], 0);
    assert!(raw.contains("\r\n"), "raw log keeps the terminal's CRLF");
    assert!(!p.log("w1").contains('\r'));
    let tail = p.ok(&["log", "w1", "--tail", "1"], 0);
    assert_eq!(tail.lines().count(), 1, "{tail:?}");
    // bash -i ignores SIGTERM, so the kill escalates after the grace.
    let out = p.ok(&["kill", "w1", "--grace", "0.3"], 0);
    assert!(out.contains("killed looop-w1"), "{out}");
    let row = p.row("w1").unwrap();
    assert_eq!((row.state.as_str(), row.alive), ("killed", false));
    assert!(!alive(pid), "the worker outlived its kill");
    // Finished sessions stay readable.
    assert!(p.log("w1").contains("sum=42"));
    let events = std::fs::read_to_string(p.data.join("events.jsonl")).unwrap();
    assert!(
        events.contains("\"session_started\"") && events.contains("\"session_exited\""),
        "{events}"
    );
}

/// The supervisor is looop re-executed in its hidden mode (CONTRACT §5) and
/// keeps nothing of the launcher's open: stdin and stdout are /dev/null,
/// stderr its own log, the rest its PTY, socket, pipe and session files.
#[test]
fn the_supervisor_is_looop_in_its_hidden_mode_and_holds_nothing_of_the_launcher() {
    let p = Profile::shells("");
    p.start_bash("sup");
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.session_dir("sup").join("state.json")).unwrap(),
    )
    .unwrap();
    let sup = state["supervisor_pid"].as_u64().expect("supervisor_pid") as i32;
    let argv = support::procfs::cmdline(sup);
    assert_eq!(argv[0], env!("CARGO_BIN_EXE_looop"), "{argv:?}");
    assert_eq!(argv[1..3], ["_supervise", "looop-sup"], "{argv:?}");
    for target in support::procfs::fd_targets(sup) {
        let t = target.to_string_lossy();
        assert!(
            t == "/dev/null"
                || t.starts_with("/dev/pts/")
                || t == "/dev/ptmx"
                || t.starts_with("socket:")
                || t.starts_with("pipe:")
                || t.starts_with(&*p.data.to_string_lossy()),
            "the supervisor holds {t}"
        );
    }
    p.ok(&["send", "sup", "echo from-$LOOOP_SESSION_ID"], 0);
    p.wait_log("sup", "from-looop-sup");
    p.ok(&["kill", "sup", "--grace", "0.3"], 0);
    wait_for(
        DEADLINE_SECS,
        "the supervisor to end with its session",
        || !alive(sup),
    );
}

/// The moments right after a launch lose nothing: a SIGTERM sent to the
/// supervisor the instant `start-session` returns ends the session as
/// killed (never lost), and a worker that is gone at once is recorded with
/// its status and output.
#[test]
fn nothing_is_lost_right_after_the_launch() {
    let p = Profile::shells("");
    for n in 0..5 {
        let id = format!("term{n}");
        p.start_bash(&id);
        let state: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(p.session_dir(&id).join("state.json")).unwrap(),
        )
        .unwrap();
        let sup = state["supervisor_pid"].as_u64().expect("supervisor_pid");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &sup.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let row = p.wait_row(&id, "the end", |r| !r.alive && r.state != "running");
        assert_eq!(row.state, "killed", "session {id}");
    }
    for n in 0..5 {
        let id = format!("quick{n}");
        p.start_cmd(&id, &format!("echo early-{n}; exit 7"));
        let row = p.wait_row(&id, "exited", |r| r.state == "exited");
        assert_eq!(row.exit_code, Some(7), "session {id}");
        assert!(p.log(&id).contains(&format!("early-{n}")), "session {id}");
    }
}

#[test]
fn exit_code_is_recorded_and_log_survives() {
    let p = Profile::shells("");
    p.start_cmd("three", "echo bye-now; exit 3");
    let row = p.wait_row("three", "exited", |r| r.state == "exited");
    assert_eq!(row.exit_code, Some(3));
    assert!(!row.alive);
    assert!(p.log("three").contains("bye-now"));
    let table = p.ok(&["ls"], 0);
    let line = table
        .lines()
        .find(|l| l.starts_with("three "))
        .expect(&table);
    assert!(line.contains("exited") && line.contains(" 3"), "{line}");
    // Killing a finished session changes nothing and succeeds.
    let out = p.ok(&["kill", "three"], 0);
    assert!(out.contains("already ended"), "{out}");
    assert_eq!(p.row("three").unwrap().exit_code, Some(3));
    // A finished session of the same name is replaced by a new start.
    p.start_cmd("three", "echo second-run; exit 4");
    let row = p.wait_row("three", "second exit", |r| r.state == "exited");
    assert_eq!(row.exit_code, Some(4));
    let log = p.log("three");
    assert!(
        log.contains("second-run") && !log.contains("bye-now"),
        "{log}"
    );
}

#[test]
fn python_repl() {
    let p = Profile::shells("");
    p.start_cmd("py", "exec python3 -i -q");
    p.wait_log("py", ">>>");
    p.ok(&["send", "py", "print(6 * 7, 'from-python')"], 0);
    p.wait_log("py", "42 from-python");
    p.ok(&["send", "py", "raise SystemExit(5)"], 0);
    let row = p.wait_row("py", "python exit", |r| r.state == "exited");
    assert_eq!(row.exit_code, Some(5));
}

#[test]
fn kill_escalates_and_takes_the_daemon_with_it() {
    let p = Profile::shells("");
    let pids = p.tmp.path().join("daemon.pid");
    let code = format!(
        "trap 'echo got-term' TERM; (trap '' TERM HUP; exec sleep 600) & echo $! > {}; echo ready; while :; do sleep 0.1; done",
        pids.display()
    );
    p.start_cmd("stubborn", &code);
    p.wait_log("stubborn", "ready");
    let daemon = read_pid(&pids).expect("daemon pid");
    assert!(alive(daemon));
    let out = p.run(&["kill", "stubborn", "--grace", "0.5"]);
    assert!(out.status.success(), "{}", show(&out));
    let row = p.row("stubborn").unwrap();
    assert_eq!(row.state, "killed");
    assert_eq!(row.exit_code, Some(137), "SIGKILL after the grace");
    wait_for(DEADLINE_SECS, "the daemon to die with its group", || {
        !alive(daemon)
    });
    assert!(p.log("stubborn").contains("got-term"), "TERM came first");
}

#[test]
fn fifty_megabytes_of_output() {
    let p = Profile::shells("");
    let size = 50_000_000u64;
    p.start_cmd(
        "big",
        &format!("head -c {size} /dev/zero | tr '\\0' x; exit 0"),
    );
    let row = p.wait_row("big", "the big writer to finish", |r| r.state == "exited");
    assert_eq!(row.exit_code, Some(0));
    let len = std::fs::metadata(p.session_dir("big").join("output.log"))
        .unwrap()
        .len();
    assert_eq!(len, size, "every byte reached output.log");
    let out = p.cmd(&["log", "big"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout.len() as u64, size);
}

#[test]
fn output_log_is_capped_to_its_newest_part() {
    let p = Profile::shells("log_max_mb = 1");
    p.ok(&["ls"], 0);
    p.start_cmd(
        "chatty",
        "for i in $(seq 1 60000); do echo line-$i-padding-padding; done; exit 0",
    );
    p.wait_row("chatty", "chatty to finish", |r| r.state == "exited");
    let len = std::fs::metadata(p.session_dir("chatty").join("output.log"))
        .unwrap()
        .len();
    assert!(len <= 1024 * 1024, "log is {len} bytes, over the 1 MiB cap");
    let tail = p.ok(&["log", "chatty", "--tail", "1"], 0);
    assert_eq!(tail.trim(), "line-60000-padding-padding");
}

#[test]
fn sigkilled_supervisor_reads_lost_and_kill_ends_the_orphans() {
    let p = Profile::shells("");
    let pidfile = p.tmp.path().join("worker.pid");
    // Ignores TERM and the hangup it gets when the PTY master closes.
    let code = format!(
        "trap '' TERM HUP; echo $$ > {}; echo ready; while :; do sleep 0.1; done",
        pidfile.display()
    );
    p.start_cmd("orphan", &code);
    p.wait_log("orphan", "ready");
    let worker = read_pid(&pidfile).unwrap();
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(p.session_dir("orphan").join("state.json")).unwrap())
            .unwrap();
    let sup = state["supervisor_pid"].as_u64().unwrap() as i32;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(sup),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let row = p.wait_row("orphan", "lost", |r| r.state == "lost");
    assert!(!row.alive);
    assert!(alive(worker), "the orphan survives its supervisor here");
    let out = p.run(&["kill", "orphan", "--grace", "0.3"]);
    assert!(out.status.success(), "{}", show(&out));
    wait_for(DEADLINE_SECS, "the orphaned worker to die", || {
        !alive(worker)
    });
    assert_eq!(p.row("orphan").unwrap().state, "killed");
}

#[test]
fn flag_unflag_and_events() {
    let p = Profile::shells("");
    p.start_bash("fl");
    p.ok(&["flag", "fl", "which", "branch?"], 0);
    let row = p.row("fl").unwrap();
    assert!(row.flagged);
    assert_eq!(row.note.as_deref(), Some("which branch?"));
    assert!(p.ok(&["ls"], 0).contains("\u{2691} which branch?"));
    p.ok(&["unflag", "looop-fl"], 0);
    let row = p.row("fl").unwrap();
    assert!(!row.flagged && row.note.is_none());
    let events = std::fs::read_to_string(p.data.join("events.jsonl")).unwrap();
    assert!(events.contains("\"flagged\"") && events.contains("\"unflagged\""));
    assert_eq!(p.run(&["flag", "nobody", "x"]).status.code(), Some(1));
}

#[test]
fn prune_keeps_fresh_and_live_sessions_unless_all() {
    let p = Profile::shells("");
    p.start_cmd("done", "exit 0");
    p.start_bash("live");
    p.wait_row("done", "exit", |r| r.state == "exited");
    assert_eq!(p.ok(&["prune"], 0).trim(), "pruned 0 sessions");
    assert_eq!(p.ok(&["prune", "--all"], 0).trim(), "pruned 1 session");
    assert!(!p.session_dir("done").exists());
    assert!(p.row("live").unwrap().alive);
    assert_eq!(p.run(&["log", "done"]).status.code(), Some(1));
}

#[test]
fn bad_ids_change_nothing() {
    let p = Profile::shells("");
    let long = "x".repeat(65);
    for id in ["../x", "a/b", "", long.as_str(), "-x", "looop-../x"] {
        for args in [
            vec!["start-session", "--", id, "prompt"],
            vec!["kill", "--", id],
            vec!["log", "--", id],
            vec!["send", "--", id, "text"],
            vec!["attach", "--", id],
            vec!["flag", "--", id, "note"],
            vec!["unflag", "--", id],
        ] {
            let out = p.run(&args);
            assert_eq!(out.status.code(), Some(2), "{args:?}\n{}", show(&out));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(stderr.lines().count(), 1, "one-line error: {stderr}");
        }
    }
    assert!(!p.data.exists(), "a refused id created the data dir");
}

#[test]
fn a_220_character_data_dir_works() {
    let tmp = tempfile::tempdir().unwrap();
    let mut data = tmp.path().to_path_buf();
    while data.as_os_str().len() < 220 {
        data.push("a-rather-long-directory-name");
    }
    let p = Profile::shells_at(tmp, data, "");
    assert!(p.data.as_os_str().len() >= 220);
    p.start_bash("deep");
    p.ok(&["send", "deep", "echo deep-$((2*21))"], 0);
    p.wait_log("deep", "deep-42");
    p.ok(&["kill", "deep", "--grace", "0.2"], 0);
    assert_eq!(p.row("deep").unwrap().state, "killed");
}

#[test]
fn session_files_are_private() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let p = Profile::shells("");
    p.start_bash("priv");
    let dir = p.session_dir("priv");
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("state.json")).unwrap()).unwrap();
    let sock = std::path::PathBuf::from(state["socket"].as_str().unwrap());
    assert!(sock.as_os_str().len() < 100);
    let meta = std::fs::metadata(&sock).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o600);
    assert_eq!(
        std::fs::metadata(sock.parent().unwrap()).unwrap().mode() & 0o777,
        0o700
    );
}

#[test]
fn log_follow_ends_with_the_session() {
    let p = Profile::shells("");
    p.start_cmd(
        "f",
        "for i in 1 2 3 4 5; do echo tick-$i; sleep 0.1; done; exit 0",
    );
    let mut child = p
        .cmd(&["log", "f", "--follow"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut done = false;
    wait_for(
        DEADLINE_SECS,
        "log --follow to end with the session",
        || {
            done = child.try_wait().unwrap().is_some();
            done
        },
    );
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for i in 1..=5 {
        assert!(text.contains(&format!("tick-{i}\n")), "{text}");
    }
    assert_eq!(p.row("f").unwrap().state, "exited");
}

#[test]
fn input_to_a_worker_that_never_reads_is_bounded() {
    let p = Profile::shells("");
    // A full-screen program that stopped reading (raw mode, no echo): the
    // terminal takes a few KiB, then nothing. (In canonical mode the
    // kernel may take and drop input while its echo is drained: how much
    // then depends on timing.)
    p.start_cmd("deaf", "stty raw -echo; echo deaf-now; exec sleep 600");
    p.wait_log("deaf", "deaf-now");
    let chunk = "y".repeat(100_000);
    let mut refused = false;
    for _ in 0..30 {
        let out = p.run(&["send", "deaf", "-n", &chunk]);
        if out.status.code() == Some(1) {
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("not reading"),
                "{}",
                show(&out)
            );
            refused = true;
            break;
        }
        assert!(out.status.success(), "{}", show(&out));
    }
    assert!(refused, "3 MB of unread input were all accepted");
    assert!(p.row("deaf").unwrap().alive, "the supervisor lives on");
}

#[test]
fn a_worker_can_end_itself_with_kill() {
    let p = Profile::shells("");
    p.start_cmd(
        "selfie",
        "\"$LOOOP_BIN\" claim job && \"$LOOOP_BIN\" kill \"$LOOOP_SESSION_ID\" --grace 1; sleep 600",
    );
    let row = p.wait_row("selfie", "the self-kill", |r| r.state == "done");
    assert!(!row.alive);
    assert!(p.log("selfie").contains("job"), "the claim was taken");
    assert!(
        !p.data.join("claims/job.json").exists(),
        "the lease died with the session"
    );
    let pid = row.pid.unwrap();
    wait_for(DEADLINE_SECS, "the worker's group to be gone", || {
        !alive(pid)
    });
}
