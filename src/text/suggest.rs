//! "Did you mean …?": the known name nearest to a misspelt one, for any list of names (query
//! commands and fields, theme colours and style fields, the command line's subcommands).
//!
//! Distance is the optimal string alignment distance (Levenshtein plus swapping two neighbours,
//! the commonest typing slip: `coutn` → `count`), computed on lowercased text so that `COUNT`
//! finds `count`. Failing a near spelling, an abbreviation will do (`cnt` → `count`). A name too
//! far from every candidate gets no suggestion: a wild guess is worse than none.

/// The candidate nearest to `name`, if one is near enough. Ties go to the earlier candidate.
///
/// Near enough is a few edits ([`allowed_distance`]) or, failing that, an abbreviation: the
/// name's letters in order within a candidate at most about twice as long that starts with the
/// same letter (`cnt` in `count`, `user.name` in `user.username`).
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let lower = name.to_lowercase();
    let len = lower.chars().count();
    let budget = allowed_distance(len);
    let letters = Letters::of(&lower);
    let mut best: Option<(usize, &str)> = None;
    let mut abbreviated: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        // Cheap tests first: most candidates of a long list (the loaded events' field names)
        // are far off by length, or by the letters they hold, alone.
        let clen = candidate.chars().count();
        let by_spelling = clen.abs_diff(len) <= budget
            && Letters::apart(&letters, &Letters::of(candidate)) <= budget;
        let by_abbreviation = abbreviated.is_none_or(|(d, _)| clen - len.min(clen) < d)
            && is_abbreviation(&lower, len, candidate, clen);
        if !by_spelling && !by_abbreviation {
            continue;
        }
        let d = distance(&lower, &candidate.to_lowercase());
        if by_spelling && d <= budget && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
        if by_abbreviation && abbreviated.is_none_or(|(b, _)| d < b) {
            abbreviated = Some((d, candidate));
        }
    }
    best.or(abbreviated).map(|(_, c)| c.to_string())
}

/// How many of each letter a name holds (case folded, in 64 buckets): two names that differ by
/// `n` edits differ by at most `2n` in these counts, so a large difference rules a candidate out
/// before any alignment is computed.
struct Letters([u8; 64]);

impl Letters {
    /// `None` for a name with characters beyond ASCII, which are not counted.
    fn of(name: &str) -> Option<Letters> {
        if !name.is_ascii() {
            return None;
        }
        let mut counts = [0u8; 64];
        for b in name.bytes() {
            let slot = &mut counts[usize::from(b.to_ascii_lowercase()) % 64];
            *slot = slot.saturating_add(1);
        }
        Some(Letters(counts))
    }

    /// A lower bound of the edit distance between the two names (0 when either is unknown).
    fn apart(a: &Option<Letters>, b: &Option<Letters>) -> usize {
        let (Some(a), Some(b)) = (a, b) else {
            return 0;
        };
        a.distance_bound(b)
    }

    fn distance_bound(&self, other: &Letters) -> usize {
        let diff: usize = self
            .0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| usize::from(a.abs_diff(*b)))
            .sum();
        diff.div_ceil(2)
    }
}

/// Whether `lower` (lowercased, `len` characters) abbreviates `candidate` (`clen` characters).
fn is_abbreviation(lower: &str, len: usize, candidate: &str, clen: usize) -> bool {
    if len < 3 || clen <= len || clen > 2 * len + 2 {
        return false;
    }
    let mut want = lower.chars().peekable();
    let mut first = true;
    for c in candidate.chars().flat_map(char::to_lowercase) {
        match want.peek() {
            Some(&w) if w == c => {
                want.next();
            }
            Some(_) if first => return false,
            Some(_) => {}
            None => break,
        }
        first = false;
    }
    want.peek().is_none()
}

/// How many edits a name of this length may be from a suggestion.
fn allowed_distance(len: usize) -> usize {
    match len {
        0..=3 => 1,
        4..=7 => 2,
        _ => 3,
    }
}

/// Optimal string alignment distance over chars.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows suffice: the transposition looks two rows back.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("coutn", "count"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("ca", "abc"), 3);
    }

    #[test]
    fn abbreviations_when_no_spelling_is_near() {
        assert_eq!(
            nearest(
                "user.name",
                ["user.uid", "user.username", "impersonatedUser.username"]
            )
            .as_deref(),
            Some("user.username")
        );
        // a near spelling wins over an abbreviation
        assert_eq!(
            nearest("avgs", ["average_size", "avg"]).as_deref(),
            Some("avg")
        );
        // the first letter must agree, and the candidate be at most about twice as long
        assert_eq!(nearest("xyz", ["axyzb"]), None);
        assert_eq!(nearest("xyz", ["xaybz"]).as_deref(), Some("xaybz"));
        assert_eq!(nearest("cnt", ["count_distinct_values"]), None);
    }

    #[test]
    fn a_long_list_is_searched_quickly() {
        let many: Vec<String> = (0..50_000).map(|i| format!("requestObject.f{i}")).collect();
        let started = std::time::Instant::now();
        let found = nearest(
            "objectRef.resorce",
            many.iter()
                .map(String::as_str)
                .chain(["objectRef.resource"]),
        );
        assert_eq!(found.as_deref(), Some("objectRef.resource"));
        // unoptimised, comparing each in full takes seconds; ruling most out first, milliseconds
        assert!(started.elapsed() < std::time::Duration::from_millis(1500));
    }
}
