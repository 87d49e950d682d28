//! What a live worker is doing (CONTRACT §9), end to end through the real
//! binary: a stand-in TUI drawn like claude (a runner named `claude`, so
//! its agent is claude) shows a permission dialog in the alternate screen,
//! waits for "1", works, then waits at its prompt: `ls` reads
//! `needs_input` → `busy` → `idle` in that order, the flag looop raised
//! for the dialog appears with its question and goes once the dialog is
//! gone. And claude's hooks: the settings file looop writes runs `looop
//! _hook`, whose payload tells the supervisor at once; garbage is noted in
//! supervisor.log and ignored.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use support::*;

/// Workers of runner `claude` run the shell code in `$LOOOP_T_CMD` with
/// the hooks file as `$1`.
const CLAUDE_STANDIN: &str = r#"
[runners.claude]
tick = "cat"
interactive = "bash -c \"$LOOOP_T_CMD\" claude {{hooks_file}} {{prompt_file}}"
"#;

/// claude-like screens (claude 2.1.197's shapes): a permission dialog in
/// the alternate screen; after "1", a busy footer repainted like a
/// spinner; then the idle input box.
const TUI: &str = r#"
rule=$(printf '─%.0s' $(seq 1 40))
printf '\033[?1049h\033[H\033[2J'
printf '%s\r\n Bash command\r\n   touch created.txt\r\n\r\n Do you want to proceed?\r\n ❯ 1. Yes\r\n   2. No\r\n\r\n Esc to cancel · Tab to amend · ctrl+e to explain\r\n' "$rule"
while IFS= read -rsn1 k; do [ "$k" = 1 ] && break; done
for i in $(seq 1 15); do
  printf '\033[H\033[2J✻ Working… (%ss)\r\n%s\r\n❯ \r\n%s\r\n  esc to interrupt · ← for agents\r\n' "$i" "$rule" "$rule"
  sleep 0.2
done
printf '\033[H\033[2J● Done.\r\n%s\r\n❯ \r\n%s\r\n  ? for shortcuts · ← for agents\r\n' "$rule" "$rule"
exec sleep 600
"#;

fn activity(p: &Profile, id: &str) -> Option<String> {
    row_json(p, id).and_then(|r| r["activity"].as_str().map(str::to_string))
}

fn wait_activity(p: &Profile, id: &str, want: &str) -> serde_json::Value {
    let mut last = None;
    wait_for(DEADLINE_SECS, &format!("{id} to read {want}"), || {
        last = activity(p, id);
        last.as_deref() == Some(want)
    });
    row_json(p, id).unwrap()
}

#[test]
fn a_dialog_flags_then_work_then_the_prompt() {
    let p = Profile::with_config_text(&format!("runner = \"claude\"\n{CLAUDE_STANDIN}"));
    let out = p
        .cmd(&["start-session", "tui", "do it"])
        .env("LOOOP_T_CMD", TUI)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));

    let row = wait_activity(&p, "tui", "needs_input");
    assert_eq!(row["flagged"], true, "{row}");
    assert_eq!(row["note"], "needs input: Do you want to proceed?", "{row}");
    assert!(row["activity_since"].is_string(), "{row}");
    let table = p.ok(&["ls"], 0);
    assert!(
        table.lines().next().unwrap().contains("ACTIVITY"),
        "{table}"
    );
    assert!(table.contains("needs_input"), "{table}");
    let status = p.ok(&["status"], 0);
    assert!(
        status.contains("needs input: Do you want to proceed?"),
        "{status}"
    );

    p.ok(&["send", "tui", "-n", "1"], 0);
    let row = wait_activity(&p, "tui", "busy");
    assert_eq!(
        row["flagged"], false,
        "the dialog's flag went with it: {row}"
    );
    wait_activity(&p, "tui", "idle");

    let seen: Vec<(String, String)> = p
        .events("activity")
        .iter()
        .map(|e| {
            assert_eq!(e["id"], "tui");
            (
                e["from"].as_str().unwrap().to_string(),
                e["to"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let to: Vec<&str> = seen.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(to, ["needs_input", "busy", "idle"], "{seen:?}");
    assert_eq!(seen[0].0, "unknown");
    assert_eq!(p.events("flagged").len(), 1);
    assert_eq!(p.events("unflagged").len(), 1);
}

/// Two dialogs in a row, as claude 2.1.197 shows them to a new user (the
/// permission question, then "Do you want to use this API key?"), then
/// its prompt.
const TWO_DIALOGS: &str = r#"
rule=$(printf '─%.0s' $(seq 1 40))
printf '\033[?1049h\033[H\033[2J'
printf '%s\r\n Bash command\r\n   touch created.txt\r\n\r\n Do you want to proceed?\r\n ❯ 1. Yes\r\n   2. No\r\n\r\n Esc to cancel · Tab to amend · ctrl+e to explain\r\n' "$rule"
while IFS= read -rsn1 k; do [ "$k" = 1 ] && break; done
printf '\033[H\033[2J%s\r\n  Detected a custom API key in your environment\r\n\r\n  Do you want to use this API key?\r\n\r\n    1. Yes\r\n  ❯ 2. No (recommended)\r\n\r\n  Enter to confirm · Esc to cancel\r\n' "$rule"
while IFS= read -rsn1 k; do [ "$k" = 1 ] && break; done
printf '\033[H\033[2J● Done.\r\n%s\r\n❯ \r\n%s\r\n  ? for shortcuts · ← for agents\r\n' "$rule" "$rule"
exec sleep 600
"#;

#[test]
fn a_second_dialog_replaces_the_flag_with_its_own_question() {
    let p = Profile::with_config_text(&format!("runner = \"claude\"\n{CLAUDE_STANDIN}"));
    let out = p
        .cmd(&["start-session", "two", "do it"])
        .env("LOOOP_T_CMD", TWO_DIALOGS)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let row = wait_activity(&p, "two", "needs_input");
    assert_eq!(row["note"], "needs input: Do you want to proceed?", "{row}");

    // Answered; the next dialog asks something else: the human must see
    // that question, not the old one.
    p.ok(&["send", "two", "-n", "1"], 0);
    let mut last = serde_json::Value::Null;
    wait_for(
        DEADLINE_SECS,
        "the flag to name the second question",
        || {
            last = row_json(&p, "two").unwrap();
            last["note"] == "needs input: Do you want to use this API key?"
        },
    );
    assert_eq!(last["activity"], "needs_input", "{last}");
    assert_eq!(last["flagged"], true, "{last}");
    assert_eq!(p.events("flagged").len(), 2);
    assert_eq!(p.events("unflagged").len(), 1);

    p.ok(&["send", "two", "-n", "1"], 0);
    let row = wait_activity(&p, "two", "idle");
    assert_eq!(row["flagged"], false, "{row}");
    let to: Vec<String> = p
        .events("activity")
        .iter()
        .map(|e| e["to"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(to, ["needs_input", "needs_input", "idle"], "{to:?}");
}

#[test]
fn a_flag_someone_else_raised_is_left_alone() {
    let p = Profile::with_config_text(&format!("runner = \"claude\"\n{CLAUDE_STANDIN}"));
    let out = p
        .cmd(&["start-session", "own", "do it"])
        .env("LOOOP_T_CMD", format!("sleep 1\n{TUI}"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    p.ok(&["flag", "own", "my own question"], 0);
    wait_activity(&p, "own", "needs_input");
    p.ok(&["send", "own", "-n", "1"], 0);
    let row = wait_activity(&p, "own", "busy");
    assert_eq!(row["note"], "my own question", "{row}");
    assert_eq!(row["flagged"], true, "{row}");
}

/// Runs the hook command line from the settings file looop wrote, as
/// claude would: `sh -c`, the worker's environment, the payload on stdin.
fn run_hook(p: &Profile, command: &str, payload: &[u8]) {
    let mut child = Command::new("sh")
        .args(["-c", command])
        .env("LOOOP_DATA_DIR", &p.data)
        .env("LOOOP_CONFIG", &p.config)
        .env("LOOOP_SESSION_ID", "looop-hooked")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(payload).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "a hook never fails: {}", show(&out));
    assert!(
        out.stdout.is_empty(),
        "a hook prints nothing: {}",
        show(&out)
    );
}

#[test]
fn claude_hooks_tell_the_supervisor_at_once() {
    let p = Profile::with_config_text(&format!("runner = \"claude\"\n{CLAUDE_STANDIN}"));
    // A worker whose screen says nothing: only the hooks can tell.
    let out = p
        .cmd(&["start-session", "hooked", "do it"])
        .env(
            "LOOOP_T_CMD",
            "test -s \"$1\" && echo hooks-file-there; exec sleep 600",
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    p.wait_log("hooked", "hooks-file-there");
    let settings: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.session_dir("hooked").join("hooks.json")).unwrap(),
    )
    .unwrap();
    let command = |event: &str, matcher: Option<&str>| -> String {
        let entries = settings["hooks"][event].as_array().unwrap();
        let e = entries
            .iter()
            .find(|e| matcher.is_none_or(|m| e["matcher"] == m))
            .unwrap();
        e["hooks"][0]["command"].as_str().unwrap().to_string()
    };
    let payload = |event: &str, extra: &str| {
        format!(
            r#"{{"session_id":"5555","transcript_path":"/t.jsonl","cwd":"/","hook_event_name":"{event}"{extra}}}"#
        )
    };
    assert_eq!(activity(&p, "hooked").as_deref(), Some("unknown"));

    run_hook(
        &p,
        &command("UserPromptSubmit", None),
        payload("UserPromptSubmit", r#","prompt":"go""#).as_bytes(),
    );
    wait_activity(&p, "hooked", "busy");
    run_hook(
        &p,
        &command("Notification", Some("permission_prompt")),
        payload(
            "Notification",
            r#","message":"Claude needs your permission","notification_type":"permission_prompt""#,
        )
        .as_bytes(),
    );
    let row = wait_activity(&p, "hooked", "needs_input");
    assert_eq!(
        row["note"], "needs input: Claude needs your permission",
        "{row}"
    );
    run_hook(&p, &command("Stop", None), payload("Stop", "").as_bytes());
    let row = wait_activity(&p, "hooked", "idle");
    assert_eq!(row["flagged"], false, "{row}");

    // Garbage: ignored, noted, nothing changes.
    run_hook(&p, &command("Stop", None), b"\x00\xffnot json at all");
    let log = p.session_dir("hooked").join("supervisor.log");
    wait_for(DEADLINE_SECS, "the note in supervisor.log", || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.contains("hook payload ignored"))
    });
    assert_eq!(activity(&p, "hooked").as_deref(), Some("idle"));
    assert!(p.row("hooked").unwrap().alive);
}

/// Done-when of issue 19: a worker left at claude's trust dialog is
/// flagged within one beat. The stand-in replays the bytes recorded from
/// claude 2.1 at its trust dialog (tests/fixtures/screens, 120x40, the
/// size a worker's terminal starts at) and then waits, as claude does; the
/// trust dialog fires no hook, so only the screen can tell. The very next
/// beat lists it under NEEDS YOU with the dialog's question.
#[test]
fn a_worker_left_at_claudes_trust_dialog_is_flagged_within_one_beat() {
    // A runner of another name whose `agent` key says claude: its screen
    // is read through claude's patterns all the same.
    let p = Profile::with_config_text(concat!(
        "runner = \"ticker\"\n",
        "[runners.ticker]\n",
        "tick = \"echo '{\\\"move\\\":\\\"noop\\\",\\\"journal\\\":\\\"watching\\\"}'\"\n",
        "interactive = \"sleep 600 # {{prompt_file}}\"\n",
        "[runners.helper]\n",
        "agent = \"claude\"\n",
        "tick = \"cat\"\n",
        "interactive = \"bash -c \\\"$LOOOP_T_CMD\\\" claude {{prompt_file}}\"\n",
    ));
    let raw = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/screens/claude-needs_input-trust.raw"
    );
    let out = p
        .cmd(&["start-session", "trusting", "do it", "helper"])
        .env("LOOOP_T_CMD", format!("cat '{raw}'; exec sleep 600"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    // The dialog is on the worker's screen...
    wait_for(DEADLINE_SECS, "the trust dialog on the screen", || {
        text(&p.run(&["log", "trusting", "--screen"]).stdout)
            .contains("Enter to confirm · Esc to cancel")
    });
    // ...and is read and flagged by the supervisor itself, before any beat.
    let row = wait_activity(&p, "trusting", "needs_input");
    assert_eq!(row["flagged"], true, "{row}");
    let note = row["note"].as_str().unwrap().to_string();
    assert!(
        note.starts_with("needs input: ") && note.contains("trust"),
        "{row}"
    );
    // The first beat after it says it to the human.
    let beat = p.ok(&["tick"], 0);
    assert!(beat.contains("NEEDS YOU"), "{beat}");
    assert!(
        beat.contains(&format!("trusting: {note}")) && beat.contains("looop attach trusting"),
        "{beat}"
    );
    let said = p.events("needs_you");
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(said[0]["id"], "trusting");
    assert_eq!(said[0]["note"], note.as_str());
}

/// A codex stand-in for the worker preset: it runs the program the `-c
/// notify=[…]` option names, as codex 0.171 does, with the payload as the
/// LAST argument (tests/fixtures/hooks/codex-0.171.0-notify-mock-api.jsonl),
/// from a worker that shows codex's busy line: first for codex's
/// title-generation turn (ignored), then garbage (noted), then, once
/// `<tmp>/go` exists, for the turn itself.
const CODEX_STANDIN: &str = r#"#!/bin/bash
for ((i = 1; i < $#; i++)); do
  j=$((i + 1))
  [ "${!i}" = -c ] && case ${!j} in notify=*) spec=${!j} ;; esac
done
spec=${spec#notify=[}
spec=${spec%]}
IFS=',' read -ra prog <<< "$spec"
for k in "${!prog[@]}"; do w=${prog[$k]}; w=${w#\"}; prog[$k]=${w%\"}; done
printf '\033[2J\033[H• Working (3s • esc to interrupt)\r\n'
"${prog[@]}" '{"type":"agent-turn-complete","thread-id":"t2","turn-id":"u2","cwd":"/","client":"codex-tui","input-messages":["Generate a concise, single-line task title of at most 36 characters"],"last-assistant-message":"Say hi"}'
"${prog[@]}" 'garbage, not json'
while [ ! -e "$GO" ]; do sleep 0.1; done
"${prog[@]}" '{"type":"agent-turn-complete","thread-id":"t1","turn-id":"u1","cwd":"/","client":"codex-tui","input-messages":["say hi"],"last-assistant-message":"Done."}'
exec sleep 600
"#;

#[test]
fn codex_notify_tells_the_supervisor_a_turn_ended() {
    use std::os::unix::fs::PermissionsExt;
    let p = Profile::with_config_text("runner = \"codex\"\n");
    let bin = p.tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("codex"), CODEX_STANDIN).unwrap();
    std::fs::set_permissions(bin.join("codex"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let go = p.tmp.path().join("go");
    let out = p
        .cmd(&["start-session", "cx", "do it"])
        .env("GO", &go)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    wait_activity(&p, "cx", "busy");
    // The title turn's payload came before the garbage: both are handled
    // once the garbage is noted, and neither changed anything.
    let log = p.session_dir("cx").join("supervisor.log");
    wait_for(DEADLINE_SECS, "the garbage noted in supervisor.log", || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.contains("hook payload ignored"))
    });
    assert_eq!(activity(&p, "cx").as_deref(), Some("busy"));

    std::fs::write(&go, "").unwrap();
    wait_activity(&p, "cx", "idle");
    let to: Vec<String> = p
        .events("activity")
        .iter()
        .map(|e| e["to"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(to, ["busy", "idle"]);
    assert!(p.row("cx").unwrap().alive);
}
