//! How a function reads its arguments: shared by every family of functions, and below them all.

use crate::insights::eval::value::Value;

/// The argument at `i`, or `Missing` past the end (arity is checked on resolution).
pub(super) fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(Value::missing_ref())
}
