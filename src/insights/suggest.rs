//! "Did you mean …?": the known name nearest to a misspelt one.
//!
//! Distance is the optimal string alignment distance (Levenshtein plus swapping two neighbours,
//! the commonest typing slip: `coutn` → `count`), computed on lowercased text so that `COUNT`
//! finds `count`. A name too far from every candidate gets no suggestion: a wild guess is worse
//! than none.

/// The commands kaudit runs, then those only CloudWatch runs.
pub const COMMANDS: &[&str] = &[
    "fields", "display", "filter", "stats", "sort", "limit", "dedup", "parse", "unnest",
];

/// Commands that CloudWatch Logs runs and kaudit recognises but cannot run over local events.
pub const AWS_ONLY_COMMANDS: &[&str] = &[
    "pattern",
    "anomaly",
    "diff",
    "lookup",
    "join",
    "SOURCE",
    "filterIndex",
    "unmask",
];

/// The candidate nearest to `name`, if one is near enough. Ties go to the earlier candidate.
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let lower = name.to_lowercase();
    let budget = allowed_distance(name.chars().count());
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let d = distance(&lower, &candidate.to_lowercase());
        if d <= budget && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c.to_string())
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
    use crate::insights::registry::FUNCTIONS;

    fn functions() -> impl Iterator<Item = &'static str> {
        FUNCTIONS.iter().map(|s| s.name)
    }

    #[test]
    fn distances() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("coutn", "count"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("ca", "abc"), 3);
    }

    #[test]
    fn nearest_function_names() {
        assert_eq!(nearest("coutn", functions()).as_deref(), Some("count"));
        assert_eq!(
            nearest("count_distnct", functions()).as_deref(),
            Some("count_distinct")
        );
        assert_eq!(nearest("COUNT", functions()).as_deref(), Some("count"));
        assert_eq!(
            nearest("frommillis", functions()).as_deref(),
            Some("fromMillis")
        );
        assert_eq!(nearest("zzzzzz", functions()), None);
    }

    #[test]
    fn nearest_commands() {
        assert_eq!(
            nearest("feilds", COMMANDS.iter().copied()).as_deref(),
            Some("fields")
        );
        assert_eq!(
            nearest("stat", COMMANDS.iter().copied()).as_deref(),
            Some("stats")
        );
        assert_eq!(
            nearest("filtr", COMMANDS.iter().copied()).as_deref(),
            Some("filter")
        );
        assert_eq!(nearest("select", COMMANDS.iter().copied()), None);
    }
}
