//! One prefilter for many queries: the literals each query requires
//! ([`Plan::required_literals`](crate::insights::exec::Plan::required_literals)) looked for
//! together, in one scan of a record's raw text, to say which of the queries can keep it.
//!
//! Many literals are words nearly every audit record holds (`get`, `allow`, `kube-system`): a
//! scan for all of them stops at every few bytes. So after a sample of records the sieve keeps
//! one group per query, the rarest seen, as its key: one scan looks for the keys alone, and
//! a query's other groups are looked for only in the records where its key was found. Which
//! queries are open is the same either way; only the work differs.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use memchr::memmem::Finder;

/// Records sifted by every literal before the keys are chosen from what they held.
const SAMPLE: u32 = 512;

/// The literals of many queries in one automaton.
#[derive(Debug)]
pub struct Sieve {
    /// Over every literal. `None` when no query requires a literal (or the automaton could not
    /// be built): every query is open to every record.
    automaton: Option<AhoCorasick>,
    /// Per query, its groups of literals (as the automaton's pattern ids): the query can keep a
    /// record only when each group has one found. No group: every record.
    needs: Vec<Vec<Vec<usize>>>,
    /// Per literal, the other literals inside it: found with it.
    inside: Vec<Vec<usize>>,
    /// Per literal, a search for it alone.
    finders: Vec<Finder<'static>>,
    /// Chosen once, from the first sample of records any scratch has sifted; `None` when
    /// their automaton could not be built (then every literal is looked for).
    keys: OnceLock<Option<Keys>>,
}

/// One group per query, and one automaton over the literals of those groups.
#[derive(Debug)]
struct Keys {
    automaton: AhoCorasick,
    /// Per pattern of `automaton`, its literal.
    literal: Vec<usize>,
    /// Per query, the index of its key group; `None` for a query without groups.
    group: Vec<Option<usize>>,
    /// Literals in some key group.
    keyed: Vec<bool>,
}

/// What a literal is known to be in the record being sifted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Unknown,
    Found,
    Absent,
}

/// What one thread marks while sifting, kept between records so that none allocates.
#[derive(Debug, Clone)]
pub struct Sifted {
    seen: Vec<Seen>,
    /// Per literal, how many sampled records held it.
    held: Vec<u32>,
    sampled: u32,
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
        // Searched only until the keys are chosen, a few hundred records: the smaller kind.
        let automaton = automaton_of(&patterns, Some(AhoCorasickKind::ContiguousNFA));
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
        let finders = patterns
            .iter()
            .map(|p| Finder::new(p.as_bytes()).into_owned())
            .collect();
        Sieve {
            automaton,
            needs,
            inside,
            finders,
            keys: OnceLock::new(),
        }
    }

    /// A fresh scratch for [`Sieve::sift`].
    pub fn scratch(&self) -> Sifted {
        Sifted {
            seen: vec![Seen::Unknown; self.finders.len()],
            held: vec![0; self.finders.len()],
            sampled: 0,
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
        match self.keys.get() {
            Some(Some(keys)) => self.sift_by_keys(keys, raw, sifted),
            _ => {
                sifted.seen.fill(Seen::Absent);
                self.mark(automaton, |id| id, raw, &mut sifted.seen);
                for (held, seen) in sifted.held.iter_mut().zip(&sifted.seen) {
                    *held += u32::from(*seen == Seen::Found);
                }
                sifted.sampled += 1;
                if sifted.sampled == SAMPLE {
                    self.keys.get_or_init(|| self.keys_from(&sifted.held));
                }
                self.open_where_found(sifted)
            }
        }
    }

    fn sift_by_keys(&self, keys: &Keys, raw: &[u8], sifted: &mut Sifted) -> bool {
        for (seen, keyed) in sifted.seen.iter_mut().zip(&keys.keyed) {
            *seen = if *keyed { Seen::Absent } else { Seen::Unknown };
        }
        self.mark(&keys.automaton, |p| keys.literal[p], raw, &mut sifted.seen);
        let mut any = false;
        for ((open, groups), key) in sifted.open.iter_mut().zip(&self.needs).zip(&keys.group) {
            *open = match key {
                None => true,
                Some(key) => {
                    groups[*key]
                        .iter()
                        .any(|&id| sifted.seen[id] == Seen::Found)
                        && groups.iter().enumerate().all(|(g, group)| {
                            g == *key
                                || group.iter().any(|&id| {
                                    if sifted.seen[id] == Seen::Unknown {
                                        sifted.seen[id] = match self.finders[id].find(raw) {
                                            Some(_) => Seen::Found,
                                            None => Seen::Absent,
                                        };
                                    }
                                    sifted.seen[id] == Seen::Found
                                })
                        })
                }
            };
            any |= *open;
        }
        any
    }

    /// Marks found every literal of `automaton` that occurs in `raw`, and those inside it.
    fn mark(
        &self,
        automaton: &AhoCorasick,
        literal: impl Fn(usize) -> usize,
        raw: &[u8],
        seen: &mut [Seen],
    ) {
        // Every literal that occurs is found: the search from `at` finds the leftmost match, so
        // none that starts before it is passed by; where two start at one place it finds the
        // longest, which holds the other; and it starts again just after the start of each
        // match, not at its end, so matches that overlap are found too.
        let mut at = 0;
        while let Some(m) = automaton.find(Input::new(raw).span(at..raw.len())) {
            let id = literal(m.pattern().as_usize());
            seen[id] = Seen::Found;
            for &j in &self.inside[id] {
                seen[j] = Seen::Found;
            }
            at = m.start() + 1;
        }
    }

    fn open_where_found(&self, sifted: &mut Sifted) -> bool {
        let mut any = false;
        for (open, groups) in sifted.open.iter_mut().zip(&self.needs) {
            *open = groups
                .iter()
                .all(|group| group.iter().any(|&id| sifted.seen[id] == Seen::Found));
            any |= *open;
        }
        any
    }

    /// Each query's key: the group whose literals the sample held least often (at most, the
    /// sum of each literal's count); on a tie, the first.
    fn keys_from(&self, held: &[u32]) -> Option<Keys> {
        let group: Vec<Option<usize>> = self
            .needs
            .iter()
            .map(|groups| {
                let weight = |g: &Vec<usize>| g.iter().map(|&id| u64::from(held[id])).sum::<u64>();
                (0..groups.len()).min_by_key(|&g| weight(&groups[g]))
            })
            .collect();
        let mut keyed = vec![false; self.finders.len()];
        for (groups, key) in self.needs.iter().zip(&group) {
            for &id in key.map_or(&[][..], |key| &groups[key]) {
                keyed[id] = true;
            }
        }
        let literal: Vec<usize> = (0..keyed.len()).filter(|&id| keyed[id]).collect();
        let patterns: Vec<&[u8]> = literal
            .iter()
            .map(|&id| self.finders[id].needle())
            .collect();
        automaton_of(&patterns, None).map(|automaton| Keys {
            automaton,
            literal,
            group,
            keyed,
        })
    }
}

/// Leftmost-longest, the kind of search with the fastest (SIMD) prefilter; see `Sieve::mark`
/// for why nothing is missed. `kind` `None`: the crate's choice, a DFA for few literals.
fn automaton_of<P: AsRef<[u8]>>(
    patterns: &[P],
    kind: Option<AhoCorasickKind>,
) -> Option<AhoCorasick> {
    (!patterns.is_empty())
        .then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .kind(kind)
                .build(patterns)
                .ok()
        })
        .flatten()
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
        assert_eq!(s.finders.len(), 2);
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

    #[test]
    fn after_the_sample_each_query_is_keyed_on_its_rarest_group_and_opens_as_before() {
        let queries: &[&[&[&str]]] = &[
            &[&["pods"], &["create"]],
            &[&["pods"], &["exec", "attach"]],
            &[&["secrets"], &["get", "list"]],
            &[&["roles", "clusterroles"], &["create"]],
            &[],
        ];
        let s = sieve(queries);
        // Every sampled record holds "pods" and "get"; one in eight "create"; none "exec".
        let mut sifted = s.scratch();
        for i in 0..SAMPLE {
            let verb = if i % 8 == 0 { "create" } else { "get" };
            let raw = format!(r#"{{"verb":"{verb}","resource":"pods","ua":"get/1"}}"#);
            s.sift(raw.as_bytes(), &mut sifted);
        }
        let keys = s.keys.get().and_then(Option::as_ref).expect("keys chosen");
        let key_of = |q: usize, g: usize| keys.group[q] == Some(g);
        assert!(key_of(0, 1), "create is rarer than pods");
        assert!(key_of(1, 1), "exec/attach were never seen");
        assert!(key_of(2, 0), "secrets is rarer than get/list");
        assert!(key_of(3, 0), "roles were never seen");
        let records = [
            r#"{"verb":"create","resource":"pods"}"#,
            r#"{"verb":"create","resource":"pods/exec"}"#,
            r#"{"verb":"get","resource":"pods/attach"}"#,
            r#"{"verb":"list","resource":"secrets"}"#,
            r#"{"verb":"watch","resource":"secrets"}"#,
            r#"{"verb":"create","resource":"clusterrolebindings"}"#,
            r#"{"verb":"create","resource":"roles"}"#,
            r#"{"verb":"createst","resource":"podsecrets"}"#,
            r#"{}"#,
        ];
        for raw in records {
            // A sieve that has sifted nothing looks for every literal.
            let fresh = sieve(queries);
            assert!(fresh.keys.get().is_none());
            let mut keyed = sifted.clone();
            let any = s.sift(raw.as_bytes(), &mut keyed);
            assert_eq!(keyed.open, open(&fresh, raw), "{raw}");
            assert_eq!(any, keyed.open.iter().any(|o| *o));
        }
    }
}
