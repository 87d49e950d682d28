//! Issue 17 point 9 / CONTRACT §12 ("Sizes"), against the real binary: a
//! move's text fields and a runner's answer have caps; past them the beat
//! fails with "too large", and looop's memory stays bounded (peak RSS of
//! the beat, read with getrusage, printed for the record).

mod support;
use support::*;

/// The largest peak RSS (KiB) of any child this test process waited for.
fn children_peak_rss_kib() -> i64 {
    nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .unwrap()
        .max_rss()
}

/// Bounded: a beat reading a huge answer stays far below its size.
const RSS_LIMIT_KIB: i64 = 64 * 1024;

fn failed_reason(env: &Profile) -> String {
    let failed = env.events("tick_failed");
    assert_eq!(failed.len(), 1, "{}", env.file("events.jsonl"));
    failed[0]["reason"].as_str().unwrap().to_string()
}

#[test]
fn a_playbook_past_its_cap_is_refused_as_too_large() {
    let env = Profile::fake_ai("");
    let before = env.file("PLAYBOOK.md");
    // 2 MB: fits one stdout line, past the 1 MiB body cap.
    let body = "p".repeat(2_000_000);
    env.answer(
        &serde_json::json!({"move": "write_playbook", "body": body, "journal": "grow"}).to_string(),
    );
    env.write("goals/g.md", "a goal\n");
    let out = env.run(&["tick"]);
    assert_status(&out, 1);
    let reason = failed_reason(&env);
    assert!(reason.contains("`body` is too large"), "{reason}");
    assert!(reason.contains("1 MiB"), "{reason}");
    assert_eq!(env.file("PLAYBOOK.md"), before);
}

/// Makes the tick runner `name` run the shell code `make` (a TOML literal
/// string): the big answers are made by the runner, so this test process
/// never holds them (its own memory would count in the children's peak).
fn big_runner(env: &Profile, name: &str, make: &str) {
    env.use_runner(
        name,
        &format!(
            "\n[runners.{name}]\ntick = '''{make}'''\ninteractive = \"sh {{{{prompt_file}}}}\"\n"
        ),
    );
}

#[test]
fn a_20_mb_write_playbook_is_refused_and_memory_stays_bounded() {
    let env = Profile::fake_ai("");
    let before = env.file("PLAYBOOK.md");
    big_runner(
        &env,
        "big",
        r#"printf '{"move":"write_playbook","journal":"grow","body":"'; head -c 20000000 /dev/zero | tr "\0" p; printf '"}\n'"#,
    );
    env.write("goals/g.md", "a goal\n");
    let out = env.run(&["tick"]);
    assert_status(&out, 1);
    let reason = failed_reason(&env);
    assert!(reason.contains("too large"), "{reason}");
    assert_eq!(env.file("PLAYBOOK.md"), before);
    let peak = children_peak_rss_kib();
    eprintln!("peak RSS of a beat refusing a 20 MB answer: {peak} KiB");
    assert!(peak < RSS_LIMIT_KIB, "peak RSS {peak} KiB");
}

#[test]
fn a_100_mb_plain_text_answer_is_too_large_not_no_move() {
    let env = Profile::fake_ai("");
    // One 100 MB line, then 100 MB of lines: neither holds a move.
    for (n, make) in [
        (1, r#"head -c 100000000 /dev/zero | tr "\0" a"#),
        (
            2,
            r#"yes aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | head -c 100000000"#,
        ),
    ] {
        big_runner(&env, &format!("big{n}"), make);
        env.write("goals/g.md", &format!("a goal {n}\n"));
        let out = env
            .cmd(&["tick"])
            .stdout(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_status(&out, 1);
        let failed = env.events("tick_failed");
        let reason = failed.last().unwrap()["reason"].as_str().unwrap();
        assert!(reason.contains("answer too large"), "{reason}");
        assert!(!reason.contains("no JSON object"), "{reason}");
        let peak = children_peak_rss_kib();
        eprintln!("peak RSS of a beat reading a 100 MB answer: {peak} KiB");
        assert!(peak < RSS_LIMIT_KIB, "peak RSS {peak} KiB");
    }
}
