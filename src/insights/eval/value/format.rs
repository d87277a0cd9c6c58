//! How values print (tables, JSON output) and how they are read from JSON.

use std::fmt::Write as _;
use std::sync::Arc;

use super::Value;
use crate::insights::eval::calendar;

/// Integral floats up to this size print without a fraction (`avg` of 1, 2, 3 prints `2`), as
/// the AWS console does; beyond it the float's own form is clearer.
const PLAIN_FLOAT_LIMIT: f64 = 1e15;

impl Value {
    /// The text a table shows: nothing for a missing field, `null` for JSON null, times as
    /// `YYYY-MM-DD HH:MM:SS.mmm` (UTC), lists and maps as compact JSON with members in order.
    pub fn display(&self) -> String {
        match self {
            Value::Missing => String::new(),
            Value::Str(s) => s.to_string(),
            other => {
                let mut out = String::new();
                other.write_plain(&mut out);
                out
            }
        }
    }

    /// The value in JSON output: numbers as numbers, times as the display string, a missing
    /// value as `null` (callers that omit missing fields check [`Value::is_missing`] first).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Missing | Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => match plain_int(*f) {
                Some(i) => J::from(i),
                None => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            },
            Value::Str(s) => J::String(s.to_string()),
            Value::Time(t) => J::String(calendar::format_time(*t)),
            Value::List(items) => J::Array(items.iter().map(Value::to_json).collect()),
            Value::Map(members) => J::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// A value read from parsed JSON. Integers that fit an i64 stay exact; larger ones become
    /// floats.
    pub fn from_json(json: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match json {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => n.as_f64().map_or(Value::Missing, Value::float),
            },
            J::String(s) => Value::str(s),
            J::Array(items) => Value::List(Arc::new(items.iter().map(Value::from_json).collect())),
            J::Object(members) => Value::Map(Arc::new(
                members
                    .iter()
                    .map(|(k, v)| (Arc::from(k.as_str()), Value::from_json(v)))
                    .collect(),
            )),
        }
    }

    /// Top-level form: strings bare, everything else as in JSON.
    fn write_plain(&self, out: &mut String) {
        match self {
            Value::Missing => {}
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => write_float(*f, out),
            Value::Str(s) => out.push_str(s),
            Value::Time(t) => out.push_str(&calendar::format_time(*t)),
            Value::List(_) | Value::Map(_) => self.write_json(out),
        }
    }

    /// Nested form: valid JSON, strings quoted, members in input order.
    fn write_json(&self, out: &mut String) {
        match self {
            Value::Missing | Value::Null => out.push_str("null"),
            Value::Str(s) => write_json_string(s, out),
            Value::Time(t) => write_json_string(&calendar::format_time(*t), out),
            Value::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Value::Map(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(key, out);
                    out.push(':');
                    value.write_json(out);
                }
                out.push('}');
            }
            scalar => scalar.write_plain(out),
        }
    }
}

fn plain_int(f: f64) -> Option<i64> {
    (f.fract() == 0.0 && f.abs() < PLAIN_FLOAT_LIMIT).then_some(f as i64)
}

fn write_float(f: f64, out: &mut String) {
    let _ = match plain_int(f) {
        Some(i) => write!(out, "{i}"),
        None => write!(out, "{f}"),
    };
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
