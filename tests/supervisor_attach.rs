//! `looop attach` through a real pseudo-terminal opened by the test: keys
//! and echo, window size following the terminal, the detach chord, replay
//! on re-attach, two attachers at once, the worker's exit status, and the
//! refusal without a terminal.

mod support;

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;

/// `looop attach` running in a PTY the test controls.
struct Term {
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    screen: Arc<Mutex<Vec<u8>>>,
}

impl Term {
    fn attach(p: &Profile, id: &str) -> Term {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_looop"));
        cmd.args(["attach", id]);
        cmd.env("LOOOP_DATA_DIR", &p.data);
        cmd.env("LOOOP_CONFIG", &p.config);
        cmd.env("HOME", p.tmp.path());
        cmd.env("NO_COLOR", "1");
        cmd.cwd(p.tmp.path());
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let screen = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().unwrap();
        Term {
            master: pair.master,
            writer,
            child,
            screen,
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned()
    }

    /// How much has been shown so far, to wait for something newer.
    fn mark(&self) -> usize {
        self.screen.lock().unwrap().len()
    }

    fn wait_after(&self, mark: usize, needle: &str) {
        wait_for(
            DEADLINE_SECS,
            &format!("{needle:?} on the attached terminal"),
            || {
                let s = self.screen.lock().unwrap();
                String::from_utf8_lossy(&s[mark.min(s.len())..]).contains(needle)
            },
        );
    }

    fn wait(&self, needle: &str) {
        self.wait_after(0, needle);
    }

    fn keys(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    fn exit_code(&mut self) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.exit_code();
            }
            assert!(
                start.elapsed() < DEADLINE,
                "attach did not exit; screen:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        // Already exited in a passing test; a failing one must not leak it.
        let _ = self.child.kill();
    }
}

#[test]
fn type_resize_detach_reattach_and_exit_status() {
    let p = Profile::shells("");
    p.start_bash("a1");
    let mut t = Term::attach(&p, "a1");
    t.keys(b"echo typed-$((3*3))\r");
    t.wait("typed-9");
    let m = t.mark();
    t.keys(b"stty size\r");
    t.wait_after(m, "24 80");
    t.master
        .resize(PtySize {
            rows: 33,
            cols: 101,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    // The resize reaches the worker asynchronously (SIGWINCH, then a frame):
    // ask again until the new size shows.
    let mut m = t.mark();
    wait_for(DEADLINE_SECS, "the worker to see 33 101", || {
        let s = t.screen.lock().unwrap();
        if String::from_utf8_lossy(&s[m..]).contains("33 101") {
            return true;
        }
        drop(s);
        m = t.mark();
        t.keys(b"stty size\r");
        std::thread::sleep(Duration::from_millis(50));
        false
    });
    t.keys(&[0x1c, 0x1c]);
    assert_eq!(t.exit_code(), 0, "detach exits 0; screen:\n{}", t.text());
    t.wait("detached");
    let row = p.row("a1").unwrap();
    assert!(row.alive, "detaching leaves the worker running");

    // Re-attach: the recent screen is replayed.
    let mut t2 = Term::attach(&p, "a1");
    t2.wait("typed-9");
    t2.keys(b"exit 7\r");
    assert_eq!(
        t2.exit_code(),
        7,
        "attach exits with the worker's status; screen:\n{}",
        t2.text()
    );
    let row = p.wait_row("a1", "exited", |r| r.state == "exited");
    assert_eq!(row.exit_code, Some(7));
}

#[test]
fn two_attachers_see_the_same_terminal() {
    let p = Profile::shells("");
    p.start_bash("shared");
    let mut one = Term::attach(&p, "shared");
    let mut two = Term::attach(&p, "shared");
    // Both are attached once each sees its own replayed prompt.
    one.wait("bash");
    two.wait("bash");
    p.ok(&["send", "shared", "echo from-send-$((5+5))"], 0);
    one.wait("from-send-10");
    two.wait("from-send-10");
    one.keys(b"echo from-one-$((6+6))\r");
    two.wait("from-one-12");
    // A lone Ctrl-\ followed by another key is not a detach.
    two.keys(&[0x1c]);
    two.keys(b"echo still-$((7+7))\r");
    one.wait("still-14");
    one.keys(&[0x1c, 0x1c]);
    two.keys(&[0x1c, 0x1c]);
    assert_eq!(one.exit_code(), 0);
    assert_eq!(two.exit_code(), 0);
    assert!(p.row("shared").unwrap().alive);
}

#[test]
fn attach_without_a_terminal_points_at_log() {
    let p = Profile::shells("");
    p.start_bash("nt");
    let out = p.run(&["attach", "nt"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("looop log nt"),
        "{}",
        show(&out)
    );
    assert_eq!(p.run(&["attach", "missing"]).status.code(), Some(1));
}

#[test]
fn attach_to_a_finished_session_is_refused() {
    let p = Profile::shells("");
    p.start_cmd("gone", "exit 2");
    p.wait_row("gone", "exit", |r| r.state == "exited");
    let mut t = Term::attach(&p, "gone");
    assert_eq!(t.exit_code(), 1);
    t.wait("looop log gone");
}

#[test]
fn sigterm_ends_attach_and_restores_the_terminal() {
    // portable-pty hands out its own nix version's termios: compare bits.
    use nix::libc::{ECHO, ICANON};
    let p = Profile::shells("");
    p.start_bash("term");
    let mut t = Term::attach(&p, "term");
    t.wait("bash");
    let raw = t.master.get_termios().unwrap();
    assert_eq!(
        raw.local_flags.bits() & ICANON,
        0,
        "attach puts the terminal in raw mode"
    );
    let pid = t.child.process_id().unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert_ne!(t.exit_code(), 0);
    let restored = t.master.get_termios().unwrap();
    assert_eq!(
        restored.local_flags.bits() & (ICANON | ECHO),
        ICANON | ECHO,
        "terminal restored"
    );
    assert!(
        p.row("term").unwrap().alive,
        "the worker survives its attacher's end"
    );
}
