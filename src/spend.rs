//! How a worker's metered spend reads to people and to the tick AI: one
//! wording for `ls`'s SPEND column and the tick prompt's WORKERS lines, so
//! a worker nothing meters, or one with tokens the price table lacks, is
//! never shown as $0 in one place and "?" in the other.

use crate::meter::Metering;

/// The SPEND cell of `ls`: `$0.1234`, `?` (tokens without a price, nothing
/// priced), `$0.1234+?` (some tokens without a price), `-` (no transcript
/// yet), `not metered`.
pub fn cell(m: &Metering) -> String {
    match m {
        Metering::Read {
            usd,
            unpriced_tokens: 0,
            ..
        } => crate::ledger::usd(*usd),
        Metering::Read { usd, .. } if *usd == 0.0 => "?".into(),
        Metering::Read { usd, .. } => format!("{}+?", crate::ledger::usd(*usd)),
        Metering::NotFound => "-".into(),
        Metering::NotMetered => "not metered".into(),
    }
}

/// The same for a sentence (the tick prompt): the cell, with what a `?`
/// or a `-` means spelled out.
pub fn phrase(m: &Metering) -> String {
    let cell = cell(m);
    match m {
        Metering::Read {
            unpriced_tokens: 0, ..
        } => format!("spent {cell}"),
        Metering::Read { .. } => format!("spent {cell} (unpriced tokens: the USD is unknown)"),
        Metering::NotFound => "spent - (no transcript yet)".into(),
        Metering::NotMetered => "spend not metered".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(usd: f64, unpriced_tokens: u64) -> Metering {
        Metering::Read {
            usd,
            unpriced_tokens,
            skipped: 0,
        }
    }

    #[test]
    fn unknown_spend_is_never_zero() {
        let cases = [
            (read(0.5, 0), "$0.5000", "spent $0.5000"),
            (read(0.0, 0), "$0.0000", "spent $0.0000"),
            (
                read(0.0, 500),
                "?",
                "spent ? (unpriced tokens: the USD is unknown)",
            ),
            (
                read(0.25, 500),
                "$0.2500+?",
                "spent $0.2500+? (unpriced tokens: the USD is unknown)",
            ),
            (Metering::NotFound, "-", "spent - (no transcript yet)"),
            (Metering::NotMetered, "not metered", "spend not metered"),
        ];
        for (m, want_cell, want_phrase) in cases {
            assert_eq!(cell(&m), want_cell, "{m:?}");
            assert_eq!(phrase(&m), want_phrase, "{m:?}");
        }
    }
}
