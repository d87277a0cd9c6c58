//! String functions. Any value that is present takes part through its text (`toupper(401)` is
//! `"401"`); an absent first argument gives `Missing`, except where a function is a test
//! (`isempty`, `isblank`, `strcontains`), which answers 1 or 0.

use super::args::arg;
use crate::insights::eval::value::{EvalError, Number, Value};

fn flag(b: bool) -> Value {
    Value::Int(i64::from(b))
}

/// `isempty(s)`: 1 when the field is missing, `null` or the empty string.
pub(crate) fn isempty(args: &[Value]) -> Result<Value, EvalError> {
    Ok(flag(arg(args, 0).as_text().is_none_or(|t| t.is_empty())))
}

/// `isblank(s)`: 1 when the field is missing, `null`, empty, or only white space.
pub(crate) fn isblank(args: &[Value]) -> Result<Value, EvalError> {
    Ok(flag(
        arg(args, 0)
            .as_text()
            .is_none_or(|t| t.chars().all(char::is_whitespace)),
    ))
}

/// `concat(a, b, …)`: absent arguments add nothing; all absent gives `Missing`.
pub(crate) fn concat(args: &[Value]) -> Result<Value, EvalError> {
    let mut out = String::new();
    let mut any = false;
    for text in args.iter().filter_map(Value::as_text) {
        out.push_str(&text);
        any = true;
    }
    Ok(if any {
        Value::str(&out)
    } else {
        Value::Missing
    })
}

#[derive(Clone, Copy)]
enum Side {
    Left,
    Right,
    Both,
}

/// Trims white space, or, with a second argument, any of the characters it lists
/// (`ltrim("xyZfoo", "xyZ")` is `"foo"`).
fn trim_with(args: &[Value], side: Side) -> Value {
    let Some(text) = arg(args, 0).as_text() else {
        return Value::Missing;
    };
    let set = arg(args, 1).as_text();
    let strip = |c: char| match &set {
        Some(chars) => chars.contains(c),
        None => c.is_whitespace(),
    };
    let out = match side {
        Side::Left => text.trim_start_matches(strip),
        Side::Right => text.trim_end_matches(strip),
        Side::Both => text.trim_matches(strip),
    };
    Value::str(out)
}

pub(crate) fn ltrim(args: &[Value]) -> Result<Value, EvalError> {
    Ok(trim_with(args, Side::Left))
}

pub(crate) fn rtrim(args: &[Value]) -> Result<Value, EvalError> {
    Ok(trim_with(args, Side::Right))
}

pub(crate) fn trim(args: &[Value]) -> Result<Value, EvalError> {
    Ok(trim_with(args, Side::Both))
}

/// `strlen(s)`: the length in Unicode code points.
pub(crate) fn strlen(args: &[Value]) -> Result<Value, EvalError> {
    Ok(arg(args, 0).as_text().map_or(Value::Missing, |t| {
        Value::Int(i64::try_from(t.chars().count()).unwrap_or(i64::MAX))
    }))
}

pub(crate) fn toupper(args: &[Value]) -> Result<Value, EvalError> {
    Ok(arg(args, 0)
        .as_text()
        .map_or(Value::Missing, |t| Value::str(&t.to_uppercase())))
}

pub(crate) fn tolower(args: &[Value]) -> Result<Value, EvalError> {
    Ok(arg(args, 0)
        .as_text()
        .map_or(Value::Missing, |t| Value::str(&t.to_lowercase())))
}

/// A count argument rounded down; `None` when it has no numeric value.
fn whole(value: &Value) -> Option<i64> {
    match value.as_number()? {
        Number::Int(i) => Some(i),
        Number::Float(f) => Some(f.floor() as i64),
    }
}

/// `substr(s, start[, length])`: code points from the 0-based `start` to the end, or `length`
/// of them (`substr("xyZfooxyZ", 3, 3)` is `"foo"`). A negative start counts as 0, a start past
/// the end or a negative length gives `""`.
pub(crate) fn substr(args: &[Value]) -> Result<Value, EvalError> {
    let Some(text) = arg(args, 0).as_text() else {
        return Ok(Value::Missing);
    };
    let Some(start) = whole(arg(args, 1)) else {
        return Ok(Value::Missing);
    };
    let length = match args.get(2) {
        None => None,
        Some(v) => match whole(v) {
            Some(n) => Some(usize::try_from(n.max(0)).unwrap_or(usize::MAX)),
            None => return Ok(Value::Missing),
        },
    };
    let start = usize::try_from(start.max(0)).unwrap_or(usize::MAX);
    let chars = text.chars().skip(start);
    let out: String = match length {
        Some(n) => chars.take(n).collect(),
        None => chars.collect(),
    };
    Ok(Value::str(&out))
}

/// `replace(s, search, replacement)`: every occurrence, literally. An absent search or
/// replacement counts as empty; an empty search leaves the text unchanged.
pub(crate) fn replace(args: &[Value]) -> Result<Value, EvalError> {
    let Some(text) = arg(args, 0).as_text() else {
        return Ok(Value::Missing);
    };
    let search = arg(args, 1).as_text().unwrap_or_default();
    if search.is_empty() {
        return Ok(Value::str(&text));
    }
    let replacement = arg(args, 2).as_text().unwrap_or_default();
    Ok(Value::str(&text.replace(&*search, &replacement)))
}

/// `strcontains(s, search)`: 1 when `s` contains `search`, else 0 (also when either is absent).
pub(crate) fn strcontains(args: &[Value]) -> Result<Value, EvalError> {
    let found = match (arg(args, 0).as_text(), arg(args, 1).as_text()) {
        (Some(text), Some(search)) => text.contains(&*search),
        _ => false,
    };
    Ok(flag(found))
}
