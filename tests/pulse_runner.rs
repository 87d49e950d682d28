//! The tick AI call: one beat at a time, failures, retries, timeouts,
//! `{{prompt_file}}`, runs kept.

mod support;
use support::*;

#[test]
fn five_concurrent_ticks_one_runs_four_are_busy() {
    let env = Profile::fake_ai("");
    env.answer(&noop("only one"));
    std::fs::write(env.ai.join("hold"), "").unwrap();
    let first = env.spawn_quiet(&["tick"]);
    wait_for(20, "the first beat to call the AI", || env.calls() == 1);
    let others: Vec<_> = (0..4).map(|_| env.spawn_piped(&["tick"])).collect();
    for o in others {
        let out = o.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(75), "{}", show(&out));
        assert!(
            out.stdout.is_empty(),
            "a busy beat prints nothing on stdout"
        );
    }
    std::fs::remove_file(env.ai.join("hold")).unwrap();
    let out = first.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(env.calls(), 1);
    assert_eq!(env.journal().len(), 1);
    assert_eq!(
        env.events("tick_start").len(),
        1,
        "busy beats touch nothing"
    );
}

#[test]
fn failed_runner_fails_the_beat_and_is_asked_again() {
    let env = Profile::fake_ai("");
    std::fs::write(env.ai.join("exit-1"), "1").unwrap();
    env.answer(&noop("second time lucky"));
    let out = env.run(&["tick"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("runner exited with status 1"));
    assert!(
        env.journal().is_empty(),
        "a failed runner's move is not executed"
    );
    // The world was not recorded as seen: the next beat asks again.
    env.ok(&["tick"], 0);
    assert_eq!(env.calls(), 2);
    assert!(env.prompt(2).contains("## LAST FAILURE"));
    assert_eq!(env.journal().len(), 1);
    // And now it is seen.
    assert!(env.ok(&["tick"], 0).contains("world unchanged"));
}

#[test]
fn transient_failures_are_retried_within_the_beat() {
    let env = Profile::fake_ai("");
    env.answer_n(1, "API Error: Rate limit exceeded\n");
    std::fs::write(env.ai.join("exit-1"), "1").unwrap();
    env.answer_n(2, "Overloaded, try later\n");
    std::fs::write(env.ai.join("exit-2"), "1").unwrap();
    env.answer(&noop("third attempt"));
    let out = env.ok(&["tick"], 0);
    assert_eq!(env.calls(), 3, "{out}");
    assert_eq!(out.matches("transient failure").count(), 2, "{out}");
    assert_eq!(env.journal().len(), 1);

    // Attempts are bounded: 1 + 2 retries, then the beat fails.
    let env = Profile::fake_ai("");
    env.answer("rate limit\n");
    std::fs::write(env.ai.join("exit"), "1").unwrap();
    let out = env.run(&["tick"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(env.calls(), 3);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("gave up after 3 attempts"),
        "{}",
        show(&out)
    );

    // A non-transient failure is not retried.
    let env = Profile::fake_ai("");
    env.answer("syntax error in your soul\n");
    std::fs::write(env.ai.join("exit"), "2").unwrap();
    assert_eq!(env.run(&["tick"]).status.code(), Some(1));
    assert_eq!(env.calls(), 1);
}

#[test]
fn runner_not_found_is_a_failed_beat_with_the_message() {
    let env = Profile::fake_ai_with("", "");
    env.use_runner(
        "ghost",
        "\n[runners.ghost]\ntick = \"no-such-agent-cli -p\"\ninteractive = \"x {{prompt_file}}\"\n",
    );
    let out = env.run(&["tick"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("runner not found (exit 127)") && err.contains("no-such-agent-cli"),
        "{err}"
    );
    assert_eq!(env.events("tick_failed").len(), 1);
}

#[test]
fn hanging_runner_times_out_with_its_group() {
    let env = Profile::fake_ai("");
    let text = std::fs::read_to_string(&env.config)
        .unwrap()
        .replace("tick_timeout = 20", "tick_timeout = 1");
    std::fs::write(&env.config, text).unwrap();
    std::fs::write(env.ai.join("hold"), "").unwrap();
    let started = std::time::Instant::now();
    let out = env.run(&["tick"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("timed out after 1s"),
        "{}",
        show(&out)
    );
    let pid: i32 = std::fs::read_to_string(env.ai.join("pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    wait_for(5, "the hung runner to die", || !alive(pid));
}

#[test]
fn prompt_file_placeholder_and_live_gutter() {
    let env = Profile::fake_ai_with("", "");
    env.use_runner("file", "\n[runners.file]\ntick = \"cp {{prompt_file}} \\\"$LOOOP_DATA_DIR/seen.md\\\"; echo '{\\\"move\\\":\\\"noop\\\",\\\"journal\\\":\\\"read the file\\\"}'\"\ninteractive = \"x {{prompt_file}}\"\n");
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("│ {\"move\""), "{out}");
    assert!(env.file("seen.md").contains("## MOVES"));
    assert!(env.journal()[0].contains("read the file"));
}

#[test]
fn only_the_newest_fifty_runs_are_kept() {
    let env = Profile::fake_ai("");
    for i in 0..55 {
        std::fs::create_dir_all(env.data.join(format!("runs/20000101T0000{i:02}.000Z-1"))).unwrap();
    }
    env.answer(&noop("x"));
    env.ok(&["tick"], 0);
    let runs: Vec<String> = std::fs::read_dir(env.data.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(runs.len(), 50);
    assert!(!runs.iter().any(|r| r == "20000101T000000.000Z-1"));
}

#[test]
fn runner_that_ignores_a_big_prompt_on_stdin_is_fine() {
    let env = Profile::fake_ai_with("", "");
    env.use_runner("deaf", "\n[runners.deaf]\ntick = \"echo '{\\\"move\\\":\\\"noop\\\",\\\"journal\\\":\\\"did not read\\\"}'\"\ninteractive = \"x {{prompt_file}}\"\n");
    // A prompt far beyond a pipe's buffer.
    for i in 0..40 {
        env.write(&format!("goals/g{i}.md"), &"words ".repeat(700));
    }
    let out = env.run(&["tick"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(env.journal()[0].contains("noop: did not read"));
}

#[test]
fn a_crashed_beat_leaves_no_stale_lock() {
    let env = Profile::fake_ai("");
    env.answer(&noop("after the crash"));
    std::fs::write(env.ai.join("hold"), "").unwrap();
    let mut first = env.spawn_quiet(&["tick"]);
    wait_for(20, "the first beat to call the AI", || env.calls() == 1);
    first.kill().unwrap();
    first.wait().unwrap();
    // Release the orphaned fake AI, then beat again: not busy.
    std::fs::remove_file(env.ai.join("hold")).unwrap();
    env.ok(&["tick"], 0);
    assert_eq!(env.journal().len(), 1);
}
