//! Named time zones (`Europe/Paris`) read from the system's compiled zone
//! files, since chrono carries no zone database and no new dependency may
//! bring one: `$TZDIR/<name>`, else `/usr/share/zoneinfo/<name>` (TZif,
//! RFC 8536, [`tzif`]), with the footer's POSIX rule ([`posix`]) for the
//! time after the last transition. A primitive: it knows files and
//! clocks, nothing of agents.
//!
//! A name is checked before it becomes a path (letters, digits, `_+-`
//! segments joined by `/`, bounded), the file is read up to 64 KiB, and
//! anything that cannot be read or parsed is `None`: callers fall back to
//! local time, never to an error.

mod posix;
mod tzif;

use chrono::NaiveDateTime;
use posix::Rule;
use std::io::Read;
use std::path::PathBuf;

/// Where zone files live when `$TZDIR` is not set.
const ZONEINFO: &str = "/usr/share/zoneinfo";
/// The largest zone file read (real ones are under 4 KiB).
const MAX_FILE: u64 = 64 * 1024;
/// The longest zone name accepted.
const MAX_NAME: usize = 64;

/// A zone's offsets over time.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    times: Vec<i64>,
    kinds: Vec<u8>,
    offsets: Vec<i32>,
    rule: Option<Rule>,
}

/// Whether `name` may become a path under the zone directory: segments of
/// `[A-Za-z0-9_+-]` joined by single `/`, none empty, no `.` anywhere.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name.split('/').all(|seg| {
            !seg.is_empty()
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'-'))
        })
}

impl Zone {
    /// The zone called `name` from the system's zone files, `None` when
    /// the name is refused or the file is missing, too big or unreadable.
    pub fn load(name: &str) -> Option<Zone> {
        if !valid_name(name) {
            return None;
        }
        let dir = std::env::var_os("TZDIR")
            .filter(|d| !d.is_empty())
            .map_or_else(|| PathBuf::from(ZONEINFO), PathBuf::from);
        let file = std::fs::File::open(dir.join(name)).ok()?;
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        let mut bytes = Vec::new();
        file.take(MAX_FILE + 1).read_to_end(&mut bytes).ok()?;
        if bytes.len() as u64 > MAX_FILE {
            return None;
        }
        Zone::parse(&bytes)
    }

    /// A zone from TZif bytes; `None` when they are malformed or the
    /// footer's rule cannot be read.
    pub fn parse(bytes: &[u8]) -> Option<Zone> {
        let data = tzif::parse(bytes)?;
        let rule = match data.footer {
            Some(text) => Some(posix::parse(&text)?),
            None => None,
        };
        Some(Zone {
            times: data.times,
            kinds: data.kinds,
            offsets: data.offsets,
            rule,
        })
    }

    /// Seconds east of UTC at the UTC second `t`: the first type before
    /// the first transition, the footer's rule after the last one (else
    /// the last transition's type).
    pub fn offset_at(&self, t: i64) -> i32 {
        let after = self.times.partition_point(|&x| x <= t);
        if after == self.times.len()
            && let Some(rule) = &self.rule
        {
            return rule.offset_at(t);
        }
        match after {
            0 => self.offsets[0],
            n => self.offsets[usize::from(self.kinds[n - 1])],
        }
    }

    /// The UTC second at which the zone's wall clock reads `local`: the
    /// earlier of two in a fold (autumn), `None` in a gap (spring), as
    /// chrono's `earliest()` does for a fixed or local zone.
    pub fn utc_of(&self, local: NaiveDateTime) -> Option<i64> {
        let wall = local.and_utc().timestamp();
        let mut offsets = self.offsets.clone();
        offsets.extend(self.rule.iter().flat_map(Rule::offsets));
        offsets.sort_unstable();
        offsets.dedup();
        offsets
            .into_iter()
            .map(|o| wall - i64::from(o))
            .filter(|&u| i64::from(self.offset_at(u)) == wall - u)
            .min()
    }
}

#[cfg(test)]
mod tests;
