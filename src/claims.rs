//! Leases: `claims/<name>.json` says which worker session owns a task, so two
//! workers never do the same job. A lease dies with its owner: a claim whose
//! session is not alive is taken over by the next claimer and dropped by the
//! beat's housekeeping.
//!
//! Taking is atomic without a lock on the happy path: the full claim is
//! written to a temp file and hard-linked into place (`link` fails if the
//! name exists), so readers never see a half-written claim and of any number
//! of racing claimers exactly one links first. Takeovers, releases and reaping
//! run under `claims/.lock` so they cannot interleave.
//!
//! Owner liveness is the owner session's supervisor (`session_record::is_alive`),
//! nothing else: a claim made for a session that is not running (by hand, or
//! with `--session` from a script) can be taken over by the next claimer.
//! Racing claimers are live workers, so of them exactly one wins.

use crate::paths::Profile;
use crate::store::{self, Lock};
use crate::{events, exit, ids, session_record};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::PathBuf;

/// One lease as stored. Hand-written files need only `session` and `name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    pub session: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_at: Option<String>,
}

/// What `claim` did.
#[derive(Debug, PartialEq)]
pub enum Taken {
    New,
    AlreadyYours,
    /// Taken over from this (dead) session.
    TookOver(String),
}

fn claim_path(profile: &Profile, name: &str) -> PathBuf {
    profile.claims_dir().join(format!("{name}.json"))
}

fn lock(profile: &Profile) -> Result<Lock> {
    Lock::acquire(&profile.claims_dir().join(".lock"))
}

/// Whether the claim's owner still lives.
pub fn owner_alive(profile: &Profile, claim: &Claim) -> bool {
    session_record::is_alive(profile, &ids::session_name(&claim.session))
        || session_record::is_alive(profile, &claim.session)
}

/// Read one claim; `Ok(None)` when absent.
fn read(profile: &Profile, name: &str) -> Result<Option<Claim>> {
    store::read_json::<Claim>(&claim_path(profile, name))
}

/// Take `name` for `session`. Status 1 naming the owner when it is held:
/// by a live owner, or by a dead one `kept` says still keeps it (a lost
/// worker waiting to be resumed).
pub fn take(
    profile: &Profile,
    name: &str,
    session: &str,
    kept: impl Fn(&Claim) -> bool,
) -> Result<Taken> {
    ids::check("claim name", name)?;
    let claim = Claim {
        session: session.to_string(),
        name: name.to_string(),
        claimed_at: Some(events::now_rfc3339()),
    };
    let dir = profile.claims_dir();
    store::ensure_dir(&dir, 0o700)?;
    let path = claim_path(profile, name);
    let mut text = serde_json::to_vec_pretty(&claim)?;
    text.push(b'\n');
    // Dropped on every path but a takeover, the temp name goes away; a new
    // claim lives on under its linked name.
    let mut tmp = store::TempFile::create(&path, 0o600)?;
    tmp.file()
        .write_all(&text)
        .and_then(|()| tmp.file().sync_data())
        .with_context(|| format!("cannot write {}", tmp.path().display()))?;
    match std::fs::hard_link(tmp.path(), &path) {
        Ok(()) => {
            store::sync_dir(&dir)?;
            Ok(Taken::New)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _guard = lock(profile)?;
            match read(profile, name) {
                Ok(Some(owner))
                    if ids::session_name(&owner.session) == ids::session_name(session) =>
                {
                    Ok(Taken::AlreadyYours)
                }
                Ok(Some(owner)) if owner_alive(profile, &owner) => Err(exit::refused(format!(
                    "claim {name} is held by {} (alive)",
                    owner.session
                ))),
                Ok(Some(owner)) if kept(&owner) => Err(exit::refused(format!(
                    "claim {name} is held by {} (lost, kept until it is resumed or its resume_grace ends)",
                    owner.session
                ))),
                Ok(owner) => {
                    let previous = owner.map(|o| o.session).unwrap_or_else(|| "nobody".into());
                    tmp.persist()?;
                    Ok(Taken::TookOver(previous))
                }
                Err(_) => {
                    // Unreadable (hand-edited garbage): nobody can own it.
                    tmp.persist()?;
                    Ok(Taken::TookOver("an unreadable claim".into()))
                }
            }
        }
        Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
    }
}

/// Release `name` if `session` holds it. `Ok(false)` when it was not claimed.
pub fn release(profile: &Profile, name: &str, session: &str) -> Result<bool> {
    ids::check("claim name", name)?;
    let _guard = lock(profile)?;
    let Some(owner) = read(profile, name).ok().flatten() else {
        let path = claim_path(profile, name);
        if path.exists() {
            remove(&path)?;
            return Ok(true);
        }
        return Ok(false);
    };
    if ids::session_name(&owner.session) != ids::session_name(session) {
        return Err(exit::refused(format!(
            "claim {name} is held by {}, not {session}",
            owner.session
        )));
    }
    remove(&claim_path(profile, name))?;
    Ok(true)
}

fn remove(path: &std::path::Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
    }
}

/// Every readable claim, sorted by name (unreadable files are skipped).
pub fn list(profile: &Profile) -> Result<Vec<Claim>> {
    let dir = profile.claims_dir();
    let mut claims: Vec<Claim> = store::dir_names(&dir)?
        .into_iter()
        .filter_map(|file| {
            let name = file
                .strip_suffix(".json")
                .filter(|n| ids::is_valid(n))?
                .to_string();
            let mut c = store::read_json::<Claim>(&dir.join(&file)).ok().flatten()?;
            c.name = name;
            Some(c)
        })
        .collect();
    claims.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(claims)
}

/// Drop every claim held by `session` (called by `kill`). Returns how many.
pub fn release_all(profile: &Profile, session: &str) -> Result<usize> {
    let _guard = lock(profile)?;
    let mut n = 0;
    for c in list(profile)? {
        if ids::session_name(&c.session) == ids::session_name(session) {
            remove(&claim_path(profile, &c.name))?;
            n += 1;
        }
    }
    Ok(n)
}

/// Housekeeping: drop claims whose owner is not alive (`claim_reaped`),
/// but those `keep` says to keep (a lost worker that may be resumed).
pub fn reap(profile: &Profile, keep: impl Fn(&Claim) -> bool) -> Result<Vec<Claim>> {
    let claims = list(profile)?;
    if claims.is_empty() {
        return Ok(claims);
    }
    let _guard = lock(profile)?;
    let mut reaped = Vec::new();
    for c in list(profile)? {
        if !owner_alive(profile, &c) && !keep(&c) {
            remove(&claim_path(profile, &c.name))?;
            events::emit(
                profile,
                "claim_reaped",
                &serde_json::json!({"name": c.name, "session": c.session}),
            );
            reaped.push(c);
        }
    }
    Ok(reaped)
}
