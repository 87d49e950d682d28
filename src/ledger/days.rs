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
    if let Some(secs) = plain_utc(text.as_bytes()) {
        return Some(secs);
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the shape looop writes, without chrono (whose
/// general parser was a tenth of a million-line report); `None` for
/// anything else, which chrono then reads. Only valid dates and times pass
/// (a leap second goes to chrono), so both agree (see the tests).
fn plain_utc(b: &[u8]) -> Option<i64> {
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    if b[13] != b':' || b[16] != b':' || b[19] != b'Z' {
        return None;
    }
    let num = |from: usize, len: usize| -> Option<i64> {
        b[from..from + len].iter().try_fold(0i64, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, min, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > month_days || hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
    fn the_plain_utc_path_agrees_with_chrono() {
        let chrono = |t: &str| DateTime::parse_from_rfc3339(t).ok().map(|t| t.timestamp());
        let mut checked = 0;
        for year in [0, 1, 1600, 1900, 1969, 1970, 2000, 2024, 2026, 2100, 9999] {
            for month in 0..=13 {
                for day in [0, 1, 28, 29, 30, 31, 32] {
                    for (h, m, s) in [(0, 0, 0), (23, 59, 59), (24, 0, 0), (12, 60, 0), (1, 2, 60)]
                    {
                        let t = format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z");
                        if let Some(fast) = plain_utc(t.as_bytes()) {
                            assert_eq!(Some(fast), chrono(&t), "{t}");
                            checked += 1;
                        } else {
                            assert!(s == 60 || chrono(&t).is_none(), "{t} left to chrono");
                        }
                        assert_eq!(parse_ts(&t), chrono(&t), "{t}");
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked}");
        for t in [
            "2026-11-23T10:00:00.5Z",
            "2026-11-23t10:00:00z",
            "2026-11-23T10:00:00+00:00",
            "+2026-11-23T10:00:00Z",
            "2026-1a-23T10:00:00Z",
        ] {
            assert_eq!(plain_utc(t.as_bytes()), None, "{t}");
            assert_eq!(parse_ts(t), chrono(t), "{t}");
        }
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
