//! `looop _cost`: workers append to the ledger through the real binary.
//! Concurrent appenders never tear or lose a line; bad amounts and names are
//! refused with status 2 and leave the ledger untouched.

mod support;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use support::*;

fn ledger(p: &Profile) -> PathBuf {
    p.data.join("cost.jsonl")
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    ts: String,
    kind: String,
    id: String,
    runner: String,
    cost_usd: f64,
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    /// `self` for a worker's report (CONTRACT §10).
    source: Option<String>,
}

fn lines(p: &Profile) -> Vec<Line> {
    let text = std::fs::read_to_string(ledger(p)).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l:?}: {e}")))
        .collect()
}

#[test]
fn a_worker_report_is_one_whole_entry() {
    let p = Profile::bare();
    let out = p.run(&[
        "_cost",
        "session",
        "looop-fix-ci",
        "claude",
        "0.25",
        "--input-tokens",
        "1200",
        "--output-tokens",
        "80",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
    let out = p.run(&["_cost", "tick", "r1", "pi", "0"]);
    assert_eq!(out.status.code(), Some(0));

    let got = lines(&p);
    assert_eq!(got.len(), 2);
    let first = &got[0];
    assert_eq!(
        (
            first.kind.as_str(),
            first.id.as_str(),
            first.runner.as_str()
        ),
        ("session", "looop-fix-ci", "claude")
    );
    assert_eq!(first.cost_usd, 0.25);
    assert_eq!(first.source.as_deref(), Some("self"));
    assert_eq!(
        (first.input_tokens, first.output_tokens),
        (Some(1200), Some(80))
    );
    let ts = chrono::DateTime::parse_from_rfc3339(&first.ts).unwrap();
    assert!(first.ts.ends_with('Z'), "UTC: {}", first.ts);
    assert!((chrono::Utc::now() - ts.to_utc()).num_seconds().abs() < 600);
    assert_eq!((got[1].cost_usd, got[1].input_tokens), (0.0, None));
    let raw = std::fs::read_to_string(ledger(&p)).unwrap();
    assert!(
        !raw.contains("input_tokens\":null"),
        "unknown tokens are left out: {raw}"
    );
}

#[test]
fn bad_amounts_are_refused_and_nothing_is_written() {
    let p = Profile::bare();
    for bad in [
        "abc", "NaN", "nan", "inf", "-inf", "infinity", "-1", "-0.5", "", " ", "1e999", "0x10",
        "$1",
    ] {
        let out = p.run(&["_cost", "session", "w1", "claude", bad]);
        assert_eq!(out.status.code(), Some(2), "amount {bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "one line for {bad:?}: {err}"
        );
        assert!(
            err.contains("amount"),
            "names the amount for {bad:?}: {err}"
        );
        assert!(!ledger(&p).exists(), "nothing written for {bad:?}");
    }
}

#[test]
fn bad_names_and_missing_arguments_are_refused() {
    let p = Profile::bare();
    let cases: &[&[&str]] = &[
        &["_cost", "session", "../etc", "claude", "1"],
        &["_cost", "", "w1", "claude", "1"],
        &["_cost", "session", "w1", "a b", "1"],
        &["_cost", "session", "w1", "claude"],
        &["_cost", "session", "w1", "claude", "1", "extra"],
        &[
            "_cost",
            "session",
            "w1",
            "claude",
            "1",
            "--input-tokens",
            "-3",
        ],
        &["_cost", "session", "w1", "claude", "1", "--bogus"],
    ];
    for args in cases {
        let out = p.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr)
                .trim_end()
                .lines()
                .count(),
            1
        );
        assert!(!ledger(&p).exists(), "nothing written for {args:?}");
    }
}

#[test]
fn fifty_concurrent_reporters_lose_no_line() {
    let p = Profile::bare();
    // Create the layout first so the reporters race on the ledger only.
    assert_eq!(
        p.run(&["_cost", "setup", "s0", "none", "0"]).status.code(),
        Some(0)
    );
    std::fs::remove_file(ledger(&p)).unwrap();

    let script = r#"for i in $(seq 20); do "$BIN" _cost session "w$K" claude 0.01 --input-tokens "$i" || exit 1; done"#;
    let children: Vec<_> = (0..50)
        .map(|k| {
            Command::new("bash")
                .args(["-c", script])
                .env("BIN", env!("CARGO_BIN_EXE_looop"))
                .env("K", k.to_string())
                .env("LOOOP_DATA_DIR", &p.data)
                .env("LOOOP_CONFIG", &p.config)
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }

    let got = lines(&p);
    assert_eq!(got.len(), 1000);
    let mut per_worker = std::collections::BTreeMap::<String, Vec<u64>>::new();
    for l in &got {
        assert_eq!(
            (l.kind.as_str(), l.runner.as_str(), l.cost_usd),
            ("session", "claude", 0.01)
        );
        per_worker
            .entry(l.id.clone())
            .or_default()
            .push(l.input_tokens.unwrap());
    }
    assert_eq!(per_worker.len(), 50);
    for (id, mut seen) in per_worker {
        seen.sort();
        assert_eq!(seen, (1..=20).collect::<Vec<u64>>(), "every line of {id}");
    }

    let out = p.run(&["cost", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["calls"], 1000);
    assert_eq!(v["skipped"], 0);
    assert!((v["total_usd"].as_f64().unwrap() - 10.0).abs() < 1e-6);
}
