//! CONTRACT §11 "Resume": `looop resume <id>` relaunches a finished or
//! lost worker on its own agent session with its runner's `resume` command.
//! The agent CLIs are stand-in scripts named `claude`, `pi` and `opencode`
//! that write down their argv and stay alive.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use support::*;

fn stand_ins(p: &Profile, names: &[&str]) -> PathBuf {
    let bin = p.tmp.path().join("bin");
    let seen = p.tmp.path().join("seen");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&seen).unwrap();
    for name in names {
        let script = format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{seen}/{name}.argv.tmp'\nmv '{seen}/{name}.argv.tmp' '{seen}/{name}.argv'\nexec sleep 60\n",
            seen = seen.display()
        );
        let path = bin.join(name);
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::write(
        p.tmp.path().join(".bash_profile"),
        format!("export PATH='{}':\"$PATH\"\n", bin.display()),
    )
    .unwrap();
    seen
}

/// The argv the stand-in `name` was last started with (and forget it, so
/// the next start is seen afresh).
fn take_argv(seen: &Path, name: &str) -> Vec<String> {
    let path = seen.join(format!("{name}.argv"));
    wait_for(DEADLINE_SECS, &format!("{name} started"), || path.exists());
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    text.lines().map(str::to_string).collect()
}

fn after<'a>(argv: &'a [String], flag: &str) -> Option<&'a str> {
    let at = argv.iter().position(|a| a == flag)?;
    argv.get(at + 1).map(String::as_str)
}

/// SIGKILL the supervisor and the worker of `id`: the session is `lost`.
fn lose(p: &Profile, id: &str) {
    let row = row_json(p, id).unwrap();
    let pid = row["pid"].as_i64().unwrap() as i32;
    let state = p.data.join(format!("sessions/looop-{id}/state.json"));
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(state).unwrap()).unwrap();
    let sup = record["supervisor_pid"].as_i64().unwrap() as i32;
    unsafe {
        libc_kill(sup, 9);
        libc_kill(-pid, 9);
    }
    wait_for(DEADLINE_SECS, "lost", || {
        row_json(p, id).unwrap()["state"] == "lost"
    });
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

#[test]
fn resume_relaunches_on_the_same_agent_session() {
    let p = Profile::with_config_text("max_workers = 8\n");
    let seen = stand_ins(&p, &["claude", "pi", "opencode"]);
    p.ok(&["start-session", "c1", "do it", "claude"], 0);
    let id = after(&take_argv(&seen, "claude"), "--session-id")
        .unwrap()
        .to_string();
    p.ok(&["start-session", "p1", "do it", "pi"], 0);
    let file = after(&take_argv(&seen, "pi"), "--session")
        .unwrap()
        .to_string();
    p.ok(&["start-session", "o1", "do it", "opencode"], 0);
    take_argv(&seen, "opencode");

    // Live: refused; unknown: refused.
    let out = p.run(&["resume", "c1"]);
    assert_status(&out, 1);
    assert_eq!(row_json(&p, "c1").unwrap()["resumable"], false);
    assert_status(&p.run(&["resume", "nope"]), 1);

    p.ok(&["claim", "the-db", "--session", "looop-c1"], 0);
    lose(&p, "c1");
    p.ok(&["kill", "p1"], 0);
    p.ok(&["kill", "o1"], 0);
    assert_eq!(row_json(&p, "c1").unwrap()["resumable"], true);
    assert_eq!(row_json(&p, "p1").unwrap()["resumable"], true);
    assert_eq!(row_json(&p, "o1").unwrap()["resumable"], false);

    let out = p.ok(&["resume", "c1"], 0);
    assert!(out.contains("resumed looop-c1"), "{out}");
    let argv = take_argv(&seen, "claude");
    assert_eq!(after(&argv, "--resume"), Some(id.as_str()), "{argv:?}");
    let row = row_json(&p, "c1").unwrap();
    assert_eq!(row["state"], "running");
    assert_eq!(row["agent_session"], id.as_str());
    // Its lease is still its own: another session is refused it.
    assert_status(&p.run(&["claim", "the-db", "--session", "looop-other"]), 1);

    p.ok(&["resume", "p1"], 0);
    assert_eq!(
        after(&take_argv(&seen, "pi"), "--session"),
        Some(file.as_str())
    );

    let out = p.run(&["resume", "o1"]);
    assert_status(&out, 1);
    assert!(
        text(&out.stderr).contains("no resume command"),
        "{}",
        show(&out)
    );
    p.ok(&["kill", "c1"], 0);
    p.ok(&["kill", "p1"], 0);
}
