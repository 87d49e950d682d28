//! Running the tick AI: the runner's `tick` command under `bash -lc` in the
//! data dir, prompt on stdin (or `{{prompt_file}}` replaced by the quoted
//! path), in its own process group so a timeout or a signal ends the whole
//! tree. Output streams live to the terminal with a gutter and is teed to
//! `runs/<run-id>/output.log`; stdout lines also feed the [`StreamReader`]
//! that finds the final answer and the spend.
//!
//! Transient failures (a configured substring in the output, any case) are
//! retried with doubling backoff; anything else fails the beat with a reason.
//! A usage-limit stop in the output (as the runner's agent words it, see
//! `agents`) is never retried: the call ends with the limit, and the beat
//! pauses the runner instead of failing.

use super::caps;
use crate::agents::Agent;
use crate::agents::reset_time::LimitHit;
use crate::agents::stream::StreamReader;
use crate::config::{Config, PROMPT_FILE};
use crate::ledger::Spend;
use crate::login;
use crate::proc::{self, Cut, Limits, Pipe, signals};
use anyhow::{Context, Result};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What one call (with its retries) produced.
pub struct Called {
    /// The final answer text when the runner succeeded, else the reason.
    pub answer: std::result::Result<String, String>,
    /// Spend reported by each attempt (recorded even when it failed).
    pub spends: Vec<Spend>,
    /// The usage-limit stop the output showed, if any.
    pub limit: Option<LimitHit>,
}

pub struct Request<'a> {
    pub profile: &'a crate::paths::Profile,
    pub config: &'a Config,
    pub tick: &'a str,
    /// Whose usage-limit texts to look for.
    pub agent: Agent,
    pub cwd: &'a Path,
    pub env: &'a [(String, OsString)],
    pub prompt: &'a str,
    pub prompt_path: &'a Path,
    pub log_path: &'a Path,
}

/// How much output is kept in memory to look for transient markers.
const SCAN_CAP: usize = 256 * 1024;

pub fn call(req: &Request) -> Result<Called> {
    let mut log = crate::store::open_private_append(req.log_path)?;
    let mut spends = Vec::new();
    let retry = &req.config.retry;
    let mut attempt = 0u32;
    loop {
        if attempt > 0 {
            writeln!(log, "--- attempt {} ---", attempt + 1)
                .with_context(|| format!("cannot write {}", req.log_path.display()))?;
        }
        let one = run_once(req, &mut log)?;
        if let Some(s) = one.spend.clone() {
            spends.push(s);
        }
        let marker = one.transient_marker(&retry.transient);
        let reason = match one.result {
            Ok(text) => {
                return Ok(Called {
                    answer: Ok(text),
                    spends,
                    limit: one.limit,
                });
            }
            Err(reason) if one.limit.is_some() => {
                return Ok(Called {
                    answer: Err(reason),
                    spends,
                    limit: one.limit,
                });
            }
            Err(reason) => reason,
        };
        match marker {
            Some(m) if attempt < retry.attempts && !one.stopped => {
                let wait =
                    Duration::from_secs(retry.backoff_secs.saturating_mul(1 << attempt.min(16)));
                println!(
                    "transient failure ({}; matched {m:?}); retry {} of {} in {}s",
                    crate::text::visible::one_line(&reason),
                    attempt + 1,
                    retry.attempts,
                    wait.as_secs()
                );
                if signals::sleep_or_stop(wait) {
                    return Ok(Called {
                        answer: Err(format!("{reason} (interrupted before retrying)")),
                        spends,
                        limit: None,
                    });
                }
                attempt += 1;
            }
            Some(_) => {
                let tries = attempt + 1;
                return Ok(Called {
                    answer: Err(format!(
                        "{reason} (transient; gave up after {tries} attempts)"
                    )),
                    spends,
                    limit: None,
                });
            }
            None => {
                return Ok(Called {
                    answer: Err(reason),
                    spends,
                    limit: None,
                });
            }
        }
    }
}

struct Once {
    result: std::result::Result<String, String>,
    spend: Option<Spend>,
    /// Lower-cased output, for transient markers.
    scan: String,
    stopped: bool,
    limit: Option<LimitHit>,
}

impl Once {
    fn transient_marker(&self, markers: &[String]) -> Option<String> {
        markers
            .iter()
            .find(|m| !m.is_empty() && self.scan.contains(&m.to_lowercase()))
            .cloned()
    }
}

/// Pipe indexes for [`proc::run`].
const STDOUT: usize = 0;
const STDERR: usize = 1;

/// One attempt, as a list of steps: build the command line, start it, feed
/// it the prompt, watch it (its output echoed line by line), judge the end.
fn run_once(req: &Request, log: &mut std::fs::File) -> Result<Once> {
    let (command, uses_file) = command_line(req);
    let mut child = match start(req, &command, uses_file) {
        Ok(c) => c,
        Err(e) => {
            return Ok(Once {
                result: Err(format!("cannot start the runner (bash): {e}")),
                spend: None,
                scan: String::new(),
                stopped: false,
                limit: None,
            });
        }
    };
    super::orphans::record(req.profile, &[child.id()]);
    feed_prompt(&mut child, req.prompt);
    let mut seen = Seen::new(log, req.agent);
    let timeout = Duration::from_secs(req.config.tick_timeout_secs);
    let ended = watch(&mut child, Instant::now() + timeout, &mut seen);
    judge(ended, seen, &command, timeout)
}

/// The `tick` command with its placeholders filled (quoted): the prompt
/// file, a fresh agent session id per call, `agent-session.jsonl` in the
/// run's directory, and the data dir as the cwd; true when it reads the
/// prompt from the prompt file rather than stdin.
fn command_line(req: &Request) -> (String, bool) {
    let session_id = crate::ids::uuid_v4();
    let session_file = req.prompt_path.with_file_name("agent-session.jsonl");
    let values = crate::config::Values {
        prompt_file: Some(req.prompt_path),
        session_id: Some(&session_id),
        session_file: Some(&session_file),
        cwd: Some(req.cwd),
    };
    let command = crate::config::fill(req.tick, &values);
    (command, req.tick.contains(PROMPT_FILE))
}

fn start(req: &Request, command: &str, uses_file: bool) -> std::io::Result<Child> {
    let mut cmd = Command::new("bash");
    cmd.args(login::bash_args(command))
        .stdin(if uses_file {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match login::path_value() {
        Some(path) => cmd.env(login::PATH_VAR, path),
        None => cmd.env_remove(login::PATH_VAR),
    };
    proc::spawn(&mut cmd, Some(req.cwd), req.env)
}

/// Write the prompt to the runner's stdin (when piped) from a thread, so a
/// runner that reads it late cannot block the watch.
fn feed_prompt(child: &mut Child, prompt: &str) {
    let Some(mut stdin) = child.stdin.take() else {
        return;
    };
    let prompt = prompt.to_string();
    std::thread::spawn(move || {
        // A runner that never reads its stdin closes the pipe. Block
        // SIGPIPE in this thread only (main restores its default, which
        // would kill looop), so the write just fails with EPIPE; the
        // signal left pending on this thread dies with it.
        let mut pipe = SigSet::empty();
        pipe.add(Signal::SIGPIPE);
        if pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&pipe), None).is_ok() {
            // EPIPE is the runner's choice not to read the prompt.
            let _ = stdin.write_all(prompt.as_bytes());
        }
    });
}

/// Read stdout and stderr into `seen` until the runner ends, holding it to
/// the deadline and to SIGINT/SIGTERM (its group is ended on either).
fn watch(child: &mut Child, deadline: Instant, seen: &mut Seen) -> proc::Ended {
    let pipes = Pipe::out_and_err(child);
    let limits = Limits::until(deadline);
    proc::run(
        std::slice::from_mut(child),
        pipes,
        &limits,
        |pipe, bytes| seen.chunk(pipe, bytes),
    )
    .pop()
    .expect("one result per child")
}

/// The attempt's result from how the runner ended and what it printed.
fn judge(ended: proc::Ended, seen: Seen, command: &str, timeout: Duration) -> Result<Once> {
    let status = ended.status.context("cannot wait for the runner")?;
    let reader = &seen.reader;
    let last_err_line = seen.last_err_line;
    let limit = seen.limit;
    let stopped = ended.cut == Some(Cut::Stopped);
    let result = if stopped {
        Err("interrupted by a signal (runner killed with its process group)".to_string())
    } else if ended.cut.is_some() {
        Err(format!(
            "runner timed out after {}s (tick_timeout; killed with its process group)",
            timeout.as_secs()
        ))
    } else {
        match (status.code(), status.signal()) {
            (Some(0), _) => match reader.error() {
                Some(why) => Err(format!("the runner reported a failure: {why}")),
                None => answer(reader, seen.dropped_line, seen.stdout_bytes),
            },
            (Some(127), _) => Err(not_found(command, &last_err_line)),
            (Some(code), _) => Err(if last_err_line.is_empty() {
                format!("runner exited with status {code}")
            } else {
                format!("runner exited with status {code}: {last_err_line}")
            }),
            (None, Some(sig)) => Err(format!("runner killed by signal {sig}")),
            _ => Err("runner failed".to_string()),
        }
    };
    Ok(Once {
        result,
        spend: reader.spend(),
        scan: seen.scan,
        stopped,
        limit,
    })
}

/// The final answer, unless it did not fit: when stdout was cut (a line
/// past [`caps::LINE_BYTES`], or more plain text than the newest 1 MiB
/// kept) and what is left holds no move, the beat says "answer too large"
/// rather than "no move" (CONTRACT §12, "Sizes").
fn answer(
    reader: &StreamReader,
    dropped_line: bool,
    stdout_bytes: u64,
) -> std::result::Result<String, String> {
    let text = reader.final_text();
    let cut = dropped_line || reader.truncated();
    if cut && !reader.has_cli_answer() && super::moves::parse(&text).is_err() {
        return Err(format!(
            "answer too large: the runner printed {stdout_bytes} bytes on stdout and \
             looop reads at most the last 1 MiB of a plain-text answer, and no line \
             over {} (see the caps in docs/safety.md)",
            caps::human(caps::LINE_BYTES)
        ));
    }
    Ok(text)
}

/// Exit 127: what was not found, and the PATH it was looked for in (the
/// login shell's not-found message names it; `exec` of a missing program
/// does not, so looop's own PATH, which the shell used, is added).
fn not_found(command: &str, last_err_line: &str) -> String {
    let what = if last_err_line.is_empty() {
        command
    } else {
        last_err_line
    };
    if what.contains("PATH searched") {
        return format!("runner not found (exit 127): {what}");
    }
    let path = login::path_value().map(|p| p.to_string_lossy().into_owned());
    format!(
        "runner not found (exit 127): {what}; PATH searched: {}",
        path.as_deref()
            .unwrap_or("(looop has no PATH; the login shell's)")
    )
}

/// What the runner's output said so far: each line is echoed, logged and
/// read (stdout by the [`StreamReader`]), and kept for transient markers.
struct Seen<'a> {
    log: &'a mut std::fs::File,
    stdout: std::io::Stdout,
    reader: StreamReader,
    /// Lower-cased output, for transient markers (up to [`SCAN_CAP`]).
    scan: String,
    last_err_line: String,
    /// Bytes of a line not yet ended, per pipe.
    partial: [Vec<u8>; 2],
    agent: Agent,
    /// The first usage-limit stop seen, or the first one with a reset time.
    limit: Option<LimitHit>,
    /// Per pipe: the line being read is past [`caps::LINE_BYTES`] and is
    /// being skipped up to its newline.
    skipping: [bool; 2],
    /// Whether a stdout line was skipped for its size.
    dropped_line: bool,
    /// Everything the runner printed on stdout.
    stdout_bytes: u64,
}

impl<'a> Seen<'a> {
    fn new(log: &'a mut std::fs::File, agent: Agent) -> Self {
        Seen {
            log,
            stdout: std::io::stdout(),
            reader: StreamReader::new(),
            scan: String::new(),
            last_err_line: String::new(),
            partial: [Vec::new(), Vec::new()],
            agent,
            limit: None,
            skipping: [false, false],
            dropped_line: false,
            stdout_bytes: 0,
        }
    }

    /// Bytes from `pipe`; an empty chunk means it closed. A line past
    /// [`caps::LINE_BYTES`] is dropped as it streams (memory stays bounded;
    /// `output.log` notes it).
    fn chunk(&mut self, pipe: usize, bytes: &[u8]) {
        if bytes.is_empty() {
            let rest = std::mem::take(&mut self.partial[pipe]);
            if !rest.is_empty() && !self.skipping[pipe] {
                self.line(pipe, &rest);
            }
            return;
        }
        if pipe == STDOUT {
            self.stdout_bytes += bytes.len() as u64;
        }
        let mut bytes = bytes;
        while !bytes.is_empty() {
            let end = bytes.iter().position(|&b| b == b'\n');
            let (head, rest) = match end {
                Some(i) => (&bytes[..=i], &bytes[i + 1..]),
                None => (bytes, &[][..]),
            };
            bytes = rest;
            if self.skipping[pipe] {
                // The rest of a dropped line: gone up to its newline.
                self.skipping[pipe] = end.is_none();
                continue;
            }
            if self.partial[pipe].len() + head.len() > caps::LINE_BYTES {
                self.drop_line(pipe);
                self.skipping[pipe] = end.is_none();
                continue;
            }
            self.partial[pipe].extend_from_slice(head);
            if end.is_some() {
                let raw = std::mem::take(&mut self.partial[pipe]);
                self.line(pipe, &raw);
            }
        }
    }

    fn drop_line(&mut self, pipe: usize) {
        self.partial[pipe] = Vec::new();
        if pipe == STDOUT {
            self.dropped_line = true;
        }
        let note = format!(
            "[looop: a line over {} was dropped here]",
            caps::human(caps::LINE_BYTES)
        );
        echo(&self.stdout, self.log, &note);
    }

    fn line(&mut self, pipe: usize, raw: &[u8]) {
        let text = String::from_utf8_lossy(raw);
        let line = text.trim_end_matches(['\n', '\r']);
        echo(&self.stdout, self.log, line);
        if self.scan.len() < SCAN_CAP {
            self.scan.push_str(&line.to_lowercase());
            self.scan.push('\n');
        }
        if self.limit.as_ref().is_none_or(|l| l.until.is_none())
            && let Some(hit) = self.agent.usage_limit(line, chrono::Utc::now())
            && (self.limit.is_none() || hit.until.is_some())
        {
            self.limit = Some(hit);
        }
        if pipe == STDOUT {
            self.reader.feed_line(line);
        } else if pipe == STDERR && !line.trim().is_empty() {
            self.last_err_line = line.to_string();
        }
    }
}

fn echo(stdout: &std::io::Stdout, log: &mut std::fs::File, line: &str) {
    let mut out = stdout.lock();
    // The terminal may be gone (cron, a closed pipe): the log still gets it.
    // The AI's output is untrusted: its controls are spelled out on the
    // terminal, kept raw in the log.
    let shown = crate::text::visible::one_line(line);
    let _ = writeln!(out, "{}{shown}", crate::color::dim("│ "));
    let _ = out.flush();
    if let Err(e) = writeln!(log, "{line}") {
        eprintln!("looop: warning: cannot write the runner log: {e}");
    }
}
