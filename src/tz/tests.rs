use super::*;
use chrono::{DateTime, NaiveDate};

fn at(s: &str) -> i64 {
    DateTime::parse_from_rfc3339(s).unwrap().timestamp()
}

fn wall(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, mo, d)
        .unwrap()
        .and_hms_opt(h, mi, 0)
        .unwrap()
}

fn real(name: &str) -> Zone {
    Zone::load(name).unwrap_or_else(|| panic!("{name} from /usr/share/zoneinfo"))
}

/// Paris's 2026 changes, from any source of its rules.
fn paris_2026(z: &Zone) {
    assert_eq!(z.offset_at(at("2026-01-15T12:00:00Z")), 3600);
    assert_eq!(z.offset_at(at("2026-03-29T00:59:59Z")), 3600);
    assert_eq!(z.offset_at(at("2026-03-29T01:00:00Z")), 7200);
    assert_eq!(z.offset_at(at("2026-10-25T00:59:59Z")), 7200);
    assert_eq!(z.offset_at(at("2026-10-25T01:00:00Z")), 3600);
    // The spring gap has no instant; the first minute after it has one.
    assert_eq!(z.utc_of(wall(2026, 3, 29, 2, 30)), None);
    assert_eq!(
        z.utc_of(wall(2026, 3, 29, 3, 0)),
        Some(at("2026-03-29T01:00:00Z"))
    );
    // The autumn fold has two; the earlier (still summer time) is taken.
    assert_eq!(
        z.utc_of(wall(2026, 10, 25, 2, 30)),
        Some(at("2026-10-25T00:30:00Z"))
    );
    assert_eq!(
        z.utc_of(wall(2026, 12, 6, 1, 28)),
        Some(at("2026-12-06T00:28:00Z"))
    );
    assert_eq!(
        z.utc_of(wall(2026, 7, 1, 12, 0)),
        Some(at("2026-07-01T10:00:00Z"))
    );
}

#[test]
fn real_zone_files() {
    paris_2026(&real("Europe/Paris"));
    // Far past any fat file's last transition: the footer's rule.
    let paris = real("Europe/Paris");
    assert_eq!(
        paris.utc_of(wall(2060, 7, 1, 12, 0)),
        Some(at("2060-07-01T10:00:00Z"))
    );
    let tokyo = real("Asia/Tokyo");
    assert_eq!(tokyo.offset_at(at("2026-07-01T00:00:00Z")), 9 * 3600);
    assert_eq!(
        tokyo.utc_of(wall(2026, 12, 6, 1, 28)),
        Some(at("2026-12-05T16:28:00Z"))
    );
    let ny = real("America/New_York");
    assert_eq!(ny.offset_at(at("2026-01-15T12:00:00Z")), -5 * 3600);
    assert_eq!(ny.offset_at(at("2026-03-08T06:59:59Z")), -5 * 3600);
    assert_eq!(ny.offset_at(at("2026-03-08T07:00:00Z")), -4 * 3600);
    assert_eq!(ny.utc_of(wall(2026, 3, 8, 2, 30)), None);
    assert_eq!(
        ny.utc_of(wall(2026, 11, 1, 1, 30)),
        Some(at("2026-11-01T05:30:00Z"))
    );
    let utc = real("UTC");
    assert_eq!(utc.offset_at(at("2026-07-01T00:00:00Z")), 0);
    assert_eq!(
        utc.utc_of(wall(2026, 7, 1, 3, 4)),
        Some(at("2026-07-01T03:04:00Z"))
    );
}

fn header(version: u8, time: u32, kind: u32, chars: u32) -> Vec<u8> {
    let mut h = b"TZif".to_vec();
    h.push(version);
    h.extend([0; 15]);
    for n in [0, 0, 0, time, kind, chars] {
        h.extend(n.to_be_bytes());
    }
    h
}

/// A slim version 2 file: a one-type version 1 block, then `times` and
/// `offsets` (each transition switching to the type of its index) and the
/// footer.
fn slim(times: &[i64], offsets: &[i32], footer: &str) -> Vec<u8> {
    let mut b = header(b'2', 0, 1, 1);
    b.extend([0, 0, 0, 0, 0, 0, 0]);
    b.extend(header(b'2', times.len() as u32, offsets.len() as u32, 1));
    for t in times {
        b.extend(t.to_be_bytes());
    }
    b.extend((0..times.len()).map(|i| i as u8));
    for o in offsets {
        b.extend(o.to_be_bytes());
        b.extend([0, 0]);
    }
    b.push(0);
    b.extend(format!("\n{footer}\n").as_bytes());
    b
}

#[test]
fn slim_files_rely_on_the_footer() {
    let paris = Zone::parse(&slim(&[], &[3600], "CET-1CEST,M3.5.0,M10.5.0/3")).unwrap();
    paris_2026(&paris);
    let india = Zone::parse(&slim(&[], &[19800], "<+0530>-5:30")).unwrap();
    assert_eq!(india.offset_at(at("2026-07-01T00:00:00Z")), 19800);
    let japan = Zone::parse(&slim(&[], &[32400], "JST-9")).unwrap();
    assert_eq!(
        japan.utc_of(wall(2026, 12, 6, 1, 28)),
        Some(at("2026-12-05T16:28:00Z"))
    );
    // Southern hemisphere: summer time spans the new year.
    let sydney = Zone::parse(&slim(&[], &[36000], "AEST-10AEDT,M10.1.0,M4.1.0/3")).unwrap();
    assert_eq!(sydney.offset_at(at("2026-01-15T00:00:00Z")), 39600);
    assert_eq!(sydney.offset_at(at("2026-07-15T00:00:00Z")), 36000);
    // Julian days (J60 is March 1 even in a leap year) and zero-based days.
    let j = Zone::parse(&slim(&[], &[0], "AAA0BBB,J60/0,300/0")).unwrap();
    assert_eq!(j.offset_at(at("2028-02-29T12:00:00Z")), 0);
    assert_eq!(j.offset_at(at("2028-03-01T00:00:00Z")), 3600);
    // Transitions first, then the footer after the last one.
    let z = Zone::parse(&slim(&[0, 100], &[0, 7200], "JST-9")).unwrap();
    assert_eq!(z.offset_at(-1), 0);
    assert_eq!(z.offset_at(50), 0);
    assert_eq!(z.offset_at(100), 32400);
    // A version 1 file: no footer, the last type stays.
    let mut v1 = header(0, 1, 2, 1);
    v1.extend(10i32.to_be_bytes());
    v1.push(1);
    v1.extend([0, 0, 0, 0, 0, 0, 0, 0, 0x0e, 0x10, 0, 0, 0]);
    let z = Zone::parse(&v1).unwrap();
    assert_eq!(
        (z.offset_at(9), z.offset_at(10), z.offset_at(1 << 40)),
        (0, 3600, 3600)
    );
}

#[test]
fn garbage_and_truncated_files_are_none() {
    assert_eq!(Zone::parse(b""), None);
    assert_eq!(
        Zone::parse(b"not a zone file at all, not at all, no....."),
        None
    );
    let good = slim(&[0, 100], &[0, 7200], "CET-1CEST,M3.5.0,M10.5.0/3");
    assert!(Zone::parse(&good).is_some());
    for n in 0..good.len() {
        assert_eq!(Zone::parse(&good[..n]), None, "cut at {n}");
    }
    if let Ok(paris) = std::fs::read("/usr/share/zoneinfo/Europe/Paris") {
        for n in 0..paris.len() {
            assert_eq!(Zone::parse(&paris[..n]), None, "cut at {n}");
        }
    }
    // Counts far beyond the bytes, a type index out of range, times out of
    // order, an unreadable footer.
    let mut huge = header(b'2', u32::MAX, u32::MAX, u32::MAX);
    huge.extend([0; 64]);
    assert_eq!(Zone::parse(&huge), None);
    let mut bad_kind = slim(&[0], &[0], "UTC0");
    let kind_at = 44 + 7 + 44 + 8;
    bad_kind[kind_at] = 5;
    assert_eq!(Zone::parse(&bad_kind), None);
    assert_eq!(Zone::parse(&slim(&[100, 0], &[0, 0], "UTC0")), None);
    for footer in [
        "CET-1CEST",
        "CET-1CEST,M13.5.0,M10.5.0",
        "X-1",
        "CET-1CEST,M3.5.0",
        "CET",
    ] {
        assert_eq!(Zone::parse(&slim(&[], &[0], footer)), None, "{footer}");
    }
}

#[test]
fn names_are_checked_before_they_become_paths() {
    for bad in [
        "../../etc/passwd",
        "/etc/passwd",
        "Europe/../Paris",
        "Europe//Paris",
        "Europe/Paris/",
        ".",
        "",
        "Europe/Paris\0",
        "Europe Paris",
    ] {
        assert!(!valid_name(bad), "{bad:?}");
        assert_eq!(Zone::load(bad), None, "{bad:?}");
    }
    assert!(!valid_name(&"a".repeat(65)));
    for good in ["Europe/Paris", "Etc/GMT+5", "America/Port-au-Prince", "UTC"] {
        assert!(valid_name(good), "{good}");
    }
    assert_eq!(Zone::load("No/Such_Zone"), None);
    // A directory is not a zone.
    assert_eq!(Zone::load("Europe"), None);
}
