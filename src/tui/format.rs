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

/// From `first` to `last`, the date said once when both fall on one day (UTC):
/// `2026-11-02 06:00:00.053 → 09:59:59.686`; when not `exact`, to the second and without the
/// year: `11-02 06:00:00 → 09:59:59`.
pub fn format_span(first: i64, last: i64, exact: bool) -> String {
    let pattern = if exact {
        "%Y-%m-%d %H:%M:%S%.3f"
    } else {
        "%m-%d %H:%M:%S"
    };
    let clock = pattern.len() - "%H:%M:%S".len() - if exact { "%.3f".len() } else { 0 };
    let at = |ms: i64| jiff::Timestamp::from_millisecond(ms).ok();
    let (Some(a), Some(b)) = (at(first), at(last)) else {
        return format!("{} → {}", format_time(Some(first)), format_time(Some(last)));
    };
    let day = |t: jiff::Timestamp| t.strftime("%Y-%m-%d").to_string();
    let end = if day(a) == day(b) {
        b.strftime(&pattern[clock..]).to_string()
    } else {
        b.strftime(pattern).to_string()
    };
    format!("{} → {end}", a.strftime(pattern))
}

/// A width of time as short as it reads: `500ms`, `5s`, `2m`, `1h`, `1d`.
pub fn format_width(ms: i64) -> String {
    const UNITS: [(i64, &str); 4] = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1000, "s"),
    ];
    UNITS
        .iter()
        .find(|(unit, _)| ms >= *unit && ms % unit == 0)
        .map_or_else(
            || format!("{ms}ms"),
            |(unit, name)| format!("{}{name}", ms / unit),
        )
}

pub use crate::text::count;

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

    #[test]
    fn spans_say_the_date_once_and_widths_read_short() {
        let t = |s: &str| crate::audit::time::parse_rfc3339_micros(s).expect("a time") / 1000;
        let (a, b) = (t("2026-11-02T06:00:00.053Z"), t("2026-11-02T09:59:59.686Z"));
        assert_eq!(
            format_span(a, b, true),
            "2026-11-02 06:00:00.053 → 09:59:59.686"
        );
        assert_eq!(format_span(a, b, false), "11-02 06:00:00 → 09:59:59");
        let c = t("2026-11-03T00:00:01Z");
        assert_eq!(format_span(a, c, false), "11-02 06:00:00 → 11-03 00:00:01");
        let widths = [1, 500, 1000, 15_000, 120_000, 3_600_000, 86_400_000, 90_000];
        let read: Vec<String> = widths.into_iter().map(format_width).collect();
        assert_eq!(read, ["1ms", "500ms", "1s", "15s", "2m", "1h", "1d", "90s"]);
    }
}
