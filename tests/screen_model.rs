//! The supervisor's screen model (CONTRACT §9, last paragraph): `attach`
//! redraws the worker's current screen at the attaching terminal's size,
//! so a full-screen program looks the same under looop as when run
//! directly in a terminal, before and after a resize and a re-attach,
//! however much output came before. The terminal on both sides is a
//! private tmux server (its own socket in the temp dir); the program is a
//! stand-in TUI in bash (alternate screen, cursor moves, wide characters,
//! a redraw on SIGWINCH). Also `looop log --screen`, and bad input (a
//! flood of malformed escapes, a 1 MB line, absurd window sizes) that
//! never stalls or crashes the supervisor.

mod support;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::*;

/// A full-screen stand-in: 400 lines of scrolling output first, then the
/// alternate screen with a box, a dialog, wide characters and a footer on
/// the last row, redrawn at every resize (or when it finds the size
/// changed); `q` quits.
const TUI: &str = r#"
draw() {
  local IFS=$' \t\n' size rows cols
  size=$(stty size)
  rows=${size% *} cols=${size#* }
  printf '\033[?1049h\033[H\033[2J\033[1;33m┌ tui %sx%s ┐\033[0m' "$cols" "$rows"
  printf '\033[3;4HDo you want to proceed?\033[5;4H\033[7m❯ 1. Yes\033[0m\033[6;6H2. 日本語 no'
  printf '\033[%s;1Hfooter · %s cols' "$rows" "$cols"
  printf '\033[4;4H'
  drawn=$size
}
trap draw WINCH
for i in $(seq 1 400); do echo "earlier output line $i, long enough to wrap around a narrow terminal window"; done
draw
while true; do
  IFS= read -rsn1 -t 0.2 k
  [ "$k" = q ] && break
  # A SIGWINCH that lands while a draw runs is lost under load: a real
  # TUI notices the size anyway, so does this one.
  [ "$(stty size)" = "$drawn" ] || draw
done
printf '\033[?1049l'
"#;

/// A private tmux server, killed on drop.
struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    fn new(dir: &Path) -> Tmux {
        Tmux {
            socket: dir.join("tmux.sock"),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("-f")
            .arg("/dev/null")
            .args(args)
            .env_remove("TMUX")
            .output()
            .unwrap();
        assert!(out.status.success(), "tmux {args:?}\n{}", show(&out));
        out
    }

    /// A detached session `name` of `cols` x `rows` running `command`.
    fn open(&self, name: &str, cols: u16, rows: u16, command: &str) {
        let (c, r) = (cols.to_string(), rows.to_string());
        self.run(&["new-session", "-d", "-s", name, "-x", &c, "-y", &r, command]);
        self.run(&["set-option", "-t", name, "status", "off"]);
    }

    fn resize(&self, name: &str, cols: u16, rows: u16) {
        let (c, r) = (cols.to_string(), rows.to_string());
        self.run(&["resize-window", "-t", name, "-x", &c, "-y", &r]);
    }

    /// The pane's text as `capture-pane -p` prints it, trailing blank rows
    /// dropped.
    fn capture(&self, name: &str) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", name]);
        let text = text(&out.stdout);
        let rows: Vec<&str> = text.lines().map(str::trim_end).collect();
        let keep = rows
            .iter()
            .rposition(|r| !r.is_empty())
            .map_or(0, |n| n + 1);
        rows[..keep].join("\n")
    }

    fn has(&self, name: &str) -> bool {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["has-session", "-t", name])
            .output()
            .unwrap()
            .status
            .success()
    }

    fn keys(&self, name: &str, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", name];
        args.extend_from_slice(keys);
        self.run(&args);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

/// Waits until the attached pane shows what the direct pane shows, the
/// program having drawn for `cols` x `rows`.
fn same_screen(t: &Tmux, cols: u16, rows: u16) {
    let sign = format!("tui {cols}x{rows}");
    let mut last = (String::new(), String::new());
    let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_for(DEADLINE_SECS, &format!("both panes at {sign}"), || {
            last = (t.capture("direct"), t.capture("looop"));
            last.0.contains(&sign) && last.0 == last.1
        })
    }));
    assert!(
        ok.is_ok(),
        "at {cols}x{rows} the screens differ\n--- direct:\n{}\n--- under looop attach:\n{}",
        last.0,
        last.1
    );
}

/// One protocol frame: kind, big-endian u32 length, payload.
fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![kind];
    f.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// A connection to the worker's supervisor, past the version greeting.
fn control_socket(p: &Profile, id: &str) -> UnixStream {
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.session_dir(id).join("state.json")).unwrap(),
    )
    .unwrap();
    let mut sock = UnixStream::connect(state["socket"].as_str().unwrap()).unwrap();
    sock.write_all(&frame(1, b"looop-supervisor/1")).unwrap();
    let mut ok = [0u8; 5];
    sock.read_exact(&mut ok).unwrap();
    assert_eq!(ok[0], 64, "the supervisor greets back");
    sock
}

fn attach_line(p: &Profile, id: &str) -> String {
    format!(
        "env -u TMUX LOOOP_DATA_DIR='{}' LOOOP_CONFIG='{}' HOME='{}' NO_COLOR=1 '{}' attach {id}",
        p.data.display(),
        p.config.display(),
        p.tmp.path().display(),
        BIN
    )
}

#[test]
fn attach_and_reattach_show_the_screen_the_program_draws_at_any_size() {
    if !have("tmux") {
        eprintln!("tmux is not installed: nothing to compare with");
        return;
    }
    let p = Profile::shells("");
    let script = p.tmp.path().join("tui.sh");
    std::fs::write(&script, TUI).unwrap();
    let t = Tmux::new(p.tmp.path());
    let tui = format!("env -u TMUX bash '{}'", script.display());
    t.open("direct", 100, 30, &tui);
    p.start_cmd("tui", &format!("bash '{}'", script.display()));
    p.wait_log("tui", "earlier output line 400");

    t.open("looop", 100, 30, &attach_line(&p, "tui"));
    same_screen(&t, 100, 30);

    t.resize("direct", 72, 20);
    t.resize("looop", 72, 20);
    same_screen(&t, 72, 20);

    // Detach, then attach again from a terminal of another size.
    t.keys("looop", &["C-\\", "C-\\"]);
    wait_for(DEADLINE_SECS, "the detach to end that attach", || {
        !t.has("looop")
    });
    assert!(p.row("tui").unwrap().alive, "detaching leaves it running");
    t.resize("direct", 118, 37);
    t.open("looop", 118, 37, &attach_line(&p, "tui"));
    same_screen(&t, 118, 37);

    // `log --screen` prints the same text, escape-free.
    let screen = p.ok(&["log", "tui", "--screen"], 0);
    assert!(!screen.contains('\u{1b}'), "{screen:?}");
    assert_eq!(screen.trim_end(), t.capture("direct"));

    // The program leaves the alternate screen: the scrolled output is back.
    t.keys("looop", &["q"]);
    wait_for(DEADLINE_SECS, "the worker to end", || {
        p.row("tui").is_some_and(|r| !r.alive)
    });
    let last = p.ok(&["log", "tui", "--screen"], 0);
    assert!(last.contains("earlier output line 400"), "{last}");
    assert!(!last.contains("tui 118x37"), "{last}");
}

#[test]
fn bad_output_and_absurd_sizes_never_stall_the_supervisor() {
    let p = Profile::shells("");
    // Malformed and truncated escapes, a 1 MB line without a newline,
    // random bytes, then a marker; then the worker echoes what is typed.
    let junk = r#"
for i in $(seq 1 2000); do printf '\033[%s;%s;%sm\033[?%sh\033]0;%s\033P\033[99999;99999H\033[' $i $i $i $i $i; done
head -c 1048576 /dev/zero | tr '\0' x
head -c 200000 /dev/urandom
printf '\033c\nsurvived-%s\n' $((6*7))
exec cat
"#;
    p.start_cmd("junk", junk);
    wait_for(DEADLINE_SECS, "the marker on the screen", || {
        p.run(&["log", "junk", "--screen"])
            .stdout
            .windows(11)
            .any(|w| w == b"survived-42")
    });
    assert!(p.row("junk").unwrap().alive);

    // Sizes from 1x1 to 10000x10000 (clamped), asked over the control
    // socket as an attacher's window would (a tmux window that large
    // would mostly measure tmux).
    let mut sock = control_socket(&p, "junk");
    for (c, r) in [(1, 1), (10000, 10000), (0, 5), (2, 1), (65535, 3), (80, 24)] {
        let mut payload = Vec::new();
        payload.extend_from_slice(&u16::to_be_bytes(c));
        payload.extend_from_slice(&u16::to_be_bytes(r));
        sock.write_all(&frame(4, &payload)).unwrap();
    }
    sock.flush().unwrap();
    // New output shows, whole once the last resize is through (a line
    // typed while the window was 2 columns wide stays cut, as in a
    // terminal).
    let mut n = 0;
    wait_for(DEADLINE_SECS, "a typed line whole on the screen", || {
        n += 1;
        p.ok(&["send", "junk", &format!("still-{n}-here")], 0);
        let screen = text(&p.run(&["log", "junk", "--screen"]).stdout);
        screen.lines().any(|l| l == format!("still-{n}-here"))
    });
    assert!(p.row("junk").unwrap().alive, "the supervisor lives on");
}
