//! CONTRACT §8: the `agent` key, the `{{session_id}}` / `{{session_file}}`
//! / `{{cwd}}` placeholders, the agent session id looop chooses (kept in the
//! session record, in `LOOOP_AGENT_SESSION` and in `ls --json`), and the
//! presets that carry them. The agent CLIs are stand-in scripts named
//! `claude`, `pi` and `codex` that write down their argv and environment;
//! the presets run unchanged (the stand-ins sit in `<tmp>/bin`, first on
//! looop's PATH, which workers keep).

mod support;

use std::path::{Path, PathBuf};
use support::*;

/// Writes stand-ins `names` into `<tmp>/bin`: each records its argv (one
/// per line) and environment in `<tmp>/seen/<name>.argv|.env`, then waits.
fn stand_ins(p: &Profile, names: &[&str]) -> PathBuf {
    let seen = p.tmp.path().join("seen");
    std::fs::create_dir_all(&seen).unwrap();
    for name in names {
        let script = format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{seen}/{name}.argv.tmp'\nenv > '{seen}/{name}.env'\nmv '{seen}/{name}.argv.tmp' '{seen}/{name}.argv'\nexec sleep 60\n",
            seen = seen.display()
        );
        p.stand_in(name, &script);
    }
    seen
}

/// The argv the stand-in `name` was started with.
fn argv(seen: &Path, name: &str) -> Vec<String> {
    let path = seen.join(format!("{name}.argv"));
    wait_for(DEADLINE_SECS, &format!("{name} started"), || path.exists());
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The value of `key` in the stand-in's environment.
fn env_of(seen: &Path, name: &str, key: &str) -> Option<String> {
    std::fs::read_to_string(seen.join(format!("{name}.env")))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")).map(str::to_string))
}

/// The word after `flag` in `argv`.
fn after<'a>(argv: &'a [String], flag: &str) -> Option<&'a str> {
    let at = argv.iter().position(|a| a == flag)?;
    argv.get(at + 1).map(String::as_str)
}

fn is_uuid_v4(s: &str) -> bool {
    s.len() == 36 && s.as_bytes()[14] == b'4' && s.matches('-').count() == 4
}

#[test]
fn claude_pi_and_codex_presets_get_their_session_flags() {
    let p = Profile::with_config_text("max_workers = 8\n");
    let seen = stand_ins(&p, &["claude", "pi", "codex"]);
    p.ok(&["start-session", "c1", "do it", "claude"], 0);
    p.ok(&["start-session", "p1", "do it", "pi"], 0);
    p.ok(&["start-session", "x1", "do it", "codex"], 0);

    let claude = argv(&seen, "claude");
    let id = after(&claude, "--session-id")
        .expect("--session-id")
        .to_string();
    assert!(is_uuid_v4(&id), "{claude:?}");
    assert_eq!(
        env_of(&seen, "claude", "LOOOP_AGENT_SESSION"),
        Some(id.clone())
    );
    assert_eq!(
        env_of(&seen, "claude", "DISABLE_AUTOUPDATER").as_deref(),
        Some("1")
    );
    let row = row_json(&p, "c1").unwrap();
    assert_eq!(row["agent"], "claude");
    assert_eq!(row["agent_session"], id.as_str());
    let record: serde_json::Value =
        serde_json::from_str(&p.file("sessions/looop-c1/state.json")).unwrap();
    assert_eq!(record["agent_session"], id.as_str(), "kept in the record");

    let pi = argv(&seen, "pi");
    let file = p.data.join("sessions/looop-p1/agent-session.jsonl");
    assert_eq!(
        after(&pi, "--session"),
        Some(file.to_str().unwrap()),
        "{pi:?}"
    );
    let row = row_json(&p, "p1").unwrap();
    assert_eq!(row["agent"], "pi");
    assert!(is_uuid_v4(row["agent_session"].as_str().unwrap()), "{row}");

    let codex = argv(&seen, "codex");
    assert!(codex.contains(&"--no-daemon".to_string()), "{codex:?}");
    let row = row_json(&p, "x1").unwrap();
    assert_eq!(row["agent"], "codex");
    assert_eq!(
        row["agent_session"],
        serde_json::Value::Null,
        "codex chooses its own id; unknown until its rollout appears"
    );
    assert_eq!(env_of(&seen, "codex", "LOOOP_AGENT_SESSION"), None);
}

#[test]
fn the_agent_key_and_placeholders_in_an_own_runner_quoted() {
    // A data dir with a space and a quote: every placeholder arrives as
    // one word.
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("my data's dir");
    let p = Profile::in_dir(tmp, data);
    let seen = stand_ins(&p, &["mine", "plain"]);
    p.write_config(
        "[runners.mine]\nagent = \"pi\"\ntick = \"cat\"\ninteractive = \"mine {{session_id}} {{session_file}} {{cwd}} {{prompt_file}}\"\n\
         [runners.plain]\ntick = \"cat\"\ninteractive = \"plain {{session_id}} {{prompt_file}}\"\n",
    );
    p.ok(&["start-session", "m1", "task", "mine"], 0);
    p.ok(&["start-session", "n1", "task", "plain"], 0);
    let mine = argv(&seen, "mine");
    assert_eq!(mine.len(), 4, "{mine:?}");
    let row = row_json(&p, "m1").unwrap();
    assert_eq!(
        row["agent"], "pi",
        "the agent key wins over the runner's name"
    );
    assert_eq!(mine[0], row["agent_session"].as_str().unwrap());
    let dir = p.data.join("sessions/looop-m1");
    assert_eq!(mine[1], dir.join("agent-session.jsonl").to_str().unwrap());
    assert_eq!(mine[2], p.data.to_str().unwrap());
    assert!(mine[3].ends_with("looop-m1.md"), "{mine:?}");

    let plain = argv(&seen, "plain");
    let row = row_json(&p, "n1").unwrap();
    assert_eq!(row["agent"], serde_json::Value::Null, "agent none");
    assert_eq!(plain[0], row["agent_session"].as_str().unwrap());
    assert!(is_uuid_v4(&plain[0]));

    p.write_config("[runners.mine]\nagent = \"gpt\"\n");
    let out = p.run(&["start-session", "z1", "task", "mine"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(":2: runners.mine.agent"),
        "{}",
        show(&out)
    );
}

#[test]
fn codex_notify_names_a_looop_path_with_quotes_and_backslashes_as_toml() {
    // looop and its data dir under a directory whose name has a `"`, a
    // `\`, a space and a `'`: the notify override must still be one shell
    // word and valid TOML naming this very binary.
    let tmp = tempfile::tempdir().unwrap();
    let weird = tmp.path().join("we \"ird\\ it's");
    std::fs::create_dir_all(&weird).unwrap();
    let looop = weird.join("looop");
    if std::fs::hard_link(BIN, &looop).is_err() {
        std::fs::copy(BIN, &looop).unwrap();
    }
    let p = Profile::in_dir(tmp, weird.join("data"));
    let seen = stand_ins(&p, &["codex"]);
    p.write_config("");
    let out = p
        .command(&looop)
        .args(["start-session", "x1", "do it", "codex"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let codex = argv(&seen, "codex");
    let value = after(&codex, "-c").unwrap_or_else(|| panic!("no -c: {codex:?}"));
    let parsed: toml::Table =
        toml::from_str(value).unwrap_or_else(|e| panic!("not TOML: {value}: {e}"));
    let notify: Vec<&str> = parsed["notify"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        notify,
        [looop.to_str().unwrap(), "_hook", "codex-notify"],
        "{value}"
    );
    assert_eq!(
        env_of(&seen, "codex", "LOOOP_DATA_DIR").as_deref(),
        p.data.to_str()
    );
    let out = p.command(&looop).args(["kill", "x1"]).output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
}
