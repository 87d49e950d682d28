//! Shared test support for the pulse tests: a temp profile whose tick AI is
//! `tests/fixtures/fake-ai.sh`, driven by files in `<tmp>/ai/`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct Env {
    pub tmp: tempfile::TempDir,
    pub data: PathBuf,
    pub config: PathBuf,
    pub ai: PathBuf,
}

pub const BIN: &str = env!("CARGO_BIN_EXE_looop");

impl Env {
    /// A profile with the fake AI as runner `fake`; `extra` is more TOML
    /// for the top level (before any table).
    pub fn new(extra: &str) -> Env {
        Env::with_tables(extra, "")
    }

    pub fn with_tables(extra: &str, tables: &str) -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let config = tmp.path().join("config.toml");
        let ai = tmp.path().join("ai");
        std::fs::create_dir_all(&ai).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake-ai.sh");
        let toml = format!(
            "runner = \"fake\"\ntick_timeout = 20\n{extra}\n[sensors]\ntimeout = 5\n\n[retry]\nattempts = 2\nbackoff_secs = 0\ntransient = [\"rate limit\", \"overloaded\"]\n\n[runners.fake]\ntick = \"FAKE_AI_DIR='{}' sh '{}'\"\ninteractive = \"sh {{{{prompt_file}}}}\"\n{tables}",
            ai.display(),
            script.display()
        );
        std::fs::write(&config, toml).unwrap();
        let env = Env {
            tmp,
            data,
            config,
            ai,
        };
        env.looop(&["init"]);
        // Start from a quiet world: no seed sensor whose date may roll over.
        let _ = std::fs::remove_file(env.data.join("sensors/heartbeat"));
        env
    }

    /// Makes runner `name` the tick runner (in place of `fake`) and appends
    /// `tables` (more TOML, e.g. its `[runners.<name>]`) to the config.
    pub fn use_runner(&self, name: &str, tables: &str) {
        let text = std::fs::read_to_string(&self.config)
            .unwrap()
            .replace("runner = \"fake\"", &format!("runner = \"{name}\""))
            + tables;
        std::fs::write(&self.config, text).unwrap();
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env("LOOOP_DATA_DIR", &self.data)
            .env("LOOOP_CONFIG", &self.config)
            .env("LOOOP_TMUX_SURFACE", "0")
            // A private HOME: `bash -lc` then reads no user profile (fast,
            // hermetic), and git has no identity but looop's fallback.
            .env("HOME", self.tmp.path())
            .env_remove("TMUX")
            .env_remove("LOOOP_SESSION_ID")
            .env("NO_COLOR", "1");
        c
    }

    /// Spawns `looop args` with stdout and stderr dropped.
    pub fn spawn_quiet(&self, args: &[&str]) -> Child {
        self.cmd(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Spawns `looop args` with stdout and stderr piped.
    pub fn spawn_piped(&self, args: &[&str]) -> Child {
        self.cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    pub fn looop(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Run and insist on a status; returns stdout.
    pub fn ok(&self, args: &[&str], code: i32) -> String {
        let out = self.looop(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "looop {args:?}\n{}",
            show(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn answer(&self, text: &str) {
        std::fs::write(self.ai.join("answer"), text).unwrap();
    }

    pub fn answer_n(&self, n: usize, text: &str) {
        std::fs::write(self.ai.join(format!("answer-{n}")), text).unwrap();
    }

    pub fn calls(&self) -> usize {
        std::fs::read_to_string(self.ai.join("calls"))
            .map(|s| s.trim().parse().unwrap())
            .unwrap_or(0)
    }

    pub fn prompt(&self, n: usize) -> String {
        std::fs::read_to_string(self.ai.join(format!("prompt-{n}.md"))).unwrap()
    }

    pub fn file(&self, rel: &str) -> String {
        std::fs::read_to_string(self.data.join(rel)).unwrap_or_default()
    }

    pub fn write(&self, rel: &str, body: &str) {
        let p = self.data.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }

    pub fn sensor(&self, name: &str, script: &str) {
        use std::os::unix::fs::PermissionsExt;
        let p = self.data.join("sensors").join(name);
        std::fs::write(&p, script).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    pub fn journal(&self) -> Vec<String> {
        self.file("journal.md")
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn events(&self, name: &str) -> Vec<serde_json::Value> {
        self.file("events.jsonl")
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["event"] == name)
            .collect()
    }
}

impl Drop for Env {
    /// Leave no worker or pulse behind, even when a test fails half-way.
    fn drop(&mut self) {
        let Ok(out) = self.cmd(&["ls", "--json", "--all"]).output() else {
            return;
        };
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap_or_default();
        for r in rows.iter().filter(|r| r["alive"] == true) {
            let id = r["id"].as_str().unwrap_or_default();
            // Best effort cleanup; the test result is already decided.
            let _ = self.cmd(&["kill", id, "--grace", "0"]).output();
        }
    }
}

pub fn show(out: &Output) -> String {
    format!(
        "status: {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Wait for `cond` up to `secs`; panics with `what` on timeout.
pub fn wait_for(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// True when `pid` is gone or a zombie.
pub fn pid_dead(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|r| r.trim_start().starts_with('Z')),
    }
}

/// Workers run the shell code in `$LOOOP_T_CMD` (set per command).
pub const WORKER_RUNNER: &str = "[runners.w]\ntick = \"cat\"\ninteractive = \"bash -c \\\"$LOOOP_T_CMD\\\" w {{prompt_file}}\"\n";

/// A profile with the worker runner `w`; `extra` as for [`Env::new`].
pub fn env_with(extra: &str) -> Env {
    Env::with_tables(extra, WORKER_RUNNER)
}

/// Starts session `id` (task `work`, runner `w`) whose worker runs `code`;
/// returns its stdout.
pub fn start_worker(env: &Env, id: &str, code: &str) -> String {
    let out = env
        .cmd(&["start-session", id, "work", "w"])
        .env("LOOOP_T_CMD", code)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The rows of `looop ls --json`.
pub fn ls(env: &Env) -> Vec<serde_json::Value> {
    serde_json::from_str(&env.ok(&["ls", "--json"], 0)).unwrap()
}

/// Session `id`'s row of `looop ls --json`.
pub fn row(env: &Env, id: &str) -> Option<serde_json::Value> {
    ls(env).into_iter().find(|r| r["id"] == id)
}

pub fn noop(journal: &str) -> String {
    format!("{{\"move\":\"noop\",\"journal\":\"{journal}\"}}")
}
