//! Worker ids and session names.
//!
//! An id reaches paths (`sessions/looop-<id>/`, `claims/<id>.json`,
//! `goals/<id>.md`), so it is validated before anything touches the disk:
//! `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`. That excludes `/`, `..` as a whole
//! name (it cannot start with a dot), a leading `-` that would read as a
//! flag, and empty strings.

use crate::exit;

/// Prefix that turns an id into its session name.
pub const SESSION_PREFIX: &str = "looop-";
/// The session name of the pulse (`looop up`); never a worker.
pub const PULSE_SESSION: &str = "looop-pulse";
/// The bare id of the pulse session.
pub const PULSE_ID: &str = "pulse";

/// True when `s` follows the id rule.
pub fn is_valid(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.is_empty() || bytes.len() > 64 || !bytes[0].is_ascii_alphanumeric() {
        return false;
    }
    bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Check a name used in a path (goal id, sensor name, claim name): status 2
/// naming `what` when it breaks the rule.
pub fn check(what: &str, s: &str) -> anyhow::Result<()> {
    if is_valid(s) {
        Ok(())
    } else {
        Err(exit::usage(format!(
            "invalid {what} {s:?}: use 1-64 characters [A-Za-z0-9._-], starting with a letter or digit"
        )))
    }
}

/// The bare id of `looop-<id>` (a session name, or an id typed with its
/// prefix); anything else, `looop-` followed by no valid id included, as is.
pub fn bare(s: &str) -> &str {
    s.strip_prefix(SESSION_PREFIX)
        .filter(|rest| is_valid(rest))
        .unwrap_or(s)
}

/// The session name of `<id>` or `looop-<id>`: the prefix added when missing.
pub fn session_name(s: &str) -> String {
    if s.starts_with(SESSION_PREFIX) {
        s.to_string()
    } else {
        format!("{SESSION_PREFIX}{s}")
    }
}

/// A validated worker id (without the `looop-` prefix).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkerId(String);

impl WorkerId {
    /// Accept `<id>` or `looop-<id>`; refuse anything else with status 2.
    pub fn parse(s: &str) -> anyhow::Result<WorkerId> {
        let bare = bare(s);
        check("worker id", bare)?;
        Ok(WorkerId(bare.to_string()))
    }

    /// The bare id, e.g. `fix-ci`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The session name, e.g. `looop-fix-ci`.
    pub fn session(&self) -> String {
        format!("{SESSION_PREFIX}{}", self.0)
    }

    /// Whether this is the pulse's own session rather than a worker.
    pub fn is_pulse(&self) -> bool {
        self.0 == PULSE_ID
    }
}

impl std::fmt::Display for WorkerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_rule() {
        for ok in ["a", "fix-ci", "A.b_c-9", &"x".repeat(64), "9"] {
            assert!(is_valid(ok), "{ok}");
        }
    }

    #[test]
    fn refuses_paths_and_flags() {
        for bad in [
            "",
            "../x",
            "a/b",
            "-rf",
            ".hidden",
            "a b",
            &"x".repeat(65),
            "é",
            "a\0b",
        ] {
            assert!(!is_valid(bad), "{bad:?}");
            assert!(WorkerId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn session_prefix_is_optional() {
        assert_eq!(WorkerId::parse("looop-fix").unwrap().as_str(), "fix");
        assert_eq!(WorkerId::parse("fix").unwrap().session(), "looop-fix");
        // "looop-" alone is a valid bare id, not an empty one.
        assert_eq!(WorkerId::parse("looop-").unwrap().as_str(), "looop-");
        assert!(WorkerId::parse("looop-../x").is_err());
    }

    #[test]
    fn bare_and_session_names() {
        assert_eq!(bare("looop-fix"), "fix");
        assert_eq!(bare("fix"), "fix");
        assert_eq!(bare("looop-../x"), "looop-../x");
        assert_eq!(session_name("fix"), "looop-fix");
        assert_eq!(session_name("looop-fix"), "looop-fix");
    }
}

/// A random UUID v4 (RFC 9562), e.g. an agent session id looop chooses.
/// The randomness comes from the kernel; without it, from the clock and
/// pid, which still differ between any two calls of one machine.
pub fn uuid_v4() -> String {
    use std::io::Read;
    let mut b = [0u8; 16];
    let random = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b));
    if random.is_err() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        b[..12].copy_from_slice(&now.to_le_bytes()[..12]);
        b[12..].copy_from_slice(&std::process::id().to_le_bytes());
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod uuid_tests {
    #[test]
    fn uuids_are_v4_and_differ() {
        let a = super::uuid_v4();
        let b = super::uuid_v4();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!("89ab".contains(&a[19..20]), "{a}");
        assert_eq!(a.matches('-').count(), 4);
    }
}
