//! `--since 1h | --start T --end T`, resolved to a half-open range of epoch milliseconds.

use clap::Args;

use super::usage::UsageError;
pub use crate::audit::time::TimeRange;

/// A time argument that cannot be read is bad usage.
type Result<T> = std::result::Result<T, UsageError>;

#[derive(Debug, Clone, Default, Args)]
pub struct TimeArgs {
    /// Only events from this long ago until now: 30s, 15m, 1h, 24h, 7d, 2w.
    #[arg(long, value_name = "DURATION", conflicts_with_all = ["start", "end"])]
    pub since: Option<String>,
    /// Only events at or after this time (RFC 3339, e.g. 2026-11-02T08:00:00Z, or a date).
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
    /// Only events before this time (RFC 3339 or a date).
    #[arg(long, value_name = "TIME")]
    pub end: Option<String>,
}

impl TimeArgs {
    pub fn resolve(&self, now_ms: i64) -> Result<TimeRange> {
        if let Some(since) = &self.since {
            let span = parse_duration_ms(since)?;
            return Ok(TimeRange {
                start_ms: Some(now_ms - span),
                end_ms: None,
            });
        }
        let start_ms = self.start.as_deref().map(parse_time_ms).transpose()?;
        let end_ms = self.end.as_deref().map(parse_time_ms).transpose()?;
        if let (Some(s), Some(e)) = (start_ms, end_ms)
            && e <= s
        {
            return Err(UsageError(format!(
                "--end ({}) must be after --start ({})",
                self.end.as_deref().unwrap_or_default(),
                self.start.as_deref().unwrap_or_default()
            )));
        }
        Ok(TimeRange { start_ms, end_ms })
    }
}

/// `30s`, `15m`, `1h`, `7d`, `2w` (also `90min`, `1.5h`).
pub fn parse_duration_ms(text: &str) -> Result<i64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| UsageError(format!("{text:?} is not a duration (try 15m, 1h, 7d)")))?;
    let unit_ms = match unit.trim() {
        "ms" => 1.0,
        "s" | "sec" | "secs" => 1e3,
        "m" | "min" | "mins" => 60e3,
        "h" | "hr" | "hrs" => 3600e3,
        "d" | "day" | "days" => 86_400e3,
        "w" | "week" | "weeks" => 604_800e3,
        other => {
            return Err(UsageError(format!(
                "{text:?}: unknown unit {other:?} (use s, m, h, d or w)"
            )));
        }
    };
    if value <= 0.0 {
        return Err(UsageError(format!("{text:?}: a duration must be positive")));
    }
    Ok((value * unit_ms) as i64)
}

/// RFC 3339 (`2026-11-02T08:00:00Z`, with an offset, or with a space), a civil time taken as UTC
/// (`2026-11-02 08:00`), or a date (`2026-11-02`, midnight UTC).
pub fn parse_time_ms(text: &str) -> Result<i64> {
    let t = text.trim();
    if let Some(us) = crate::audit::time::parse_rfc3339_micros(t) {
        return Ok(us / 1000);
    }
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Ok(ts.as_millisecond());
    }
    if let Ok(dt) = t.parse::<jiff::civil::DateTime>()
        && let Ok(ts) = jiff::tz::TimeZone::UTC.to_timestamp(dt)
    {
        return Ok(ts.as_millisecond());
    }
    Err(UsageError(format!(
        "{text:?} is not a time (use RFC 3339 such as 2026-11-02T08:00:00Z, or 2026-11-02)"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("15m").unwrap(), 900_000);
        assert_eq!(parse_duration_ms("1h").unwrap(), 3_600_000);
        assert_eq!(parse_duration_ms("7d").unwrap(), 604_800_000);
        assert_eq!(parse_duration_ms("1.5h").unwrap(), 5_400_000);
        assert!(parse_duration_ms("h").is_err());
        assert!(parse_duration_ms("5 parsecs").is_err());
        assert!(parse_duration_ms("0m").is_err());
    }

    #[test]
    fn times() {
        let t = 1_793_606_400_000; // 2026-11-02T08:00:00Z
        assert_eq!(parse_time_ms("2026-11-02T08:00:00Z").unwrap(), t);
        assert_eq!(parse_time_ms("2026-11-02T10:00:00+02:00").unwrap(), t);
        assert_eq!(parse_time_ms("2026-11-02 08:00").unwrap(), t);
        assert_eq!(parse_time_ms("2026-11-02").unwrap(), t - 8 * 3_600_000);
        assert!(parse_time_ms("yesterday").is_err());
    }

    #[test]
    fn ranges() {
        let args = TimeArgs {
            start: Some("2026-11-02".into()),
            end: Some("2026-11-03".into()),
            ..TimeArgs::default()
        };
        let r = args.resolve(0).unwrap();
        assert!(r.contains(Some(1_793_606_400_000)));
        assert!(!r.contains(Some(1_793_664_000_000)), "end is exclusive");
        assert!(!r.contains(None));
        assert!(TimeRange::default().contains(None));
        let since = TimeArgs {
            since: Some("1h".into()),
            ..TimeArgs::default()
        };
        assert_eq!(since.resolve(10_000_000).unwrap().start_ms, Some(6_400_000));
        let backwards = TimeArgs {
            start: Some("2026-11-03".into()),
            end: Some("2026-11-02".into()),
            ..TimeArgs::default()
        };
        assert!(backwards.resolve(0).is_err());
    }
}
