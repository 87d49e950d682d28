//! Reading the reset moment out of a usage-limit message (CONTRACT §11):
//! the pieces every agent's text is made of — a clock time (`3pm`,
//! `1:28am`, `1:29 AM`), a month and day (`Dec 7`, `Dec 6th, 2026`), a zone
//! in parentheses, a duration (`~12 min`, `2 hours 5 minutes`) or epoch
//! seconds. Each agent's file says which pieces its text has and where.
//! A leaf: the CLIs' files import it, it imports none of them.
//!
//! Zones: a fixed offset is read from the name (`UTC`, `GMT`, `Z`,
//! `UTC+2`, `GMT-05:00`, `+0530`); any other name (`Europe/Paris`) is
//! looked up in the system's zone files ([`crate::tz`]). A name neither
//! gives (no such file, unreadable, refused) is read as the machine's
//! local time, which is right whenever the agent runs on this machine in
//! its zone (the CLIs print the zone they run in).

use crate::tz;
use chrono::{
    DateTime, Datelike, Duration, FixedOffset, Local, NaiveDate, NaiveTime, TimeZone, Utc,
};

/// A zone named in a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Zone {
    /// `UTC`, `GMT+2`, `+0530`.
    Fixed(FixedOffset),
    /// `Europe/Paris`, from the system's zone files.
    Named(tz::Zone),
}

/// A usage-limit stop found in an agent's text.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitHit {
    /// The message as the agent printed it (one line, at most
    /// [`MESSAGE_CAP`] bytes).
    pub message: String,
    /// The reset moment the text gives, as read (it may lie in the past or
    /// far ahead: the pause decides what to make of that); `None` when the
    /// text gives none or it cannot be read.
    pub until: Option<DateTime<Utc>>,
}

/// The longest message kept.
pub const MESSAGE_CAP: usize = 300;

/// The message starting at byte `at` of `text`: up to the end of the line
/// or of the JSON string it sits in, trimmed and capped.
pub fn message_at(text: &str, at: usize) -> String {
    let rest = &text[at..];
    let end = rest.find(['"', '\\', '\n', '\r']).unwrap_or(rest.len());
    let mut msg = rest[..end].trim().to_string();
    if msg.len() > MESSAGE_CAP {
        let mut cut = MESSAGE_CAP;
        while !msg.is_char_boundary(cut) {
            cut -= 1;
        }
        msg.truncate(cut);
    }
    msg
}

/// Where `needle` starts in `text`, ignoring ASCII case.
pub fn find_ci(text: &str, needle: &str) -> Option<usize> {
    text.to_ascii_lowercase().find(&needle.to_ascii_lowercase())
}

/// The zone named in a message, `None` for a name that is neither a fixed
/// offset nor in the system's zone files (read as local time).
pub fn zone(name: &str) -> Option<Zone> {
    let name = name.trim();
    fixed(name)
        .map(Zone::Fixed)
        .or_else(|| tz::Zone::load(name).map(Zone::Named))
}

/// A fixed offset spelled out in `name`.
fn fixed(name: &str) -> Option<FixedOffset> {
    let rest = ["UTC", "GMT", "Z"]
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name);
    if rest.is_empty() {
        return FixedOffset::east_opt(0);
    }
    let (sign, digits) = match rest.as_bytes()[0] {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// A clock time at the start of `text`: `3pm`, `3:30pm`, `1:29 AM`,
/// `13:05`. Returns the time and the rest of the text.
pub fn clock(text: &str) -> Option<(NaiveTime, &str)> {
    let text = text.trim_start();
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let n = digits(text);
    if n == 0 || n > 2 {
        return None;
    }
    let mut hour: u32 = text[..n].parse().ok()?;
    let mut rest = &text[n..];
    let mut minute = 0;
    if let Some(after) = rest.strip_prefix(':') {
        if digits(after) != 2 {
            return None;
        }
        minute = after[..2].parse().ok()?;
        rest = &after[2..];
    }
    let trimmed = rest.trim_start();
    let lower = trimmed.to_ascii_lowercase();
    let meridiem = ["am", "pm", "a.m.", "p.m."]
        .iter()
        .find(|m| lower.starts_with(**m))
        .copied();
    if let Some(m) = meridiem {
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour %= 12;
        if m.starts_with('p') {
            hour += 12;
        }
        rest = &trimmed[m.len()..];
    } else if !text[n..].starts_with(':') {
        // A bare number is not a time.
        return None;
    }
    Some((NaiveTime::from_hms_opt(hour, minute, 0)?, rest))
}

/// A month's three-letter name (any case, longer names allowed), 1-12.
fn month(word: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = word.to_ascii_lowercase();
    let at = NAMES.iter().position(|m| lower.starts_with(m))?;
    Some(at as u32 + 1)
}

/// `Dec 7,` / `Dec 6th, 2026` at the start of `text`: month, day, the
/// year when given, and the rest.
pub fn month_day(text: &str) -> Option<(u32, u32, Option<i32>, &str)> {
    let text = text.trim_start();
    let (word, rest) = text.split_once(' ')?;
    let m = month(word)?;
    let rest = rest.trim_start();
    let n = rest.bytes().take_while(u8::is_ascii_digit).count();
    let day: u32 = rest.get(..n)?.parse().ok()?;
    let mut rest = rest[n..].trim_start_matches(|c: char| c.is_ascii_alphabetic());
    rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    let y = rest.bytes().take_while(u8::is_ascii_digit).count();
    let year = if y == 4 {
        let year = rest[..4].parse().ok();
        rest = rest[4..].trim_start();
        year
    } else {
        None
    };
    Some((m, day, year, rest))
}

/// A zone in parentheses at the start of `text` (` (Europe/Paris)`), or
/// `None` (local time) when absent or unknown.
pub fn paren_zone(text: &str) -> Option<Zone> {
    let inner = text.trim_start().strip_prefix('(')?;
    zone(&inner[..inner.find(')')?])
}

/// The next moment at or after `now` whose wall clock in `zone` (local
/// when `None`) reads `time`.
pub fn next_at(now: DateTime<Utc>, time: NaiveTime, zone: Option<Zone>) -> DateTime<Utc> {
    let today = today(now, zone.as_ref());
    for day in [today, today + Duration::days(1), today + Duration::days(2)] {
        if let Some(t) = on(day, time, zone.as_ref())
            && t >= now
        {
            return t;
        }
    }
    now
}

/// The date `now` falls on in `zone` (local when `None`).
fn today(now: DateTime<Utc>, zone: Option<&Zone>) -> NaiveDate {
    match zone {
        Some(Zone::Fixed(z)) => now.with_timezone(z).date_naive(),
        Some(Zone::Named(z)) => {
            (now + Duration::seconds(i64::from(z.offset_at(now.timestamp())))).date_naive()
        }
        None => now.with_timezone(&Local).date_naive(),
    }
}

/// `day` at `time` in `zone` (local when `None`); the earlier of two in a
/// fold, `None` in a gap.
fn on(day: NaiveDate, time: NaiveTime, zone: Option<&Zone>) -> Option<DateTime<Utc>> {
    let wall = day.and_time(time);
    match zone {
        Some(Zone::Fixed(z)) => in_chrono(z, wall),
        Some(Zone::Named(z)) => z.utc_of(wall).and_then(epoch),
        None => in_chrono(&Local, wall),
    }
}

/// `wall` in a chrono zone, as [`on`] says.
fn in_chrono<Z: TimeZone>(zone: &Z, wall: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
    zone.from_local_datetime(&wall)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Month `m`, day `d` at `time` in `zone` (local when `None`): in `year`
/// when given, else the next such day from `now` (this year in that zone,
/// or next year once it has passed by more than a day).
pub fn dated(
    now: DateTime<Utc>,
    (m, d, year): (u32, u32, Option<i32>),
    time: NaiveTime,
    zone: Option<Zone>,
) -> Option<DateTime<Utc>> {
    let at = |y: i32| -> Option<DateTime<Utc>> {
        on(NaiveDate::from_ymd_opt(y, m, d)?, time, zone.as_ref())
    };
    if let Some(y) = year {
        return at(y);
    }
    let this = today(now, zone.as_ref()).year();
    let t = at(this)?;
    if t + Duration::days(1) < now {
        at(this + 1)
    } else {
        Some(t)
    }
}

/// A duration in words at the start of `text`: `~12 min`, `2 hours 5
/// minutes`, `3h 20m`, `45 seconds`, `less than a minute` (one minute).
pub fn duration(text: &str) -> Option<Duration> {
    let text = text.trim_start().trim_start_matches('~').trim_start();
    if text.to_ascii_lowercase().starts_with("less than a minute") {
        return Some(Duration::minutes(1));
    }
    let mut total = Duration::zero();
    let mut rest = text;
    let mut found = false;
    loop {
        let r = rest.trim_start();
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 6 {
            break;
        }
        let value: i64 = r[..n].parse().ok()?;
        let after = r[n..].trim_start();
        let unit: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect::<String>()
            .to_ascii_lowercase();
        let step = match unit.as_str() {
            "d" | "day" | "days" => Duration::days(value),
            "h" | "hr" | "hrs" | "hour" | "hours" => Duration::hours(value),
            "m" | "min" | "mins" | "minute" | "minutes" => Duration::minutes(value),
            "s" | "sec" | "secs" | "second" | "seconds" => Duration::seconds(value),
            _ => break,
        };
        total += step;
        found = true;
        rest = after[unit.len()..].trim_start();
        rest = rest
            .strip_prefix(',')
            .or_else(|| rest.strip_prefix("and "))
            .unwrap_or(rest);
    }
    found.then_some(total)
}

/// Epoch seconds as a moment (`None` for a value out of range).
pub fn epoch(secs: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn clocks() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(clock("3pm (UTC)").unwrap().0, t(15, 0));
        assert_eq!(clock("1:28am (Europe/Paris)").unwrap().0, t(1, 28));
        assert_eq!(clock("12:27am").unwrap().0, t(0, 27));
        assert_eq!(clock("12pm").unwrap().0, t(12, 0));
        assert_eq!(clock("1:29 AM.").unwrap(), (t(1, 29), "."));
        assert_eq!(clock("13:05").unwrap().0, t(13, 5));
        assert_eq!(clock("13pm"), None);
        assert_eq!(clock("7 days"), None);
        assert_eq!(clock("soon"), None);
    }

    #[test]
    fn zones() {
        let fixed = |s| Some(Zone::Fixed(FixedOffset::east_opt(s).unwrap()));
        assert_eq!(zone("UTC"), fixed(0));
        assert_eq!(zone("GMT+2"), fixed(7200));
        assert_eq!(zone("UTC-05:30"), fixed(-19800));
        assert_eq!(zone("+0100"), fixed(3600));
        assert_eq!(paren_zone(" (UTC)"), fixed(0));
        assert!(matches!(zone("Europe/Paris"), Some(Zone::Named(_))));
        assert!(matches!(paren_zone(" (Asia/Tokyo)"), Some(Zone::Named(_))));
        // Unknown or refused names: local time.
        assert_eq!(zone("Mars/Olympus_Mons"), None);
        assert_eq!(paren_zone(" (../../etc/passwd)"), None);
        assert_eq!(paren_zone(" (soon)"), None);
    }

    #[test]
    fn named_zones_are_honoured() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let now = utc("2026-12-05T22:00:00Z");
        // claude's `resets 1:28am (Europe/Paris)`: 00:28 UTC in winter.
        let paris = paren_zone(" (Europe/Paris)");
        assert_eq!(
            next_at(now, t(1, 28), paris.clone()),
            utc("2026-12-06T00:28:00Z")
        );
        let tokyo = paren_zone(" (Asia/Tokyo)");
        assert_eq!(
            next_at(now, t(9, 0), tokyo.clone()),
            utc("2026-12-06T00:00:00Z")
        );
        // 22:00 UTC is already 07:00 tomorrow in Tokyo: 01:28 is the day after.
        assert_eq!(next_at(now, t(1, 28), tokyo), utc("2026-12-06T16:28:00Z"));
        // Summer time, and the spring gap (02:30 does not exist that day).
        let spring = utc("2026-03-28T12:00:00Z");
        assert_eq!(
            next_at(spring, t(2, 30), paris.clone()),
            utc("2026-03-30T00:30:00Z")
        );
        assert_eq!(
            dated(now, (7, 1, Some(2027)), t(15, 0), paris.clone()),
            Some(utc("2027-07-01T13:00:00Z"))
        );
        assert_eq!(
            dated(
                now,
                (12, 7, None),
                t(15, 0),
                paren_zone(" (America/New_York)")
            ),
            Some(utc("2026-12-07T20:00:00Z"))
        );
    }

    #[test]
    fn next_moment_is_today_or_tomorrow() {
        let now = utc("2026-12-05T22:00:00Z");
        let z = zone("UTC");
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(
            next_at(now, t(23, 0), z.clone()),
            utc("2026-12-05T23:00:00Z")
        );
        assert_eq!(next_at(now, t(0, 27), z), utc("2026-12-06T00:27:00Z"));
        assert_eq!(
            next_at(now, t(15, 0), zone("GMT+2")),
            utc("2026-12-06T13:00:00Z")
        );
    }

    #[test]
    fn dates_and_durations() {
        let now = utc("2026-12-05T22:00:00Z");
        let t = NaiveTime::from_hms_opt(1, 28, 0).unwrap();
        let (m, d, y, rest) = month_day("Dec 6th, 2026 1:28 AM.").unwrap();
        assert_eq!((m, d, y, rest), (12, 6, Some(2026), "1:28 AM."));
        assert_eq!(
            dated(now, (12, 6, Some(2026)), t, zone("UTC")),
            Some(utc("2026-12-06T01:28:00Z"))
        );
        let (m, d, y, _) = month_day("Dec 7, 3pm").unwrap();
        assert_eq!((m, d, y), (12, 7, None));
        assert_eq!(duration("~12 min."), Some(Duration::minutes(12)));
        assert_eq!(
            duration("2 hours 5 minutes. To continue"),
            Some(Duration::minutes(125))
        );
        assert_eq!(duration("less than a minute."), Some(Duration::minutes(1)));
        assert_eq!(duration("a while"), None);
        assert_eq!(epoch(1796516873).unwrap().timestamp(), 1796516873);
    }
}
