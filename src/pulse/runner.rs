//! Running the tick AI: the runner's `tick` command under `bash -lc` in the
//! data dir, prompt on stdin (or `{{prompt_file}}` replaced by the quoted
//! path), in its own process group so a timeout or a signal ends the whole
//! tree. Output streams live to the terminal with a gutter and is teed to
//! `runs/<run-id>/output.log`; stdout lines also feed the [`StreamReader`]
//! that finds the final answer and the spend.
//!
//! Transient failures (a configured substring in the output, any case) are
//! retried with doubling backoff; anything else fails the beat with a reason.

use super::signals;
use crate::agents::stream::StreamReader;
use crate::config::{Config, PROMPT_FILE};
use crate::ledger::Spend;
use anyhow::{Context, Result};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What one call (with its retries) produced.
pub struct Called {
    /// The final answer text when the runner succeeded, else the reason.
    pub answer: std::result::Result<String, String>,
    /// Spend reported by each attempt (recorded even when it failed).
    pub spends: Vec<Spend>,
}

pub struct Request<'a> {
    pub profile: &'a crate::paths::Profile,
    pub config: &'a Config,
    pub tick: &'a str,
    pub cwd: &'a Path,
    pub env: &'a [(String, OsString)],
    pub prompt: &'a str,
    pub prompt_path: &'a Path,
    pub log_path: &'a Path,
}

/// How much output is kept in memory to look for transient markers.
const SCAN_CAP: usize = 256 * 1024;
/// How long a killed runner's pipes may stay open (an escaped grandchild).
const DRAIN_GRACE: Duration = Duration::from_secs(2);

pub fn call(req: &Request) -> Result<Called> {
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(req.log_path)
        .with_context(|| format!("cannot create {}", req.log_path.display()))?;
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
                });
            }
            Err(reason) => reason,
        };
        match marker {
            Some(m) if attempt < retry.attempts && !one.stopped => {
                let wait =
                    Duration::from_secs(retry.backoff_secs.saturating_mul(1 << attempt.min(16)));
                println!(
                    "transient failure ({reason}; matched {m:?}); retry {} of {} in {}s",
                    attempt + 1,
                    retry.attempts,
                    wait.as_secs()
                );
                if signals::sleep_or_stop(wait) {
                    return Ok(Called {
                        answer: Err(format!("{reason} (interrupted before retrying)")),
                        spends,
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
                });
            }
            None => {
                return Ok(Called {
                    answer: Err(reason),
                    spends,
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
}

impl Once {
    fn transient_marker(&self, markers: &[String]) -> Option<String> {
        markers
            .iter()
            .find(|m| !m.is_empty() && self.scan.contains(&m.to_lowercase()))
            .cloned()
    }
}

enum Msg {
    Out(String),
    Err(String),
    Closed,
}

fn run_once(req: &Request, log: &mut std::fs::File) -> Result<Once> {
    let uses_file = req.tick.contains(PROMPT_FILE);
    let command = if uses_file {
        req.tick.replace(
            PROMPT_FILE,
            &crate::shell::quote(&req.prompt_path.to_string_lossy()),
        )
    } else {
        req.tick.to_string()
    };
    let mut child = match Command::new("bash")
        .arg("-lc")
        .arg(&command)
        .current_dir(req.cwd)
        .envs(req.env.iter().map(|(k, v)| (k, v)))
        .stdin(if uses_file {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            return Ok(Once {
                result: Err(format!("cannot start the runner (bash): {e}")),
                spend: None,
                scan: String::new(),
                stopped: false,
            });
        }
    };
    let pid = child.id() as i32;
    super::orphans::record(req.profile, &[child.id()]);
    if let Some(mut stdin) = child.stdin.take() {
        let prompt = req.prompt.to_string();
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
    let (tx, rx) = mpsc::channel::<Msg>();
    let out = child.stdout.take().expect("piped");
    let err = child.stderr.take().expect("piped");
    for (is_err, stream) in [
        (false, Box::new(out) as Box<dyn std::io::Read + Send>),
        (true, Box::new(err)),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match reader.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let line = String::from_utf8_lossy(&buf)
                            .trim_end_matches(['\n', '\r'])
                            .to_string();
                        let msg = if is_err {
                            Msg::Err(line)
                        } else {
                            Msg::Out(line)
                        };
                        if tx.send(msg).is_err() {
                            break;
                        }
                    }
                }
            }
            // The receiver may be gone after a drain timeout.
            let _ = tx.send(Msg::Closed);
        });
    }
    drop(tx);

    let timeout = Duration::from_secs(req.config.tick_timeout_secs);
    let deadline = Instant::now() + timeout;
    let mut reader = StreamReader::new();
    let mut scan = String::new();
    let mut last_err_line = String::new();
    let mut open = 2;
    let (mut timed_out, mut stopped) = (false, false);
    let mut drain_until: Option<Instant> = None;
    let mut termed_at: Option<Instant> = None;
    let stdout = std::io::stdout();
    while open > 0 {
        let now = Instant::now();
        if drain_until.is_none() {
            if signals::stop_requested() {
                stopped = true;
            } else if now >= deadline {
                timed_out = true;
            }
            if stopped || timed_out {
                termed_at = Some(super::group::end(pid));
                drain_until = Some(now + DRAIN_GRACE);
            }
        }
        let limit = drain_until.unwrap_or(deadline);
        if drain_until.is_some() && now >= limit {
            super::group::kill(pid);
            break;
        }
        // Wake at least every 100 ms to notice a signal.
        let wait = limit
            .saturating_duration_since(now)
            .min(Duration::from_millis(100));
        match rx.recv_timeout(wait) {
            Ok(Msg::Closed) => open -= 1,
            Ok(Msg::Out(line)) => {
                echo(&stdout, log, &line);
                reader.feed_line(&line);
                keep(&mut scan, &line);
            }
            Ok(Msg::Err(line)) => {
                echo(&stdout, log, &line);
                keep(&mut scan, &line);
                if !line.trim().is_empty() {
                    last_err_line = line;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    if !(timed_out || stopped) {
        // The pipes closed; a child that outlives its output still gets the
        // deadline.
        loop {
            match child.try_wait() {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) if Instant::now() >= deadline => {
                    timed_out = true;
                    termed_at = Some(super::group::end(pid));
                    break;
                }
                Ok(None) if signals::stop_requested() => {
                    stopped = true;
                    termed_at = Some(super::group::end(pid));
                    break;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            }
        }
    }
    if let Some(at) = termed_at {
        super::group::finish(pid, at);
    }
    let status = child.wait().context("cannot wait for the runner")?;
    let spend = reader.spend();
    let result = if stopped {
        Err("interrupted by a signal (runner killed with its process group)".to_string())
    } else if timed_out {
        Err(format!(
            "runner timed out after {}s (tick_timeout; killed with its process group)",
            timeout.as_secs()
        ))
    } else {
        match (status.code(), status.signal()) {
            (Some(0), _) => match reader.error() {
                Some(why) => Err(format!("the runner reported a failure: {why}")),
                None => Ok(reader.final_text()),
            },
            (Some(127), _) => Err(format!(
                "runner not found (exit 127): {}",
                if last_err_line.is_empty() {
                    command.clone()
                } else {
                    last_err_line.clone()
                }
            )),
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
        spend,
        scan,
        stopped,
    })
}

fn echo(stdout: &std::io::Stdout, log: &mut std::fs::File, line: &str) {
    let mut out = stdout.lock();
    // The terminal may be gone (cron, a closed pipe): the log still gets it.
    let _ = writeln!(out, "{}{line}", crate::color::dim("│ "));
    let _ = out.flush();
    if let Err(e) = writeln!(log, "{line}") {
        eprintln!("looop: warning: cannot write the runner log: {e}");
    }
}

fn keep(scan: &mut String, line: &str) {
    if scan.len() < SCAN_CAP {
        scan.push_str(&line.to_lowercase());
        scan.push('\n');
    }
}
