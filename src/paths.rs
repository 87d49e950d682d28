//! Where a profile lives: the config file, the data dir and its layout, and
//! the short per-user runtime dir that holds the supervisors' sockets.
//!
//! A profile is one data dir. `LOOOP_DATA_DIR` and `LOOOP_CONFIG` override
//! the `dirs` defaults; an empty variable counts as unset, and a relative one
//! is resolved against the current directory (with a note on stderr, since a
//! cron job's cwd is rarely what the user had in mind).

use crate::{seed, store};
use anyhow::{Context, Result, anyhow};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Sub-directories every data dir has.
const LAYOUT_DIRS: &[&str] = &[
    "goals",
    "goals/archive",
    "sensors",
    "claims",
    "reports",
    "snapshots",
    "runs",
    "prompts",
    "sessions",
];

/// The scratch that should not be versioned when the data dir is a git repo.
const GITIGNORE: &str = "\
# looop scratch: rewritten every beat or owned by running processes.
snapshots/
runs/
prompts/
sessions/
*.lock
.world.json
.state.json
tick.log
";

/// One profile: a config file and a data dir.
#[derive(Debug, Clone)]
pub struct Profile {
    pub config: PathBuf,
    pub data: PathBuf,
}

impl Profile {
    /// Resolve the profile from the environment and the platform defaults.
    pub fn from_env() -> Result<Profile> {
        let config = match env_path("LOOOP_CONFIG")? {
            Some(p) => p,
            None => dirs::config_dir()
                .ok_or_else(|| anyhow!("cannot find a config directory; set LOOOP_CONFIG"))?
                .join("looop")
                .join("config.toml"),
        };
        let data = match env_path("LOOOP_DATA_DIR")? {
            Some(p) => p,
            None => dirs::state_dir()
                .or_else(dirs::data_local_dir)
                .ok_or_else(|| anyhow!("cannot find a state directory; set LOOOP_DATA_DIR"))?
                .join("looop"),
        };
        Ok(Profile { config, data })
    }

    /// The one way a command opens its profile without creating anything:
    /// for commands that only look at or act on what exists (`ls`, `log`,
    /// `kill`, ...), so that a mistyped `LOOOP_DATA_DIR` (or `/`) never gets
    /// a data dir laid into it. A file where the data dir should be is named
    /// as such, not as the first file some command failed to read under it.
    pub fn look() -> Result<Profile> {
        let profile = Profile::from_env()?;
        profile.check_data_dir()?;
        Ok(profile)
    }

    /// The one way a command opens its profile when it may create it: the
    /// data dir and its layout exist afterwards.
    pub fn with_layout() -> Result<Profile> {
        let profile = Profile::from_env()?;
        profile.ensure_layout()?;
        Ok(profile)
    }

    /// A profile at explicit paths (the demo, tests).
    pub fn at(config: PathBuf, data: PathBuf) -> Profile {
        Profile { config, data }
    }

    pub fn playbook(&self) -> PathBuf {
        self.data.join("PLAYBOOK.md")
    }
    pub fn goals_dir(&self) -> PathBuf {
        self.data.join("goals")
    }
    pub fn archive_dir(&self) -> PathBuf {
        self.data.join("goals").join("archive")
    }
    pub fn sensors_dir(&self) -> PathBuf {
        self.data.join("sensors")
    }
    pub fn journal(&self) -> PathBuf {
        self.data.join("journal.md")
    }
    pub fn claims_dir(&self) -> PathBuf {
        self.data.join("claims")
    }
    pub fn reports_dir(&self) -> PathBuf {
        self.data.join("reports")
    }
    pub fn snapshots_dir(&self) -> PathBuf {
        self.data.join("snapshots")
    }
    pub fn runs_dir(&self) -> PathBuf {
        self.data.join("runs")
    }
    pub fn prompts_dir(&self) -> PathBuf {
        self.data.join("prompts")
    }
    pub fn sessions_dir(&self) -> PathBuf {
        self.data.join("sessions")
    }
    /// `worktrees/<id>/`: workers' own git worktrees (`--worktree`).
    pub fn worktrees_dir(&self) -> PathBuf {
        self.data.join("worktrees")
    }
    /// `sessions/<session>/`, e.g. `sessions/looop-fix-ci/`.
    pub fn session_dir(&self, session: &str) -> PathBuf {
        self.sessions_dir().join(session)
    }
    pub fn ledger(&self) -> PathBuf {
        self.data.join("cost.jsonl")
    }
    pub fn events(&self) -> PathBuf {
        self.data.join("events.jsonl")
    }
    /// The lock that makes beats exclusive per profile.
    pub fn beat_lock(&self) -> PathBuf {
        self.data.join("beat.lock")
    }
    /// Where `write_playbook` keeps earlier PLAYBOOKs.
    pub fn playbook_history_dir(&self) -> PathBuf {
        self.data.join("playbook.d")
    }

    /// A short, stable key for this profile (FNV-1a of the data dir path), used
    /// to keep profiles apart in places with no room for the path itself.
    pub fn key(&self) -> String {
        use std::os::unix::ffi::OsStrExt;
        format!("{:016x}", fnv1a(self.data.as_os_str().as_bytes()))
    }

    /// The per-user, per-profile directory for Unix sockets, created 0700.
    /// Socket paths must fit in ~107 bytes, so this lives under
    /// `$XDG_RUNTIME_DIR` when that is short, else `/tmp/looop-<uid>`, never
    /// under a data dir that may be arbitrarily deep.
    pub fn runtime_dir(&self) -> Result<PathBuf> {
        let uid = nix::unistd::getuid().as_raw();
        let base = match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
            Some(dir) if dir.is_absolute() && dir.as_os_str().len() <= 40 && dir.is_dir() => {
                dir.join("looop")
            }
            _ => std::env::temp_dir().join(format!("looop-{uid}")),
        };
        let base = if base.as_os_str().len() > 60 {
            PathBuf::from(format!("/tmp/looop-{uid}"))
        } else {
            base
        };
        let dir = base.join(&self.key()[..12]);
        for d in [&base, &dir] {
            private_dir(d, uid)?;
        }
        Ok(dir)
    }

    /// Refuse (status 1) a data dir path that exists but is not a directory
    /// (a file, a FIFO); a missing one is fine. Commands that would only
    /// *write about* the data dir (`schedule`) call this too, so that what
    /// they print or install never points at something that cannot work.
    pub fn check_data_dir(&self) -> Result<()> {
        match std::fs::metadata(&self.data) {
            Ok(m) if !m.is_dir() => Err(anyhow!(
                "data dir {} is not a directory",
                self.data.display()
            )),
            Ok(m) => self.refuse_other_owner(&m),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => {
                Err(e).with_context(|| format!("cannot read data dir {}", self.data.display()))
            }
        }
    }

    /// Another user's data dir is theirs alone (CONTRACT §12): refused with
    /// a permission error naming its owner, before any read fails on a
    /// file in it. root may look (it can read anything anyway).
    fn refuse_other_owner(&self, meta: &std::fs::Metadata) -> Result<()> {
        use std::os::unix::fs::MetadataExt;
        let me = nix::unistd::geteuid();
        if meta.uid() == me.as_raw() || me.is_root() {
            return Ok(());
        }
        let name = |uid: u32| {
            nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
                .ok()
                .flatten()
                .map_or_else(
                    || format!("uid {uid}"),
                    |u| format!("{} (uid {uid})", u.name),
                )
        };
        Err(crate::exit::refused(format!(
            "permission denied: data dir {} belongs to {}, not to you ({}); \
             each user keeps their own data dir (set LOOOP_DATA_DIR)",
            self.data.display(),
            name(meta.uid()),
            name(me.as_raw())
        )))
    }

    /// Create the data dir layout if anything is missing. The seed (starter
    /// PLAYBOOK, goals, sensor) is laid down only while the data dir holds
    /// nothing of looop's yet (no PLAYBOOK.md, none of the layout's
    /// directories), so a goal the user archived or a sensor they deleted
    /// does not come back, while a directory that already holds other files
    /// (the config, notes) still gets it. Existing files are never
    /// overwritten.
    pub fn ensure_layout(&self) -> Result<()> {
        self.check_data_dir()?;
        let has = |rel: &str| self.data.join(rel).symlink_metadata().is_ok();
        let fresh = !has("PLAYBOOK.md") && !LAYOUT_DIRS.iter().any(|d| has(d));
        if !fresh && LAYOUT_DIRS.iter().all(|d| self.data.join(d).is_dir()) {
            return Ok(());
        }
        // Private (0700) whatever the umask: sensor output, prompts and the
        // AI's answers are nobody else's to read (CONTRACT §12).
        store::ensure_dir(&self.data_root()?, 0o700)
            .with_context(|| format!("cannot create data dir {}", self.data.display()))?;
        for d in LAYOUT_DIRS {
            store::ensure_dir(&self.data.join(d), 0o700)?;
        }
        store::create_new(&self.data.join(".gitignore"), GITIGNORE.as_bytes(), 0o600)?;
        if fresh {
            seed::lay_down(&self.data)?;
        }
        Ok(())
    }

    /// The data dir itself, through a link if the user made it one (where
    /// the data dir lives is the user's choice; links inside it are not).
    fn data_root(&self) -> Result<PathBuf> {
        match self.data.symlink_metadata() {
            Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(&self.data)
                .with_context(|| format!("cannot follow data dir link {}", self.data.display())),
            _ => Ok(self.data.clone()),
        }
    }

    /// Make an existing data dir and its layout directories private (0700),
    /// not following links; whether anything had group or other access.
    /// `init` calls it so a data dir made by an older looop, or under a
    /// loose umask, is tightened (and says so).
    pub fn tighten(&self) -> Result<bool> {
        let mut tightened = store::tighten_dir(&self.data_root()?, 0o700)?;
        for d in LAYOUT_DIRS {
            let p = self.data.join(d);
            if p.symlink_metadata().is_ok_and(|m| m.is_dir()) {
                tightened |= store::tighten_dir(&p, 0o700)?;
            }
        }
        Ok(tightened)
    }
}

/// Read an env var as a path: empty = unset; non-UTF-8 is fine; relative is
/// made absolute against the cwd with a note.
fn env_path(name: &str) -> Result<Option<PathBuf>> {
    let Some(value) = std::env::var_os(name).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let path = PathBuf::from(&value);
    if path.is_absolute() {
        return Ok(Some(path));
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let abs = cwd.join(&path);
    eprintln!(
        "looop: note: {name}={} is relative; using {}",
        path.display(),
        abs.display()
    );
    Ok(Some(abs))
}

/// Create `dir` 0700 if missing and refuse it if another user owns it or
/// others can enter it (someone could otherwise plant a fake socket).
fn private_dir(dir: &Path, uid: u32) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("cannot create {}", dir.display())),
    }
    let meta =
        std::fs::symlink_metadata(dir).with_context(|| format!("cannot stat {}", dir.display()))?;
    if !meta.is_dir() || meta.uid() != uid {
        return Err(anyhow!(
            "{} is not a directory owned by you; refusing to put sockets there",
            dir.display()
        ));
    }
    if meta.mode() & 0o077 != 0 {
        store::ensure_dir(dir, 0o700)?;
    }
    Ok(())
}

/// 64-bit FNV-1a: tiny, dependency-free, stable across releases.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The absolute path of the running binary, for children (`LOOOP_BIN`) and
/// for artifacts (cron lines, tmux windows) that must not depend on PATH.
pub fn current_exe() -> Result<PathBuf> {
    std::env::current_exe().context("cannot find the path of the looop binary")
}

/// The LOOOP_* environment every child of this profile gets.
pub fn child_env(profile: &Profile) -> Result<Vec<(String, OsString)>> {
    Ok(vec![
        ("LOOOP_BIN".to_string(), current_exe()?.into_os_string()),
        (
            "LOOOP_DATA_DIR".to_string(),
            profile.data.clone().into_os_string(),
        ),
        (
            "LOOOP_CONFIG".to_string(),
            profile.config.clone().into_os_string(),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_created_and_seed_laid_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = Profile::at(dir.path().join("c.toml"), dir.path().join("data"));
        p.ensure_layout().unwrap();
        for d in LAYOUT_DIRS {
            assert!(p.data.join(d).is_dir(), "{d}");
        }
        assert!(p.playbook().is_file());
        std::fs::write(p.playbook(), "mine").unwrap();
        std::fs::remove_file(p.goals_dir().join("setup.md")).unwrap();
        p.ensure_layout().unwrap();
        assert_eq!(std::fs::read_to_string(p.playbook()).unwrap(), "mine");
        assert!(
            !p.goals_dir().join("setup.md").exists(),
            "archived seed came back"
        );
    }

    #[test]
    fn runtime_dir_is_short_and_private() {
        use std::os::unix::fs::MetadataExt;
        let long = "d".repeat(220);
        let p = Profile::at(
            PathBuf::from("/nonexistent/c.toml"),
            PathBuf::from(format!("/tmp/{long}")),
        );
        let dir = p.runtime_dir().unwrap();
        assert!(dir.as_os_str().len() < 80, "{}", dir.display());
        assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
    }

    #[test]
    fn profiles_have_distinct_keys() {
        let a = Profile::at("/c".into(), "/data/a".into());
        let b = Profile::at("/c".into(), "/data/b".into());
        assert_ne!(a.key(), b.key());
        assert_eq!(a.key(), Profile::at("/x".into(), "/data/a".into()).key());
    }
}
