//! Literals a record must contain to pass a query's leading filters: records without them are
//! passed over before any decoding (`formats::scan_skipping`).

use super::Slots;
use super::compile::CExpr;
use super::stages::Stage;
use crate::insights::eval::fields::{Prefilter, prefilter_applies};
use crate::insights::eval::value::{Comparison, Number, Value, parse_number};

/// All of the groups must hold; a group holds when any of its literals occurs in the record.
#[derive(Debug, Default)]
pub struct RecordPrefilter {
    groups: Vec<Vec<Prefilter>>,
}

impl RecordPrefilter {
    /// From the filters that run before anything else renames or computes a field.
    pub(super) fn new(stages: &[Stage], slots: &Slots) -> Option<RecordPrefilter> {
        let mut groups = Vec::new();
        for stage in stages {
            let Stage::Filter(expr) = stage else { break };
            conjuncts(expr, slots, &mut groups);
        }
        (!groups.is_empty()).then_some(RecordPrefilter { groups })
    }

    /// False only when the record's raw text lacks a literal the filters require.
    pub fn may_match(&self, raw: &[u8]) -> bool {
        self.groups
            .iter()
            .all(|group| group.iter().any(|p| p.may_match(raw)))
    }
}

fn conjuncts(expr: &CExpr, slots: &Slots, out: &mut Vec<Vec<Prefilter>>) {
    let mut groups = Vec::new();
    needs(expr, slots, &[], &mut groups);
    out.extend(groups.into_iter().filter_map(|group| {
        group
            .iter()
            .map(|needle| match needle {
                Needle::Text(s) => Prefilter::new(s),
                Needle::Integer(n) => Some(Prefilter::integer(*n)),
            })
            .collect::<Option<Vec<_>>>()
    }));
}

/// The text literals a record's raw JSON must hold to get past the filters that come before
/// anything but `fields` and `display`: all of the groups, one literal of each. Stricter than
/// [`RecordPrefilter`]: numbers give no literal (their text has more than one form), and a filter
/// after a projection counts only where it reads a field the projection left as it was.
pub(super) fn required_literals(stages: &[Stage], slots: &Slots) -> Vec<Vec<String>> {
    let mut computed = Vec::new();
    let mut groups = Vec::new();
    for stage in stages {
        match stage {
            Stage::Filter(expr) => needs(expr, slots, &computed, &mut groups),
            Stage::Project(projections) => computed.extend(
                projections
                    .iter()
                    .filter(|(slot, e)| !matches!(e, CExpr::Slot(s) if s == slot))
                    .map(|(slot, _)| *slot),
            ),
            _ => break,
        }
    }
    groups
        .into_iter()
        .filter_map(|group| {
            group
                .into_iter()
                .map(|needle| match needle {
                    Needle::Text(s) => Some(s),
                    Needle::Integer(_) => None,
                })
                .collect()
        })
        .collect()
}

/// What a record's text must hold for one alternative of a group.
#[derive(Debug, Clone, PartialEq)]
enum Needle {
    /// A string that [`prefilter_applies`] accepts.
    Text(String),
    /// The digits of an integer compared with `=`: see [`Prefilter::integer`].
    Integer(i64),
}

/// The groups of needles `expr` requires (each group: one of its needles must occur), when that
/// can be said. `computed` are slots the query filled: no text of the record is in them.
fn needs(expr: &CExpr, slots: &Slots, computed: &[usize], out: &mut Vec<Vec<Needle>>) {
    match expr {
        CExpr::And(l, r) => {
            needs(l, slots, computed, out);
            needs(r, slots, computed, out);
        }
        CExpr::Or(l, r) => {
            // Whichever side holds, all of its groups hold: so does each group made of one
            // group of either side. (A side that requires nothing leaves the `or` nothing.)
            let (mut left, mut right) = (Vec::new(), Vec::new());
            needs(l, slots, computed, &mut left);
            needs(r, slots, computed, &mut right);
            // Fewer groups require less: still sound.
            let pairs = left.iter().flat_map(|a| right.iter().map(move |b| (a, b)));
            for (a, b) in pairs.take(MAX_GROUPS) {
                let mut group = a.clone();
                group.extend(b.iter().filter(|n| !a.contains(n)).cloned());
                out.push(group);
            }
        }
        other => {
            if let Some(group) = alternatives(other, slots, computed) {
                out.push(group);
            }
        }
    }
}

/// At most this many groups from one `or`: each is looked for in every record.
const MAX_GROUPS: usize = 16;

/// Needles one of which a record must contain to satisfy `expr`, if that can be said.
fn alternatives(expr: &CExpr, slots: &Slots, computed: &[usize]) -> Option<Vec<Needle>> {
    let readable = |s: usize| readable(slots, s) && !computed.contains(&s);
    match expr {
        CExpr::Compare(Comparison::Eq, l, r) => match (l.as_ref(), r.as_ref()) {
            (CExpr::Slot(s), CExpr::Const(v)) | (CExpr::Const(v), CExpr::Slot(s)) => {
                readable(*s).then(|| literal(v)).flatten().map(|n| vec![n])
            }
            _ => None,
        },
        CExpr::In {
            expr,
            list,
            negated: false,
        } => {
            let CExpr::Slot(s) = expr.as_ref() else {
                return None;
            };
            if !readable(*s) {
                return None;
            }
            list.iter()
                .map(|item| match item {
                    CExpr::Const(v) => literal(v),
                    _ => None,
                })
                .collect()
        }
        CExpr::Substring {
            expr,
            needle,
            negated: false,
        } => match expr.as_ref() {
            CExpr::Slot(s) if readable(*s) && prefilter_applies(needle) => {
                Some(vec![Needle::Text(needle.clone())])
            }
            _ => None,
        },
        _ => None,
    }
}

/// A constant compared with `=` (or `in`) to a field read from the event's text.
fn literal(value: &Value) -> Option<Needle> {
    // 0 and 1 also equal the booleans `false` and `true`, whose text has no digit.
    let integer = |n: i64| (!matches!(n, 0 | 1)).then_some(Needle::Integer(n));
    match value {
        Value::Int(n) => integer(*n),
        Value::Str(s) => match parse_number(s) {
            Some(Number::Int(n)) => integer(n),
            Some(Number::Float(_)) => None,
            None => prefilter_applies(s).then(|| Needle::Text(s.to_string())),
        },
        _ => None,
    }
}

/// Fields whose text is in the record's raw JSON: event fields and `@message`, not the other
/// system fields (which come from the file or CloudWatch, not the event).
fn readable(slots: &Slots, slot: usize) -> bool {
    let name = slots.name(slot);
    !name.starts_with('@') || name == "@message"
}

#[cfg(test)]
mod tests {
    use super::super::Plan;
    use crate::insights::syntax::parser::parse;

    fn required(query: &str) -> Vec<Vec<String>> {
        let plan = Plan::new(&parse(query).expect("parses")).expect("plans");
        plan.required_literals()
    }

    fn groups(groups: &[&[&str]]) -> Vec<Vec<String>> {
        groups
            .iter()
            .map(|g| g.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn every_side_of_an_and_is_required_and_one_side_of_an_or() {
        assert_eq!(
            required(r#"filter verb = "create" and objectRef.resource = "pods""#),
            groups(&[&["create"], &["pods"]])
        );
        assert_eq!(
            required(r#"filter verb = "create" or objectRef.resource in ["pods", "nodes"]"#),
            groups(&[&["create", "pods", "nodes"]])
        );
        // An `or` of `and`s: each side's groups paired.
        assert_eq!(
            required(
                r#"filter (verb = "create" and objectRef.resource = "pods") or (verb in ["get", "list"] and objectRef.resource = "secrets")"#
            ),
            groups(&[
                &["create", "get", "list"],
                &["create", "secrets"],
                &["pods", "get", "list"],
                &["pods", "secrets"]
            ])
        );
        assert_eq!(
            required(r#"filter @message like "kubectl" | filter verb = "get""#),
            groups(&[&["kubectl"], &["get"]])
        );
    }

    #[test]
    fn filters_after_fields_count_unless_a_field_was_computed() {
        assert_eq!(
            required(r#"fields @timestamp, verb, auditID | filter verb = "delete""#),
            groups(&[&["delete"]])
        );
        assert!(required(r#"fields user.username as verb | filter verb = "delete""#).is_empty());
        assert!(required(r#"fields toupper(verb) as v, verb | filter v = "DELETE""#).is_empty());
        // Past anything that is not a filter or a projection, nothing is said.
        assert!(required(r#"sort @timestamp desc | filter verb = "delete""#).is_empty());
        assert!(required(r#"stats count(*) by verb | filter verb = "delete""#).is_empty());
        assert!(
            required(r#"parse @message '"verb":"*"' as v | filter verb = "delete""#).is_empty()
        );
    }

    #[test]
    fn what_gives_no_literal() {
        let none = [
            // negations and inequalities
            r#"filter not (verb = "delete")"#,
            r#"filter verb != "delete""#,
            r#"filter verb not in ["delete"]"#,
            r#"filter verb not like "del""#,
            // an `or` with a side that says nothing
            r#"filter verb = "delete" or responseStatus.code >= 400"#,
            // numbers: their text has more than one form
            "filter responseStatus.code = 403",
            r#"filter responseStatus.code in [401, 403]"#,
            r#"filter responseStatus.code = "403""#,
            "filter responseStatus.code >= 400",
            // regexes, case-insensitive or with alternation or not
            "filter verb like /delete|create/",
            "filter verb like /(?i)delete/",
            "filter verb like /delete/",
            // what JSON may write escaped
            r#"filter requestURI = "/api/v1/pods""#,
            r#"filter @message like "\"verb\"""#,
            r#"filter user.username = "zoë""#,
            r#"filter objectRef.name like "a<b""#,
            // system fields other than @message are not in the event's text
            r#"filter @logStream = "kube-apiserver-audit-1""#,
        ];
        for query in none {
            assert!(required(query).is_empty(), "{query}: {:?}", required(query));
        }
        // A literal that says nothing leaves the rest of the `and` its say.
        assert_eq!(
            required(r#"filter verb != "get" and objectRef.resource = "secrets""#),
            groups(&[&["secrets"]])
        );
    }
}
