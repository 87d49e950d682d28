//! The binary TZif format (RFC 8536) the system keeps its zones in: the
//! transition instants, the offset each switches to, and the footer's TZ
//! rule for the time after the last one. Only what a zone's offsets need
//! is kept; leap seconds, abbreviations and the std/ut flags are skipped.
//! Every count is checked against the bytes there are, so a truncated or
//! garbage file is `None`, never a panic.

/// What a TZif file says about offsets.
#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    /// Transition instants (UTC seconds), ascending.
    pub times: Vec<i64>,
    /// For each transition, the index in `offsets` it switches to.
    pub kinds: Vec<u8>,
    /// Each local time type's offset, seconds east of UTC.
    pub offsets: Vec<i32>,
    /// The footer's POSIX TZ string (version 2+), `None` when absent or
    /// empty.
    pub footer: Option<String>,
}

/// The largest offset believed (26 hours, beyond any real zone).
const MAX_OFFSET: i32 = 26 * 3600;

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(s)
    }

    /// `count` records of `size` bytes each.
    fn records(&mut self, count: usize, size: usize) -> Option<&'a [u8]> {
        self.take(count.checked_mul(size)?)
    }
}

/// The six counts of a header, in the file's order.
struct Counts {
    isut: usize,
    isstd: usize,
    leap: usize,
    time: usize,
    kind: usize,
    chars: usize,
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// A 44-byte header: the version byte and the counts.
fn header(r: &mut Reader) -> Option<(u8, Counts)> {
    let h = r.take(44)?;
    if &h[..4] != b"TZif" {
        return None;
    }
    let n = |i: usize| be32(&h[20 + 4 * i..]) as usize;
    let counts = Counts {
        isut: n(0),
        isstd: n(1),
        leap: n(2),
        time: n(3),
        kind: n(4),
        chars: n(5),
    };
    Some((h[4], counts))
}

/// One data block: 4-byte times in the version 1 block, 8-byte (`wide`)
/// in the version 2+ block.
fn block(r: &mut Reader, c: &Counts, wide: bool) -> Option<(Vec<i64>, Vec<u8>, Vec<i32>)> {
    let size = if wide { 8 } else { 4 };
    let times: Vec<i64> = r
        .records(c.time, size)?
        .chunks_exact(size)
        .map(|b| match b.try_into() {
            Ok(eight) => i64::from_be_bytes(eight),
            Err(_) => i64::from(be32(b) as i32),
        })
        .collect();
    let kinds = r.records(c.time, 1)?.to_vec();
    let offsets: Vec<i32> = r
        .records(c.kind, 6)?
        .chunks_exact(6)
        .map(|b| be32(b) as i32)
        .collect();
    r.take(c.chars)?;
    r.records(c.leap, size + 4)?;
    r.take(c.isstd)?;
    r.take(c.isut)?;
    let sound = !offsets.is_empty()
        && offsets.iter().all(|o| o.abs() <= MAX_OFFSET)
        && kinds.iter().all(|&k| usize::from(k) < offsets.len())
        && times.windows(2).all(|w| w[0] < w[1]);
    sound.then_some((times, kinds, offsets))
}

/// The offsets a TZif file gives; `None` for anything malformed.
pub fn parse(bytes: &[u8]) -> Option<Data> {
    let mut r = Reader { bytes, at: 0 };
    let (version, counts) = header(&mut r)?;
    let (times, kinds, offsets) = block(&mut r, &counts, false)?;
    if version == 0 {
        return Some(Data {
            times,
            kinds,
            offsets,
            footer: None,
        });
    }
    let (_, counts) = header(&mut r)?;
    let (times, kinds, offsets) = block(&mut r, &counts, true)?;
    let rest = r.bytes.get(r.at..)?.strip_prefix(b"\n")?;
    let end = rest.iter().position(|&b| b == b'\n')?;
    let footer = std::str::from_utf8(&rest[..end]).ok()?;
    Some(Data {
        times,
        kinds,
        offsets,
        footer: (!footer.is_empty()).then(|| footer.to_string()),
    })
}
