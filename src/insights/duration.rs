//! Time periods (`5m`, `1h`, `1mo`) and the calendar arithmetic behind `bin`, `datefloor` and
//! `dateceil`, plus the one way times print. All calendar work is in UTC.

use crate::insights::value::{EvalError, Value};

const MS_PER_DAY: i64 = 86_400_000;

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

fn year_month(ms: i64) -> (i64, i64) {
    let (year, month, _) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    (year, month)
}

/// Epoch milliseconds of the first of the month `index` months after January 1970.
fn month_start(index: i64) -> i64 {
    let year = 1970 + index.div_euclid(12);
    let month = index.rem_euclid(12) + 1;
    days_from_civil(year, month, 1).saturating_mul(MS_PER_DAY)
}

/// Days since 1970-01-01 of a proleptic Gregorian date. Counting years from March puts the leap
/// day last, so each 400-year era has a fixed shape.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month 1–12, day 1–31).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A time as Logs Insights prints `@timestamp` in results: `YYYY-MM-DD HH:MM:SS.mmm`, UTC.
pub fn format_time(ms: i64) -> String {
    let (year, month, day) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    let in_day = ms.rem_euclid(MS_PER_DAY);
    let (h, m, s, milli) = (
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000,
    );
    format!("{year:04}-{month:02}-{day:02} {h:02}:{m:02}:{s:02}.{milli:03}")
}

/// Reads a date or time string: RFC 3339 (`2024-05-01T10:00:00Z`, any offset), or a civil
/// date-time in UTC as results print it (`2024-05-01 10:00:00.000`), or a bare date.
pub fn parse_time(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    // Cheap gate: most strings compared with a time are not dates at all.
    if b.len() < 10 || b[4] != b'-' || !b[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Some(ts.as_millisecond());
    }
    let dt = text.parse::<jiff::civil::DateTime>().ok()?;
    let days = days_from_civil(
        i64::from(dt.year()),
        i64::from(dt.month()),
        i64::from(dt.day()),
    );
    let in_day = i64::from(dt.hour()) * 3_600_000
        + i64::from(dt.minute()) * 60_000
        + i64::from(dt.second()) * 1000
        + i64::from(dt.subsec_nanosecond()) / 1_000_000;
    Some(days * MS_PER_DAY + in_day)
}

#[cfg(test)]
#[path = "duration_tests.rs"]
mod tests;
