//! A count with its noun in the right number: `1 event`, `2 events`, `1 query`, `3 queries`.
//! Every count the console and the command line print goes through [`count`], so none reads
//! "1 events".

use std::fmt::Display;

/// `n` and `noun` (given in the singular), the noun plural unless `n` is one.
pub fn count<N: Display + PartialEq + From<u8>>(n: N, noun: &str) -> String {
    if n == N::from(1) {
        format!("{n} {noun}")
    } else {
        format!("{n} {}", plural(noun))
    }
}

/// The English plural of the nouns a count is printed with.
pub fn plural(noun: &str) -> String {
    let consonant_y = noun.strip_suffix('y').filter(|stem| {
        stem.chars()
            .last()
            .is_some_and(|c| !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u'))
    });
    if let Some(stem) = consonant_y {
        return format!("{stem}ies");
    }
    if ["s", "x", "ch", "sh"].iter().any(|end| noun.ends_with(end)) {
        return format!("{noun}es");
    }
    format!("{noun}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_number_plural() {
        assert_eq!(count(1usize, "event"), "1 event");
        assert_eq!(count(0usize, "event"), "0 events");
        assert_eq!(count(2u64, "event"), "2 events");
        assert_eq!(count(1u64, "query"), "1 query");
        assert_eq!(count(3u32, "query"), "3 queries");
        assert_eq!(count(2usize, "day"), "2 days");
        assert_eq!(count(4usize, "match"), "4 matches");
        assert_eq!(count(1.0f64, "record"), "1 record");
        assert_eq!(count(1.5f64, "record"), "1.5 records");
        assert_eq!(count(11usize, "unreadable line"), "11 unreadable lines");
    }
}
