//! `looop claim` / `unclaim` without live workers: the lease file, takeover
//! of claims whose session is not alive (hand-written ones too), release,
//! bad input, and reaping by the beat. The race between live workers is in
//! `pulse_workers.rs`.

mod support;
use support::*;

#[test]
fn claim_writes_the_lease_and_unclaim_releases_it() {
    let env = Profile::fake_ai("");
    let out = env
        .cmd(&["claim", "fix-ci"])
        .env("LOOOP_SESSION_ID", "looop-a")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let claim: serde_json::Value = serde_json::from_str(&env.file("claims/fix-ci.json")).unwrap();
    assert_eq!(claim["session"], "looop-a");
    assert_eq!(claim["name"], "fix-ci");
    // Claiming your own lease again is fine.
    env.ok(&["claim", "fix-ci", "--session", "looop-a"], 0);
    // Releasing someone else's is refused, naming the owner.
    let out = env.run(&["unclaim", "fix-ci", "--session", "looop-b"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("looop-a"));
    env.ok(&["unclaim", "fix-ci", "--session", "looop-a"], 0);
    assert!(!env.data.join("claims/fix-ci.json").exists());
    assert!(
        env.ok(&["unclaim", "fix-ci", "--session", "looop-a"], 0)
            .contains("was not claimed")
    );
}

/// §4: commands that take an id accept `<id>` and `looop-<id>`, and a
/// claim is held "for $LOOOP_SESSION_ID" (always `looop-<id>`). So
/// `--session x` is the same owner as `looop-x` and is stored, listed and
/// named in refusals as the session name, as a worker's own claim would be.
#[test]
fn a_bare_session_id_is_the_same_owner_as_its_session_name() {
    let env = Profile::fake_ai("");
    let out = env.ok(&["claim", "job", "--session", "x"], 0);
    assert_eq!(out, "claimed job for looop-x\n");
    let claim: serde_json::Value = serde_json::from_str(&env.file("claims/job.json")).unwrap();
    assert_eq!(claim["session"], "looop-x");
    let out = env.ok(&["claim", "job", "--session", "looop-x"], 0);
    assert!(out.contains("already claimed by looop-x"), "{out}");
    let status: serde_json::Value =
        serde_json::from_str(&env.ok(&["status", "--json"], 0)).unwrap();
    assert_eq!(status["claims"][0]["session"], "looop-x");
    assert!(env.ok(&["status"], 0).contains("looop-x"));
    env.ok(&["unclaim", "job", "--session", "x"], 0);
    assert!(!env.data.join("claims/job.json").exists());
}

#[test]
fn claims_of_sessions_that_are_not_alive_are_taken_over() {
    let env = Profile::fake_ai("");
    env.ok(&["claim", "deploy", "--session", "looop-old"], 0);
    let out = env.ok(&["claim", "deploy", "--session", "looop-new"], 0);
    assert!(out.contains("taken over from looop-old"), "{out}");
    let claim: serde_json::Value = serde_json::from_str(&env.file("claims/deploy.json")).unwrap();
    assert_eq!(claim["session"], "looop-new");

    // Hand-written, with a bare id: honoured the same way.
    env.write("claims/db.json", r#"{"session": "gone", "name": "db"}"#);
    let out = env.ok(&["claim", "db", "--session", "looop-x"], 0);
    assert!(out.contains("taken over from gone"), "{out}");
    // Garbage in a claim file cannot pin a task forever.
    env.write("claims/junk.json", "{not json");
    env.ok(&["claim", "junk", "--session", "looop-x"], 0);
}

#[test]
fn bad_input_is_refused_and_writes_nothing() {
    let env = Profile::fake_ai("");
    for (args, code) in [
        (&["claim", "../x", "--session", "looop-a"][..], 2),
        (&["claim", "x"][..], 2),
        (&["claim"][..], 2),
        (&["claim", "x", "--session", "a/b"][..], 2),
        (&["unclaim", ".hidden", "--session", "looop-a"][..], 2),
    ] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", show(&out));
    }
    let left: Vec<_> = std::fs::read_dir(env.data.join("claims"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != ".lock")
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_beat_reaps_claims_whose_session_is_not_alive() {
    let env = Profile::fake_ai("");
    env.write(
        "claims/cache.json",
        r#"{"session": "looop-dead", "name": "cache"}"#,
    );
    env.ok(&["claim", "build", "--session", "looop-gone"], 0);
    env.answer(&noop("x"));
    let out = env.ok(&["tick"], 0);
    assert!(
        out.contains("claim cache dropped") && out.contains("claim build dropped"),
        "{out}"
    );
    let left = std::fs::read_dir(env.data.join("claims"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".json")
        });
    assert_eq!(left.count(), 0);
    let reaped = env.events("claim_reaped");
    assert_eq!(reaped.len(), 2);
    assert_eq!(reaped[0]["name"], "build");
    assert_eq!(reaped[0]["session"], "looop-gone");
    assert!(env.prompt(1).contains("## CLAIMS\n(none)"));
}
