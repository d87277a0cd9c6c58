//! How times and counts read on screen, for the state's chips, the update's messages and the
//! views alike.

/// A time in ms as CloudWatch shows it: `2026-11-02 08:00:00.123` (UTC).
pub fn format_time(ms: Option<i64>) -> String {
    ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map_or_else(
            || "-".to_string(),
            |t| t.strftime("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        )
}

/// `1 row`, `2 rows`.
pub fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_counts_read_as_the_console_shows_them() {
        assert_eq!(format_time(Some(0)), "1970-01-01 00:00:00.000");
        assert_eq!(format_time(None), "-");
        assert_eq!(count(1, "row"), "1 row");
        assert_eq!(count(0, "event"), "0 events");
    }
}
