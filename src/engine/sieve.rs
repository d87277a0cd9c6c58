//! One prefilter for many queries: the literals each query requires
//! ([`Plan::required_literals`](crate::insights::exec::Plan::required_literals)) looked for
//! together, in one scan of a record's raw text, to say which of the queries can keep it.

use aho_corasick::{AhoCorasick, Input, MatchKind};

/// The literals of many queries in one automaton.
#[derive(Debug)]
pub struct Sieve {
    /// `None` when no query requires a literal (or the automaton could not be built): every
    /// query is open to every record.
    automaton: Option<AhoCorasick>,
    /// Per query, its groups of literals (as the automaton's pattern ids): the query can keep a
    /// record only when each group has one found. No group: every record.
    needs: Vec<Vec<Vec<usize>>>,
    /// Per literal, the other literals inside it: found with it.
    inside: Vec<Vec<usize>>,
    patterns: usize,
}

/// What one thread marks while sifting, kept between records so that none allocates.
#[derive(Debug, Clone)]
pub struct Sifted {
    found: Vec<bool>,
    /// Per query: whether it can keep the record last sifted.
    pub open: Vec<bool>,
}

impl Sieve {
    /// From the literal groups of each query, in order.
    pub fn new(required: &[Vec<Vec<String>>]) -> Sieve {
        let mut patterns: Vec<&str> = Vec::new();
        let needs: Vec<Vec<Vec<usize>>> = required
            .iter()
            .map(|groups| {
                groups
                    .iter()
                    .map(|group| {
                        group
                            .iter()
                            .map(|literal| match patterns.iter().position(|p| p == literal) {
                                Some(id) => id,
                                None => {
                                    patterns.push(literal);
                                    patterns.len() - 1
                                }
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        // Leftmost-longest, the kind of search with the fastest (SIMD) prefilter; see `sift` for
        // why nothing is missed.
        let automaton = (!patterns.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&patterns)
                    .ok()
            })
            .flatten();
        // Without an automaton nothing may be ruled out.
        let needs = if automaton.is_some() {
            needs
        } else {
            vec![Vec::new(); required.len()]
        };
        let inside = patterns
            .iter()
            .enumerate()
            .map(|(i, outer)| {
                (0..patterns.len())
                    .filter(|&j| j != i && outer.contains(patterns[j]))
                    .collect()
            })
            .collect();
        Sieve {
            automaton,
            needs,
            inside,
            patterns: patterns.len(),
        }
    }

    /// A fresh scratch for [`Sieve::sift`].
    pub fn scratch(&self) -> Sifted {
        Sifted {
            found: vec![false; self.patterns],
            open: vec![true; self.needs.len()],
        }
    }

    /// Marks in `sifted.open` the queries that can keep a record of this raw text; false when
    /// none can.
    pub fn sift(&self, raw: &[u8], sifted: &mut Sifted) -> bool {
        let Some(automaton) = &self.automaton else {
            sifted.open.fill(true);
            return !sifted.open.is_empty();
        };
        sifted.found.fill(false);
        // Every literal that occurs is found: the search from `at` finds the leftmost match, so
        // none that starts before it is passed by; where two start at one place it finds the
        // longest, which holds the other; and it starts again just after the start of each
        // match, not at its end, so matches that overlap are found too.
        let mut at = 0;
        while let Some(m) = automaton.find(Input::new(raw).span(at..raw.len())) {
            let id = m.pattern().as_usize();
            sifted.found[id] = true;
            for &j in &self.inside[id] {
                sifted.found[j] = true;
            }
            at = m.start() + 1;
        }
        let mut any = false;
        for (open, groups) in sifted.open.iter_mut().zip(&self.needs) {
            *open = groups
                .iter()
                .all(|group| group.iter().any(|&id| sifted.found[id]));
            any |= *open;
        }
        any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sieve(queries: &[&[&[&str]]]) -> Sieve {
        let required: Vec<Vec<Vec<String>>> = queries
            .iter()
            .map(|q| {
                q.iter()
                    .map(|g| g.iter().map(|s| s.to_string()).collect())
                    .collect()
            })
            .collect();
        Sieve::new(&required)
    }

    fn open(sieve: &Sieve, raw: &str) -> Vec<bool> {
        let mut sifted = sieve.scratch();
        let any = sieve.sift(raw.as_bytes(), &mut sifted);
        assert_eq!(any, sifted.open.iter().any(|o| *o));
        sifted.open
    }

    #[test]
    fn a_query_is_open_when_each_group_has_a_literal_found() {
        let s = sieve(&[
            &[&["create"], &["pods"]],
            &[&["roles", "rolebindings"]],
            &[],
        ]);
        let raw = r#"{"verb":"create","objectRef":{"resource":"clusterroles"}}"#;
        // "roles" is found inside "clusterroles": overlapping matches count.
        assert_eq!(open(&s, raw), [false, true, true]);
        let raw = r#"{"verb":"create","objectRef":{"resource":"pods"}}"#;
        assert_eq!(open(&s, raw), [true, false, true]);
    }

    #[test]
    fn literals_that_overlap_or_hold_one_another_are_all_found() {
        let s = sieve(&[
            &[&["create"]],
            &[&["test"]],
            &[&["role"]],
            &[&["rolebindings"]],
            &[&["bindings"]],
            &[&["clusterrolebindings"]],
        ]);
        assert_eq!(
            open(&s, "createst"),
            [true, true, false, false, false, false]
        );
        assert_eq!(
            open(&s, "clusterrolebindings"),
            [false, false, true, true, true, true]
        );
        assert_eq!(
            open(&s, "rolebinding"),
            [false, false, true, false, false, false]
        );
        assert_eq!(
            open(&s, "xbindingsx"),
            [false, false, false, false, true, false]
        );
    }

    #[test]
    fn literals_shared_by_queries_are_looked_for_once() {
        let s = sieve(&[&[&["pods"]], &[&["pods"], &["exec"]]]);
        assert_eq!(s.patterns, 2);
        assert_eq!(open(&s, r#"{"resource":"pods"}"#), [true, false]);
        assert_eq!(
            open(&s, r#"{"resource":"pods","sub":"exec"}"#),
            [true, true]
        );
        assert_eq!(open(&s, r#"{"resource":"nodes"}"#), [false, false]);
    }

    #[test]
    fn queries_without_literals_are_open_to_every_record() {
        let s = sieve(&[&[], &[]]);
        assert!(s.automaton.is_none());
        assert_eq!(open(&s, "{}"), [true, true]);
        assert!(!sieve(&[]).sift(b"{}", &mut sieve(&[]).scratch()));
    }
}
