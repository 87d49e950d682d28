//! `looop run`: beats on a cadence, the move's one-shot `next_interval`,
//! SIGTERM/SIGINT between beats and during a runner call; `run <goal>`.

mod support;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use support::*;

/// Spawn `looop run` with its stdout lines arriving on a channel.
fn spawn_run(env: &Profile) -> (Child, mpsc::Receiver<String>) {
    let mut child = env
        .cmd(&["run"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn expect_line(rx: &mpsc::Receiver<String>, want: &str, secs: u64) -> Vec<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let hit = line.contains(want);
                seen.push(line);
                if hit {
                    return seen;
                }
            }
            Err(_) => panic!("no line with {want:?}; saw {seen:?}"),
        }
    }
}

fn term(child: &Child) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
}

fn wait_exit(mut child: Child, secs: u64) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("looop run did not exit after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn run_uses_next_interval_once_then_interval_and_stops_on_sigterm() {
    let env = Profile::fake_ai("interval = 3000");
    env.answer_n(1, r#"{"move":"noop","journal":"soon","next_interval":5}"#);
    env.answer(&noop("quiet"));
    let (child, rx) = spawn_run(&env);
    expect_line(&rx, "next beat in 5s", 20);
    // The second beat comes after the one-shot 5 s; the world was seen, so
    // poke it to make the second beat call the AI.
    env.write("goals/poke.md", "poke\n");
    expect_line(&rx, "next beat in 3000s", 20);
    assert_eq!(env.calls(), 2);
    term(&child);
    let status = wait_exit(child, 10);
    assert_eq!(status.code(), Some(0));
    assert_eq!(env.journal().len(), 2);
}

#[test]
fn sigterm_during_a_runner_call_kills_the_runner_and_exits_zero() {
    let env = Profile::fake_ai("interval = 3000");
    std::fs::write(env.ai.join("hold"), "").unwrap();
    let (child, _rx) = spawn_run(&env);
    wait_for(20, "the runner to start", || {
        env.calls() == 1 && env.ai.join("pid").exists()
    });
    let pid: i32 = std::fs::read_to_string(env.ai.join("pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    term(&child);
    let status = wait_exit(child, 10);
    assert_eq!(status.code(), Some(0));
    wait_for(5, "the runner to die", || !alive(pid));
    assert!(env.journal().is_empty());
}

#[test]
fn failures_back_off() {
    let env = Profile::fake_ai("interval = 7");
    std::fs::write(env.ai.join("exit"), "9").unwrap();
    let (child, rx) = spawn_run(&env);
    expect_line(&rx, "next beat in 7s", 20);
    expect_line(&rx, "next beat in 14s", 30);
    term(&child);
    assert_eq!(wait_exit(child, 10).code(), Some(0));
}

#[test]
fn run_goal_is_focused_and_never_skipped() {
    let env = Profile::fake_ai("");
    env.answer(&noop("focused"));
    env.ok(&["run", "setup"], 0);
    env.ok(&["run", "setup"], 0);
    assert_eq!(env.calls(), 2, "no unchanged-world skip for run <goal>");
    assert!(env.prompt(2).contains("## FOCUS"));
    assert!(env.prompt(2).contains("`setup`"));

    let out = env.run(&["run", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no goal \"nope\"") && err.contains("setup"),
        "{err}"
    );

    for bad in ["../x", "goals/setup", "/etc/passwd"] {
        let out = env.run(&["run", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", show(&out));
    }
    assert_eq!(env.calls(), 2);
}

#[test]
fn sigterm_while_sensing_ends_the_sensors_and_exits_zero() {
    let env = Profile::fake_ai("interval = 3000");
    let pidfile = env.tmp.path().join("sensor.pid");
    env.sensor(
        "slow",
        &format!("#!/bin/sh\necho $$ > {}\nsleep 300\n", pidfile.display()),
    );
    let (child, _rx) = spawn_run(&env);
    wait_for(20, "the sensor to start", || {
        pidfile.exists() && !std::fs::read_to_string(&pidfile).unwrap().is_empty()
    });
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let started = std::time::Instant::now();
    term(&child);
    assert_eq!(wait_exit(child, 10).code(), Some(0));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "did not wait for the sensor timeout"
    );
    assert!(!alive(pid), "the sensor outlived the pulse");
    assert_eq!(env.calls(), 0, "an interrupted beat asks no AI");
}
