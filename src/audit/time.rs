//! Timestamps as Kubernetes writes them (RFC 3339 with up to nanoseconds), parsed without
//! allocation because every event has two of them and a view sorts by them.

/// Parses `2026-11-02T08:15:31.123456Z` (or with a `±hh:mm` offset, or a space for `T`) into
/// microseconds since the Unix epoch. Digits past microseconds are truncated.
pub fn parse_rfc3339_micros(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    // Leap seconds (:60) are folded into the next second rather than rejected.
    if second > 60 {
        return None;
    }
    let mut i = 19;
    let mut micros = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 6 {
                micros = micros * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        let n = i - start;
        if n == 0 {
            return None;
        }
        for _ in n..6 {
            micros *= 10;
        }
    }
    let offset_secs = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let oh = digits(b, i + 1, 2)?;
            let om = digits(b, i + 4, 2)?;
            let off = oh * 3600 + om * 60;
            if sign == b'+' { off } else { -off }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    Some(secs * 1_000_000 + micros)
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let mut v = 0i64;
    for &c in b.get(at..at + n)? {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats microseconds since the epoch as `2026-11-02T08:15:31.123Z` (millisecond precision,
/// as Logs Insights shows `@timestamp`).
pub fn format_millis_utc(micros: i64) -> String {
    match jiff::Timestamp::from_microsecond(micros) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => format!("@{micros}us"),
    }
}

/// `[start, end)` in epoch milliseconds; an open side is `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
}

impl TimeRange {
    pub fn contains(&self, ms: Option<i64>) -> bool {
        if self.start_ms.is_none() && self.end_ms.is_none() {
            return true;
        }
        // An event without any time cannot be placed in a range, so a range excludes it.
        let Some(ms) = ms else { return false };
        self.start_ms.is_none_or(|s| ms >= s) && self.end_ms.is_none_or(|e| ms < e)
    }

    pub fn is_bounded(&self) -> bool {
        self.start_ms.is_some() || self.end_ms.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_kubernetes_writes() {
        assert_eq!(parse_rfc3339_micros("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_micros("2017-09-11T19:55:05Z"),
            Some(1_505_159_705_000_000)
        );
        assert_eq!(
            parse_rfc3339_micros("2017-09-11T19:55:05.123456Z"),
            Some(1_505_159_705_123_456)
        );
        assert_eq!(
            parse_rfc3339_micros("2017-09-11T19:55:05.1Z"),
            Some(1_505_159_705_100_000)
        );
        assert_eq!(
            parse_rfc3339_micros("2017-09-11T19:55:05.123456789Z"),
            Some(1_505_159_705_123_456)
        );
        assert_eq!(
            parse_rfc3339_micros("2017-09-11T21:55:05+02:00"),
            Some(1_505_159_705_000_000)
        );
        assert_eq!(
            parse_rfc3339_micros("2017-09-11 19:55:05.000Z"),
            Some(1_505_159_705_000_000)
        );
    }

    #[test]
    fn agrees_with_jiff_over_many_dates() {
        for i in 0..2000i64 {
            let secs = i * 7_919_111 - 3_000_000_000;
            let ts = jiff::Timestamp::from_second(secs).unwrap();
            let text = ts.strftime("%Y-%m-%dT%H:%M:%S.654321Z").to_string();
            assert_eq!(
                parse_rfc3339_micros(&text),
                Some(secs * 1_000_000 + 654_321),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_what_is_not_a_timestamp() {
        for bad in [
            "",
            "2017-09-11",
            "2017-13-11T19:55:05Z",
            "2017-09-11T19:55:05",
            "2017-09-11T19:55:05.Z",
            "2017-09-11T19:55:05Zjunk",
            "yesterday at noon please",
        ] {
            assert_eq!(parse_rfc3339_micros(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_millis() {
        assert_eq!(
            format_millis_utc(1_505_159_705_123_456),
            "2017-09-11T19:55:05.123Z"
        );
    }
}
