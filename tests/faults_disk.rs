//! Issue 17 points 1-3 / CONTRACT §12 ("Full disk and closed pipes",
//! "Failed beats"), against the real binary: a full stdout or disk never
//! panics, a closed stdout never cuts a beat short, a supervisor that cannot
//! log keeps its worker, and every failure after the beat lock is a failed
//! beat.

mod support;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use support::*;

fn noop_answer(journal: &str) -> String {
    serde_json::json!({"move": "noop", "journal": journal}).to_string()
}

#[test]
fn a_full_stdout_never_panics_and_the_beat_still_journals() {
    let env = Profile::fake_ai("");
    env.answer(&noop_answer("wrote to a full stdout"));
    env.write("goals/g.md", "a goal\n");
    let full = || std::fs::OpenOptions::new().write(true).open("/dev/full");
    let out = env.cmd(&["tick"]).stdout(full().unwrap()).output().unwrap();
    echo_run("looop tick >/dev/full", &out);
    assert_ne!(out.status.code(), Some(101), "{}", show(&out));
    assert!(
        text(&out.stderr).contains("cannot write to standard output"),
        "{}",
        show(&out)
    );
    assert!(
        env.journal()
            .iter()
            .any(|l| l.contains("wrote to a full stdout")),
        "{:?}",
        env.journal()
    );
    assert!(env.data.join(".state.json").is_file());
    let out = env
        .cmd(&["status"])
        .stdout(full().unwrap())
        .output()
        .unwrap();
    echo_run("looop status >/dev/full", &out);
    assert_status(&out, 1);
    assert!(
        text(&out.stderr).contains("cannot write to standard output"),
        "{}",
        show(&out)
    );
}

#[test]
fn a_closed_stdout_does_not_cut_a_beat_short() {
    let env = Profile::fake_ai("");
    env.answer(&noop_answer("nobody read this beat"));
    env.write("goals/g.md", "a goal\n");
    // The AI holds until the reader is gone, so every line after the first
    // byte meets a closed pipe (`looop tick | head -c1`).
    let hold = env.ai.join("hold");
    std::fs::write(&hold, "").unwrap();
    let mut child = env.cmd(&["tick"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    wait_for(DEADLINE_SECS, "the AI to be called", || env.calls() == 1);
    std::fs::remove_file(&hold).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(
        env.journal()
            .iter()
            .any(|l| l.contains("nobody read this beat")),
        "{:?}",
        env.journal()
    );
    let state = env.file(".state.json");
    assert!(state.contains("nobody read this beat"), "{state}");
    assert!(env.events("tick_failed").is_empty());
}

#[test]
fn a_failure_before_the_ai_is_a_failed_beat() {
    // A budget, so the beat reads the ledger before it asks the AI.
    let env = Profile::fake_ai("daily_budget_usd = 5.0");
    env.answer(&noop_answer("never"));
    env.write("goals/g.md", "a goal\n");
    std::fs::create_dir(env.data.join("cost.jsonl")).unwrap();
    let out = env.run(&["tick"]);
    assert_status(&out, 1);
    let failed = env.events("tick_failed");
    assert_eq!(failed.len(), 1, "{}", env.file("events.jsonl"));
    let reason = failed[0]["reason"].as_str().unwrap();
    assert!(reason.contains("cost.jsonl"), "{reason}");
    // Kept for the next prompt's LAST FAILURE.
    std::fs::remove_dir(env.data.join("cost.jsonl")).unwrap();
    env.write("goals/g.md", "a goal, again\n");
    env.ok(&["tick"], 0);
    let prompt = env.prompt(1);
    assert!(prompt.contains("LAST FAILURE"), "{prompt}");
    assert!(prompt.contains("cost.jsonl"), "{prompt}");
}

/// A 512 KiB tmpfs, unmounted on drop.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    /// `None` (with the reason printed) only where mounting is refused;
    /// CI runs as root, where it works.
    fn mount(at: &Path) -> Option<SmallDisk> {
        std::fs::create_dir_all(at).unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs"])
            .arg(at)
            .output()
            .unwrap();
        if !out.status.success() {
            eprintln!("SKIPPED: cannot mount a tmpfs: {}", text(&out.stderr));
            return None;
        }
        Some(SmallDisk {
            dir: at.to_path_buf(),
        })
    }

    /// Fill it to the last byte; the filler is deleted to free it.
    fn fill(&self) -> PathBuf {
        let p = self.dir.join("filler");
        let mut f = std::fs::File::create(&p).unwrap();
        let chunk = vec![b'x'; 4096];
        while f.write_all(&chunk).is_ok() {}
        while f.write_all(b"x").is_ok() {}
        p
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Best effort: a busy mount is detached lazily.
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.dir)
            .status();
    }
}

#[test]
fn a_full_disk_keeps_the_worker_alive_and_beats_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let mnt = tmp.path().join("disk");
    let Some(disk) = SmallDisk::mount(&mnt) else {
        return;
    };
    let data = mnt.join("data");
    let outside = tmp.path().join("count");
    let env = Profile::in_dir(tmp, data);
    env.write_config(&format!(
        "runner = \"fake\"\n{}\n[runners.fake]\ntick = \"FAKE_AI_DIR='{}' sh '{}/tests/fixtures/fake-ai.sh'\"\ninteractive = \"sh {{{{prompt_file}}}}\"\n",
        SHELL_RUNNERS
            .replace("runner = \"sh\"\n", "")
            .trim_start(),
        env.ai.display(),
        env!("CARGO_MANIFEST_DIR")
    ));
    std::fs::create_dir_all(&env.ai).unwrap();
    env.ok(&["init"], 0);
    let _ = std::fs::remove_file(env.data.join("sensors/heartbeat"));

    // A worker that prints a numbered line (over 200 bytes, so the log's
    // last page fills quickly) every 20 ms and tells a file outside the
    // small disk how far it got (replaced whole, never read half-written).
    let code = format!(
        "i=0; while :; do i=$((i+1)); echo line-$i-{}; echo $i > '{out}.tmp'; mv '{out}.tmp' '{out}'; sleep 0.02; done",
        "x".repeat(200),
        out = outside.display()
    );
    env.start_cmd("w1", &code);
    env.wait_log("w1", "line-3");
    let count = || {
        std::fs::read_to_string(&outside)
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };

    env.answer(&noop_answer("after the disk filled"));
    env.write("goals/g.md", "a goal\n");
    let filler = disk.fill();
    let at_fill = count();
    wait_for(DEADLINE_SECS, "the worker to print 50 more lines", || {
        count() > at_fill + 50
    });
    let row = env.row("w1").unwrap();
    assert!(row.alive && row.state == "running", "{row:?}");
    // The premise: the log really stopped taking output.
    let lost = format!("line-{}-", at_fill + 40);
    assert!(!env.log("w1").contains(&lost), "{lost} reached a full disk");

    // A beat on the full disk fails cleanly (no panic)...
    let out = env.run(&["tick"]);
    assert_ne!(out.status.code(), Some(101), "{}", show(&out));
    assert!(!text(&out.stderr).contains("panicked"), "{}", show(&out));
    for line in env.file("cost.jsonl").lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("a whole ledger line");
    }

    // ...and once space returns, logging and beats carry on.
    std::fs::remove_file(&filler).unwrap();
    let freed = count();
    let want = format!("line-{}-", freed + 20);
    wait_for(DEADLINE_SECS, "output.log to be written again", || {
        env.log("w1").contains(&want)
    });
    let row = env.row("w1").unwrap();
    assert!(row.alive && row.state == "running", "{row:?}");
    let said = env.file("sessions/looop-w1/supervisor.log");
    assert!(said.contains("written again"), "{said}");
    env.answer(&noop_answer("the disk has room again"));
    env.write("goals/g.md", "a goal, again\n");
    env.ok(&["tick"], 0);
    assert!(
        env.journal()
            .iter()
            .any(|l| l.contains("the disk has room again")),
        "{:?}",
        env.journal()
    );
    let _ = env.run(&["kill", "w1", "--grace", "0"]);
}

#[test]
fn a_closed_stdout_ends_looop_run_after_its_beat() {
    let env = Profile::fake_ai("");
    env.answer(&noop_answer("the last beat anyone saw"));
    env.write("goals/g.md", "a goal\n");
    let hold = env.ai.join("hold");
    std::fs::write(&hold, "").unwrap();
    let mut child = env.cmd(&["run"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    wait_for(DEADLINE_SECS, "the AI to be called", || env.calls() == 1);
    std::fs::remove_file(&hold).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(DEADLINE_SECS);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("looop run kept going with its stdout closed");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(
        env.journal()
            .iter()
            .any(|l| l.contains("the last beat anyone saw")),
        "{:?}",
        env.journal()
    );
    assert_eq!(env.calls(), 1);
}
