//! Shared helpers for the supervisor and start-session tests: a temporary
//! profile, the real binary, and waiting on conditions with deadlines.
#![allow(dead_code)]

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Generous: the machine may be loaded by parallel builds.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Runners for tests: `sh` is an interactive bash; `cmd` runs the shell
/// code in `$LOOOP_T_CMD` (set per test), ignoring the prompt file.
pub const CONFIG: &str = r#"
runner = "sh"

[runners.sh]
tick = "cat"
interactive = "bash --norc -i # {{prompt_file}}"

[runners.cmd]
tick = "cat"
interactive = "bash -c \"$LOOOP_T_CMD\" cmd {{prompt_file}}"
"#;

/// One row of `looop ls --json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Row {
    pub id: String,
    pub session: String,
    pub state: String,
    pub alive: bool,
    pub pid: Option<u32>,
    pub exit_code: Option<i32>,
    pub started_at: Option<String>,
    pub last_output_at: Option<String>,
    pub flagged: bool,
    pub note: Option<String>,
}

pub struct Profile {
    pub tmp: tempfile::TempDir,
    pub data: PathBuf,
    pub config: PathBuf,
}

impl Profile {
    pub fn new() -> Profile {
        Profile::with_config("")
    }

    /// A profile whose config is [`CONFIG`] plus `extra` top-level keys.
    pub fn with_config(extra: &str) -> Profile {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        Profile::at(tmp, data, extra)
    }

    pub fn at(tmp: tempfile::TempDir, data: PathBuf, extra: &str) -> Profile {
        let config = tmp.path().join("config.toml");
        std::fs::write(&config, format!("{extra}\n{CONFIG}")).unwrap();
        Profile { tmp, data, config }
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_looop"));
        c.args(args)
            .env("LOOOP_DATA_DIR", &self.data)
            .env("LOOOP_CONFIG", &self.config)
            .env("NO_COLOR", "1")
            // Workers run under `bash -l`: keep the machine's login files
            // (slow, lock-taking rc scripts) out of the tests.
            .env("HOME", self.tmp.path())
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Run and insist on status 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "looop {args:?} failed\n{}",
            show(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Start a worker running `code` under bash (the `cmd` runner).
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

    /// Start an interactive `bash --norc -i` worker.
    pub fn start_bash(&self, id: &str) {
        self.ok(&["start-session", id, "be a shell"]);
    }

    pub fn ls(&self) -> Vec<Row> {
        serde_json::from_str(&self.ok(&["ls", "--json", "--all"])).unwrap()
    }

    pub fn row(&self, id: &str) -> Option<Row> {
        self.ls().into_iter().find(|r| r.id == id)
    }

    /// Wait until the row of `id` satisfies `f`; returns it.
    pub fn wait_row(&self, id: &str, what: &str, f: impl Fn(&Row) -> bool) -> Row {
        let mut last = None;
        wait_for(what, || {
            last = self.row(id);
            last.as_ref().is_some_and(&f)
        });
        last.unwrap()
    }

    /// The stripped log of `id`.
    pub fn log(&self, id: &str) -> String {
        self.ok(&["log", id])
    }

    pub fn wait_log(&self, id: &str, needle: &str) -> String {
        let mut text = String::new();
        wait_for(&format!("{needle:?} in the log of {id}"), || {
            text = self.log(id);
            text.contains(needle)
        });
        text
    }

    pub fn session_dir(&self, id: &str) -> PathBuf {
        self.data.join("sessions").join(format!("looop-{id}"))
    }
}

impl Drop for Profile {
    /// Leave no worker behind, even when a test fails half-way.
    fn drop(&mut self) {
        let Ok(out) = self.cmd(&["ls", "--json", "--all"]).output() else {
            return;
        };
        let rows: Vec<Row> = serde_json::from_slice(&out.stdout).unwrap_or_default();
        for r in rows.iter().filter(|r| r.alive || r.state == "lost") {
            let _ = self.cmd(&["kill", &r.id, "--grace", "0"]).output();
        }
    }
}

/// Poll `f` until true, or panic after [`DEADLINE`] naming `what`.
pub fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    let mut pause = Duration::from_millis(5);
    while !f() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

pub fn show(out: &Output) -> String {
    format!(
        "status: {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Whether a process with this pid exists and is not a zombie.
pub fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().next());
            !matches!(state, Some("Z") | Some("X"))
        }
        Err(_) => false,
    }
}

pub fn read_pid(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}
