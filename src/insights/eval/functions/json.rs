//! `jsonParse`: a JSON string becomes a map or list whose members `fields`, `unnest` and dotted
//! paths can reach.

use std::fmt;
use std::sync::Arc;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::args::arg;
use crate::insights::eval::value::{EvalError, Value};

/// `jsonParse(s)`: the parsed value, or `Missing` when `s` is absent or not valid JSON. A value
/// that is already structured (or a number) is returned as it is.
pub(crate) fn json_parse(args: &[Value]) -> Result<Value, EvalError> {
    Ok(match arg(args, 0) {
        Value::Str(s) => parse_json(s).unwrap_or(Value::Missing),
        Value::Missing | Value::Null => Value::Missing,
        other => other.clone(),
    })
}

/// Parses JSON text straight into a [`Value`], keeping object members in input order (a
/// `serde_json::Value` would sort them). Trailing non-space text is an error.
pub fn parse_json(text: &str) -> Option<Value> {
    serde_json::from_str::<Parsed>(text).ok().map(|p| p.0)
}

struct Parsed(Value);

impl<'de> Deserialize<'de> for Parsed {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor).map(Parsed)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::float(v as f64), Value::Int))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::str(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Parsed(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(Arc::new(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some((key, Parsed(value))) = map.next_entry::<String, Parsed>()? {
            members.push((Arc::from(key), value));
        }
        Ok(Value::Map(Arc::new(members)))
    }
}
