//! Memory is git: an acting beat commits policy files and the journal with
//! the journal line as the message; scratch never; `git_commit = false` off.

mod support;
use std::process::Command;
use support::*;

fn git(env: &Profile, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(&env.data)
        .args(args)
        .env("HOME", env.tmp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn acting_beat_is_committed() {
    let env = Profile::fake_ai("");
    git(&env, &["init", "-q"]);
    env.answer(r##"{"move":"write_playbook","body":"# Rules v2\n","journal":"tighter rules"}"##);
    let out = env.run(&["tick"]);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        show(&out)
    );
    let log = git(&env, &["log", "--format=%s"]);
    assert!(
        log.lines()
            .next()
            .unwrap()
            .contains("write_playbook PLAYBOOK.md: tighter rules"),
        "{log}"
    );
    let files = git(&env, &["show", "--name-only", "--format=", "HEAD"]);
    assert!(
        files.contains("PLAYBOOK.md") && files.contains("journal.md"),
        "{files}"
    );
    assert!(
        !files.contains("snapshots/") && !files.contains("runs/"),
        "{files}"
    );
    assert!(git(&env, &["log", "-p", "PLAYBOOK.md"]).contains("+# Rules v2"));

    // The next beat sees its own change (and acts: a commit); the one after
    // that sees an unchanged world and commits nothing.
    env.answer(&noop("saw the new rules"));
    env.ok(&["tick"], 0);
    assert_eq!(git(&env, &["log", "--format=%s"]).lines().count(), 2);
    assert!(env.ok(&["tick"], 0).contains("world unchanged"));
    assert_eq!(git(&env, &["log", "--format=%s"]).lines().count(), 2);
}

#[test]
fn git_commit_false_turns_it_off() {
    let env = Profile::fake_ai("git_commit = false");
    git(&env, &["init", "-q"]);
    env.answer(&noop("x"));
    env.ok(&["tick"], 0);
    let out = Command::new("git")
        .arg("-C")
        .arg(&env.data)
        .args(["log"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "no commits expected");
}
