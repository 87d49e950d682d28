//! Local calendar days for ledger timestamps.
//!
//! The ledger stores UTC instants; people think in local days ("what did I
//! spend today?", CONTRACT §4 Money). A day's bounds are the local midnights
//! around it, found once and cached: ledger lines are roughly in time order,
//! so almost every line falls in the day of the line before and costs one
//! comparison instead of a time-zone lookup.

use chrono::{DateTime, Local, NaiveDate, TimeZone};

/// Seconds since the epoch of an RFC 3339 timestamp, `None` when malformed.
pub fn parse_ts(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

/// Today's date in local time.
pub fn today() -> NaiveDate {
    Local::now().date_naive()
}

/// The first instant of local day `day`, in epoch seconds. Usually local
/// midnight; where a DST jump skips midnight, the first hour that exists.
pub fn day_start(day: NaiveDate) -> i64 {
    for hour in 0..24 {
        let Some(naive) = day.and_hms_opt(hour, 0, 0) else {
            continue;
        };
        if let Some(t) = Local.from_local_datetime(&naive).earliest() {
            return t.timestamp();
        }
    }
    // No hour of the day exists locally: impossible in real zones; UTC
    // midnight keeps the report going rather than failing it.
    day.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or_default()
}

/// The first instant after local day `day`.
pub fn day_end(day: NaiveDate) -> i64 {
    match day.succ_opt() {
        Some(next) => day_start(next),
        None => i64::MAX,
    }
}

/// Maps epoch seconds to local days, remembering the last day's bounds.
#[derive(Debug, Default)]
pub struct DayCache {
    /// `[start, end)` in epoch seconds and the day they span.
    last: Option<(i64, i64, NaiveDate)>,
}

impl DayCache {
    pub fn day_of(&mut self, secs: i64) -> NaiveDate {
        if let Some((start, end, day)) = self.last
            && start <= secs
            && secs < end
        {
            return day;
        }
        let day = match Local.timestamp_opt(secs, 0).earliest() {
            Some(t) => t.date_naive(),
            None => return NaiveDate::default(),
        };
        let (start, end) = (day_start(day), day_end(day));
        if start <= secs && secs < end {
            self.last = Some((start, end, day));
        }
        day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_with_offsets_and_fractions_parse() {
        assert_eq!(parse_ts("1970-01-01T00:00:10Z"), Some(10));
        assert_eq!(parse_ts("1970-01-01T01:00:10+01:00"), Some(10));
        assert_eq!(parse_ts("1970-01-01T00:00:10.999Z"), Some(10));
        assert_eq!(parse_ts("yesterday"), None);
        assert_eq!(parse_ts(""), None);
    }

    #[test]
    fn cached_days_match_direct_lookup() {
        let mut cache = DayCache::default();
        let base = parse_ts("2026-03-01T00:00:00Z").unwrap();
        // Every 7 hours over ~3 months, crossing a DST change in most zones.
        for step in 0..300 {
            let secs = base + step * 7 * 3600;
            let direct = Local
                .timestamp_opt(secs, 0)
                .earliest()
                .unwrap()
                .date_naive();
            assert_eq!(cache.day_of(secs), direct, "at {secs}");
            assert!(day_start(direct) <= secs && secs < day_end(direct));
        }
    }
}
