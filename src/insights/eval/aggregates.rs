//! The aggregate functions of `stats`. Each [`Aggregator`] folds one group's values and can merge
//! with another built over a different part of the input, so that threads can aggregate parts of
//! a file and combine them: the result equals one pass over the whole, as long as `merge` is given
//! the part that comes after (ties in `earliest`, `latest`, `min`, `max`, `sortsFirst` and
//! `sortsLast` keep the value seen first, and only input order can tell equal values apart).

use std::cmp::Ordering;
use std::collections::HashSet;

use crate::insights::eval::functions::check_arity;
use crate::insights::eval::registry::{self, FunctionKind};
use crate::insights::eval::value::{EvalError, GroupKey, Number, Value};

/// What an aggregate reads from each record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggInput {
    /// The record itself: `count()` and `count(*)`.
    Records,
    /// The value of an expression, passed to [`Aggregator::update`].
    Field,
}

/// One aggregate over one group.
#[derive(Debug, Clone)]
pub struct Aggregator {
    name: &'static str,
    state: State,
}

#[derive(Debug, Clone)]
enum State {
    CountRecords(u64),
    CountPresent(u64),
    CountDistinct(HashSet<GroupKey>),
    Sum(Sum),
    Avg(Sum),
    Min(Extremes),
    Max(Extremes),
    Pct { percent: f64, values: Vec<Value> },
    Stddev(Moments),
    Earliest(Option<(i64, Value)>),
    Latest(Option<(i64, Value)>),
    SortsFirst(Option<Value>),
    SortsLast(Option<Value>),
}

impl Aggregator {
    /// An aggregate by its registry name. `params` are the constant arguments after the field
    /// (the 95 of `pct(f, 95)`).
    pub fn new(name: &str, input: AggInput, params: &[Value]) -> Result<Aggregator, EvalError> {
        let sig = registry::signature(name).ok_or_else(|| EvalError::UnknownFunction {
            name: name.to_string(),
        })?;
        if sig.kind != FunctionKind::Aggregate {
            return Err(EvalError::NotAggregate {
                name: name.to_string(),
            });
        }
        if input == AggInput::Records && sig.name != "count" {
            return Err(EvalError::InvalidArgument {
                function: name.to_string(),
                message: "it needs a field or expression, not `*`".to_string(),
            });
        }
        let argc = params.len() + usize::from(input == AggInput::Field);
        check_arity(sig, argc)?;
        let state = match (sig.name, input) {
            ("count", AggInput::Records) => State::CountRecords(0),
            ("count", AggInput::Field) => State::CountPresent(0),
            ("count_distinct", _) => State::CountDistinct(HashSet::new()),
            ("sum", _) => State::Sum(Sum::default()),
            ("avg", _) => State::Avg(Sum::default()),
            ("min", _) => State::Min(Extremes::default()),
            ("max", _) => State::Max(Extremes::default()),
            ("pct", _) => State::Pct {
                percent: percent(params)?,
                values: Vec::new(),
            },
            ("stddev", _) => State::Stddev(Moments::default()),
            ("earliest", _) => State::Earliest(None),
            ("latest", _) => State::Latest(None),
            ("sortsFirst", _) => State::SortsFirst(None),
            ("sortsLast", _) => State::SortsLast(None),
            _ => {
                return Err(EvalError::UnknownFunction {
                    name: name.to_string(),
                });
            }
        };
        Ok(Aggregator {
            name: sig.name,
            state,
        })
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Folds in one record: `value` is the field's value (ignored by `count()`), `timestamp_ms`
    /// the record's `@timestamp` (only `earliest` and `latest` use it; records without one are
    /// skipped by them).
    pub fn update(&mut self, value: &Value, timestamp_ms: Option<i64>) {
        match &mut self.state {
            State::CountRecords(n) => *n += 1,
            State::CountPresent(n) => *n += u64::from(!value.is_missing()),
            _ if value.is_absent() => {}
            State::CountDistinct(seen) => {
                // Look up before inserting, so a repeated value costs no clone.
                let key = value.group_key();
                if !seen.contains(&key) {
                    seen.insert(key);
                }
            }
            State::Sum(sum) | State::Avg(sum) => {
                if let Some(n) = value.as_number() {
                    sum.add(n);
                }
            }
            State::Min(ext) => ext.offer(value, Ordering::Less),
            State::Max(ext) => ext.offer(value, Ordering::Greater),
            State::Pct { values, .. } => {
                if let Some(n) = numeric(value) {
                    values.push(n);
                }
            }
            State::Stddev(m) => {
                if let Some(n) = value.as_number() {
                    m.add(n.as_f64());
                }
            }
            State::Earliest(best) => {
                if let Some(ts) = timestamp_ms
                    && best.as_ref().is_none_or(|(b, _)| ts < *b)
                {
                    *best = Some((ts, value.clone()));
                }
            }
            State::Latest(best) => {
                if let Some(ts) = timestamp_ms
                    && best.as_ref().is_none_or(|(b, _)| ts > *b)
                {
                    *best = Some((ts, value.clone()));
                }
            }
            State::SortsFirst(best) => offer_sorted(best, value, Ordering::Less),
            State::SortsLast(best) => offer_sorted(best, value, Ordering::Greater),
        }
    }

    /// Adds what `other` aggregated; `other` should have seen the records after this one's.
    pub fn merge(&mut self, other: Aggregator) -> Result<(), EvalError> {
        let (left, right) = (self.name, other.name);
        match (&mut self.state, other.state) {
            (State::CountRecords(a), State::CountRecords(b))
            | (State::CountPresent(a), State::CountPresent(b)) => *a += b,
            (State::CountDistinct(a), State::CountDistinct(b)) => {
                if a.len() < b.len() {
                    let smaller = std::mem::replace(a, b);
                    a.extend(smaller);
                } else {
                    a.extend(b);
                }
            }
            (State::Sum(a), State::Sum(b)) | (State::Avg(a), State::Avg(b)) => a.merge(&b),
            (State::Min(a), State::Min(b)) => a.merge(b, Ordering::Less),
            (State::Max(a), State::Max(b)) => a.merge(b, Ordering::Greater),
            (
                State::Pct { percent, values },
                State::Pct {
                    percent: p,
                    values: more,
                },
            ) if *percent == p => values.extend(more),
            (State::Stddev(a), State::Stddev(b)) => a.merge(&b),
            (State::Earliest(a), State::Earliest(Some((ts, v)))) => {
                if a.as_ref().is_none_or(|(b, _)| ts < *b) {
                    *a = Some((ts, v));
                }
            }
            (State::Latest(a), State::Latest(Some((ts, v)))) => {
                if a.as_ref().is_none_or(|(b, _)| ts > *b) {
                    *a = Some((ts, v));
                }
            }
            (State::Earliest(_), State::Earliest(None))
            | (State::Latest(_), State::Latest(None)) => {}
            (State::SortsFirst(a), State::SortsFirst(b)) => {
                if let Some(v) = b {
                    offer_sorted(a, &v, Ordering::Less);
                }
            }
            (State::SortsLast(a), State::SortsLast(b)) => {
                if let Some(v) = b {
                    offer_sorted(a, &v, Ordering::Greater);
                }
            }
            _ => {
                return Err(EvalError::MergeMismatch {
                    left: left.to_string(),
                    right: right.to_string(),
                });
            }
        }
        Ok(())
    }

    /// The result. An aggregate that saw no usable value gives `Missing`, except the counts,
    /// which give 0.
    pub fn finish(&self) -> Value {
        match &self.state {
            State::CountRecords(n) | State::CountPresent(n) => count_value(*n),
            State::CountDistinct(seen) => count_value(seen.len() as u64),
            State::Sum(sum) => sum.total().map_or(Value::Missing, Number::into_value),
            State::Avg(sum) => match sum.total() {
                Some(total) if sum.count > 0 => Value::float(total.as_f64() / sum.count as f64),
                _ => Value::Missing,
            },
            State::Min(ext) | State::Max(ext) => ext.result(),
            State::Pct { percent, values } => nearest_rank(values, *percent),
            State::Stddev(m) => m.sample_stddev(),
            State::Earliest(best) | State::Latest(best) => {
                best.as_ref().map_or(Value::Missing, |(_, v)| v.clone())
            }
            State::SortsFirst(best) | State::SortsLast(best) => {
                best.clone().unwrap_or(Value::Missing)
            }
        }
    }
}

fn count_value(n: u64) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn percent(params: &[Value]) -> Result<f64, EvalError> {
    let p = params
        .first()
        .and_then(Value::as_number)
        .map(Number::as_f64);
    match p {
        Some(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(EvalError::InvalidArgument {
            function: "pct".to_string(),
            message: format!(
                "the percentile must be a number from 0 to 100, not `{}`",
                params.first().map(Value::display).unwrap_or_default()
            ),
        }),
    }
}

/// A value as a number that keeps its kind: times stay times, numeric strings become numbers.
fn numeric(value: &Value) -> Option<Value> {
    match value {
        Value::Int(_) | Value::Float(_) | Value::Time(_) => Some(value.clone()),
        other => other.as_number().map(Number::into_value),
    }
}

/// The nearest-rank percentile: the smallest value with at least `percent`% of the values at or
/// below it. It is always one of the values seen (a status code stays a status code).
fn nearest_rank(values: &[Value], percent: f64) -> Value {
    if values.is_empty() {
        return Value::Missing;
    }
    let mut sorted = values.to_vec();
    // Stable, so that equal numbers of different kinds keep input order, as a single pass would.
    sorted.sort_by(Value::sort_cmp);
    let n = sorted.len();
    let rank = ((percent / 100.0) * n as f64).ceil() as usize;
    sorted[rank.clamp(1, n) - 1].clone()
}

fn offer_sorted(best: &mut Option<Value>, value: &Value, want: Ordering) {
    if best.as_ref().is_none_or(|b| value.sort_cmp(b) == want) {
        *best = Some(value.clone());
    }
}

/// An exact integer total beside a compensated float total, so that integer sums do not drift
/// and float sums depend as little as possible on how the input was split.
#[derive(Debug, Clone, Default)]
struct Sum {
    ints: i128,
    floats: f64,
    compensation: f64,
    any_float: bool,
    count: u64,
}

impl Sum {
    fn add(&mut self, n: Number) {
        self.count += 1;
        match n {
            Number::Int(i) => self.ints += i128::from(i),
            Number::Float(f) => {
                self.any_float = true;
                self.add_float(f);
            }
        }
    }

    /// Neumaier's compensated addition.
    fn add_float(&mut self, f: f64) {
        let t = self.floats + f;
        if self.floats.abs() >= f.abs() {
            self.compensation += (self.floats - t) + f;
        } else {
            self.compensation += (f - t) + self.floats;
        }
        self.floats = t;
    }

    fn merge(&mut self, other: &Sum) {
        self.count += other.count;
        self.ints += other.ints;
        self.any_float |= other.any_float;
        self.add_float(other.floats);
        self.compensation += other.compensation;
    }

    fn total(&self) -> Option<Number> {
        if self.count == 0 {
            return None;
        }
        if !self.any_float
            && let Ok(i) = i64::try_from(self.ints)
        {
            return Some(Number::Int(i));
        }
        Some(Number::Float(
            self.ints as f64 + (self.floats + self.compensation),
        ))
    }
}

/// `min`/`max`: numbers (numeric strings and times among them) win over text; text is compared
/// only when a group has no number at all.
#[derive(Debug, Clone, Default)]
struct Extremes {
    number: Option<(Number, Value)>,
    text: Option<Value>,
}

impl Extremes {
    fn offer(&mut self, value: &Value, want: Ordering) {
        match value.as_number() {
            Some(n) => {
                if self
                    .number
                    .as_ref()
                    .is_none_or(|(b, _)| n.cmp_exact(*b) == want)
                {
                    self.number = Some((n, value.clone()));
                }
            }
            None => offer_sorted(&mut self.text, value, want),
        }
    }

    fn merge(&mut self, other: Extremes, want: Ordering) {
        if let Some((_, v)) = other.number {
            self.offer(&v, want);
        }
        if let Some(v) = other.text {
            offer_sorted(&mut self.text, &v, want);
        }
    }

    fn result(&self) -> Value {
        match (&self.number, &self.text) {
            (Some((n, Value::Str(_) | Value::Bool(_))), _) => n.into_value(),
            (Some((_, v)), _) => v.clone(),
            (None, Some(v)) => v.clone(),
            (None, None) => Value::Missing,
        }
    }
}

/// Count, mean and sum of squared deviations (Welford), mergeable by Chan's formula.
#[derive(Debug, Clone, Default)]
struct Moments {
    count: u64,
    mean: f64,
    m2: f64,
}

impl Moments {
    fn add(&mut self, x: f64) {
        self.count += 1;
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
    }

    fn merge(&mut self, other: &Moments) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other.clone();
            return;
        }
        let (na, nb) = (self.count as f64, other.count as f64);
        let n = na + nb;
        let delta = other.mean - self.mean;
        self.mean += delta * nb / n;
        self.m2 += other.m2 + delta * delta * na * nb / n;
        self.count += other.count;
    }

    /// The sample standard deviation (divides by n − 1); one value has a deviation of 0.
    fn sample_stddev(&self) -> Value {
        match self.count {
            0 => Value::Missing,
            1 => Value::Float(0.0),
            n => Value::float((self.m2.max(0.0) / (n - 1) as f64).sqrt()),
        }
    }
}

#[cfg(test)]
#[path = "aggregates_tests.rs"]
mod tests;
