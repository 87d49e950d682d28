//! CONTRACT §10: workers' spend metered from their agent CLI's own
//! transcript. Stand-ins named `claude`, `pi` and `codex` (run by the
//! unchanged presets; in `<tmp>/bin`, which is first on looop's
//! PATH) write real-shaped transcripts where the real CLIs do: the
//! hand-edited recordings of tests/fixtures/usage/ (duplicated streaming
//! lines, a non-JSON line, a cut line, `costUSD`, a `<synthetic>` line),
//! whose totals were computed by hand in expected.json.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;
use support::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/usage")
        .join(name)
}

/// Installs the stand-ins; each writes its transcript, then runs
/// `$STANDIN_THEN` (default: exit at once).
fn stand_ins(p: &Profile) {
    let claude = format!(
        r#"#!/bin/bash
while [ $# -gt 0 ]; do [ "$1" = --session-id ] && id=$2; shift; done
dir="${{CLAUDE_CONFIG_DIR:-$HOME/.claude}}/projects/$(printf %s "$PWD" | tr -c 'A-Za-z0-9' '-')"
mkdir -p "$dir"
cat '{}' >> "$dir/$id.jsonl"
eval "${{STANDIN_THEN:-true}}"
"#,
        fixture("claude.jsonl").display()
    );
    let pi = format!(
        r#"#!/bin/bash
while [ $# -gt 0 ]; do [ "$1" = --session ] && file=$2; shift; done
cat '{}' >> "$file"
eval "${{STANDIN_THEN:-true}}"
"#,
        fixture("pi-session.jsonl").display()
    );
    let codex = format!(
        r#"#!/bin/bash
dir="${{CODEX_HOME:-$HOME/.codex}}/sessions/$(date +%Y/%m/%d)"
mkdir -p "$dir"
now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
sed -e "s|/tmp/looop-fixture/work|$PWD|g" -e "s|2026-12-05T21:43:41.210Z|$now|" '{}' \
  > "$dir/rollout-$(date +%Y-%m-%dT%H-%M-%S)-01a24829-af92-70b2-98da-b1fc69f52abf.jsonl"
eval "${{STANDIN_THEN:-true}}"
"#,
        fixture("codex-rollout.jsonl").display()
    );
    for (name, script) in [("claude", claude), ("pi", pi), ("codex", codex)] {
        p.stand_in(name, &script);
    }
}

fn cost_json(p: &Profile) -> serde_json::Value {
    serde_json::from_str(&p.ok(&["cost", "--json", "--by", "session"], 0)).unwrap()
}

fn wait_ended(p: &Profile, id: &str) {
    p.wait_row(id, &format!("{id} ended"), |r| !r.alive);
}

#[track_caller]
fn assert_cents(got: &serde_json::Value, want: f64) {
    let got = got
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {got}"));
    assert!((got - want).abs() < 0.005, "{got} != {want}");
}

#[test]
fn three_agents_metered_to_the_cent_and_never_twice() {
    let p = Profile::with_config_text("");
    stand_ins(&p);
    for (id, runner) in [("c1", "claude"), ("p1", "pi"), ("x1", "codex")] {
        p.ok(&["start-session", id, "work", runner], 0);
    }
    // Ended, seen in their records (not through `ls`, which would meter).
    for id in ["c1", "p1", "x1"] {
        let record = p.data.join(format!("sessions/looop-{id}/state.json"));
        wait_for(DEADLINE_SECS, &format!("{id} ended"), || {
            std::fs::read_to_string(&record)
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .is_some_and(|r| r["ended_at"].is_string())
        });
    }
    // Meters killed (SIGKILL) at spread-out moments of their first reads,
    // then restarted: the figures below are still exact.
    for i in 0..12u64 {
        let mut child = p.spawn_quiet(&["cost", "--json"]);
        // The schedule of the kills, not a wait for a condition.
        std::thread::sleep(Duration::from_millis(i * i));
        child.kill().unwrap();
        child.wait().unwrap();
    }
    let report = cost_json(&p);
    let by = &report["by_session"];
    // expected.json: claude $0.506405, pi $0.06574; codex 10000 uncached
    // input, 20000 cached, 1500 output at gpt-5.1-codex = $0.03.
    assert_cents(&by["c1"], 0.506405);
    assert_cents(&by["p1"], 0.06574);
    assert_cents(&by["x1"], 0.03);
    assert_eq!(
        by["c1"].as_f64(),
        Some(0.506405),
        "exact, not just to the cent"
    );
    assert_eq!(report["transcripts"]["skipped_lines"], 2, "{report}");
    assert_eq!(report["unpriced_tokens"], 0);
    assert_eq!(
        report["by_model"]["claude-sonnet-4-5"].as_f64(),
        Some(0.506405)
    );

    // Again, after `ls` and `status` metered too: nothing counts twice.
    let all: Vec<serde_json::Value> =
        serde_json::from_str(&p.ok(&["ls", "--json", "--all"], 0)).unwrap();
    let c1 = all.iter().find(|r| r["id"] == "c1").unwrap();
    assert_eq!(c1["cost_usd"].as_f64(), Some(0.506405));
    let x1 = all.iter().find(|r| r["id"] == "x1").unwrap();
    assert_eq!(
        x1["agent_session"], "01a24829-af92-70b2-98da-b1fc69f52abf",
        "codex's own id, learned from its rollout"
    );
    p.ok(&["status"], 0);
    assert_eq!(cost_json(&p)["by_session"], *by);
    let human = p.ok(&["cost", "--by", "session"], 0);
    assert!(human.contains("$0.5064"), "{human}");
    assert!(
        human.contains("skipped 2 unreadable transcript lines"),
        "{human}"
    );

    // A worker's own report of a metered session is left out.
    p.ok(&["_cost", "session", "looop-c1", "claude", "5"], 0);
    assert_eq!(cost_json(&p)["by_session"]["c1"].as_f64(), Some(0.506405));
}

#[test]
fn a_live_worker_is_metered_as_it_writes_and_its_spend_shows() {
    let p = Profile::with_config_text("");
    stand_ins(&p);
    let out = p
        .cmd(&["start-session", "c2", "work", "claude"])
        .env("STANDIN_THEN", "exec sleep 60")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let mut row = serde_json::Value::Null;
    wait_for(DEADLINE_SECS, "c2's spend in ls", || {
        row = row_json(&p, "c2").unwrap_or_default();
        row["cost_usd"].is_number()
    });
    // While it lives, the cut last line waits for its end: not counted yet,
    // not skipped yet.
    assert_eq!(row["cost_usd"].as_f64(), Some(0.506405));
    let table = p.ok(&["ls"], 0);
    assert!(
        table.contains("SPEND") && table.contains("$0.5064"),
        "{table}"
    );
    assert_eq!(cost_json(&p)["transcripts"]["skipped_lines"], 1);
}

/// One claude assistant line with its own message id and usage.
fn claude_line(i: usize) -> String {
    format!(
        r#"{{"parentUuid":null,"isSidechain":false,"type":"assistant","requestId":"req_{i}","message":{{"id":"msg_{i}","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{{"type":"text","text":"{pad}"}}],"usage":{{"input_tokens":100,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":10}}}},"uuid":"u{i}","timestamp":"2026-12-05T21:38:14.329Z"}}"#,
        pad = "x".repeat(400)
    )
}

#[test]
fn killing_looop_mid_read_and_racing_meters_count_nothing_twice() {
    let p = Profile::with_config_text("");
    stand_ins(&p);
    p.ok(&["start-session", "big", "work", "claude"], 0);
    wait_ended(&p, "big");
    // Its end metered too (the cut last line read as its last), so what is
    // appended below starts a line of its own.
    let meter = p.data.join("sessions/looop-big/meter.json");
    wait_for(DEADLINE_SECS, "big's last read", || {
        p.ok(&["cost"], 0);
        let state: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&meter).unwrap()).unwrap();
        state["final_for"].is_string()
    });
    // Its transcript grows by 40,000 messages (about 24 MB) at once.
    let session: serde_json::Value =
        serde_json::from_str(&p.file("sessions/looop-big/state.json")).unwrap();
    let id = session["agent_session"].as_str().unwrap();
    let projects = p.tmp.path().join(".claude/projects");
    let dir = std::fs::read_dir(&projects)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let transcript = dir.join(format!("{id}.jsonl"));
    let n = 40_000;
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&claude_line(i));
        text.push('\n');
    }
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&transcript)
        .unwrap();
    std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
    drop(f);
    // The session already ended: its meter would not look again. Mark it
    // unread past the fixture so the big read happens.
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&meter).unwrap()).unwrap();
    state["final_for"] = serde_json::Value::Null;
    std::fs::write(&meter, state.to_string()).unwrap();

    // SIGKILL a `cost` while it is in the middle of the read.
    let size = std::fs::metadata(&transcript).unwrap().len();
    let start = state["pos"]["offset"].as_u64().unwrap();
    let mut kills = 0;
    for _ in 0..3 {
        let mut child = p.spawn_quiet(&["cost", "--json"]);
        let mut offset = 0;
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            let s: serde_json::Value = std::fs::read_to_string(&meter)
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default();
            offset = s["pos"]["offset"].as_u64().unwrap_or(0);
            if offset > start || child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        if offset < size && child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
        if offset >= size {
            break;
        }
    }
    assert!(kills > 0, "no cost was caught mid-read");
    // Four meters at once finish the job.
    let racers: Vec<_> = (0..4).map(|_| p.spawn_quiet(&["cost"])).collect();
    for mut r in racers {
        assert!(r.wait().unwrap().success());
    }
    // 100 input + 10 output tokens at $3 / $15 per Mtok, per message.
    let want = 0.506405 + n as f64 * 0.00045;
    let by = &cost_json(&p)["by_session"];
    assert_cents(&by["big"], want);
    assert_eq!(cost_json(&p)["by_session"], *by, "and again");
    let total: f64 = p
        .file("cost.jsonl")
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["id"] == "big")
        .map(|v| v["input_tokens"].as_u64().unwrap_or(0) as f64)
        .sum();
    assert_eq!(total, 111.0 + n as f64 * 100.0, "every input token once");
}
