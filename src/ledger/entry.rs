//! The shape of one ledger line, written and read in one place so the
//! writer and the report can never disagree about field names (CONTRACT §6,
//! §10).
//!
//! `cost_usd` is `null` for tokens whose model has no price. `source` says
//! who measured the spend: `stream` (the tick AI's own output),
//! `transcript` (looop metering a worker's transcript) or `self` (a
//! worker's `_cost` report); a line without it (older ledgers) is read as
//! `self` for kind `session` and `stream` otherwise. Metered lines carry a
//! `mark` unique to them, by which a meter killed mid-write finds whether
//! its line made it.
//!
//! Reading borrows from the line buffer ([`Entry`] holds `Cow`s that only
//! allocate when a string has JSON escapes), because `looop cost` parses a
//! million lines per report and must not allocate for each.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One line as `record` writes it.
#[derive(Debug, Default, Serialize)]
pub struct NewEntry<'a> {
    /// RFC 3339, UTC.
    pub ts: String,
    pub kind: &'a str,
    pub id: &'a str,
    pub runner: &'a str,
    /// `null` when the tokens have no price.
    pub cost_usd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_write_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goal: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mark: Option<&'a str>,
}

/// One line as the report reads it. Unknown fields are ignored so a later
/// version may add some; a missing or mistyped known field makes the line
/// malformed (skipped and counted, never fatal).
#[derive(Debug, Deserialize)]
pub struct Entry<'a> {
    #[serde(borrow)]
    pub ts: Cow<'a, str>,
    #[serde(borrow)]
    pub kind: Cow<'a, str>,
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    #[serde(borrow)]
    pub runner: Cow<'a, str>,
    /// Required, `null` allowed.
    #[serde(deserialize_with = "nullable")]
    pub cost_usd: Option<f64>,
    #[serde(default)]
    pub input_tokens: Option<u64>,
    #[serde(default)]
    pub output_tokens: Option<u64>,
    #[serde(default)]
    pub cache_read_tokens: Option<u64>,
    #[serde(default)]
    pub cache_write_tokens: Option<u64>,
    #[serde(default, borrow)]
    pub source: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub model: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub goal: Option<Cow<'a, str>>,
}

/// A field that must be present but may be `null`.
fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Option::<f64>::deserialize(d)
}

/// Who measured a line's spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The tick AI's own output stream.
    Stream,
    /// looop, from a worker's transcript.
    Transcript,
    /// A worker's own `_cost` report.
    Own,
}

impl Entry<'_> {
    /// The line's source; older lines have none (see the module doc).
    pub fn source(&self) -> Source {
        match self.source.as_deref() {
            Some("transcript") => Source::Transcript,
            Some("self") => Source::Own,
            Some(_) => Source::Stream,
            None if self.kind == "session" => Source::Own,
            None => Source::Stream,
        }
    }

    /// All four token counts.
    pub fn tokens(&self) -> u64 {
        [
            self.input_tokens,
            self.output_tokens,
            self.cache_read_tokens,
            self.cache_write_tokens,
        ]
        .iter()
        .map(|t| t.unwrap_or(0))
        .fold(0u64, u64::saturating_add)
    }
}

/// A spend as a ledger line field: `$1.2345`, or `?` when unknown.
pub fn usd_or_unknown(amount: Option<f64>) -> String {
    amount.map_or_else(|| "?".to_string(), usd)
}

/// `$1.2345`: four decimals, since one AI call often costs under a cent.
pub fn usd(amount: f64) -> String {
    format!("${amount:.4}")
}

/// Parse an amount of USD the way `_cost` accepts it: a finite number ≥ 0.
/// The error is the one-line reason shown to the user.
pub fn parse_usd(text: &str) -> Result<f64, String> {
    if text.trim().is_empty() {
        return Err("the amount is empty".to_string());
    }
    let usd: f64 = text
        .parse()
        .map_err(|_| format!("the amount {text:?} is not a number"))?;
    check_usd(usd).map_err(|why| format!("the amount {text:?} {why}"))
}

/// More than any one agent call or session costs: a larger amount is a typo
/// (and a few `1e308`s would make every total infinite).
const MAX_USD: f64 = 1_000_000.0;

/// Whether `usd` may go into the ledger; `-0` becomes `0`.
pub fn check_usd(usd: f64) -> Result<f64, &'static str> {
    if !usd.is_finite() {
        Err("is not a finite number")
    } else if usd < 0.0 {
        Err("is negative")
    } else if usd > MAX_USD {
        Err("is over $1,000,000 for one entry (a typo?)")
    } else {
        // `-0.0 < 0.0` is false; normalise so the ledger never says -0.
        Ok(usd.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_must_be_finite_and_not_negative() {
        assert_eq!(parse_usd("0.25"), Ok(0.25));
        assert_eq!(parse_usd("0"), Ok(0.0));
        assert_eq!(parse_usd("1e-3"), Ok(0.001));
        assert_eq!(parse_usd("1000000"), Ok(1_000_000.0));
        assert!(parse_usd("1e308").unwrap_err().contains("over $1,000,000"));
        assert!(parse_usd("-0").unwrap().is_sign_positive());
        for bad in [
            "", " ", "abc", "NaN", "nan", "inf", "-inf", "infinity", "-1", "-0.01", "1,5", "$1",
        ] {
            assert!(parse_usd(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn written_line_reads_back() {
        let new = NewEntry {
            ts: "2026-11-23T17:00:00Z".into(),
            kind: "tick",
            id: "r1",
            runner: "claude",
            cost_usd: Some(0.5),
            input_tokens: Some(10),
            output_tokens: None,
            ..NewEntry::default()
        };
        let line = serde_json::to_string(&new).unwrap();
        assert!(
            !line.contains("output_tokens"),
            "unknown counts are left out: {line}"
        );
        let back: Entry = serde_json::from_str(&line).unwrap();
        assert_eq!(
            (back.kind.as_ref(), back.id.as_ref(), back.runner.as_ref()),
            ("tick", "r1", "claude")
        );
        assert_eq!(
            (back.cost_usd, back.input_tokens, back.output_tokens),
            (Some(0.5), Some(10), None)
        );
        assert_eq!(back.source(), Source::Stream, "a tick line without source");
    }

    #[test]
    fn unpriced_and_metered_lines_read_back() {
        let new = NewEntry {
            ts: "2026-11-23T17:00:00Z".into(),
            kind: "session",
            id: "w1",
            runner: "claude",
            cost_usd: None,
            input_tokens: Some(1),
            output_tokens: Some(2),
            cache_read_tokens: Some(3),
            cache_write_tokens: Some(4),
            source: Some("transcript"),
            model: Some("mystery"),
            goal: Some("g"),
            mark: Some("looop-w1#1.0"),
        };
        let line = serde_json::to_string(&new).unwrap();
        assert!(line.contains(r#""cost_usd":null"#), "{line}");
        let back: Entry = serde_json::from_str(&line).unwrap();
        assert_eq!(back.cost_usd, None);
        assert_eq!(back.tokens(), 10);
        assert_eq!(back.source(), Source::Transcript);
        assert_eq!(back.model.as_deref(), Some("mystery"));
        assert_eq!(back.goal.as_deref(), Some("g"));
        let old: Entry = serde_json::from_str(
            r#"{"ts":"2026-11-23T17:00:00Z","kind":"session","id":"w1","runner":"pi","cost_usd":1}"#,
        )
        .unwrap();
        assert_eq!(old.source(), Source::Own, "an old worker report");
        assert!(
            serde_json::from_str::<Entry>(
                r#"{"ts":"2026-11-23T17:00:00Z","kind":"tick","id":"a","runner":"b"}"#
            )
            .is_err(),
            "cost_usd may be null, never missing"
        );
    }

    #[test]
    fn escaped_strings_still_read() {
        let e: Entry = serde_json::from_str(
            r#"{"ts":"2026-11-23T17:00:00Z","kind":"ti\u0063k","id":"a","runner":"b","cost_usd":1,"extra":[1]}"#,
        )
        .unwrap();
        assert_eq!(e.kind, "tick");
    }
}
