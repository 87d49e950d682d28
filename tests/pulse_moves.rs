//! Every move kind the tick AI can answer with, executed and journalled by
//! the real binary; invalid and refused moves fail the beat and execute
//! nothing; LAST FAILURE reaches the next prompt.

mod support;
use support::*;

/// A beat happens only when the world changed: poke a goal between ticks.
fn poke(env: &Profile, n: usize) {
    env.write("goals/poke.md", &format!("poke {n}\n"));
}

#[test]
fn file_moves_are_executed_and_journalled() {
    let env = Profile::fake_ai("");
    env.answer(r##"thinking... {"move":"write_goal","id":"ship","body":"# Ship it\n","journal":"new goal\nfrom the AI"}"##);
    let out = env.ok(&["tick"], 0);
    assert!(
        out.contains("write_goal ship: new goal from the AI"),
        "{out}"
    );
    assert_eq!(env.file("goals/ship.md"), "# Ship it\n");

    poke(&env, 1);
    env.answer(r#"{"move":"archive_goal","id":"ship","journal":"done"}"#);
    env.ok(&["tick"], 0);
    assert!(!env.data.join("goals/ship.md").exists());
    assert_eq!(env.file("goals/archive/ship.md"), "# Ship it\n");

    poke(&env, 2);
    env.answer(r##"{"move":"write_sensor","name":"ci","script":"#!/bin/sh\necho '{\"signal\":\"green\"}'","journal":"watch ci"}"##);
    env.ok(&["tick"], 0);
    let meta = std::fs::metadata(env.data.join("sensors/ci")).unwrap();
    assert!(std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o111 != 0);

    // The new sensor runs from the next beat on.
    env.answer(&noop("saw ci"));
    env.ok(&["tick"], 0);
    assert!(env.file("snapshots/ci.json").contains("green"));

    let old = env.file("PLAYBOOK.md");
    env.answer(r##"{"move":"write_playbook","body":"# New rules\n","journal":"human approved"}"##);
    poke(&env, 3);
    env.ok(&["tick"], 0);
    assert_eq!(env.file("PLAYBOOK.md"), "# New rules\n");
    let kept: Vec<_> = std::fs::read_dir(env.data.join("playbook.d"))
        .unwrap()
        .collect();
    assert_eq!(kept.len(), 1);
    let kept = std::fs::read_to_string(kept[0].as_ref().unwrap().path()).unwrap();
    assert_eq!(kept, old);

    let j = env.journal();
    assert_eq!(j.len(), 5, "{j:?}");
    let kinds = [
        "write_goal ship:",
        "archive_goal ship:",
        "write_sensor ci:",
        "noop: saw ci",
        "write_playbook PLAYBOOK.md:",
    ];
    for (line, kind) in j.iter().zip(kinds) {
        assert!(line.contains(kind), "{line} lacks {kind}");
        // - YYYY-MM-DD HH:MM <move>
        let stamp = &line[2..18];
        assert!(
            chrono::NaiveDateTime::parse_from_str(stamp, "%Y-%m-%d %H:%M").is_ok(),
            "{line}"
        );
    }
    let local = chrono::Local::now().format("%Y-%m-%d").to_string();
    assert!(
        j[0].starts_with(&format!("- {local}")),
        "journal is in local time: {}",
        j[0]
    );
}

#[test]
fn run_move_keeps_output_and_journals_exit_status() {
    let env = Profile::fake_ai("");
    env.answer(r#"{"move":"run","command":"echo hello from run; pwd; exit 3","journal":"try it"}"#);
    let out = env.ok(&["tick"], 0);
    let j = env.journal();
    assert!(
        j[0].contains("run echo hello from run; pwd; exit 3: try it [exit 3"),
        "{j:?}\n{out}"
    );
    let runs: Vec<_> = std::fs::read_dir(env.data.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let log = std::fs::read_to_string(runs[0].join("run.log")).unwrap();
    assert!(log.contains("hello from run"), "{log}");
    assert!(
        log.contains(env.data.to_str().unwrap()),
        "runs in the data dir: {log}"
    );
    assert!(runs[0].join("prompt.md").is_file() && runs[0].join("output.log").is_file());

    // Exit 0 needs no note: the line is the contract's plain form.
    env.write("goals/next.md", "something changed\n");
    env.answer(r#"{"move":"run","command":"true","journal":"all good"}"#);
    env.ok(&["tick"], 0);
    let last = env.journal().pop().unwrap();
    let rest = last.strip_prefix("- ").unwrap_or_default();
    assert_eq!(rest.get(16..), Some(" run true: all good"), "{last:?}");
}

#[test]
fn tripwire_refuses_destructive_run() {
    let env = Profile::fake_ai("");
    let marker = env.tmp.path().join("ran");
    env.answer(&format!(
        r#"{{"move":"run","command":"touch {} && sudo rm -rf ~","journal":"cleanup"}}"#,
        marker.display()
    ));
    let out = env.run(&["tick"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("tripwire"),
        "{}",
        show(&out)
    );
    assert!(!marker.exists(), "a refused command must not run");
    assert!(env.journal().is_empty());
    // Asked again next beat, with the reason.
    env.answer(&noop("ok"));
    env.ok(&["tick"], 0);
    assert!(env.prompt(2).contains("## LAST FAILURE"));
    assert!(env.prompt(2).contains("tripwire"));
}

#[test]
fn ask_human_is_surfaced_until_the_next_acting_beat() {
    let env = Profile::fake_ai("");
    env.answer(r#"{"move":"ask_human","message":"Deploy 1.2 now?","journal":"needs a yes"}"#);
    let out = env.ok(&["tick"], 0);
    assert!(
        out.contains("NEEDS YOU") && out.contains("Deploy 1.2 now?"),
        "{out}"
    );
    assert_eq!(env.events("needs_you").len(), 1);
    // An unchanged beat still shows it; so does status.
    let out = env.ok(&["tick"], 0);
    assert!(
        out.contains("world unchanged") && out.contains("Deploy 1.2 now?"),
        "{out}"
    );
    assert!(env.ok(&["status"], 0).contains("Deploy 1.2 now?"));
    let status: serde_json::Value =
        serde_json::from_str(&env.ok(&["status", "--json"], 0)).unwrap();
    assert!(
        status["needs_you"][0]["note"]
            .as_str()
            .unwrap()
            .contains("Deploy")
    );
    assert_eq!(status["needs_you"][0]["kind"], "ask_human");
    // The next acting beat clears it.
    poke(&env, 1);
    env.answer(&noop("answered elsewhere"));
    let out = env.ok(&["tick"], 0);
    assert!(!out.contains("Deploy 1.2 now?"), "{out}");
}

#[test]
fn invalid_moves_fail_the_beat_and_execute_nothing() {
    let env = Profile::fake_ai("");
    let cases = [
        ("no move at all, just prose", "no JSON object"),
        (r#"{"move":"teleport","journal":"x"}"#, "unknown variant"),
        (
            r#"{"move":"write_goal","id":"../escape","body":"b","journal":"x"}"#,
            "bad id",
        ),
        (
            r#"{"move":"write_goal","id":"g","journal":"x"}"#,
            "missing field `body`",
        ),
        (
            r#"{"move":"write_goal","id":"g","body":"b"}"#,
            "missing field `journal`",
        ),
        (
            r#"{"move":"archive_goal","id":"nope","journal":"x"}"#,
            "no goal",
        ),
        (
            r#"{"move":"write_goal","id":"g", "body": "#,
            "no JSON object",
        ),
    ];
    for (i, (answer, reason)) in cases.iter().enumerate() {
        env.answer(answer);
        let out = env.run(&["tick"]);
        assert_eq!(out.status.code(), Some(1), "{answer}\n{}", show(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(reason),
            "{answer}: want {reason:?}\n{}",
            show(&out)
        );
        let failed = env.events("tick_failed");
        assert_eq!(failed.len(), i + 1);
        assert!(failed[i]["reason"].as_str().unwrap().contains(reason));
        if i > 0 {
            // The next prompt carries the previous failure.
            let prompt = env.prompt(i + 1);
            assert!(prompt.contains("## LAST FAILURE"), "call {}", i + 1);
            assert!(
                prompt.contains(cases[i - 1].1),
                "call {} lacks {:?}",
                i + 1,
                cases[i - 1].1
            );
        }
    }
    assert!(env.journal().is_empty());
    assert!(!env.data.join("goals/g.md").exists());
    assert!(!env.tmp.path().join("escape.md").exists());
    let status: serde_json::Value =
        serde_json::from_str(&env.ok(&["status", "--json"], 0)).unwrap();
    assert_eq!(status["last_beat"]["outcome"], "failed");
}

#[test]
fn garbage_next_interval_is_ignored_and_said() {
    let env = Profile::fake_ai("");
    env.answer(r#"{"move":"noop","journal":"x","next_interval":"whenever"}"#);
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("next_interval \"whenever\" ignored"), "{out}");
    assert_eq!(env.journal().len(), 1);
}
