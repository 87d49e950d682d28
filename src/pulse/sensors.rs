//! Sense: run every executable in `sensors/` at once, each in its own
//! process group with the data dir as cwd and the LOOOP_* environment, under
//! the timeout and the byte cap. [`proc::run`] reads all their outputs in one
//! poll loop and at the deadline ends the whole group of every sensor still
//! running, grandchildren too.
//!
//! Every failure becomes a small `{"error": ...}` reading the AI sees; its
//! `signal` is only the stable error text, so a sensor failing the same way
//! with different stderr does not wake the AI every beat.

use super::state::write_scratch;
use crate::config::Config;
use crate::paths::Profile;
use crate::proc::{self, Cut, Ended, Limits, Pipe};
use anyhow::{Context, Result};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// This beat's readings.
#[derive(Debug, Default)]
pub struct Sensed {
    /// reading name -> reading (what `snapshots/<name>.json` holds).
    pub readings: BTreeMap<String, Value>,
    /// Files in `sensors/` that were not run, with why.
    pub skipped: Vec<String>,
}

/// One sensor to run this beat.
struct Sensor {
    name: String,
    path: PathBuf,
}

/// Run the sensors and write `snapshots/<name>.json` for each.
pub fn sense(profile: &Profile, config: &Config, env: &[(String, OsString)]) -> Result<Sensed> {
    let mut sensed = Sensed::default();
    let snapshots = profile.snapshots_dir();
    let (due, reused) = discover(profile, &mut sensed.skipped)?;
    for (name, reading) in reused {
        sensed.readings.insert(name, reading);
    }
    let timeout = Duration::from_secs(config.sensors.timeout_secs);
    let max_bytes = config.sensors.max_bytes;
    let mut results: Vec<Option<Value>> = vec![None; due.len()];
    // Started sensors: their children, stdout pipes and indexes into `due`.
    let (mut children, mut pipes, mut started) = (Vec::new(), Vec::new(), Vec::new());
    for (index, sensor) in due.iter().enumerate() {
        match spawn(sensor, profile, &snapshots, env) {
            Ok(mut child) => {
                let stdout = child.stdout.take().expect("stdout is piped");
                pipes.push(Pipe {
                    child: children.len(),
                    fd: OwnedFd::from(stdout),
                });
                children.push(child);
                started.push(index);
            }
            Err(e) => results[index] = Some(error_reading(&format!("cannot start: {e:#}"), None)),
        }
    }
    let groups: Vec<u32> = children.iter().map(|c| c.id()).collect();
    super::orphans::record(profile, &groups);
    let mut outputs = vec![Vec::new(); children.len()];
    let limits = Limits::until(Instant::now() + timeout).cap(max_bytes);
    let ended = proc::run(&mut children, pipes, &limits, |pipe, bytes| {
        outputs[pipe].extend_from_slice(bytes)
    });
    for ((ended, output), index) in ended.into_iter().zip(outputs).zip(started) {
        let err_path = err_file(&snapshots, &due[index].name);
        results[index] = Some(interpret(ended, &output, timeout, max_bytes, &err_path));
    }
    for (i, sensor) in due.iter().enumerate() {
        let reading = results[i]
            .take()
            .unwrap_or_else(|| timed_out_reading(timeout));
        let mut text = serde_json::to_vec(&reading)?;
        text.push(b'\n');
        write_snapshot(&snapshots.join(format!("{}.json", sensor.name)), &text)?;
        sensed.readings.insert(sensor.name.clone(), reading);
    }
    remove_orphans(&snapshots, &sensed.readings);
    Ok(sensed)
}

fn timed_out_reading(timeout: Duration) -> Value {
    error_reading(
        &format!(
            "timed out after {}s (killed with its process group)",
            timeout.as_secs()
        ),
        None,
    )
}

/// Sensors to run now, and reused fresh readings (name, reading).
type Discovered = (Vec<Sensor>, Vec<(String, Value)>);

/// Find the sensors: executables run now; interval sensors whose last reading
/// is fresh are reused; anything else is skipped with a reason.
fn discover(profile: &Profile, skipped: &mut Vec<String>) -> Result<Discovered> {
    let dir = profile.sensors_dir();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    let mut files: Vec<(String, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
        .filter(|(n, _)| !n.starts_with('.') && !n.ends_with('~'))
        .collect();
    files.sort();
    let mut due = Vec::new();
    let mut reused = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    for (file, path) in files {
        let Ok(meta) = std::fs::metadata(&path) else {
            if path.symlink_metadata().is_ok() {
                skipped.push(format!("{file} (a symlink to nothing)"));
            }
            continue;
        };
        // A directory may be a sensor's helpers: not a mistake to report.
        if !meta.is_file() {
            continue;
        }
        if meta.permissions().mode() & 0o111 == 0 {
            skipped.push(format!("{file} (not executable; chmod +x it to use it)"));
            continue;
        }
        let name = reading_name(&file);
        if !crate::ids::is_valid(&name) || !names.insert(name.clone()) {
            skipped.push(format!(
                "{file} (its reading name {name:?} is invalid or taken)"
            ));
            continue;
        }
        if let Some(every) = declared_interval(&path) {
            let snap = profile.snapshots_dir().join(format!("{name}.json"));
            if let Some(reading) = fresh_reading(&snap, every) {
                reused.push((name, reading));
                continue;
            }
        }
        due.push(Sensor { name, path });
    }
    Ok((due, reused))
}

/// `foo` and `foo.sh` (any extension) both read as `foo`.
fn reading_name(file: &str) -> String {
    match file.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => file.to_string(),
    }
}

/// `# looop:interval=SECS` within the first five lines.
fn declared_interval(path: &Path) -> Option<Duration> {
    let mut head = [0u8; 1024];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .ok()?;
    let text = String::from_utf8_lossy(&head[..n]);
    text.lines().take(5).find_map(|line| {
        let rest = line.split("looop:interval=").nth(1)?;
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        digits.parse().ok().map(Duration::from_secs)
    })
}

/// The last reading when it is younger than `every` and still valid JSON.
fn fresh_reading(snap: &Path, every: Duration) -> Option<Value> {
    let age = std::fs::metadata(snap).ok()?.modified().ok()?;
    let age = SystemTime::now().duration_since(age).unwrap_or_default();
    if age >= every {
        return None;
    }
    serde_json::from_slice(&std::fs::read(snap).ok()?).ok()
}

/// Write a sensor's snapshot, or, when it reads the same as last time (the
/// common case), only mark it fresh: a rename costs more than the read, and
/// the snapshot's mtime is what [`fresh_reading`] goes by.
fn write_snapshot(path: &Path, text: &[u8]) -> Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == text) && crate::store::touch(path) {
        return Ok(());
    }
    write_scratch(path, text)
}

fn err_file(snapshots: &Path, name: &str) -> PathBuf {
    snapshots.join(format!("{name}.err"))
}

fn spawn(
    sensor: &Sensor,
    profile: &Profile,
    snapshots: &Path,
    env: &[(String, OsString)],
) -> Result<std::process::Child> {
    let err_path = err_file(snapshots, &sensor.name);
    let stderr = crate::store::create_private(&err_path)?;
    let mut cmd = Command::new(&sensor.path);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr);
    proc::spawn(&mut cmd, Some(&profile.data), env).map_err(anyhow::Error::from)
}

/// Turn what a sensor did into its reading.
fn interpret(
    ended: Ended,
    output: &[u8],
    timeout: Duration,
    max_bytes: usize,
    err_path: &Path,
) -> Value {
    let status = match (ended.cut, ended.status) {
        (Some(Cut::Oversize), _) => {
            return error_reading(
                &format!("output exceeded {max_bytes} bytes (sensors.max_bytes)"),
                None,
            );
        }
        (Some(_), _) => return timed_out_reading(timeout),
        (None, Ok(s)) => s,
        (None, Err(e)) => return error_reading(&format!("cannot wait for it: {e}"), None),
    };
    if !status.success() {
        let what = match (status.code(), status.signal()) {
            (Some(code), _) => format!("exited with status {code}"),
            (None, Some(sig)) => format!("killed by signal {sig}"),
            _ => "failed".to_string(),
        };
        return error_reading(&what, Some(err_path));
    }
    match serde_json::from_slice::<Value>(output) {
        Ok(v) => v,
        Err(_) if output.iter().all(u8::is_ascii_whitespace) => error_reading(
            "printed nothing (a sensor prints one JSON value)",
            Some(err_path),
        ),
        Err(e) => {
            let mut r = error_reading(
                &format!("output is not one JSON value: {e}"),
                Some(err_path),
            );
            r["output"] = json!(tail_text(output, 200));
            r
        }
    }
}

/// `{"error": what, "stderr": <tail>, "signal": {"error": what}}`.
fn error_reading(what: &str, err_path: Option<&Path>) -> Value {
    let mut r = json!({ "error": what, "signal": { "error": what } });
    if let Some(bytes) = err_path
        .and_then(|p| std::fs::read(p).ok())
        .filter(|b| !b.is_empty())
    {
        r["stderr"] = json!(tail_text(&bytes, 300));
    }
    r
}

fn tail_text(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    let n = text.chars().count();
    if n <= max {
        text.to_string()
    } else {
        format!("…{}", text.chars().skip(n - max).collect::<String>())
    }
}

/// Readings of sensors that no longer exist would mislead whoever looks.
fn remove_orphans(snapshots: &Path, readings: &BTreeMap<String, Value>) {
    let Ok(entries) = std::fs::read_dir(snapshots) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().to_string();
        let stem = name
            .strip_suffix(".json")
            .or_else(|| name.strip_suffix(".err"));
        if let Some(stem) = stem
            && !readings.contains_key(stem)
        {
            // Scratch; a leftover file is harmless.
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_intervals() {
        assert_eq!(reading_name("foo.sh"), "foo");
        assert_eq!(reading_name("foo"), "foo");
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s");
        std::fs::write(&p, "#!/bin/sh\n# looop:interval=300\necho {}\n").unwrap();
        assert_eq!(declared_interval(&p), Some(Duration::from_secs(300)));
        std::fs::write(&p, "#!/bin/sh\necho {}\n").unwrap();
        assert_eq!(declared_interval(&p), None);
    }
}
