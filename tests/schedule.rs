//! `looop schedule`: the artifacts it prints, and `--install`/`--remove`
//! against a stand-in `crontab` on PATH (a script keeping the crontab in a
//! temp file). No test runs the real `crontab`: a test must never risk the
//! user's own crontab (a Ctrl-C half-way would lose it).

mod support;
use std::ops::Deref;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::*;

const LOOOP: &str = env!("CARGO_BIN_EXE_looop");

/// A temp profile plus a bin dir that goes first on PATH.
struct Env {
    profile: Profile,
    bin: PathBuf,
}

impl Deref for Env {
    type Target = Profile;
    fn deref(&self) -> &Profile {
        &self.profile
    }
}

impl Env {
    fn new() -> Env {
        Env::named("data")
    }

    fn named(data_name: &str) -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join(data_name);
        let profile = Profile::in_dir(tmp, data);
        let bin = profile.tmp.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let env = Env { profile, bin };
        // Every test has the stand-in, so none can reach the real crontab.
        env.fake_crontab();
        env
    }

    /// The temp dir holding the config, the data dir and the bin dir.
    fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// A second profile sharing this one's bin dir (and so its fake
    /// crontab), its data dir `data_name` beside this one's.
    fn sibling(&self, data_name: &str) -> Env {
        let mut other = Env::new();
        other.bin = self.bin.clone();
        other.profile.data = self.root().join(data_name);
        other
    }

    fn path_var(&self) -> String {
        format!("{}:/usr/local/bin:/usr/bin:/bin", self.bin.display())
    }

    fn looop(&self, args: &[&str]) -> Output {
        self.cmd(args)
            .env("PATH", self.path_var())
            .output()
            .unwrap()
    }

    fn script(&self, name: &str, body: &str) {
        let p = self.bin.join(name);
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// A `crontab` that keeps the crontab in `<root>/crontab.txt` and says
    /// "no crontab for <user>" (status 1) while there is none, like cron's.
    fn fake_crontab(&self) -> PathBuf {
        let store = self.root().join("crontab.txt");
        self.script(
            "crontab",
            &format!(
                r#"#!/bin/sh
f='{store}'
case "$1" in
  -l) if [ -f "$f" ]; then cat "$f"; else echo "no crontab for tester" >&2; exit 1; fi ;;
  -) cat > "$f.new" && mv "$f.new" "$f" ;;
  *) echo "fake crontab: unexpected $*" >&2; exit 2 ;;
esac
"#,
                store = store.display()
            ),
        );
        store
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ours<'a>(crontab: &'a str, data: &Path) -> Vec<&'a str> {
    let needle = format!("LOOOP_DATA_DIR={}", data.display());
    crontab.lines().filter(|l| l.contains(&needle)).collect()
}

#[test]
fn cron_line_has_everything_a_bare_cron_needs() {
    let env = Env::new();
    let o = env.looop(&["schedule", "cron"]);
    assert_status(&o, 0);
    let out = stdout(&o);
    let line = out.trim_end();
    assert_eq!(line.lines().count(), 1, "one line: {out}");
    assert!(
        line.starts_with("* * * * * "),
        "default interval 60 s: {line}"
    );
    assert!(line.contains(&format!(" {LOOOP} tick >>")), "{line}");
    assert!(
        line.contains(&format!("PATH={} ", env.path_var())),
        "{line}"
    );
    assert!(
        line.contains(&format!("LOOOP_DATA_DIR={} ", env.data.display())),
        "{line}"
    );
    assert!(
        line.contains(&format!("LOOOP_CONFIG={} ", env.config.display())),
        "{line}"
    );
    assert!(
        line.contains(&format!(">>{}/tick.log 2>&1", env.data.display())),
        "{line}"
    );
    assert!(line.contains("# looop:"), "marker: {line}");
    assert!(
        stderr(&o).contains("does not exist yet"),
        "warns that the log's dir is missing: {}",
        stderr(&o)
    );
    assert!(!env.data.exists(), "printing creates nothing");
}

#[test]
fn cron_interval_comes_from_config_or_every() {
    let env = Env::new();
    std::fs::write(&env.config, "interval = 300\n").unwrap();
    let o = env.looop(&["schedule", "cron"]);
    assert_status(&o, 0);
    assert!(stdout(&o).starts_with("*/5 * * * * "), "{}", stdout(&o));

    let o = env.looop(&["schedule", "cron", "--every", "7200"]);
    assert_status(&o, 0);
    assert!(stdout(&o).starts_with("0 */2 * * * "), "{}", stdout(&o));

    let o = env.looop(&["schedule", "cron", "--every", "90"]);
    assert_status(&o, 0);
    assert!(stdout(&o).starts_with("*/2 * * * * "), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("every 2 minutes"),
        "says what it did: {}",
        stderr(&o)
    );
}

#[test]
fn cron_refuses_under_a_minute() {
    let env = Env::new();
    let o = env.looop(&["schedule", "cron", "--every", "30"]);
    assert_status(&o, 2);
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    assert!(
        err.contains("at least 60 seconds") && err.contains("30"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");

    std::fs::write(&env.config, "interval = 20\n").unwrap();
    let o = env.looop(&["schedule", "cron"]);
    assert_status(&o, 2);
    assert!(
        stderr(&o).contains("interval"),
        "names the source: {}",
        stderr(&o)
    );
}

#[test]
fn bad_usage_is_status_2() {
    let env = Env::new();
    for args in [
        &["schedule"][..],
        &["schedule", "anacron"],
        &["schedule", "cron", "--every", "soon"],
        &["schedule", "cron", "--every", "0"],
        &["schedule", "systemd", "--every", "0"],
        &["schedule", "launchd", "--every", "604801"],
        &["schedule", "cron", "--every", "-5"],
        &["schedule", "cron", "--install", "--remove"],
        &["schedule", "cron", "extra"],
        &["schedule", "cron", "--bogus"],
        &["schedule", "launchd", "--install"],
        &["schedule", "launchd", "--remove"],
    ] {
        let o = env.looop(args);
        assert_status(&o, 2);
        assert!(stdout(&o).is_empty(), "{args:?}: {}", stdout(&o));
    }
    let o = env.looop(&["schedule", "launchd", "--install"]);
    assert!(
        stderr(&o).contains("cron and systemd") && stderr(&o).contains("launchctl bootstrap"),
        "{}",
        stderr(&o)
    );
    assert!(!env.data.exists(), "bad usage wrote nothing");
}

#[test]
fn bad_config_is_status_2() {
    let env = Env::new();
    std::fs::write(&env.config, "intervall = 5\n").unwrap();
    let o = env.looop(&["schedule", "cron"]);
    assert_status(&o, 2);
    assert!(stderr(&o).contains("config.toml"), "{}", stderr(&o));
}

/// A data dir that is a regular file is refused like `tick` and `init`
/// refuse it (status 1, naming it): no artifact is printed, and neither
/// `--install` nor `--remove` touches the crontab.
#[test]
fn a_data_dir_that_is_a_file_is_refused_and_changes_nothing() {
    let env = Env::new();
    let store = env.fake_crontab();
    assert_status(&env.looop(&["schedule", "cron", "--install"]), 0);
    let crontab = std::fs::read_to_string(&store).unwrap();
    assert_eq!(ours(&crontab, &env.data).len(), 1, "{crontab}");
    std::fs::remove_dir_all(&env.data).unwrap();
    std::fs::write(&env.data, "not a dir\n").unwrap();

    for args in [
        &["schedule", "cron"][..],
        &["schedule", "launchd"][..],
        &["schedule", "systemd"][..],
        &["schedule", "cron", "--install", "--every", "600"][..],
        &["schedule", "cron", "--remove"][..],
    ] {
        let o = env.looop(args);
        assert_status(&o, 1);
        assert_eq!(stdout(&o), "", "{args:?} printed an artifact");
        let err = stderr(&o);
        assert_eq!(
            err,
            format!(
                "looop: data dir {} is not a directory\n",
                env.data.display()
            ),
            "{args:?}"
        );
        assert_eq!(
            std::fs::read_to_string(&store).unwrap(),
            crontab,
            "{args:?}"
        );
        assert_eq!(std::fs::read_to_string(&env.data).unwrap(), "not a dir\n");
    }
}

#[test]
fn install_is_idempotent_and_keeps_other_lines() {
    let env = Env::new();
    let store = env.fake_crontab();
    let mine = "MAILTO=me@example.org\n0 3 * * * /usr/local/bin/backup # nightly\n";
    std::fs::write(&store, mine).unwrap();

    let o = env.looop(&["schedule", "cron", "--install", "--every", "300"]);
    assert_status(&o, 0);
    let after = std::fs::read_to_string(&store).unwrap();
    assert!(
        after.starts_with(mine),
        "user's lines first and untouched:\n{after}"
    );
    assert_eq!(ours(&after, &env.data).len(), 1, "{after}");
    assert!(ours(&after, &env.data)[0].starts_with("*/5 "));
    assert!(
        env.data.join("PLAYBOOK.md").is_file(),
        "install lays out the data dir for tick.log"
    );

    let o = env.looop(&["schedule", "cron", "--install", "--every", "300"]);
    assert_status(&o, 0);
    assert!(stdout(&o).contains("already"), "{}", stdout(&o));
    assert_eq!(
        std::fs::read_to_string(&store).unwrap(),
        after,
        "second install changed nothing"
    );

    // A new interval replaces the line instead of adding one.
    let o = env.looop(&["schedule", "cron", "--install", "--every", "600"]);
    assert_status(&o, 0);
    let after = std::fs::read_to_string(&store).unwrap();
    let lines = ours(&after, &env.data);
    assert_eq!(lines.len(), 1, "{after}");
    assert!(lines[0].starts_with("*/10 "), "{after}");
    assert!(after.starts_with(mine));
}

#[test]
fn two_profiles_keep_two_lines_and_remove_only_their_own() {
    let a = Env::new();
    let store = a.fake_crontab();
    let b = a.sibling("other data");

    assert_status(&a.looop(&["schedule", "cron", "--install"]), 0);
    assert_status(
        &b.looop(&["schedule", "cron", "--install", "--every", "3600"]),
        0,
    );
    let both = std::fs::read_to_string(&store).unwrap();
    assert_eq!(both.lines().count(), 2, "{both}");
    assert_eq!(ours(&both, &a.data).len(), 1);
    assert!(
        both.contains("LOOOP_DATA_DIR='"),
        "b's path is quoted: {both}"
    );

    let o = a.looop(&["schedule", "cron", "--remove"]);
    assert_status(&o, 0);
    let left = std::fs::read_to_string(&store).unwrap();
    assert_eq!(left.lines().count(), 1, "{left}");
    assert!(ours(&left, &a.data).is_empty());
    assert!(
        left.starts_with("0 * * * * "),
        "b's hourly line stays: {left}"
    );

    // Removing again is a no-op with status 0 and does not rewrite anything.
    let before = std::fs::metadata(&store).unwrap().modified().unwrap();
    let o = a.looop(&["schedule", "cron", "--remove"]);
    assert_status(&o, 0);
    assert!(stdout(&o).contains("nothing to do"), "{}", stdout(&o));
    assert_eq!(std::fs::read_to_string(&store).unwrap(), left);
    assert_eq!(
        std::fs::metadata(&store).unwrap().modified().unwrap(),
        before
    );
}

#[test]
fn remove_with_no_crontab_at_all_is_a_noop() {
    let env = Env::new();
    let store = env.fake_crontab();
    let o = env.looop(&["schedule", "cron", "--remove"]);
    assert_status(&o, 0);
    assert!(!store.exists(), "nothing written");
}

#[test]
fn failing_or_missing_crontab_changes_nothing() {
    let env = Env::new();
    env.script(
        "crontab",
        "#!/bin/sh\necho 'crontab: cannot open spool' >&2\nexit 1\n",
    );
    let o = env.looop(&["schedule", "cron", "--install"]);
    assert_status(&o, 1);
    assert!(stderr(&o).contains("cannot open spool"), "{}", stderr(&o));

    // No crontab anywhere on PATH.
    let o = Command::new(LOOOP)
        .args(["schedule", "cron", "--install"])
        .env("LOOOP_DATA_DIR", &env.data)
        .env("LOOOP_CONFIG", &env.config)
        .env("PATH", env.root().join("nowhere"))
        .output()
        .unwrap();
    assert_status(&o, 1);
    assert!(stderr(&o).contains("crontab"), "{}", stderr(&o));
}

/// Run the cron line's command the way cron would: `/bin/sh -c` with an
/// almost empty environment, after cron's own `\%` → `%` step. The data dir
/// has a space, a quote and a percent sign to prove the quoting.
#[test]
fn cron_line_runs_under_a_bare_environment() {
    let env = Env::named("it's 100% data");
    std::fs::write(
        &env.config,
        "runner = \"fake\"\n[runners.fake]\ntick = \"echo '{\\\"move\\\":\\\"noop\\\",\\\"journal\\\":\\\"scheduled\\\"}'\"\ninteractive = \"bash {{prompt_file}}\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(&env.data).unwrap();
    let o = env.looop(&["schedule", "cron"]);
    assert_status(&o, 0);
    let line = stdout(&o);
    let command: String = line
        .trim_end()
        .splitn(6, ' ')
        .nth(5)
        .unwrap()
        .replace(r"\%", "%");
    let run = Command::new("/bin/sh")
        .arg("-c")
        .arg(&command)
        .env_clear()
        .env("HOME", env.root())
        .current_dir(env.root())
        .output()
        .unwrap();
    // The beat's own outcome is the pulse's business; what matters here is
    // that the quoted command found the binary and the right log file.
    assert!(run.status.code().is_some(), "{run:?}");
    let log = std::fs::read_to_string(env.data.join("tick.log")).unwrap_or_default();
    assert!(
        !log.is_empty(),
        "the beat wrote to tick.log (command: {command})"
    );
    assert!(
        !env.root().join("it's 100").exists(),
        "no stray file from a broken quote"
    );
}

#[test]
fn launchd_plist_is_valid_and_complete() {
    let env = Env::named("a&b <data>");
    let o = env.looop(&["schedule", "launchd", "--every", "120"]);
    assert_status(&o, 0);
    let plist = stdout(&o);
    assert!(
        plist.contains("<key>StartInterval</key>\n  <integer>120</integer>"),
        "{plist}"
    );
    assert!(
        plist.contains(&format!("<string>{LOOOP}</string>")),
        "{plist}"
    );
    assert!(
        plist.contains("<string>a&amp;b &lt;data&gt;") || plist.contains("a&amp;b &lt;data&gt;")
    );
    for key in [
        "Label",
        "ProgramArguments",
        "EnvironmentVariables",
        "StandardOutPath",
        "StandardErrorPath",
    ] {
        assert!(
            plist.contains(&format!("<key>{key}</key>")),
            "{key}: {plist}"
        );
    }
    // Parse it for real where Python's plistlib is at hand.
    if !have("python3") {
        println!("skipped the plistlib parse: python3 is not installed");
        return;
    }
    let file = env.root().join("job.plist");
    std::fs::write(&file, &plist).unwrap();
    let check = Command::new("python3")
        .arg("-c")
        .arg(
            "import plistlib,sys\n\
             p=plistlib.load(open(sys.argv[1],'rb'))\n\
             e=p['EnvironmentVariables']\n\
             print(p['ProgramArguments'][1], p['StartInterval'], e['LOOOP_DATA_DIR'], p['StandardOutPath'], sep='\\n')",
        )
        .arg(&file)
        .output()
        .unwrap();
    assert_status(&check, 0);
    let data = env.data.display().to_string();
    assert_eq!(
        stdout(&check),
        format!("tick\n120\n{data}\n{data}/tick.log\n"),
        "plistlib read back the values"
    );
}

#[test]
fn systemd_units_are_complete_and_verify_clean() {
    let env = Env::named("sys data");
    let o = env.looop(&["schedule", "systemd", "--every", "300"]);
    assert_status(&o, 0);
    let text = stdout(&o);
    for want in [
        "Type=oneshot",
        &format!("ExecStart={LOOOP} tick\n"),
        &format!("Environment=\"LOOOP_DATA_DIR={}\"\n", env.data.display()),
        &format!("Environment=LOOOP_CONFIG={}\n", env.config.display()),
        &format!("Environment=PATH={}\n", env.path_var()),
        &format!("StandardOutput=append:{}/tick.log", env.data.display()),
        "OnUnitActiveSec=300",
        "OnBootSec=",
        "KillMode=process",
        "WantedBy=timers.target",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    // Split at the `# file:` headers into real unit files.
    let dir = env.root().join("units");
    std::fs::create_dir(&dir).unwrap();
    let mut files = Vec::new();
    let mut current: Option<(PathBuf, String)> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("# file: ~/.config/systemd/user/") {
            if let Some((p, body)) = current.take() {
                std::fs::write(&p, body).unwrap();
                files.push(p);
            }
            current = Some((dir.join(name), String::new()));
        } else if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    let (p, body) = current.unwrap();
    std::fs::write(&p, body).unwrap();
    files.push(p);
    assert_eq!(files.len(), 2);
    assert!(files[0].to_string_lossy().ends_with(".service"));
    assert!(files[1].to_string_lossy().ends_with(".timer"));
    if !have("systemd-analyze") {
        println!("skipped systemd-analyze verify: not installed");
        return;
    }
    let v = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(&files)
        .output()
        .unwrap();
    let complaints: Vec<String> = stderr(&v)
        .lines()
        .filter(|l| l.contains(&*dir.to_string_lossy()))
        .map(str::to_string)
        .collect();
    assert!(complaints.is_empty(), "systemd-analyze: {complaints:#?}");
}

/// The files under examples/schedule/ are exactly what `looop schedule`
/// prints for the example paths they show.
#[test]
fn example_artifacts_match_the_command() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/schedule");
    let data = "/home/you/.local/state/looop";
    let config = "/home/you/.config/looop/config.toml";
    let exe = "/home/you/.cargo/bin/looop";
    let path = "/home/you/.cargo/bin:/usr/local/bin:/usr/bin:/bin";
    for (kind, file) in [
        ("cron", "crontab.txt"),
        ("launchd", "looop.tick.plist"),
        ("systemd", "looop-tick.units.txt"),
    ] {
        let o = Command::new(LOOOP)
            .args(["schedule", kind, "--every", "300"])
            .env("LOOOP_DATA_DIR", data)
            .env("LOOOP_CONFIG", config)
            .env("PATH", path)
            .env_remove("TMUX")
            .env_remove("TMUX_TMPDIR")
            .env_remove("LOOOP_TMUX_SOCKET")
            .output()
            .unwrap();
        assert_status(&o, 0);
        let printed = stdout(&o).replace(LOOOP, exe);
        let want = std::fs::read_to_string(examples.join(file)).unwrap();
        assert_eq!(
            printed, want,
            "examples/schedule/{file} is stale: regenerate it"
        );
    }
}

/// `--every` takes 30s / 5m / 1h as well as seconds.
#[test]
fn every_takes_units() {
    let env = Env::new();
    for (every, expr) in [
        ("5m", "*/5 "),
        ("1h", "0 * "),
        ("120", "*/2 "),
        ("60s", "* * "),
    ] {
        let o = env.looop(&["schedule", "cron", "--every", every]);
        assert_status(&o, 0);
        assert!(stdout(&o).starts_with(expr), "{every}: {}", stdout(&o));
    }
    let o = env.looop(&["schedule", "systemd", "--every", "5m"]);
    assert_status(&o, 0);
    assert!(
        stdout(&o).contains("OnUnitActiveSec=300\n"),
        "{}",
        stdout(&o)
    );
    let o = env.looop(&["schedule", "cron", "--every", "5x"]);
    assert_status(&o, 2);
    assert!(stderr(&o).contains("30s, 5m, 1h"), "{}", stderr(&o));
}

/// From inside tmux (or with TMUX_TMPDIR set), the cron line carries what a
/// beat needs to reach that server: cron's environment has neither.
#[test]
fn cron_line_carries_the_tmux_server() {
    let env = Env::new();
    let o = env
        .cmd(&["schedule", "cron"])
        .env("PATH", env.path_var())
        .env("TMUX", "/tmp/my tmux/sock,123,0")
        .env("TMUX_TMPDIR", "/tmp/my tmux")
        .output()
        .unwrap();
    assert_status(&o, 0);
    let line = stdout(&o);
    assert!(line.contains("TMUX_TMPDIR='/tmp/my tmux' "), "{line}");
    assert!(
        line.contains("LOOOP_TMUX_SOCKET='/tmp/my tmux/sock' "),
        "{line}"
    );
    // Outside tmux: neither.
    let line = stdout(&env.looop(&["schedule", "cron"]));
    assert!(!line.contains("TMUX"), "{line}");
}

/// `schedule systemd --install` writes the two user units and enables the
/// timer through `systemctl --user` (a stand-in logging its arguments);
/// `--remove` disables it and deletes them.
#[test]
fn systemd_install_writes_units_and_enables_the_timer() {
    let env = Env::new();
    let calls = env.root().join("systemctl.log");
    env.script(
        "systemctl",
        &format!("#!/bin/sh\necho \"$*\" >> '{}'\n", calls.display()),
    );
    let xdg = env.root().join("xdg");
    let run = |args: &[&str]| {
        env.cmd(args)
            .env("PATH", env.path_var())
            .env("XDG_CONFIG_HOME", &xdg)
            .output()
            .unwrap()
    };
    let o = run(&["schedule", "systemd", "--install", "--every", "5m"]);
    assert_status(&o, 0);
    let units = xdg.join("systemd/user");
    let names: Vec<String> = std::fs::read_dir(&units)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let timer = names
        .iter()
        .find(|n| n.ends_with(".timer"))
        .unwrap()
        .clone();
    assert!(names.iter().any(|n| n.ends_with(".service")), "{names:?}");
    let service = std::fs::read_to_string(units.join(timer.replace(".timer", ".service"))).unwrap();
    assert!(
        service.contains(&format!("ExecStart={LOOOP} tick")),
        "{service}"
    );
    assert!(
        std::fs::read_to_string(units.join(&timer))
            .unwrap()
            .contains("OnUnitActiveSec=300")
    );
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        format!("--user daemon-reload\n--user enable --now {timer}\n")
    );
    assert!(
        env.data.join("PLAYBOOK.md").is_file(),
        "the log's dir exists"
    );

    let o = run(&["schedule", "systemd", "--remove"]);
    assert_status(&o, 0);
    assert!(std::fs::read_dir(&units).unwrap().next().is_none());
    assert!(std::fs::read_to_string(&calls).unwrap().ends_with(&format!(
        "--user disable --now {timer}\n--user daemon-reload\n"
    )));

    // A failing systemctl is status 1 with its words.
    env.script(
        "systemctl",
        "#!/bin/sh\necho 'Failed to connect to bus' >&2\nexit 1\n",
    );
    let o = run(&["schedule", "systemd", "--install"]);
    assert_status(&o, 1);
    assert!(
        stderr(&o).contains("Failed to connect to bus"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn launchd_says_bootstrap() {
    let env = Env::new();
    let o = env.looop(&["schedule", "launchd"]);
    assert_status(&o, 0);
    assert!(
        stdout(&o).contains("launchctl bootstrap gui/$UID"),
        "{}",
        stdout(&o)
    );
    assert!(
        stderr(&o).contains("launchctl bootstrap gui/$UID"),
        "{}",
        stderr(&o)
    );
    assert!(!stdout(&o).contains("load -w"));
}
