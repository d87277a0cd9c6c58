//! The scalar functions of the language, looked up by name once and then called per record.
//!
//! Functions never fail on data: a value they cannot use (a missing field, a word where a number
//! belongs) gives `Missing`, or false for the predicates. They fail only when the query itself is
//! wrong: an unknown name, a wrong number of arguments, a period or subnet that cannot parse.

mod args;
mod ip;
mod json;
mod patterns;
mod string;

pub use json::parse_json;
pub use patterns::{compile_matcher, compile_regex, surely_compiles};

use std::borrow::Borrow;

use regex::Regex;

use crate::insights::eval::calendar::parse_time;
use crate::insights::eval::duration::Period;
use crate::insights::eval::registry::{self, FunctionKind, Signature};
use crate::insights::eval::value::{EvalError, Number, Value};
use args::arg;

/// A resolved scalar function.
pub type ScalarFn = fn(&[Value]) -> Result<Value, EvalError>;

/// Resolves a scalar function by name for a call with `argc` arguments, checking the registry's
/// arity. `bin` counts as taking its period only; the evaluator appends `@timestamp` when it
/// calls it.
pub fn resolve_scalar(name: &str, argc: usize) -> Result<ScalarFn, EvalError> {
    let sig = registry::signature(name).ok_or_else(|| EvalError::UnknownFunction {
        name: name.to_string(),
    })?;
    if sig.kind != FunctionKind::Scalar {
        return Err(EvalError::NotScalar {
            name: name.to_string(),
        });
    }
    check_arity(sig, argc)?;
    let f: ScalarFn = match name {
        "isempty" => string::isempty,
        "isblank" => string::isblank,
        "concat" => string::concat,
        "ltrim" => string::ltrim,
        "rtrim" => string::rtrim,
        "trim" => string::trim,
        "strlen" => string::strlen,
        "toupper" => string::toupper,
        "tolower" => string::tolower,
        "substr" => string::substr,
        "replace" => string::replace,
        "strcontains" => string::strcontains,
        "abs" => abs,
        "ceil" => ceil,
        "floor" => floor,
        "greatest" => greatest,
        "least" => least,
        "log" => log,
        "sqrt" => sqrt,
        "ispresent" => ispresent,
        "coalesce" => coalesce,
        "bin" => bin_call,
        "datefloor" => datefloor,
        "dateceil" => dateceil,
        "fromMillis" => from_millis,
        "toMillis" => to_millis,
        "isValidIp" => ip::is_valid_ip,
        "isValidIpV4" => ip::is_valid_ipv4,
        "isValidIpV6" => ip::is_valid_ipv6,
        "isIpInSubnet" => ip::is_ip_in_subnet,
        "isIpv4InSubnet" => ip::is_ipv4_in_subnet,
        "isIpv6InSubnet" => ip::is_ipv6_in_subnet,
        "jsonParse" => json::json_parse,
        _ => {
            return Err(EvalError::UnknownFunction {
                name: name.to_string(),
            });
        }
    };
    Ok(f)
}

/// Checks a call's argument count against the registry, for scalars and aggregates alike.
pub(crate) fn check_arity(sig: &Signature, argc: usize) -> Result<(), EvalError> {
    let too_many = sig.max_args.is_some_and(|max| argc > max);
    if argc >= sig.min_args && !too_many {
        return Ok(());
    }
    let expected = match sig.max_args {
        Some(max) if max == sig.min_args => max.to_string(),
        Some(max) => format!("{} to {max}", sig.min_args),
        None => format!("at least {}", sig.min_args),
    };
    Err(EvalError::Arity {
        name: sig.name.to_string(),
        expected,
        got: argc,
    })
}

/// Calls a scalar function by name. For `bin`, pass the period and then the record's
/// `@timestamp` (or call [`bin`] directly).
pub fn call_scalar(name: &str, args: &[Value]) -> Result<Value, EvalError> {
    let argc = if name == "bin" {
        args.len().min(1)
    } else {
        args.len()
    };
    resolve_scalar(name, argc)?(args)
}

/// `bin(period)`: the start of the period that holds the record's `@timestamp`.
pub fn bin(timestamp_ms: i64, period: Period) -> Value {
    Value::Time(period.floor(timestamp_ms))
}

fn bin_call(args: &[Value]) -> Result<Value, EvalError> {
    let period = Period::from_value(arg(args, 0), "bin")?;
    match args.get(1) {
        None => Err(EvalError::NeedsTimestamp {
            function: "bin".to_string(),
        }),
        Some(ts) => Ok(as_time(ts).map_or(Value::Missing, |t| bin(t, period))),
    }
}

/// A time argument: a time, a number of epoch milliseconds, or a date string.
fn as_time(value: &Value) -> Option<i64> {
    match value {
        Value::Time(t) => Some(*t),
        Value::Str(s) => parse_time(s).or_else(|| value.as_number().and_then(|n| n.as_exact_int())),
        other => other.as_number().and_then(whole_millis),
    }
}

fn whole_millis(n: Number) -> Option<i64> {
    match n {
        Number::Int(i) => Some(i),
        Number::Float(f) => Number::Float(f.floor()).as_exact_int(),
    }
}

fn datefloor(args: &[Value]) -> Result<Value, EvalError> {
    let period = Period::from_value(arg(args, 1), "datefloor")?;
    Ok(as_time(arg(args, 0)).map_or(Value::Missing, |t| Value::Time(period.floor(t))))
}

fn dateceil(args: &[Value]) -> Result<Value, EvalError> {
    let period = Period::from_value(arg(args, 1), "dateceil")?;
    Ok(as_time(arg(args, 0)).map_or(Value::Missing, |t| Value::Time(period.ceil(t))))
}

fn from_millis(args: &[Value]) -> Result<Value, EvalError> {
    Ok(match arg(args, 0) {
        Value::Time(t) => Value::Time(*t),
        other => other
            .as_number()
            .and_then(whole_millis)
            .map_or(Value::Missing, Value::Time),
    })
}

fn to_millis(args: &[Value]) -> Result<Value, EvalError> {
    Ok(as_time(arg(args, 0)).map_or(Value::Missing, Value::Int))
}

fn number(args: &[Value], i: usize) -> Option<Number> {
    arg(args, i).as_number()
}

fn abs(args: &[Value]) -> Result<Value, EvalError> {
    Ok(match number(args, 0) {
        Some(Number::Int(i)) => i
            .checked_abs()
            .map_or(Value::float((i as f64).abs()), Value::Int),
        Some(Number::Float(f)) => Value::float(f.abs()),
        None => Value::Missing,
    })
}

fn round_with(args: &[Value], round: fn(f64) -> f64) -> Value {
    match number(args, 0) {
        Some(Number::Int(i)) => Value::Int(i),
        Some(Number::Float(f)) => {
            let r = round(f);
            Number::Float(r)
                .as_exact_int()
                .map_or(Value::float(r), Value::Int)
        }
        None => Value::Missing,
    }
}

fn ceil(args: &[Value]) -> Result<Value, EvalError> {
    Ok(round_with(args, f64::ceil))
}

fn floor(args: &[Value]) -> Result<Value, EvalError> {
    Ok(round_with(args, f64::floor))
}

/// The argument with the extreme numeric value; arguments without one are skipped.
fn extreme(args: &[Value], want: std::cmp::Ordering) -> Value {
    let mut best: Option<(Number, &Value)> = None;
    for value in args {
        let Some(n) = value.as_number() else { continue };
        if best.is_none_or(|(b, _)| n.cmp_exact(b) == want) {
            best = Some((n, value));
        }
    }
    match best {
        // A numeric string or a boolean answers as the number it stands for.
        Some((n, Value::Str(_) | Value::Bool(_))) => n.into_value(),
        Some((_, value)) => value.clone(),
        None => Value::Missing,
    }
}

fn greatest(args: &[Value]) -> Result<Value, EvalError> {
    Ok(extreme(args, std::cmp::Ordering::Greater))
}

fn least(args: &[Value]) -> Result<Value, EvalError> {
    Ok(extreme(args, std::cmp::Ordering::Less))
}

fn log(args: &[Value]) -> Result<Value, EvalError> {
    Ok(match number(args, 0) {
        Some(n) if n.as_f64() > 0.0 => Value::float(n.as_f64().ln()),
        _ => Value::Missing,
    })
}

fn sqrt(args: &[Value]) -> Result<Value, EvalError> {
    Ok(match number(args, 0) {
        Some(n) if n.as_f64() >= 0.0 => Value::float(n.as_f64().sqrt()),
        _ => Value::Missing,
    })
}

/// `ispresent(f)`: the field exists in the record, even with a JSON `null` value.
fn ispresent(args: &[Value]) -> Result<Value, EvalError> {
    Ok(Value::Bool(!arg(args, 0).is_missing()))
}

/// `coalesce(a, b, …)`: the first argument that is neither missing nor `null`.
fn coalesce(args: &[Value]) -> Result<Value, EvalError> {
    Ok(args
        .iter()
        .find(|v| !v.is_absent())
        .cloned()
        .unwrap_or(Value::Missing))
}

/// `value like "needle"`: a case-sensitive substring test on the value's text. `None` when the
/// value is absent, so the evaluator can make `not like` false there too.
pub fn like_substring(value: &Value, needle: &str) -> Option<bool> {
    value.as_text().map(|text| text.contains(needle))
}

/// `value like /re/` and `value =~ /re/`: the regex matches somewhere in the value's text.
pub fn regex_matches(value: &Value, re: &Regex) -> Option<bool> {
    value.as_text().map(|text| re.is_match(&text))
}

/// `value in [a, b, …]` with loose equality. `None` when the value is absent, or a map or a
/// list, which compare with nothing.
pub fn in_list<V: Borrow<Value>>(value: &Value, list: impl IntoIterator<Item = V>) -> Option<bool> {
    if value.is_absent() || value.is_structure() {
        return None;
    }
    Some(list.into_iter().any(|item| value.loose_eq(item.borrow())))
}

#[cfg(test)]
mod tests;
