//! Issue 17 point 10 / CONTRACT §8: a prompt of any size reaches the worker
//! under every preset (claude, codex, pi, opencode): the command line holds
//! only a short pointer to the prompt file. A command that does put a huge
//! prompt on its command line fails as "argument list too long", never as
//! a missing program and never as started.

mod support;
use support::*;

/// 200 KiB: over Linux's 128 KiB limit for one argument.
fn big_prompt() -> String {
    let mut p = String::from("BEGIN-OF-TASK\n");
    while p.len() < 200 * 1024 {
        p.push_str("Refactor the parser; keep every test green. ");
    }
    p.push_str("\nEND-OF-TASK\n");
    p
}

/// A stand-in agent CLI: records its argv (one file per argument), finds
/// the prompt file the pointer names and records its size, then exits 0.
const STAND_IN: &str = r#"#!/bin/sh
name=$(basename "$0")
dir="$STANDIN_REC/$name"
mkdir -p "$dir"
i=0
for a in "$@"; do
  printf '%s' "$a" > "$dir/arg$i"
  i=$((i+1))
done
for a in "$@"; do
  case "$a" in
    *"Your instructions are in "*)
      f=${a#*Your instructions are in }
      f=${f%%: read*}
      wc -c < "$f" > "$dir/prompt_size"
      tail -n1 "$f" > "$dir/prompt_tail"
      ;;
  esac
done
echo "stand-in $name ran with $# args"
"#;

/// A profile whose workers find the stand-ins first on PATH (their dir is
/// in front of looop's own PATH, which a worker keeps after its login
/// profile, CONTRACT §8); the temp HOME's login profile sets where they
/// record.
fn with_stand_ins() -> (Profile, std::path::PathBuf) {
    let env = Profile::fake_ai("");
    let rec = env.tmp.path().join("rec");
    std::fs::create_dir_all(&rec).unwrap();
    for name in ["claude", "codex", "pi", "opencode"] {
        env.stand_in(name, STAND_IN);
    }
    std::fs::write(
        env.tmp.path().join(".bash_profile"),
        format!("export STANDIN_REC='{}'\n", rec.display()),
    )
    .unwrap();
    (env, rec)
}

/// `looop args` with `input` on its stdin; its output once it ended.
fn with_stdin(env: &Profile, args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = env
        .cmd(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_200_kib_prompt_reaches_every_preset_through_a_pointer() {
    let (env, rec) = with_stand_ins();
    let prompt = big_prompt();
    for name in ["claude", "codex", "pi", "opencode"] {
        let id = format!("big-{name}");
        let out = with_stdin(&env, &["start-session", &id, "-", name], &prompt);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", show(&out));
        let row = env.wait_row(&id, "the stand-in's end", |r| r.state == "exited");
        assert_eq!(row.exit_code, Some(0), "{name}: {}", env.log(&id));
        let dir = rec.join(name);
        let args: Vec<String> = (0..)
            .map(|i| dir.join(format!("arg{i}")))
            .take_while(|p| p.exists())
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        assert!(!args.is_empty(), "{name} got no arguments");
        let longest = args.iter().map(String::len).max().unwrap();
        assert!(
            longest < 1024,
            "{name}: a {longest}-byte argument: {args:?}"
        );
        let size: usize = std::fs::read_to_string(dir.join("prompt_size"))
            .unwrap_or_else(|_| panic!("{name} found no pointer in {args:?}"))
            .trim()
            .parse()
            .unwrap();
        assert!(size >= prompt.len(), "{name}: the file holds {size} bytes");
        assert_eq!(
            std::fs::read_to_string(dir.join("prompt_tail"))
                .unwrap()
                .trim(),
            "END-OF-TASK",
            "{name}"
        );
    }
}

#[test]
fn a_command_line_over_the_limit_says_argument_list_too_long() {
    let env = Profile::fake_ai_with(
        "",
        "[runners.inline]\ntick = \"true\"\ninteractive = \"sh -c 'sleep 300' x \\\"$(cat {{prompt_file}})\\\"\"\n",
    );
    let out = with_stdin(
        &env,
        &["start-session", "inline", "-", "inline"],
        &big_prompt(),
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(!text(&out.stdout).contains("started"), "{}", show(&out));
    assert!(err.contains("argument list too long"), "{err}");
    assert!(!err.contains("not installed"), "{err}");
}
