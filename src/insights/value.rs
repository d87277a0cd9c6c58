//! Values that flow through a query: what a field, a literal or a function yields.

use std::sync::Arc;

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

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }
}
