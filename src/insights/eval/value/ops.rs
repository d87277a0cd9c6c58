//! Arithmetic on loosely typed values: `+ - * / ^ %` and unary minus.

use super::{Arith, Number, Value};

impl Value {
    /// `self op other`. Numeric strings and booleans (1/0) take part as numbers; integers stay
    /// integers while the result is exact and fits, otherwise the result is a float. A time plus
    /// or minus a number stays a time, and a time minus a time is a number of milliseconds.
    /// Anything without a numeric value, division or remainder by zero, and results that are
    /// not finite give `Missing`.
    pub fn arith(&self, op: Arith, other: &Value) -> Value {
        match (op, self, other) {
            (Arith::Sub, Value::Time(a), Value::Time(b)) => {
                return Number::Int(a.saturating_sub(*b)).into_value();
            }
            (Arith::Add | Arith::Sub, Value::Time(t), n) if !matches!(n, Value::Time(_)) => {
                return shift_time(*t, op, n);
            }
            (Arith::Add, n, Value::Time(t)) => return shift_time(*t, op, n),
            _ => {}
        }
        match (self.as_number(), other.as_number()) {
            (Some(a), Some(b)) => number_arith(op, a, b).map_or(Value::Missing, Number::into_value),
            _ => Value::Missing,
        }
    }

    /// Unary minus.
    pub fn negate(&self) -> Value {
        match self.as_number() {
            Some(Number::Int(i)) => match i.checked_neg() {
                Some(n) => Value::Int(n),
                None => Value::float(-(i as f64)),
            },
            Some(Number::Float(f)) => Value::float(-f),
            None => Value::Missing,
        }
    }
}

fn shift_time(t: i64, op: Arith, by: &Value) -> Value {
    let Some(n) = by.as_number() else {
        return Value::Missing;
    };
    let delta = match n {
        Number::Int(i) => i,
        Number::Float(f) if f.is_finite() => f.round() as i64,
        Number::Float(_) => return Value::Missing,
    };
    let shifted = if op == Arith::Sub {
        t.checked_sub(delta)
    } else {
        t.checked_add(delta)
    };
    shifted.map_or(Value::Missing, Value::Time)
}

/// Pure number arithmetic; `None` when the result is undefined.
pub(crate) fn number_arith(op: Arith, a: Number, b: Number) -> Option<Number> {
    if let (Number::Int(x), Number::Int(y)) = (a, b)
        && let Some(exact) = int_arith(op, x, y)
    {
        return exact;
    }
    let (x, y) = (a.as_f64(), b.as_f64());
    let r = match op {
        Arith::Add => x + y,
        Arith::Sub => x - y,
        Arith::Mul => x * y,
        Arith::Div if y == 0.0 => return None,
        Arith::Div => x / y,
        Arith::Rem if y == 0.0 => return None,
        Arith::Rem => x % y,
        Arith::Pow => x.powf(y),
    };
    r.is_finite().then_some(Number::Float(r))
}

/// Integer arithmetic: `Some(result)` when it is decided here (an exact integer, or undefined),
/// `None` when the float path must take over (overflow, inexact division, negative exponent).
fn int_arith(op: Arith, x: i64, y: i64) -> Option<Option<Number>> {
    let int = |r: Option<i64>| r.map(|v| Some(Number::Int(v)));
    match op {
        Arith::Add => int(x.checked_add(y)),
        Arith::Sub => int(x.checked_sub(y)),
        Arith::Mul => int(x.checked_mul(y)),
        Arith::Div if y == 0 => Some(None),
        Arith::Div if x.checked_rem(y) == Some(0) => int(x.checked_div(y)),
        Arith::Div => None,
        Arith::Rem if y == 0 => Some(None),
        // i64::MIN % -1 overflows in hardware but is mathematically 0.
        Arith::Rem => Some(Some(Number::Int(x.checked_rem(y).unwrap_or(0)))),
        Arith::Pow => u32::try_from(y).ok().and_then(|e| int(x.checked_pow(e))),
    }
}
