//! CONTRACT §11 "Usage limit", done-when of issue 20: a fleet of 5 workers
//! whose agent (the `claude` stand-in of `support::agents`) stops at the
//! real claude limit text with a reset a little ahead. The beat pauses the
//! runner (`status` shows `paused until …`), calls no tick AI while paused,
//! and the first beat after the reset lifts the pause and continues every
//! worker without a human: claude's continue input typed into the live
//! ones, a resume on its own agent session for the one that ended.

mod support;

use chrono::{DateTime, Duration, Local, Timelike, Utc};
use support::agents::{StandIns, after};
use support::*;

const FLEET: [&str; 5] = ["w1", "w2", "w3", "w4", "w5"];

/// The next whole minute at least `margin` ahead: claude names its reset
/// to the minute (`resets 3:04am (UTC)`).
fn next_minute(margin: Duration) -> DateTime<Utc> {
    let t = Utc::now() + margin + Duration::minutes(1);
    t.with_second(0).unwrap().with_nanosecond(0).unwrap()
}

#[test]
fn a_limited_fleet_waits_for_the_reset_then_goes_on_by_itself() {
    let env = Profile::fake_ai("max_workers = 8");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake-ai.sh");
    // The tick AI and the workers share runner `claude` (one provider,
    // one limit): its tick is the fake AI, its workers the stand-in.
    env.use_runner(
        "claude",
        &format!(
            "\n[runners.claude]\ntick = \"FAKE_AI_DIR='{}' sh '{}'\"\n",
            env.ai.display(),
            script.display()
        ),
    );
    env.answer(&noop("after the reset"));
    let agents = StandIns::install(&env);
    agents.limit_soon();
    for id in FLEET {
        env.ok(&["start-session", id, "work on it"], 0);
    }
    for id in FLEET {
        agents.wait_starts(id, 1);
    }
    // The reset is set once the fleet is up, so a slow start cannot eat it.
    let reset = next_minute(Duration::seconds(20));
    // The text of claude 2.1.197's TUI (shared/FORMATS.md), exact.
    let text = format!(
        "  ⎿  You've hit your session limit · resets {} (UTC)\n",
        reset.format("%-I:%M%P")
    );
    agents.hit_limit(&text);
    let w5_session = after(&agents.wait_starts("w5", 1), "--session-id")
        .unwrap()
        .to_string();
    for id in FLEET {
        agents.wait_starts(id, 1);
        wait_for(DEADLINE_SECS, &format!("{id} usage_limited"), || {
            row_json(&env, id).unwrap()["activity"] == "usage_limited"
        });
    }

    let out = env.ok(&["tick"], 0);
    let until = reset.with_timezone(&Local).format("%H:%M").to_string();
    let line = format!("paused until {until} (claude usage limit)");
    assert!(out.contains(&line), "{out}");
    assert!(env.ok(&["status"], 0).contains(&line));
    assert_eq!(env.calls(), 0, "no AI call during the pause");

    // One worker's agent ends while it waits.
    agents.end("w5");
    wait_for(DEADLINE_SECS, "w5 ended", || {
        row_json(&env, "w5").unwrap()["state"] == "exited"
    });
    env.write("goals/g.md", "the world changed\n");
    let out = env.ok(&["tick"], 0);
    if Utc::now() < reset {
        assert!(out.contains(&line), "{out}");
        assert_eq!(env.calls(), 0, "no AI call during the pause");
    }

    wait_for(120, "the reset", || {
        Utc::now() > reset + Duration::seconds(1)
    });
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("resumed: claude (usage limit over)"), "{out}");
    for id in &FLEET[..4] {
        assert!(
            out.contains(&format!("continued {id} (typed continue)")),
            "{out}"
        );
        wait_for(DEADLINE_SECS, &format!("{id} got its continue"), || {
            agents.input(id) == ["continue"]
        });
        assert_eq!(agents.starts(id).len(), 1, "{id} was not restarted");
    }
    assert!(out.contains("continued w5 (resumed)"), "{out}");
    let argv = agents.wait_starts("w5", 2);
    assert_eq!(
        after(&argv, "--resume"),
        Some(w5_session.as_str()),
        "{argv:?}"
    );
    assert_eq!(env.calls(), 1, "the AI is asked again after the lift");
    let s: serde_json::Value = serde_json::from_str(&env.ok(&["status", "--json"], 0)).unwrap();
    assert!(s["pauses"].as_array().unwrap().is_empty(), "{s}");
    for id in FLEET {
        env.ok(&["kill", id], 0);
    }
}
