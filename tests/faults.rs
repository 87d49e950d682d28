//! Fault injection (issue 7): the real binary against crashes, races, hung
//! and escaping children, a read-only data dir and config edits mid-run.
//! Each test is bounded by deadlines; only the AI is faked (a shell script).
//!
//! Concurrent ledger writers (50 processes × 20 `_cost` each, no line torn
//! or lost) are covered by `tests/cost_record.rs`
//! (`fifty_concurrent_reporters_lose_no_line`) and not repeated here.

mod support;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use support::*;

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

/// A runner script (`sh <tmp>/runner.sh`), driven by files in `<tmp>/ai/`:
/// every call appends a line to `calls`; while `hang` exists it streams one
/// line, starts a background sleeper (pid in `bg`) and sleeps itself (pid in
/// `fg`); then it answers with a claude stream-json result that carries a
/// cost and a noop move whose journal text is in `said` (default `ok`).
const RUNNER: &str = r#"#!/bin/sh
d="$FAULT_AI"
echo "$$" >> "$d/calls"
cat > /dev/null
if [ -e "$d/hang" ]; then
  echo '{"type":"system","subtype":"init","note":"thinking"}'
  sleep 1000 &
  echo $! > "$d/bg"
  echo $$ > "$d/fg"
  sleep 1000
fi
said=$(cat "$d/said" 2>/dev/null || echo ok)
printf '{"type":"result","subtype":"success","is_error":false,"result":"{\\"move\\":\\"noop\\",\\"journal\\":\\"%s\\"}","total_cost_usd":0.01}\n' "$said"
"#;

/// A profile whose tick runner is [`RUNNER`] (named `script`), plus the
/// worker runner `w`.
fn script_env(extra: &str) -> Profile {
    let env = env_with(extra);
    let runner = env.tmp.path().join("runner.sh");
    std::fs::write(&runner, RUNNER).unwrap();
    let table = format!(
        "\n[runners.script]\ntick = \"FAULT_AI='{}' sh '{}'\"\ninteractive = \"sh {{{{prompt_file}}}}\"\n",
        env.ai.display(),
        runner.display()
    );
    env.use_runner("script", &table);
    env
}

/// How many times the script runner was called.
fn script_calls(env: &Profile) -> usize {
    std::fs::read_to_string(env.ai.join("calls"))
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

/// Whether `path` lists exactly `n` lines (pids) yet.
fn lists(path: &Path, n: usize) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.lines().count() == n)
}

/// The supervisor pid in session `id`'s state file.
fn supervisor_pid(env: &Profile, id: &str) -> i32 {
    let state: serde_json::Value =
        serde_json::from_str(&env.file(&format!("sessions/looop-{id}/state.json"))).unwrap();
    state["supervisor_pid"].as_i64().unwrap() as i32
}

fn sigkill(pid: i32) {
    kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
}

/// Ends a process group on drop, so a failing test leaves no sleeper.
struct GroupGuard(Vec<i32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        for &pgid in &self.0 {
            // ESRCH: already gone, the expected case.
            let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
        }
    }
}

/// Wait for a child with a deadline (killing it on timeout).
fn wait_child(child: &mut Child, secs: u64, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > deadline {
            // Cleanup before failing; the kill's result does not matter.
            let _ = child.kill();
            panic!("{what} did not exit within {secs}s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every file of the data dir that others read parses: `*.jsonl` line by
/// line, `*.json` whole, the journal is whole `- ` lines. Runner and worker
/// output logs are free text and skipped.
fn assert_intact(data: &Path) {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                if p.file_name().is_some_and(|n| n != ".git") {
                    walk(&p, out);
                }
            } else {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(data, &mut files);
    let mut checked = 0;
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".jsonl") {
            let text = std::fs::read_to_string(f).unwrap();
            assert!(
                text.is_empty() || text.ends_with('\n'),
                "{} ends mid-line",
                f.display()
            );
            for (i, line) in text.lines().enumerate() {
                serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| {
                    panic!("{}:{}: torn line {line:?}: {e}", f.display(), i + 1)
                });
            }
            checked += 1;
        } else if name.ends_with(".json") {
            let text = std::fs::read_to_string(f).unwrap();
            serde_json::from_str::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}\n{text}", f.display()));
            checked += 1;
        } else if name == "journal.md" {
            let text = std::fs::read_to_string(f).unwrap();
            assert!(text.is_empty() || text.ends_with('\n'), "journal torn");
            for line in text.lines() {
                assert!(line.starts_with("- "), "journal line {line:?}");
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "nothing checked in {}", data.display());
}

fn lines_of(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Fault 1: a beat SIGKILLed while its runner streams: no stale lock, no torn
/// file, the world not recorded as seen, and the runner's orphaned group
/// (which lost its parent mid-call) is ended by the next beat.
#[test]
fn sigkilled_beat_mid_stream_leaves_nothing_broken() {
    let env = script_env("");
    env.sensor(
        "steady",
        "#!/bin/sh\necho '{\"signal\":\"same\",\"detail\":\"x\"}'\n",
    );
    std::fs::write(env.ai.join("hang"), "").unwrap();
    let mut beat = env.spawn_quiet(&["tick"]);
    // Streaming: the runner's first line reached runs/<id>/output.log.
    wait_for(20, "the runner's first line in output.log", || {
        std::fs::read_dir(env.data.join("runs"))
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| {
                std::fs::read_to_string(e.path().join("output.log"))
                    .is_ok_and(|t| t.contains("thinking"))
            })
    });
    wait_for(10, "the runner's pids", || {
        env.ai.join("bg").exists() && env.ai.join("fg").exists()
    });
    let fg = read_pid(&env.ai.join("fg")).unwrap();
    let bg = read_pid(&env.ai.join("bg")).unwrap();
    let group = pgid_of(fg).expect("runner alive");
    let _guard = GroupGuard(vec![group]);
    assert_eq!(pgid_of(bg), Some(group), "runner children share its group");
    assert_ne!(group, beat.id() as i32, "the runner has its own group");

    sigkill(beat.id() as i32);
    wait_child(&mut beat, 10, "the killed beat");
    // The orphaned runner group outlives its beat (nobody else knows it)...
    assert!(!group_members(group).is_empty());
    assert_intact(&env.data);
    assert_eq!(env.journal().len(), 0);

    // ...until the next beat, which is not busy, ends that group, and asks
    // the AI again because the killed beat's world was never recorded.
    std::fs::remove_file(env.ai.join("hang")).unwrap();
    let out = env.ok(&["tick"], 0);
    assert!(!out.contains("world unchanged"), "{out}");
    assert_eq!(script_calls(&env), 2);
    wait_for(10, "the orphaned runner group to be gone", || {
        group_members(group).is_empty()
    });
    assert!(!alive(fg) && !alive(bg));
    assert_eq!(env.journal().len(), 1);
    assert_intact(&env.data);
    let ledger = lines_of(&env.file("cost.jsonl"));
    assert_eq!(ledger.len(), 1, "one metered call: {ledger:?}");
    // Now the world is recorded: the third beat calls nobody.
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("world unchanged"), "{out}");
    assert_eq!(script_calls(&env), 2);
    assert_intact(&env.data);
}

/// Fault 1, widened: beats SIGKILLed at staggered moments (sensing,
/// deciding, acting, journalling, recording) never leave a torn file or a
/// stale lock, and a clean beat follows.
#[test]
fn beats_killed_at_any_moment_tear_nothing() {
    let env = script_env("");
    // A world that changes every beat, so every beat goes all the way.
    env.sensor(
        "clock",
        "#!/bin/sh\necho \"{\\\"signal\\\":\\\"$(date +%s%N)\\\"}\"\n",
    );
    // One clean beat first, to learn how long a whole beat takes here.
    let started = Instant::now();
    env.ok(&["tick"], 0);
    let whole = started.elapsed();
    for i in 0..16u32 {
        let mut beat = env.spawn_quiet(&["tick"]);
        // The fault itself: a kill after a delay that sweeps the beat's
        // steps, from its start to twice a whole beat (not a wait for a
        // condition).
        std::thread::sleep(whole * i / 8);
        // The beat may have finished already; either way it is reaped.
        let _ = beat.kill();
        wait_child(&mut beat, 10, "a killed beat");
        assert_intact(&env.data);
    }
    // The crash record (src/pulse/orphans.rs) names one beat's groups at
    // most (one sensor, one runner), however many beats were killed.
    let record = env.file("runs/.groups");
    assert!(record.lines().count() <= 2, "{record}");
    let before = env.journal().len();
    let swept = before - 1;
    eprintln!("{swept} of 16 killed beats got as far as the journal");
    assert!(swept < 16, "no beat was killed before its journal line");
    let out = env.ok(&["tick"], 0);
    assert!(!out.contains("world unchanged"), "{out}");
    assert_eq!(env.journal().len(), before + 1);
    assert_intact(&env.data);
}

/// Fault 2: a SIGKILLed supervisor: the session reads `lost`, its claims are
/// reaped by the next beat, and `kill` still ends every process of the
/// orphaned group (which ignores the PTY hang-up).
#[test]
fn sigkilled_supervisor_is_lost_reaped_and_killable() {
    let env = script_env("");
    let pids = env.tmp.path().join("worker-pids");
    let code = format!(
        "trap '' HUP; \"$LOOOP_BIN\" claim db || exit 9; sleep 1000 & echo $! >> '{p}'; (sleep 1000; true) & echo $! >> '{p}'; echo $$ >> '{p}'; echo ready; wait",
        p = pids.display()
    );
    start_worker(&env, "doomed", &code);
    wait_for(30, "the worker's claim and pids", || {
        env.data.join("claims/db.json").exists() && lists(&pids, 3)
    });
    let rows = ls_json(&env);
    let pid = rows[0]["pid"].as_i64().unwrap() as i32;
    let group = pgid_of(pid).unwrap();
    let _guard = GroupGuard(vec![group]);
    let sup = supervisor_pid(&env, "doomed");

    sigkill(sup);
    wait_for(10, "the supervisor to die", || !alive(sup));
    let rows = ls_json(&env);
    assert_eq!(rows[0]["state"], "lost", "{rows:?}");
    assert_eq!(rows[0]["alive"], false, "{rows:?}");
    let members = group_members(group);
    assert!(
        members.len() >= 3,
        "the orphaned group lives on: {members:?}"
    );

    std::fs::write(env.ai.join("said"), "after").unwrap();
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("claim db dropped"), "{out}");
    assert!(!env.data.join("claims/db.json").exists());
    let reaped = env.events("claim_reaped");
    assert_eq!(reaped.len(), 1, "{reaped:?}");
    assert_eq!(reaped[0]["name"], "db", "{reaped:?}");

    env.ok(&["kill", "doomed", "--grace", "1"], 0);
    assert!(
        group_members(group).is_empty(),
        "{:?}",
        group_members(group)
    );
    for p in read_pids(&pids) {
        assert!(!alive(p), "worker process {p} survived the kill");
    }
    let rows = ls_json(&env);
    assert_eq!(rows[0]["state"], "killed", "{rows:?}");
    assert_intact(&env.data);
}

/// Fault 3: 100 `tick`s at once on one profile: exactly one calls the AI; every
/// other one is busy (75) or finds the world unchanged after it.
#[test]
fn hundred_concurrent_ticks_call_the_ai_once() {
    let env = script_env("");
    env.sensor("steady", "#!/bin/sh\necho '{\"signal\":1}'\n");
    let children: Vec<Child> = (0..100).map(|_| env.spawn_piped(&["tick"])).collect();
    let (mut busy, mut unchanged, mut acted) = (0, 0, 0);
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        match out.status.code() {
            Some(75) => busy += 1,
            Some(0) if stdout.contains("world unchanged") => unchanged += 1,
            Some(0) => acted += 1,
            _ => panic!("a tick failed:\n{}", show(&out)),
        }
    }
    assert_eq!(acted, 1, "busy {busy}, unchanged {unchanged}");
    assert_eq!(busy + unchanged, 99);
    assert_eq!(script_calls(&env), 1);
    assert_eq!(env.journal().len(), 1);
    assert_eq!(env.events("decide_start").len(), 1);
    assert_eq!(lines_of(&env.file("cost.jsonl")).len(), 1);
    assert_intact(&env.data);
}

/// Fault 5: a hung sensor with children and grandchildren: after the sensor
/// timeout every one of them is dead, and the beat went on.
#[test]
fn hung_sensor_family_dies_after_the_timeout() {
    let env = script_env("");
    let mut config = std::fs::read_to_string(&env.config).unwrap();
    config = config.replacen("timeout = 5", "timeout = 1", 1);
    std::fs::write(&env.config, config).unwrap();
    let pids = env.tmp.path().join("sensor-pids");
    env.sensor(
        "forky",
        &format!(
            "#!/bin/bash\np='{p}'\necho $$ >> $p\nsleep 1000 & echo $! >> $p\nsleep 1000 & echo $! >> $p\n( sleep 1000 & echo $! >> $p; (sleep 1000; true) & echo $! >> $p; wait ) &\necho $! >> $p\nwait\n",
            p = pids.display()
        ),
    );
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("noop"), "{out}");
    let listed = read_pids(&pids);
    assert_eq!(listed.len(), 6, "{listed:?}");
    let group = listed[0];
    let _guard = GroupGuard(vec![group]);
    wait_for(5, "the sensor's family to be gone", || {
        listed.iter().all(|&p| !alive(p))
    });
    assert!(group_members(group).is_empty());
    let reading: serde_json::Value =
        serde_json::from_str(&env.file("snapshots/forky.json")).unwrap();
    assert!(
        reading["error"]
            .as_str()
            .is_some_and(|e| e.contains("timed out") || e.contains("timeout")),
        "{reading}"
    );
}

/// Fault 5, with fault 1: a beat SIGKILLed while a sensor hangs leaves the
/// sensor's family without its timeout; the next beat ends all of it.
#[test]
fn sigkilled_beat_while_sensing_leaves_no_sensor_behind() {
    let env = script_env("");
    let pids = env.tmp.path().join("sensor-pids");
    let hang = env.tmp.path().join("hang");
    env.sensor(
        "sticky",
        &format!(
            "#!/bin/bash\nif [ -e '{h}' ]; then echo $$ >> '{p}'; sleep 1000 & echo $! >> '{p}'; wait; fi\necho '{{\"signal\":1}}'\n",
            h = hang.display(),
            p = pids.display()
        ),
    );
    std::fs::write(&hang, "").unwrap();
    let mut beat = env.spawn_quiet(&["tick"]);
    wait_for(20, "the sensor and its child", || lists(&pids, 2));
    let listed = read_pids(&pids);
    let _guard = GroupGuard(vec![listed[0]]);
    sigkill(beat.id() as i32);
    wait_child(&mut beat, 10, "the killed beat");
    assert!(listed.iter().all(|&p| alive(p)), "orphaned, not ended");

    std::fs::remove_file(&hang).unwrap();
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("ended 1 process group"), "{out}");
    wait_for(5, "the old sensor's family to be gone", || {
        listed.iter().all(|&p| !alive(p))
    });
    assert_intact(&env.data);
}

/// Fault 6: a worker that daemonizes: a disowned background job
/// (`nohup … & disown`, same process group), a `setsid` child (own session
/// and group) and a double-forked `setsid` daemon (orphaned at once). `kill`
/// ends the group, and the supervisor, a Linux child subreaper, ends the
/// escapees it adopted (src/supervisor/escapees.rs).
#[test]
fn worker_daemons_die_with_the_session() {
    let env = script_env("");
    let pids = env.tmp.path().join("daemon-pids");
    let code = format!(
        "p='{p}'; nohup sleep 1000 >/dev/null 2>&1 & echo $! >> $p; disown; setsid sleep 1001 >/dev/null 2>&1 < /dev/null & echo $! >> $p; ( setsid sh -c 'sleep 1002 & echo $! >> '$p < /dev/null > /dev/null 2>&1 & ); echo $$ >> $p; sleep 1000",
        p = pids.display()
    );
    start_worker(&env, "daemon", &code);
    wait_for(30, "the worker's pids", || lists(&pids, 4));
    let listed = read_pids(&pids);
    let group = pgid_of(listed[0]).unwrap();
    let mut guard = GroupGuard(vec![group]);
    // The setsid child may still be between fork and setsid: wait.
    wait_for(10, "two daemons outside the worker's group", || {
        listed
            .iter()
            .filter(|&&p| pgid_of(p).is_some_and(|g| g != group))
            .count()
            == 2
    });
    guard.0.extend(listed.iter().filter_map(|&p| pgid_of(p)));

    env.ok(&["kill", "daemon", "--grace", "1"], 0);
    for p in &listed {
        assert!(!alive(*p), "process {p} of the worker survived the kill");
    }
    assert!(group_members(group).is_empty());
}

/// Fault 6, the other side: sessions started from inside a worker (as the
/// pulse's `start_worker` does from inside `looop-pulse`) have supervisors
/// that are orphaned at once and adopted by the parent's supervisor; they
/// are not escapees and must outlive the parent's kill (`looop down` keeps
/// workers running).
#[test]
fn sessions_started_by_a_killed_worker_keep_running() {
    let env = script_env("");
    let code = "LOOOP_T_CMD='echo inner-up; sleep 1000' \"$LOOOP_BIN\" start-session inner task w && sleep 1000";
    start_worker(&env, "outer", code);
    let listed_alive = |id: &str| {
        let rows = ls_json(&env);
        rows.iter().any(|r| r["id"] == id && r["alive"] == true)
    };
    wait_for(30, "the inner session's output", || {
        env.run(&["log", "inner"]).stdout.starts_with(b"inner-up")
    });
    let inner_sup = supervisor_pid(&env, "inner");

    env.ok(&["kill", "outer", "--grace", "1"], 0);
    assert!(!listed_alive("outer"));
    assert!(alive(inner_sup), "the inner supervisor was killed");
    assert!(
        listed_alive("inner"),
        "the inner session died with the outer one"
    );
    env.ok(&["kill", "inner", "--grace", "0"], 0);
}

/// Makes a directory read-only with a read-only bind mount over itself and
/// undoes it on drop.
struct ReadOnly(PathBuf);

impl ReadOnly {
    /// None (with the reason printed) when bind mounts are not allowed here.
    fn try_new(dir: &Path) -> Option<ReadOnly> {
        let run = |args: &[&str]| {
            std::process::Command::new(args[0])
                .args(&args[1..])
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false)
        };
        let d = dir.to_str().unwrap();
        if !run(&["mount", "--bind", d, d]) {
            eprintln!("skipped: `mount --bind` is not permitted here");
            return None;
        }
        let guard = ReadOnly(dir.to_path_buf());
        if !run(&["mount", "-o", "remount,ro,bind", d]) {
            eprintln!("skipped: a read-only remount is not permitted here");
            return None;
        }
        Some(guard)
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        let status = std::process::Command::new("umount")
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success(), "umount {}", self.0.display());
    }
}

/// Fault 7: the data dir turns read-only while a beat waits on the AI: the beat
/// fails with status 1 naming the path, nothing is torn, later beats fail
/// the same way, and once writable again the next beat works.
#[test]
fn read_only_data_dir_mid_run_fails_clearly_and_recovers() {
    let env = script_env("");
    env.sensor("steady", "#!/bin/sh\necho '{\"signal\":1}'\n");
    std::fs::write(env.ai.join("said"), "first").unwrap();
    env.ok(&["tick"], 0);
    // A change, so the next beat calls the AI again; the runner then waits
    // for `go` before answering.
    env.sensor("steady", "#!/bin/sh\necho '{\"signal\":2}'\n");
    let go = env.ai.join("go");
    let runner = env.tmp.path().join("runner.sh");
    let waiting = RUNNER.replacen(
        "cat > /dev/null\n",
        &format!(
            "cat > /dev/null\nwhile [ ! -e '{}' ]; do sleep 0.05; done\n",
            go.display()
        ),
        1,
    );
    std::fs::write(&runner, waiting).unwrap();
    let before = std::fs::read_to_string(env.data.join("events.jsonl")).unwrap();
    let mut beat = env.spawn_piped(&["tick"]);
    wait_for(20, "the second call", || script_calls(&env) == 2);
    let Some(ro) = ReadOnly::try_new(&env.data) else {
        std::fs::write(&go, "").unwrap();
        wait_child(&mut beat, 20, "the beat");
        return;
    };
    std::fs::write(&go, "").unwrap();
    wait_child(&mut beat, 30, "the beat on a read-only dir");
    let out = beat.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&*env.data.to_string_lossy()) && stderr.contains("Read-only"),
        "{}",
        show(&out)
    );
    assert_eq!(env.journal().len(), 1, "nothing journalled read-only");
    assert_intact(&env.data);

    // A beat started while read-only fails at once, clearly.
    let out = env.run(&["tick"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.lines().count() == 1 && err.contains(&*env.data.to_string_lossy()),
        "{}",
        show(&out)
    );

    drop(ro);
    assert!(
        std::fs::read_to_string(env.data.join("events.jsonl"))
            .unwrap()
            .starts_with(&before)
    );
    std::fs::write(env.ai.join("said"), "again").unwrap();
    let out = env.ok(&["tick"], 0);
    assert!(!out.contains("world unchanged"), "{out}");
    assert_eq!(env.journal().len(), 2);
    assert!(env.journal()[1].contains("again"));
    assert_intact(&env.data);
}

/// Fault 8: the config edited while `looop run` loops: a valid edit (another
/// runner) is used by the next beat; a broken edit is reported on stderr
/// and the previous config keeps beating.
#[test]
fn config_edits_while_running_are_picked_up_or_refused() {
    let env = script_env("interval = 1");
    // A world that changes every beat, so every beat calls the AI.
    env.sensor(
        "clock",
        "#!/bin/sh\necho \"{\\\"signal\\\":\\\"$(date +%s%N)\\\"}\"\n",
    );
    let marker = env.tmp.path().join("second-runner");
    let mut run = env
        .cmd(&["run"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = run.stderr.take().unwrap();
    let err_text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = err_text.clone();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let mut s = sink.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    });
    wait_for(20, "the first beat's call", || script_calls(&env) >= 1);

    // A valid edit: a new runner `other`, made the default.
    let original = std::fs::read_to_string(&env.config).unwrap();
    let edited = format!(
        "{}\n[runners.other]\ntick = \"touch '{}'; printf '%s' '{}'\"\ninteractive = \"sh {{{{prompt_file}}}}\"\n",
        original.replacen("runner = \"script\"", "runner = \"other\"", 1),
        marker.display(),
        noop("from other").replace('"', "\\\"")
    );
    write_atomic(&env.config, &edited);
    wait_for(20, "the edited runner to be called", || marker.exists());
    wait_for(20, "its journal line", || {
        env.journal().iter().any(|l| l.contains("from other"))
    });

    // A broken edit: said on stderr, and the beats go on with `other`.
    write_atomic(&env.config, &format!("max_workers = \"many\"\n{edited}"));
    wait_for(20, "the broken config to be reported", || {
        err_text
            .lock()
            .unwrap()
            .contains("keeping the previous config")
    });
    let said = err_text.lock().unwrap().clone();
    assert!(
        said.contains(&format!("{}:1:", env.config.display())),
        "{said}"
    );
    std::fs::remove_file(&marker).unwrap();
    wait_for(20, "a beat with the previous config", || marker.exists());
    assert!(run.try_wait().unwrap().is_none(), "run stopped");

    kill(Pid::from_raw(run.id() as i32), Signal::SIGTERM).unwrap();
    let status = wait_child(&mut run, 20, "looop run after SIGTERM");
    assert_eq!(status.code(), Some(0));
    assert_intact(&env.data);
}

/// Replace a file the way an editor that saves atomically does.
fn write_atomic(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Fault 9: a replace whose rename fails (the target is a directory) fails
/// naming the target and leaves no temp file behind: not a snapshot, a
/// goal, the beat's scratch, a claim, nor a worker's prompt file.
#[test]
fn a_failed_replace_leaves_no_temp_file() {
    let env = Profile::fake_ai("");
    let block = |rel: &str| std::fs::create_dir_all(env.data.join(rel)).unwrap();
    let assert_failed_clean = |out: std::process::Output, targets: &[&str]| {
        assert_eq!(out.status.code(), Some(1), "{}", show(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        for target in targets {
            let named = format!("cannot replace {}", env.data.join(target).display());
            assert!(err.contains(&named), "{}", show(&out));
        }
        assert_eq!(temp_files(&env.data), Vec::<PathBuf>::new(), "{targets:?}");
    };

    // Sensing: the snapshot (the beat's scratch writer).
    env.sensor("probe", "#!/bin/sh\necho '{\"signal\":1}'\n");
    block("snapshots/probe.json");
    assert_failed_clean(env.run(&["tick"]), &["snapshots/probe.json"]);
    std::fs::remove_dir(env.data.join("snapshots/probe.json")).unwrap();

    // Acting: the goal (the fsyncing writer); then the beat's state.
    block("goals/g.md");
    // The failed beat above kept its failure there (a failed beat, §12).
    std::fs::remove_file(env.data.join(".state.json")).unwrap();
    block(".state.json");
    env.answer(r#"{"move":"write_goal","id":"g","body":"b","journal":"j"}"#);
    assert_failed_clean(env.run(&["tick"]), &["goals/g.md", ".state.json"]);

    // A claim taken over from a "claim" that is a directory.
    block("claims/job.json");
    let out = env.run(&["claim", "job", "--session", "looop-a"]);
    assert_failed_clean(out, &["claims/job.json"]);

    // A worker's prompt file (the supervisor's private writer).
    block("prompts/looop-w.md");
    let out = env.run(&["start-session", "w", "task", "fake"]);
    assert_failed_clean(out, &["prompts/looop-w.md"]);
    assert!(row_json(&env, "w").is_none(), "nothing was started");
}

/// Every `*.tmp` file under `dir`.
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && !path.is_symlink() {
            found.extend(temp_files(&path));
        } else if path.to_string_lossy().ends_with(".tmp") {
            found.push(path);
        }
    }
    found
}
