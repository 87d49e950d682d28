//! The one temp profile of the tests: a temp dir holding the config, the
//! data dir and a HOME of its own, and [`Profile::cmd`], the real binary
//! aimed at it with a hermetic environment. Its constructors differ only in
//! the config they write; dropping a profile kills whatever worker it left
//! alive, even when a test fails half-way.

use super::workers::Row;
use super::{echo_run, show};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_looop");

pub struct Profile {
    pub tmp: tempfile::TempDir,
    /// `<tmp>/data` unless a constructor says otherwise; not created.
    pub data: PathBuf,
    /// `<tmp>/config.toml`.
    pub config: PathBuf,
    /// `<tmp>/ai`: the files that drive `tests/fixtures/fake-ai.sh`.
    pub ai: PathBuf,
}

impl Profile {
    /// A profile with nothing written: no config, no data dir.
    pub fn bare() -> Profile {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        Profile::in_dir(tmp, data)
    }

    /// A profile in `tmp` whose data dir is `data`; nothing written.
    pub fn in_dir(tmp: tempfile::TempDir, data: PathBuf) -> Profile {
        let config = tmp.path().join("config.toml");
        let ai = tmp.path().join("ai");
        Profile {
            tmp,
            data,
            config,
            ai,
        }
    }

    /// A profile whose config is `text`.
    pub fn with_config_text(text: &str) -> Profile {
        let p = Profile::bare();
        p.write_config(text);
        p
    }

    /// An initialised profile whose tick runner `fake` is
    /// `tests/fixtures/fake-ai.sh` driven by files in [`Profile::ai`];
    /// `extra` is more top-level TOML (before any table).
    pub fn fake_ai(extra: &str) -> Profile {
        Profile::fake_ai_with(extra, "")
    }

    /// As [`Profile::fake_ai`], with `tables` (more TOML tables) appended.
    pub fn fake_ai_with(extra: &str, tables: &str) -> Profile {
        let p = Profile::bare();
        std::fs::create_dir_all(&p.ai).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake-ai.sh");
        p.write_config(&format!(
            "runner = \"fake\"\ntick_timeout = 20\n{extra}\n[sensors]\ntimeout = 5\n\n[retry]\nattempts = 2\nbackoff_secs = 0\ntransient = [\"rate limit\", \"overloaded\"]\n\n[runners.fake]\ntick = \"FAKE_AI_DIR='{}' sh '{}'\"\ninteractive = \"sh {{{{prompt_file}}}}\"\n{tables}",
            p.ai.display(),
            script.display()
        ));
        p.run(&["init"]);
        // Start from a quiet world: no seed sensor whose date may roll over.
        let _ = std::fs::remove_file(p.data.join("sensors/heartbeat"));
        p
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(&self.config, text).unwrap();
    }

    /// Makes runner `name` the tick runner (in place of `fake`) and appends
    /// `tables` (more TOML, e.g. its `[runners.<name>]`) to the config.
    pub fn use_runner(&self, name: &str, tables: &str) {
        let text = std::fs::read_to_string(&self.config)
            .unwrap()
            .replace("runner = \"fake\"", &format!("runner = \"{name}\""))
            + tables;
        self.write_config(&text);
    }

    /// `looop args` against this profile; see [`Profile::command`].
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.command(BIN);
        c.args(args);
        c
    }

    /// `program` with this profile's environment. Hermetic: a private HOME
    /// (so `bash -l` reads no user profile and git has no identity but
    /// looop's fallback), no XDG dirs, no tmux, no enclosing session, no tmux
    /// surfacing, no colour, stdin from /dev/null. Stand-in CLIs a test put
    /// in `<tmp>/bin` come first on PATH, as a user's own CLIs are on theirs
    /// (looop hands its PATH to workers, CONTRACT §8). A test changes any of
    /// it on the returned command.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut c = Command::new(program);
        let bin = self.tmp.path().join("bin");
        if bin.is_dir() {
            let path = std::env::var("PATH").unwrap_or_default();
            c.env("PATH", format!("{}:{path}", bin.display()));
        }
        c.env("LOOOP_DATA_DIR", &self.data)
            .env("LOOOP_CONFIG", &self.config)
            .env("LOOOP_TMUX_SURFACE", "0")
            .env("HOME", self.tmp.path())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_STATE_HOME")
            .env_remove("TMUX")
            .env_remove("TMUX_TMPDIR")
            .env_remove("LOOOP_TMUX_SOCKET")
            .env_remove("LOOOP_SESSION_ID")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        c
    }

    /// Runs `looop args`; the command and its output go to stderr, which
    /// the harness shows for a failing test only.
    pub fn run(&self, args: &[&str]) -> Output {
        let out = self.cmd(args).output().unwrap();
        echo_run(&format!("looop {}", args.join(" ")), &out);
        out
    }

    /// Runs and insists on status `code`; returns stdout.
    #[track_caller]
    pub fn ok(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "looop {args:?}\n{}",
            show(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
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

    /// The file at `rel` in the data dir, or "" when there is none.
    pub fn file(&self, rel: &str) -> String {
        std::fs::read_to_string(self.data.join(rel)).unwrap_or_default()
    }

    /// Writes `body` at `rel` in the data dir, making its folders.
    pub fn write(&self, rel: &str, body: &str) {
        let p = self.data.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }

    /// An executable sensor `name` in the data dir.
    pub fn sensor(&self, name: &str, script: &str) {
        use std::os::unix::fs::PermissionsExt;
        let p = self.data.join("sensors").join(name);
        std::fs::write(&p, script).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// An executable stand-in CLI `name` in `<tmp>/bin`, which
    /// [`Profile::command`] puts first on looop's PATH (and so on its
    /// workers').
    pub fn stand_in(&self, name: &str, script: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let bin = self.tmp.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let p = bin.join(name);
        std::fs::write(&p, script).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    pub fn journal(&self) -> Vec<String> {
        self.file("journal.md")
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The `events.jsonl` lines whose `event` is `name`.
    pub fn events(&self, name: &str) -> Vec<serde_json::Value> {
        self.file("events.jsonl")
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["event"] == name)
            .collect()
    }

    /// Makes the fake AI answer `text` to every call.
    pub fn answer(&self, text: &str) {
        std::fs::write(self.ai.join("answer"), text).unwrap();
    }

    /// Makes the fake AI answer `text` to call `n`.
    pub fn answer_n(&self, n: usize, text: &str) {
        std::fs::write(self.ai.join(format!("answer-{n}")), text).unwrap();
    }

    /// How many times the fake AI was called.
    pub fn calls(&self) -> usize {
        std::fs::read_to_string(self.ai.join("calls"))
            .map(|s| s.trim().parse().unwrap())
            .unwrap_or(0)
    }

    /// The prompt the fake AI got on call `n`.
    pub fn prompt(&self, n: usize) -> String {
        std::fs::read_to_string(self.ai.join(format!("prompt-{n}.md"))).unwrap()
    }
}

impl Drop for Profile {
    /// Leave no worker or pulse behind, even when a test fails half-way.
    fn drop(&mut self) {
        if !self.data.join("sessions").exists() {
            return;
        }
        let Ok(out) = self.cmd(&["ls", "--json", "--all"]).output() else {
            return;
        };
        let rows: Vec<Row> = serde_json::from_slice(&out.stdout).unwrap_or_default();
        for r in rows.iter().filter(|r| r.alive || r.state == "lost") {
            // Best effort: the test's result is already decided.
            let _ = self.cmd(&["kill", &r.id, "--grace", "0"]).output();
        }
    }
}
