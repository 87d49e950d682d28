//! Writing the ledger: [`record`], for looop's own AI calls and for the
//! hidden `looop _cost` command through which workers report their spend.
//!
//! Each entry is one whole JSON line appended under an `fs2` lock
//! ([`store::append_json`]), so fifty workers reporting at once never tear
//! or lose a line. Bad input is refused before the file is opened.

use super::Spend;
use super::entry::{NewEntry, check_usd};
use crate::paths::Profile;
use crate::{events, exit, store};
use anyhow::{Context, Result};

/// Append one entry for `kind`/`id`/`runner` spending `spend`.
///
/// The names come from looop itself (a run id, a configured runner name,
/// which TOML lets be any string), so they are only checked for being
/// printable one-liners: a beat must not fail over a runner called "my
/// claude". The `_cost` command holds workers to the stricter id rule.
pub fn record(profile: &Profile, kind: &str, id: &str, runner: &str, spend: &Spend) -> Result<()> {
    for (what, name) in [("kind", kind), ("id", id), ("runner", runner)] {
        if name.is_empty() || name.len() > 128 || name.chars().any(char::is_control) {
            return Err(exit::usage(format!(
                "invalid cost {what} {name:?}: empty, too long or not one line"
            )));
        }
    }
    let cost_usd = check_usd(spend.cost_usd)
        .map_err(|why| exit::usage(format!("cost {} {why}", spend.cost_usd)))?;
    let entry = NewEntry {
        ts: events::now_rfc3339(),
        kind,
        id,
        runner,
        cost_usd,
        input_tokens: spend.input_tokens,
        output_tokens: spend.output_tokens,
    };
    let path = profile.ledger();
    store::append_json_synced(&path, &entry)
        .with_context(|| format!("cannot record {cost_usd} USD for {kind} {id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_appends_and_refuses_what_would_corrupt_the_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let p = Profile::at(dir.path().join("c.toml"), dir.path().to_path_buf());
        let spend = Spend {
            cost_usd: 0.5,
            input_tokens: Some(3),
            output_tokens: None,
        };
        record(&p, "tick", "2026-11-23T17:00:00Z-1", "my claude", &spend).unwrap();
        for (kind, id, runner, usd) in [
            ("tick", "r", "claude", f64::NAN),
            ("tick", "r", "claude", -0.01),
            ("", "r", "claude", 1.0),
            ("tick", "a\nb", "claude", 1.0),
        ] {
            let bad = Spend {
                cost_usd: usd,
                ..Spend::default()
            };
            assert!(
                record(&p, kind, id, runner, &bad).is_err(),
                "{kind:?} {id:?} {usd}"
            );
        }
        let text = std::fs::read_to_string(p.ledger()).unwrap();
        assert_eq!(text.lines().count(), 1);
        assert!(
            text.contains(r#""runner":"my claude","cost_usd":0.5,"input_tokens":3}"#),
            "{text}"
        );
    }
}
