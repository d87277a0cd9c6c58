//! Whether some event read has a field: for the names a query reads that the audit event does
//! not fix (`checker::UnsureField`), watched while the query runs, so that a name no event had
//! is reported after it rather than answered with a silent "0 rows".
//!
//! Every event the run decodes is looked up for the names still unseen (one more walk over it,
//! only while one is). Records a run passes over unread (the literal prefilter, the time floor)
//! are where the two kinds of names part:
//! - a name the audit event has no place for (`objectRef.resorce`, `user.name`, a GKE field)
//!   holds the passing over back until it is seen, so that every event is looked up exactly;
//! - a name below one of its maps (`requestObject.roleRef.name`), which detections read and
//!   many logs never hold, leaves the speed alone: a passed-over record whose text holds the
//!   longest segment of the name below the map counts as having it. That can only keep a
//!   warning back, never give a wrong one.
//!
//! A query that reads only the audit event's fields watches nothing and pays nothing.

use std::sync::atomic::{AtomicU64, Ordering};

use memchr::memmem::Finder;

use crate::insights::check::checker::UnsureField;
use crate::insights::check::known::schema;
use crate::insights::eval::fields::{FieldSet, RawValue, RecordFields};

/// Names watched at most; more are taken as seen (no warning rather than a wrong one).
const MAX_WATCHED: usize = 64;

/// The watched names and which of them no event has had yet; shared by the runs of one query.
#[derive(Debug)]
pub struct FieldPresence {
    paths: FieldSet,
    names: Vec<String>,
    /// Per name below a map, the text a record holding it must hold.
    needles: Vec<Option<Finder<'static>>>,
    /// One bit per name the audit event has no place for.
    exact: u64,
    /// One bit per name, set while no event read has had it.
    unseen: AtomicU64,
}

impl FieldPresence {
    /// Watches the fields of a query left for the run (repeats once, past [`MAX_WATCHED`]
    /// none).
    pub fn new(fields: &[UnsureField]) -> FieldPresence {
        let mut names: Vec<String> = Vec::new();
        let mut needles = Vec::new();
        let mut exact = 0u64;
        for field in fields {
            if names.len() == MAX_WATCHED || names.contains(&field.path) {
                continue;
            }
            let needle = field
                .below_map
                .then(|| needle(&field.path))
                .flatten()
                .map(|s| Finder::new(s.as_bytes()).into_owned());
            if needle.is_none() {
                exact |= 1 << names.len();
            }
            needles.push(needle);
            names.push(field.path.clone());
        }
        let bits = match names.len() {
            MAX_WATCHED => u64::MAX,
            n => (1u64 << n) - 1,
        };
        FieldPresence {
            paths: FieldSet::from_names(&names),
            names,
            needles,
            exact,
            unseen: AtomicU64::new(bits),
        }
    }

    /// A name the audit event has no place for is still unseen: no record may be passed over
    /// unread.
    #[inline]
    pub fn holds_back(&self) -> bool {
        self.unseen.load(Ordering::Relaxed) & self.exact != 0
    }

    /// Looks for the names not seen yet in one event.
    pub(super) fn observe(&self, fields: &RecordFields<'_, '_>) {
        let unseen = self.unseen.load(Ordering::Relaxed);
        if unseen == 0 {
            return;
        }
        let mut raw = [RawValue::Missing; MAX_WATCHED];
        let raw = &mut raw[..self.names.len()];
        // System names are never unsure: a watched `@name` is one no event has.
        self.paths.resolve_raw(fields.message(), raw);
        let found = raw
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_missing())
            .fold(0u64, |m, (i, _)| m | 1 << i);
        if found & unseen != 0 {
            self.unseen.fetch_and(!found, Ordering::Relaxed);
        }
    }

    /// A record passed over unread: the names below a map whose text it holds count as seen.
    pub fn observe_unread(&self, raw: &[u8]) {
        let unseen = self.unseen.load(Ordering::Relaxed) & !self.exact;
        if unseen == 0 {
            return;
        }
        let mut found = 0u64;
        for (i, needle) in self.needles.iter().enumerate() {
            if unseen & (1 << i) != 0 && needle.as_ref().is_some_and(|n| n.find(raw).is_some()) {
                found |= 1 << i;
            }
        }
        if found != 0 {
            self.unseen.fetch_and(!found, Ordering::Relaxed);
        }
    }

    /// The watched names no event read has had, in the order given.
    pub fn unseen(&self) -> Vec<&str> {
        let unseen = self.unseen.load(Ordering::Relaxed);
        self.names
            .iter()
            .enumerate()
            .filter(|(i, _)| unseen & (1 << i) != 0)
            .map(|(_, n)| n.as_str())
            .collect()
    }
}

/// The text a record holding `path` (a name below one of the audit event's maps) must hold:
/// the longest of its segments below the map (`roleRef` of `requestObject.roleRef.name`), not
/// an array index.
fn needle(path: &str) -> Option<&str> {
    schema()
        .below_open(path)?
        .split('.')
        .filter(|s| !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit()))
        .max_by_key(|s| s.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::syntax::ast::Span;

    fn unsure(path: &str, below_map: bool) -> UnsureField {
        UnsureField {
            path: path.to_string(),
            span: Span::new(0, 0),
            suggestion: None,
            below_map,
        }
    }

    #[test]
    fn needles_are_below_the_map() {
        assert_eq!(needle("requestObject.roleRef.name"), Some("roleRef"));
        assert_eq!(needle("user.extra.foo.0"), Some("foo"));
        assert_eq!(
            needle("requestObject.spec.contianers.0.image"),
            Some("contianers")
        );
        assert_eq!(needle("annotations.example.com/team"), Some("com/team"));
    }

    #[test]
    fn names_below_a_map_do_not_hold_the_reading_back() {
        let p = FieldPresence::new(&[
            unsure("requestObject.roleRef.name", true),
            unsure("user.name", false),
            unsure("user.name", false),
        ]);
        assert_eq!(p.unseen(), ["requestObject.roleRef.name", "user.name"]);
        assert!(p.holds_back());
        // a record passed over with the map's name in its text: seen, as far as can be told
        p.observe_unread(br#"{"requestObject":{"roleRef":{"name":"x"}},"user":{"name":"a"}}"#);
        assert_eq!(p.unseen(), ["user.name"]);
        // a name the audit event has no place for is never taken from the text
        assert!(p.holds_back());
        let only_maps = FieldPresence::new(&[unsure("annotations.example.com/team", true)]);
        assert!(!only_maps.holds_back());
        only_maps.observe_unread(br#"{"annotations":{"example.com/other":"x"}}"#);
        assert_eq!(only_maps.unseen(), ["annotations.example.com/team"]);
    }
}
