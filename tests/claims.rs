//! `looop claim` / `unclaim`: atomic leases, the race, stale takeover,
//! hand-written claims, and reaping by the beat.

mod pulse_util;
use pulse_util::*;
use std::process::Stdio;

#[test]
fn twenty_racing_claimers_one_winner() {
    let env = Env::new("");
    let children: Vec<_> = (0..20)
        .map(|i| {
            env.cmd(&["claim", "deploy", "--session", &format!("looop-w{i}")])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let winners: Vec<_> = outs.iter().filter(|o| o.status.success()).collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        outs.iter().map(show).collect::<Vec<_>>()
    );
    let claim: serde_json::Value = serde_json::from_str(&env.file("claims/deploy.json")).unwrap();
    let owner = claim["session"].as_str().unwrap();
    assert!(String::from_utf8_lossy(&winners[0].stdout).contains(owner));
    for o in outs.iter().filter(|o| !o.status.success()) {
        assert_eq!(o.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(owner),
            "{}",
            show(o)
        );
    }
    assert_eq!(claim["name"], "deploy");
}

#[test]
fn claim_unclaim_and_session_from_env() {
    let env = Env::new("");
    let out = env
        .cmd(&["claim", "fix-ci"])
        .env("LOOOP_SESSION_ID", "looop-a")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    // Same owner again: fine.
    env.ok(&["claim", "fix-ci", "--session", "looop-a"], 0);
    // Someone else (the owner is alive: its claiming shell is this test).
    let out = env.looop(&["claim", "fix-ci", "--session", "looop-b"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("looop-a"));
    // Not yours to release.
    assert_eq!(
        env.looop(&["unclaim", "fix-ci", "--session", "looop-b"])
            .status
            .code(),
        Some(1)
    );
    env.ok(&["unclaim", "fix-ci", "--session", "looop-a"], 0);
    assert!(!env.data.join("claims/fix-ci.json").exists());
    env.ok(&["claim", "fix-ci", "--session", "looop-b"], 0);

    // Bad input.
    assert_eq!(
        env.looop(&["claim", "../x", "--session", "a"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        env.looop(&["claim", "x"]).status.code(),
        Some(2),
        "no session"
    );
    assert_eq!(env.looop(&["claim"]).status.code(), Some(2));
}

#[test]
fn hand_written_claim_of_a_dead_session_is_taken_over_and_reaped() {
    let env = Env::new("");
    env.write(
        "claims/db.json",
        r#"{"session": "looop-gone", "name": "db"}"#,
    );
    let out = env.ok(&["claim", "db", "--session", "looop-new"], 0);
    assert!(out.contains("taken over from looop-gone"), "{out}");

    // A beat drops claims whose owner is not alive.
    env.write(
        "claims/cache.json",
        r#"{"session": "looop-dead", "name": "cache"}"#,
    );
    env.answer(&noop("x"));
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("claim cache dropped"), "{out}");
    assert!(!env.data.join("claims/cache.json").exists());
    let reaped = env.events("claim_reaped");
    assert_eq!(reaped.len(), 1);
    assert_eq!(reaped[0]["name"], "cache");
    assert_eq!(reaped[0]["session"], "looop-dead");
    // The live one (its claiming shell, this test, lives) stays, and the
    // prompt lists it.
    assert!(env.data.join("claims/db.json").exists());
    assert!(env.prompt(1).contains("- db held by looop-new"));
}
