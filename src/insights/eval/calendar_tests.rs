use super::*;

#[test]
fn times_print_as_logs_insights_prints_them() {
    assert_eq!(format_time(0), "1970-01-01 00:00:00.000");
    assert_eq!(format_time(1_714_557_600_123), "2024-05-01 10:00:00.123");
    assert_eq!(format_time(-1), "1969-12-31 23:59:59.999");
    assert_eq!(format_time(951_782_400_000), "2000-02-29 00:00:00.000");
    assert_eq!(format_time(253_402_300_799_999), "9999-12-31 23:59:59.999");
}

#[test]
fn civil_conversions_round_trip() {
    for days in (-800_000..800_000).step_by(997) {
        let (y, m, d) = civil_from_days(days);
        assert!((1..=12).contains(&m) && (1..=31).contains(&d));
        assert_eq!(days_from_civil(y, m, d), days);
    }
}

#[test]
fn time_strings_parse() {
    assert_eq!(parse_time("1970-01-01T00:00:01Z"), Some(1000));
    assert_eq!(parse_time("1970-01-01T01:00:00+01:00"), Some(0));
    assert_eq!(
        parse_time("2024-05-01 10:00:00.123"),
        Some(1_714_557_600_123)
    );
    assert_eq!(parse_time("2024-05-01T10:00:00"), Some(1_714_557_600_000));
    assert_eq!(parse_time("1970-01-02"), Some(86_400_000));
    for not in [
        "",
        "get",
        "2024",
        "12345678901",
        "2024-13-01",
        "2024-05-01Tjunk",
    ] {
        assert_eq!(parse_time(not), None, "{not}");
    }
}
