//! Expressions compiled once per query: field names become row slots, regular expressions and
//! functions are resolved, constants are folded into values.

use std::borrow::Cow;

use super::Slots;
use super::lazy_regex::LazyRegex;
use crate::insights::eval::duration::{Period, parse_period};
use crate::insights::eval::functions::{
    ScalarFn, in_list, like_substring, regex_matches, resolve_scalar,
};
use crate::insights::eval::registry::{FunctionKind, signature};
use crate::insights::eval::value::{Arith, Comparison, Value};
use crate::insights::syntax::ast::{
    BinaryOp, Expr, ExprKind, FieldRef, LikePattern, Literal, PathStep, UnaryOp,
};
use crate::insights::syntax::diag::Diagnostic;
use crate::insights::syntax::parser::check_regex;

/// An expression ready to evaluate against a row.
#[derive(Debug, Clone)]
pub(super) enum CExpr {
    Slot(usize),
    Const(Value),
    Not(Box<CExpr>),
    Neg(Box<CExpr>),
    Compare(Comparison, Box<CExpr>, Box<CExpr>),
    And(Box<CExpr>, Box<CExpr>),
    Or(Box<CExpr>, Box<CExpr>),
    Arith(Arith, Box<CExpr>, Box<CExpr>),
    Regex {
        expr: Box<CExpr>,
        re: LazyRegex,
        negated: bool,
    },
    Substring {
        expr: Box<CExpr>,
        needle: String,
        negated: bool,
    },
    In {
        expr: Box<CExpr>,
        list: Vec<CExpr>,
        negated: bool,
    },
    Call {
        f: ScalarFn,
        args: Vec<CExpr>,
    },
    /// A member of a map or list the query made: `m.webhook`, `ev.user.groups.0`,
    /// `ev.user.groups[0]`.
    Member(usize, Vec<PathStep>),
    /// `bin(period)`: the period that holds the row's `@timestamp`.
    Bin {
        period: Period,
        timestamp: usize,
    },
}

/// Turns aggregate calls into something else (the slot their result lands in); outside `stats`
/// an aggregate is an error.
pub(super) type AggregateHook<'h> =
    dyn FnMut(&Expr, &str, &[Expr], &mut Slots) -> Result<CExpr, Diagnostic> + 'h;

pub(super) fn compile(
    expr: &Expr,
    slots: &mut Slots,
    aggregates: &mut Option<&mut AggregateHook<'_>>,
) -> Result<CExpr, Diagnostic> {
    let mut sub = |e: &Expr, slots: &mut Slots| compile(e, slots, aggregates).map(Box::new);
    Ok(match &expr.kind {
        ExprKind::Field(f) => field(f, slots),
        ExprKind::Literal(lit) => CExpr::Const(literal(lit)),
        ExprKind::Star => CExpr::Const(Value::Missing),
        ExprKind::Unary { op, expr: inner } => match op {
            UnaryOp::Not => CExpr::Not(sub(inner, slots)?),
            UnaryOp::Neg => CExpr::Neg(sub(inner, slots)?),
        },
        ExprKind::Binary { op, lhs, rhs } => {
            if let BinaryOp::RegexMatch | BinaryOp::NotRegexMatch = op {
                let re = regex_operand(rhs)?;
                return Ok(CExpr::Regex {
                    expr: sub(lhs, slots)?,
                    re,
                    negated: *op == BinaryOp::NotRegexMatch,
                });
            }
            let (l, r) = (sub(lhs, slots)?, sub(rhs, slots)?);
            match op {
                BinaryOp::Eq => CExpr::Compare(Comparison::Eq, l, r),
                BinaryOp::Ne => CExpr::Compare(Comparison::Ne, l, r),
                BinaryOp::Lt => CExpr::Compare(Comparison::Lt, l, r),
                BinaryOp::Le => CExpr::Compare(Comparison::Le, l, r),
                BinaryOp::Gt => CExpr::Compare(Comparison::Gt, l, r),
                BinaryOp::Ge => CExpr::Compare(Comparison::Ge, l, r),
                BinaryOp::And => CExpr::And(l, r),
                BinaryOp::Or => CExpr::Or(l, r),
                BinaryOp::Add => CExpr::Arith(Arith::Add, l, r),
                BinaryOp::Sub => CExpr::Arith(Arith::Sub, l, r),
                BinaryOp::Mul => CExpr::Arith(Arith::Mul, l, r),
                BinaryOp::Div => CExpr::Arith(Arith::Div, l, r),
                BinaryOp::Pow => CExpr::Arith(Arith::Pow, l, r),
                BinaryOp::Mod => CExpr::Arith(Arith::Rem, l, r),
                BinaryOp::RegexMatch | BinaryOp::NotRegexMatch => unreachable_regex(expr)?,
            }
        }
        ExprKind::Like {
            expr: inner,
            pattern,
            negated,
        } => match pattern {
            LikePattern::Substring(needle) => CExpr::Substring {
                expr: sub(inner, slots)?,
                needle: needle.clone(),
                negated: *negated,
            },
            LikePattern::Regex {
                source,
                case_insensitive,
            } => CExpr::Regex {
                expr: sub(inner, slots)?,
                re: regex(source, *case_insensitive, expr)?,
                negated: *negated,
            },
        },
        ExprKind::In {
            expr: inner,
            list,
            negated,
        } => CExpr::In {
            expr: sub(inner, slots)?,
            list: list
                .iter()
                .map(|e| compile(e, slots, aggregates))
                .collect::<Result<_, _>>()?,
            negated: *negated,
        },
        ExprKind::Call { name, args } => {
            let is_aggregate = signature(name).is_some_and(|s| s.kind == FunctionKind::Aggregate);
            if is_aggregate {
                return match aggregates {
                    Some(hook) => hook(expr, name, args, slots),
                    None => Err(Diagnostic::error(
                        expr.span,
                        format!("`{name}` is an aggregate function: use it only inside `stats`"),
                    )),
                };
            }
            if name == "bin" {
                let period = period_arg(args.first(), expr)?;
                return Ok(CExpr::Bin {
                    period,
                    timestamp: slots.slot("@timestamp"),
                });
            }
            let f = resolve_scalar(name, args.len())
                .map_err(|e| Diagnostic::error(expr.span, e.to_string()))?;
            let compiled: Vec<CExpr> = args
                .iter()
                .map(|e| compile(e, slots, aggregates))
                .collect::<Result<_, _>>()?;
            probe_constants(f, args, &compiled, expr)?;
            CExpr::Call { f, args: compiled }
        }
    })
}

/// A field: a slot of the row, or a member of a structure in one. Only a field that reaches into
/// a structure costs more than reading its slot.
pub(super) fn field(f: &FieldRef, slots: &mut Slots) -> CExpr {
    if let Some((base, rest)) = f.under(|name| slots.is_defined(name)) {
        return CExpr::Member(slots.slot(&base), rest.to_vec());
    }
    if !f.has_index() || slots.is_defined(&f.path) {
        return CExpr::Slot(slots.read(&f.path));
    }
    // An event's arrays are flattened into `sourceIPs.0`, `sourceIPs.1`, …: `sourceIPs` itself
    // reads as JSON text, which no index reaches into (the checker says so).
    let (name, rest) = f.before_index();
    CExpr::Member(slots.read(&name), rest.to_vec())
}

/// Functions fail only on a wrong query, never on data (a value they cannot use gives no
/// value): so a call with every non-constant argument absent fails exactly when a constant
/// argument is wrong (a subnet that does not parse, a period of the wrong form). That is found
/// here, before any record is read, and pinned on the argument to blame.
fn probe_constants(
    f: ScalarFn,
    args: &[Expr],
    compiled: &[CExpr],
    call: &Expr,
) -> Result<(), Diagnostic> {
    let probe: Vec<Value> = compiled
        .iter()
        .map(|c| match c {
            CExpr::Const(v) => v.clone(),
            _ => Value::Missing,
        })
        .collect();
    let Err(error) = f(&probe) else {
        return Ok(());
    };
    let culprit = (0..probe.len())
        .filter(|&i| matches!(compiled[i], CExpr::Const(_)))
        .find(|&i| {
            let mut without = probe.clone();
            without[i] = Value::Missing;
            f(&without).is_ok()
        });
    let span = culprit.map_or(call.span, |i| args[i].span);
    Err(Diagnostic::error(span, error.to_string()))
}

fn unreachable_regex(expr: &Expr) -> Result<CExpr, Diagnostic> {
    Err(Diagnostic::error(
        expr.span,
        "a regular expression is expected here",
    ))
}

pub(super) fn literal(lit: &Literal) -> Value {
    match lit {
        Literal::Int(i) => Value::Int(*i),
        Literal::Float(f) => Value::float(*f),
        Literal::Str(s) => Value::str(s),
        Literal::Duration { text, .. } => Value::str(text),
        Literal::Regex { source, .. } => Value::str(source),
        Literal::Bool(b) => Value::Bool(*b),
    }
}

fn regex(source: &str, case_insensitive: bool, at: &Expr) -> Result<LazyRegex, Diagnostic> {
    let pattern = if case_insensitive {
        format!("(?i){source}")
    } else {
        source.to_string()
    };
    check_regex(&pattern, at.span)?;
    LazyRegex::new(pattern).map_err(|e| Diagnostic::error(at.span, e.to_string()))
}

/// The right side of `=~`: a `/regex/` or a string holding one.
fn regex_operand(rhs: &Expr) -> Result<LazyRegex, Diagnostic> {
    match &rhs.kind {
        ExprKind::Literal(Literal::Regex {
            source,
            case_insensitive,
        }) => regex(source, *case_insensitive, rhs),
        ExprKind::Literal(Literal::Str(source)) => regex(source, false, rhs),
        _ => Err(Diagnostic::error(
            rhs.span,
            "`=~` takes a regular expression such as /^kube-/ on its right",
        )),
    }
}

fn period_arg(arg: Option<&Expr>, call: &Expr) -> Result<Period, Diagnostic> {
    let Some(arg) = arg else {
        return Err(Diagnostic::error(
            call.span,
            "`bin` takes a period such as 5m",
        ));
    };
    let value = match &arg.kind {
        ExprKind::Literal(Literal::Duration { text, .. }) => {
            return parse_period(text).map_err(|e| Diagnostic::error(arg.span, e.to_string()));
        }
        ExprKind::Literal(lit) => literal(lit),
        _ => {
            return Err(Diagnostic::error(
                arg.span,
                "`bin` takes a constant period such as 5m or 1h",
            ));
        }
    };
    Period::from_value(&value, "bin").map_err(|e| Diagnostic::error(arg.span, e.to_string()))
}

impl CExpr {
    pub(super) fn eval(&self, row: &[Value]) -> Value {
        match self {
            CExpr::Slot(i) => row.get(*i).cloned().unwrap_or(Value::Missing),
            CExpr::Const(v) => v.clone(),
            CExpr::Member(slot, path) => {
                let mut value = row.get(*slot).unwrap_or(Value::missing_ref());
                for step in path {
                    let next = match step {
                        PathStep::Key(key) => value.member(key),
                        PathStep::Index(i) => value.element(*i),
                    };
                    match next {
                        Some(v) => value = v,
                        None => return Value::Missing,
                    }
                }
                value.clone()
            }
            CExpr::Not(e) => {
                let v = e.eval(row);
                if v.is_absent() {
                    Value::Bool(false)
                } else {
                    Value::Bool(!v.is_truthy())
                }
            }
            CExpr::Neg(e) => e.eval(row).negate(),
            CExpr::Compare(op, l, r) => {
                Value::Bool(l.eval_ref(row).satisfies(*op, &r.eval_ref(row)))
            }
            CExpr::And(l, r) => Value::Bool(l.test(row) && r.test(row)),
            CExpr::Or(l, r) => Value::Bool(l.test(row) || r.test(row)),
            CExpr::Arith(op, l, r) => l.eval(row).arith(*op, &r.eval(row)),
            CExpr::Regex { expr, re, negated } => {
                let matched = re.get().and_then(|re| regex_matches(&expr.eval(row), re));
                predicate(matched, *negated)
            }
            CExpr::Substring {
                expr,
                needle,
                negated,
            } => predicate(like_substring(&expr.eval(row), needle), *negated),
            CExpr::In {
                expr,
                list,
                negated,
            } => {
                let items = list.iter().map(|e| e.eval_ref(row));
                predicate(in_list(&expr.eval_ref(row), items), *negated)
            }
            CExpr::Call { f, args } => {
                let values: Vec<Value> = args.iter().map(|e| e.eval(row)).collect();
                // Arity and constant arguments were checked when the function was resolved;
                // what is left to fail is data, which gives no value.
                f(&values).unwrap_or(Value::Missing)
            }
            CExpr::Bin { period, timestamp } => match row.get(*timestamp) {
                Some(Value::Time(t)) => Value::Time(period.floor(*t)),
                _ => Value::Missing,
            },
        }
    }

    /// [`CExpr::eval`], borrowing a slot's value or a constant rather than cloning it.
    pub(super) fn eval_ref<'r>(&'r self, row: &'r [Value]) -> Cow<'r, Value> {
        match self {
            CExpr::Slot(i) => Cow::Borrowed(row.get(*i).unwrap_or(Value::missing_ref())),
            CExpr::Const(v) => Cow::Borrowed(v),
            other => Cow::Owned(other.eval(row)),
        }
    }

    /// Whether evaluating reads `slot`.
    pub(super) fn reads(&self, slot: usize) -> bool {
        match self {
            CExpr::Slot(s) | CExpr::Member(s, _) => *s == slot,
            CExpr::Bin { timestamp, .. } => *timestamp == slot,
            CExpr::Const(_) => false,
            CExpr::Not(e) | CExpr::Neg(e) => e.reads(slot),
            CExpr::Compare(_, l, r)
            | CExpr::And(l, r)
            | CExpr::Or(l, r)
            | CExpr::Arith(_, l, r) => l.reads(slot) || r.reads(slot),
            CExpr::Regex { expr, .. } | CExpr::Substring { expr, .. } => expr.reads(slot),
            CExpr::In { expr, list, .. } => expr.reads(slot) || list.iter().any(|e| e.reads(slot)),
            CExpr::Call { args, .. } => args.iter().any(|e| e.reads(slot)),
        }
    }

    /// Whether `filter` keeps the row.
    pub(super) fn test(&self, row: &[Value]) -> bool {
        self.eval(row).is_truthy()
    }
}

/// A predicate's answer; an absent operand is false whether or not it is negated.
fn predicate(answer: Option<bool>, negated: bool) -> Value {
    Value::Bool(answer.is_some_and(|b| b != negated))
}
