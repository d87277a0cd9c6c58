//! The calendar, in UTC: epoch milliseconds to and from civil dates, and the one way times print
//! and are read back. Plain arithmetic on integers, below everything that holds a value.

pub(super) const MS_PER_DAY: i64 = 86_400_000;

/// The year and month (1–12) that hold `ms`.
pub(super) fn year_month(ms: i64) -> (i64, i64) {
    let (year, month, _) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    (year, month)
}

/// Epoch milliseconds of the first of the month `index` months after January 1970.
pub(super) fn month_start(index: i64) -> i64 {
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

/// A time as Logs Insights prints `@timestamp` in a query's answer: `YYYY-MM-DD HH:MM:SS.mmm`, UTC.
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
/// date-time in UTC as answers print it (`2024-05-01 10:00:00.000`), or a bare date.
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
#[path = "calendar_tests.rs"]
mod tests;
