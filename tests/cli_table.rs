//! The command table from the outside: completions offer exactly the flags
//! the parser accepts, `completions` and its alias `config` agree, and an
//! unknown flag is answered with the nearest known one.

mod support;
use std::path::Path;
use support::*;

impl Profile {
    /// What bash's completion offers after `looop <words>`, the last word
    /// being the one completed, with looop itself on PATH.
    fn bash_offers(&self, script: &Path, words: &[&str]) -> Vec<String> {
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let probe = format!(
            "source '{}'; COMP_WORDS=(looop {}); COMP_CWORD={}; _looop; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display(),
            quoted.join(" "),
            words.len()
        );
        let bin_dir = Path::new(BIN).parent().unwrap();
        let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
        let out = self
            .command("bash")
            .arg("-c")
            .arg(probe)
            .env("PATH", path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        let mut offered: Vec<String> = text(&out.stdout)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        offered.sort();
        offered
    }
}

#[test]
fn bash_completion_offers_exactly_the_flags_the_parser_takes() {
    let p = Profile::bare();
    let out = p.run(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    let script = p.tmp.path().join("looop.bash");
    std::fs::write(&script, &out.stdout).unwrap();

    // Flags the old hand-written script never completed.
    assert_eq!(p.bash_offers(&script, &["kill", "w1", "--g"]), ["--grace"]);
    assert_eq!(p.bash_offers(&script, &["log", "w1", "--t"]), ["--tail"]);
    assert_eq!(
        p.bash_offers(&script, &["start-session", "w1", "hi", "--f"]),
        ["--force"]
    );
    assert_eq!(p.bash_offers(&script, &["init", "--r"]), ["--runner"]);
    // `status --all` was offered and is refused: no longer offered.
    assert_eq!(p.bash_offers(&script, &["status", "-"]), ["--json"]);
    assert_eq!(p.run(&["status", "--all"]).status.code(), Some(2));
    // What is offered for ls is accepted.
    assert_eq!(
        p.bash_offers(&script, &["ls", "-"]),
        ["--all", "--json", "-a"]
    );
    assert_eq!(p.run(&["ls", "--all", "--json"]).status.code(), Some(0));
    // The new name is offered as a command; so is the alias.
    assert_eq!(p.bash_offers(&script, &["compl"]), ["completions"]);
    assert_eq!(p.bash_offers(&script, &["confi"]), ["config"]);
}

#[test]
fn config_is_an_alias_of_completions() {
    let p = Profile::bare();
    for shell in ["bash", "zsh", "fish"] {
        let new = p.run(&["completions", shell]);
        let old = p.run(&["config", shell]);
        assert_eq!(new.status.code(), Some(0), "{shell}");
        assert_eq!(new.stdout, old.stdout, "{shell}");
        assert!(text(&new.stdout).contains("grace"), "{shell}");
    }
    let usage = text(&p.run(&["completions", "--help"]).stdout);
    assert!(
        usage.starts_with("usage: looop completions bash|zsh|fish"),
        "{usage}"
    );
    let usage = text(&p.run(&["config", "--help"]).stdout);
    assert!(
        usage.starts_with("usage: looop config bash|zsh|fish"),
        "{usage}"
    );
    assert!(text(&p.run(&["help"]).stdout).contains("looop completions bash|zsh|fish"));
    assert_eq!(p.run(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn an_unknown_flag_names_the_nearest_known_one() {
    let p = Profile::bare();
    for (args, hint) in [
        (&["ls", "--jsn"][..], "did you mean --json?"),
        (&["status", "--jsno"], "did you mean --json?"),
        (&["kill", "w1", "--grac=2"], "did you mean --grace?"),
        (&["cost", "--by=day", "--jsn"], "did you mean --json?"),
    ] {
        let out = p.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(hint), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    // Nothing near: the old hint about text that starts with -.
    let err = text(&p.run(&["ls", "--zzzzzzzz"]).stderr);
    assert!(
        err.contains("goes after --") && !err.contains("did you mean"),
        "{err}"
    );
    assert!(!p.data.exists(), "a usage error created the data dir");
}
