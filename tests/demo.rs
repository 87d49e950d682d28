//! `looop demo` end to end: the README's first command must work with no
//! agent CLI on PATH and leave nothing behind.

mod support;
use std::process::{Command, Stdio};
use support::BIN;

fn run_demo(extra: &[&str], tmp: &std::path::Path) -> std::process::Output {
    // A PATH with only the basics: no claude, codex, pi or opencode.
    Command::new(BIN)
        .arg("demo")
        .args(extra)
        .env("PATH", "/usr/bin:/bin")
        .env("TMPDIR", tmp)
        .env("NO_COLOR", "1")
        .env_remove("LOOOP_DATA_DIR")
        .env_remove("LOOOP_CONFIG")
        .env_remove("TMUX")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn demo_runs_the_whole_loop_offline_and_cleans_up() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_demo(&[], tmp.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "demo failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for expected in [
        "started looop-hello",
        "NEEDS YOU",
        "looop attach hello",
        "the human answered: yes",
        "world unchanged",
        "archive_goal",
        "demo finished",
    ] {
        assert!(
            stdout.contains(expected),
            "demo output lacks {expected:?}:\n{stdout}"
        );
    }
    // The worker ended itself as the contract says: `done`, not `killed`.
    assert!(
        stdout
            .lines()
            .any(|l| l.trim_start().starts_with("hello ") && l.trim_end().ends_with(" done")),
        "the demo worker does not read done:\n{stdout}"
    );
    assert!(!stdout.contains("killed"), "{stdout}");
    // The profile is gone and no supervisor of it survives.
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("looop-demo-"))
        .collect();
    assert!(left.is_empty(), "demo left {left:?}");
}

#[test]
fn demo_keep_leaves_the_profile_and_says_where() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_demo(&["--keep"], tmp.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kept = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("looop-demo-"))
        .expect("profile kept");
    assert!(
        stdout.contains(&kept.path().display().to_string()),
        "{stdout}"
    );
    let data = kept.path().join("data");
    assert!(data.join("reports/hello.md").is_file());
    assert!(data.join("goals/archive/hello.md").is_file());
    let ledger = std::fs::read_to_string(data.join("cost.jsonl")).unwrap();
    assert!(ledger.contains("\"session\""), "{ledger}");
}
