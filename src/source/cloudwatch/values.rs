//! A Logs Insights answer's text values as the engine's values, so that every output form prints
//! CloudWatch's answers as it prints local ones.

use crate::insights::exec::{QueryResult, Statistics};
use crate::insights::value::Value;

use super::types::QueryStats;

/// AWS's result time, `2026-11-02 08:00:00.123` (UTC), or epoch ms as some emulators write it.
pub fn parse_aws_time(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() == 23 && b[4] == b'-' && b[10] == b' ' && b[19] == b'.' {
        let iso = format!("{}T{}Z", &text[..10], &text[11..]);
        return iso
            .parse::<jiff::Timestamp>()
            .ok()
            .map(|t| t.as_millisecond());
    }
    None
}

/// A number written the way a number is (no sign but `-`, no leading zeros): a name that happens
/// to be digits with a leading zero stays text.
fn number(text: &str) -> Option<Value> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let first = *digits.as_bytes().first()?;
    if !first.is_ascii_digit() || (first == b'0' && digits.len() > 1 && !digits.starts_with("0.")) {
        return None;
    }
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok().map(Value::Int);
    }
    if digits
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
    {
        return text
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Value::Float);
    }
    None
}

fn value(field: &str, text: &str) -> Value {
    // An AWS account is twelve digits that name, not count: a number would lose a leading zero.
    if field == "@account" {
        return Value::str(text);
    }
    let time_field =
        field == "@timestamp" || field == "@ingestionTime" || field.starts_with("bin(");
    if let Some(ms) = parse_aws_time(text) {
        return Value::Time(ms);
    }
    if time_field && let Ok(ms) = text.parse::<i64>() {
        return Value::Time(ms);
    }
    number(text).unwrap_or_else(|| Value::str(text))
}

/// The rows as a result: columns in the order fields first appear (AWS leaves a field out of a
/// row that has no value for it), `@ptr` dropped unless `keep_ptr`.
pub fn answer_from_rows(
    rows: &[Vec<(String, String)>],
    stats: QueryStats,
    keep_ptr: bool,
    capped: bool,
) -> QueryResult {
    let mut columns: Vec<String> = Vec::new();
    for row in rows {
        for (field, _) in row {
            if (keep_ptr || field != "@ptr") && !columns.contains(field) {
                columns.push(field.clone());
            }
        }
    }
    let rows = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| {
                    row.iter()
                        .find(|(f, _)| f == c)
                        .map_or(Value::Missing, |(f, v)| value(f, v))
                })
                .collect()
        })
        .collect();
    QueryResult {
        columns,
        rows,
        statistics: Statistics {
            records_scanned: stats.records_scanned as u64,
            bytes_scanned: stats.bytes_scanned as u64,
            records_matched: stats.records_matched as u64,
        },
        capped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_become_times_numbers_and_strings() {
        assert_eq!(
            parse_aws_time("2026-11-02 08:00:00.123"),
            Some(1_793_606_400_123)
        );
        assert_eq!(parse_aws_time("2026-11-02T08:00:00.123"), None);
        assert_eq!(
            value("@timestamp", "1793606400123"),
            Value::Time(1_793_606_400_123)
        );
        assert_eq!(value("count()", "42"), Value::Int(42));
        assert_eq!(value("avg(x)", "2.5"), Value::Float(2.5));
        assert_eq!(value("objectRef.name", "007"), Value::str("007"));
        assert_eq!(value("verb", "get"), Value::str("get"));
        assert_eq!(value("x", "-"), Value::str("-"));
        assert_eq!(value("x", "1e400"), Value::str("1e400"));
    }

    #[test]
    fn columns_follow_first_appearance_and_missing_fields_stay_missing() {
        let row = |fields: &[(&str, &str)]| {
            fields
                .iter()
                .map(|(f, v)| (f.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        let rows = vec![
            row(&[("verb", "get"), ("@ptr", "p1")]),
            row(&[("user", "eve"), ("verb", "list"), ("@ptr", "p2")]),
        ];
        let r = answer_from_rows(&rows, QueryStats::default(), false, false);
        assert_eq!(r.columns, ["verb", "user"]);
        assert_eq!(r.rows[0], [Value::str("get"), Value::Missing]);
        let r = answer_from_rows(&rows, QueryStats::default(), true, false);
        assert_eq!(r.columns, ["verb", "@ptr", "user"]);
    }
}
