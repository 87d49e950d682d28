//! CONTRACT §11 "Reboot": every supervisor and worker SIGKILLed (what a
//! reboot does to them) leaves the workers `lost`; a beat keeps the claims
//! of the lost resumable ones (for `resume_grace`) and reaps those of a
//! lost one that cannot be resumed; `looop resume --all-lost` brings every
//! resumable one back on its own agent session with its claims, names the
//! others with why, and says so in its exit status.

mod support;

use support::agents::{StandIns, after};
use support::*;

/// The `supervisor_pid` of worker `id`'s record.
fn supervisor_pid(p: &Profile, id: &str) -> i64 {
    let state = p.data.join(format!("sessions/looop-{id}/state.json"));
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(state).unwrap()).unwrap();
    record["supervisor_pid"].as_i64().unwrap()
}

fn claims_of(p: &Profile) -> Vec<(String, String)> {
    let s: serde_json::Value = serde_json::from_str(&p.ok(&["status", "--json"], 0)).unwrap();
    s["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["session"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// What the test expects of each worker: id, runner, and how its agent
/// session is named on the command line of a resume.
const FLEET: [(&str, &str); 5] = [
    ("c1", "claude"),
    ("c2", "claude"),
    ("p1", "pi"),
    ("x1", "codex"),
    ("o1", "opencode"),
];

#[test]
fn after_a_reboot_a_beat_keeps_the_claims_and_resume_all_lost_brings_the_fleet_back() {
    let env = Profile::fake_ai("max_workers = 8");
    let agents = StandIns::install(&env);
    env.answer(&noop("quiet"));
    for (id, runner) in FLEET {
        env.ok(&["start-session", id, "work on it", runner], 0);
        agents.wait_starts(id, 1);
        env.ok(&["claim", &format!("task-{id}"), "--session", id], 0);
    }
    // The agent session of each, as looop knows it (codex's once learned).
    wait_for(DEADLINE_SECS, "codex's session id learned", || {
        env.ok(&["status"], 0);
        row_json(&env, "x1").unwrap()["agent_session"].is_string()
    });
    let sessions: Vec<(String, serde_json::Value)> = FLEET
        .iter()
        .map(|(id, _)| {
            (
                id.to_string(),
                row_json(&env, id).unwrap()["agent_session"].clone(),
            )
        })
        .collect();

    // The "reboot": SIGKILL every supervisor and every worker's group.
    let mut pids = Vec::new();
    for (id, _) in FLEET {
        let row = row_json(&env, id).unwrap();
        pids.push(supervisor_pid(&env, id).to_string());
        pids.push(format!("-{}", row["pid"].as_i64().unwrap()));
    }
    let mut kill = std::process::Command::new("kill");
    kill.arg("-KILL").arg("--").args(&pids);
    assert!(kill.status().unwrap().success());
    for (id, _) in FLEET {
        wait_for(DEADLINE_SECS, &format!("{id} lost"), || {
            row_json(&env, id).unwrap()["state"] == "lost"
        });
    }

    // Another worker cannot take a lost resumable worker's claim over.
    let out = env.run(&["claim", "task-c2", "--session", "intruder"]);
    assert_status(&out, 1);
    assert!(text(&out.stderr).contains("(lost, kept"), "{}", show(&out));

    // A beat: the resumable keep their claims, opencode's is reaped.
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("claim task-o1 dropped"), "{out}");
    let held = claims_of(&env);
    let want: Vec<(String, String)> = FLEET[..4]
        .iter()
        .map(|(id, _)| (format!("task-{id}"), format!("looop-{id}")))
        .collect();
    assert_eq!(held, want);
    let prompt = env.prompt(1);
    for (id, _) in &FLEET[..4] {
        assert!(
            prompt.contains(&format!("- {id} [lost] resumable: resume_worker")),
            "{prompt}"
        );
    }
    // A second beat still keeps them (the grace counts from the first).
    env.ok(&["tick"], 0);
    assert_eq!(claims_of(&env), want);

    let out = env.run(&["resume", "--all-lost"]);
    assert_status(&out, 1);
    let stdout = text(&out.stdout);
    for (id, _) in &FLEET[..4] {
        assert!(
            stdout.contains(&format!("resumed looop-{id}\n")),
            "{stdout}"
        );
    }
    assert!(
        stdout.contains(
            "not resumed looop-o1: cannot resume looop-o1: runner opencode has no resume command"
        ),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 5, "{stdout}");

    for (id, agent_session) in &sessions[..4] {
        let argv = agents.wait_starts(id, 2);
        let given = match argv[0].as_str() {
            "claude" => after(&argv, "--resume").map(str::to_string),
            "codex" => argv.last().cloned(),
            // pi's session is its file, named by the session dir.
            _ => after(&argv, "--session").map(str::to_string),
        };
        let row = row_json(&env, id).unwrap();
        assert_eq!(row["state"], "running", "{id}");
        match argv[0].as_str() {
            "pi" => assert!(
                given
                    .unwrap()
                    .ends_with(&format!("looop-{id}/agent-session.jsonl")),
                "{argv:?}"
            ),
            _ => assert_eq!(given.as_deref(), agent_session.as_str(), "{argv:?}"),
        }
        assert_eq!(&row["agent_session"], agent_session, "{id}");
    }
    // Their claims are theirs, live: another session is refused them.
    let out = env.run(&["claim", "task-c1", "--session", "looop-other"]);
    assert_status(&out, 1);
    env.ok(&["tick"], 0);
    assert_eq!(claims_of(&env), want);

    let help = env.ok(&["help", "resume"], 0);
    assert!(
        help.contains("--all-lost") && help.contains("status 0 when all came back"),
        "{help}"
    );

    // Nothing lost any more: status 0.
    env.ok(&["kill", "o1"], 0);
    let out = env.ok(&["resume", "--all-lost"], 0);
    assert!(out.contains("no lost workers"), "{out}");
    for (id, _) in &FLEET[..4] {
        env.ok(&["kill", id], 0);
    }
}

#[test]
fn past_the_grace_a_lost_workers_claims_are_reaped() {
    let env = Profile::fake_ai("resume_grace = 2");
    let agents = StandIns::install(&env);
    env.answer(&noop("quiet"));
    env.ok(&["start-session", "c1", "work on it", "claude"], 0);
    agents.wait_starts("c1", 1);
    env.ok(&["claim", "task", "--session", "c1"], 0);
    let row = row_json(&env, "c1").unwrap();
    let status = std::process::Command::new("kill")
        .args(["-KILL", "--"])
        .arg(supervisor_pid(&env, "c1").to_string())
        .arg(format!("-{}", row["pid"].as_i64().unwrap()))
        .status()
        .unwrap();
    assert!(status.success());
    wait_for(DEADLINE_SECS, "lost", || {
        row_json(&env, "c1").unwrap()["state"] == "lost"
    });
    let seen = std::time::Instant::now();
    env.ok(&["tick"], 0);
    if seen.elapsed() < std::time::Duration::from_secs(2) {
        assert_eq!(claims_of(&env).len(), 1, "kept within the grace");
    }
    wait_for(DEADLINE_SECS, "the grace to pass", || {
        seen.elapsed() > std::time::Duration::from_secs(3)
    });
    // Past the grace a claimer takes it over; the beat reaps the rest.
    env.ok(&["claim", "other", "--session", "c1"], 0);
    let out = env.run(&["claim", "task", "--session", "intruder"]);
    assert_status(&out, 0);
    assert!(
        text(&out.stdout).contains("taken over from"),
        "{}",
        show(&out)
    );
    let out = env.ok(&["tick"], 0);
    assert!(out.contains("claim other dropped"), "{out}");
    // (the intruder is no live session either: its claim goes too)
    assert!(claims_of(&env).is_empty());
    // Still resumable, without its claim.
    env.ok(&["resume", "c1"], 0);
    agents.wait_starts("c1", 2);
    env.ok(&["kill", "c1"], 0);
}
