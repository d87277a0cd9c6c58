//! Literals a record must contain to pass a query's leading filters: records without them are
//! passed over before any decoding (`formats::scan_skipping`).

use super::Slots;
use super::compile::CExpr;
use super::stages::Stage;
use crate::insights::eval::fields::Prefilter;
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
    match expr {
        CExpr::And(l, r) => {
            conjuncts(l, slots, out);
            conjuncts(r, slots, out);
        }
        other => {
            if let Some(group) = alternatives(other, slots) {
                out.push(group);
            }
        }
    }
}

/// Literals one of which a record must contain to satisfy `expr`, if that can be said.
fn alternatives(expr: &CExpr, slots: &Slots) -> Option<Vec<Prefilter>> {
    match expr {
        CExpr::Compare(Comparison::Eq, l, r) => match (l.as_ref(), r.as_ref()) {
            (CExpr::Slot(s), CExpr::Const(v)) | (CExpr::Const(v), CExpr::Slot(s)) => {
                literal(slots, *s, v).map(|p| vec![p])
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
            list.iter()
                .map(|item| match item {
                    CExpr::Const(v) => literal(slots, *s, v),
                    _ => None,
                })
                .collect()
        }
        CExpr::Substring {
            expr,
            needle,
            negated: false,
        } => match expr.as_ref() {
            CExpr::Slot(s) if readable(slots, *s) => Prefilter::new(needle).map(|p| vec![p]),
            _ => None,
        },
        CExpr::Or(l, r) => {
            let mut both = alternatives(l, slots)?;
            both.extend(alternatives(r, slots)?);
            Some(both)
        }
        _ => None,
    }
}

/// A constant compared with `=` (or `in`) to a field read from the event's text.
fn literal(slots: &Slots, slot: usize, value: &Value) -> Option<Prefilter> {
    if !readable(slots, slot) {
        return None;
    }
    // 0 and 1 also equal the booleans `false` and `true`, whose text has no digit.
    let integer = |n: i64| (!matches!(n, 0 | 1)).then(|| Prefilter::integer(n));
    match value {
        Value::Int(n) => integer(*n),
        Value::Str(s) => match parse_number(s) {
            Some(Number::Int(n)) => integer(n),
            Some(Number::Float(_)) => None,
            None => Prefilter::new(s),
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
