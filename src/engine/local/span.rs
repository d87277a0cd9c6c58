//! When a time range matches nothing, the span the input covers: most often the range misses
//! the input (an old export read with `--since 1h`), and "0 events" alone does not say so.

use std::ops::ControlFlow;

use crate::audit::Depth;
use crate::audit::time::{TimeRange, format_millis_utc};
use crate::source::local::LocalInput;

/// The first and last `@timestamp` seen.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TimeSpan {
    first: Option<i64>,
    last: Option<i64>,
}

impl TimeSpan {
    pub fn add(&mut self, ms: Option<i64>) {
        if let Some(ms) = ms {
            self.first = Some(self.first.map_or(ms, |f| f.min(ms)));
            self.last = Some(self.last.map_or(ms, |l| l.max(ms)));
        }
    }

    /// The line that says where the input lies, when it holds any event with a time.
    pub fn explanation(&self) -> Option<String> {
        let (first, last) = (self.first?, self.last?);
        Some(format!(
            "no event in the time range; the input spans {} to {} (use --start/--end)",
            format_millis_utc(first * 1000),
            format_millis_utc(last * 1000)
        ))
    }
}

/// The span of the events of `inputs`, and whether any of them lies in `range`. Reads every
/// event's time: for after an answer came back empty, not on the way to one.
pub fn span_of<'i>(
    inputs: impl IntoIterator<Item = &'i LocalInput>,
    range: TimeRange,
) -> (TimeSpan, bool) {
    let mut span = TimeSpan::default();
    let mut inside = false;
    for input in inputs {
        input.scan(Depth::Minimal, |rec| {
            span.add(rec.system.timestamp_ms);
            inside |= range.contains(rec.system.timestamp_ms);
            ControlFlow::Continue(())
        });
    }
    (span, inside)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::formats::Origin;

    fn input(times: &[&str]) -> LocalInput {
        let text: String = times
            .iter()
            .map(|t| format!("{{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"auditID\":\"a\",\"stageTimestamp\":\"{t}\"}}\n"))
            .collect();
        LocalInput::from_vec(Origin::new("t", "t"), text.into_bytes())
    }

    #[test]
    fn the_span_covers_every_input_and_says_whether_the_range_meets_it() {
        let a = input(&["2026-11-02T08:00:00Z", "2026-11-02T07:00:00Z"]);
        let b = input(&["2026-11-02T09:30:00Z"]);
        let range = |start: i64, end: i64| TimeRange {
            start_ms: Some(start),
            end_ms: Some(end),
        };
        let eight = 1_793_606_400_000;
        let (span, inside) = span_of([&a, &b], range(eight + 1, eight + 60_000));
        assert!(!inside);
        assert_eq!(
            span.explanation().as_deref(),
            Some(
                "no event in the time range; the input spans 2026-11-02T07:00:00.000Z to \
                 2026-11-02T09:30:00.000Z (use --start/--end)"
            )
        );
        assert!(span_of([&a, &b], range(eight, eight + 1)).1);
        assert_eq!(TimeSpan::default().explanation(), None);
    }
}
