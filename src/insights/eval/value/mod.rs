//! Values that flow through a query: what a field, a literal or a function yields.
//!
//! Logs Insights is loosely typed, and this module is where that looseness lives: how two values
//! compare, how they compute, how they sort, how they group and how they print.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use thiserror::Error;

use super::calendar;

mod format;
mod ops;

/// One value. Logs Insights is loosely typed: a string that holds a number compares and
/// computes as that number (`responseStatus.code = "401"` matches 401).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// The field is absent from the record (or a function had nothing to return).
    Missing,
    /// JSON `null`.
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    /// A point in time, in milliseconds since the epoch (`@timestamp`, `bin(…)`).
    Time(i64),
    /// A JSON array (from `jsonParse`, or an array field read whole).
    List(Arc<Vec<Value>>),
    /// A JSON object, members in input order (from `jsonParse`).
    Map(Arc<Vec<(Arc<str>, Value)>>),
}

/// A failure to evaluate a query that no record can fix: the query itself must change.
/// Bad data never raises one (a function given a value it cannot use returns `Missing`).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum EvalError {
    #[error("unknown function `{name}`: it is not a Logs Insights function")]
    UnknownFunction { name: String },
    #[error("`{name}` is an aggregate function: use it only inside `stats`")]
    NotScalar { name: String },
    #[error("`{name}` is not an aggregate function: `stats` needs one of count, sum, avg, …")]
    NotAggregate { name: String },
    #[error("`{name}` takes {expected} argument(s), but {got} were given")]
    Arity {
        name: String,
        expected: String,
        got: usize,
    },
    #[error("`{function}`: {message}")]
    InvalidArgument { function: String, message: String },
    #[error(
        "invalid time period `{text}`: {reason} (write a whole number and a unit: ms, s, m, h, d, w, mo, q or y, as in `5m`)"
    )]
    InvalidPeriod { text: String, reason: String },
    #[error(
        "invalid subnet `{text}`: write it in CIDR notation, as in 192.0.2.0/24 or 2001:db8::/32"
    )]
    InvalidSubnet { text: String },
    #[error("invalid regular expression /{pattern}/: {message}")]
    InvalidRegex { pattern: String, message: String },
    #[error(
        "`{function}` needs the record's @timestamp; the evaluator passes it as a last argument"
    )]
    NeedsTimestamp { function: String },
    #[error("cannot merge a `{left}` aggregate with a `{right}` aggregate")]
    MergeMismatch { left: String, right: String },
}

/// A value taken as a number: integers stay exact, everything else is a finite float.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }

    /// Exact comparison, also between an integer and a float beyond 2^53.
    pub fn cmp_exact(self, other: Number) -> Ordering {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a.cmp(&b),
            (Number::Float(a), Number::Float(b)) => a.total_cmp(&b),
            (Number::Int(a), Number::Float(b)) => cmp_int_float(a, b),
            (Number::Float(a), Number::Int(b)) => cmp_int_float(b, a).reverse(),
        }
    }

    /// Back to a value; a float that is not finite has no JSON form, so it becomes `Missing`.
    pub fn into_value(self) -> Value {
        match self {
            Number::Int(i) => Value::Int(i),
            Number::Float(f) => Value::float(f),
        }
    }

    /// The integer this number equals exactly, if any (`2.0` → 2), for grouping and display.
    pub fn as_exact_int(self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(i),
            Number::Float(f) => float_as_exact_int(f),
        }
    }
}

fn float_as_exact_int(f: f64) -> Option<i64> {
    // 2^63 is exactly representable; anything at or above it does not fit an i64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f)).then_some(f as i64)
}

fn cmp_int_float(i: i64, f: f64) -> Ordering {
    if f.is_nan() {
        return (i as f64).total_cmp(&f);
    }
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f >= LIMIT {
        return Ordering::Less;
    }
    if f < -LIMIT {
        return Ordering::Greater;
    }
    // Compare the integer parts exactly, then let the fraction break the tie.
    let whole = f.trunc();
    match i.cmp(&(whole as i64)) {
        Ordering::Equal if f > whole => Ordering::Less,
        Ordering::Equal if f < whole => Ordering::Greater,
        other => other,
    }
}

/// Reads a string as a number the way a loose comparison does: an optional sign, digits, an
/// optional fraction and exponent. Surrounding spaces, hex and `inf`/`NaN` spellings do not count,
/// so identifiers such as UIDs stay strings.
pub fn parse_number(s: &str) -> Option<Number> {
    let first = *s.as_bytes().first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    if let Ok(i) = s.parse::<i64>() {
        return Some(Number::Int(i));
    }
    if s.bytes()
        .any(|c| c.is_ascii_alphabetic() && !matches!(c, b'e' | b'E'))
    {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    f.is_finite().then_some(Number::Float(f))
}

/// The comparison operators of `filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The arithmetic operators `+ - * / ^ %`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Rem,
}

static MISSING: Value = Value::Missing;

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }

    /// A float result; infinities and NaN have no JSON form and print as nothing.
    pub fn float(f: f64) -> Value {
        if f.is_finite() {
            Value::Float(f)
        } else {
            Value::Missing
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }

    /// Missing or JSON `null`: no value to compute with.
    pub fn is_absent(&self) -> bool {
        matches!(self, Value::Missing | Value::Null)
    }

    /// A map or a list (what `jsonParse` makes).
    pub fn is_structure(&self) -> bool {
        matches!(self, Value::List(_) | Value::Map(_))
    }

    /// A shared `Missing`, for lookups that find nothing.
    pub fn missing_ref() -> &'static Value {
        &MISSING
    }

    /// The value as a number: numbers, numeric strings, times (epoch ms) and booleans (1/0).
    pub fn as_number(&self) -> Option<Number> {
        match self {
            Value::Int(i) => Some(Number::Int(*i)),
            Value::Float(f) => Some(Number::Float(*f)),
            Value::Time(t) => Some(Number::Int(*t)),
            Value::Bool(b) => Some(Number::Int(i64::from(*b))),
            Value::Str(s) => parse_number(s),
            _ => None,
        }
    }

    /// The value as text, as string functions see it; `None` when absent. A map or a list has
    /// none: AWS documents that string, number and datetime functions treat them as null.
    pub fn as_text(&self) -> Option<Cow<'_, str>> {
        match self {
            Value::Missing | Value::Null | Value::List(_) | Value::Map(_) => None,
            Value::Str(s) => Some(Cow::Borrowed(s)),
            other => Some(Cow::Owned(other.display())),
        }
    }

    /// A member of a map by key, or an element of a list by decimal index (`sourceIPs.0`).
    pub fn member(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(members) => members.iter().find(|(k, _)| &**k == key).map(|(_, v)| v),
            Value::List(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        }
    }

    /// `[i]`: the element of a list at `i`; nothing for any other value.
    pub fn element(&self, i: usize) -> Option<&Value> {
        match self {
            Value::List(items) => items.get(i),
            _ => None,
        }
    }

    /// Loose comparison. `None` when either side is absent, a map or a list (AWS documents that
    /// comparing a map or list with anything is false): then every comparison, `!=` included,
    /// is false. Two numbers (or numeric strings, times, booleans) compare as numbers; a time
    /// and a date string compare as times; anything else compares as text.
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        let unordered = |v: &Value| {
            matches!(
                v,
                Value::Missing | Value::Null | Value::List(_) | Value::Map(_)
            )
        };
        if unordered(self) || unordered(other) {
            return None;
        }
        if let (Some(a), Some(b)) = (self.as_number(), other.as_number()) {
            return Some(a.cmp_exact(b));
        }
        match (self, other) {
            (Value::Time(t), Value::Str(s)) => {
                if let Some(ms) = calendar::parse_time(s) {
                    return Some(t.cmp(&ms));
                }
            }
            (Value::Str(s), Value::Time(t)) => {
                if let Some(ms) = calendar::parse_time(s) {
                    return Some(ms.cmp(t));
                }
            }
            _ => {}
        }
        Some(self.text_form().cmp(&other.text_form()))
    }

    /// Applies a comparison operator; false whenever either side is absent.
    pub fn satisfies(&self, op: Comparison, other: &Value) -> bool {
        let Some(order) = self.compare(other) else {
            return false;
        };
        match op {
            Comparison::Eq => order.is_eq(),
            Comparison::Ne => order.is_ne(),
            Comparison::Lt => order.is_lt(),
            Comparison::Le => order.is_le(),
            Comparison::Gt => order.is_gt(),
            Comparison::Ge => order.is_ge(),
        }
    }

    /// Loose `=`.
    pub fn loose_eq(&self, other: &Value) -> bool {
        self.satisfies(Comparison::Eq, other)
    }

    /// Whether `filter` keeps a record on this value: absent, false, zero, and the empty string
    /// (or empty list/map) are false; a numeric string is as true as its number.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Missing | Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Time(_) => true,
            Value::Str(s) => match parse_number(s) {
                Some(n) => n.as_f64() != 0.0,
                None => !s.is_empty(),
            },
            Value::List(items) => !items.is_empty(),
            Value::Map(members) => !members.is_empty(),
        }
    }

    fn text_form(&self) -> Cow<'_, str> {
        match self {
            Value::Str(s) => Cow::Borrowed(s),
            other => Cow::Owned(other.display()),
        }
    }

    /// The sort class, as CloudWatch documents its natural sort: every value that is not a
    /// number (text, lists, maps) before every number (numbers, numeric strings, times,
    /// booleans); absent values sort apart (see [`Value::sort_order`]).
    fn sort_rank(&self) -> u8 {
        match self {
            Value::Int(_) | Value::Float(_) | Value::Time(_) | Value::Bool(_) => 1,
            Value::Str(s) if parse_number(s).is_some() => 1,
            Value::Str(_) | Value::List(_) | Value::Map(_) => 0,
            Value::Null => 4,
            Value::Missing => 5,
        }
    }

    /// A total ascending order: text (natural order, see [`natural_cmp`]), then numbers by
    /// value, then `null`, then missing.
    pub fn sort_cmp(&self, other: &Value) -> Ordering {
        let (ra, rb) = (self.sort_rank(), other.sort_rank());
        if ra != rb {
            return ra.cmp(&rb);
        }
        match ra {
            1 => match (self.as_number(), other.as_number()) {
                (Some(a), Some(b)) => a.cmp_exact(b),
                _ => Ordering::Equal,
            },
            0 => natural_cmp(&self.text_form(), &other.text_form()),
            _ => Ordering::Equal,
        }
    }

    /// The order `sort` uses: present values ascending or descending, absent values (missing or
    /// `null`) always after them, whichever the direction.
    pub fn sort_order(&self, other: &Value, descending: bool) -> Ordering {
        match (self.is_absent(), other.is_absent()) {
            (false, false) if descending => other.sort_cmp(self),
            (false, false) => self.sort_cmp(other),
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (true, true) => self.sort_cmp(other),
        }
    }

    /// The key `stats … by`, `count_distinct` and `dedup` group on.
    pub fn group_key(&self) -> GroupKey {
        GroupKey(self.clone())
    }

    /// Whether two values fall in one group, as their [`GroupKey`]s would say, without making
    /// them: a lookup of a group already seen then costs no copy.
    pub fn same_group(&self, other: &Value) -> bool {
        canonical(self) == canonical(other)
    }

    /// Feeds the value's group to `state`, as its [`GroupKey`] hashes.
    pub fn hash_group<H: Hasher>(&self, state: &mut H) {
        canonical(self).hash(state);
    }
}

/// CloudWatch's natural order of text: runs of digits and runs of other characters compare
/// chunk by chunk; two runs of digits by length, then by value; anything else by Unicode order.
/// So `ip-10-0-9` sorts before `ip-10-0-10`.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a, b);
    loop {
        match (chunk(x), chunk(y)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some((cx, rx)), Some((cy, ry))) => {
                let digits = |c: &str| c.as_bytes()[0].is_ascii_digit();
                let order = if digits(cx) && digits(cy) {
                    cx.len().cmp(&cy.len()).then_with(|| cx.cmp(cy))
                } else {
                    cx.cmp(cy)
                };
                if order.is_ne() {
                    return order;
                }
                (x, y) = (rx, ry);
            }
        }
    }
}

/// The first run of ASCII digits, or of other characters, and the rest.
fn chunk(s: &str) -> Option<(&str, &str)> {
    let first = s.bytes().next()?;
    let is_digit = first.is_ascii_digit();
    let end = s
        .bytes()
        .position(|b| b.is_ascii_digit() != is_digit)
        .unwrap_or(s.len());
    Some(s.split_at(end))
}

/// A value wrapped for hashing, with the same equality as `=`, except that absent values group
/// too: all missing values form one group and all `null`s another. Numbers group by value, so
/// `401`, `401.0` and `"401"` are one group; it keeps the first value it was made from.
#[derive(Debug, Clone)]
pub struct GroupKey(Value);

#[derive(PartialEq, Eq, Hash)]
enum Canonical<'a> {
    Missing,
    Null,
    Int(i64),
    FloatBits(u64),
    Text(Cow<'a, str>),
}

impl GroupKey {
    pub fn value(&self) -> &Value {
        &self.0
    }

    pub fn into_value(self) -> Value {
        self.0
    }
}

fn canonical(value: &Value) -> Canonical<'_> {
    match value {
        Value::Missing => Canonical::Missing,
        Value::Null => Canonical::Null,
        other => match other.as_number() {
            Some(n) => match n.as_exact_int() {
                Some(i) => Canonical::Int(i),
                None => Canonical::FloatBits(n.as_f64().to_bits()),
            },
            None => Canonical::Text(other.text_form()),
        },
    }
}

impl PartialEq for GroupKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.same_group(&other.0)
    }
}

impl Eq for GroupKey {}

impl Hash for GroupKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash_group(state);
    }
}

#[cfg(test)]
mod tests;
