//! The shape of one ledger line, written and read in one place so the
//! writer and the report can never disagree about field names (CONTRACT §6).
//!
//! Reading borrows from the line buffer ([`Entry`] holds `Cow`s that only
//! allocate when a string has JSON escapes), because `looop cost` parses a
//! million lines per report and must not allocate for each.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One line as `record` writes it.
#[derive(Debug, Serialize)]
pub struct NewEntry<'a> {
    /// RFC 3339, UTC.
    pub ts: String,
    pub kind: &'a str,
    pub id: &'a str,
    pub runner: &'a str,
    pub cost_usd: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
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
    pub cost_usd: f64,
    #[serde(default)]
    pub input_tokens: Option<u64>,
    #[serde(default)]
    pub output_tokens: Option<u64>,
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

/// `a + b` to the picodollar: a sum of binary fractions (pi's 0.1 + 0.2)
/// would otherwise reach the ledger as 0.30000000000000004.
pub fn add_usd(a: f64, b: f64) -> f64 {
    ((a + b) * 1e12).round() / 1e12
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
    fn sums_carry_no_binary_fraction_noise() {
        assert_eq!(add_usd(0.1, 0.2), 0.3);
        assert_eq!(add_usd(0.3, 0.000_000_1).to_string(), "0.3000001");
        assert_eq!(add_usd(0.0, 0.0123), 0.0123);
    }

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
            cost_usd: 0.5,
            input_tokens: Some(10),
            output_tokens: None,
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
            (0.5, Some(10), None)
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
