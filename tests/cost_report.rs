//! `looop cost` over hand-written ledgers: totals per scope in LOCAL days
//! (entries one second either side of local midnight, with `TZ` set per
//! command), malformed lines skipped and counted, the `--json` shape,
//! `--by day`, the budget line, usage errors.
//!
//! Local midnights are asked of `date(1)` under the same `TZ`, so the test
//! holds on any day of the year, DST or not.

mod support;
use chrono::{Datelike, NaiveDate};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use support::*;

const NEW_YORK: &str = "America/New_York";

/// A bare profile with its data dir made.
fn profile() -> Profile {
    let p = Profile::bare();
    std::fs::create_dir_all(&p.data).unwrap();
    p
}

impl Profile {
    fn ledger(&self) -> PathBuf {
        self.data.join("cost.jsonl")
    }

    /// `looop args` with `TZ` set to `tz`.
    fn run_in(&self, tz: &str, args: &[&str]) -> Output {
        let out = self.cmd(args).env("TZ", tz).output().unwrap();
        echo_run(&format!("TZ={tz} looop {}", args.join(" ")), &out);
        out
    }

    fn json(&self, tz: &str, args: &[&str]) -> Value {
        let out = self.run_in(tz, args);
        assert_eq!(out.status.code(), Some(0));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn text(&self, tz: &str, args: &[&str]) -> String {
        let out = self.run_in(tz, args);
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    }
}

/// Today's date in `tz`, by `date(1)`.
fn today_in(tz: &str) -> NaiveDate {
    let out = Command::new("date")
        .arg("+%Y-%m-%d")
        .env("TZ", tz)
        .output()
        .unwrap();
    NaiveDate::parse_from_str(String::from_utf8(out.stdout).unwrap().trim(), "%Y-%m-%d").unwrap()
}

/// Epoch seconds of local midnight starting `day` in `tz`, by `date(1)`.
fn midnight_in(tz: &str, day: NaiveDate) -> i64 {
    let out = Command::new("date")
        .args(["-d", &format!("{day} 00:00:00"), "+%s"])
        .env("TZ", tz)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "date -d failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn utc(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn line(secs: i64, kind: &str, id: &str, runner: &str, usd: f64) -> String {
    format!(
        r#"{{"ts":"{}","kind":"{kind}","id":"{id}","runner":"{runner}","cost_usd":{usd}}}"#,
        utc(secs)
    )
}

struct Entry {
    secs: i64,
    kind: &'static str,
    runner: &'static str,
    usd: f64,
}

/// Write entries one second either side of the local midnights that bound
/// today, the week and the month in `tz`; return them and today's date.
fn write_days(p: &Profile, tz: &str) -> (Vec<Entry>, NaiveDate) {
    let today = today_in(tz);
    let day_start = midnight_in(tz, today);
    let week_start = midnight_in(tz, today - chrono::Days::new(6));
    let month_start = midnight_in(tz, today.with_day(1).unwrap());
    let entries = vec![
        Entry {
            secs: day_start + 1,
            kind: "tick",
            runner: "claude",
            usd: 0.5,
        },
        Entry {
            secs: day_start - 1,
            kind: "session",
            runner: "pi",
            usd: 0.25,
        },
        Entry {
            secs: week_start + 1,
            kind: "goal",
            runner: "claude",
            usd: 1.0,
        },
        Entry {
            secs: week_start - 1,
            kind: "tick",
            runner: "codex",
            usd: 2.0,
        },
        Entry {
            secs: month_start + 1,
            kind: "session",
            runner: "pi",
            usd: 4.0,
        },
        Entry {
            secs: month_start - 1,
            kind: "tick",
            runner: "claude",
            usd: 8.0,
        },
        Entry {
            secs: day_start - 400 * 86_400,
            kind: "session",
            runner: "claude",
            usd: 16.0,
        },
    ];
    let text: String = entries
        .iter()
        .enumerate()
        .map(|(i, e)| line(e.secs, e.kind, &format!("r{i}"), e.runner, e.usd) + "\n")
        .collect();
    std::fs::write(p.ledger(), text).unwrap();
    (entries, today)
}

fn expect(entries: &[Entry], from: i64) -> (f64, u64) {
    let chosen: Vec<&Entry> = entries.iter().filter(|e| e.secs >= from).collect();
    (chosen.iter().map(|e| e.usd).sum(), chosen.len() as u64)
}

#[test]
fn scopes_follow_local_midnight() {
    let p = profile();
    // Retry once if the local day turned over while the test ran.
    for attempt in 0..2 {
        let (entries, today) = write_days(&p, NEW_YORK);
        let starts = [
            ("today", midnight_in(NEW_YORK, today)),
            ("week", midnight_in(NEW_YORK, today - chrono::Days::new(6))),
            ("month", midnight_in(NEW_YORK, today.with_day(1).unwrap())),
            ("all", i64::MIN),
        ];
        let reports: Vec<(&str, i64, Value)> = starts
            .iter()
            .map(|(scope, from)| (*scope, *from, p.json(NEW_YORK, &["cost", scope, "--json"])))
            .collect();
        if today_in(NEW_YORK) != today && attempt == 0 {
            continue;
        }
        for (scope, from, v) in reports {
            let (usd, calls) = expect(&entries, from);
            assert_eq!(v["scope"], scope);
            assert_eq!(v["calls"], calls, "{scope}");
            assert_eq!(v["total_usd"].as_f64().unwrap(), usd, "{scope}");
            let kinds: f64 = v["by_kind"]
                .as_object()
                .unwrap()
                .values()
                .map(|x| x.as_f64().unwrap())
                .sum();
            let runners: f64 = v["by_runner"]
                .as_object()
                .unwrap()
                .values()
                .map(|x| x.as_f64().unwrap())
                .sum();
            assert_eq!((kinds, runners), (usd, usd), "{scope}: breakdowns add up");
            let today_usd = expect(&entries, starts[0].1).0;
            assert_eq!(v["spent_today_usd"].as_f64().unwrap(), today_usd, "{scope}");
        }
        let v = p.json(NEW_YORK, &["cost", "today", "--json"]);
        assert_eq!(v["since"], today.to_string());
        if today.day() != 1 {
            // Exactly the entry one second after midnight is today's (on
            // the 1st, the month's first entry is today's too).
            assert_eq!(v["by_kind"], serde_json::json!({"tick": 0.5}));
            assert_eq!(v["by_runner"], serde_json::json!({"claude": 0.5}));
        }
        let v = p.json(NEW_YORK, &["cost", "--json"]);
        assert_eq!(v["total_usd"], 31.75);
        assert_eq!(
            v["by_runner"],
            serde_json::json!({"claude": 25.5, "pi": 4.25, "codex": 2.0})
        );
        return;
    }
}

#[test]
fn the_same_instants_fall_on_other_days_in_another_zone() {
    let p = profile();
    let today = today_in(NEW_YORK);
    let midnight = midnight_in(NEW_YORK, today);
    let text = [
        line(midnight - 1, "tick", "a", "claude", 0.25),
        line(midnight + 1, "tick", "b", "claude", 0.5),
    ]
    .join("\n");
    std::fs::write(p.ledger(), text + "\n").unwrap();

    let v = p.json(NEW_YORK, &["cost", "--by", "day", "--json"]);
    let days = v["by_day"].as_object().unwrap();
    assert_eq!(
        days.len(),
        2,
        "one second either side of New York midnight: {days:?}"
    );
    assert_eq!(days[&(today - chrono::Days::new(1)).to_string()], 0.25);
    assert_eq!(days[&today.to_string()], 0.5);

    // New York midnight is 04:00 or 05:00 in UTC: both on one UTC day.
    let v = p.json("UTC", &["cost", "--by", "day", "--json"]);
    assert_eq!(v["by_day"].as_object().unwrap().len(), 1, "{}", v["by_day"]);
}

#[test]
fn malformed_lines_are_skipped_and_counted() {
    let p = profile();
    let now = chrono::Utc::now().timestamp();
    let text = [
        line(now - 60, "tick", "a", "claude", 0.5),
        "{not json".to_string(),
        r#"{"ts":"2026-11-23T10:00:00Z","kind":"tick","id":"x","runner":"claude","cost_usd":"lots"}"#.to_string(),
        r#"{"ts":"noon","kind":"tick","id":"x","runner":"claude","cost_usd":1}"#.to_string(),
        String::new(),
        line(now - 30, "session", "b", "pi", 0.25),
        // A line torn by a crash, with no newline at the end.
        r#"{"ts":"2026-11-23T10:00:00Z","kind":"ti"#.to_string(),
    ]
    .join("\n");
    std::fs::write(p.ledger(), text).unwrap();

    let out = p.text("UTC", &["cost"]);
    assert!(out.contains("$0.7500 in 2 calls"), "{out}");
    assert!(out.contains("skipped 4 malformed lines"), "{out}");
    let v = p.json("UTC", &["cost", "--json"]);
    assert_eq!(v["skipped"], 4);
    assert_eq!(v["calls"], 2);
}

#[test]
fn json_has_the_contract_shape() {
    let p = profile();
    let now = chrono::Utc::now().timestamp();
    let text = [
        line(now - 10, "tick", "run-1", "claude", 0.125),
        line(now - 5, "session", "looop-w1", "pi", 0.5),
        line(now - 1, "session", "looop-w1", "pi", 0.25),
    ]
    .join("\n");
    std::fs::write(p.ledger(), text + "\n").unwrap();

    let v = p.json("UTC", &["cost", "--json"]);
    assert_eq!(v["scope"], "all");
    assert_eq!(v["total_usd"], 0.875);
    assert_eq!(v["calls"], 3);
    assert_eq!(
        v["by_kind"],
        serde_json::json!({"tick": 0.125, "session": 0.75})
    );
    assert_eq!(
        v["by_runner"],
        serde_json::json!({"claude": 0.125, "pi": 0.75})
    );
    assert_eq!(v["skipped"], 0);
    assert_eq!(v["budget_usd"], 0.0);
    assert!(v.get("by_id").is_none() && v.get("by_day").is_none());

    let v = p.json("UTC", &["cost", "today", "--json", "--by", "id"]);
    assert_eq!(
        v["by_id"],
        serde_json::json!({"run-1": 0.125, "looop-w1": 0.75})
    );
    assert_eq!(
        v["calls_by"],
        serde_json::json!({"run-1": 1, "looop-w1": 2})
    );

    // An empty (or missing) ledger is a zero report, not an error.
    let empty = profile();
    let v = empty.json("UTC", &["cost", "week", "--json"]);
    assert_eq!(
        (v["total_usd"].as_f64(), v["calls"].as_u64()),
        (Some(0.0), Some(0))
    );
}

#[test]
fn by_day_shows_every_day_of_the_week_with_bars() {
    let p = profile();
    let today = today_in("UTC");
    let at = |days_ago: u64| midnight_in("UTC", today - chrono::Days::new(days_ago)) + 3600;
    let text = [
        line(at(0), "tick", "a", "claude", 1.0),
        line(at(2), "tick", "b", "claude", 2.0),
        line(at(2), "tick", "c", "claude", 2.0),
        line(at(9), "tick", "d", "claude", 64.0),
    ]
    .join("\n");
    std::fs::write(p.ledger(), text + "\n").unwrap();

    let out = p.text("UTC", &["cost", "week", "--by", "day"]);
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with(char::is_numeric))
        .collect();
    assert_eq!(rows.len(), 7, "every day of the week, spent or not:\n{out}");
    assert!(rows[0].starts_with(&(today - chrono::Days::new(6)).to_string()));
    assert!(rows[6].starts_with(&today.to_string()));
    let bar = |row: &str| row.chars().filter(|c| *c == '#').count();
    assert_eq!(bar(rows[4]), 30, "the biggest day has the full bar:\n{out}");
    assert_eq!(bar(rows[6]), 8, "a quarter of it (rounded):\n{out}");
    assert_eq!(bar(rows[0]), 0);
    assert!(rows[4].contains("  2  $4.0000"), "{out}");
    assert!(out.contains("total   $5.0000 in 3 calls"), "{out}");
    // The columns line up: every row has its amount at the same place.
    let col = |row: &str| row.find('$').unwrap();
    assert!(rows.iter().all(|r| col(r) == col(rows[0])), "{out}");
}

#[test]
fn the_budget_line_shows_todays_spend() {
    let p = profile();
    let out = p.text("UTC", &["cost"]);
    assert!(!out.contains("budget"), "no budget, no line: {out}");

    std::fs::write(&p.config, "daily_budget_usd = 2.0\n").unwrap();
    let now = chrono::Utc::now().timestamp();
    let yesterday = midnight_in("UTC", today_in("UTC")) - 60;
    let text = [
        line(now - 5, "tick", "a", "claude", 0.5),
        line(yesterday, "tick", "b", "claude", 7.0),
    ]
    .join("\n");
    std::fs::write(p.ledger(), text + "\n").unwrap();
    let out = p.text("UTC", &["cost"]);
    assert!(
        out.contains("budget  $0.5000 of $2.00 spent today (25%)"),
        "{out}"
    );
    let v = p.json("UTC", &["cost", "--json"]);
    assert_eq!(
        (v["budget_usd"].as_f64(), v["spent_today_usd"].as_f64()),
        (Some(2.0), Some(0.5))
    );
    assert_eq!(v["budget_reached"], false);

    let out = p.run_in("UTC", &["_cost", "session", "w1", "claude", "1.5"]);
    assert_eq!(out.status.code(), Some(0));
    let out = p.text("UTC", &["cost", "today"]);
    assert!(
        out.contains("of $2.00 spent today (100%): budget reached"),
        "{out}"
    );
    assert_eq!(p.json("UTC", &["cost", "--json"])["budget_reached"], true);
}

#[test]
fn unknown_scope_or_breakdown_is_a_usage_error() {
    let p = profile();
    for args in [
        &["cost", "yesterday"][..],
        &["cost", "--by", "colour"],
        &["cost", "--by"],
        &["cost", "today", "week"],
        &["cost", "--bogus"],
    ] {
        let out = p.run_in("UTC", args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr)
                .trim_end()
                .lines()
                .count(),
            1
        );
        assert!(out.stdout.is_empty());
    }
    std::fs::write(&p.config, "daily_budget_usd = \"lots\"\n").unwrap();
    let out = p.run_in("UTC", &["cost"]);
    assert_eq!(out.status.code(), Some(2), "a bad config is status 2");
}

#[test]
fn days_of_25_and_23_hours_are_whole_days() {
    let p = profile();
    // New York: 2026-11-01 has 25 hours (EDT -> EST), 2026-03-08 has 23.
    let at = |ts: &str, usd: f64| {
        let secs = chrono::DateTime::parse_from_rfc3339(ts)
            .unwrap()
            .timestamp();
        line(secs, "tick", "r", "claude", usd)
    };
    let text = [
        at("2026-03-08T04:59:59Z", 1.0),  // 23:59:59 EST, Mar 7
        at("2026-03-08T05:00:01Z", 2.0),  // 00:00:01 EST, Mar 8
        at("2026-03-09T03:59:59Z", 4.0),  // 23:59:59 EDT, Mar 8
        at("2026-03-09T04:00:01Z", 8.0),  // 00:00:01 EDT, Mar 9
        at("2026-11-01T04:00:01Z", 16.0), // 00:00:01 EDT, Nov 1
        at("2026-11-02T04:59:59Z", 32.0), // 23:59:59 EST, Nov 1
        at("2026-11-02T05:00:01Z", 64.0), // 00:00:01 EST, Nov 2
    ]
    .join("\n");
    std::fs::write(p.ledger(), text + "\n").unwrap();
    let v = p.json(NEW_YORK, &["cost", "--by", "day", "--json"]);
    assert_eq!(
        v["by_day"],
        serde_json::json!({
            "2026-03-07": 1.0, "2026-03-08": 6.0, "2026-03-09": 8.0,
            "2026-11-01": 48.0, "2026-11-02": 64.0,
        })
    );
}

#[test]
fn by_goal_session_model_unpriced_and_old_self_reports() {
    let p = profile();
    let now = chrono::Utc::now().timestamp();
    let ts = utc(now - 5);
    let text = [
        // Metered: priced, and tokens of a model without a price.
        format!(r#"{{"ts":"{ts}","kind":"session","id":"w1","runner":"claude","cost_usd":0.5,"input_tokens":10,"source":"transcript","model":"claude-sonnet-4-5","goal":"ship"}}"#),
        format!(r#"{{"ts":"{ts}","kind":"session","id":"w1","runner":"claude","cost_usd":null,"input_tokens":70,"output_tokens":7,"source":"transcript","model":"mystery","goal":"ship"}}"#),
        // w1's own report (old shape, no source): left out, w1 is metered.
        line(now - 4, "session", "looop-w1", "claude", 9.0),
        // w2 is not metered: its report counts.
        format!(r#"{{"ts":"{ts}","kind":"session","id":"looop-w2","runner":"pi","cost_usd":0.25,"source":"self"}}"#),
        line(now - 3, "tick", "run-1", "claude", 0.125),
    ]
    .join("\n");
    std::fs::write(p.ledger(), text + "\n").unwrap();
    let v = p.json("UTC", &["cost", "--json"]);
    assert_eq!(v["total_usd"], 0.875, "{v}");
    assert_eq!(v["unpriced_tokens"], 77);
    assert_eq!(v["by_goal"], serde_json::json!({"ship": 0.5}));
    assert_eq!(v["by_session"], serde_json::json!({"w1": 0.5, "w2": 0.25}));
    assert_eq!(
        v["by_model"],
        serde_json::json!({"claude-sonnet-4-5": 0.5, "mystery": null}),
        "unknown, never 0"
    );
    assert_eq!(v["self_reports_left_out"], 1);
    let out = p
        .cmd(&["cost", "--by", "model"])
        .env("TZ", "UTC")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("77 tokens without a price"), "{text}");
    let mystery = text.lines().find(|l| l.starts_with("mystery")).unwrap();
    assert!(mystery.ends_with('?'), "unknown, never $0: {mystery}");
}
