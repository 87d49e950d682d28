//! The detach chord for `attach`: `Ctrl-\` twice in a row.
//!
//! A pure state machine so it can be tested byte by byte. A single `Ctrl-\`
//! is held back until the next byte shows whether it starts the chord; if
//! it does not, both bytes go through to the worker unchanged.

/// Ctrl-\ (FS, 0x1c).
pub const KEY: u8 = 0x1c;

#[derive(Debug, Default)]
pub struct DetachKeys {
    /// One `Ctrl-\` seen and held back.
    pending: bool,
}

impl DetachKeys {
    /// Feed typed bytes; what should reach the worker is appended to `out`.
    /// Returns true when the chord completed (bytes after it are dropped).
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> bool {
        for &b in input {
            if self.pending {
                self.pending = false;
                if b == KEY {
                    return true;
                }
                out.push(KEY);
                out.push(b);
            } else if b == KEY {
                self.pending = true;
            } else {
                out.push(b);
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        // (chunks typed, bytes forwarded, detached)
        type Case<'a> = (&'a [&'a [u8]], &'a [u8], bool);
        let cases: &[Case] = &[
            (&[b"ls\r"], b"ls\r", false),
            (&[&[KEY, KEY]], b"", true),
            (&[&[KEY], &[KEY]], b"", true),
            (&[b"a", &[KEY, KEY], b"never"], b"a", true),
            (&[&[KEY, b'x']], &[KEY, b'x'], false),
            (&[&[KEY], b"x"], &[KEY, b'x'], false),
            (&[&[KEY]], b"", false),
            (&[&[KEY, b'x', KEY, KEY]], &[KEY, b'x'], true),
            (&[&[0x03, KEY, 0x04]], &[0x03, KEY, 0x04], false),
        ];
        for (chunks, want, want_detach) in cases {
            let mut keys = DetachKeys::default();
            let mut out = Vec::new();
            let mut detached = false;
            for c in chunks.iter() {
                if keys.feed(c, &mut out) {
                    detached = true;
                    break;
                }
            }
            assert_eq!(
                (out.as_slice(), detached),
                (*want, *want_detach),
                "{chunks:?}"
            );
        }
    }
}
