//! The POSIX TZ rule a TZif footer carries (RFC 8536 §3.3), which gives
//! the offset for every instant after the file's last transition (slim
//! files stop at the last change of rule and rely on it): `JST-9`,
//! `<+0530>-5:30`, `CET-1CEST,M3.5.0,M10.5.0/3`. The three day forms
//! (`Mm.w.d`, `Jn`, `n`) and RFC 8536's extended times (negative, up to
//! 167 hours) are read; a DST name without a rule is refused (`None`).

use chrono::{DateTime, Datelike, Duration, NaiveDate};

/// A zone rule: standard offset, and daylight time when it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Seconds east of UTC in standard time.
    std: i32,
    dst: Option<Dst>,
}

#[derive(Debug, Clone, PartialEq)]
struct Dst {
    /// Seconds east of UTC in daylight time.
    offset: i32,
    /// When daylight time starts (in standard local time) and ends (in
    /// daylight local time): a day and seconds after its midnight.
    start: (Day, i32),
    end: (Day, i32),
}

#[derive(Debug, Clone, PartialEq)]
enum Day {
    /// `Jn`: day 1-365, February 29 never counted.
    Julian(u32),
    /// `n`: day 0-365, February 29 counted.
    Zero(u32),
    /// `Mm.w.d`: weekday `d` (0 Sunday) of week `w` (5 the last) of month
    /// `m`.
    Month(u32, u32, u32),
}

struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        self.at += usize::from(hit);
        hit
    }

    /// A run of at most `max` digits (at least one).
    fn number(&mut self, max: usize) -> Option<u32> {
        let n = self.s[self.at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if n == 0 || n > max {
            return None;
        }
        let v = std::str::from_utf8(&self.s[self.at..self.at + n])
            .ok()?
            .parse()
            .ok()?;
        self.at += n;
        Some(v)
    }

    /// A zone abbreviation: three or more letters, or `<…>` quoted.
    fn name(&mut self) -> Option<()> {
        let rest = &self.s[self.at..];
        let n = if rest.first() == Some(&b'<') {
            let close = rest.iter().position(|&b| b == b'>')?;
            let inner = &rest[1..close];
            let ok = !inner.is_empty()
                && inner
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'-');
            ok.then_some(close + 1)?
        } else {
            let n = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
            (n >= 3).then_some(n)?
        };
        self.at += n;
        Some(())
    }

    /// `[+-]h[h[h]][:mm[:ss]]` in seconds, hours at most `max_h`.
    fn hms(&mut self, max_h: u32) -> Option<i32> {
        let sign = if self.eat(b'-') {
            -1
        } else {
            self.eat(b'+');
            1
        };
        let h = self.number(3)?;
        let mut m = 0;
        let mut s = 0;
        if self.eat(b':') {
            m = self.number(2)?;
            if self.eat(b':') {
                s = self.number(2)?;
            }
        }
        if h > max_h || m > 59 || s > 59 {
            return None;
        }
        Some(sign * (h * 3600 + m * 60 + s) as i32)
    }

    fn day(&mut self) -> Option<Day> {
        let day = if self.eat(b'M') {
            let m = self.number(2)?;
            let ok = self.eat(b'.');
            let w = self.number(1)?;
            let ok = ok && self.eat(b'.');
            let d = self.number(1)?;
            let fine = ok && (1..=12).contains(&m) && (1..=5).contains(&w) && d <= 6;
            fine.then_some(Day::Month(m, w, d))?
        } else if self.eat(b'J') {
            let n = self.number(3)?;
            (1..=365).contains(&n).then_some(Day::Julian(n))?
        } else {
            let n = self.number(3)?;
            (n <= 365).then_some(Day::Zero(n))?
        };
        Some(day)
    }

    /// `,date[/time]`: the time defaults to 02:00.
    fn change(&mut self) -> Option<(Day, i32)> {
        if !self.eat(b',') {
            return None;
        }
        let day = self.day()?;
        let time = if self.eat(b'/') { self.hms(167)? } else { 7200 };
        Some((day, time))
    }
}

/// The rule a footer string gives, `None` when it cannot be read.
pub fn parse(text: &str) -> Option<Rule> {
    let mut c = Cursor {
        s: text.as_bytes(),
        at: 0,
    };
    c.name()?;
    // POSIX offsets count west of UTC.
    let std = -c.hms(24)?;
    if c.peek().is_none() {
        return Some(Rule { std, dst: None });
    }
    c.name()?;
    let offset = match c.peek() {
        Some(b',') => std + 3600,
        _ => -c.hms(24)?,
    };
    let start = c.change()?;
    let end = c.change()?;
    if c.peek().is_some() {
        return None;
    }
    Some(Rule {
        std,
        dst: Some(Dst { offset, start, end }),
    })
}

/// The date `day` names in `year`.
fn date(year: i32, day: &Day) -> Option<NaiveDate> {
    let jan1 = NaiveDate::from_ymd_opt(year, 1, 1)?;
    match *day {
        Day::Julian(n) => {
            let leap = jan1.leap_year() && n >= 60;
            jan1.checked_add_signed(Duration::days(i64::from(n) - 1 + i64::from(leap)))
        }
        Day::Zero(n) => jan1.checked_add_signed(Duration::days(i64::from(n))),
        Day::Month(m, w, d) => {
            let first = NaiveDate::from_ymd_opt(year, m, 1)?;
            let lead = (d + 7 - first.weekday().num_days_from_sunday()) % 7;
            let mut at = first + Duration::days(i64::from(lead + (w - 1) * 7));
            while at.month() != m {
                at -= Duration::days(7);
            }
            Some(at)
        }
    }
}

/// The UTC second a change happens in `year`, given the offset in force
/// before it.
fn instant(year: i32, (day, time): &(Day, i32), before: i32) -> Option<i64> {
    let midnight = date(year, day)?.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
    Some(midnight + i64::from(*time) - i64::from(before))
}

impl Rule {
    /// Seconds east of UTC at the UTC second `t`.
    pub fn offset_at(&self, t: i64) -> i32 {
        let Some(dst) = &self.dst else {
            return self.std;
        };
        let Some(year) = DateTime::from_timestamp(t + i64::from(self.std), 0).map(|d| d.year())
        else {
            return self.std;
        };
        let (Some(start), Some(end)) = (
            instant(year, &dst.start, self.std),
            instant(year, &dst.end, dst.offset),
        ) else {
            return self.std;
        };
        let daylight = if start < end {
            start <= t && t < end
        } else {
            !(end <= t && t < start)
        };
        if daylight { dst.offset } else { self.std }
    }

    /// Every offset the rule can give.
    pub fn offsets(&self) -> Vec<i32> {
        let mut all = vec![self.std];
        all.extend(self.dst.as_ref().map(|d| d.offset));
        all
    }
}
