//! Workers from the outside: stand-in runners whose worker is a shell,
//! starting sessions, and reading `looop ls --json` and `looop log`.

use super::profile::Profile;
use super::show;
use super::wait::{DEADLINE_SECS, wait_for};
use serde::Deserialize;
use std::path::PathBuf;

/// Runners for the supervisor tests: `sh` is an interactive bash; `cmd`
/// runs the shell code in `$LOOOP_T_CMD` (set per test), ignoring the
/// prompt file.
pub const SHELL_RUNNERS: &str = r#"
runner = "sh"

[runners.sh]
tick = "cat"
interactive = "bash --norc -i # {{prompt_file}}"

[runners.cmd]
tick = "cat"
interactive = "bash -c \"$LOOOP_T_CMD\" cmd {{prompt_file}}"
"#;

/// For the pulse tests: workers of runner `w` run the shell code in
/// `$LOOOP_T_CMD` (set per command).
pub const WORKER_RUNNER: &str = "[runners.w]\ntick = \"cat\"\ninteractive = \"bash -c \\\"$LOOOP_T_CMD\\\" w {{prompt_file}}\"\n";

/// One row of `looop ls --json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Row {
    pub id: String,
    pub session: String,
    pub state: String,
    pub alive: bool,
    pub pid: Option<i32>,
    pub exit_code: Option<i32>,
    pub started_at: Option<String>,
    pub last_output_at: Option<String>,
    pub flagged: bool,
    pub note: Option<String>,
}

impl Profile {
    /// A profile (not initialised) whose config is [`SHELL_RUNNERS`]
    /// after `extra` top-level keys.
    pub fn shells(extra: &str) -> Profile {
        Profile::with_config_text(&format!("{extra}\n{SHELL_RUNNERS}"))
    }

    /// As [`Profile::shells`], in `tmp` with the data dir at `data`.
    pub fn shells_at(tmp: tempfile::TempDir, data: PathBuf, extra: &str) -> Profile {
        let p = Profile::in_dir(tmp, data);
        p.write_config(&format!("{extra}\n{SHELL_RUNNERS}"));
        p
    }

    /// Starts a worker running `code` under bash (the `cmd` runner).
    pub fn start_cmd(&self, id: &str, code: &str) {
        let out = self
            .cmd(&["start-session", id, "test task", "cmd"])
            .env("LOOOP_T_CMD", code)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "start-session {id} failed\n{}",
            show(&out)
        );
    }

    /// Starts an interactive `bash --norc -i` worker.
    pub fn start_bash(&self, id: &str) {
        self.ok(&["start-session", id, "be a shell"], 0);
    }

    /// The typed rows of `looop ls --json --all`.
    pub fn ls(&self) -> Vec<Row> {
        serde_json::from_str(&self.ok(&["ls", "--json", "--all"], 0)).unwrap()
    }

    pub fn row(&self, id: &str) -> Option<Row> {
        self.ls().into_iter().find(|r| r.id == id)
    }

    /// Waits until the row of `id` satisfies `f`; returns it.
    pub fn wait_row(&self, id: &str, what: &str, f: impl Fn(&Row) -> bool) -> Row {
        let mut last = None;
        wait_for(DEADLINE_SECS, what, || {
            last = self.row(id);
            last.as_ref().is_some_and(&f)
        });
        last.unwrap()
    }

    /// The stripped log of `id`.
    pub fn log(&self, id: &str) -> String {
        self.ok(&["log", id], 0)
    }

    pub fn wait_log(&self, id: &str, needle: &str) -> String {
        let mut text = String::new();
        wait_for(
            DEADLINE_SECS,
            &format!("{needle:?} in the log of {id}"),
            || {
                text = self.log(id);
                text.contains(needle)
            },
        );
        text
    }

    pub fn session_dir(&self, id: &str) -> PathBuf {
        self.data.join("sessions").join(format!("looop-{id}"))
    }
}

/// A fake-AI profile with the worker runner `w`; `extra` as for
/// [`Profile::fake_ai`].
pub fn env_with(extra: &str) -> Profile {
    Profile::fake_ai_with(extra, WORKER_RUNNER)
}

/// Starts session `id` (task `work`, runner `w`) whose worker runs `code`;
/// returns its stdout.
pub fn start_worker(env: &Profile, id: &str, code: &str) -> String {
    let out = env
        .cmd(&["start-session", id, "work", "w"])
        .env("LOOOP_T_CMD", code)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The rows of `looop ls --json` (live sessions only), as JSON.
pub fn ls_json(env: &Profile) -> Vec<serde_json::Value> {
    serde_json::from_str(&env.ok(&["ls", "--json"], 0)).unwrap()
}

/// Session `id`'s row of `looop ls --json`, as JSON.
pub fn row_json(env: &Profile, id: &str) -> Option<serde_json::Value> {
    ls_json(env).into_iter().find(|r| r["id"] == id)
}

/// A tick answer: the noop move with `journal` as its journal text.
pub fn noop(journal: &str) -> String {
    format!("{{\"move\":\"noop\",\"journal\":\"{journal}\"}}")
}
