//! Detections and what they found: one type for the command line's table and JSON and for the
//! console's Findings view, whichever source the detections ran over.

use crate::catalog::{CannedQuery, Catalog, Severity};

/// A detection of the library: a canned query with a severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    pub name: String,
    pub text: String,
    pub severity: Severity,
    pub description: String,
}

impl Detection {
    /// Every canned query with a severity is a detection, in the order given.
    pub fn among(queries: &[CannedQuery]) -> Vec<Detection> {
        queries
            .iter()
            .filter_map(|q| {
                Some(Detection {
                    name: q.name.clone(),
                    text: q.text.clone(),
                    severity: q.severity?,
                    description: q.description.clone(),
                })
            })
            .collect()
    }

    /// The catalog's detections, the most severe first, then by name.
    pub fn all_of(catalog: &Catalog) -> Vec<Detection> {
        let mut detections = Detection::among(catalog.queries());
        detections.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.name.cmp(&b.name)));
        detections
    }
}

/// What one detection found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub name: String,
    pub severity: Severity,
    pub description: String,
    pub hits: usize,
    /// False when the answer was cut (in CloudWatch: at the most rows asked for, a range too
    /// dense to cover, or an answer that cannot be split by time at its row cap): `hits` is then
    /// a floor.
    pub complete: bool,
    /// What names each hit, in the answer's order.
    pub refs: Vec<HitRef>,
}

/// How a hit is named: by its event's audit ID, else by where the event was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HitRef {
    AuditId(String),
    /// `file:line` over local files, `@ptr …` over CloudWatch.
    At(String),
}

impl HitRef {
    pub fn text(&self) -> &str {
        match self {
            HitRef::AuditId(s) | HitRef::At(s) => s,
        }
    }
}

impl Finding {
    /// A finding of `detection` with these hits.
    pub fn of(detection: &Detection, refs: Vec<HitRef>, complete: bool) -> Finding {
        Finding {
            name: detection.name.clone(),
            severity: detection.severity,
            description: detection.description.clone(),
            hits: refs.len(),
            complete,
            refs,
        }
    }

    /// The hits' audit IDs, in order.
    pub fn audit_ids(&self) -> Vec<&str> {
        self.refs
            .iter()
            .filter_map(|r| match r {
                HitRef::AuditId(id) => Some(id.as_str()),
                HitRef::At(_) => None,
            })
            .collect()
    }

    /// Where the hits without an audit ID were read, in order.
    pub fn without_audit_id(&self) -> Vec<&str> {
        self.refs
            .iter()
            .filter_map(|r| match r {
                HitRef::At(at) => Some(at.as_str()),
                HitRef::AuditId(_) => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_library_detections_come_most_severe_first_then_by_name() {
        let detections = Detection::all_of(&Catalog::load(None));
        assert!(!detections.is_empty());
        for pair in detections.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            assert!(
                a.severity > b.severity || (a.severity == b.severity && a.name < b.name),
                "{} before {}",
                a.name,
                b.name
            );
        }
    }

    #[test]
    fn hits_are_told_apart_by_how_they_are_named() {
        let d = Detection {
            name: "d".into(),
            text: String::new(),
            severity: Severity::High,
            description: String::new(),
        };
        let f = Finding::of(
            &d,
            vec![HitRef::AuditId("a".into()), HitRef::At("f.log:3".into())],
            true,
        );
        assert_eq!(f.hits, 2);
        assert_eq!(f.audit_ids(), ["a"]);
        assert_eq!(f.without_audit_id(), ["f.log:3"]);
    }
}
