//! Time periods (`5m`, `1h`, `1mo`) as `bin`, `datefloor` and `dateceil` take them, and where a
//! time falls in one. The calendar itself is [`super::calendar`]'s.

use super::calendar::{MS_PER_DAY, month_start, year_month};
use super::value::{EvalError, Value};

/// Times are read and printed by the calendar; whoever works with periods finds them here too.
pub use super::calendar::{format_time, parse_time};

/// A period as `bin(…)` and `datefloor(…)` take it. Months, quarters and years are calendar
/// periods (they do not have a fixed length), everything else is a fixed number of
/// milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Millis(i64),
    Months(i64),
}

/// The units AWS documents for `bin`, with their length: milliseconds, or months when negative.
const UNITS: &[(&str, i64)] = &[
    ("ms", 1),
    ("msec", 1),
    ("millisecond", 1),
    ("s", 1_000),
    ("sec", 1_000),
    ("second", 1_000),
    ("m", 60_000),
    ("min", 60_000),
    ("minute", 60_000),
    ("h", 3_600_000),
    ("hr", 3_600_000),
    ("hour", 3_600_000),
    ("d", MS_PER_DAY),
    ("day", MS_PER_DAY),
    ("w", 7 * MS_PER_DAY),
    ("week", 7 * MS_PER_DAY),
    ("mo", -1),
    ("mon", -1),
    ("month", -1),
    ("q", -3),
    ("qtr", -3),
    ("quarter", -3),
    ("y", -12),
    ("yr", -12),
    ("year", -12),
];

fn unit(name: &str) -> Option<i64> {
    let find = |n: &str| UNITS.iter().find(|(u, _)| *u == n).map(|(_, len)| *len);
    // A unit longer than one letter may take a plural `s` (`hrs`, `mins`, `days`).
    find(name).or_else(|| {
        name.strip_suffix('s')
            .filter(|stem| stem.len() > 1)
            .and_then(find)
    })
}

/// Parses a period such as `5m`, `1hr`, `30 seconds` or `1q`: a positive whole number, optional
/// spaces, and a unit (lowercase).
pub fn parse_period(text: &str) -> Result<Period, EvalError> {
    let invalid = |reason: &str| EvalError::InvalidPeriod {
        text: text.to_string(),
        reason: reason.to_string(),
    };
    let trimmed = text.trim();
    let digits_end = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (digits, rest) = trimmed.split_at(digits_end);
    if digits.is_empty() {
        return Err(invalid("it does not start with a number"));
    }
    let amount: i64 = digits
        .parse()
        .map_err(|_| invalid("the number is too large"))?;
    if amount == 0 {
        return Err(invalid("a period must be longer than zero"));
    }
    let name = rest.trim_start();
    if name.is_empty() {
        return Err(invalid("the unit is missing"));
    }
    let len = unit(name).ok_or_else(|| invalid(&format!("`{name}` is not a time unit")))?;
    // Ten thousand years is longer than any log; the cap keeps calendar arithmetic in range.
    let (limit, period): (i64, fn(i64) -> Period) = if len < 0 {
        (120_000, Period::Months)
    } else {
        (10_000 * 366 * MS_PER_DAY, Period::Millis)
    };
    match amount.checked_mul(len.abs()) {
        Some(total) if total <= limit => Ok(period(total)),
        _ => Err(invalid("the period is too long")),
    }
}

impl Period {
    /// A period given as a function argument: a period string, or a number of milliseconds.
    pub fn from_value(value: &Value, function: &str) -> Result<Period, EvalError> {
        let millis = match value {
            Value::Str(s) => return parse_period(s),
            Value::Int(i) => Some(*i),
            Value::Float(f) if f.fract() == 0.0 => Some(*f as i64),
            _ => None,
        };
        match millis {
            Some(ms) if ms > 0 => Ok(Period::Millis(ms)),
            _ => Err(EvalError::InvalidArgument {
                function: function.to_string(),
                message: format!(
                    "the period must be a duration such as 5m or 1h, not `{}`",
                    value.display()
                ),
            }),
        }
    }

    /// The start of the period that holds `ms`. Fixed periods are aligned to the epoch, calendar
    /// periods to the first of a month (quarters to January, April, July, October).
    pub fn floor(self, ms: i64) -> i64 {
        match self {
            Period::Millis(p) => ms.div_euclid(p).saturating_mul(p),
            Period::Months(n) => {
                let (year, month) = year_month(ms);
                let index = (year - 1970) * 12 + (month - 1);
                month_start(index.div_euclid(n) * n)
            }
        }
    }

    /// The end of the period that holds `ms`; a time already on a boundary stays where it is.
    pub fn ceil(self, ms: i64) -> i64 {
        let start = self.floor(ms);
        if start == ms {
            return ms;
        }
        match self {
            Period::Millis(p) => start.saturating_add(p),
            Period::Months(n) => {
                let (year, month) = year_month(start);
                month_start((year - 1970) * 12 + (month - 1) + n)
            }
        }
    }
}

#[cfg(test)]
#[path = "duration_tests.rs"]
mod tests;
