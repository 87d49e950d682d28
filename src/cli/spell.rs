//! "Did you mean ...?": the nearest of a few known words to a typo, for the
//! hints on an unknown command and an unknown flag.

/// The candidate closest to `typo`, if it is close enough to be a typo of
/// it (at most 2 edits, or a third of the candidate's length).
pub fn nearest<'a>(typo: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(typo, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_words_match_far_ones_do_not() {
        assert_eq!(nearest("--jsn", ["--json", "--all"]), Some("--json"));
        assert_eq!(nearest("attch", ["attach", "ls"]), Some("attach"));
        assert_eq!(nearest("zzzzzzzz", ["attach", "ls"]), None);
        assert_eq!(edit_distance("", "ab"), 2);
    }
}
