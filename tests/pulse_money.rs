//! The tick AI's spend through a real beat: claude stream-json and pi json
//! replayed by a script runner, and codex `exec --json` and opencode `run
//! --format json` replayed by stand-ins run by the unchanged presets, are
//! metered into the ledger; a reached daily budget skips the AI call; a
//! claude `is_error` result fails the beat.

mod support;
use support::*;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A profile whose runner `replay` prints a recorded stream.
fn replaying(extra: &str, file: &str) -> Profile {
    let env = Profile::fake_ai_with(extra, "");
    env.use_runner(
        "replay",
        &format!(
            "\n[runners.replay]\ntick = \"cat > /dev/null; cat '{}'\"\ninteractive = \"x {{{{prompt_file}}}}\"\n",
            fixture(file)
        ),
    );
    env
}

fn ledger(env: &Profile) -> Vec<serde_json::Value> {
    env.file("cost.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn claude_stream_is_metered_and_its_result_is_the_answer() {
    let env = replaying("", "claude-stream.jsonl");
    env.ok(&["tick"], 0);
    assert!(
        env.journal()[0].contains("noop: quiet"),
        "{:?}",
        env.journal()
    );
    let entries = ledger(&env);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["kind"], "tick");
    assert_eq!(entries[0]["runner"], "replay");
    assert!((entries[0]["cost_usd"].as_f64().unwrap() - 0.0421337).abs() < 1e-9);
    let run_id = entries[0]["id"].as_str().unwrap();
    assert!(
        env.data
            .join("runs")
            .join(run_id)
            .join("output.log")
            .is_file()
    );
}

#[test]
fn pi_stream_is_metered_and_run_goal_is_kind_goal() {
    let env = replaying("", "pi-stream.jsonl");
    env.ok(&["run", "setup"], 0);
    assert!(env.journal()[0].contains("noop: quiet"));
    let entries = ledger(&env);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["kind"], "goal");
    assert!((entries[0]["cost_usd"].as_f64().unwrap() - 0.0168).abs() < 1e-9);
}

/// A stand-in `name` on PATH that swallows the prompt, records its argv and
/// prints the recorded stream `file` with `answer` in place of its text.
fn stand_in(env: &Profile, name: &str, file: &str, text: &str, answer: &str) {
    use std::os::unix::fs::PermissionsExt;
    let recorded = std::fs::read_to_string(fixture(file)).unwrap();
    let escaped = serde_json::to_string(answer).unwrap();
    let replay = recorded.replace(
        &format!("\"text\":\"{text}\""),
        &format!("\"text\":{escaped}"),
    );
    assert_ne!(replay, recorded, "{text:?} not in {file}");
    let stream = env.tmp.path().join(format!("{name}-stream.jsonl"));
    std::fs::write(&stream, replay).unwrap();
    let bin = env.tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join(name);
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{argv}'\ncat > /dev/null\ncat '{stream}'\n",
            argv = env.tmp.path().join(format!("{name}.argv")).display(),
            stream = stream.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn codex_exec_json_is_priced_by_the_table_and_its_message_is_the_answer() {
    let env = Profile::fake_ai("");
    env.use_runner("codex", "");
    stand_in(
        &env,
        "codex",
        "transcripts/codex-0.171.0-exec-json-mock-api.jsonl",
        "Done.",
        &noop("codex says"),
    );
    // The model is codex's own config's (the recorded mock config:
    // gpt-5.1-codex); `turn.completed` names none.
    let home = env.tmp.path().join(".codex");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::copy(
        fixture("transcripts/codex-mock-config.toml"),
        home.join("config.toml"),
    )
    .unwrap();
    env.ok(&["tick"], 0);
    let argv = std::fs::read_to_string(env.tmp.path().join("codex.argv")).unwrap();
    assert!(argv.starts_with("exec\n--json\n"), "the preset: {argv}");
    assert!(
        env.journal()[0].contains("noop: codex says"),
        "{:?}",
        env.journal()
    );
    let entries = ledger(&env);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!(
        (&e["kind"], &e["source"]),
        (&"tick".into(), &"stream".into())
    );
    assert_eq!(e["model"], "gpt-5.1-codex");
    // 1000 input of which 600 cached, 50 output (20 of them reasoning):
    // 400 x $1.25 + 600 x $0.125 + 50 x $10 per Mtok.
    assert_eq!(
        (&e["input_tokens"], &e["cache_read_tokens"]),
        (&400.into(), &600.into())
    );
    assert_eq!(e["output_tokens"], 50);
    assert!(
        (e["cost_usd"].as_f64().unwrap() - 0.001075).abs() < 1e-12,
        "{e}"
    );
}

#[test]
fn opencode_run_json_is_metered_with_its_own_cost() {
    let env = Profile::fake_ai("");
    env.use_runner("opencode", "");
    stand_in(
        &env,
        "opencode",
        "transcripts/opencode-1.18.33-run-json-mock-api.jsonl",
        "I'll list the files.",
        &noop("opencode says"),
    );
    env.ok(&["tick"], 0);
    let argv = std::fs::read_to_string(env.tmp.path().join("opencode.argv")).unwrap();
    assert!(
        argv.starts_with("run\n--format\njson\n"),
        "the preset: {argv}"
    );
    assert!(
        env.journal()[0].contains("noop: opencode says"),
        "{:?}",
        env.journal()
    );
    let entries = ledger(&env);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!(e["source"], "stream");
    // step_finish: part.cost and part.tokens (opencode's own USD).
    assert!(
        (e["cost_usd"].as_f64().unwrap() - 0.019998).abs() < 1e-12,
        "{e}"
    );
    assert_eq!(
        (&e["input_tokens"], &e["output_tokens"]),
        (&1206.into(), &42.into())
    );
    assert_eq!(
        (&e["cache_read_tokens"], &e["cache_write_tokens"]),
        (&15000.into(), &3000.into())
    );
}

#[test]
fn reached_budget_skips_the_ai() {
    let env = Profile::fake_ai("daily_budget_usd = 0.05");
    env.answer(&noop("should not run"));
    env.ok(&["_cost", "session", "w1", "claude", "0.06"], 0);
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("daily budget reached"), "{out}");
    assert!(out.contains("NEEDS YOU"), "{out}");
    assert_eq!(env.calls(), 0, "the runner must not be called");
    assert_eq!(env.events("budget_reached").len(), 1);
    let status: serde_json::Value =
        serde_json::from_str(&env.ok(&["status", "--json"], 0)).unwrap();
    assert_eq!(status["budget_reached"], true);
    assert_eq!(status["last_beat"]["outcome"], "budget");
    assert!(env.ok(&["status"], 0).contains("daily budget reached"));
}

#[test]
fn claude_error_result_fails_the_beat() {
    let env = Profile::fake_ai("");
    env.answer(r#"{"type":"result","subtype":"error_max_turns","is_error":true,"result":"{\"move\":\"noop\",\"journal\":\"x\"}","total_cost_usd":0.5}"#);
    let out = env.run(&["tick"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error_max_turns"));
    assert!(env.journal().is_empty());
    // The spend is recorded even though the call failed.
    assert_eq!(ledger(&env).len(), 1);
}

#[test]
fn claude_stream_result_is_the_final_answer() {
    let env = Profile::fake_ai("");
    // Moves in earlier stream lines (tool use, thinking) do not count.
    let lines = [
        r#"{"type":"system","subtype":"init"}"#,
        r#"{"type":"assistant","message":{"content":[{"type":"text","text":"{\"move\":\"run\",\"command\":\"false\",\"journal\":\"draft\"}"}]}}"#,
        r#"{"type":"result","subtype":"success","is_error":false,"result":"Decided: {\"move\":\"noop\",\"journal\":\"from the result\"}","total_cost_usd":0.01}"#,
    ];
    env.answer(&(lines.join("\n") + "\n"));
    env.ok(&["tick"], 0);
    assert!(
        env.journal()[0].contains("noop: from the result"),
        "{:?}",
        env.journal()
    );
}
