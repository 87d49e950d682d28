//! One beat at a time per profile: an exclusive, non-blocking `fs2` lock on
//! `beat.lock`. A second beat exits 75 at once without touching anything;
//! a crashed beat leaves no stale lock because the OS drops it.

use crate::exit;
use crate::paths::Profile;
use crate::store::Lock;
use anyhow::Result;

pub fn take(profile: &Profile) -> Result<Lock> {
    Lock::try_acquire(&profile.beat_lock())?.ok_or_else(|| {
        exit::busy(format!(
            "another beat of this profile is running ({})",
            profile.data.display()
        ))
    })
}

/// Whether some beat is running right now (for `status`).
pub fn held(profile: &Profile) -> bool {
    crate::store::is_locked(&profile.beat_lock())
}
