//! The foundation from the outside: init, paths, config errors, help,
//! dispatch errors and completions, all through the real binary.

mod support;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use support::*;

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.push((p.clone(), Vec::new()));
                stack.push(p);
            } else {
                out.push((p.clone(), fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn init_creates_config_and_layout_and_is_idempotent() {
    let p = Profile::bare();
    let out = p.run(&["init"]);
    assert_status(&out, 0);
    let stdout = text(&out.stdout);
    assert!(stdout.contains(&p.config.display().to_string()), "{stdout}");
    assert!(stdout.contains(&p.data.display().to_string()), "{stdout}");
    assert!(stdout.contains("Next:"), "{stdout}");
    for d in DATA_DIRS {
        assert!(p.data.join(d).is_dir(), "missing {d}");
    }
    assert!(p.data.join("PLAYBOOK.md").is_file());
    assert!(p.data.join("goals/setup.md").is_file());
    assert!(p.data.join(".gitignore").is_file());
    let sensor = p.data.join("sensors/heartbeat");
    use std::os::unix::fs::PermissionsExt;
    assert!(fs::metadata(&sensor).unwrap().permissions().mode() & 0o111 != 0);
    let playbook = fs::read_to_string(p.data.join("PLAYBOOK.md")).unwrap();
    assert!(playbook.contains("setup"));

    // The user edits; a second init changes nothing at all.
    fs::write(p.data.join("PLAYBOOK.md"), "my own playbook\n").unwrap();
    let before = (snapshot(&p.data), fs::read(&p.config).unwrap());
    let out = p.run(&["init"]);
    assert_status(&out, 0);
    let after = (snapshot(&p.data), fs::read(&p.config).unwrap());
    assert_eq!(before, after);
}

/// The seed goes into a data dir that holds nothing of looop's yet, even
/// when other files are there (here the config itself, as a test or a
/// user keeping both in one place would have it); once the layout exists,
/// what the user removed stays removed.
#[test]
fn the_seed_is_laid_into_a_dir_without_looop_files_and_only_once() {
    let p = Profile::bare();
    fs::create_dir_all(&p.data).unwrap();
    fs::write(p.data.join("notes.txt"), "mine\n").unwrap();
    // The config kept inside the data dir, as some set-ups do.
    let init_beside = || {
        let out = p
            .cmd(&["init"])
            .env("LOOOP_CONFIG", p.data.join("config.toml"))
            .output()
            .unwrap();
        assert_status(&out, 0);
    };
    init_beside();
    for seeded in ["PLAYBOOK.md", "goals/setup.md", "sensors/heartbeat"] {
        assert!(p.data.join(seeded).is_file(), "missing {seeded}");
    }
    assert_eq!(
        fs::read_to_string(p.data.join("notes.txt")).unwrap(),
        "mine\n"
    );
    // The user archives the setup goal and deletes the sensor: a later
    // init (or any command) does not bring them back.
    fs::rename(
        p.data.join("goals/setup.md"),
        p.data.join("goals/archive/setup.md"),
    )
    .unwrap();
    fs::remove_file(p.data.join("sensors/heartbeat")).unwrap();
    init_beside();
    assert!(!p.data.join("goals/setup.md").exists());
    assert!(!p.data.join("sensors/heartbeat").exists());
    // A data dir that is a file is refused, naming it.
    let q = Profile::bare();
    fs::create_dir_all(q.data.parent().unwrap()).unwrap();
    fs::write(&q.data, "not a dir\n").unwrap();
    for args in [
        &["status"][..],
        &["ls"],
        &["cost"],
        &["log", "w1"],
        &["kill", "w1"],
        &["tick"],
        &["init"],
    ] {
        let out = q.run(args);
        assert_status(&out, 1);
        assert_eq!(
            text(&out.stderr),
            format!("looop: data dir {} is not a directory\n", q.data.display()),
            "{args:?}"
        );
        assert_eq!(fs::read_to_string(&q.data).unwrap(), "not a dir\n");
    }
}

/// A config path that is a dangling symlink is a mistake to name (status
/// 2), not a missing file that silently means the defaults.
#[test]
fn a_dangling_config_symlink_is_named() {
    let p = Profile::bare();
    std::os::unix::fs::symlink(p.tmp.path().join("moved-away.toml"), &p.config).unwrap();
    for args in [&["status"][..], &["init"]] {
        let out = p.run(args);
        assert_status(&out, 2);
        assert!(text(&out.stderr).contains(&p.config.display().to_string()));
        assert!(!p.data.exists(), "{args:?}: nothing was created");
    }
    assert!(!p.tmp.path().join("moved-away.toml").exists());
}

/// Commands that look or act on what exists create nothing: a mistyped
/// LOOOP_DATA_DIR is not turned into a data dir by `ls` or `log`.
#[test]
fn looking_at_a_missing_data_dir_creates_nothing() {
    let p = Profile::bare();
    for (args, code) in [
        (&["ls"][..], 0),
        (&["status", "--json"][..], 0),
        (&["cost"][..], 0),
        (&["prune"][..], 0),
        (&["down"][..], 0),
        (&["log", "w1"][..], 1),
        (&["kill", "w1"][..], 1),
        (&["flag", "w1", "why"][..], 1),
        (&["unflag", "w1"][..], 1),
        (&["send", "w1", "hi"][..], 1),
        (&["attach", "w1"][..], 1),
    ] {
        let out = p.run(args);
        assert_status(&out, code);
        assert!(!p.data.exists(), "looop {args:?} created the data dir");
    }
}

#[test]
fn init_writes_a_config_that_loads() {
    let p = Profile::bare();
    assert_status(&p.run(&["init", "--runner", "pi"]), 0);
    let config = fs::read_to_string(&p.config).unwrap();
    assert!(config.contains("runner = \"pi\""), "{config}");
    // Loading it again (init validates an existing config) succeeds.
    assert_status(&p.run(&["init"]), 0);
    let out = p.run(&["init", "--runner", "nope"]);
    assert_status(&out, 2);
    // Asking for another runner than the existing config's is refused,
    // naming the file; asking for the same one is the idempotent init.
    let out = p.run(&["init", "--runner", "codex"]);
    assert_status(&out, 1);
    assert!(text(&out.stderr).contains(&p.config.display().to_string()));
    assert_eq!(fs::read_to_string(&p.config).unwrap(), config);
    assert_status(&p.run(&["init", "--runner", "pi"]), 0);
}

#[test]
fn malformed_config_is_status_2_naming_file_and_line() {
    let p = Profile::bare();
    fs::write(&p.config, "runner = \"claude\"\nintervall = 5\n").unwrap();
    let out = p.run(&["init"]);
    assert_status(&out, 2);
    let err = text(&out.stderr);
    assert!(err.contains(&format!("{}:2", p.config.display())), "{err}");
    assert!(err.contains("intervall"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
    assert!(!p.data.exists(), "a bad config must change nothing");

    fs::write(&p.config, "interval = \"often\"\n").unwrap();
    assert_status(&p.run(&["init"]), 2);
    fs::write(&p.config, "runner = \"gpt-9\"\n").unwrap();
    let out = p.run(&["init"]);
    assert_status(&out, 2);
    assert!(text(&out.stderr).contains("unknown runner"));
    fs::write(&p.config, "[[[\n").unwrap();
    assert_status(&p.run(&["init"]), 2);
}

#[test]
fn config_that_is_a_directory_is_status_2() {
    let p = Profile::bare();
    fs::create_dir_all(&p.config).unwrap();
    let out = p.run(&["init"]);
    assert_status(&out, 2);
    assert!(text(&out.stderr).contains(&p.config.display().to_string()));
}

/// Runs `cmd` with output captured, killing it if it is still running
/// after 10 s (then the test fails: the command blocked).
fn run_bounded(mut cmd: Command, what: &str) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            // Best effort: the test fails below either way.
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            echo_run(what, &out);
            panic!("{what} blocked for 10 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// A FIFO, a character device or a directory as the config is refused at
/// once (status 2, one line naming it), by every command that reads the
/// config; a symlink to a regular file is a config like any other.
#[test]
fn a_config_that_is_not_a_regular_file_is_status_2_without_blocking() {
    let p = Profile::bare();
    let fifo = p.tmp.path().join("config.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo");
    let fifo_link = p.tmp.path().join("fifo-link.toml");
    std::os::unix::fs::symlink(&fifo, &fifo_link).unwrap();
    let dir = p.tmp.path().join("config.d");
    fs::create_dir(&dir).unwrap();
    for (config, kind) in [
        (fifo.clone(), "a FIFO"),
        (fifo_link, "a FIFO"),
        (PathBuf::from("/dev/zero"), "a character device"),
        (dir, "a directory"),
    ] {
        for args in [&["status"][..], &["init"], &["tick"], &["schedule", "cron"]] {
            let mut cmd = p.cmd(args);
            cmd.env("LOOOP_CONFIG", &config);
            let line = format!("LOOOP_CONFIG={} looop {}", config.display(), args.join(" "));
            let out = run_bounded(cmd, &line);
            echo_run(&line, &out);
            assert_status(&out, 2);
            assert_eq!(
                text(&out.stderr),
                format!(
                    "looop: config {} is not a regular file (it is {kind})\n",
                    config.display()
                )
            );
            assert!(!p.data.exists(), "{line} created the data dir");
        }
    }

    // /dev/null is the usual "no config": all defaults, like a missing file.
    let mut cmd = p.cmd(&["status"]);
    cmd.env("LOOOP_CONFIG", "/dev/null");
    let out = run_bounded(cmd, "LOOOP_CONFIG=/dev/null looop status");
    assert_status(&out, 0);

    let real = p.tmp.path().join("real.toml");
    fs::write(&real, "interval = 5\n").unwrap();
    std::os::unix::fs::symlink(&real, &p.config).unwrap();
    assert_status(&p.run(&["init"]), 0);
    assert_eq!(fs::read_to_string(&real).unwrap(), "interval = 5\n");
}

/// `status` with `toml` as the config: status 2 and exactly
/// `looop: config <file>:<at>`.
fn assert_config_error(p: &Profile, toml: &str, at: &str) {
    fs::write(&p.config, toml).unwrap();
    let out = p.run(&["status"]);
    assert_status(&out, 2);
    assert_eq!(
        text(&out.stderr),
        format!("looop: config {}:{at}\n", p.config.display()),
        "{toml}"
    );
}

/// A key given twice is named with the file and the line of the repeat.
#[test]
fn a_duplicate_key_names_file_line_and_key() {
    let p = Profile::bare();
    for (toml, at) in [
        (
            "runner = \"claude\"\ninterval = 5\n\ninterval = 6\n",
            "4: duplicate key `interval`",
        ),
        (
            "[runners.claude]\ntick = \"a\"\n\n[runners.claude]\n",
            "4: duplicate key `runners.claude`",
        ),
        (
            "[sensors]\ntimeout = 5\ntimeout = 6\n",
            "3: duplicate key `timeout`",
        ),
    ] {
        assert_config_error(&p, toml, at);
    }
}

/// An error about a value in `[runners.X]` names the line of the key and
/// the key's dotted path, not the table header above it.
#[test]
fn a_bad_runner_value_names_its_own_line_and_key() {
    let p = Profile::bare();
    for (toml, at) in [
        (
            "[runners.claude]\n# mine\n\ninteractive = true\n",
            "4: runners.claude.interactive: invalid type: boolean `true`, expected a string",
        ),
        (
            "[runners.mine]\ninteractive = \"bash {{prompt_file}}\"\ntick = 5\n",
            "3: runners.mine.tick: invalid type: integer `5`, expected a string",
        ),
        (
            "[runners.claude]\n# mine\n\ninteractive = \"claude\"\n",
            "4: runners.claude.interactive must contain {{prompt_file}}",
        ),
        (
            "[runners.mine]\ninteractive = \"bash {{prompt_file}}\"\n\ntick = \"  \"\n",
            "4: runners.mine.tick is empty",
        ),
    ] {
        assert_config_error(&p, toml, at);
    }
}

#[test]
fn unwritable_data_dir_is_status_1_with_the_path() {
    let p = Profile::bare();
    // A data dir under a regular file cannot be created, even by root.
    let blocker = p.tmp.path().join("file");
    fs::write(&blocker, "x").unwrap();
    let data = blocker.join("data");
    let out = p
        .cmd(&["init"])
        .env("LOOOP_DATA_DIR", &data)
        .output()
        .unwrap();
    assert_status(&out, 1);
    assert!(
        text(&out.stderr).contains(&data.display().to_string()),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn relative_data_dir_resolves_against_cwd_and_says_so() {
    let p = Profile::bare();
    let out = p
        .cmd(&["init"])
        .env("LOOOP_DATA_DIR", "rel/data")
        .current_dir(p.tmp.path())
        .output()
        .unwrap();
    assert_status(&out, 0);
    assert!(p.tmp.path().join("rel/data/PLAYBOOK.md").is_file());
    assert!(
        text(&out.stderr).contains("relative"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn empty_env_vars_mean_defaults() {
    let p = Profile::bare();
    let out = p
        .cmd(&["init"])
        .env("LOOOP_DATA_DIR", "")
        .env("LOOOP_CONFIG", "")
        .output()
        .unwrap();
    assert_status(&out, 0);
    // dirs: $HOME/.config and $HOME/.local/state on Linux.
    assert!(p.tmp.path().join(".config/looop/config.toml").is_file());
    assert!(
        p.tmp
            .path()
            .join(".local/state/looop/PLAYBOOK.md")
            .is_file()
    );
}

#[test]
fn every_command_has_help() {
    let p = Profile::bare();
    let manual = p.run(&["help"]);
    assert_status(&manual, 0);
    let manual = text(&manual.stdout);
    for word in [
        "PLAYBOOK",
        "sensors",
        "journal",
        "NEEDS YOU",
        "tripwire",
        "EXIT STATUS",
    ] {
        assert!(manual.contains(word), "manual lacks {word}");
    }
    assert_eq!(text(&p.run(&["--help"]).stdout), manual);
    // A bad `help` call is an error, not the manual plus an error.
    for bad in [&["help", "--bogus"][..], &["help", "tick", "extra"][..]] {
        let out = p.run(bad);
        assert_status(&out, 2);
        assert!(
            out.stdout.is_empty(),
            "{bad:?} printed {}",
            text(&out.stdout)
        );
    }
    let commands = [
        "init",
        "tick",
        "run",
        "up",
        "down",
        "status",
        "start-session",
        "ls",
        "attach",
        "log",
        "send",
        "kill",
        "flag",
        "unflag",
        "prune",
        "claim",
        "unclaim",
        "cost",
        "_cost",
        "schedule",
        "demo",
        "config",
        "help",
        "version",
    ];
    for cmd in commands {
        for flag in ["--help", "-h"] {
            let out = p.run(&[cmd, flag]);
            assert_status(&out, 0);
            let usage = text(&out.stdout);
            assert!(
                usage.starts_with(&format!("usage: looop {cmd}")),
                "{cmd}: {usage}"
            );
        }
        assert!(
            manual.contains(cmd) || cmd.starts_with('_'),
            "manual lacks {cmd}"
        );
    }
    // --help never touches the data dir.
    assert!(!p.data.exists());
}

#[test]
fn unknown_command_and_flag_are_status_2_with_a_hint() {
    let p = Profile::bare();
    let out = p.run(&["attch"]);
    assert_status(&out, 2);
    let err = text(&out.stderr);
    assert!(err.contains("attach"), "{err}");
    assert_eq!(err.trim().lines().count(), 1);

    let out = p.run(&["init", "--frobnicate"]);
    assert_status(&out, 2);
    let err = text(&out.stderr);
    assert!(
        err.contains("--frobnicate") && err.contains("looop init --help"),
        "{err}"
    );
    assert!(!p.data.exists());

    assert_status(&p.run(&["version", "extra"]), 2);
}

#[test]
fn non_utf8_argument_is_an_error_not_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let p = Profile::bare();
    let bad = std::ffi::OsStr::from_bytes(b"ab\xffcd");
    let out = p.cmd(&["flag"]).arg(bad).output().unwrap();
    assert_status(&out, 2);
    let err = text(&out.stderr);
    assert!(err.contains("UTF-8") && !err.contains("panicked"), "{err}");
}

#[test]
fn version_prints_the_crate_version() {
    let out = Profile::bare().run(&["version"]);
    assert_status(&out, 0);
    assert_eq!(
        text(&out.stdout).trim(),
        format!("looop {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let p = Profile::bare();
    // `head -c1` closes the pipe early; looop must die of SIGPIPE, not panic.
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("for i in 1 2 3 4 5 6 7 8 9 10; do {BIN} config fish; done | head -c1 >/dev/null; echo ${{PIPESTATUS[0]}}"))
        .env("LOOOP_DATA_DIR", &p.data)
        .output()
        .unwrap();
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{}",
        text(&out.stderr)
    );
}

fn has(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[test]
fn completion_scripts_parse_and_complete_ids() {
    let p = Profile::bare();
    assert_status(&p.run(&["init"]), 0);
    let checks: [(&str, &str, &[&str]); 3] = [
        ("bash", "bash", &["-n"]),
        ("zsh", "zsh", &["-n"]),
        ("fish", "fish", &["--no-execute"]),
    ];
    let mut checked = 0;
    for (shell, tool, flags) in checks {
        let out = p.run(&["config", shell]);
        assert_status(&out, 0);
        let script = text(&out.stdout);
        assert!(script.contains("start-session") && script.contains("_complete workers"));
        if !has(tool) {
            eprintln!("{tool} not installed: syntax of the {shell} script not checked");
            continue;
        }
        let file = p.tmp.path().join(format!("looop.{shell}"));
        fs::write(&file, &script).unwrap();
        let out = Command::new(tool).args(flags).arg(&file).output().unwrap();
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        checked += 1;
    }
    assert!(checked >= 1, "bash at least must be present");
    assert_status(&p.run(&["config", "tcsh"]), 2);

    // Dynamic part: goal ids of this profile.
    let out = p.run(&["_complete", "goals"]);
    let goals = text(&out.stdout);
    assert!(goals.lines().any(|l| l == "setup"), "{goals}");

    // bash really completes a goal id through the script.
    let script = p.data.join("../looop.bash");
    let probe = format!(
        "source {}; COMP_WORDS=(looop run se); COMP_CWORD=2; _looop; echo \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let out = Command::new("bash")
        .arg("-c")
        .arg(probe)
        .env("PATH", path)
        .env("LOOOP_DATA_DIR", &p.data)
        .env("LOOOP_CONFIG", &p.config)
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout).trim(), "setup", "{}", text(&out.stderr));
}
