use super::*;

fn at(text: &str) -> i64 {
    match parse_time(text) {
        Some(ms) => ms,
        None => panic!("not a time: {text}"),
    }
}

#[test]
fn periods_parse_with_every_documented_unit() {
    let cases = [
        ("1ms", Period::Millis(1)),
        ("250msec", Period::Millis(250)),
        ("2milliseconds", Period::Millis(2)),
        ("30s", Period::Millis(30_000)),
        ("30sec", Period::Millis(30_000)),
        ("30secs", Period::Millis(30_000)),
        ("1second", Period::Millis(1_000)),
        ("5m", Period::Millis(300_000)),
        ("5min", Period::Millis(300_000)),
        ("5mins", Period::Millis(300_000)),
        ("5 minutes", Period::Millis(300_000)),
        ("1h", Period::Millis(3_600_000)),
        ("2hr", Period::Millis(7_200_000)),
        ("2hrs", Period::Millis(7_200_000)),
        ("1hour", Period::Millis(3_600_000)),
        ("1d", Period::Millis(86_400_000)),
        ("3days", Period::Millis(3 * 86_400_000)),
        ("1w", Period::Millis(7 * 86_400_000)),
        ("2weeks", Period::Millis(14 * 86_400_000)),
        ("1mo", Period::Months(1)),
        ("2mos", Period::Months(2)),
        ("1mon", Period::Months(1)),
        ("6months", Period::Months(6)),
        ("1q", Period::Months(3)),
        ("1qtr", Period::Months(3)),
        ("2quarters", Period::Months(6)),
        ("1y", Period::Months(12)),
        ("1yr", Period::Months(12)),
        ("2years", Period::Months(24)),
    ];
    for (text, want) in cases {
        assert_eq!(parse_period(text), Ok(want), "{text}");
    }
}

#[test]
fn bad_periods_say_why() {
    for (text, reason) in [
        ("m", "does not start with a number"),
        ("5", "unit is missing"),
        ("0m", "longer than zero"),
        ("5x", "`x` is not a time unit"),
        ("5M", "`M` is not a time unit"),
        ("1.5h", "`.5h` is not a time unit"),
        ("99999999999999999999s", "too large"),
        ("9999999999999999y", "too long"),
        ("5ss", "`ss` is not a time unit"),
    ] {
        match parse_period(text) {
            Err(e) => assert!(e.to_string().contains(reason), "{text}: {e}"),
            Ok(p) => panic!("{text} parsed as {p:?}"),
        }
    }
}

#[test]
fn fixed_periods_align_to_the_epoch() {
    let five_min = Period::Millis(300_000);
    let t = at("2024-05-01T10:07:31.500Z");
    assert_eq!(five_min.floor(t), at("2024-05-01T10:05:00Z"));
    assert_eq!(five_min.ceil(t), at("2024-05-01T10:10:00Z"));
    let boundary = at("2024-05-01T10:05:00Z");
    assert_eq!(five_min.floor(boundary), boundary);
    assert_eq!(five_min.ceil(boundary), boundary);
    // Before the epoch, floor still rounds down.
    assert_eq!(Period::Millis(1000).floor(-1), -1000);
    assert_eq!(Period::Millis(1000).ceil(-1), 0);
    // The week of 1970-01-01 (a Thursday) starts on a Thursday.
    assert_eq!(
        Period::Millis(7 * 86_400_000).floor(at("2024-05-01T00:00:00Z")),
        at("2024-04-25T00:00:00Z")
    );
}

#[test]
fn calendar_periods_follow_the_calendar() {
    let t = at("2024-05-17T13:00:00Z");
    assert_eq!(Period::Months(1).floor(t), at("2024-05-01T00:00:00Z"));
    assert_eq!(Period::Months(1).ceil(t), at("2024-06-01T00:00:00Z"));
    assert_eq!(Period::Months(3).floor(t), at("2024-04-01T00:00:00Z"));
    assert_eq!(Period::Months(3).ceil(t), at("2024-07-01T00:00:00Z"));
    assert_eq!(Period::Months(12).floor(t), at("2024-01-01T00:00:00Z"));
    assert_eq!(Period::Months(12).ceil(t), at("2025-01-01T00:00:00Z"));
    assert_eq!(
        Period::Months(12).ceil(at("2024-12-31T23:59:59.999Z")),
        at("2025-01-01T00:00:00Z")
    );
    assert_eq!(
        Period::Months(1).floor(at("2024-02-29T23:00:00Z")),
        at("2024-02-01T00:00:00Z")
    );
    assert_eq!(
        Period::Months(1).floor(at("1969-12-15T00:00:00Z")),
        at("1969-12-01T00:00:00Z")
    );
    let jan = at("2024-01-01T00:00:00Z");
    assert_eq!(Period::Months(1).ceil(jan), jan);
}

#[test]
fn periods_from_arguments() {
    assert_eq!(
        Period::from_value(&Value::str("1h"), "datefloor"),
        Ok(Period::Millis(3_600_000))
    );
    assert_eq!(
        Period::from_value(&Value::Int(60_000), "datefloor"),
        Ok(Period::Millis(60_000))
    );
    for bad in [
        Value::Int(0),
        Value::Int(-5),
        Value::Missing,
        Value::Float(1.5),
    ] {
        let e = Period::from_value(&bad, "datefloor");
        assert!(
            matches!(e, Err(EvalError::InvalidArgument { .. })),
            "{bad:?}"
        );
    }
}

#[test]
fn extreme_times_do_not_overflow() {
    let periods = [
        Period::Millis(1),
        Period::Millis(7),
        Period::Millis(10_000 * 366 * MS_PER_DAY),
        Period::Months(1),
        Period::Months(120_000),
    ];
    for ms in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX] {
        for p in periods {
            let (lo, hi) = (p.floor(ms), p.ceil(ms));
            assert!(lo <= hi, "{p:?} {ms}");
        }
        assert!(!format_time(ms).is_empty());
    }
}
