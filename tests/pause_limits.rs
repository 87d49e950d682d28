//! Usage limits of the tick AI (CONTRACT §11): a stand-in runner prints each
//! agent's real limit text (shared/FORMATS.md, tests/fixtures/README.md),
//! and the beat pauses the runner instead of failing: `paused until HH:MM
//! (<runner> usage limit)`, exit 0, no AI call while paused, `status` and
//! `status --json` show it, `start-session` refuses the runner unless
//! `--force`, and the first beat after the reset lifts it and asks again.

mod support;
use chrono::{DateTime, Duration, Local, Utc};
use support::*;

/// The world changes between beats, so each beat would call the AI.
fn touch_world(env: &Profile, n: usize) {
    env.write(&format!("goals/g{n}.md"), &format!("goal {n}\n"));
}

fn status_json(env: &Profile) -> serde_json::Value {
    serde_json::from_str(&env.ok(&["status", "--json"], 0)).unwrap()
}

fn until_of(env: &Profile) -> DateTime<Utc> {
    let s = status_json(env);
    let until = s["pauses"][0]["until"].as_str().unwrap().to_string();
    DateTime::parse_from_rfc3339(&until)
        .unwrap()
        .with_timezone(&Utc)
}

fn hhmm(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%H:%M").to_string()
}

/// `3:04am` as claude prints it (en-US, lowercase).
fn claude_clock(t: DateTime<Utc>) -> String {
    t.format("%-I:%M%P").to_string()
}

#[test]
fn a_limit_pauses_the_runner_without_failing_and_refuses_new_workers() {
    let env = Profile::fake_ai("");
    let reset = Utc::now() + Duration::hours(2);
    let text = format!(
        "You've hit your session limit · resets {} (UTC)",
        claude_clock(reset)
    );
    env.answer(&text);
    std::fs::write(env.ai.join("exit"), "1").unwrap();
    touch_world(&env, 1);
    let out = env.ok(&["tick"], 0);
    let want_until = reset.format("%Y-%m-%dT%H:%M:00Z").to_string();
    let until = until_of(&env);
    assert_eq!(
        until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        want_until
    );
    let line = format!("paused until {} (fake usage limit)", hhmm(until));
    assert!(out.contains(&line), "{out}");
    assert!(out.contains("NEEDS YOU"), "said once: {out}");
    assert_eq!(env.calls(), 1);
    assert!(env.events("tick_failed").is_empty());
    let paused = env.events("paused");
    assert_eq!(paused.len(), 1);
    assert_eq!(paused[0]["runner"], "fake");
    assert_eq!(paused[0]["reason"], "usage_limit");
    assert_eq!(paused[0]["message"], text.as_str());

    // While paused: no AI call, exit 0, not said again.
    touch_world(&env, 2);
    let out = env.ok(&["tick"], 0);
    assert!(out.contains(&line), "{out}");
    assert!(!out.contains("NEEDS YOU"), "{out}");
    assert_eq!(env.calls(), 1, "no AI call during the pause");
    assert_eq!(env.events("paused").len(), 1);
    assert!(env.events("tick_failed").is_empty());

    let s = status_json(&env);
    let p = &s["pauses"][0];
    assert_eq!(p["runner"], "fake");
    assert_eq!(p["reason"], "usage_limit");
    assert_eq!(p["message"], text.as_str());
    assert!(p["since"].as_str().unwrap().ends_with('Z'));
    assert!(env.ok(&["status"], 0).contains(&line));

    let out = env.run(&["start-session", "w1", "true", "fake"]);
    assert_status(&out, 1);
    let err = text_of(&out.stderr);
    assert!(
        err.contains("paused until") && err.contains("--force"),
        "{err}"
    );
    env.ok(&["start-session", "--force", "w2", "true", "fake"], 0);
}

fn text_of(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// One beat whose runner prints `text` and exits `code`; the pause's until.
fn until_after(extra: &str, text: &str, code: i32) -> (Profile, String, DateTime<Utc>) {
    let env = Profile::fake_ai(extra);
    env.answer(text);
    std::fs::write(env.ai.join("exit"), code.to_string()).unwrap();
    touch_world(&env, 1);
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("paused until"), "{out}");
    assert!(env.events("tick_failed").is_empty());
    let until = until_of(&env);
    (env, out, until)
}

fn near(a: DateTime<Utc>, b: DateTime<Utc>, secs: i64) -> bool {
    (a - b).num_seconds().abs() <= secs
}

#[test]
fn every_agents_limit_text_gives_its_reset_time() {
    let now = Utc::now();
    // codex 0.171.0: U+2019, lowercase "try", local time, no zone.
    let at = (now + Duration::hours(3)).with_timezone(&Local);
    let codex = format!(
        "\u{25a0} You\u{2019}ve hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro), visit https://chatgpt.com/settings/usage to purchase more credits or try again at {}.",
        at.format("%b %-dth, %Y %-I:%M %p")
    );
    let (_env, _, until) = until_after("", &codex, 1);
    assert_eq!(hhmm(until), at.format("%H:%M").to_string(), "{codex}");
    assert!(near(until, now + Duration::hours(3), 61));

    // codex exec --json: the same text inside turn.failed.
    let json = format!(
        "{{\"type\":\"turn.failed\",\"error\":{{\"message\":\"You\u{2019}ve hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro), visit https://chatgpt.com/settings/usage to purchase more credits or try again at {}.\"}}}}",
        at.format("%b %-dth, %Y %-I:%M %p")
    );
    let (_env, _, until) = until_after("", &json, 1);
    assert!(near(until, now + Duration::hours(3), 61));

    // pi 0.73.1.
    let pi = "Error: You have hit your ChatGPT usage limit (plus plan). Try again in ~42 min.";
    let (_env, _, until) = until_after("", pi, 1);
    assert!(near(until, now + Duration::minutes(42), 30), "{until}");

    // opencode 1.18.33.
    let opencode = "Usage limit reached. It will reset in 2 hours 5 minutes. To continue using this model now, enable usage from your available balance";
    let (_env, _, until) = until_after("", opencode, 1);
    assert!(near(until, now + Duration::minutes(125), 30), "{until}");

    // claude stream-json: rate_limit_event, then the is_error result.
    let epoch = (now + Duration::minutes(90)).timestamp();
    let stream = format!(
        "{{\"type\":\"rate_limit_event\",\"rate_limit_info\":{{\"status\":\"rejected\",\"resetsAt\":{epoch},\"rateLimitType\":\"five_hour\"}}}}\n{{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":true,\"api_error_status\":429,\"result\":\"You've hit your session limit · resets 9:99pm (UTC)\",\"total_cost_usd\":0}}"
    );
    let (_env, _, until) = until_after("", &stream, 1);
    assert_eq!(until.timestamp(), epoch);

    // claude before 2.x: `Claude AI usage limit reached|<epoch>`, exit 0.
    let old = format!("Claude AI usage limit reached|{epoch}");
    let (_env, _, until) = until_after("", &old, 0);
    assert_eq!(until.timestamp(), epoch);
}

#[test]
fn a_past_or_unreadable_reset_waits_limit_backoff_and_a_far_one_is_capped() {
    let now = Utc::now();
    let past = format!(
        "Claude AI usage limit reached|{}",
        (now - Duration::hours(1)).timestamp()
    );
    let (env, out, until) = until_after("limit_backoff = 600", &past, 1);
    assert!(near(until, now + Duration::minutes(10), 30), "{until}");
    assert!(out.contains("passed"), "{out}");
    assert_eq!(env.events("paused").len(), 1);

    let (_env, _, until) = until_after(
        "limit_backoff = 600",
        "You've hit your weekly limit · resets whenever it likes",
        1,
    );
    assert!(near(until, now + Duration::minutes(10), 30), "{until}");

    let far = format!(
        "Claude AI usage limit reached|{}",
        (now + Duration::days(30)).timestamp()
    );
    let (_env, out, until) = until_after("", &far, 1);
    assert!(near(until, now + Duration::days(8), 30), "{until}");
    assert!(out.contains("capped at 8 days"), "{out}");
}

/// One beat with looop in `TZ=UTC` whose runner prints `text`; with
/// `own`, `$TZDIR` is a directory holding that one zone file (name, bytes).
/// The pause's until.
fn until_in_utc(text: &str, own: Option<(&str, &[u8])>) -> DateTime<Utc> {
    let env = Profile::fake_ai("");
    env.answer(text);
    std::fs::write(env.ai.join("exit"), "1").unwrap();
    touch_world(&env, 1);
    let mut cmd = env.cmd(&["tick"]);
    cmd.env("TZ", "UTC").env_remove("TZDIR");
    if let Some((name, bytes)) = own {
        let dir = env.tmp.path().join("zoneinfo");
        let file = dir.join(name);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, bytes).unwrap();
        cmd.env("TZDIR", &dir);
    }
    let out = cmd.output().unwrap();
    echo_run("TZ=UTC looop tick", &out);
    assert_status(&out, 0);
    assert!(
        text_of(&out.stdout).contains("paused until"),
        "{}",
        show(&out)
    );
    until_of(&env)
}

#[test]
fn a_named_zone_in_claudes_text_is_read_from_the_zone_files() {
    // Tokyo is UTC+9 all year; looop runs in UTC, so reading the clock as
    // local time would be 9 hours off.
    let reset = Utc::now() + Duration::hours(3);
    let tokyo = (reset + Duration::hours(9)).naive_utc();
    let text = format!(
        "You've hit your session limit · resets {} (Asia/Tokyo)",
        tokyo.format("%-I:%M%P")
    );
    let until = until_in_utc(&text, None);
    let want = reset.format("%Y-%m-%dT%H:%M:00Z").to_string();
    assert_eq!(
        until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        want,
        "{text}"
    );

    // A zone the system does not know is read as local time (UTC here).
    let text = format!(
        "You've hit your session limit · resets {} (Mars/Olympus_Mons)",
        claude_clock(reset)
    );
    let until = until_in_utc(&text, None);
    assert_eq!(
        until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        want,
        "{text}"
    );

    // $TZDIR is where zone files are looked for: Tokyo's file by a new name.
    let bytes = std::fs::read("/usr/share/zoneinfo/Asia/Tokyo").unwrap();
    let text = format!(
        "You've hit your session limit · resets {} (Looop/Nine)",
        tokyo.format("%-I:%M%P")
    );
    let until = until_in_utc(&text, Some(("Looop/Nine", &bytes)));
    assert_eq!(
        until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        want,
        "{text}"
    );
}

#[test]
fn claudes_server_limiting_is_not_a_pause() {
    let env = Profile::fake_ai("");
    env.answer("API Error: Server is temporarily limiting requests (not your usage limit)");
    std::fs::write(env.ai.join("exit"), "1").unwrap();
    touch_world(&env, 1);
    let out = env.run(&["tick"]);
    assert_status(&out, 1);
    assert!(env.events("paused").is_empty());
    assert!(status_json(&env)["pauses"].as_array().unwrap().is_empty());
}

#[test]
fn the_first_beat_after_the_reset_lifts_the_pause_and_asks_again() {
    let env = Profile::fake_ai("");
    let reset = Utc::now() + Duration::seconds(3);
    env.answer_n(
        1,
        &format!("Claude AI usage limit reached|{}", reset.timestamp()),
    );
    std::fs::write(env.ai.join("exit-1"), "1").unwrap();
    env.answer(&noop("after the reset"));
    touch_world(&env, 1);
    assert!(env.ok(&["tick"], 0).contains("paused until"));
    let out = env.ok(&["tick"], 0);
    if Utc::now() < reset {
        assert!(out.contains("paused until"), "{out}");
        assert_eq!(env.calls(), 1);
    }
    wait_for(30, "the reset", || {
        Utc::now() > reset + Duration::seconds(1)
    });
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("resumed: fake (usage limit over)"), "{out}");
    assert_eq!(env.calls(), 2);
    assert_eq!(env.events("resumed").len(), 1);
    assert!(
        env.journal()[0].contains("after the reset"),
        "{:?}",
        env.journal()
    );
    assert!(status_json(&env)["pauses"].as_array().unwrap().is_empty());
}

#[test]
fn a_spent_budget_pauses_every_runner_once_and_a_raised_one_lifts_it() {
    let env = Profile::fake_ai("daily_budget_usd = 0.05");
    env.answer(&noop("after the raise"));
    env.ok(&["_cost", "session", "w1", "fake", "0.06"], 0);
    touch_world(&env, 1);
    let out = env.ok(&["tick"], 0);
    assert!(
        out.contains("NEEDS YOU") && out.contains("daily_budget_usd"),
        "{out}"
    );
    let s = status_json(&env);
    let pauses = s["pauses"].as_array().unwrap();
    let runners: Vec<&str> = pauses
        .iter()
        .map(|p| p["runner"].as_str().unwrap())
        .collect();
    assert!(
        runners.contains(&"fake") && runners.contains(&"claude"),
        "{runners:?}"
    );
    assert!(pauses.iter().all(|p| p["reason"] == "budget"));
    let midnight = (Local::now().date_naive() + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_local_timezone(Local)
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(until_of(&env), midnight);
    assert!(
        env.ok(&["status"], 0)
            .contains("(every runner: daily budget)")
    );
    let out = env.run(&["start-session", "w1", "true", "fake"]);
    assert_status(&out, 1);

    touch_world(&env, 2);
    let out = env.ok(&["tick"], 0);
    assert!(!out.contains("NEEDS YOU"), "said once: {out}");
    assert_eq!(env.calls(), 0);
    let n = env.events("paused").len();

    let text = std::fs::read_to_string(&env.config)
        .unwrap()
        .replace("daily_budget_usd = 0.05", "daily_budget_usd = 1");
    env.write_config(&text);
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("resumed"), "{out}");
    assert_eq!(env.events("resumed").len(), n);
    assert_eq!(env.calls(), 1);
    assert!(status_json(&env)["pauses"].as_array().unwrap().is_empty());
}
