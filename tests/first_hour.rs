//! The first hour under cron and tmux (CONTRACT §8 PATH rule, §13): children
//! find what looop's PATH finds even when the login profile resets PATH;
//! beats never create a data dir; tmux windows open in the server the cron
//! line names, failures are said and retried, an open window is reused and
//! holds the worker's last screen until a key is pressed.

mod support;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::*;

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// A HOME whose login profile resets PATH, as Debian's /etc/profile does.
fn resetting_home(p: &Profile) {
    std::fs::write(
        p.tmp.path().join(".bash_profile"),
        "PATH=/usr/bin:/bin\nexport PATH\n",
    )
    .unwrap();
}

#[test]
fn children_find_a_cli_only_looops_path_finds() {
    let p = Profile::bare();
    let bin = p.tmp.path().join("only-here");
    script(
        &bin,
        "mycli",
        "#!/bin/sh\ncase \"$1\" in\n  tick) cat >/dev/null; echo '{\"move\":\"noop\",\"journal\":\"mycli answered\"}' ;;\n  work) echo \"worker found mycli\"; exec sleep 300 ;;\n  sense) echo '{\"signal\":\"mycli sensed\"}' ;;\nesac\n",
    );
    p.write_config(
        "runner = \"mine\"\n[runners.mine]\ntick = \"mycli tick\"\ninteractive = \"mycli work # {{prompt_file}}\"\n",
    );
    resetting_home(&p);
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let looop = |args: &[&str]| {
        let out = p.cmd(args).env("PATH", &path).output().unwrap();
        echo_run(&format!("looop {}", args.join(" ")), &out);
        out
    };
    assert_status(&looop(&["init"]), 0);
    std::fs::remove_file(p.data.join("sensors/heartbeat")).unwrap();
    p.sensor("uses-cli", "#!/bin/sh\nexec mycli sense\n");

    let out = looop(&["tick"]);
    assert_status(&out, 0);
    assert!(
        p.journal().iter().any(|l| l.contains("mycli answered")),
        "{:?}",
        p.journal()
    );
    assert!(p.file("snapshots/uses-cli.json").contains("mycli sensed"));

    assert_status(&looop(&["start-session", "w1", "work", "mine"]), 0);
    p.wait_log("w1", "worker found mycli");
    assert_status(&looop(&["kill", "w1", "--grace", "0"]), 0);

    // Not found at all: the reason names the PATH that was searched.
    p.write_config(
        "runner = \"gone\"\n[runners.gone]\ntick = \"no-such-cli-4711 -p\"\ninteractive = \"x {{prompt_file}}\"\n",
    );
    p.write("goals/poke.md", "changed\n");
    let out = looop(&["tick"]);
    assert_status(&out, 1);
    let err = text(&out.stderr);
    assert!(
        err.contains("exit 127")
            && err.contains("no-such-cli-4711")
            && err.contains(&format!("PATH searched: {path}")),
        "{err}"
    );
}

#[test]
fn beats_never_create_a_data_dir() {
    let p = Profile::with_config_text("interval = 60\n");
    for args in [&["tick"][..], &["run"], &["up"], &["run", "--every", "5m"]] {
        let out = p.run(args);
        assert_status(&out, 1);
        assert_eq!(
            text(&out.stderr),
            format!(
                "looop: no data dir at {}; run looop init\n",
                p.data.display()
            ),
            "{args:?}"
        );
        assert!(!p.data.exists(), "{args:?} created the data dir");
    }
    // A broken config: start-session creates nothing either.
    p.write_config("runner = 5\n");
    let out = p.run(&["start-session", "w1", "hello"]);
    assert_status(&out, 2);
    assert!(!p.data.exists(), "start-session with a broken config");
    // init makes it; then a beat runs.
    p.write_config("interval = 60\n");
    assert_status(&p.run(&["init"]), 0);
    assert!(p.data.join("PLAYBOOK.md").is_file());
}

#[test]
fn run_every_takes_durations() {
    let p = Profile::fake_ai("");
    for bad in [&["run", "--every", "5x"][..], &["run", "--every", "0"]] {
        let out = p.run(bad);
        assert_status(&out, 2);
    }
    p.answer(&noop("x"));
    let mut child = p.spawn_piped(&["run", "--every", "1h"]);
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut got = Vec::new();
    let deadline = std::time::Instant::now() + DEADLINE;
    while !got.iter().any(|l: &String| l.contains("next beat in")) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => got.push(line),
            Err(_) => panic!("no `next beat in` line: {got:?}"),
        }
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert!(child.wait().unwrap().success());
    let got = got.join("\n");
    assert!(got.contains("every 3600s"), "{got}");
    assert!(got.contains("next beat in 3600s"), "{got}");
    assert_eq!(p.calls(), 1);
}

/// A private tmux server on its own socket; killed on drop.
struct Tmux {
    _dir: tempfile::TempDir,
    sock: PathBuf,
}

impl Tmux {
    fn new() -> Tmux {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("sock");
        Tmux { _dir: dir, sock }
    }

    fn start(&self) {
        let ok = self
            .cmd(&["new-session", "-d", "-s", "main", "-n", "main", "sleep 600"])
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux is needed for this test and could not start");
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&self.sock).args(args).env_remove("TMUX");
        c
    }

    fn out(&self, args: &[&str]) -> String {
        text(&self.cmd(args).output().unwrap().stdout)
    }

    fn windows(&self, name: &str) -> usize {
        self.out(&["list-windows", "-a", "-F", "#{window_name}"])
            .lines()
            .filter(|l| *l == name)
            .count()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // Best effort: the test's result is already decided.
        let _ = self.cmd(&["kill-server"]).output();
    }
}

#[test]
fn tmux_windows_open_for_real_are_retried_reused_and_hold_the_end() {
    let env = env_with("");
    let tmux = Tmux::new();
    let tick = || -> String {
        let out: Output = env
            .cmd(&["tick"])
            .env_remove("LOOOP_TMUX_SURFACE")
            .env("LOOOP_TMUX_SOCKET", &tmux.sock)
            .output()
            .unwrap();
        echo_run("looop tick", &out);
        assert_status(&out, 0);
        text(&out.stdout)
    };
    env.answer(&noop("watching"));
    start_worker(&env, "helper", "echo ready for go; read x; exit 3");
    env.ok(&["flag", "helper", "which", "branch?"], 0);

    // No server on that socket yet: said, logged, and tried again.
    for n in 1..=2 {
        let out = tick();
        assert!(
            out.contains("tmux window for helper not opened") && out.contains("next beat"),
            "{out}"
        );
        assert_eq!(env.events("surface_failed").len(), n);
    }
    let reason = env.events("surface_failed")[0]["reason"].clone();
    assert!(
        reason
            .as_str()
            .unwrap()
            .contains(tmux.sock.to_str().unwrap()),
        "{reason}"
    );

    tmux.start();
    let out = tick();
    assert!(out.contains("opened tmux window helper"), "{out}");
    assert_eq!(tmux.windows("helper"), 1);
    let out = tick();
    assert!(!out.contains("tmux window"), "surfaced once: {out}");
    assert_eq!(tmux.windows("helper"), 1);

    // A re-flag while the window is open reuses it.
    env.ok(&["unflag", "helper"], 0);
    tick();
    env.ok(&["flag", "helper", "main", "please"], 0);
    let out = tick();
    assert!(out.contains("tmux window helper is still open"), "{out}");
    assert_eq!(tmux.windows("helper"), 1);

    // The worker ends: its window shows the end and the status until a key.
    wait_for(
        DEADLINE_SECS,
        "attach to replay the screen in the window",
        || {
            tmux.out(&["capture-pane", "-p", "-t", "helper"])
                .contains("ready for go")
        },
    );
    env.ok(&["send", "helper", "go"], 0);
    wait_for(DEADLINE_SECS, "the end in the window", || {
        tmux.out(&["capture-pane", "-p", "-t", "helper"])
            .contains("ended with status 3")
    });
    assert_eq!(tmux.windows("helper"), 1, "held open");
    tmux.cmd(&["send-keys", "-t", "helper", "x"])
        .status()
        .unwrap();
    wait_for(DEADLINE_SECS, "the window to close on a key", || {
        tmux.windows("helper") == 0
    });
}

/// A `crontab` stand-in keeping the table in `<dir>/crontab.txt`.
fn fake_crontab(bin: &Path) {
    let store = bin.join("crontab.txt");
    script(
        bin,
        "crontab",
        &format!(
            "#!/bin/sh\nf='{}'\ncase \"$1\" in\n  -l) if [ -f \"$f\" ]; then cat \"$f\"; else echo 'no crontab for tester' >&2; exit 1; fi ;;\n  -) cat > \"$f.new\" && mv \"$f.new\" \"$f\" ;;\n  *) exit 2 ;;\nesac\n",
            store.display()
        ),
    );
}

#[test]
fn status_says_how_the_pulse_is_driven_and_what_failed() {
    let env = env_with("");
    let bin = env.tmp.path().join("bin");
    fake_crontab(&bin);
    let xdg = env.tmp.path().join("xdg");
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let looop = |args: &[&str]| -> String {
        let out = env
            .cmd(args)
            .env("PATH", &path)
            .env("XDG_CONFIG_HOME", &xdg)
            .output()
            .unwrap();
        echo_run(&format!("looop {}", args.join(" ")), &out);
        assert_status(&out, 0);
        text(&out.stdout)
    };
    let json = |_: ()| -> serde_json::Value {
        serde_json::from_str(&looop(&["status", "--json"])).unwrap()
    };
    assert!(looop(&["status"]).contains("pulse:      down"));
    assert_eq!(json(())["schedule"]["kind"], "down");

    looop(&["schedule", "cron", "--install", "--every", "5m"]);
    assert!(
        looop(&["status"]).contains("pulse:      cron: every 5 min"),
        "{}",
        looop(&["status"])
    );
    let s = json(());
    assert_eq!(s["schedule"]["kind"], "cron");
    assert_eq!(s["schedule"]["every_secs"], 300);
    looop(&["schedule", "cron", "--remove"]);

    // A systemd timer written by `schedule systemd` is found too.
    let units = xdg.join("systemd/user");
    std::fs::create_dir_all(&units).unwrap();
    let key_line = looop(&["schedule", "systemd", "--every", "2h"]);
    let name = key_line
        .lines()
        .find_map(|l| l.strip_prefix("# file: ~/.config/systemd/user/"))
        .unwrap()
        .trim_end_matches(".service")
        .to_string();
    std::fs::write(
        units.join(format!("{name}.timer")),
        "[Timer]\nOnUnitActiveSec=7200\n",
    )
    .unwrap();
    assert!(looop(&["status"]).contains("pulse:      systemd: every 2 h"));
    std::fs::remove_file(units.join(format!("{name}.timer"))).unwrap();

    // Two failed beats in a row, then a flag.
    std::fs::write(env.ai.join("exit"), "3").unwrap();
    for n in 1..=2 {
        env.write(&format!("goals/g{n}.md"), "x\n");
        let out = env.cmd(&["tick"]).output().unwrap();
        assert_status(&out, 1);
    }
    let s = json(());
    assert_eq!(s["consecutive_failures"], 2);
    assert!(
        s["last_failure"]["reason"]
            .as_str()
            .unwrap()
            .contains("status 3"),
        "{s}"
    );
    assert!(looop(&["status"]).contains("2 beats in a row"));

    start_worker(&env, "w1", "sleep 300");
    env.ok(&["flag", "w1", "which", "way?"], 0);
    let s = json(());
    let need = &s["needs_you"][0];
    assert_eq!(need["kind"], "flag");
    assert_eq!(need["id"], "w1");
    assert_eq!(need["note"], "which way?");
    assert_eq!(need["attach"], "looop attach w1");
    assert!(need["since"].as_str().unwrap().starts_with("20"), "{need}");
}

#[test]
fn messages_for_the_first_hour() {
    // init with a runner whose CLI is not installed warns at once, and its
    // next steps say the real default interval.
    let p = Profile::bare();
    let out = p
        .cmd(&["init", "--runner", "codex"])
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert_status(&out, 0);
    assert!(
        text(&out.stderr).contains("`codex`, which is not on your PATH"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("a beat every 60 s"),
        "{}",
        text(&out.stdout)
    );
    let template = std::fs::read_to_string(&p.config).unwrap();
    assert!(
        template.contains(
            r#"# transient = ["rate limit", "rate_limit", "overloaded", "529", "503", "timed out", "temporarily limiting requests"]"#
        ),
        "{template}"
    );

    // A top-level key after a [runners.x] table: told where it landed.
    p.write_config(
        "runner = \"codex\"\n[runners.x]\ntick = \"a\"\ninteractive = \"b {{prompt_file}}\"\n\ninterval = 5\n",
    );
    let out = p.run(&["status"]);
    assert_status(&out, 2);
    assert!(
        text(&out.stderr).contains("it comes after the [runners.x] header"),
        "{}",
        text(&out.stderr)
    );

    // tick.log: each beat's output starts with when it ran.
    let env = Profile::fake_ai("");
    env.answer(&noop("x"));
    let log = env.data.join("tick.log");
    for _ in 0..2 {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let err = file.try_clone().unwrap();
        let status = env
            .cmd(&["tick"])
            .stdout(file)
            .stderr(err)
            .status()
            .unwrap();
        assert!(status.success());
    }
    let text = std::fs::read_to_string(&log).unwrap();
    let stamps: Vec<&str> = text.lines().filter(|l| l.starts_with("--- 20")).collect();
    assert_eq!(stamps.len(), 2, "{text}");
    assert!(stamps[0].ends_with(" looop tick ---"), "{text}");
    // Not on a pipe (a terminal or a test's capture).
    assert!(!env.ok(&["tick"], 0).contains("--- 20"));
}

/// The `sh` block after `<!-- test: <name> -->` in README.md.
fn readme_block(name: &str) -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let marker = format!("<!-- test: {name} -->\n```sh\n");
    let start = readme.find(&marker).expect("marked block in README.md") + marker.len();
    let len = readme[start..].find("```\n").unwrap();
    readme[start..start + len].to_string()
}

/// The README's stand-in recipe and quick start, word for word, in a fresh
/// HOME whose login profile resets PATH (as Debian's does); `cargo install`
/// is a copy of the built binary into ~/.cargo/bin made beforehand. Then the
/// crontab line it installed (in a stand-in crontab) is run as cron runs
/// it: `/bin/sh -c` with an empty environment but HOME, LOGNAME and cron's
/// PATH, `\%` unescaped. The beat reaches the stand-in AI.
#[test]
fn the_readme_quick_start_works_under_cron_with_a_stand_in() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let cargo_bin = home.join(".cargo/bin");
    std::fs::create_dir_all(&cargo_bin).unwrap();
    std::fs::copy(BIN, cargo_bin.join("looop")).unwrap();
    let tools = home.join("tools");
    fake_crontab(&tools);
    std::fs::write(
        home.join(".profile"),
        "PATH=/usr/local/bin:/usr/bin:/bin\nexport PATH\n",
    )
    .unwrap();
    let tmux_dir = home.join("tmux");
    std::fs::create_dir_all(&tmux_dir).unwrap();
    let path = format!(
        "{}:{}:{}:/usr/bin:/bin",
        home.join(".local/bin").display(),
        cargo_bin.display(),
        tools.display()
    );
    let script = format!(
        "set -e\ncargo() {{ :; }}  # installed: the binary was copied\n{}\n{}",
        readme_block("stand-in"),
        readme_block("quick start")
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env_clear()
        .env("HOME", home)
        .env("PATH", &path)
        .env("LOGNAME", "tester")
        .env("EDITOR", "true")
        .env("TMUX_TMPDIR", &tmux_dir)
        .current_dir(home)
        .output()
        .unwrap();
    echo_run(&script, &out);
    assert_status(&out, 0);
    let data = home.join(".local/state/looop");
    let journal = || std::fs::read_to_string(data.join("journal.md")).unwrap_or_default();
    let said = "the stand-in looked and did nothing";
    assert_eq!(journal().matches(said).count(), 1, "{}", journal());

    let crontab = std::fs::read_to_string(tools.join("crontab.txt")).unwrap();
    let line = crontab.lines().find(|l| l.contains("# looop:")).unwrap();
    let command = line.splitn(6, ' ').nth(5).unwrap().replace(r"\%", "%");
    let cron = || {
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg(&command)
            .env_clear()
            .env("HOME", home)
            .env("LOGNAME", "tester")
            .env("SHELL", "/bin/sh")
            .env("PATH", "/usr/bin:/bin")
            .current_dir(home)
            .output()
            .unwrap();
        echo_run(&command, &out);
        assert_status(&out, 0);
        std::fs::read_to_string(data.join("tick.log")).unwrap()
    };
    let log = cron();
    assert!(
        log.starts_with("--- 20") && log.contains("world unchanged"),
        "{log}"
    );
    // Something changes: the next cron beat asks the stand-in.
    std::fs::write(data.join("goals/try-cron.md"), "Watch a beat under cron.\n").unwrap();
    let log = cron();
    assert_eq!(journal().matches(said).count(), 2, "{log}\n{}", journal());
    assert!(log.contains(said), "{log}");
}
