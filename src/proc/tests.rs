//! Real processes: the group kill reaches every pid (grandchildren and a
//! TERM-ignoring one too), and the deadline, the cap and the stop flag each
//! end a run.

use super::*;
use std::os::fd::OwnedFd;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use std::time::Instant;

fn bash(script: &str, stdout: bool) -> Child {
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(script).stdin(Stdio::null());
    cmd.stdout(if stdout {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    spawn(&mut cmd, None, &[]).unwrap()
}

fn stdout_pipe(child: &mut Child) -> Vec<Pipe> {
    vec![Pipe {
        child: 0,
        fd: OwnedFd::from(child.stdout.take().unwrap()),
    }]
}

/// Whether `pid` is a live (not zombie) process.
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat[stat.rfind(')').unwrap() + 1..]
                .split_whitespace()
                .next();
            !matches!(state, Some("Z") | Some("X"))
        }
        Err(_) => false,
    }
}

#[test]
fn a_deadline_ends_every_pid_of_the_group() {
    // A grandchild, a great-grandchild in a subshell, and one that ignores
    // TERM (ignored signals survive exec), all holding the pipe open.
    let script = "sleep 300 & echo $!; (sleep 300 & echo $!; wait) & \
                  (trap '' TERM; exec sleep 300) & echo $!; echo ready; wait";
    let mut child = bash(script, true);
    let pgid = child.id();
    let pipes = stdout_pipe(&mut child);
    let mut out = Vec::new();
    let started = Instant::now();
    let limits = Limits::deadline_only(started + Duration::from_millis(500));
    let ended = run(std::slice::from_mut(&mut child), pipes, &limits, |_, b| {
        out.extend_from_slice(b)
    });
    assert_eq!(ended[0].cut, Some(Cut::TimedOut));
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("ready"), "{text}");
    let pids: Vec<u32> = text.lines().filter_map(|l| l.parse().ok()).collect();
    assert_eq!(pids.len(), 3, "{text}");
    assert!(!info::group_alive(pgid));
    if cfg!(target_os = "linux") {
        for pid in pids {
            assert!(!alive(pid), "pid {pid} of the group survived");
        }
    }
    // The TERM-ignoring member needed the KILL after the grace.
    let took = started.elapsed();
    assert!(
        took >= TERM_GRACE && took < Duration::from_secs(5),
        "{took:?}"
    );
}

#[test]
fn a_deadline_without_pipes_ends_the_child() {
    let mut child = bash("exec sleep 30", false);
    let started = Instant::now();
    let limits = Limits::deadline_only(started + Duration::from_millis(200));
    let ended = run(
        std::slice::from_mut(&mut child),
        Vec::new(),
        &limits,
        |_, _| {},
    );
    assert_eq!(ended[0].cut, Some(Cut::TimedOut));
    assert!(ended[0].status.as_ref().is_ok_and(|s| !s.success()));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn the_cap_kills_a_child_that_writes_too_much() {
    let mut child = bash("while :; do echo xxxxxxxxxxxxxxxx; done", true);
    let pipes = stdout_pipe(&mut child);
    let mut got = 0;
    let limits = Limits::deadline_only(Instant::now() + Duration::from_secs(20)).cap(1000);
    let ended = run(std::slice::from_mut(&mut child), pipes, &limits, |_, b| {
        got += b.len()
    });
    assert_eq!(ended[0].cut, Some(Cut::Oversize));
    assert!(got <= 1000, "{got}");
}

#[test]
fn output_under_the_cap_is_all_delivered_and_eof_is_marked() {
    let mut child = bash("printf 'a\\nb'", true);
    let pipes = stdout_pipe(&mut child);
    let (mut out, mut eofs) = (Vec::new(), 0);
    let limits = Limits::deadline_only(Instant::now() + Duration::from_secs(20)).cap(1000);
    let ended = run(std::slice::from_mut(&mut child), pipes, &limits, |_, b| {
        if b.is_empty() {
            eofs += 1;
        }
        out.extend_from_slice(b)
    });
    assert_eq!(ended[0].cut, None);
    assert!(ended[0].status.as_ref().is_ok_and(|s| s.success()));
    assert_eq!((out.as_slice(), eofs), (b"a\nb".as_slice(), 1));
}

#[test]
fn the_stop_flag_ends_children_with_and_without_open_pipes() {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        flag.store(true, Ordering::SeqCst);
    });
    let mut children = [bash("exec sleep 30", true), bash("exec sleep 30", false)];
    let pipes = stdout_pipe(&mut children[0]);
    let started = Instant::now();
    let asked = || stop.load(Ordering::SeqCst);
    let limits = Limits {
        deadline: started + Duration::from_secs(30),
        cap: usize::MAX,
        stop: &asked,
        wake: None,
    };
    let ended = run(&mut children, pipes, &limits, |_, _| {});
    assert!(ended.iter().all(|e| e.cut == Some(Cut::Stopped)));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(children.iter().all(|c| !info::group_alive(c.id())));
}

#[test]
fn end_terms_then_kills_a_group() {
    let mut child = bash("trap '' TERM; sleep 300 & echo ready; wait", true);
    let pgid = child.id();
    let mut line = String::new();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    assert_eq!(line, "ready\n");
    let started = Instant::now();
    assert!(group::end(&[pgid], Duration::from_millis(200)));
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert!(!info::group_alive(pgid));
    assert!(child.wait().is_ok_and(|s| !s.success()));
}
