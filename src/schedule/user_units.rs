//! `schedule systemd --install` / `--remove`: the two user units written to
//! `~/.config/systemd/user/` (or under `$XDG_CONFIG_HOME`) and handed to
//! `systemctl --user`: `daemon-reload`, then `enable --now` the timer (or
//! `disable --now` it and delete the files).

use super::detect::systemd_dir;
use super::job::Job;
use super::systemd::{service, timer, unit_name};
use crate::exit;
use anyhow::{Context, Result, anyhow};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// What `--install` / `--remove` did.
pub struct Done {
    /// The unit files written or deleted.
    pub files: Vec<PathBuf>,
    /// The timer's unit name.
    pub timer: String,
    /// Whether anything was there to change.
    pub changed: bool,
}

/// Write both units, reload systemd's user manager and enable the timer.
pub fn install(job: &Job) -> Result<Done> {
    let dir = systemd_dir().ok_or_else(|| anyhow!("cannot find your home directory"))?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = unit_name(job);
    let mut changed = false;
    let mut files = Vec::new();
    for (ext, text) in [("service", service(job)), ("timer", timer(job))] {
        let path = dir.join(format!("{name}.{ext}"));
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            crate::store::write_atomic(&path, text.as_bytes())?;
            changed = true;
        }
        files.push(path);
    }
    let timer = format!("{name}.timer");
    systemctl(&["daemon-reload"])?;
    systemctl(&["enable", "--now", &timer])?;
    Ok(Done {
        files,
        timer,
        changed,
    })
}

/// Disable the timer and delete both units.
pub fn remove(job: &Job) -> Result<Done> {
    let dir = systemd_dir().ok_or_else(|| anyhow!("cannot find your home directory"))?;
    let name = unit_name(job);
    let timer = format!("{name}.timer");
    let files: Vec<PathBuf> = ["service", "timer"]
        .iter()
        .map(|ext| dir.join(format!("{name}.{ext}")))
        .filter(|p| p.exists())
        .collect();
    if files.is_empty() {
        return Ok(Done {
            files,
            timer,
            changed: false,
        });
    }
    systemctl(&["disable", "--now", &timer])?;
    for f in &files {
        std::fs::remove_file(f).with_context(|| format!("cannot delete {}", f.display()))?;
    }
    systemctl(&["daemon-reload"])?;
    Ok(Done {
        files,
        timer,
        changed: true,
    })
}

/// `systemctl --user <args>`; a failure is refused with its words.
fn systemctl(args: &[&str]) -> Result<()> {
    let out = Command::new("systemctl")
        .arg("--user")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                exit::refused("cannot run `systemctl`: it is not on PATH")
            } else {
                exit::refused(format!("cannot run `systemctl`: {e}"))
            }
        })?;
    if !out.status.success() {
        return Err(exit::refused(format!(
            "`systemctl --user {}` failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}
