//! The files under `examples/`: each sensor run against stubs of the tools
//! it calls (`gh`, `df`, `date` as small scripts on PATH printing canned
//! output) with its JSON shape checked; the example config loaded by a real
//! looop command.
//!
//! The GitHub sensors shape their output with gh's built-in jq (`--jq`); the
//! stub `gh` applies that same expression with the real `jq` to canned API
//! JSON, so the expressions themselves are under test.

mod support;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use support::*;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn sensor(name: &str) -> PathBuf {
    examples().join("sensors").join(name)
}

/// A temp dir with a `bin/` for stubs and `canned/` for their answers.
struct Stubs {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    bin: PathBuf,
}

impl Stubs {
    fn new() -> Stubs {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let bin = root.join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::fs::create_dir(root.join("canned")).unwrap();
        Stubs {
            _tmp: tmp,
            root,
            bin,
        }
    }

    fn script(&self, name: &str, body: &str) {
        let p = self.bin.join(name);
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// A `gh` that logs its arguments, answers `gh A B ...` with
    /// `canned/A-B.json` (through `jq -r EXPR` when given `--jq EXPR`, as gh
    /// prints string results raw), and fails like an expired login while
    /// `fail` exists.
    fn gh(&self) {
        self.script(
            "gh",
            &format!(
                r#"#!/bin/sh
dir='{root}'
printf '%s\n' "$*" >> "$dir/gh.calls"
if [ -f "$dir/fail" ]; then
  echo "HTTP 401: Bad credentials (https://api.github.com/graphql)" >&2
  exit 1
fi
expr=""
prev=""
for a in "$@"; do
  [ "$prev" = "--jq" ] && expr=$a
  prev=$a
done
f="$dir/canned/$1-$2.json"
[ -f "$f" ] || {{ echo "stub gh: nothing canned for $1 $2" >&2; exit 3; }}
if [ -n "$expr" ]; then exec jq -r "$expr" "$f"; else exec cat "$f"; fi
"#,
                root = self.root.display()
            ),
        );
    }

    fn can(&self, name: &str, json: &str) {
        std::fs::write(self.root.join("canned").join(name), json).unwrap();
    }

    fn calls(&self) -> String {
        std::fs::read_to_string(self.root.join("gh.calls")).unwrap_or_default()
    }

    /// Run an example sensor with only the stubs and the system dirs on PATH.
    fn run(&self, sensor_name: &str, env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(sensor(sensor_name));
        cmd.env_clear()
            .env(
                "PATH",
                format!("{}:/usr/local/bin:/usr/bin:/bin", self.bin.display()),
            )
            .env("HOME", &self.root)
            .current_dir(&self.root)
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }
}

/// The sensor contract: exit 0 and exactly one JSON object on stdout with
/// `signal` and `detail` (and nothing else).
#[track_caller]
fn reading(o: &Output) -> (Value, Value) {
    assert!(
        o.status.success(),
        "sensor failed ({}):\nstdout: {}\nstderr: {}",
        o.status,
        text(&o.stdout),
        text(&o.stderr)
    );
    let out = text(&o.stdout);
    let mut values = serde_json::Deserializer::from_str(&out).into_iter::<Value>();
    let v = values.next().expect("no JSON on stdout").expect("not JSON");
    assert!(values.next().is_none(), "more than one JSON value: {out}");
    let Value::Object(mut obj) = v else {
        panic!("not an object: {out}")
    };
    let keys: Vec<&String> = obj.keys().collect();
    assert_eq!(keys, ["detail", "signal"], "{out}");
    assert!(out.len() < 8192, "over looop's default sensor byte cap");
    (obj.remove("signal").unwrap(), obj.remove("detail").unwrap())
}

/// A failed reading: non-zero exit, nothing on stdout, the reason on stderr.
#[track_caller]
fn honest_failure(o: &Output, reason: &str) {
    assert!(!o.status.success(), "should fail: {}", text(&o.stdout));
    assert!(
        o.stdout.is_empty(),
        "no half reading on stdout: {}",
        text(&o.stdout)
    );
    assert!(
        text(&o.stderr).contains(reason),
        "stderr: {}",
        text(&o.stderr)
    );
}

/// The stub gh evaluates the sensors' `--jq` with the real jq.
fn need_jq() -> bool {
    if have("jq") {
        return true;
    }
    println!("skipped: jq is not installed (the stub gh needs it to apply the sensor's --jq)");
    false
}

const SEARCH_PRS: &str = r#"[
  {"number": 2, "title": "Fix \"quoted\" thing — ünïcode", "url": "https://github.com/a/b/pull/2",
   "repository": {"name": "b", "nameWithOwner": "a/b"}, "author": {"login": "ann"},
   "updatedAt": "2026-11-20T10:00:00Z", "isDraft": false},
  {"number": 10, "title": "LONGTITLE", "url": "https://github.com/a/b/pull/10",
   "repository": {"name": "b", "nameWithOwner": "a/b"}, "author": {"login": "bob"},
   "updatedAt": "2026-11-22T10:00:00Z", "isDraft": true},
  {"number": 1, "title": "Add docs", "url": "https://github.com/c/d/pull/1",
   "repository": {"name": "d", "nameWithOwner": "c/d"}, "author": {"login": "cy"},
   "updatedAt": "2026-11-21T10:00:00Z", "isDraft": false}
]"#;

#[test]
fn review_requests_reading() {
    if !need_jq() {
        return;
    }
    let s = Stubs::new();
    s.gh();
    s.can(
        "search-prs.json",
        &SEARCH_PRS.replace("LONGTITLE", &"x".repeat(300)),
    );
    let (signal, detail) = reading(&s.run("github-review-requests", &[]));
    assert_eq!(signal["count"], 3);
    assert_eq!(
        signal["prs"],
        serde_json::json!(["a/b#10", "a/b#2", "c/d#1"]),
        "sorted ids"
    );
    let d = detail.as_array().unwrap();
    let order: Vec<&str> = d.iter().map(|p| p["pr"].as_str().unwrap()).collect();
    assert_eq!(order, ["a/b#10", "c/d#1", "a/b#2"], "newest first");
    assert_eq!(
        d[0]["title"].as_str().unwrap().len(),
        120,
        "titles are capped"
    );
    assert_eq!(d[0]["draft"], true);
    assert_eq!(d[0]["author"], "bob");
    assert_eq!(d[2]["title"], "Fix \"quoted\" thing — ünïcode");
    assert_eq!(d[1]["url"], "https://github.com/c/d/pull/1");
    let calls = s.calls();
    assert!(
        calls.starts_with("search prs --review-requested=@me --state=open"),
        "{calls}"
    );

    // No review waiting is a reading too, not an error.
    s.can("search-prs.json", "[]");
    let (signal, detail) = reading(&s.run("github-review-requests", &[]));
    assert_eq!(signal, serde_json::json!({"count": 0, "prs": []}));
    assert_eq!(detail, serde_json::json!([]));
}

#[test]
fn assigned_issues_reading() {
    if !need_jq() {
        return;
    }
    let s = Stubs::new();
    s.gh();
    s.can(
        "search-issues.json",
        r#"[
          {"number": 7, "title": "Crash on start", "url": "https://github.com/me/app/issues/7",
           "repository": {"name": "app", "nameWithOwner": "me/app"},
           "labels": [{"name": "bug", "color": "red"}, {"name": "p1"}], "updatedAt": "2026-11-01T00:00:00Z"},
          {"number": 3, "title": "Docs", "url": "https://github.com/me/web/issues/3",
           "repository": {"name": "web", "nameWithOwner": "me/web"},
           "labels": [], "updatedAt": "2026-11-02T00:00:00Z"}
        ]"#,
    );
    let (signal, detail) = reading(&s.run("github-assigned-issues", &[]));
    assert_eq!(
        signal,
        serde_json::json!({"count": 2, "issues": ["me/app#7", "me/web#3"]})
    );
    assert_eq!(detail[0]["issue"], "me/web#3");
    assert_eq!(detail[1]["labels"], serde_json::json!(["bug", "p1"]));
    assert!(
        s.calls()
            .starts_with("search issues --assignee=@me --state=open"),
        "{}",
        s.calls()
    );
}

#[test]
fn ci_failing_reading() {
    if !need_jq() {
        return;
    }
    let s = Stubs::new();
    s.gh();
    s.can(
        "repo-view.json",
        r#"{"defaultBranchRef": {"name": "trunk"}}"#,
    );
    let run = |wf: &str, status: &str, concl: &str, sha: &str, at: &str| {
        format!(
            r#"{{"workflowName": "{wf}", "status": "{status}", "conclusion": "{concl}",
                "headSha": "{sha}", "headBranch": "trunk", "url": "https://ci/{sha}", "createdAt": "{at}"}}"#
        )
    };
    let runs = [
        // CI: the latest finished run failed.
        run(
            "CI",
            "completed",
            "failure",
            "aaaaaaa1111",
            "2026-11-23T10:00:00Z",
        ),
        run(
            "CI",
            "completed",
            "success",
            "bbbbbbb2222",
            "2026-11-22T10:00:00Z",
        ),
        // Lint: failed before, green now.
        run(
            "Lint",
            "completed",
            "success",
            "aaaaaaa1111",
            "2026-11-23T10:00:00Z",
        ),
        run(
            "Lint",
            "completed",
            "failure",
            "bbbbbbb2222",
            "2026-11-22T10:00:00Z",
        ),
        // Deploy: a rerun in progress; the latest finished one timed out.
        run(
            "Deploy",
            "in_progress",
            "",
            "ccccccc3333",
            "2026-11-23T12:00:00Z",
        ),
        run(
            "Deploy",
            "completed",
            "timed_out",
            "aaaaaaa1111",
            "2026-11-23T10:00:00Z",
        ),
        // Docs: cancelled is not failing.
        run(
            "Docs",
            "completed",
            "cancelled",
            "aaaaaaa1111",
            "2026-11-23T10:00:00Z",
        ),
    ];
    s.can("run-list.json", &format!("[{}]", runs.join(",")));
    let (signal, detail) = reading(&s.run("github-ci-failing", &[("LOOOP_CI_REPO", "me/app")]));
    assert_eq!(
        signal,
        serde_json::json!({"repo": "me/app", "failing": ["CI@aaaaaaa", "Deploy@aaaaaaa"]})
    );
    let d = detail.as_array().unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(d[1]["conclusion"], "timed_out");
    assert_eq!(d[0]["branch"], "trunk");
    let calls = s.calls();
    assert!(calls.contains("repo view me/app"), "{calls}");
    assert!(
        calls.contains("run list --repo me/app --branch trunk"),
        "{calls}"
    );

    // All green: an empty list, still a reading.
    s.can("run-list.json", &format!("[{}]", runs[1]));
    let (signal, _) = reading(&s.run("github-ci-failing", &[("LOOOP_CI_REPO", "me/app")]));
    assert_eq!(signal["failing"], serde_json::json!([]));
}

#[test]
fn github_sensors_fail_honestly_without_gh() {
    let s = Stubs::new();
    // PATH holds nothing at all: no gh, wherever the machine has one.
    let empty = s.root.join("empty");
    std::fs::create_dir(&empty).unwrap();
    for name in [
        "github-review-requests",
        "github-assigned-issues",
        "github-ci-failing",
    ] {
        let o = Command::new(sensor(name))
            .env_clear()
            .env("PATH", &empty)
            .env("LOOOP_CI_REPO", "me/app")
            .current_dir(&s.root)
            .output()
            .unwrap();
        honest_failure(&o, "gh (GitHub CLI) is not installed");
    }
}

#[test]
fn github_sensors_fail_honestly_when_gh_fails() {
    let s = Stubs::new();
    s.gh();
    std::fs::write(s.root.join("fail"), "").unwrap();
    for name in [
        "github-review-requests",
        "github-assigned-issues",
        "github-ci-failing",
    ] {
        let o = s.run(name, &[("LOOOP_CI_REPO", "me/app")]);
        honest_failure(&o, "Bad credentials");
    }
}

#[test]
fn ci_failing_needs_a_repo() {
    let s = Stubs::new();
    s.gh();
    let o = s.run("github-ci-failing", &[]);
    honest_failure(&o, "set REPO=owner/name");
    assert!(s.calls().is_empty(), "gh not called without a repo");
}

#[test]
fn disk_space_levels_from_stub_df() {
    let s = Stubs::new();
    s.script(
        "df",
        r#"#!/bin/sh
cat <<'OUT'
Filesystem     1024-blocks      Used Available Capacity Mounted on
/dev/sda1        100000000  50000000  50000000      50% /
/dev/sda2        100000000  90000000  10485760      90% /home
/dev/sda1        100000000  50000000  50000000      50% /
/dev/sdb1          1000000    970000     30000      97% /mnt/my "disk"
OUT
"#,
    );
    let (signal, detail) = reading(&s.run("disk-space", &[]));
    assert_eq!(
        signal,
        serde_json::json!({"/": "ok", "/home": "low", "/mnt/my \"disk\"": "critical"})
    );
    assert_eq!(detail["/home"]["used_pct"], 90);
    assert_eq!(detail["/home"]["free_gb"], 10.0);

    // Thresholds are settable.
    let (signal, _) = reading(&s.run("disk-space", &[("LOOOP_DISK_WARN", "40")]));
    assert_eq!(signal["/"], "low");

    s.script(
        "df",
        "#!/bin/sh\necho 'df: /nope: No such file or directory' >&2\nexit 1\n",
    );
    honest_failure(&s.run("disk-space", &[]), "df failed");
}

#[test]
fn disk_space_on_this_machine() {
    let s = Stubs::new();
    let (signal, detail) = reading(&s.run("disk-space", &[("LOOOP_DISK_PATHS", "/")]));
    let level = signal["/"].as_str().unwrap();
    assert!(["ok", "low", "critical"].contains(&level), "{signal}");
    assert!(detail["/"]["used_pct"].is_u64(), "{detail}");
}

#[test]
fn calendar_parts_of_the_day() {
    let s = Stubs::new();
    for (stamp, date, part, workday, week) in [
        (
            "2026-11-21 07 6 47 Sat 2026-11-21T07:30:00+0100",
            "2026-11-21",
            "morning",
            false,
            47,
        ),
        (
            "2026-11-23 13 1 48 Mon 2026-11-23T13:00:00+0100",
            "2026-11-23",
            "afternoon",
            true,
            48,
        ),
        (
            "2026-01-02 23 5 01 Fri 2026-01-02T23:59:00+0100",
            "2026-01-02",
            "evening",
            true,
            1,
        ),
        (
            "2026-01-03 04 6 01 Sat 2026-01-03T04:00:00+0100",
            "2026-01-03",
            "night",
            false,
            1,
        ),
    ] {
        s.script("date", &format!("#!/bin/sh\necho '{stamp}'\n"));
        let (signal, detail) = reading(&s.run("calendar", &[]));
        assert_eq!(
            signal,
            serde_json::json!({"date": date, "part": part}),
            "{stamp}"
        );
        assert_eq!(detail["workday"], workday, "{stamp}");
        assert_eq!(detail["week"], week, "{stamp}");
    }
    // And with the real clock.
    std::fs::remove_file(s.bin.join("date")).unwrap();
    let (signal, _) = reading(&s.run("calendar", &[]));
    assert_eq!(signal["date"].as_str().unwrap().len(), 10, "{signal}");
}

#[test]
fn example_sensors_are_executable() {
    for entry in std::fs::read_dir(examples().join("sensors")).unwrap() {
        let p = entry.unwrap().path();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "{} is not executable", p.display());
        let syntax = Command::new("sh").arg("-n").arg(&p).status().unwrap();
        assert!(syntax.success(), "{} has a syntax error", p.display());
    }
}

/// `examples/config.toml` must parse: `looop schedule cron` loads the config
/// (for its `interval`) and fails with status 2 on any error in it.
#[test]
fn example_config_loads() {
    let p = Profile::bare();
    let o = p
        .cmd(&["schedule", "cron"])
        .env("LOOOP_CONFIG", examples().join("config.toml"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    assert!(
        text(&o.stdout).starts_with("*/2 * * * * "),
        "interval = 120: {}",
        text(&o.stdout)
    );
}
