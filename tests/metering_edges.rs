//! CONTRACT §10 at its edges, through the real binary: bad transcript input
//! (a line that is not JSON, a field of the wrong type, a file replaced or
//! cut under looop, a transcript that never appears) is skipped and
//! counted, never fatal, never counted twice; opencode workers are "not
//! metered", never $0; codex's rollout is the first in the worker's cwd
//! after its start; `[prices."<model>"]` overrides and extends the table,
//! a model without a price stays unknown; the tick prompt's WORKERS and
//! the daily budget (beat and `start-session`) see a live worker's spend.
//!
//! The `ghost` runner is a worker of agent claude that writes nothing: the
//! test writes its transcript where claude keeps it, line by line.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use support::*;

const GHOST: &str = "[runners.ghost]\nagent = \"claude\"\ntick = \"cat\"\ninteractive = \"sleep 120 # {{session_id}} {{prompt_file}}\"\n";

/// One claude assistant line (real shape, tests/fixtures/usage/claude.jsonl).
fn claude_line(msg: &str, model: &str, input: u64, output: u64) -> String {
    format!(
        r#"{{"parentUuid":null,"isSidechain":false,"type":"assistant","requestId":"req_{msg}","message":{{"id":"msg_{msg}","type":"message","role":"assistant","model":"{model}","content":[{{"type":"text","text":"ok"}}],"usage":{{"input_tokens":{input},"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":{output}}}}},"uuid":"u-{msg}","timestamp":"2026-12-05T21:38:14.329Z"}}"#
    )
}

/// A user line: no usage, starts a transcript with another head.
fn user_line(text: &str) -> String {
    format!(
        r#"{{"parentUuid":null,"isSidechain":false,"type":"user","message":{{"role":"user","content":"{text}"}},"uuid":"u-{text}","timestamp":"2026-12-05T21:38:10.000Z"}}"#
    )
}

/// Where claude keeps the transcript of ghost worker `id` (cwd: data dir).
fn transcript_of(p: &Profile, id: &str) -> PathBuf {
    let row = row_json(p, id).unwrap();
    let session = row["agent_session"].as_str().unwrap().to_string();
    let project: String = p
        .data
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let dir = p.tmp.path().join(".claude/projects").join(project);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{session}.jsonl"))
}

fn write_lines(path: &PathBuf, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn cost_json(p: &Profile) -> serde_json::Value {
    serde_json::from_str(&p.ok(&["cost", "--json", "--by", "session"], 0)).unwrap()
}

#[track_caller]
fn assert_usd(got: &serde_json::Value, want: f64) {
    let got = got
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {got}"));
    assert!((got - want).abs() < 1e-9, "{got} != {want}");
}

fn write_script(p: &Profile, name: &str, body: &str) {
    let bin = p.tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let path = bin.join(name);
    std::fs::write(&path, format!("#!/bin/bash\n{body}")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn bad_lines_replaced_and_cut_files_and_a_missing_transcript() {
    let p = Profile::with_config_text(GHOST);
    p.ok(&["start-session", "g1", "work", "ghost"], 0);

    // Never appeared: "not found", no spend, never $0.
    let report = cost_json(&p);
    assert_eq!(
        report["transcripts"]["not_found"],
        serde_json::json!(["g1"])
    );
    assert_eq!(report["by_session"].get("g1"), None, "{report}");
    let human = p.ok(&["cost"], 0);
    assert!(
        human.contains("transcript not found (yet) for: g1"),
        "{human}"
    );
    let row = row_json(&p, "g1").unwrap();
    assert_eq!(row["cost_usd"], serde_json::Value::Null);
    let table = p.ok(&["ls"], 0);
    let line = table.lines().find(|l| l.starts_with("g1 ")).unwrap();
    assert!(!line.contains('$'), "{line}");

    // A line that is not JSON and one with a wrong-typed field: skipped,
    // counted; the rest counts. $3 (1 Mtok in) + $1.50 (100 ktok out).
    let path = transcript_of(&p, "g1");
    let wrong_type = claude_line("w", "claude-sonnet-4-5", 5, 5)
        .replace(r#""input_tokens":5"#, r#""input_tokens":"many""#);
    let one = claude_line("1", "claude-sonnet-4-5", 1_000_000, 0);
    let two = claude_line("2", "claude-sonnet-4-5", 0, 100_000);
    write_lines(
        &path,
        &[
            one.clone(),
            "this is not JSON {".into(),
            wrong_type,
            two.clone(),
        ],
    );
    let report = cost_json(&p);
    assert_usd(&report["by_session"]["g1"], 4.5);
    assert_eq!(report["transcripts"]["skipped_lines"], 2, "{report}");
    assert_eq!(report["transcripts"]["not_found"], serde_json::json!([]));
    assert!(
        p.ok(&["cost"], 0)
            .contains("skipped 2 unreadable transcript lines"),
    );

    // Replaced under looop (another head): what it repeats counts once,
    // what is new counts. +$3.
    let three = claude_line("3", "claude-sonnet-4-5", 1_000_000, 0);
    let tmp = path.with_extension("new");
    write_lines(
        &tmp,
        &[user_line("again"), one.clone(), two.clone(), three.clone()],
    );
    std::fs::rename(&tmp, &path).unwrap();
    assert_usd(&cost_json(&p)["by_session"]["g1"], 7.5);

    // Cut shorter than what was read, in place: nothing counts again; what
    // is appended after counts. +$1.50.
    write_lines(&path, &[user_line("again"), one.clone()]);
    assert_usd(&cost_json(&p)["by_session"]["g1"], 7.5);
    let four = claude_line("4", "claude-sonnet-4-5", 0, 100_000);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut f, format!("{four}\n{three}\n").as_bytes()).unwrap();
    drop(f);
    let report = cost_json(&p);
    assert_usd(&report["by_session"]["g1"], 9.0);
    assert_eq!(report["transcripts"]["skipped_lines"], 2);
    assert_eq!(row_json(&p, "g1").unwrap()["cost_usd"].as_f64(), Some(9.0));

    // Every message once in the ledger: 2 Mtok in, 200 ktok out.
    let (mut input, mut output) = (0, 0);
    for line in p.file("cost.jsonl").lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        input += v["input_tokens"].as_u64().unwrap_or(0);
        output += v["output_tokens"].as_u64().unwrap_or(0);
    }
    assert_eq!((input, output), (2_000_000, 200_000));
}

#[test]
fn opencode_workers_are_not_metered_never_zero() {
    let p = Profile::with_config_text("");
    write_script(&p, "opencode", "exec sleep 120\n");
    p.ok(&["start-session", "o1", "work", "opencode"], 0);
    let row = row_json(&p, "o1").unwrap();
    assert_eq!(row["agent"], "opencode");
    assert_eq!(row["cost_usd"], serde_json::Value::Null);
    let table = p.ok(&["ls"], 0);
    let line = table.lines().find(|l| l.starts_with("o1 ")).unwrap();
    assert!(line.contains("not metered"), "{table}");
    let report = cost_json(&p);
    assert_eq!(
        report["transcripts"]["not_metered"],
        serde_json::json!(["o1"])
    );
    assert_eq!(report["by_session"].get("o1"), None, "never $0: {report}");
    let human = p.ok(&["cost", "--by", "session"], 0);
    assert!(
        human.contains("not metered (the agent writes no transcript looop reads): o1"),
        "{human}"
    );
}

#[test]
fn codex_rollout_is_the_first_in_the_workers_cwd_after_its_start() {
    let p = Profile::with_config_text("");
    let fixture = format!(
        "{}/tests/fixtures/usage/codex-rollout.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    // The stand-in writes four rollouts the way codex names them: one an
    // hour before the worker (same cwd), one in another cwd, the worker's
    // own, and a later one in the same cwd (another codex run there).
    write_script(
        &p,
        "codex",
        &format!(
            r#"dir="${{CODEX_HOME:-$HOME/.codex}}/sessions/$(date +%Y/%m/%d)"
mkdir -p "$dir"
roll() {{ # id cwd utc-timestamp
  sed -e "s|/tmp/looop-fixture/work|$2|g" -e "s|2026-12-05T21:43:41.210Z|$3|" \
      -e "s|01a24829-af92-70b2-98da-b1fc69f52abf|$1|g" '{fixture}' \
    > "$dir/rollout-$(date +%Y-%m-%dT%H-%M-%S)-$1.jsonl"
}}
roll 0000000a-0000-7000-8000-000000000001 "$PWD" "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%S.000Z)"
roll 0000000b-0000-7000-8000-000000000002 /elsewhere "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)"
roll 0000000c-0000-7000-8000-000000000003 "$PWD" "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)"
roll 0000000d-0000-7000-8000-000000000004 "$PWD" "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%S.000Z)"
touch "$HOME/codex-done"
exec sleep 120
"#
        ),
    );
    p.ok(&["start-session", "x1", "work", "codex"], 0);
    let done = p.tmp.path().join("codex-done");
    wait_for(DEADLINE_SECS, "the rollouts written", || done.exists());
    let row = row_json(&p, "x1").unwrap();
    assert_eq!(
        row["agent_session"], "0000000c-0000-7000-8000-000000000003",
        "{row}"
    );
    let report = cost_json(&p);
    // One rollout's spend (expected.json: $0.03 at gpt-5.1-codex), not four.
    assert_usd(&report["by_session"]["x1"], 0.03);
    let learned = p.file("sessions/looop-x1/agent-session.id");
    assert_eq!(learned.trim(), "0000000c-0000-7000-8000-000000000003");
}

#[test]
fn prices_override_and_extend_and_an_unknown_model_stays_unknown() {
    let p = Profile::fake_ai_with(
        "",
        &format!(
            "{GHOST}\n[prices.\"claude-sonnet-4-5\"]\ninput = 6.0\noutput = 30.0\ncache_write = 7.5\ncache_read = 0.6\n\n[prices.\"house-model\"]\ninput = 1.0\noutput = 2.0\n"
        ),
    );
    p.answer(&noop("quiet"));
    p.ok(&["start-session", "g2", "work", "ghost"], 0);
    p.ok(&["start-session", "g3", "work", "ghost"], 0);
    write_lines(
        &transcript_of(&p, "g2"),
        &[
            // Overridden: $6 per Mtok in.
            claude_line("1", "claude-sonnet-4-5", 1_000_000, 0),
            // Added: $2 per Mtok out.
            claude_line("2", "house-model", 0, 1_000_000),
        ],
    );
    write_lines(
        &transcript_of(&p, "g3"),
        &[claude_line("3", "mystery-9", 400, 100)],
    );
    let report = cost_json(&p);
    assert_usd(&report["by_session"]["g2"], 8.0);
    assert_eq!(
        report["by_session"]["g3"],
        serde_json::Value::Null,
        "{report}"
    );
    assert_eq!(report["unpriced_tokens"], 500);
    assert_usd(&report["by_model"]["claude-sonnet-4-5"], 6.0);
    assert_usd(&report["by_model"]["house-model"], 2.0);
    assert_eq!(report["by_model"]["mystery-9"], serde_json::Value::Null);
    assert_usd(&report["total_usd"], 8.0);
    let ledger = p.file("cost.jsonl");
    let mystery = ledger.lines().find(|l| l.contains("mystery-9")).unwrap();
    assert!(mystery.contains(r#""cost_usd":null"#), "{mystery}");
    let human = p.ok(&["cost", "--by", "model"], 0);
    assert!(human.contains("500 tokens without a price"), "{human}");
    let line = human.lines().find(|l| l.starts_with("mystery-9")).unwrap();
    assert!(line.ends_with('?'), "unknown, never $0: {line}");
    let table = p.ok(&["ls"], 0);
    let g3 = table.lines().find(|l| l.starts_with("g3 ")).unwrap();
    assert!(g3.contains(" ? ") || g3.ends_with('?'), "{table}");
    assert_eq!(
        row_json(&p, "g3").unwrap()["cost_usd"],
        serde_json::Value::Null
    );

    // The tick prompt's WORKERS section shows each worker's spend.
    p.ok(&["tick"], 0);
    let prompt = p.prompt(1);
    let g2 = prompt.lines().find(|l| l.starts_with("- g2 ")).unwrap();
    assert!(g2.contains("spent $8.0000"), "{g2}");
}

#[test]
fn the_tick_prompt_says_not_metered_and_unpriced_as_ls_does_never_zero() {
    let p = Profile::fake_ai_with("", GHOST);
    p.answer(&noop("quiet"));
    p.stand_in("opencode", "#!/bin/sh\nexec sleep 120\n");
    p.ok(&["start-session", "o1", "work", "opencode"], 0);
    p.ok(&["start-session", "g5", "work", "ghost"], 0);
    p.ok(&["start-session", "g6", "work", "ghost"], 0);
    // g5: tokens of a model without a price only; g6: some priced, some not.
    write_lines(
        &transcript_of(&p, "g5"),
        &[claude_line("1", "mystery-9", 400, 100)],
    );
    write_lines(
        &transcript_of(&p, "g6"),
        &[
            claude_line("2", "claude-sonnet-4-5", 1_000_000, 0),
            claude_line("3", "mystery-9", 400, 100),
        ],
    );
    let table = p.ok(&["ls"], 0);
    let cell = |id: &str| {
        let line = table
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no {id}: {table}"));
        line.to_string()
    };
    assert!(cell("o1").contains("not metered"), "{table}");
    assert!(cell("g5").split_whitespace().any(|w| w == "?"), "{table}");
    assert!(
        cell("g6").split_whitespace().any(|w| w == "$3.0000+?"),
        "{table}"
    );

    p.ok(&["tick"], 0);
    let prompt = p.prompt(1);
    let line = |id: &str| {
        prompt
            .lines()
            .find(|l| l.starts_with(&format!("- {id} ")))
            .unwrap_or_else(|| panic!("no {id} in WORKERS:\n{prompt}"))
            .to_string()
    };
    let o1 = line("o1");
    assert!(o1.contains(", spend not metered"), "{o1}");
    let g5 = line("g5");
    assert!(g5.contains(", spent ? (unpriced tokens"), "{g5}");
    let g6 = line("g6");
    assert!(g6.contains(", spent $3.0000+? (unpriced tokens"), "{g6}");
    for l in [&o1, &g5, &g6] {
        assert!(!l.contains("$0.0000"), "never $0 when unknown: {l}");
    }
}

#[test]
fn the_daily_budget_counts_a_live_workers_spend_as_it_happens() {
    let p = Profile::fake_ai_with("daily_budget_usd = 1.0", GHOST);
    p.answer(&noop("quiet"));
    p.ok(&["start-session", "g4", "work", "ghost"], 0);
    // $3 appears in the live worker's transcript; nothing has metered it.
    write_lines(
        &transcript_of(&p, "g4"),
        &[claude_line("1", "claude-sonnet-4-5", 1_000_000, 0)],
    );
    let ledger = p.data.join("cost.jsonl");
    assert!(
        !std::fs::read_to_string(&ledger)
            .unwrap_or_default()
            .contains("g4")
    );
    let out = p.run(&["start-session", "g5", "work", "ghost"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        text(&out.stderr).contains("daily budget is reached ($3.00 of $1.00)"),
        "{}",
        show(&out)
    );
    let out = p.ok(&["tick"], 0);
    assert!(out.contains("daily budget reached"), "{out}");
    assert_eq!(p.calls(), 0, "the AI is not called");
}
