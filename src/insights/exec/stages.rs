//! The commands of a query as stages over rows.

use std::borrow::Cow;
use std::collections::HashSet;

use std::sync::Arc;

use regex::Regex;

use super::Slots;
use super::compile::{AggregateHook, CExpr, compile, field, literal};
use super::groups::Groups;
use crate::insights::eval::aggregates::{AggInput, Aggregator};
use crate::insights::eval::functions::compile_regex;
use crate::insights::eval::functions::parse_json;
use crate::insights::eval::value::{GroupKey, Value};
use crate::insights::syntax::ast::{
    Command, CommandKind, Expr, ExprKind, ParsePattern, Projection,
};
use crate::insights::syntax::diag::Diagnostic;

pub(super) type Row = Vec<Value>;

/// Whether a stage lets later records matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    More,
    /// A `limit` is full: no later record can reach the result.
    Done,
}

#[derive(Debug)]
pub(super) enum Stage {
    Filter(CExpr),
    /// `fields` and `display`: computes each projection into its slot.
    Project(Vec<(usize, CExpr)>),
    Parse {
        source: CExpr,
        re: Arc<Regex>,
        /// Each capturing group that fills a field, and the field's slot.
        slots: Vec<(usize, usize)>,
    },
    Unnest {
        source: CExpr,
        slot: usize,
    },
    Dedup(Vec<CExpr>),
    Limit(usize),
    Sort(Vec<(CExpr, bool)>),
    Stats(Box<Stats>),
}

/// `stats … by` groups on this many values without allocating.
const BY_INLINE: usize = 4;

/// What a stage remembers between records.
#[derive(Debug)]
pub(super) enum State {
    None,
    Seen(HashSet<Vec<GroupKey>>),
    Passed(usize),
    Groups(Groups),
}

#[derive(Debug)]
pub(super) struct Stats {
    by: Vec<(usize, CExpr)>,
    /// One per aggregate call: what it reads, a fresh aggregator, the slot its result goes in.
    aggregates: Vec<(Option<CExpr>, Aggregator, usize)>,
    /// The `stats` columns that are expressions over aggregate values.
    outputs: Vec<(usize, CExpr)>,
    timestamp: usize,
}

impl Stage {
    pub(super) fn compile(command: &Command, slots: &mut Slots) -> Result<Stage, Diagnostic> {
        let mut no_aggregates = None;
        let mut expr = |e: &Expr, slots: &mut Slots| compile(e, slots, &mut no_aggregates);
        Ok(match &command.kind {
            CommandKind::Filter(e) => Stage::Filter(expr(e, slots)?),
            CommandKind::Fields(ps) | CommandKind::Display(ps) => {
                let mut out = Vec::with_capacity(ps.len());
                for p in ps {
                    let c = expr(&p.expr, slots)?;
                    out.push((slots.slot(&p.name), c));
                }
                for p in ps.iter().filter(|p| p.alias.is_some()) {
                    slots.define(&p.name);
                }
                Stage::Project(out)
            }
            CommandKind::Parse { source, pattern } => {
                let re = match pattern {
                    ParsePattern::Glob { pattern, .. } => glob_regex(pattern),
                    ParsePattern::Regex { regex, .. } => regex.clone(),
                };
                let re = compile_regex(&re)
                    .map_err(|e| Diagnostic::error(command.span, e.to_string()))?;
                let source = expr(source, slots)?;
                for n in pattern.names() {
                    slots.define(n);
                }
                // A glob's groups are its `*`s, in order; a regex captures only into its named
                // groups, so an unnamed group before a named one shifts nothing.
                let groups: Vec<(usize, usize)> = match pattern {
                    ParsePattern::Glob { names, .. } => names
                        .iter()
                        .enumerate()
                        .map(|(i, n)| (i + 1, slots.slot(n)))
                        .collect(),
                    ParsePattern::Regex { .. } => re
                        .capture_names()
                        .enumerate()
                        .filter_map(|(i, n)| n.map(|n| (i, slots.slot(n))))
                        .collect(),
                };
                Stage::Parse {
                    source,
                    re,
                    slots: groups,
                }
            }
            CommandKind::Unnest { source, alias } => {
                let source = expr(source, slots)?;
                slots.define(alias);
                Stage::Unnest {
                    source,
                    slot: slots.slot(alias),
                }
            }
            CommandKind::Dedup(fields) => {
                Stage::Dedup(fields.iter().map(|f| field(f, slots)).collect())
            }
            CommandKind::Limit(n) => Stage::Limit(usize::try_from(*n).unwrap_or(usize::MAX)),
            CommandKind::Sort(keys) => {
                let mut out = Vec::with_capacity(keys.len());
                for k in keys {
                    out.push((expr(&k.expr, slots)?, k.descending));
                }
                Stage::Sort(out)
            }
            CommandKind::Stats { aggregates, by } => {
                Stage::Stats(Box::new(Stats::compile(aggregates, by, slots)?))
            }
            CommandKind::AwsOnly { name } => {
                return Err(Diagnostic::error(
                    command.span,
                    format!(
                        "`{name}` runs only in CloudWatch Logs: run the query against a log group"
                    ),
                ));
            }
        })
    }

    /// The order `dedup` keeps the first of when the query sorts nothing before it: the latest
    /// event first, as CloudWatch does.
    pub(super) fn newest_first(slots: &mut Slots) -> Stage {
        Stage::Sort(vec![(CExpr::Slot(slots.slot("@timestamp")), true)])
    }

    /// Whether the stage must see every row before it can pass any on.
    pub(super) fn collects(&self) -> bool {
        matches!(self, Stage::Sort(_) | Stage::Stats(_))
    }

    pub(super) fn new_state(&self) -> State {
        match self {
            Stage::Dedup(_) => State::Seen(HashSet::new()),
            Stage::Limit(_) => State::Passed(0),
            Stage::Stats(_) => State::Groups(Groups::default()),
            _ => State::None,
        }
    }

    /// Runs a streaming stage over the rows one record became.
    pub(super) fn stream(&self, state: &mut State, rows: &mut Vec<Row>) -> Flow {
        match self {
            Stage::Filter(e) => rows.retain(|r| e.test(r)),
            Stage::Project(ps) => {
                for row in rows.iter_mut() {
                    project(ps, row);
                }
            }
            Stage::Parse { source, re, slots } => {
                for row in rows.iter_mut() {
                    parse(source, re, slots, row);
                }
            }
            Stage::Unnest { source, slot } => {
                let mut out = Vec::with_capacity(rows.len());
                for row in rows.drain(..) {
                    unnest(source, *slot, row, &mut out);
                }
                *rows = out;
            }
            Stage::Dedup(keys) => {
                if let State::Seen(seen) = state {
                    rows.retain(|r| {
                        // CloudWatch keeps every event with an absent value in a dedup field.
                        let values: Vec<_> = keys.iter().map(|k| k.eval_ref(r)).collect();
                        if values.iter().any(|v| v.is_absent()) {
                            return true;
                        }
                        let key: Vec<GroupKey> = values.iter().map(|v| v.group_key()).collect();
                        seen.insert(key)
                    });
                }
            }
            Stage::Limit(n) => {
                if let State::Passed(passed) = state {
                    let room = n.saturating_sub(*passed);
                    rows.truncate(room);
                    *passed += rows.len();
                    if *passed >= *n {
                        return Flow::Done;
                    }
                }
            }
            Stage::Sort(_) | Stage::Stats(_) => {}
        }
        Flow::More
    }

    /// Aggregates rows into a `stats` stage's groups without keeping them.
    pub(super) fn absorb(&self, state: &mut State, rows: &[Row]) {
        if let (Stage::Stats(stats), State::Groups(groups)) = (self, state) {
            for row in rows {
                stats.add(groups, row);
            }
        }
    }

    /// Runs the stage over all the rows that reached it.
    pub(super) fn batch(&self, state: &mut State, mut rows: Vec<Row>, width: usize) -> Vec<Row> {
        match self {
            Stage::Sort(keys) => {
                let mut keyed: Vec<(Vec<Value>, Row)> = rows
                    .into_iter()
                    .map(|r| (keys.iter().map(|(e, _)| e.eval(&r)).collect(), r))
                    .collect();
                keyed.sort_by(|(a, _), (b, _)| {
                    a.iter()
                        .zip(b)
                        .zip(keys)
                        .map(|((x, y), (_, desc))| x.sort_order(y, *desc))
                        .find(|o| o.is_ne())
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
                keyed.into_iter().map(|(_, r)| r).collect()
            }
            Stage::Stats(stats) => {
                if let State::Groups(groups) = state {
                    for row in &rows {
                        stats.add(groups, row);
                    }
                    stats.emit(std::mem::take(groups), width)
                } else {
                    Vec::new()
                }
            }
            _ => {
                let mut out = Vec::with_capacity(rows.len());
                for row in rows.drain(..) {
                    let mut one = vec![row];
                    let flow = self.stream(state, &mut one);
                    out.append(&mut one);
                    if flow == Flow::Done {
                        break;
                    }
                }
                out
            }
        }
    }
}

fn project(ps: &[(usize, CExpr)], row: &mut Row) {
    // `fields a, b` names fields already in their slots: nothing to compute.
    if ps
        .iter()
        .all(|(slot, e)| matches!(e, CExpr::Slot(s) if s == slot))
    {
        return;
    }
    // Computed against the row as it was, so `fields b as a, a as b` swaps.
    let values: Vec<Value> = ps.iter().map(|(_, e)| e.eval(row)).collect();
    for ((slot, _), v) in ps.iter().zip(values) {
        row[*slot] = v;
    }
}

fn parse(source: &CExpr, re: &Regex, slots: &[(usize, usize)], row: &mut Row) {
    let value = source.eval(row);
    let Some(text) = value.as_text() else { return };
    let Some(caps) = re.captures(&text) else {
        return;
    };
    for &(group, slot) in slots {
        if let Some(m) = caps.get(group) {
            row[slot] = Value::str(m.as_str());
        }
    }
}

fn unnest(source: &CExpr, slot: usize, row: Row, out: &mut Vec<Row>) {
    let list = match source.eval(&row) {
        Value::List(items) => Some(items),
        Value::Str(s) => match parse_json(&s) {
            Some(Value::List(items)) => Some(items),
            _ => None,
        },
        _ => None,
    };
    match list {
        Some(items) => {
            for item in items.iter() {
                let mut r = row.clone();
                r[slot] = item.clone();
                out.push(r);
            }
        }
        // A value that is not a list is a list of one, so no record is lost.
        None => {
            let mut r = row;
            r[slot] = source.eval(&r);
            out.push(r);
        }
    }
}

/// A glob of `parse` as a regular expression: each `*` captures as little as it can, except a
/// `*` that ends the pattern, which takes the rest of the text.
pub(super) fn glob_regex(glob: &str) -> String {
    let parts: Vec<&str> = glob.split('*').collect();
    let mut re = String::from("(?s)");
    for (i, part) in parts.iter().enumerate() {
        re.push_str(&regex::escape(part));
        if i + 1 < parts.len() {
            let last_and_trailing = i + 2 == parts.len() && parts[i + 1].is_empty();
            re.push_str(if last_and_trailing { "(.*)" } else { "(.*?)" });
        }
    }
    re
}

impl Stats {
    fn compile(
        aggregates: &[Projection],
        by: &[Projection],
        slots: &mut Slots,
    ) -> Result<Stats, Diagnostic> {
        let mut found: Vec<(Option<CExpr>, Aggregator, usize)> = Vec::new();
        let mut outputs = Vec::new();
        for p in aggregates {
            let mut hook = |call: &Expr, name: &str, args: &[Expr], slots: &mut Slots| {
                aggregate_call(call, name, args, slots, &mut found)
            };
            let mut hook_ref: Option<&mut AggregateHook<'_>> = Some(&mut hook);
            let c = compile(&p.expr, slots, &mut hook_ref)?;
            outputs.push((slots.slot(&p.name), c));
        }
        let mut none = None;
        let mut by_out = Vec::with_capacity(by.len());
        for p in by {
            let c = compile(&p.expr, slots, &mut none)?;
            by_out.push((slots.slot(&p.name), c));
        }
        for p in aggregates.iter().chain(by) {
            slots.define(&p.name);
        }
        Ok(Stats {
            by: by_out,
            aggregates: found,
            outputs,
            timestamp: slots.timestamp(),
        })
    }

    fn add(&self, groups: &mut Groups, row: &Row) {
        let fresh = || self.aggregates.iter().map(|(_, a, _)| a.clone()).collect();
        // The values of a group already seen are only looked at, not copied.
        let aggs = if self.by.len() <= BY_INLINE {
            let mut values: [Cow<'_, Value>; BY_INLINE] =
                std::array::from_fn(|_| Cow::Borrowed(Value::missing_ref()));
            for (v, (_, e)) in values.iter_mut().zip(&self.by) {
                *v = e.eval_ref(row);
            }
            groups.aggregators(&values[..self.by.len()], fresh)
        } else {
            let values: Vec<Cow<'_, Value>> =
                self.by.iter().map(|(_, e)| e.eval_ref(row)).collect();
            groups.aggregators(&values, fresh)
        };
        let timestamp = match row.get(self.timestamp) {
            Some(Value::Time(t)) => Some(*t),
            _ => None,
        };
        for ((arg, _, _), agg) in self.aggregates.iter().zip(aggs.iter_mut()) {
            match arg {
                Some(e) => agg.update(&e.eval_ref(row), timestamp),
                None => agg.update(Value::missing_ref(), timestamp),
            }
        }
    }

    /// One row per group, in the order groups were first seen.
    fn emit(&self, groups: Groups, width: usize) -> Vec<Row> {
        groups
            .into_entries()
            .into_iter()
            .map(|(values, aggs)| {
                let mut row = vec![Value::Missing; width];
                for ((slot, _), v) in self.by.iter().zip(values) {
                    row[*slot] = v;
                }
                for ((_, _, slot), agg) in self.aggregates.iter().zip(&aggs) {
                    row[*slot] = agg.finish();
                }
                // In order, so that an output may use the ones before it (`hi - lo as spread`).
                for (slot, e) in &self.outputs {
                    row[*slot] = e.eval(&row);
                }
                row
            })
            .collect()
    }
}

/// An aggregate call inside `stats`: registers its aggregator and stands for the slot that will
/// hold its result.
fn aggregate_call(
    call: &Expr,
    name: &str,
    args: &[Expr],
    slots: &mut Slots,
    found: &mut Vec<(Option<CExpr>, Aggregator, usize)>,
) -> Result<CExpr, Diagnostic> {
    let (input, arg, params) = match args.split_first() {
        None => (AggInput::Records, None, &[][..]),
        Some((first, rest)) if matches!(first.kind, ExprKind::Star) => {
            (AggInput::Records, None, rest)
        }
        Some((first, rest)) => {
            let mut none = None;
            (
                AggInput::Field,
                Some(compile(first, slots, &mut none)?),
                rest,
            )
        }
    };
    let params: Vec<Value> = params
        .iter()
        .map(|p| match &p.kind {
            ExprKind::Literal(lit) => Ok(literal(lit)),
            _ => Err(Diagnostic::error(
                p.span,
                format!("`{name}` takes a constant here, such as 95"),
            )),
        })
        .collect::<Result<_, _>>()?;
    if matches!(name, "earliest" | "latest") {
        slots.slot("@timestamp");
    }
    let aggregator = Aggregator::new(name, input, &params)
        .map_err(|e| Diagnostic::error(call.span, e.to_string()))?;
    let slot = slots.hidden("aggregate");
    found.push((arg, aggregator, slot));
    Ok(CExpr::Slot(slot))
}
