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
    let mut got = String::new();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut s = String::new();
        let _ = std::io::BufReader::new(stdout).read_to_string(&mut s);
        s
    });
    wait_for(DEADLINE_SECS, "the first beat", || p.calls() >= 1);
    wait_for(DEADLINE_SECS, "the journal line", || {
        !p.journal().is_empty()
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert!(child.wait().unwrap().success());
    got.push_str(&reader.join().unwrap());
    assert!(got.contains("every 3600s"), "{got}");
    assert!(got.contains("next beat in 3600s"), "{got}");
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
